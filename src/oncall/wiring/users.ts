// The people OnCall must know before anything pages them. Upstream contracts (grafana/oncall v1.16.9):
// - engine/apps/public_api/views/users.py: GET /api/v1/users/?username=<login> (iexact filter) pages
//   {"results": [{"id","username","role",...}]}; role is admin, editor, viewer or none; only PAGEABLE_ROLES can be
//   paged while accessControlOnCall is off (api/permissions.py).
// - engine/apps/public_api/tf_sync.py: when the User-Agent contains "terraform-provider-grafana", that list first
//   re-reads Grafana's org users, at most once per 60 s per organization (user_management/sync.py: every org user,
//   Viewers included, username = Grafana login).
import { PAGEABLE_ROLES } from "../vocabulary";
import {
    type Attempt,
    call,
    type CallOptions,
    type HttpReply,
    READ_REQUEST_TIMEOUT_MS,
    rejected,
    retryLater,
    retryStep,
    succeeded,
} from "./http";
import type { OnCallWiringInputs } from "./inputs";
import { publicApiUrl, replaceRejectedToken, type TokenSession } from "./tokens";

/** The engine re-reads Grafana's users at most once a minute and allows 300 user requests a minute. */
const USER_POLL_MAX_DELAY_MS = 10_000;
/** engine/apps/public_api/tf_sync.py keys the user sync on this substring of the User-Agent. */
const USER_SYNC_USER_AGENT = "oncall-lab (user sync as terraform-provider-grafana)";

interface OnCallUser {
    id: string;
    username: string;
    role: string;
}

function findUserReply(
    inputs: OnCallWiringInputs,
    token: string,
    login: string,
    options: CallOptions,
): Promise<HttpReply> {
    const url = publicApiUrl(inputs, `users/?username=${encodeURIComponent(login)}&short=true`);
    return call("GET", url, { oncallApiToken: token }, options);
}

/** The user named `login` in a users list answer; null when absent, undefined when the answer is not a list. */
function userFromReply(reply: HttpReply, login: string): OnCallUser | null | undefined {
    const results = (reply.json as { results?: unknown } | undefined)?.results;
    if (!succeeded(reply) || !Array.isArray(results)) {
        return undefined;
    }
    return (results as OnCallUser[]).find((user) => user.username?.toLowerCase() === login.toLowerCase()) ?? null;
}

export async function waitForUsers(inputs: OnCallWiringInputs, session: TokenSession): Promise<Record<string, string>> {
    const secrets = () => [inputs.grafanaPassword, session.token];
    const poll = async (): Promise<Attempt<Record<string, string>>> => {
        const userIds: Record<string, string> = {};
        const missing: string[] = [];
        const notPageable: string[] = [];
        let last: HttpReply | undefined;
        for (const login of inputs.userLogins) {
            // The first request of a round makes the engine re-read Grafana's users (at most once a minute).
            last = await findUserReply(inputs, session.token, login, { userAgent: USER_SYNC_USER_AGENT });
            if (rejected(last)) {
                return replaceRejectedToken(inputs, session, last);
            }
            const user = userFromReply(last, login);
            if (user === undefined) {
                return retryLater(last);
            }
            if (user === null) {
                missing.push(login);
            } else if (!PAGEABLE_ROLES.includes(user.role)) {
                notPageable.push(`${login} (role ${user.role})`);
            } else {
                userIds[login] = user.id;
            }
        }
        if (last === undefined || (missing.length === 0 && notPageable.length === 0)) {
            return { done: true, value: userIds };
        }
        const problems = [
            ...(missing.length > 0 ? [`not in OnCall: ${missing.join(", ")}`] : []),
            ...(notPageable.length > 0 ? [`in OnCall but not pageable: ${notPageable.join(", ")}`] : []),
        ];
        return retryLater(
            last,
            `${problems.join("; ")}. OnCall copies the users of Grafana's main org; check that each login exists ` +
                "there with role Editor or Admin (Viewers are synced but cannot be paged)",
        );
    };
    return retryStep(
        "waiting until OnCall knows every person",
        inputs.readyTimeoutSeconds,
        secrets,
        poll,
        USER_POLL_MAX_DELAY_MS,
    );
}

/** One look at the users, for refresh: no sync is triggered; undefined when OnCall gives no usable answer. */
export async function observeUserIds(
    inputs: OnCallWiringInputs,
    token: string,
): Promise<Record<string, string> | undefined> {
    const userIds: Record<string, string> = {};
    for (const login of inputs.userLogins) {
        const user = userFromReply(
            await findUserReply(inputs, token, login, { timeoutMs: READ_REQUEST_TIMEOUT_MS }),
            login,
        );
        if (user === undefined) {
            return undefined;
        }
        if (user !== null && PAGEABLE_ROLES.includes(user.role)) {
            userIds[login] = user.id;
        }
    }
    return userIds;
}
