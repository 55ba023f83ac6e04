// The reading of what the chart repositories, Docker Hub, grafana.com and npm answer (src/tools/versions/versionCheck.ts,
// downloadCheck.ts and npmCheck.ts), on recorded-shape fixtures; the asking itself: test/pin-check.test.ts.
import { describe, expect, it } from "vitest";
import { chartRepositories } from "../src/shared/charts";
import { configDefaults } from "../src/config/config";
import { loadValuesFile } from "../src/shared/values";
import { judgeDownload, nextHop, pluginDownloadUrl } from "../src/tools/versions/downloadCheck";
import { judgeNpm, npmPins, npmRegistryOf, npmVersionUrl } from "../src/tools/versions/npmCheck";
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
    parsePluginVersions,
    parseTokenAnswer,
    pinnedArtifacts,
    type PluginPin,
    summarize,
    tokenUrl,
} from "../src/tools/versions/versionCheck";
import { parseImageRef } from "../src/tools/versions/imageRef";
import {
    catalog,
    dockerHub,
    downloads,
    find,
    indexText,
    KIND_DIGEST,
    labPins,
    type RecordedAnswer,
    RELEASE_ZIP,
} from "./support/version-fixtures";

describe("parseImageRef", () => {
    it("splits a tag pinned by digest and sends Docker Hub names to its API host", () => {
        expect(parseImageRef(`kindest/node:v1.37.0@${KIND_DIGEST}`)).toEqual({
            apiHost: "registry-1.docker.io",
            repository: "kindest/node",
            tag: "v1.37.0",
            digest: KIND_DIGEST,
        });
        expect(parseImageRef("docker.io/bitnamilegacy/redis:6.2.7-debian-11-r11")).toMatchObject({
            apiHost: "registry-1.docker.io",
            repository: "bitnamilegacy/redis",
            tag: "6.2.7-debian-11-r11",
        });
    });

    it("applies Docker's defaults: library/ for official images, a host only when it looks like one", () => {
        expect(parseImageRef("busybox:1.36")).toMatchObject({ repository: "library/busybox", tag: "1.36" });
        expect(parseImageRef("ghcr.io/org/tool:1.0")).toMatchObject({ apiHost: "ghcr.io", repository: "org/tool" });
        expect(parseImageRef("localhost:5000/tool:1.0")).toMatchObject({
            apiHost: "localhost:5000",
            repository: "tool",
            tag: "1.0",
        });
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
            ["image", "bitnamilegacy/postgresql:14.18.0-debian-12-r0"],
            ["image", "bitnamilegacy/redis:6.2.16-debian-12-r1"],
            ["image", configDefaults.mailpitImage],
            ["plugin", configDefaults.oncallPluginVersion],
            ["plugin", configDefaults.oncallPluginVersion],
            ["download", RELEASE_ZIP],
        ]);
        expect(pins.filter((p) => p.kind === "plugin").map((p) => p.what)).toEqual([
            "grafana-oncall-app plugin for linux/amd64 (oncallPluginVersion)",
            "grafana-oncall-app plugin for linux/arm64 (oncallPluginVersion)",
        ]);
        expect(find(pins, "chart", "oncall chart")).toMatchObject({
            repoUrl: chartRepositories.oncall,
            chart: "oncall",
        });
        expect(find(pins, "image", "kind node image").image).toMatchObject({
            repository: "kindest/node",
            digest: KIND_DIGEST,
        });
    });

    it("pins the oncall chart's bitnami sub-charts to their own default tags (postgresql 11.9.10, redis 16.13.2)", () => {
        const values = loadValuesFile("oncall.yaml") as { postgresql: { image: unknown }; redis: { image: unknown } };
        expect(values.postgresql.image).toEqual({
            repository: "bitnamilegacy/postgresql",
            tag: "14.18.0-debian-12-r0",
        });
        expect(values.redis.image).toEqual({ repository: "bitnamilegacy/redis", tag: "6.2.16-debian-12-r1" });
    });

    it("follows an engine image repository set in values/oncall.yaml", () => {
        const pins = pinnedArtifacts(configDefaults, {
            ...loadValuesFile("oncall.yaml"),
            image: { repository: "example/oncall" },
        });
        expect(find(pins, "image", "OnCall engine image").pinned).toBe(
            `example/oncall:${configDefaults.oncallImageTag}`,
        );
    });

    it("says which values key is missing when a sub-chart image has no tag", () => {
        expect(() =>
            pinnedArtifacts(configDefaults, { postgresql: { image: { repository: "bitnamilegacy/postgresql" } } }),
        ).toThrow(/postgresql\.image\.repository and postgresql\.image\.tag/);
    });
});

