// The generated rules and Alertmanager config, run through Debian's victoria-metrics, vmalert and
// prometheus-alertmanager on 127.0.0.1, when the receiver standing in for OnCall is down as the alert fires (in a file
// of its own, so that vitest runs this slow case beside test/alert-path.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { heartbeatUrl } from "../src/monitoring/alerting";
import {
    type AlertPath,
    alertmanagerCounter,
    freePort,
    type SimulatedTarget,
    simulateScrapes,
    startAlertPath,
    waitFor,
    WebhookReceiver,
} from "./support/alert-path";
import {
    deliveryTimeoutMs,
    fastSettings,
    integrationPath,
    missing,
    scrapeIntervalMs,
    suiteTitle,
    targetDownWebhook,
} from "./support/alert-path-fixtures";

describe.skipIf(missing.length > 0)(suiteTitle, () => {
    describe("when the receiver is down as the alert fires", () => {
        const path = integrationPath();
        const target = { job: "payments", instance: "127.0.0.1:9102" };
        let receiver: WebhookReceiver;
        let heartbeat: WebhookReceiver;
        let alertPath: AlertPath;
        let scrapes: SimulatedTarget | undefined;

        beforeAll(async () => {
            // The port is reserved but nothing listens yet: Alertmanager gets "connection refused".
            receiver = new WebhookReceiver(await freePort());
            // Pings go elsewhere, so the failed-notification count below is the page's alone.
            heartbeat = new WebhookReceiver(await freePort());
            await heartbeat.start();
            alertPath = await startAlertPath(fastSettings, {
                pagingUrl: receiver.url(path),
                heartbeatUrl: heartbeatUrl(heartbeat.url(path)),
            });
        }, 30_000);

        afterAll(async () => {
            await scrapes?.stop();
            await alertPath?.stop();
            await receiver?.stop();
            await heartbeat?.stop();
        }, 30_000);

        it("delivers the alert once the receiver comes back", async () => {
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
        }, 60_000);
    });
});
