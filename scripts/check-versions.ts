// `npm run check:versions`: asks the chart repositories, Docker Hub and grafana.com whether every version the lab
// pins still exists, and whether the plugin downloads (from grafana.com per platform, and from its release's URL);
// asks the npm registry for each package in package.json, at the version package-lock.json installs, and reports
// the ones behind their latest release. Needs internet; prints a table; exits 1 on any miss, unreachable source, or
// image or chart pin behind the newest patch of its line (src/tools/versions/pinCheck.ts asks, src/tools/versions/versionCheck.ts,
// npmCheck.ts and patchCheck.ts read the answers).
import * as fs from "node:fs";
import * as path from "node:path";
import { configDefaults } from "../src/config/config";
import { loadValuesFile } from "../src/shared/values";
import { describeError as message } from "../src/tools/shared/http";
import { type PackageLock, type PackageManifest, npmPins } from "../src/tools/versions/npmCheck";
import { checkPins } from "../src/tools/versions/pinCheck";
import { formatTable, pinnedArtifacts, summarize } from "../src/tools/versions/versionCheck";

async function main(): Promise<void> {
    const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(__dirname, "..", file), "utf8"));
    const pins = [
        ...pinnedArtifacts(configDefaults, loadValuesFile("oncall.yaml")),
        ...npmPins(readJson("package.json") as PackageManifest, readJson("package-lock.json") as PackageLock),
    ];
    console.log(`Checking ${pins.length} pinned versions (config defaults, values/oncall.yaml, package.json)...\n`);
    const results = await checkPins(pins);
    const summary = summarize(results);
    console.log(`${formatTable(results)}\n\n${summary.text}`);
    process.exitCode = summary.exitCode;
}

main().catch((error: unknown) => {
    console.error(message(error));
    process.exitCode = 1;
});
