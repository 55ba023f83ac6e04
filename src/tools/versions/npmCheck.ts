// The npm packages in package.json for `npm run check:versions`: the version package-lock.json installs, whether the
// registry npm installs from still has it, and whether it is the latest release.
// Pure: src/tools/versions/pinCheck.ts makes the requests.
import { withoutTrailingSlash } from "../../shared/urls";
import type { Finding, NpmPin } from "./versionCheck";

/**
 * The registry npm itself installs from, so that check:versions asks where `npm ci` would fetch. `npm run` hands a
 * script the settings that differ from npm's defaults as `npm_config_*` (the user's .npmrc included); npm 11 leaves
 * out a registry it was not told, so then `askNpm` asks npm (`npm config get registry`).
 */
export function npmRegistryOf(env: NodeJS.ProcessEnv, askNpm: () => string): string {
    const registry = env.npm_config_registry || askNpm().trim();
    if (!registry) throw new Error("npm's registry is unknown: `npm config get registry` answered nothing");
    return withoutTrailingSlash(registry);
}

/** The parts of package.json and package-lock.json (lockfileVersion 2 or 3) read here. */
export interface PackageManifest {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
}
export interface PackageLock {
    packages?: Record<string, { version?: string }>;
}

/** Every direct dependency, at the version the lock file installs (a range in package.json says which it is). */
export function npmPins(manifest: PackageManifest, lock: PackageLock): NpmPin[] {
    const sections = [
        ["dependencies", manifest.dependencies],
        ["devDependencies", manifest.devDependencies],
    ] as const;
    return sections.flatMap(([section, deps]) =>
        Object.entries(deps ?? {}).map(([name, range]): NpmPin => {
            const version = lock.packages?.[`node_modules/${name}`]?.version;
            if (!version)
                throw new Error(
                    `package-lock.json does not install ${name} (package.json ${section}): run npm install`,
                );
            const asWritten = range === version ? "" : ` "${range}"`;
            return {
                kind: "npm",
                what: `${name} (package.json ${section}${asWritten})`,
                pinned: version,
                name,
                version,
            };
        }),
    );
}

/** The registry's document for one version of a package, or (`"latest"`) for its latest release. */
export function npmVersionUrl(registry: string, name: string, version: string): string {
    return `${registry}/${name}/${encodeURIComponent(version)}`;
}

/** A registry request's outcome: the status and the `version` of the JSON it answered, or a failure to get one. */
export type NpmAnswer = { status: number; version?: string } | { error: string };

/** `pinned` answers for the pinned version, `latest` for the latest release (its dist-tag). */
export function judgeNpm(pin: NpmPin, pinned: NpmAnswer, latest: NpmAnswer): Finding {
    if ("error" in pinned) return { verdict: "unreachable", detail: pinned.error };
    if (pinned.status === 404)
        return { verdict: "MISSING", detail: `${pin.name} ${pin.version} is not on the npm registry (404)` };
    if (pinned.status !== 200) return { verdict: "unreachable", detail: `HTTP ${pinned.status}` };
    if ("error" in latest)
        return { verdict: "unreachable", detail: `published; its latest release could not be read: ${latest.error}` };
    if (latest.status !== 200 || !latest.version) {
        return {
            verdict: "unreachable",
            detail: `published; its latest release could not be read: HTTP ${latest.status}`,
        };
    }
    if (latest.version === pin.version) return { verdict: "ok", detail: "published, the latest release" };
    return { verdict: "outdated", detail: `published; the latest release is ${latest.version}` };
}
