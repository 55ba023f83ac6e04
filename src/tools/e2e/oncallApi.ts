// What the e2e asks the lab while it acts: OnCall's public API (alert groups) and Mailpit's search,
// at the URLs and with the token from the stack outputs.
//
// OnCall v1.16.9 engine/apps/public_api/serializers/alert_groups.py: an alert group has `id`, `state`
// (AlertGroup.state: resolved, else acknowledged, else silenced, else firing), `created_at`,
// `acknowledged_at`, `acknowledged_by`, `title` and `last_alert` (with the payload).
import { PUBLIC_API_PATH } from "../../oncall/vocabulary";
import { isRecord } from "../../shared/records";
import type { StackOutputs } from "../cli";
import { withTrailingSlash } from "../../shared/urls";
import { getJson, isPermanentHttpError } from "../http";
import { type Clock, poll } from "../polling";

export interface AlertGroup {
    id: string;
    state: string;
    title?: string | null;
    created_at?: string;
    acknowledged_at?: string | null;
}

export class LabApi {
    constructor(
        private readonly outputs: StackOutputs,
        private readonly clock: Clock,
        private readonly pollMs: number,
    ) {}

    private text(name: string): string {
        const value = this.outputs[name];
        if (typeof value !== "string" || value === "") throw new Error(`the stack has no output ${name}`);
        return value;
    }

    async alertGroups(): Promise<Record<string, unknown>[]> {
        const url = new URL(`.${PUBLIC_API_PATH}alert_groups/`, withTrailingSlash(this.text("oncallUrl")));
        const page = await getJson(url, { Authorization: this.text("oncallApiToken"), accept: "application/json" });
        return isRecord(page) && Array.isArray(page.results) ? page.results.filter(isRecord) : [];
    }

    async alertGroup(id: string): Promise<AlertGroup> {
        const url = new URL(`.${PUBLIC_API_PATH}alert_groups/${encodeURIComponent(id)}/`, withTrailingSlash(this.text("oncallUrl")));
        return (await getJson(url, { Authorization: this.text("oncallApiToken"), accept: "application/json" })) as AlertGroup;
    }

    /** Waits for the first listed group `matches` accepts; throws naming `what` on timeout. */
    async waitForGroup(what: string, matches: (group: Record<string, unknown>) => boolean, timeoutMs: number): Promise<AlertGroup> {
        const found = await poll({ timeoutMs, intervalMs: this.pollMs, clock: this.clock, isPermanent: isPermanentHttpError }, async () =>
            (await this.alertGroups()).find(matches) as AlertGroup | undefined,
        );
        if (found.value === undefined) throw new Error(`no alert group for ${what} within ${timeoutMs / 1000} s${found.lastError ? ` (${found.lastError})` : ""}`);
        return found.value;
    }

    async waitForState(id: string, state: string, timeoutMs: number): Promise<AlertGroup> {
        let last = "unknown";
        const found = await poll({ timeoutMs, intervalMs: this.pollMs, clock: this.clock, isPermanent: isPermanentHttpError }, async () => {
            const group = await this.alertGroup(id);
            last = group.state;
            return group.state === state ? group : undefined;
        });
        if (found.value === undefined) throw new Error(`alert group ${id} was still ${last}, not ${state}, after ${timeoutMs / 1000} s`);
        return found.value;
    }

    /** How many e-mails in Mailpit mention `word`. */
    async mailCount(word: string): Promise<number> {
        const url = new URL("api/v1/search", withTrailingSlash(this.text("mailUrl")));
        url.searchParams.set("query", word);
        const result = await getJson(url, { accept: "application/json" });
        return isRecord(result) && Array.isArray(result.messages) ? result.messages.length : 0;
    }
}

/** Whether the group's title or newest alert mentions `text` (an alert name, a pod name). */
export function groupMentions(group: Record<string, unknown>, text: string): boolean {
    return JSON.stringify([group.title, group.last_alert]).includes(text);
}
