// What `npm run check:versions` looks up, and how it reads the answers. Pure: the requests are made by
// scripts/check-versions.ts, which hands the answers (status, headers, bodies) to the functions here.
import { parse } from "yaml";
import { chartRepositories } from "../../shared/charts";
import type { Values } from "../../shared/values";
import { ONCALL_PLUGIN_ID, oncallPluginReleaseUrl } from "../../oncall/vocabulary";
import type { Finding, Verdict } from "./findings";
import { GRAFANA_CATALOG, PLUGIN_PLATFORMS, type Platform } from "./downloadCheck";
import { withoutTrailingSlash } from "../../shared/urls";
import { behindDetail, newerInLine } from "./patchCheck";
import { type ImageRef, parseImageRef } from "./imageRef";

/** The config defaults that name something to download (configDefaults in ./config has them all). */
export interface VersionDefaults {
    kindNodeImage: string;
    vmStackChartVersion: string;
    grafanaChartVersion: string;
    oncallChartVersion: string;
    grafanaImageTag: string;
    oncallImageTag: string;
    oncallPluginVersion: string;
    /** The zip Grafana installs instead of the catalog's copy; unset: the release's own copy is checked. */
    oncallPluginUrl?: string;
    mailpitImage: string;
}

interface PinBase {
    /** What it is and where the lab sets it, e.g. "oncall chart (oncallChartVersion)". */
    what: string;
    /** The pinned value as the lab writes it. */
    pinned: string;
}
export interface ChartPin extends PinBase {
    kind: "chart";
    repoUrl: string;
    chart: string;
    version: string;
}
export interface ImagePin extends PinBase {
    kind: "image";
    image: ImageRef;
    /** How many leading numbers of the tag make its line (src/tools/versions/patchCheck.ts); 2 unless said. */
    line?: number;
}
/** A plugin version as Grafana downloads it from grafana.com for one platform. */
export interface PluginPin extends PinBase {
    kind: "plugin";
    pluginId: string;
    version: string;
    platform: Platform;
}
/** A file fetched from a fixed URL. */
export interface DownloadPin extends PinBase {
    kind: "download";
    url: string;
}
/** A package in package.json, at the version package-lock.json installs (./npmCheck reads the registry's answers). */
export interface NpmPin extends PinBase {
    kind: "npm";
    name: string;
    version: string;
}
export type Pin = ChartPin | ImagePin | PluginPin | DownloadPin | NpmPin;

export type { Finding } from "./findings";
export interface CheckResult extends Finding {
    pin: Pin;
    /** The URL the answer came from. */
    where: string;
}

function subchartImage(values: Values, subchart: string): { ref: string; pinned: string } {
    const image = (values[subchart] as { image?: Record<string, unknown> } | undefined)?.image ?? {};
    const { registry = "docker.io", repository, tag } = image;
    if (typeof repository !== "string" || typeof tag !== "string" || typeof registry !== "string") {
        throw new Error(
            `values/oncall.yaml must set ${subchart}.image.repository and ${subchart}.image.tag (strings), so that the image is pinned`,
        );
    }
    return { ref: `${registry}/${repository}:${tag}`, pinned: `${repository}:${tag}` };
}

