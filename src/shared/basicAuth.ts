// HTTP Basic auth (RFC 7617), which Grafana's API takes from its admin: one header builder for the wiring providers
// (Pulumi serializes it with them, so it uses only globals) and the tools.

/** An Authorization header's value for HTTP Basic auth. */
export function basicAuthorization(user: string, password: string): string {
    return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}
