// The one client of OnCall's alert groups that smoke and e2e share: the public API's list page and one
// group, with the API token. OnCall v1.16.9 engine/apps/public_api: GET /api/v1/alert_groups/ lists the
// newest first (50 a page) with `id`, `title`, `state`, `created_at`, `acknowledged_at` and `last_alert`;
// GET /api/v1/alert_groups/<id>/ answers one; POST /api/v1/alert_groups/<id>/acknowledge/ acknowledges it as the
// token's user (views/alert_groups.py: 400 when already acknowledged or resolved). GET /api/v1/users/<id>/ names
// the `acknowledged_by` user (`username`).
import { PUBLIC_API_PATH } from "../../oncall/vocabulary";
import { withTrailingSlash } from "../../shared/urls";
import { getJson, postJson } from "./http";

export class AlertGroupsClient {
    readonly listUrl: URL;
    private readonly headers: Record<string, string>;

    constructor(oncallUrl: string, apiToken: string) {
        this.listUrl = new URL(`.${PUBLIC_API_PATH}alert_groups/`, withTrailingSlash(oncallUrl));
        this.headers = { Authorization: apiToken, accept: "application/json" };
    }

    groupUrl(id: string): URL {
        return new URL(`${encodeURIComponent(id)}/`, this.listUrl);
    }

    /** The first page as OnCall answers it ({results: [...]}). */
    listPage(signal?: AbortSignal): Promise<unknown> {
        return getJson(this.listUrl, this.headers, signal);
    }

    get(id: string, signal?: AbortSignal): Promise<unknown> {
        return getJson(this.groupUrl(id), this.headers, signal);
    }

    acknowledge(id: string, signal?: AbortSignal): Promise<unknown> {
        return postJson(new URL("acknowledge/", this.groupUrl(id)), this.headers, {}, signal);
    }

    user(id: string, signal?: AbortSignal): Promise<unknown> {
        return getJson(new URL(`../users/${encodeURIComponent(id)}/`, this.listUrl), this.headers, signal);
    }
}
