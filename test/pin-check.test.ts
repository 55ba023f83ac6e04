// checkPins (src/tools/versions/pinCheck.ts) against a fake internet answering as the recorded fixtures do.
import { describe, expect, it } from "vitest";
import { checkPins, type Fetch } from "../src/tools/versions/pinCheck";
import { configDefaults } from "../src/config/config";
import { loadValuesFile } from "../src/shared/values";
import { npmPins } from "../src/tools/versions/npmCheck";
import { pinnedArtifacts, summarize } from "../src/tools/versions/versionCheck";
import {
    catalog,
    dockerHub,
    downloads,
    hubTags,
    find,
    fixture,
    indexText,
    KIND_DIGEST,
    labNpmPins,
    labPins,
    npmRegistry,
    type RecordedAnswer,
    RELEASE_ZIP,
} from "./support/version-fixtures";

/** A registry of the tests' own: check:versions asks the one npm installs from (npm_config_registry). */
const NPM_REGISTRY = "https://npm.registry.test";
const NPM_HOST = new URL(NPM_REGISTRY).host;

/** Serves the fixtures at the real addresses, like the chart repositories, Docker Hub, grafana.com and npm would. */
function fakeInternet(options: { down?: string[]; manifests?: typeof dockerHub.manifests } = {}) {
    const manifests = { ...dockerHub.manifests, ...options.manifests };
    const requests: { method: string; url: string; headers: Headers }[] = [];
    const fakeFetch: Fetch = async (input, init) => {
        const url = new URL(String(input));
        const headers = new Headers(init?.headers);
        requests.push({ method: init?.method ?? "GET", url: url.href, headers });
        if (!(init?.signal instanceof AbortSignal)) throw new Error("every request must carry a timeout signal");
        if (options.down?.includes(url.host))
            throw new TypeError("fetch failed", { cause: new Error(`getaddrinfo ENOTFOUND ${url.host}`) });
        if (url.pathname.endsWith("/index.yaml")) return new Response(indexText);
        if (url.href === "https://grafana.com/api/plugins/grafana-oncall-app/versions") return Response.json(catalog);
        if (init?.redirect !== "manual" && url.pathname.endsWith(".zip"))
            throw new Error("downloads must not follow redirects unseen");
        const recorded = (answer: RecordedAnswer) => new Response(null, answer);
        if (url.pathname === "/api/plugins/grafana-oncall-app/versions/1.16.9/download")
            return recorded(downloads.grafanaCom);
        if (url.pathname.startsWith("/api/plugins/grafana-oncall-app/versions/"))
            return recorded(downloads.grafanaComUnknownVersion);
        if (url.host === "storage.googleapis.com")
            return recorded(url.href === RELEASE_ZIP ? downloads.gcsObject : downloads.gcsNoSuchKey);
        if (url.host === "auth.docker.io") return Response.json(dockerHub.token);
        if (url.host === NPM_HOST) return npmAnswer(url);
        const listing = url.pathname.match(/^\/v2\/namespaces\/([^/]+)\/repositories\/(.+)\/tags$/);
        if (url.host === "hub.docker.com" && listing) {
            // Docker Hub's name filter is a substring match; three tags a page, so that `next` is followed.
            const named = (hubTags[`${listing[1]}/${listing[2]}`] ?? []).filter((tag) =>
                tag.includes(url.searchParams.get("name") ?? ""),
            );
            const page = Number(url.searchParams.get("page") ?? "1");
            const next = new URL(url);
            next.searchParams.set("page", String(page + 1));
            return Response.json({
                count: named.length,
                next: page * 3 < named.length ? next.href : null,
                previous: null,
                results: named.slice((page - 1) * 3, page * 3).map((name) => ({ name })),
            });
        }
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

/** The npm registry's `/<name>/<version>` and `/<name>/latest`: the version's document (its `version` is what is read), or 404. */
function npmAnswer(url: URL): Response {
    const [, name, asked] = decodeURIComponent(url.pathname).match(/^\/(.+)\/([^/]+)$/) ?? [];
    const found =
        asked === "latest"
            ? npmRegistry.latest[name]
            : npmRegistry.published.includes(`${name}@${asked}`)
              ? asked
              : undefined;
    return found ? Response.json({ name, version: found }) : new Response(null, { status: 404 });
}

describe("checkPins, against a fake internet", () => {
    it("finds every pin of the lab, with one token per repository and HEAD requests asking for indexes", async () => {
        const { fakeFetch, requests } = fakeInternet();
        const results = await checkPins(labPins(), { fetch: fakeFetch });
        expect(results.filter((r) => r.verdict !== "ok")).toEqual([]);
        expect(summarize(results).exitCode).toBe(0);

        const manifestRequests = requests.filter((r) => r.url.includes("/manifests/"));
        expect(manifestRequests.every((r) => r.method === "HEAD")).toBe(true);
        expect(manifestRequests[0].headers.get("accept")).toMatch(
            /^application\/vnd\.oci\.image\.index\.v1\+json, application\/vnd\.docker\.distribution\.manifest\.list\.v2\+json/,
        );
        expect(requests.filter((r) => r.url.startsWith("https://auth.docker.io/"))).toHaveLength(6);
        expect(
            requests
                .filter((r) => r.url.endsWith("/index.yaml"))
                .map((r) => r.url)
                .sort(),
        ).toEqual([
            "https://grafana-community.github.io/helm-charts/index.yaml",
            "https://grafana.github.io/helm-charts/index.yaml",
            "https://victoriametrics.github.io/helm-charts/index.yaml",
        ]);
        expect(results.find((r) => r.pin.what.startsWith("kind"))).toMatchObject({
            where: `https://registry-1.docker.io/v2/kindest/node/manifests/v1.37.0`,
            detail: KIND_DIGEST,
        });
    });

    it("names each missing pin and where it looked, and counts an unreachable source as a failure", async () => {
        const { fakeFetch } = fakeInternet({ down: ["grafana.com"] });
        const pins = pinnedArtifacts(
            { ...configDefaults, oncallChartVersion: "1.16.9", mailpitImage: "axllent/mailpit:v9.9.9" },
            loadValuesFile("oncall.yaml"),
        );
        const results = await checkPins(pins, { fetch: fakeFetch });
        const bad = results
            .filter((r) => r.verdict !== "ok")
            .map(({ pin, where, verdict, detail }) => ({ what: pin.what, where, verdict, detail }));
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
        const results = await checkPins(
            labPins().filter((p) => p.kind === "plugin" || p.kind === "download"),
            { fetch: fakeFetch },
        );
        expect(results.map((r) => [r.pin.what, r.verdict])).toEqual([
            ["grafana-oncall-app plugin for linux/amd64 (oncallPluginVersion)", "ok"],
            ["grafana-oncall-app plugin for linux/arm64 (oncallPluginVersion)", "ok"],
            ["grafana-oncall-app zip (oncallPluginUrl, unset: the release's own copy)", "ok"],
        ]);
        expect(requests.filter((r) => r.url === RELEASE_ZIP)).toHaveLength(3);

        const pins = pinnedArtifacts(
            { ...configDefaults, oncallPluginVersion: "1.7.1", oncallPluginUrl: "https://example.com/oncall.zip" },
            loadValuesFile("oncall.yaml"),
        );
        const missing = await checkPins(
            pins.filter((p) => p.kind === "plugin" || p.kind === "download"),
            { fetch: fakeFetch },
        );
        expect(missing.map((r) => r.verdict)).toEqual(["MISSING", "MISSING", "MISSING"]);
        expect(missing[0].detail).toContain('it is listed as "v1.7.1" (pin that string)');
        expect(missing[2]).toMatchObject({
            where: "https://example.com/oncall.zip",
            pin: { what: "grafana-oncall-app zip (oncallPluginUrl)" },
        });
    });

    it("asks for the pinned digest when the tag has moved", async () => {
        const { fakeFetch, requests } = fakeInternet({
            manifests: { "kindest/node:v1.37.0": { status: 200, digest: "sha256:moved" } },
        });
        const [result] = await checkPins([find(labPins(), "image", "kind node image")], { fetch: fakeFetch });
        expect(result).toMatchObject({
            verdict: "ok",
            where: `https://registry-1.docker.io/v2/kindest/node/manifests/${KIND_DIGEST}`,
            detail: "pinned digest exists; tag v1.37.0 now points at sha256:moved",
        });
        // The repository's token, got after the first 401, goes with the second request straight away.
        expect(
            requests.map((r) => `${r.method} ${r.url.replace(/\?.*/, "")} ${r.headers.get("authorization") ?? "-"}`),
        ).toEqual([
            "HEAD https://registry-1.docker.io/v2/kindest/node/manifests/v1.37.0 -",
            "GET https://auth.docker.io/token -",
            "HEAD https://registry-1.docker.io/v2/kindest/node/manifests/v1.37.0 Bearer anonymous-pull-token",
            `HEAD https://registry-1.docker.io/v2/kindest/node/manifests/${KIND_DIGEST} Bearer anonymous-pull-token`,
            "GET https://hub.docker.com/v2/namespaces/kindest/repositories/node/tags -",
        ]);
    });

    it("asks npm for each package in package.json at the version the lock file installs: all published, only TypeScript and @types/node behind", async () => {
        const { fakeFetch, requests } = fakeInternet();
        const results = await checkPins(labNpmPins(), { fetch: fakeFetch, npmRegistry: NPM_REGISTRY });
        expect(results.length).toBeGreaterThanOrEqual(13);
        expect(results.filter((r) => r.verdict !== "ok" && r.verdict !== "outdated")).toEqual([]);
        // The two the README ("Versions, and why") says cannot move, and why.
        expect(results.filter((r) => r.verdict === "outdated").map((r) => `${r.pin.what}: ${r.detail}`)).toEqual([
            expect.stringMatching(
                /^@types\/node \(package.json devDependencies "\^24\.[\d.]+"\): published; the latest release is 26\./,
            ),
            expect.stringMatching(/^typescript \(package.json devDependencies\): published; the latest release is 7\./),
        ]);
        expect(results.find((r) => r.pin.what.startsWith("@pulumi/pulumi "))).toMatchObject({
            verdict: "ok",
            where: `${NPM_REGISTRY}/@pulumi/pulumi/3.276.0`,
            detail: "published, the latest release",
        });
        expect(requests.map((r) => `${r.method} ${r.url}`)).toContain(`GET ${NPM_REGISTRY}/@pulumi/pulumi/latest`);
        expect(requests).toHaveLength(2 * results.length);
        const summary = summarize(results);
        expect(summary.exitCode).toBe(0);
        expect(summary.text).toContain(
            "behind the latest release (not a failure): typescript (package.json devDependencies) = 6.",
        );
    });

    it("counts a version npm does not have, or npm being unreachable, as a failure", async () => {
        const pins = npmPins(
            { dependencies: { "@pulumi/pulumi": "3.999.0" } },
            { packages: { "node_modules/@pulumi/pulumi": { version: "3.999.0" } } },
        );
        const [missing] = await checkPins(pins, { fetch: fakeInternet().fakeFetch, npmRegistry: NPM_REGISTRY });
        expect(missing).toMatchObject({
            verdict: "MISSING",
            detail: "@pulumi/pulumi 3.999.0 is not on the npm registry (404)",
        });
        const [down] = await checkPins(pins, {
            fetch: fakeInternet({ down: [NPM_HOST] }).fakeFetch,
            npmRegistry: NPM_REGISTRY,
        });
        expect(down).toMatchObject({
            verdict: "unreachable",
            detail: expect.stringContaining(`ENOTFOUND ${NPM_HOST}`),
        });
        expect(summarize([missing, down]).exitCode).toBe(1);
    });

    it("reports a pin behind the newest patch of its line, from the chart index and Docker Hub's tag listing", async () => {
        const { fakeFetch, requests } = fakeInternet({
            manifests: {
                "grafana/grafana:11.6.0": { status: 200, digest: "sha256:old" },
                "bitnamilegacy/postgresql:14.5.0-debian-11-r30": { status: 200, digest: "sha256:old" },
                "axllent/mailpit:v1.30.4": { status: 200, digest: "sha256:old" },
            },
        });
        const pins = pinnedArtifacts(
            {
                ...configDefaults,
                grafanaChartVersion: "12.11.0",
                grafanaImageTag: "11.6.0",
                mailpitImage: "axllent/mailpit:v1.30.4",
            },
            {
                ...loadValuesFile("oncall.yaml"),
                postgresql: { image: { repository: "bitnamilegacy/postgresql", tag: "14.5.0-debian-11-r30" } },
            },
        );
        const results = await checkPins(pins, { fetch: fakeFetch });
        expect(
            results
                .filter((r) => r.verdict !== "ok")
                .map((r) => [r.pin.what, r.verdict, r.detail.replace(/ \(pinned one .*\)$/, "")]),
        ).toEqual([
            ["grafana chart (grafanaChartVersion)", "BEHIND", "newer in its line: 12.11.1"],
            ["Grafana image (grafanaImageTag)", "BEHIND", "newer in its line: 11.6.16"],
            // Postgres' line is its major: 14.18, on Debian 12, is newer than 14.5 on Debian 11; 15.x and plain 14.8.0 are not in it.
            [
                "Postgres image (values/oncall.yaml postgresql.image)",
                "BEHIND",
                "newer in its line: 14.18.0-debian-12-r0",
            ],
            ["Mailpit image (mailpitImage)", "BEHIND", "newer in its line: v1.30.5"],
        ]);
        const summary = summarize(results);
        expect(summary.exitCode).toBe(1);
        expect(summary.text).toContain(
            "BEHIND (a newer patch of its line exists): Grafana image (grafanaImageTag) = grafana/grafana:11.6.0",
        );
        // The listing is asked for the line only, and followed page by page.
        const grafanaListing = requests.filter((r) =>
            r.url.startsWith("https://hub.docker.com/v2/namespaces/grafana/repositories/grafana/tags"),
        );
        expect(grafanaListing.map((r) => new URL(r.url).searchParams.get("name"))).toEqual(["11.6.", "11.6.", "11.6."]);
    });

    it("counts an unreadable tag listing as unreachable, not as the newest", async () => {
        const { fakeFetch } = fakeInternet({ down: ["hub.docker.com"] });
        const [result] = await checkPins([find(labPins(), "image", "Grafana image")], { fetch: fakeFetch });
        expect(result.verdict).toBe("unreachable");
        expect(result.detail).toContain("Docker Hub's tag listing: ");
    });
});
