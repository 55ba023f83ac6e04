// The generated rules and Alertmanager config, run through Debian's victoria-metrics, vmalert
// and prometheus-alertmanager on 127.0.0.1, with a local receiver standing in for OnCall.
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
    type AlertingSettings,
    defaultAlertingSettings,
    durationSeconds,
    nullReceiver,
    oncallReceiver,
} from "../src/alerting";
import {
    type AlertPath,
    alertmanagerAlerts,
    alertmanagerCounter,
    freePort,
    installCommand,
    missingBinaries,
    type ReceivedWebhook,
    runToCompletion,
    type SimulatedTarget,
    simulateScrapes,
    startAlertPath,
    waitFor,
    WebhookReceiver,
} from "./support/alertPath";

// Same builders as the lab, with seconds instead of minutes so the suite stays fast.
const fastSettings: AlertingSettings = {
    ...defaultAlertingSettings,
    scrapeInterval: "1s",
    evaluationInterval: "1s",
    targetDownFor: "2s",
    groupWait: "1s",
    groupInterval: "2s",
    repeatInterval: "1h",
};
const scrapeIntervalMs = durationSeconds(fastSettings.scrapeInterval) * 1000;
const deliveryTimeoutMs = 30_000;

const missing = missingBinaries();
const suiteTitle =
    missing.length === 0
        ? "alert path through vmalert and Alertmanager"
        : `alert path (SKIPPED: ${missing.join(", ")} not on PATH; install with: ${installCommand})`;

if (missing.length > 0) console.warn(suiteTitle);

function integrationPath(): string {
    return `/integrations/v1/alertmanager/${randomBytes(8).toString("hex")}/`;
}

function targetDownWebhook(
    receiver: WebhookReceiver,
    status: "firing" | "resolved",
    instance: string,
): ReceivedWebhook | undefined {
    return receiver.received.find(
        (webhook) =>
            webhook.payload.status === status &&
            webhook.payload.alerts.some(
                (alert) => alert.labels.alertname === "TargetDown" && alert.labels.instance === instance,
            ),
    );
}

