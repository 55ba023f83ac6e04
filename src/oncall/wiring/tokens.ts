// The OnCall API token the wiring issues. Upstream contracts (grafana/oncall v1.16.9):
// - engine/apps/api/views/public_api_tokens.py (+ serializers/public_api_token.py): through the plugin proxy,
//   GET tokens/ lists the caller's tokens as [{"id","name","created_at"}] (not paged, never the token itself: the
//   engine keeps only a digest, auth_token/models/api_auth_token.py); POST {"name"} answers 201 {"id" (integer),
//   "token","name","created_at"}, or 400 "Max token count" at MAX_API_TOKENS_PER_USER; DELETE tokens/<id>/.
// - engine/apps/auth_token/auth.py ApiTokenAuthentication: `Authorization: <token>`, no scheme; an unknown or
//   revoked token gets 403 "Invalid token." (no WWW-Authenticate, so DRF answers 403, not 401).
// - engine/apps/public_api/views/users.py: users/current/ is the token's own user.
import { MAX_API_TOKENS_PER_USER, PUBLIC_API_PATH } from "../vocabulary";
import {
    type Attempt,
    call,
    giveUp,
    type HttpReply,
    rejected,
    retryLater,
    retryStep,
    succeeded,
    unreachable,
} from "./http";
import { withoutTrailingSlash } from "../../shared/urls";
import type { OnCallWiringInputs } from "./inputs";
import { grafanaCredentials, grafanaOrEngineRejection, pluginApiUrl } from "./plugin";

/** The token an operation works with; `issued` when this operation issued it (and must revoke it on failure). */
export interface TokenSession {
    token: string;
    id: number;
    issued: boolean;
    /** A rejected token may be replaced once per operation; a fresh one that is rejected will not do better. */
    mayReissue: boolean;
}

interface ListedToken {
    id: number;
    name: string;
}

export function publicApiUrl(inputs: OnCallWiringInputs, path: string): string {
    return `${withoutTrailingSlash(inputs.oncallPublicUrl)}${PUBLIC_API_PATH}${path}`;
}

function tokensUrl(inputs: OnCallWiringInputs): string {
    return `${pluginApiUrl(inputs)}/resources/tokens/`;
}

function listedTokens(reply: HttpReply): ListedToken[] | undefined {
    return succeeded(reply) && Array.isArray(reply.json) ? (reply.json as ListedToken[]) : undefined;
}

function tooManyTokens(inputs: OnCallWiringInputs, names: string[]): string {
    const held = names.length > 0 ? ` (${names.map((name) => JSON.stringify(name)).join(", ")})` : "";
    return (
        `user "${inputs.grafanaUser}" already holds ${MAX_API_TOKENS_PER_USER} OnCall API tokens, OnCall's maximum${held}; ` +
        "revoke one in OnCall's settings (API tokens), then run again"
    );
}

/**
 * Issues a token named apiTokenName. A POST that timed out may have issued one all the same, and that one cannot be
 * adopted (the list never gives a token's value): tokens of that name that this operation does not hold (`keep`)
 * are revoked first, so that retries do not use up the user's allowance. Tokens of other names are never touched.
 */
export async function issueApiToken(
    inputs: OnCallWiringInputs,
    keep: readonly number[] = [],
): Promise<{ token: string; id: number }> {
    const credentials = grafanaCredentials(inputs);
    return retryStep(
        "issuing an OnCall API token",
        inputs.readyTimeoutSeconds,
        () => [inputs.grafanaPassword],
        async () => {
            const listed = await call("GET", tokensUrl(inputs), credentials);
            if (rejected(listed)) {
                return grafanaOrEngineRejection(inputs, listed);
            }
            const tokens = listedTokens(listed);
            if (tokens === undefined) {
                return retryLater(listed);
            }
            const leftovers = tokens.filter((token) => token.name === inputs.apiTokenName && !keep.includes(token.id));
            for (const leftover of leftovers) {
                const revoked = await revokeApiToken(inputs, leftover.id);
                if (!revoked.done) {
                    return revoked;
                }
            }
            const others = tokens.filter((token) => !leftovers.includes(token));
            if (others.length >= MAX_API_TOKENS_PER_USER) {
                return giveUp(
                    listed,
                    tooManyTokens(
                        inputs,
                        others.map((token) => token.name),
                    ),
                );
            }
            const created = await call("POST", tokensUrl(inputs), credentials, {
                payload: { name: inputs.apiTokenName },
            });
            const issued = created.json as { token?: unknown; id?: unknown } | undefined;
            if (succeeded(created) && typeof issued?.token === "string" && typeof issued.id === "number") {
                return { done: true, value: { token: issued.token, id: issued.id } };
            }
            if (/max token count/i.test(created.body)) {
                return giveUp(created, tooManyTokens(inputs, []));
            }
            return rejected(created) ? grafanaOrEngineRejection(inputs, created) : retryLater(created);
        },
    );
}

/** Revokes one token by its id; a Grafana that cannot be reached leaves nothing to revoke it in. */
export async function revokeApiToken(inputs: OnCallWiringInputs, id: number): Promise<Attempt<void>> {
    const removed = await call("DELETE", `${tokensUrl(inputs)}${id}/`, grafanaCredentials(inputs));
    if (succeeded(removed) || removed.status === 404 || unreachable(removed)) {
        return { done: true, value: undefined };
    }
    return rejected(removed) ? grafanaOrEngineRejection(inputs, removed) : retryLater(removed);
}

/** Asks OnCall's public API who the token belongs to: 2xx means this engine issued it and it still works. */
export function probeApiToken(inputs: OnCallWiringInputs, token: string, timeoutMs?: number): Promise<HttpReply> {
    return call("GET", publicApiUrl(inputs, "users/current/"), { oncallApiToken: token }, { timeoutMs });
}

/** After OnCall rejected the session's token: replace it once, then stop (retrying a rejection cannot help). */
export async function replaceRejectedToken<T>(
    inputs: OnCallWiringInputs,
    session: TokenSession,
    reply: HttpReply,
): Promise<Attempt<T>> {
    if (!session.mayReissue) {
        return giveUp(
            reply,
            `OnCall's public API rejected a freshly issued API token: user "${inputs.grafanaUser}" must be an OnCall ` +
                "admin (Grafana role Admin), and oncallPublicUrl must reach the engine the plugin is connected to",
        );
    }
    // The rejected token stays: it is the one the state records until this operation succeeds.
    const fresh = await issueApiToken(inputs, [session.id]);
    Object.assign(session, { token: fresh.token, id: fresh.id, issued: true, mayReissue: false });
    return retryLater(reply, "OnCall rejected the API token; issued a new one");
}

export async function ensureUsableToken(inputs: OnCallWiringInputs, session: TokenSession): Promise<void> {
    await retryStep(
        "checking the OnCall API token",
        inputs.readyTimeoutSeconds,
        () => [inputs.grafanaPassword, session.token],
        async () => {
            const probe = await probeApiToken(inputs, session.token);
            if (succeeded(probe)) {
                return { done: true, value: undefined };
            }
            return rejected(probe) ? replaceRejectedToken(inputs, session, probe) : retryLater(probe);
        },
    );
}