/** Everything the lab downloads by version, from the config defaults and values/oncall.yaml. */
export function pinnedArtifacts(defaults: VersionDefaults, oncallValues: Values): Pin[] {
    const chart = (what: string, repoUrl: string, name: string, version: string): ChartPin => ({
        kind: "chart",
        what,
        pinned: version,
        repoUrl,
        chart: name,
        version,
    });
    const image = (what: string, ref: string, pinned = ref): ImagePin => ({
        kind: "image",
        what,
        pinned,
        image: parseImageRef(ref),
    });
    const engineRepository = (oncallValues.image as { repository?: unknown } | undefined)?.repository;
    const postgres = subchartImage(oncallValues, "postgresql");
    const redis = subchartImage(oncallValues, "redis");
    return [
        chart(
            "victoria-metrics-k8s-stack chart (vmStackChartVersion)",
            chartRepositories.victoriaMetrics,
            "victoria-metrics-k8s-stack",
            defaults.vmStackChartVersion,
        ),
        chart(
            "grafana chart (grafanaChartVersion)",
            chartRepositories.grafana,
            "grafana",
            defaults.grafanaChartVersion,
        ),
        chart("oncall chart (oncallChartVersion)", chartRepositories.oncall, "oncall", defaults.oncallChartVersion),
        image("kind node image (kindNodeImage)", defaults.kindNodeImage),
        // The charts' default repositories (grafana 12.11.1: docker.io grafana/grafana; oncall: grafana/oncall).
        image("Grafana image (grafanaImageTag)", `grafana/grafana:${defaults.grafanaImageTag}`),
        image(
            "OnCall engine image (oncallImageTag)",
            `${typeof engineRepository === "string" ? engineRepository : "grafana/oncall"}:${defaults.oncallImageTag}`,
        ),
        // Postgres' line is its major version (14.x); the others' is major.minor.
        { ...image("Postgres image (values/oncall.yaml postgresql.image)", postgres.ref, postgres.pinned), line: 1 },
        image("Redis image (values/oncall.yaml redis.image)", redis.ref, redis.pinned),
        image("Mailpit image (mailpitImage)", defaults.mailpitImage),
        // Grafana's image downloads the plugin for its own platform; both of the platforms laptops run.
        ...PLUGIN_PLATFORMS.map((platform): PluginPin => ({
            kind: "plugin",
            what: `${ONCALL_PLUGIN_ID} plugin for ${platform.os}/${platform.arch} (oncallPluginVersion)`,
            pinned: defaults.oncallPluginVersion,
            pluginId: ONCALL_PLUGIN_ID,
            version: defaults.oncallPluginVersion,
            platform,
        })),
        {
            kind: "download",
            what: `${ONCALL_PLUGIN_ID} zip (oncallPluginUrl${defaults.oncallPluginUrl ? "" : ", unset: the release's own copy"})`,
            pinned: defaults.oncallPluginUrl ?? oncallPluginReleaseUrl(defaults.oncallPluginVersion),
            url: defaults.oncallPluginUrl ?? oncallPluginReleaseUrl(defaults.oncallPluginVersion),
        },
    ];
}

// ---- Helm repositories ----

export function chartIndexUrl(repoUrl: string): string {
    return `${withoutTrailingSlash(repoUrl)}/index.yaml`;
}

interface IndexEntry {
    version: string;
    urls: string[];
}

/** A Helm repository index.yaml -> chart name -> its entries, as listed (newest first, as Helm writes them). */
export function parseChartIndex(text: string): Map<string, IndexEntry[]> {
    const doc: unknown = parse(text);
    const entries = (doc as { entries?: unknown } | null)?.entries;
    if (typeof entries !== "object" || entries === null || Array.isArray(entries)) {
        throw new Error("not a Helm repository index (no `entries` mapping)");
    }
    const charts = new Map<string, IndexEntry[]>();
    for (const [name, list] of Object.entries(entries)) {
        if (!Array.isArray(list)) continue;
        charts.set(
            name,
            list.map((e: { version?: unknown; urls?: unknown }) => ({
                version: String(e.version),
                urls: Array.isArray(e.urls) ? e.urls.map(String) : [],
            })),
        );
    }
    return charts;
}

const NEARBY = 5;
/** The first versions a listing names (the index and the catalog list the newest first). */
const newestListed = (entries: { version: string }[]) =>
    entries
        .slice(0, NEARBY)
        .map((e) => e.version)
        .join(", ");

