// `npm run smoke`: proves a running lab end to end and times it (see src/tools/smoke/smoke.ts for the steps).
// Reads what it needs from the stack outputs, port-forwards to the lab's Alertmanager, and stops
// that port-forward on every way out, Ctrl-C included.
import { randomBytes } from "node:crypto";
import { readStackOutputs } from "../src/tools/shared/cli";
import { type PortForward, startPortForward } from "../src/tools/shared/processes";
import { formatReport, newRunId, runSmoke } from "../src/tools/smoke/smoke";
import {
    alertmanagerTarget,
    buildSmokeSettings,
    needsStackOutputs,
    parseSmokeInputs,
    smokeUsage,
} from "../src/tools/smoke/settings";

function log(line: string): void {
    console.error(`smoke: ${line}`);
}

async function main(argv: string[]): Promise<number> {
    const inputs = parseSmokeInputs(argv, process.env);
    if (inputs === "help") {
        console.log(smokeUsage());
        return 0;
    }
    const settings = buildSmokeSettings(inputs, needsStackOutputs(inputs) ? await readStackOutputs() : {});

    const interrupt = new AbortController();
    let forward: PortForward | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
        if (!interrupt.signal.aborted) {
            log(`${signal}: clearing the alert and stopping the port-forward (again to quit at once)`);
            interrupt.abort();
            return;
        }
        if (forward?.child.pid !== undefined && forward.child.exitCode === null)
            process.kill(forward.child.pid, "SIGTERM");
        process.exit(1);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);

    try {
        let alertmanagerUrl = settings.alertmanagerUrl;
        if (alertmanagerUrl === undefined) {
            forward = await startPortForward(alertmanagerTarget(settings.kubectlContext ?? ""), {
                signal: interrupt.signal,
                log,
            });
            alertmanagerUrl = forward.url;
        }
        const runId = newRunId(new Date(), randomBytes(3).toString("hex"));
        const report = await runSmoke(settings, { alertmanagerUrl, runId, log, signal: interrupt.signal });
        console.log(formatReport(report));
        return report.failure ? 1 : 0;
    } finally {
        await forward?.stop();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
    }
}

main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
        console.error(`smoke: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
    },
);
