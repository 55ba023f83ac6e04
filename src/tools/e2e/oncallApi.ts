// What the e2e asks the lab while it acts: OnCall's public API (alert groups, through the client smoke
// uses too) and Mailpit's search, at the URLs and with the token from the stack outputs.
//
// OnCall v1.16.9 engine/apps/public_api/serializers/alert_groups.py: an alert group has `id`, `state`
// (AlertGroup.state: resolved, else acknowledged, else silenced, else firing), `created_at`,
// `acknowledged_at`, `acknowledged_by`, `title` and `last_alert` (with the payload). Mailpit's search
// answers {messages: [{ID, Created, ...}]} (docs/apiv1/Messages.md), `Created` in RFC 3339.
import { isRecord } from "../../shared/records";
import { withTrailingSlash } from "../../shared/urls";
import type { StackOutputs } from "../shared/cli";
import { getJson, isPermanentHttpError } from "../shared/http";
import { AlertGroupsClient } from "../shared/oncallAlertGroups";
import { type Clock, poll } from "../shared/polling";

export interface AlertGroup {
    id: string;
    state: string;
    title?: string | null;
    created_at?: string;
    acknowledged_at?: string | null;
}

/** OnCall's and this machine's clocks (the same host for kind) may disagree by a moment. */
const clockSkewMs = 2_000;

/** Whether a timestamp from OnCall or Mailpit is at or after `sinceMs` (an unreadable one is not). */
export function createdSince(timestamp: unknown, sinceMs: number): boolean {
    const at = typeof timestamp === "string" ? Date.parse(timestamp) : Number.NaN;
    return Number.isFinite(at) && at >= sinceMs - clockSkewMs;
}

export class LabApi {
    private readonly groups: AlertGroupsClient;

    constructor(
        private readonly outputs: StackOutputs,
        private readonly clock: Clock,
        private readonly pollMs: number,
    ) {
        this.groups = new AlertGroupsClient(this.text("oncallUrl"), this.text("oncallApiToken"));
    }

    private text(name: string): string {
        const value = this.outputs[name];
        if (typeof value !== "string" || value === "") throw new Error(`the stack has no output ${name}`);
        return value;
    }

    async alertGroups(): Promise<Record<string, unknown>[]> {
        const page = await this.groups.listPage();
        return isRecord(page) && Array.isArray(page.results) ? page.results.filter(isRecord) : [];
    }

    async alertGroup(id: string): Promise<AlertGroup> {
        return (await this.groups.get(id)) as AlertGroup;
    }

    /**
     * Waits for the first listed group `matches` accepts that OnCall opened at or after `sinceMs`;
     * older ones (an earlier run's, in any state) never count. Throws naming `what` on timeout.
     */
    async waitForGroup(
        what: string,
        matches: (group: Record<string, unknown>) => boolean,
        sinceMs: number,
        timeoutMs: number,
    ): Promise<AlertGroup> {
        let stale: string[] = [];
        const found = await poll(
            { timeoutMs, intervalMs: this.pollMs, clock: this.clock, isPermanent: isPermanentHttpError },
            async () => {
                const candidates = (await this.alertGroups()).filter(matches);
                stale = candidates
                    .filter((group) => !createdSince(group.created_at, sinceMs))
                    .map((group) => `${String(group.id)} (${String(group.created_at)}, ${String(group.state)})`);
                return candidates.find((group) => createdSince(group.created_at, sinceMs)) as AlertGroup | undefined;
            },
        );
        if (found.value !== undefined) return found.value;
        const older = stale.length > 0 ? `; older ones do not count: ${stale.join(", ")}` : "";
        const since = new Date(sinceMs).toISOString();
        throw new Error(
            `no alert group for ${what} opened after ${since} within ${timeoutMs / 1000} s${found.lastError ? ` (${found.lastError})` : ""}${older}`,
        );
    }

    async waitForState(id: string, state: string, timeoutMs: number): Promise<AlertGroup> {
        let last = "unknown";
        const found = await poll(
            { timeoutMs, intervalMs: this.pollMs, clock: this.clock, isPermanent: isPermanentHttpError },
            async () => {
                const group = await this.alertGroup(id);
                last = group.state;
                return group.state === state ? group : undefined;
            },
        );
        if (found.value === undefined)
            throw new Error(`alert group ${id} was still ${last}, not ${state}, after ${timeoutMs / 1000} s`);
        return found.value;
    }

    /** How many e-mails in Mailpit mention `word`; with `sinceMs`, only those received at or after it. */
    async mailCount(word: string, sinceMs?: number): Promise<number> {
        const url = new URL("api/v1/search", withTrailingSlash(this.text("mailUrl")));
        url.searchParams.set("query", word);
        const result = await getJson(url, { accept: "application/json" });
        const messages = isRecord(result) && Array.isArray(result.messages) ? result.messages.filter(isRecord) : [];
        return sinceMs === undefined
            ? messages.length
            : messages.filter((message) => createdSince(message.Created, sinceMs)).length;
    }
}

/** Whether the group's title or newest alert mentions `text` (an alert name, a pod name). */
export function groupMentions(group: Record<string, unknown>, text: string): boolean {
    return JSON.stringify([group.title, group.last_alert]).includes(text);
}
