// The storms of issue 23 at full size, through Debian's Alertmanager with the lab's config into the OnCall stand-in,
// and the table the README's reliability section shows. Run with `npm run bench:storm` (time scaled 10x: about 8
// minutes) or `npm run bench:storm -- --scale 1` (real time: about 70 minutes).
import { hostname, cpus } from "node:os";
import { installCommand, missingBinaries } from "../src/tools/bench/alertPath";
import { runStorm } from "../src/tools/bench/storm";
import {
    distinctStorm,
    labStormConfig,
    oneNamespaceStorm,
    outageStorm,
    spreadStorm,
    tableRow,
} from "../src/tools/bench/stormScenarios";

function scaleArgument(): number {
    const index = process.argv.indexOf("--scale");
    const scale = index === -1 ? 10 : Number(process.argv[index + 1]);
    if (!Number.isInteger(scale) || scale < 1)
        throw new Error(`--scale takes a whole number of 1 or more, got "${process.argv[index + 1]}"`);
    return scale;
}

async function main(): Promise<void> {
    const missing = missingBinaries().filter((binary) => binary === "prometheus-alertmanager");
    if (missing.length > 0) {
        console.error(`bench:storm needs prometheus-alertmanager on PATH; install with: ${installCommand}`);
        process.exitCode = 1;
        return;
    }
    // Exiting runs the exit hooks that stop the Alertmanager this bench started.
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(1));
    const scale = scaleArgument();
    const config = labStormConfig(scale);
    const rows: string[] = [];
    for (const storm of [oneNamespaceStorm, spreadStorm, distinctStorm(), outageStorm]) {
        console.error(`running: ${storm.name} (${storm.endsAt} s of lab time at ${scale}x)`);
        const result = await runStorm(storm, config);
        console.error(JSON.stringify(result));
        rows.push(tableRow(result));
    }
    const time = scale === 1 ? "real time" : `time scaled ${scale}x`;
    console.log(
        `${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? "CPU"} (${hostname()}), ${time}:\n`,
    );
    console.log("| storm | what OnCall got | what went wrong |");
    console.log("|---|---|---|");
    for (const row of rows) console.log(row);
}

main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
});