describe("chart index", () => {
    const index = parseChartIndex(indexText);
    const pin = (chart: string, version: string) => ({
        ...find(labPins(), "chart", "oncall chart"),
        chart,
        version,
        pinned: version,
    });
    const where = chartIndexUrl(chartRepositories.oncall);

    it("builds the index URL with exactly one slash", () => {
        expect(chartIndexUrl("https://grafana.github.io/helm-charts")).toBe(
            "https://grafana.github.io/helm-charts/index.yaml",
        );
        expect(chartIndexUrl("https://victoriametrics.github.io/helm-charts/")).toBe(
            "https://victoriametrics.github.io/helm-charts/index.yaml",
        );
    });

    it("finds a listed version and reports its download URL, resolving relative ones", () => {
        expect(judgeChart(pin("oncall", "1.16.5"), index, where)).toEqual({
            verdict: "ok",
            detail: "https://github.com/grafana/helm-charts/releases/download/oncall-1.16.5/oncall-1.16.5.tgz",
        });
        expect(judgeChart(pin("relative-example", "0.1.0"), index, where).detail).toBe(
            "https://grafana.github.io/helm-charts/charts/relative-example-0.1.0.tgz",
        );
    });

    it("reports an unlisted version with the newest ones listed, and an unknown chart", () => {
        expect(judgeChart(pin("oncall", "1.16.9"), index, where)).toEqual({
            verdict: "MISSING",
            detail: "oncall 1.16.9 is not in the index; newest listed: 1.16.5, 1.16.4, 1.16.1",
        });
        expect(judgeChart(pin("nope", "1.0.0"), index, where)).toEqual({
            verdict: "MISSING",
            detail: "the index has no chart named nope",
        });
    });

    it("rejects a document that is not an index", () => {
        expect(() => parseChartIndex("<html>rate limited</html>")).toThrow(/not a Helm repository index/);
    });
});

describe("registry answers", () => {
    const kindPin = () => find(labPins(), "image", "kind node image");
    const tagPin = (): ImagePin => ({
        kind: "image",
        what: "x",
        pinned: "grafana/oncall:v1.16.9",
        image: parseImageRef("grafana/oncall:v1.16.9"),
    });

    it("reads Docker Hub's 401 challenge and builds the anonymous token request", () => {
        const challenge = parseBearerChallenge(dockerHub.challenge)!;
        expect(challenge).toEqual({
            realm: "https://auth.docker.io/token",
            service: "registry.docker.io",
            scope: "repository:grafana/oncall:pull",
        });
        expect(tokenUrl(challenge, "grafana/oncall")).toBe(
            "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Agrafana%2Foncall%3Apull",
        );
        expect(tokenUrl({ realm: "https://ghcr.io/token" }, "org/tool")).toBe(
            "https://ghcr.io/token?scope=repository%3Aorg%2Ftool%3Apull",
        );
        expect(parseTokenAnswer(dockerHub.token)).toBe("anonymous-pull-token");
        expect(parseTokenAnswer({ access_token: "oauth" })).toBe("oauth");
        expect(() => parseTokenAnswer({})).toThrow(/without a token/);
        expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined();
        expect(parseBearerChallenge(null)).toBeUndefined();
    });

    it("builds manifest URLs on the registry API host", () => {
        expect(manifestUrl(parseImageRef("busybox:1.36"), "1.36")).toBe(
            "https://registry-1.docker.io/v2/library/busybox/manifests/1.36",
        );
    });

    it("accepts a tag alone, or a tag whose digest is the pinned one", () => {
        expect(judgeImage(tagPin(), { status: 200, digest: "sha256:22" })).toEqual({
            verdict: "ok",
            detail: "sha256:22",
        });
        expect(judgeImage(kindPin(), { status: 200, digest: KIND_DIGEST })).toEqual({
            verdict: "ok",
            detail: KIND_DIGEST,
        });
    });

    it("accepts a moved tag while the pinned digest exists, and says so; not when the digest is gone", () => {
        expect(
            judgeImage(kindPin(), { status: 200, digest: "sha256:new" }, { status: 200, digest: KIND_DIGEST }),
        ).toEqual({
            verdict: "ok",
            detail: "pinned digest exists; tag v1.37.0 now points at sha256:new",
        });
        expect(judgeImage(kindPin(), { status: 200, digest: "sha256:new" }, { status: 404 })).toEqual({
            verdict: "MISSING",
            detail: `pinned digest ${KIND_DIGEST} not found (404); tag v1.37.0 is at sha256:new`,
        });
        expect(() => judgeImage(kindPin(), { status: 200, digest: "sha256:new" })).toThrow(
            /pinned digest must be asked/,
        );
    });

    it("tells a missing tag or repository from a registry that could not be asked", () => {
        expect(judgeImage(tagPin(), { status: 404 })).toEqual({
            verdict: "MISSING",
            detail: "tag v1.16.9 not found (404)",
        });
        expect(judgeImage(tagPin(), { status: 401 }).verdict).toBe("MISSING");
        expect(judgeImage(tagPin(), { status: 429 })).toEqual({
            verdict: "unreachable",
            detail: "rate-limited (429): try again later",
        });
        expect(judgeImage(tagPin(), { status: 503 })).toEqual({ verdict: "unreachable", detail: "HTTP 503" });
        expect(judgeImage(tagPin(), { error: "fetch failed: getaddrinfo ENOTFOUND" }).verdict).toBe("unreachable");
    });
});