describe.skipIf(missing.length > 0)(suiteTitle, () => {
    describe("when the receiver is up", () => {
        const path = integrationPath();
        const target = { job: "checkout", instance: "127.0.0.1:9101" };
        let receiver: WebhookReceiver;
        let alertPath: AlertPath;
        let scrapes: SimulatedTarget | undefined;

        beforeAll(async () => {
            receiver = new WebhookReceiver(await freePort());
            await receiver.start();
            alertPath = await startAlertPath(fastSettings, receiver.url(path));
        }, 30_000);

        afterAll(async () => {
            await scrapes?.stop();
            await alertPath?.stop();
            await receiver?.stop();
        }, 30_000);

        it("amtool check-config accepts the generated Alertmanager config", async () => {
            const check = await runToCompletion("amtool", ["check-config", alertPath.alertmanagerConfigFile]);
            expect(check.output).toContain("SUCCESS");
            expect(check.exitCode).toBe(0);
        });

        it("vmalert -dryRun accepts the generated rules and rejects a broken copy", async () => {
            const check = await runToCompletion("vmalert", ["-dryRun", `-rule=${alertPath.rulesFile}`]);
            expect(check.exitCode, check.output).toBe(0);

            // Proves the dry run really parses expressions, so the pass above means something.
            const brokenRules = `${alertPath.rulesFile}.broken.yml`;
            await writeFile(brokenRules, "groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: up ==\n");
            const brokenCheck = await runToCompletion("vmalert", ["-dryRun", `-rule=${brokenRules}`]);
            expect(brokenCheck.exitCode).not.toBe(0);
        });

        it(
            "pages OnCall's integration path with the alert's labels when a target goes down, then resolves",
            async () => {
                scrapes = simulateScrapes(alertPath.victoriaMetricsUrl, target, scrapeIntervalMs);
                scrapes.setHealthy(false);

                const firing = await waitFor(
                    "the TargetDown webhook",
                    () => targetDownWebhook(receiver, "firing", target.instance),
                    deliveryTimeoutMs,
                );
                expect(firing.method).toBe("POST");
                expect(firing.path).toBe(path);
                expect(firing.payload.receiver).toBe(oncallReceiver);
                expect(firing.payload.alerts).toHaveLength(1);
                expect(firing.payload.alerts[0].status).toBe("firing");
                expect(firing.payload.alerts[0].labels).toMatchObject({
                    alertname: "TargetDown",
                    severity: fastSettings.severity,
                    ...target,
                });
                expect(firing.payload.alerts[0].annotations.summary).toBe(
                    `Target ${target.instance} of job ${target.job} is down`,
                );

                scrapes.setHealthy(true);
                const resolved = await waitFor(
                    "the resolved TargetDown webhook",
                    () => targetDownWebhook(receiver, "resolved", target.instance),
                    deliveryTimeoutMs,
                );
                expect(resolved.path).toBe(path);
                expect(resolved.receivedAt).toBeGreaterThan(firing.receivedAt);
                expect(resolved.payload.alerts[0].status).toBe("resolved");
                expect(resolved.payload.alerts[0].labels).toMatchObject({ alertname: "TargetDown", ...target });
            },
            60_000,
        );

        it("keeps the Watchdog firing in Alertmanager without paging", async () => {
            const watchdog = await waitFor(
                "the Watchdog alert in Alertmanager",
                async () => (await alertmanagerAlerts(alertPath.alertmanagerUrl)).find((alert) => alert.labels.alertname === "Watchdog"),
                deliveryTimeoutMs,
            );
            expect(watchdog.receivers.map((receiver) => receiver.name)).toEqual([nullReceiver]);
            const pagedAlertNames = receiver.received.flatMap((webhook) =>
                webhook.payload.alerts.map((alert) => alert.labels.alertname),
            );
            expect(pagedAlertNames).not.toContain("Watchdog");
        });
    });

    describe("when the receiver is down as the alert fires", () => {
        const path = integrationPath();
        const target = { job: "payments", instance: "127.0.0.1:9102" };
        let receiver: WebhookReceiver;
        let alertPath: AlertPath;
        let scrapes: SimulatedTarget | undefined;

        beforeAll(async () => {
            // The port is reserved but nothing listens yet: Alertmanager gets "connection refused".
            receiver = new WebhookReceiver(await freePort());
            alertPath = await startAlertPath(fastSettings, receiver.url(path));
        }, 30_000);

        afterAll(async () => {
            await scrapes?.stop();
            await alertPath?.stop();
            await receiver?.stop();
        }, 30_000);

        it(
            "delivers the alert once the receiver comes back",
            async () => {
                scrapes = simulateScrapes(alertPath.victoriaMetricsUrl, target, scrapeIntervalMs);
                scrapes.setHealthy(false);

                // A whole notification, retries included, has to fail: the next group flush must redo it.
                const failedNotifications = (): Promise<number> =>
                    alertmanagerCounter(alertPath.alertmanagerUrl, "alertmanager_notifications_failed_total", {
                        integration: "webhook",
                    });
                await waitFor(
                    "Alertmanager to give up one notification to the absent receiver",
                    async () => ((await failedNotifications()) > 0 ? true : undefined),
                    deliveryTimeoutMs,
                );

                const receiverBackAt = Date.now();
                await receiver.start();
                const firing = await waitFor(
                    "the TargetDown webhook after the receiver came back",
                    () => targetDownWebhook(receiver, "firing", target.instance),
                    deliveryTimeoutMs,
                );
                expect(firing.path).toBe(path);
                expect(firing.payload.alerts[0].labels).toMatchObject({
                    alertname: "TargetDown",
                    severity: fastSettings.severity,
                    ...target,
                });
                // The very alert that fired into the outage, not a later one.
                expect(Date.parse(firing.payload.alerts[0].startsAt)).toBeLessThan(receiverBackAt);
            },
            60_000,
        );
    });
});
