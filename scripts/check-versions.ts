// `npm run check:versions`: asks the chart repositories, Docker Hub and grafana.com whether every version the lab
// pins still exists, and whether the plugin downloads (from grafana.com per platform, and from its release's URL).
// Needs internet; prints a table; exits 1 on any miss, unreachable source, or pin behind the newest patch of its line
// (src/tools/patchCheck.ts; src/tools/pinCheck.ts asks,
// src/tools/versionCheck.ts reads the answers).
import { configDefaults } from "../src/config/config";
import { loadValuesFile } from "../src/shared/values";
import { describeError as message } from "../src/tools/http";
import { checkPins } from "../src/tools/pinCheck";
import { formatTable, pinnedArtifacts, summarize } from "../src/tools/versionCheck";

async function main(): Promise<void> {
    const pins = pinnedArtifacts(configDefaults, loadValuesFile("oncall.yaml"));
    console.log(`Checking ${pins.length} pinned versions (config defaults and values/oncall.yaml)...\n`);
    const results = await checkPins(pins);
    const summary = summarize(results);
    console.log(`${formatTable(results)}\n\n${summary.text}`);
    process.exitCode = summary.exitCode;
}

main().catch((error: unknown) => {
    console.error(message(error));
    process.exitCode = 1;
});
