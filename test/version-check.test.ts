import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { checkPins, type Fetch } from "../src/tools/pinCheck";
import { chartRepositories } from "../src/shared/charts";
import { configDefaults } from "../src/config/config";
import { loadValuesFile } from "../src/shared/values";
import { judgeDownload, nextHop, pluginDownloadUrl } from "../src/tools/downloadCheck";
import {
    chartIndexUrl,
    type CheckResult,
    formatTable,
    type ImagePin,
    judgeChart,
    judgeImage,
    judgePlugin,
    manifestUrl,
    parseBearerChallenge,
    parseChartIndex,
    parseImageRef,
    parsePluginVersions,
    parseTokenAnswer,
    type Pin,
    pinnedArtifacts,
    type PluginPin,
    summarize,
    tokenUrl,
} from "../src/tools/versionCheck";

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, "fixtures", "versions", name), "utf8");
const indexText = fixture("index.yaml");
const dockerHub = JSON.parse(fixture("docker-hub.json")) as {
    challenge: string;
    token: unknown;
    manifests: Record<string, { status: number; digest: string }>;
};
const catalog: unknown = JSON.parse(fixture("catalog-versions.json"));
type RecordedAnswer = { status: number; headers: Record<string, string> };
const downloads = JSON.parse(fixture("plugin-download.json")) as Record<"grafanaCom" | "grafanaComUnknownVersion" | "gcsObject" | "gcsNoSuchKey", RecordedAnswer>;
const RELEASE_ZIP = "https://storage.googleapis.com/grafana-oncall-app/releases/grafana-oncall-app-1.16.9.zip";

const KIND_DIGEST = "sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5";
const labPins = () => pinnedArtifacts(configDefaults, loadValuesFile("oncall.yaml"));
const find = <K extends Pin["kind"]>(pins: Pin[], kind: K, what: string) =>
    pins.find((p) => p.kind === kind && p.what.startsWith(what)) as Extract<Pin, { kind: K }>;

describe("parseImageRef", () => {
    it("splits a tag pinned by digest and sends Docker Hub names to its API host", () => {
        expect(parseImageRef(`kindest/node:v1.37.0@${KIND_DIGEST}`)).toEqual({
            apiHost: "registry-1.docker.io", repository: "kindest/node", tag: "v1.37.0", digest: KIND_DIGEST,
        });
        expect(parseImageRef("docker.io/bitnamilegacy/redis:6.2.7-debian-11-r11")).toMatchObject({
            apiHost: "registry-1.docker.io", repository: "bitnamilegacy/redis", tag: "6.2.7-debian-11-r11",
        });
    });

    it("applies Docker's defaults: library/ for official images, a host only when it looks like one", () => {
        expect(parseImageRef("busybox:1.36")).toMatchObject({ repository: "library/busybox", tag: "1.36" });
        expect(parseImageRef("ghcr.io/org/tool:1.0")).toMatchObject({ apiHost: "ghcr.io", repository: "org/tool" });
        expect(parseImageRef("localhost:5000/tool:1.0")).toMatchObject({ apiHost: "localhost:5000", repository: "tool", tag: "1.0" });
    });

    it("refuses an image that is not pinned to a tag or digest", () => {
        expect(() => parseImageRef("axllent/mailpit")).toThrow(/tag or digest/);
    });
});

