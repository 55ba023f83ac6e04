import { withoutTrailingSlash } from "../../shared/urls";

/**
 * OnCall builds an integration's link from its BASE_URL (the host-reachable URL); Alertmanager runs in the
 * cluster, so it needs the same integration path on the in-cluster engine URL.
 */
export function inClusterWebhookUrl(link: string, oncallInClusterUrl: string): string {
    const integrationPath = /\/integrations\/v1\/alertmanager\/[A-Za-z0-9_-]+\/$/;
    let path: string | undefined;
    try {
        path = new URL(link).pathname;
    } catch {
        path = undefined;
    }
    const match = path === undefined ? null : integrationPath.exec(path);
    if (match === null) {
        // The link carries the integration's secret token: describe it without echoing it.
        const shape = path === undefined ? "not a URL" : `path ${path.replace(/[A-Za-z0-9_-]{12,}/g, "<redacted>")}`;
        throw new Error(
            `OnCall integration link is not an <engine>/integrations/v1/alertmanager/<token>/ URL (${shape})`,
        );
    }
    return withoutTrailingSlash(oncallInClusterUrl) + match[0];
}
