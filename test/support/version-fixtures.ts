// Recorded-shape answers of the chart indexes, Docker Hub, grafana.com and the npm registry (test/fixtures/versions),
// and the lab's own pins, for the version-check tests.
import * as fs from "node:fs";
import * as path from "node:path";
import { configDefaults } from "../../src/config/config";
import { loadValuesFile } from "../../src/shared/values";
import { npmPins, type PackageLock, type PackageManifest } from "../../src/tools/versions/npmCheck";
import { type Pin, pinnedArtifacts } from "../../src/tools/versions/versionCheck";

export const fixture = (name: string) =>
    fs.readFileSync(path.join(__dirname, "..", "fixtures", "versions", name), "utf8");
export const indexText = fixture("index.yaml");
export const dockerHub = JSON.parse(fixture("docker-hub.json")) as {
    challenge: string;
    token: unknown;
    manifests: Record<string, { status: number; digest: string }>;
};
/** Docker Hub's tag listing per repository (hub.docker.com/v2/namespaces/<ns>/repositories/<name>/tags). */
export const hubTags = (JSON.parse(fixture("docker-hub-tags.json")) as { tags: Record<string, string[]> }).tags;
export const catalog: unknown = JSON.parse(fixture("catalog-versions.json"));
export type RecordedAnswer = { status: number; headers: Record<string, string> };
export const downloads = JSON.parse(fixture("plugin-download.json")) as Record<
    "grafanaCom" | "grafanaComUnknownVersion" | "gcsObject" | "gcsNoSuchKey",
    RecordedAnswer
>;
export const RELEASE_ZIP = "https://storage.googleapis.com/grafana-oncall-app/releases/grafana-oncall-app-1.16.9.zip";

export const KIND_DIGEST = "sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5";
export const labPins = () => pinnedArtifacts(configDefaults, loadValuesFile("oncall.yaml"));
export const find = <K extends Pin["kind"]>(pins: Pin[], kind: K, what: string) =>
    pins.find((p) => p.kind === kind && p.what.startsWith(what)) as Extract<Pin, { kind: K }>;

// The npm registry as asked on 2026-12-05: each package's latest release, and the versions it answered 200 for.
export const npmRegistry = JSON.parse(fixture("npm-registry.json")) as {
    latest: Record<string, string>;
    published: string[];
};
const readRepoJson = (file: string): unknown =>
    JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", file), "utf8"));
export const labNpmPins = () =>
    npmPins(readRepoJson("package.json") as PackageManifest, readRepoJson("package-lock.json") as PackageLock);
