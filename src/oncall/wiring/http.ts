// HTTP for the dynamic providers: one call, what its answer means, and a retried step whose error message
// names the request and answer without passwords or tokens. Pulumi serializes the providers with what they use
// of this module and of what it imports (captured by value), so they may only use globals (fetch, Buffer,
// AbortSignal, timers).
import { basicAuthorization } from "../../shared/basicAuth";

const REQUEST_TIMEOUT_MS = 15_000;
/** Refresh only looks: a lab that does not answer at once counts as unreachable and its state is kept. */
export const READ_REQUEST_TIMEOUT_MS = 3_000;
const FIRST_RETRY_DELAY_MS = 250;
const MAX_RETRY_DELAY_MS = 5_000;
const ERROR_BODY_MAX_CHARS = 300;

export type Credentials = { grafanaUser: string; grafanaPassword: string } | { oncallApiToken: string };

export interface CallOptions {
    payload?: unknown;
    userAgent?: string;
    timeoutMs?: number;
}

export interface HttpReply {
    method: string;
    url: string;
    /** 0 when no HTTP answer came back. */
    status: number;
    body: string;
    json: unknown;
    networkFailure?: string;
}

export type Attempt<T> = { done: true; value: T } | { done: false; reply: HttpReply; why?: string; fatal?: boolean };

export async function call(
    method: string,
    url: string,
    credentials: Credentials,
    options: CallOptions = {},
): Promise<HttpReply> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if ("oncallApiToken" in credentials) {
        // OnCall's public API takes the bare token and rejects a "Bearer" scheme.
        headers.Authorization = credentials.oncallApiToken;
    } else {
        headers.Authorization = basicAuthorization(credentials.grafanaUser, credentials.grafanaPassword);
    }
    if (options.payload !== undefined) {
        headers["Content-Type"] = "application/json";
    }
    if (options.userAgent !== undefined) {
        headers["User-Agent"] = options.userAgent;
    }
    try {
        const response = await fetch(url, {
            method,
            headers,
            body: options.payload === undefined ? undefined : JSON.stringify(options.payload),
            signal: AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS),
        });
        const body = await response.text();
        let json: unknown;
        try {
            json = body === "" ? undefined : JSON.parse(body);
        } catch {
            json = undefined;
        }
        return { method, url, status: response.status, body, json };
    } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        const networkFailure = `${(error as Error).message}${cause ? ` (${cause})` : ""}`;
        return { method, url, status: 0, body: "", json: undefined, networkFailure };
    }
}

export function succeeded(reply: HttpReply): boolean {
    return reply.status >= 200 && reply.status < 300;
}

export function unreachable(reply: HttpReply): boolean {
    return reply.status === 0;
}

export function rejected(reply: HttpReply): boolean {
    return reply.status === 401 || reply.status === 403;
}

export function retryLater<T>(reply: HttpReply, why?: string): Attempt<T> {
    return { done: false, reply, why };
}

export function giveUp<T>(reply: HttpReply, why: string): Attempt<T> {
    return { done: false, reply, why, fatal: true };
}

/** Removes passwords and tokens from text bound for an error message (and so for Pulumi's logs). */
function scrubSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
    let scrubbed = text.replace(/(\/integrations\/v1\/[^/\s"]+\/)[^/\s"]+/g, "$1<redacted>");
    for (const secret of secrets) {
        if (secret !== undefined && secret.length > 0) {
            scrubbed = scrubbed.split(secret).join("<redacted>");
        }
    }
    return scrubbed;
}

function describeFailure(
    attempt: { reply: HttpReply; why?: string },
    secrets: ReadonlyArray<string | undefined>,
): string {
    const { reply, why } = attempt;
    // A successful answer is not the problem (the why says what is), so its body is left out.
    const body = succeeded(reply) ? "" : scrubSecrets(reply.body.trim(), secrets);
    const clipped = body.length > ERROR_BODY_MAX_CHARS ? `${body.slice(0, ERROR_BODY_MAX_CHARS)}...` : body;
    const answer = reply.networkFailure ?? `HTTP ${reply.status}${clipped === "" ? "" : `: ${clipped}`}`;
    return scrubSecrets(`${reply.method} ${reply.url} -> ${answer}${why ? ` (${why})` : ""}`, secrets);
}

/** Repeats one step with bounded exponential backoff until it succeeds, fails for good, or time runs out. */
export async function retryStep<T>(
    step: string,
    timeoutSeconds: number,
    secrets: () => ReadonlyArray<string | undefined>,
    attempt: () => Promise<Attempt<T>>,
    maxDelayMs = MAX_RETRY_DELAY_MS,
): Promise<T> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    let delayMs = FIRST_RETRY_DELAY_MS;
    for (;;) {
        const outcome = await attempt();
        if (outcome.done) {
            return outcome.value;
        }
        if (outcome.fatal) {
            throw new Error(`OnCall wiring failed while ${step}: ${describeFailure(outcome, secrets())}`);
        }
        const remainingMs = deadline - Date.now();
        if (remainingMs <= 0) {
            throw new Error(
                `OnCall wiring gave up ${step} after ${timeoutSeconds}s; last answer: ${describeFailure(outcome, secrets())}`,
            );
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(delayMs, remainingMs)));
        delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
}
