// The generated rules and Alertmanager config, run through Debian's victoria-metrics, vmalert
// and prometheus-alertmanager on 127.0.0.1, with a local receiver standing in for OnCall.
import { writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { durationSeconds, heartbeatReceiver, nullReceiver, oncallReceiver } from "../src/monitoring/alerting";
import {
    type AlertPath,
    alertmanagerAlerts,
    freePort,
    postAlerts,
    type ReceivedWebhook,
    runToCompletion,
    type SimulatedTarget,
    simulateScrapes,
    startAlertPath,
    waitFor,
    WebhookReceiver,
} from "./support/alert-path";
import { buildDashboard } from "../src/monitoring/dashboard";
import {
    alertNames,
    carries,
    deliveryTimeoutMs,
    fastSettings,
    heartbeatIntervalMs,
    integrationPath,
    missing,
    scrapeIntervalMs,
    suiteTitle,
    targetDownWebhook,
    webhookWith,
} from "./support/alert-path-fixtures";
import { dashboardProblems, importOncallExposition, lastValue, missingData, queryRange } from "./support/dashboard";

describe.skipIf(missing.length > 0)(suiteTitle, () => {
    describe("when the receiver is up", () => {
        const path = integrationPath();
        // The heartbeat's integration of its own, as the lab wires it.
        const pingPath = `${integrationPath()}heartbeat/`;
        const target = { job: "checkout", instance: "127.0.0.1:9101" };
        let receiver: WebhookReceiver;
        let alertPath: AlertPath;
        let scrapes: SimulatedTarget | undefined;
        const callsTo = (callPath: string): ReceivedWebhook[] =>
            receiver.received.filter((webhook) => webhook.path === callPath);

        beforeAll(async () => {
            receiver = new WebhookReceiver(await freePort());
            await receiver.start();
            const pagingUrl = receiver.url(path);
            alertPath = await startAlertPath(
                fastSettings,
                { pagingUrl, heartbeatUrl: receiver.url(pingPath) },
                { scrapeComponents: true },
            );
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
            await writeFile(
                brokenRules,
                "groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: up ==\n",
            );
            const brokenCheck = await runToCompletion("vmalert", ["-dryRun", `-rule=${brokenRules}`]);
            expect(brokenCheck.exitCode).not.toBe(0);
        });

        it("pages OnCall's integration path with the alert's labels when a target goes down, then resolves", async () => {
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
        }, 60_000);

        it("pages a critical alert but not a warning, inhibits the milder alerts, and never sends InfoInhibitor", async () => {
            // The stack's default rules, which this path does not run, would send alerts like these.
            const critical = { alertname: "KubeAPIDown", severity: "critical", namespace: "shop-a" };
            const warning = { alertname: "KubePodNotReady", severity: "warning", namespace: "shop-a" };
            const criticalTier = {
                alertname: "KubePersistentVolumeFillingUp",
                severity: "critical",
                namespace: "shop-b",
            };
            const warningTier = { ...criticalTier, severity: "warning" };
            const infoInhibitor = { alertname: "InfoInhibitor", severity: "none", namespace: "shop-c" };
            const info = { alertname: "KubeQuotaAlmostFull", severity: "info", namespace: "shop-c" };
            const quiet = [warning, warningTier, infoInhibitor, info];
            await postAlerts(
                alertPath.alertmanagerUrl,
                [critical, criticalTier, ...quiet].map((labels) => ({ labels })),
            );

            for (const labels of [critical, criticalTier]) {
                const paged = await waitFor(
                    `the ${labels.alertname} page`,
                    () => webhookWith(receiver, path, labels),
                    deliveryTimeoutMs,
                );
                expect(paged.payload.receiver).toBe(oncallReceiver);
            }
            // Posted together, so any of them routed to a webhook would have been flushed by now; wait
            // one more group interval to be sure.
            await sleep(
                durationSeconds(fastSettings.groupWait) * 1000 + durationSeconds(fastSettings.groupInterval) * 1000,
            );
            for (const labels of quiet) {
                expect(
                    receiver.received.filter((webhook) => carries(webhook, labels)),
                    labels.alertname,
                ).toEqual([]);
            }

            const held = await alertmanagerAlerts(alertPath.alertmanagerUrl);
            const find = (labels: Record<string, string>) =>
                held.find((alert) => Object.entries(labels).every(([name, value]) => alert.labels[name] === value));
            expect(find(warning)).toMatchObject({ receivers: [{ name: nullReceiver }], status: { state: "active" } });
            expect(find(infoInhibitor)).toMatchObject({ receivers: [{ name: nullReceiver }] });
            expect(find(warningTier)?.status.state).toBe("suppressed");
            expect(find(warningTier)?.status.inhibitedBy).toHaveLength(1);
            expect(find(info)?.status.state).toBe("suppressed");
            expect(find(critical)?.status.state).toBe("active");
        }, 60_000);

        it("pings OnCall's heartbeat with the Watchdog every heartbeatInterval, and pages with nothing else", async () => {
            const pings = await waitFor(
                "five heartbeat pings",
                () => (callsTo(pingPath).length >= 5 ? callsTo(pingPath) : undefined),
                deliveryTimeoutMs,
            );
            for (const ping of pings) {
                expect(ping.payload.receiver).toBe(heartbeatReceiver);
                expect(ping.payload.status).toBe("firing");
            }
            const gapsMs = pings.slice(1).map((ping, index) => ping.receivedAt - pings[index].receivedAt);
            for (const gapMs of gapsMs) {
                expect(gapMs).toBeGreaterThan(heartbeatIntervalMs - 500);
                expect(gapMs).toBeLessThan(heartbeatIntervalMs + 1_000);
            }

            // Runs last in this suite, so it also covers the pages and stack alerts above.
            expect(new Set(alertNames(callsTo(pingPath)))).toEqual(new Set(["Watchdog"]));
            expect(alertNames(callsTo(path))).not.toContain("Watchdog");
            expect(alertNames(callsTo(path))).toContain("TargetDown");
            expect(receiver.received.every((webhook) => webhook.path === path || webhook.path === pingPath)).toBe(true);
            const watchdog = (await alertmanagerAlerts(alertPath.alertmanagerUrl)).find(
                (alert) => alert.labels.alertname === "Watchdog",
            );
            expect(watchdog?.receivers.map((route) => route.name)).toEqual([heartbeatReceiver]);
        }, 60_000);

        it("answers every dashboard panel from the real metrics and OnCall's recorded exposition, and not a misspelt query", async () => {
            // Runs after the pages and pings above, so vmalert's ALERTS and Alertmanager's webhook counters have moved.
            const vm = alertPath.victoriaMetricsUrl;
            const now = Date.now();
            await importOncallExposition(vm, "before", now - 60_000);
            await importOncallExposition(vm, "after", now - 30_000);
            const dashboard = buildDashboard({ heartbeatTimeoutSeconds: fastSettings.heartbeatTimeoutSeconds });
            const window = { startMs: now - 120_000, endMs: Date.now(), stepSeconds: 5 };
            const run = {
                window,
                builtIns: { __rate_interval: "10s", __interval: "5s", __range: "2m" },
                receiverNamesInMetrics: alertPath.receiverNamesInMetrics,
            };
            expect(await dashboardProblems(vm, dashboard, run)).toEqual([]);

            const at = async (expr: string) => queryRange(vm, expr, window.startMs, window.endMs, window.stepSeconds);
            const states = await at("sum by (state) (oncall_alert_groups_total)");
            expect([lastValue(states, { state: "firing" }), lastValue(states, { state: "acknowledged" })]).toEqual([
                1, 1,
            ]);
            expect(
                lastValue(
                    await at(
                        "sum(oncall_alert_groups_response_time_seconds_sum) / sum(oncall_alert_groups_response_time_seconds_count)",
                    ),
                ),
            ).toBe(147.5);
            const notified = await at(
                "sort_desc(round(delta(sum by (username) (oncall_user_was_notified_of_alert_groups_total)[2m:])) >= 0)",
            );
            expect(lastValue(notified, { username: "alice" })).toBe(2);

            // The same check fails a misspelt metric, label or label value.
            for (const [expr, labels] of [
                ["sum by (state) (oncall_alert_group_total)", ["state"]],
                ["sum by (stat) (oncall_alert_groups_total)", ["state"]],
                ['sum by (severity) (ALERTS{alertstate="fireing"})', ["severity"]],
                ['sum(alertmanager_notifications_total{integration="web_hook"})', []],
            ] as const) {
                expect(await missingData(vm, expr, [...labels], window), expr).toBeDefined();
            }
        }, 30_000);
    });
});