describe("pinnedArtifacts", () => {
    it("lists every chart, image and plugin the lab downloads, with the lab's defaults", () => {
        const pins = labPins();
        expect(pins.map((p) => [p.kind, p.pinned])).toEqual([
            ["chart", configDefaults.vmStackChartVersion],
            ["chart", configDefaults.grafanaChartVersion],
            ["chart", configDefaults.oncallChartVersion],
            ["image", configDefaults.kindNodeImage],
            ["image", `grafana/grafana:${configDefaults.grafanaImageTag}`],
            ["image", `grafana/oncall:${configDefaults.oncallImageTag}`],
            ["image", "bitnamilegacy/postgresql:14.5.0-debian-11-r30"],
            ["image", "bitnamilegacy/redis:6.2.7-debian-11-r11"],
            ["image", configDefaults.mailpitImage],
            ["plugin", configDefaults.oncallPluginVersion],
            ["plugin", configDefaults.oncallPluginVersion],
            ["download", RELEASE_ZIP],
        ]);
        expect(pins.filter((p) => p.kind === "plugin").map((p) => p.what)).toEqual([
            "grafana-oncall-app plugin for linux/amd64 (oncallPluginVersion)",
            "grafana-oncall-app plugin for linux/arm64 (oncallPluginVersion)",
        ]);
        expect(find(pins, "chart", "oncall chart")).toMatchObject({ repoUrl: chartRepositories.oncall, chart: "oncall" });
        expect(find(pins, "image", "kind node image").image).toMatchObject({ repository: "kindest/node", digest: KIND_DIGEST });
    });

    it("pins the oncall chart's bitnami sub-charts to their own default tags (postgresql 11.9.10, redis 16.13.2)", () => {
        const values = loadValuesFile("oncall.yaml") as { postgresql: { image: unknown }; redis: { image: unknown } };
        expect(values.postgresql.image).toEqual({ repository: "bitnamilegacy/postgresql", tag: "14.5.0-debian-11-r30" });
        expect(values.redis.image).toEqual({ repository: "bitnamilegacy/redis", tag: "6.2.7-debian-11-r11" });
    });

    it("follows an engine image repository set in values/oncall.yaml", () => {
        const pins = pinnedArtifacts(configDefaults, { ...loadValuesFile("oncall.yaml"), image: { repository: "example/oncall" } });
        expect(find(pins, "image", "OnCall engine image").pinned).toBe(`example/oncall:${configDefaults.oncallImageTag}`);
    });

    it("says which values key is missing when a sub-chart image has no tag", () => {
        expect(() => pinnedArtifacts(configDefaults, { postgresql: { image: { repository: "bitnamilegacy/postgresql" } } }))
            .toThrow(/postgresql\.image\.repository and postgresql\.image\.tag/);
    });
});

describe("chart index", () => {
    const index = parseChartIndex(indexText);
    const pin = (chart: string, version: string) => ({ ...find(labPins(), "chart", "oncall chart"), chart, version, pinned: version });
    const where = chartIndexUrl(chartRepositories.oncall);

    it("builds the index URL with exactly one slash", () => {
        expect(chartIndexUrl("https://grafana.github.io/helm-charts")).toBe("https://grafana.github.io/helm-charts/index.yaml");
        expect(chartIndexUrl("https://victoriametrics.github.io/helm-charts/")).toBe("https://victoriametrics.github.io/helm-charts/index.yaml");
    });

    it("finds a listed version and reports its download URL, resolving relative ones", () => {
        expect(judgeChart(pin("oncall", "1.16.5"), index, where)).toEqual({
            verdict: "ok", detail: "https://github.com/grafana/helm-charts/releases/download/oncall-1.16.5/oncall-1.16.5.tgz",
        });
        expect(judgeChart(pin("relative-example", "0.1.0"), index, where).detail)
            .toBe("https://grafana.github.io/helm-charts/charts/relative-example-0.1.0.tgz");
    });

    it("reports an unlisted version with the newest ones listed, and an unknown chart", () => {
        expect(judgeChart(pin("oncall", "1.16.9"), index, where)).toEqual({
            verdict: "MISSING", detail: "oncall 1.16.9 is not in the index; newest listed: 1.16.5, 1.16.4, 1.16.1",
        });
        expect(judgeChart(pin("nope", "1.0.0"), index, where)).toEqual({ verdict: "MISSING", detail: "the index has no chart named nope" });
    });

    it("rejects a document that is not an index", () => {
        expect(() => parseChartIndex("<html>rate limited</html>")).toThrow(/not a Helm repository index/);
    });
});