export function judgeChart(pin: ChartPin, index: Map<string, IndexEntry[]>, indexUrl: string): Finding {
    const entries = index.get(pin.chart);
    if (!entries) return { verdict: "MISSING", detail: `the index has no chart named ${pin.chart}` };
    const entry = entries.find((e) => e.version === pin.version);
    if (!entry) {
        return {
            verdict: "MISSING",
            detail: `${pin.chart} ${pin.version} is not in the index; newest listed: ${newestListed(entries)}`,
        };
    }
    // Index URLs may be relative to the repository.
    const download = entry.urls[0] === undefined ? "no download URL listed" : new URL(entry.urls[0], indexUrl).href;
    const newer = newerInLine(
        pin.version,
        entries.map((e) => e.version),
    );
    return newer ? { verdict: "BEHIND", detail: behindDetail(newer, download) } : { verdict: "ok", detail: download };
}

// ---- Container registries (Docker Registry HTTP API v2 / OCI distribution) ----

/** Index types first, so that a multi-platform image answers with the digest `docker pull` pins. */
export const MANIFEST_ACCEPT = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

export function manifestUrl(image: ImageRef, reference: string): string {
    return `https://${image.apiHost}/v2/${image.repository}/manifests/${reference}`;
}

export interface BearerChallenge {
    realm: string;
    service?: string;
    scope?: string;
}

/** `WWW-Authenticate: Bearer realm="...",service="...",scope="..."` from a registry's 401. */
export function parseBearerChallenge(header: string | null): BearerChallenge | undefined {
    const match = header?.match(/^\s*Bearer\s+(.*)$/i);
    if (!match) return undefined;
    const params = new Map<string, string>();
    for (const [, key, quoted, bare] of match[1].matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) {
        params.set(key.toLowerCase(), quoted ?? bare);
    }
    const realm = params.get("realm");
    return realm ? { realm, service: params.get("service"), scope: params.get("scope") } : undefined;
}

/** The anonymous token request for a challenge; the scope defaults to pulling `repository`. */
export function tokenUrl(challenge: BearerChallenge, repository: string): string {
    const url = new URL(challenge.realm);
    if (challenge.service) url.searchParams.set("service", challenge.service);
    url.searchParams.set("scope", challenge.scope ?? `repository:${repository}:pull`);
    return url.href;
}

/** The token endpoint's JSON; Docker's spec names it `token`, OAuth2-style servers `access_token`. */
export function parseTokenAnswer(body: unknown): string {
    const { token, access_token: accessToken } = (body ?? {}) as { token?: unknown; access_token?: unknown };
    const found = typeof token === "string" && token ? token : accessToken;
    if (typeof found !== "string" || !found) throw new Error("the token endpoint answered without a token");
    return found;
}

/** A manifest request's outcome: an HTTP answer, or a failure to get one. */
export type RegistryAnswer = { status: number; digest?: string } | { error: string };

function registryTrouble(answer: RegistryAnswer, reference: string): Finding | undefined {
    if ("error" in answer) return { verdict: "unreachable", detail: answer.error };
    if (answer.status === 404) return { verdict: "MISSING", detail: `${reference} not found (404)` };
    // Docker Hub answers an anonymous token's request for a repository that does not exist with 401.
    if (answer.status === 401)
        return { verdict: "MISSING", detail: "401 with an anonymous pull token: no such public repository" };
    if (answer.status === 429) return { verdict: "unreachable", detail: "rate-limited (429): try again later" };
    if (answer.status !== 200) return { verdict: "unreachable", detail: `HTTP ${answer.status}` };
    return undefined;
}

/**
 * `tagAnswer` is for the pinned tag (or the digest, when only a digest is pinned); `digestAnswer`, asked only
 * when the tag's digest differs from the pinned one, is for the pinned digest itself.
 */