describe("plugin catalog", () => {
    const versions = parsePluginVersions(catalog);
    const pin = (version: string): PluginPin => ({
        ...find(labPins(), "plugin", "grafana-oncall-app"),
        version,
        pinned: version,
    });

    it("finds a published version and lists its packages", () => {
        expect(judgePlugin(pin("1.16.9"), versions)).toEqual({
            verdict: "ok",
            detail: "listed (packages: linux-amd64, linux-arm64)",
        });
    });

    it("reports an unlisted version, pointing at a v-prefixed listing", () => {
        expect(judgePlugin(pin("1.16.8"), versions)).toEqual({
            verdict: "MISSING",
            detail: "grafana-oncall-app 1.16.8 is not in the catalog; newest listed: 1.16.9, 1.16.5, v1.7.1",
        });
        expect(judgePlugin(pin("1.7.1"), versions).detail).toContain('it is listed as "v1.7.1" (pin that string)');
    });

    it("rejects an answer without items", () => {
        expect(() => parsePluginVersions({ message: "not found" })).toThrow(/items/);
    });
});

describe("plugin downloads", () => {
    const hop = (url: string, answer: RecordedAnswer) => ({
        url,
        status: answer.status,
        location: answer.headers.location,
        contentType: answer.headers["content-type"],
    });
    const amd64 = pluginDownloadUrl("grafana-oncall-app", "1.16.9", { os: "linux", arch: "amd64" });

    it("asks grafana.com for the version's package per platform", () => {
        expect(amd64).toBe(
            "https://grafana.com/api/plugins/grafana-oncall-app/versions/1.16.9/download?os=linux&arch=amd64",
        );
    });

    it("follows grafana.com's redirect to the release's zip and reports both", () => {
        expect(nextHop(hop(amd64, downloads.grafanaCom))).toBe(RELEASE_ZIP);
        expect(judgeDownload([hop(amd64, downloads.grafanaCom), hop(RELEASE_ZIP, downloads.gcsObject)])).toEqual({
            verdict: "ok",
            detail: `downloads from ${RELEASE_ZIP} (via grafana.com), application/zip`,
        });
    });

    it("tells a missing file from a source that could not be asked", () => {
        expect(judgeDownload([hop(RELEASE_ZIP, downloads.gcsNoSuchKey)])).toEqual({
            verdict: "MISSING",
            detail: `${RELEASE_ZIP} answered 404`,
        });
        expect(judgeDownload([{ url: amd64, error: "fetch failed" }])).toEqual({
            verdict: "unreachable",
            detail: `${amd64}: fetch failed`,
        });
        expect(judgeDownload([{ url: amd64, status: 503 }]).verdict).toBe("unreachable");
        expect(judgeDownload([{ url: amd64, status: 302 }]).detail).toBe(`${amd64} answered HTTP 302`);
    });
});