describe("registry answers", () => {
    const kindPin = () => find(labPins(), "image", "kind node image");
    const tagPin = (): ImagePin => ({ kind: "image", what: "x", pinned: "grafana/oncall:v1.16.9", image: parseImageRef("grafana/oncall:v1.16.9") });

    it("reads Docker Hub's 401 challenge and builds the anonymous token request", () => {
        const challenge = parseBearerChallenge(dockerHub.challenge)!;
        expect(challenge).toEqual({ realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:grafana/oncall:pull" });
        expect(tokenUrl(challenge, "grafana/oncall"))
            .toBe("https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Agrafana%2Foncall%3Apull");
        expect(tokenUrl({ realm: "https://ghcr.io/token" }, "org/tool")).toBe("https://ghcr.io/token?scope=repository%3Aorg%2Ftool%3Apull");
        expect(parseTokenAnswer(dockerHub.token)).toBe("anonymous-pull-token");
        expect(parseTokenAnswer({ access_token: "oauth" })).toBe("oauth");
        expect(() => parseTokenAnswer({})).toThrow(/without a token/);
        expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined();
        expect(parseBearerChallenge(null)).toBeUndefined();
    });

    it("builds manifest URLs on the registry API host", () => {
        expect(manifestUrl(parseImageRef("busybox:1.36"), "1.36")).toBe("https://registry-1.docker.io/v2/library/busybox/manifests/1.36");
    });

    it("accepts a tag alone, or a tag whose digest is the pinned one", () => {
        expect(judgeImage(tagPin(), { status: 200, digest: "sha256:22" })).toEqual({ verdict: "ok", detail: "sha256:22" });
        expect(judgeImage(kindPin(), { status: 200, digest: KIND_DIGEST })).toEqual({ verdict: "ok", detail: KIND_DIGEST });
    });

    it("accepts a moved tag while the pinned digest exists, and says so; not when the digest is gone", () => {
        expect(judgeImage(kindPin(), { status: 200, digest: "sha256:new" }, { status: 200, digest: KIND_DIGEST })).toEqual({
            verdict: "ok", detail: "pinned digest exists; tag v1.37.0 now points at sha256:new",
        });
        expect(judgeImage(kindPin(), { status: 200, digest: "sha256:new" }, { status: 404 })).toEqual({
            verdict: "MISSING", detail: `pinned digest ${KIND_DIGEST} not found (404); tag v1.37.0 is at sha256:new`,
        });
        expect(() => judgeImage(kindPin(), { status: 200, digest: "sha256:new" })).toThrow(/pinned digest must be asked/);
    });

    it("tells a missing tag or repository from a registry that could not be asked", () => {
        expect(judgeImage(tagPin(), { status: 404 })).toEqual({ verdict: "MISSING", detail: "tag v1.16.9 not found (404)" });
        expect(judgeImage(tagPin(), { status: 401 }).verdict).toBe("MISSING");
        expect(judgeImage(tagPin(), { status: 429 })).toEqual({ verdict: "unreachable", detail: "rate-limited (429): try again later" });
        expect(judgeImage(tagPin(), { status: 503 })).toEqual({ verdict: "unreachable", detail: "HTTP 503" });
        expect(judgeImage(tagPin(), { error: "fetch failed: getaddrinfo ENOTFOUND" }).verdict).toBe("unreachable");
    });
});

describe("plugin catalog", () => {
    const versions = parsePluginVersions(catalog);
    const pin = (version: string): PluginPin => ({ ...find(labPins(), "plugin", "grafana-oncall-app"), version, pinned: version });

    it("finds a published version and lists its packages", () => {
        expect(judgePlugin(pin("1.16.9"), versions)).toEqual({ verdict: "ok", detail: "listed (packages: linux-amd64, linux-arm64)" });
    });

    it("reports an unlisted version, pointing at a v-prefixed listing", () => {
        expect(judgePlugin(pin("1.16.8"), versions)).toEqual({
            verdict: "MISSING", detail: "grafana-oncall-app 1.16.8 is not in the catalog; newest listed: 1.16.9, 1.16.5, v1.7.1",
        });
        expect(judgePlugin(pin("1.7.1"), versions).detail).toContain('it is listed as "v1.7.1" (pin that string)');
    });

    it("rejects an answer without items", () => {
        expect(() => parsePluginVersions({ message: "not found" })).toThrow(/items/);
    });
});

describe("plugin downloads", () => {
    const hop = (url: string, answer: RecordedAnswer) => ({
        url, status: answer.status, location: answer.headers.location, contentType: answer.headers["content-type"],
    });
    const amd64 = pluginDownloadUrl("grafana-oncall-app", "1.16.9", { os: "linux", arch: "amd64" });

    it("asks grafana.com for the version's package per platform", () => {
        expect(amd64).toBe("https://grafana.com/api/plugins/grafana-oncall-app/versions/1.16.9/download?os=linux&arch=amd64");
    });

    it("follows grafana.com's redirect to the release's zip and reports both", () => {
        expect(nextHop(hop(amd64, downloads.grafanaCom))).toBe(RELEASE_ZIP);
        expect(judgeDownload([hop(amd64, downloads.grafanaCom), hop(RELEASE_ZIP, downloads.gcsObject)])).toEqual({
            verdict: "ok", detail: `downloads from ${RELEASE_ZIP} (via grafana.com), application/zip`,
        });
    });

    it("tells a missing file from a source that could not be asked", () => {
        expect(judgeDownload([hop(RELEASE_ZIP, downloads.gcsNoSuchKey)])).toEqual({ verdict: "MISSING", detail: `${RELEASE_ZIP} answered 404` });
        expect(judgeDownload([{ url: amd64, error: "fetch failed" }])).toEqual({ verdict: "unreachable", detail: `${amd64}: fetch failed` });
        expect(judgeDownload([{ url: amd64, status: 503 }]).verdict).toBe("unreachable");
        expect(judgeDownload([{ url: amd64, status: 302 }]).detail).toBe(`${amd64} answered HTTP 302`);
    });
});

describe("report", () => {
    const result = (what: string, verdict: CheckResult["verdict"], detail: string): CheckResult => ({
        pin: { kind: "plugin", what, pinned: "1.0.0", pluginId: "p", version: "1.0.0", platform: { os: "linux", arch: "amd64" } },
        where: "https://example.test/p", verdict, detail,
    });

    it("aligns the columns and puts verdict and detail last", () => {
        const table = formatTable([result("a plugin", "ok", "listed"), result("another plugin", "MISSING", "gone")]).split("\n");
        expect(table[0]).toBe("what            where                   pinned  found");
        expect(table[2]).toBe("a plugin        https://example.test/p  1.0.0   ok: listed");
        expect(table[3]).toBe("another plugin  https://example.test/p  1.0.0   MISSING: gone");
    });

    it("exits 0 only when every pin was found, naming each miss and unchecked source", () => {
        expect(summarize([result("a", "ok", "")])).toEqual({ exitCode: 0, text: "all 1 pins found" });
        expect(summarize([result("a", "ok", ""), result("b", "MISSING", ""), result("c", "unreachable", "")])).toEqual({
            exitCode: 1, text: "1 of 3 pins found\nMISSING: b = 1.0.0\nunreachable (not checked): c = 1.0.0",
        });
    });
});

/** Serves the fixtures at the real addresses, like the chart repositories, Docker Hub and grafana.com would. */
function fakeInternet(options: { down?: string[]; manifests?: typeof dockerHub.manifests } = {}) {
    const manifests = { ...dockerHub.manifests, ...options.manifests };
    const requests: { method: string; url: string; headers: Headers }[] = [];
    const fakeFetch: Fetch = async (input, init) => {
        const url = new URL(String(input));
        const headers = new Headers(init?.headers);
        requests.push({ method: init?.method ?? "GET", url: url.href, headers });
        if (!(init?.signal instanceof AbortSignal)) throw new Error("every request must carry a timeout signal");
        if (options.down?.includes(url.host)) throw new TypeError("fetch failed", { cause: new Error(`getaddrinfo ENOTFOUND ${url.host}`) });
        if (url.pathname.endsWith("/index.yaml")) return new Response(indexText);
        if (url.href === "https://grafana.com/api/plugins/grafana-oncall-app/versions") return Response.json(catalog);
        if (init?.redirect !== "manual" && url.pathname.endsWith(".zip")) throw new Error("downloads must not follow redirects unseen");
        const recorded = (answer: RecordedAnswer) => new Response(null, answer);
        if (url.pathname === "/api/plugins/grafana-oncall-app/versions/1.16.9/download") return recorded(downloads.grafanaCom);
        if (url.pathname.startsWith("/api/plugins/grafana-oncall-app/versions/")) return recorded(downloads.grafanaComUnknownVersion);
        if (url.host === "storage.googleapis.com") return recorded(url.href === RELEASE_ZIP ? downloads.gcsObject : downloads.gcsNoSuchKey);
        if (url.host === "auth.docker.io") return Response.json(dockerHub.token);
        const manifest = url.pathname.match(/^\/v2\/(.+)\/manifests\/(.+)$/);
        if (url.host === "registry-1.docker.io" && manifest) {
            if (headers.get("authorization") !== "Bearer anonymous-pull-token") {
                const challenge = dockerHub.challenge.replace("grafana/oncall", manifest[1]);
                return new Response(null, { status: 401, headers: { "WWW-Authenticate": challenge } });
            }
            const known = manifests[`${manifest[1]}:${manifest[2]}`];
            return known
                ? new Response(null, { status: known.status, headers: { "Docker-Content-Digest": known.digest } })
                : new Response(fixture("manifest-unknown.json"), { status: 404 });
        }
        return new Response("not found", { status: 404 });
    };
    return { fakeFetch, requests };
}

describe("checkPins, against a fake internet", () => {
    it("finds every pin of the lab, with one token per repository and HEAD requests asking for indexes", async () => {
        const { fakeFetch, requests } = fakeInternet();
        const results = await checkPins(labPins(), { fetch: fakeFetch });
        expect(results.filter((r) => r.verdict !== "ok")).toEqual([]);
        expect(summarize(results).exitCode).toBe(0);

        const manifestRequests = requests.filter((r) => r.url.includes("/manifests/"));
        expect(manifestRequests.every((r) => r.method === "HEAD")).toBe(true);
        expect(manifestRequests[0].headers.get("accept")).toMatch(/^application\/vnd\.oci\.image\.index\.v1\+json, application\/vnd\.docker\.distribution\.manifest\.list\.v2\+json/);
        expect(requests.filter((r) => r.url.startsWith("https://auth.docker.io/"))).toHaveLength(6);
        expect(requests.filter((r) => r.url.endsWith("/index.yaml")).map((r) => r.url).sort()).toEqual([
            "https://grafana-community.github.io/helm-charts/index.yaml",
            "https://grafana.github.io/helm-charts/index.yaml",
            "https://victoriametrics.github.io/helm-charts/index.yaml",
        ]);
        expect(results.find((r) => r.pin.what.startsWith("kind"))).toMatchObject({
            where: `https://registry-1.docker.io/v2/kindest/node/manifests/v1.37.0`, detail: KIND_DIGEST,
        });
    });

    it("names each missing pin and where it looked, and counts an unreachable source as a failure", async () => {
        const { fakeFetch } = fakeInternet({ down: ["grafana.com"] });
        const pins = pinnedArtifacts({ ...configDefaults, oncallChartVersion: "1.16.9", mailpitImage: "axllent/mailpit:v9.9.9" }, loadValuesFile("oncall.yaml"));
        const results = await checkPins(pins, { fetch: fakeFetch });
        const bad = results.filter((r) => r.verdict !== "ok").map(({ pin, where, verdict, detail }) => ({ what: pin.what, where, verdict, detail }));
        expect(bad).toEqual([
            {
                what: "oncall chart (oncallChartVersion)",
                where: "https://grafana.github.io/helm-charts/index.yaml",
                verdict: "MISSING",
                detail: "oncall 1.16.9 is not in the index; newest listed: 1.16.5, 1.16.4, 1.16.1",
            },
            {
                what: "Mailpit image (mailpitImage)",
                where: "https://registry-1.docker.io/v2/axllent/mailpit/manifests/v9.9.9",
                verdict: "MISSING",
                detail: "tag v9.9.9 not found (404)",
            },
            ...["amd64", "arm64"].map((arch) => {
                const where = `https://grafana.com/api/plugins/grafana-oncall-app/versions/1.16.9/download?os=linux&arch=${arch}`;
                return {
                    what: `grafana-oncall-app plugin for linux/${arch} (oncallPluginVersion)`,
                    where,
                    verdict: "unreachable",
                    detail: `${where}: fetch failed: getaddrinfo ENOTFOUND grafana.com`,
                };
            }),
        ]);
        const summary = summarize(results);
        expect(summary.exitCode).toBe(1);
        expect(summary.text).toContain("MISSING: oncall chart (oncallChartVersion) = 1.16.9");
    });

    it("shows 1.16.9 downloading for both platforms, and the release's zip; a missing version says what is listed", async () => {
        const { fakeFetch, requests } = fakeInternet();
        const results = await checkPins(labPins().filter((p) => p.kind === "plugin" || p.kind === "download"), { fetch: fakeFetch });
        expect(results.map((r) => [r.pin.what, r.verdict])).toEqual([
            ["grafana-oncall-app plugin for linux/amd64 (oncallPluginVersion)", "ok"],
            ["grafana-oncall-app plugin for linux/arm64 (oncallPluginVersion)", "ok"],
            ["grafana-oncall-app zip (oncallPluginUrl, unset: the release's own copy)", "ok"],
        ]);
        expect(requests.filter((r) => r.url === RELEASE_ZIP)).toHaveLength(3);

        const pins = pinnedArtifacts({ ...configDefaults, oncallPluginVersion: "1.7.1", oncallPluginUrl: "https://example.com/oncall.zip" }, loadValuesFile("oncall.yaml"));
        const missing = await checkPins(pins.filter((p) => p.kind === "plugin" || p.kind === "download"), { fetch: fakeFetch });
        expect(missing.map((r) => r.verdict)).toEqual(["MISSING", "MISSING", "MISSING"]);
        expect(missing[0].detail).toContain('it is listed as "v1.7.1" (pin that string)');
        expect(missing[2]).toMatchObject({ where: "https://example.com/oncall.zip", pin: { what: "grafana-oncall-app zip (oncallPluginUrl)" } });
    });

    it("asks for the pinned digest when the tag has moved", async () => {
        const { fakeFetch, requests } = fakeInternet({ manifests: { "kindest/node:v1.37.0": { status: 200, digest: "sha256:moved" } } });
        const [result] = await checkPins([find(labPins(), "image", "kind node image")], { fetch: fakeFetch });
        expect(result).toMatchObject({
            verdict: "ok",
            where: `https://registry-1.docker.io/v2/kindest/node/manifests/${KIND_DIGEST}`,
            detail: "pinned digest exists; tag v1.37.0 now points at sha256:moved",
        });
        // The repository's token, got after the first 401, goes with the second request straight away.
        expect(requests.map((r) => `${r.method} ${r.url.replace(/\?.*/, "")} ${r.headers.get("authorization") ?? "-"}`)).toEqual([
            "HEAD https://registry-1.docker.io/v2/kindest/node/manifests/v1.37.0 -",
            "GET https://auth.docker.io/token -",
            "HEAD https://registry-1.docker.io/v2/kindest/node/manifests/v1.37.0 Bearer anonymous-pull-token",
            `HEAD https://registry-1.docker.io/v2/kindest/node/manifests/${KIND_DIGEST} Bearer anonymous-pull-token`,
        ]);
    });
});