export function judgeImage(pin: ImagePin, tagAnswer: RegistryAnswer, digestAnswer?: RegistryAnswer): Finding {
    const { tag, digest } = pin.image;
    const trouble = registryTrouble(tagAnswer, tag ? `tag ${tag}` : `digest ${digest}`);
    if (trouble) return trouble;
    const tagDigest = "status" in tagAnswer ? tagAnswer.digest : undefined;
    if (!tag || !digest || tagDigest === digest)
        return { verdict: "ok", detail: tagDigest ?? "found (no Docker-Content-Digest header)" };
    if (!digestAnswer)
        throw new Error(`${pin.what}: the tag points at ${tagDigest}, so the pinned digest must be asked for too`);
    const digestTrouble = registryTrouble(digestAnswer, `pinned digest ${digest}`);
    if (digestTrouble)
        return {
            ...digestTrouble,
            detail: `${digestTrouble.detail}; tag ${tag} is at ${tagDigest ?? "an unknown digest"}`,
        };
    return {
        verdict: "ok",
        detail: `pinned digest exists; tag ${tag} now points at ${tagDigest ?? "an unknown digest"}`,
    };
}

// ---- Grafana plugin catalog ----

export function pluginVersionsUrl(pluginId: string): string {
    return `${GRAFANA_CATALOG}/api/plugins/${pluginId}/versions`;
}

interface CatalogVersion {
    version: string;
    status?: string;
    platforms: string[];
}

/** grafana.com's `/api/plugins/<id>/versions` answer: `{ items: [{ version, status, packages: {<platform>: …} }] }`. */
export function parsePluginVersions(body: unknown): CatalogVersion[] {
    const items = (body as { items?: unknown } | null)?.items;
    if (!Array.isArray(items)) throw new Error("the catalog answered without an `items` list");
    return items.map((item: { version?: unknown; status?: unknown; packages?: unknown }) => ({
        version: String(item.version),
        status: typeof item.status === "string" ? item.status : undefined,
        platforms: typeof item.packages === "object" && item.packages !== null ? Object.keys(item.packages) : [],
    }));
}

function describeVersion(v: CatalogVersion): string {
    const status = v.status && v.status !== "active" ? `status ${v.status}, ` : "";
    return `listed (${status}packages: ${v.platforms.join(", ") || "none"})`;
}

export function judgePlugin(pin: PluginPin, versions: CatalogVersion[]): Finding {
    const found = versions.find((v) => v.version === pin.version);
    if (found) return { verdict: "ok", detail: describeVersion(found) };
    // Some OnCall releases were published as "v1.x.y"; Grafana installs only the exact string.
    const prefixed = versions.find((v) => v.version === `v${pin.version}`);
    const hint = prefixed ? `; it is listed as "${prefixed.version}" (pin that string)` : "";
    return {
        verdict: "MISSING",
        detail: `${pin.pluginId} ${pin.version} is not in the catalog${hint}; newest listed: ${newestListed(versions)}`,
    };
}

// ---- Report ----

export function formatTable(results: readonly CheckResult[]): string {
    const header = ["what", "where", "pinned", "found"];
    const rows = results.map((r) => [r.pin.what, r.where, r.pin.pinned, `${r.verdict}: ${r.detail}`]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    // The last column is not padded: it holds the free-text detail.
    const line = (cells: string[]) => cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i]) : c)).join("  ");
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function summarize(results: readonly CheckResult[]): { exitCode: number; text: string } {
    const list = (verdict: Verdict) =>
        results.filter((r) => r.verdict === verdict).map((r) => `${r.pin.what} = ${r.pin.pinned}`);
    const behind = list("outdated")
        .map((p) => `\nbehind the latest release (not a failure): ${p}`)
        .join("");
    const bad = results.filter((r) => r.verdict !== "ok" && r.verdict !== "outdated");
    if (bad.length === 0) return { exitCode: 0, text: `all ${results.length} pins found${behind}` };
    const parts = [
        ...list("MISSING").map((p) => `MISSING: ${p}`),
        ...list("BEHIND").map((p) => `BEHIND (a newer patch of its line exists): ${p}`),
        ...list("unreachable").map((p) => `unreachable (not checked): ${p}`),
    ];
    return {
        exitCode: 1,
        text: `${results.length - bad.length} of ${results.length} pins found${behind}\n${parts.join("\n")}`,
    };
}