describe("report", () => {
    const result = (what: string, verdict: CheckResult["verdict"], detail: string): CheckResult => ({
        pin: {
            kind: "plugin",
            what,
            pinned: "1.0.0",
            pluginId: "p",
            version: "1.0.0",
            platform: { os: "linux", arch: "amd64" },
        },
        where: "https://example.test/p",
        verdict,
        detail,
    });

    it("aligns the columns and puts verdict and detail last", () => {
        const table = formatTable([
            result("a plugin", "ok", "listed"),
            result("another plugin", "MISSING", "gone"),
        ]).split("\n");
        expect(table[0]).toBe("what            where                   pinned  found");
        expect(table[2]).toBe("a plugin        https://example.test/p  1.0.0   ok: listed");
        expect(table[3]).toBe("another plugin  https://example.test/p  1.0.0   MISSING: gone");
    });

    it("lists a pin behind its latest release without failing", () => {
        expect(
            summarize([result("a", "ok", ""), result("b", "outdated", "published; the latest release is 2.0.0")]),
        ).toEqual({
            exitCode: 0,
            text: "all 2 pins found\nbehind the latest release (not a failure): b = 1.0.0",
        });
        expect(summarize([result("b", "outdated", ""), result("c", "MISSING", "")]).text).toBe(
            "1 of 2 pins found\nbehind the latest release (not a failure): b = 1.0.0\nMISSING: c = 1.0.0",
        );
    });

    it("exits 0 only when every pin was found, naming each miss and unchecked source", () => {
        expect(summarize([result("a", "ok", "")])).toEqual({ exitCode: 0, text: "all 1 pins found" });
        expect(summarize([result("a", "ok", ""), result("b", "MISSING", ""), result("c", "unreachable", "")])).toEqual({
            exitCode: 1,
            text: "1 of 3 pins found\nMISSING: b = 1.0.0\nunreachable (not checked): c = 1.0.0",
        });
    });
});

describe("npm packages", () => {
    const lock = {
        packages: { "node_modules/zod": { version: "4.6.7" }, "node_modules/@types/node": { version: "24.19.4" } },
    };

    it("pins each package in package.json at the version the lock file installs, saying when package.json holds a range", () => {
        const pins = npmPins({ dependencies: { zod: "4.6.7" }, devDependencies: { "@types/node": "^24.19.4" } }, lock);
        expect(pins).toEqual([
            { kind: "npm", what: "zod (package.json dependencies)", pinned: "4.6.7", name: "zod", version: "4.6.7" },
            {
                kind: "npm",
                what: '@types/node (package.json devDependencies "^24.19.4")',
                pinned: "24.19.4",
                name: "@types/node",
                version: "24.19.4",
            },
        ]);
        expect(() => npmPins({ dependencies: { yaml: "2.9.1" } }, lock)).toThrow(
            /package-lock.json does not install yaml \(package.json dependencies\): run npm install/,
        );
    });

    it("asks the registry for the version's document and for the latest release's", () => {
        expect(npmVersionUrl("https://npm.registry.test", "@pulumi/pulumi", "3.276.0")).toBe(
            "https://npm.registry.test/@pulumi/pulumi/3.276.0",
        );
        expect(npmVersionUrl("https://npm.registry.test", "zod", "latest")).toBe(
            "https://npm.registry.test/zod/latest",
        );
        // npm's own registry, as npm run hands it over; npm 11 does not hand over its default one, so npm is asked.
        const asked: string[] = [];
        const askNpm = (answer: string) => () => (asked.push(answer), answer);
        expect(npmRegistryOf({ npm_config_registry: "https://npm.registry.test/" }, askNpm("unused"))).toBe(
            "https://npm.registry.test",
        );
        expect(asked).toEqual([]);
        expect(npmRegistryOf({}, askNpm("https://registry.npmjs.org/\n"))).toBe("https://registry.npmjs.org");
        expect(() => npmRegistryOf({}, askNpm(""))).toThrow("npm's registry is unknown");
    });

    it("says whether the pinned version is published, and whether a newer release is out", () => {
        const [pin] = npmPins({ dependencies: { zod: "4.6.7" } }, lock);
        expect(judgeNpm(pin, { status: 200, version: "4.6.7" }, { status: 200, version: "4.6.7" })).toEqual({
            verdict: "ok",
            detail: "published, the latest release",
        });
        expect(judgeNpm(pin, { status: 200 }, { status: 200, version: "5.0.0" })).toEqual({
            verdict: "outdated",
            detail: "published; the latest release is 5.0.0",
        });
        expect(judgeNpm(pin, { status: 404 }, { status: 200, version: "5.0.0" })).toEqual({
            verdict: "MISSING",
            detail: "zod 4.6.7 is not on the npm registry (404)",
        });
        expect(judgeNpm(pin, { error: "fetch failed" }, { error: "fetch failed" })).toEqual({
            verdict: "unreachable",
            detail: "fetch failed",
        });
        expect(judgeNpm(pin, { status: 200 }, { status: 503 })).toEqual({
            verdict: "unreachable",
            detail: "published; its latest release could not be read: HTTP 503",
        });
    });
});
