// How `npm run check:versions` tells whether a file downloads: it asks with redirects left to it (each hop is
// reported), and reads only the status and headers. Pure: scripts/check-versions.ts makes the requests.
import type { Finding } from "./findings";

export const GRAFANA_CATALOG = "https://grafana.com";

export interface Platform {
    os: "linux";
    arch: "amd64" | "arm64";
}
/** Grafana's image runs on linux; laptops are amd64 or arm64 (Apple silicon). */
export const PLUGIN_PLATFORMS: readonly Platform[] = [
    { os: "linux", arch: "amd64" },
    { os: "linux", arch: "arm64" },
];

/**
 * What Grafana fetches for a plugin version on a platform: grafana.com's
 * `/api/plugins/<id>/versions/<version>/download?os=<os>&arch=<arch>`, which redirects to the package's file. It
 * answers for a version even where grafana.com leaves a deprecated plugin out of its listings.
 */
export function pluginDownloadUrl(pluginId: string, version: string, platform: Platform): string {
    const url = new URL(`${GRAFANA_CATALOG}/api/plugins/${pluginId}/versions/${version}/download`);
    url.searchParams.set("os", platform.os);
    url.searchParams.set("arch", platform.arch);
    return url.href;
}

/** One answer on the way to the file: status and the headers that matter, or why there was none. */
export type DownloadHop =
    { url: string; status: number; location?: string; contentType?: string } | { url: string; error: string };

export const MAX_REDIRECTS = 5;

/** The URL a redirect points at (relative Locations resolve against the hop's URL), or undefined. */
export function nextHop(hop: DownloadHop): string | undefined {
    if ("error" in hop || hop.status < 300 || hop.status > 399 || !hop.location) return undefined;
    return new URL(hop.location, hop.url).href;
}

export function judgeDownload(hops: readonly DownloadHop[]): Finding {
    const last = hops.at(-1);
    if (!last) throw new Error("judgeDownload needs at least one answer");
    const via =
        hops.length > 1
            ? ` (via ${hops
                  .slice(0, -1)
                  .map((h) => new URL(h.url).host)
                  .join(", ")})`
            : "";
    if ("error" in last) return { verdict: "unreachable", detail: `${last.url}: ${last.error}` };
    if (last.status === 200 || last.status === 206) {
        return {
            verdict: "ok",
            detail: `downloads from ${last.url}${via}${last.contentType ? `, ${last.contentType}` : ""}`,
        };
    }
    // Cloud storage answers 403 for an object that does not exist when the bucket's listing is not public.
    if ([403, 404, 410].includes(last.status))
        return { verdict: "MISSING", detail: `${last.url} answered ${last.status}${via}` };
    if (nextHop(last))
        return { verdict: "unreachable", detail: `more than ${MAX_REDIRECTS} redirects from ${hops[0].url}` };
    return { verdict: "unreachable", detail: `${last.url} answered HTTP ${last.status}${via}` };
}
