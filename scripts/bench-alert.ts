// How long from a target's first failing sample until OnCall's webhook is called, with the lab's
// real intervals, on Debian's victoria-metrics, vmalert and prometheus-alertmanager.
// Run with `npm run bench:alert`; takes about two minutes.
import { randomBytes } from "node:crypto";
import { defaultAlertingSettings, durationSeconds, heartbeatUrl } from "../src/monitoring/alerting";
import {
    type AlertPath,
    installCommand,
    missingBinaries,
    startAlertPath,
    vmalertAlertState,
    WebhookReceiver,
} from "../src/tools/bench/alertPath";
import { type SimulatedTarget, simulateScrapes } from "../src/tools/bench/scrapeSimulation";
import { waitFor } from "../src/tools/shared/polling";
import { freePort } from "../src/tools/shared/processes";

const settings = defaultAlertingSettings;
const target = { job: "bench", instance: "127.0.0.1:9100" };
const alertName = "TargetDown";

const boundParts = {
    scrape: durationSeconds(settings.scrapeInterval),
    evaluation: durationSeconds(settings.evaluationInterval),
    for: durationSeconds(settings.targetDownFor),
    group_wait: durationSeconds(settings.groupWait),
};
const boundSeconds = Object.values(boundParts).reduce((sum, seconds) => sum + seconds, 0);

let receiver: WebhookReceiver | undefined;
let alertPath: AlertPath | undefined;
let scrapes: SimulatedTarget | undefined;

async function stopEverything(): Promise<void> {
    await scrapes?.stop().catch((error: unknown) => console.error(`scrape simulation failed: ${String(error)}`));
    await alertPath?.stop();
    await receiver?.stop();
}

function seconds(fromMs: number, toMs: number | undefined): string {
    return toMs === undefined ? "not seen" : `${((toMs - fromMs) / 1000).toFixed(1)} s`;
}

async function measure(): Promise<void> {
    const path = `/integrations/v1/alertmanager/${randomBytes(8).toString("hex")}/`;
    const webhookReceiver = new WebhookReceiver(await freePort());
    receiver = webhookReceiver;
    await webhookReceiver.start();
    const pagingUrl = webhookReceiver.url(path);
    // The heartbeat on an integration of its own, as the lab wires it.
    const heartbeatIntegrationUrl = webhookReceiver.url(
        `/integrations/v1/alertmanager/${randomBytes(8).toString("hex")}/`,
    );
    const startedPath = await startAlertPath(settings, {
        pagingUrl,
        heartbeatUrl: heartbeatUrl(heartbeatIntegrationUrl),
    });
    alertPath = startedPath;

    // The first scrape happens at once with the target healthy; every later one fails.
    const targetScrapes = simulateScrapes(
        startedPath.victoriaMetricsUrl,
        target,
        durationSeconds(settings.scrapeInterval) * 1000,
    );
    scrapes = targetScrapes;
    targetScrapes.setHealthy(false);
    const firstFailingSampleAt = await waitFor(
        "the first failing sample",
        () => targetScrapes.firstFailingSampleAt(),
        2 * boundParts.scrape * 1000,
    );
    console.log(`first failing sample written; waiting up to ${2 * boundSeconds} s for the webhook...`);

    const stateFirstSeenAt = new Map<string, number>();
    const webhook = await waitFor(
        `the ${alertName} webhook`,
        async () => {
            const state = await vmalertAlertState(startedPath.vmalertUrl, alertName);
            if (state !== undefined && !stateFirstSeenAt.has(state)) stateFirstSeenAt.set(state, Date.now());
            return webhookReceiver.received.find(
                (received) =>
                    received.path === path &&
                    received.payload.status === "firing" &&
                    received.payload.alerts.some((alert) => alert.labels.alertname === alertName),
            );
        },
        2 * boundSeconds * 1000,
        250,
    );

    const measuredSeconds = (webhook.receivedAt - firstFailingSampleAt) / 1000;
    const boundFormula = Object.entries(boundParts)
        .map(([part, partSeconds]) => `${part} ${partSeconds}`)
        .join(" + ");
    console.log(`vmalert pending after:  ${seconds(firstFailingSampleAt, stateFirstSeenAt.get("pending"))}`);
    console.log(`vmalert firing after:   ${seconds(firstFailingSampleAt, stateFirstSeenAt.get("firing"))}`);
    console.log(`first failing sample -> webhook at ${path}: ${measuredSeconds.toFixed(1)} s`);
    console.log(`theoretical bound (${boundFormula}): ${boundSeconds} s`);
    if (measuredSeconds > boundSeconds) {
        console.log("measured time is ABOVE the bound");
        process.exitCode = 1;
    }
}

async function main(): Promise<void> {
    const missing = missingBinaries();
    if (missing.length > 0) {
        console.error(`bench:alert needs ${missing.join(", ")} on PATH; install with: ${installCommand}`);
        process.exitCode = 1;
        return;
    }
    const interrupted = (signal: NodeJS.Signals): void => {
        console.error(`${signal}: stopping the programs this bench started`);
        void stopEverything().finally(() => process.exit(1));
    };
    process.once("SIGINT", interrupted);
    process.once("SIGTERM", interrupted);
    try {
        await measure();
    } finally {
        await stopEverything();
    }
}

main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
});
