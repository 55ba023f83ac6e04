// One guard for "a JSON or YAML mapping" (not null, not a list), shared by values files and API answers.

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
