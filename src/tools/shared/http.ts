// HTTP pieces the tools share: JSON GETs that tell a permanent answer from a passing one, posting
// alerts to Alertmanager, and reaching a lab URL through 127.0.0.1 or as it is.
//
// Alertmanager api/v2/openapi.yaml: POST /api/v2/alerts takes [{labels, annotations, startsAt, endsAt}];
// an alert whose endsAt has passed is resolved.
import { request } from "node:http";
import { withTrailingSlash } from "../../shared/urls";

export const requestTimeoutMs = 10_000;

/** An error's message, with fetch's hidden reason: fetch says "fetch failed" and puts ECONNREFUSED and the like in `cause`. */
export function describeError(error: unknown): string {
    if (!(error instanceof Error)) return String(error);
    return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

/** An HTTP status that waiting longer will not change (bad token, wrong URL). */
export class PermanentHttpError extends Error {}

export const isPermanentHttpError = (error: unknown): boolean => error instanceof PermanentHttpError;

function withTimeout(signal?: AbortSignal): AbortSignal {
    const timeout = AbortSignal.timeout(requestTimeoutMs);
    return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/** A GET whose answer must be 2xx: a 4xx other than 429 is permanent (no retry helps), anything else may pass. */
async function getOk(url: URL | string, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    const href = url.toString();
    const response = await fetch(href, { headers, signal: withTimeout(signal) });
    if (!response.ok) {
        const message = `GET ${href} answered HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`;
        throw response.status >= 400 && response.status < 500 && response.status !== 429
            ? new PermanentHttpError(message)
            : new Error(message);
    }
    return response;
}

export async function getJson(
    url: URL | string,
    headers: Record<string, string>,
    signal?: AbortSignal,
): Promise<unknown> {
    return (await getOk(url, headers, signal)).json();
}

export async function getText(
    url: URL | string,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
): Promise<string> {
    return (await getOk(url, headers, signal)).text();
}

export interface PostableAlert {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt?: string;
    endsAt: string;
}

export async function postAlerts(
    alertmanagerUrl: string,
    alerts: PostableAlert[],
    signal?: AbortSignal,
): Promise<void> {
    const url = new URL("api/v2/alerts", withTrailingSlash(alertmanagerUrl));
    const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(alerts),
        signal: withTimeout(signal),
    });
    if (!response.ok) {
        throw new Error(`POST ${url.href} answered HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
    }
}

/**
 * GET `url` through 127.0.0.1 on the URL's port, with the URL's own Host header: the lab's names
 * (grafana.<cluster>.localhost) reach the lab's published ports, even where this machine's resolver
 * does not resolve *.localhost. Answers the status without following redirects.
 */
export function getThroughLoopback(url: string, signal?: AbortSignal): Promise<{ status: number; location?: string }> {
    const target = new URL(url);
    // The lab publishes plain HTTP; TLS would need the name for SNI and certificate checks.
    if (target.protocol !== "http:")
        return Promise.reject(new Error(`${url}: only http:// lab URLs can be reached through 127.0.0.1`));
    const port = Number(target.port || 80);
    return new Promise((answer, fail) => {
        const req = request(
            {
                host: "127.0.0.1",
                port,
                path: `${target.pathname}${target.search}`,
                headers: { host: target.host },
                signal: withTimeout(signal),
            },
            (response) => {
                response.resume();
                answer({ status: response.statusCode ?? 0, location: response.headers.location });
            },
        );
        req.once("error", fail);
        req.end();
    });
}

/** The kind lab's names end in .localhost, which this machine's resolver may not know: getThroughLoopback. */
export function reachedThroughLoopback(url: string): boolean {
    return new URL(url).hostname.endsWith(".localhost");
}

/** GET `url` as it is (this machine's DNS, http or https). Answers the status without following redirects. */
export async function getWithoutRedirects(
    url: string,
    signal?: AbortSignal,
): Promise<{ status: number; location?: string }> {
    const response = await fetch(url, { redirect: "manual", signal: withTimeout(signal) });
    await response.body?.cancel();
    return { status: response.status, location: response.headers.get("location") ?? undefined };
}

/**
 * POST a JSON body and answer the JSON reply (or undefined when empty). A lab name under .localhost goes through
 * 127.0.0.1 with its own Host header, as getThroughLoopback does; anything else as it is.
 */
export async function postJson(
    url: URL | string,
    headers: Record<string, string>,
    body: unknown,
    signal?: AbortSignal,
): Promise<unknown> {
    const target = new URL(url.toString());
    const sent = { ...headers, "content-type": "application/json", accept: "application/json" };
    const { status, text } = reachedThroughLoopback(target.href)
        ? await postThroughLoopback(target, sent, JSON.stringify(body), signal)
        : await fetch(target, {
              method: "POST",
              headers: sent,
              body: JSON.stringify(body),
              signal: withTimeout(signal),
          }).then(async (response) => ({
              status: response.status,
              text: await response.text(),
          }));
    if (status < 200 || status >= 300)
        throw new Error(`POST ${target.href} answered HTTP ${status}: ${text.slice(0, 200)}`);
    return text.trim() === "" ? undefined : JSON.parse(text);
}

function postThroughLoopback(
    target: URL,
    headers: Record<string, string>,
    body: string,
    signal?: AbortSignal,
): Promise<{ status: number; text: string }> {
    return new Promise((answer, fail) => {
        const options = {
            host: "127.0.0.1",
            port: Number(target.port || 80),
            method: "POST",
            path: `${target.pathname}${target.search}`,
            headers: { ...headers, host: target.host },
            signal: withTimeout(signal),
        };
        const req = request(options, (response) => {
            let text = "";
            response.on("data", (chunk: Buffer) => (text += chunk.toString()));
            response.on("end", () => answer({ status: response.statusCode ?? 0, text }));
        });
        req.once("error", fail);
        req.end(body);
    });
}
