import { describe, expect, it } from "vitest";
import YAML from "yaml";
import {
    type AlertingSettings,
    type AlertRule,
    buildAlertmanagerConfig,
    buildAlertRuleGroups,
    defaultAlertingSettings,
    durationSeconds,
    nullReceiver,
    oncallReceiver,
    validateAlertingSettings,
} from "../src/alerting";

const webhookUrl = "https://oncall.example/integrations/v1/alertmanager/Zx1token/";

function rulesByName(settings: AlertingSettings = defaultAlertingSettings): Map<string, AlertRule> {
    return new Map(buildAlertRuleGroups(settings).flatMap((group) => group.rules.map((rule) => [rule.alert, rule])));
}

interface RouteShape {
    receiver: string;
    group_by: string[];
    group_wait: string;
    group_interval: string;
    repeat_interval: string;
    routes: { receiver: string; matchers: string[] }[];
}

interface ReceiverShape {
    name: string;
    webhook_configs?: { url: string; send_resolved: boolean; max_alerts: number }[];
}

function alertmanagerConfig(settings: AlertingSettings = defaultAlertingSettings) {
    const config = buildAlertmanagerConfig(webhookUrl, settings);
    return { route: config.route as RouteShape, receivers: config.receivers as ReceiverShape[] };
}

describe("durationSeconds", () => {
    it.each([
        ["30s", 30],
        ["1m", 60],
        ["1h30m", 5_400],
        ["1d", 86_400],
        ["2w", 1_209_600],
        ["1m0s", 60],
        ["500ms", 0.5],
        ["0", 0],
    ])("reads %s as %d seconds", (duration, seconds) => {
        expect(durationSeconds(duration)).toBe(seconds);
    });

    it.each(["", "1", "5 minutes", "1x", "m", "1m1h", "-1m", "1.5m"])("rejects %j", (duration) => {
        expect(() => durationSeconds(duration)).toThrow(/not a Prometheus duration/);
    });
});

describe("buildAlertRuleGroups", () => {
    it("ships the target-down, crash-loop, node-pressure, disk and Watchdog rules", () => {
        expect([...rulesByName().keys()].sort()).toEqual(
            ["NodeDiskSpaceLow", "NodeUnderPressure", "PodCrashLooping", "TargetDown", "Watchdog"].sort(),
        );
    });

    it("pages on a scrape target down for targetDownFor", () => {
        const rule = rulesByName({ ...defaultAlertingSettings, targetDownFor: "3m" }).get("TargetDown");
        expect(rule).toMatchObject({ expr: "up == 0", for: "3m", labels: { severity: "critical" } });
    });

    it("watches kube-state-metrics' CrashLoopBackOff reason for crashLoopFor", () => {
        const rule = rulesByName({ ...defaultAlertingSettings, crashLoopFor: "10m" }).get("PodCrashLooping");
        expect(rule?.expr).toContain('kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}');
        expect(rule?.for).toBe("10m");
    });

    it("covers the kubelet's pressure conditions and the disk free threshold", () => {
        const rules = rulesByName({ ...defaultAlertingSettings, diskFreePercent: 7.5 });
        expect(rules.get("NodeUnderPressure")?.expr).toBe(
            'kube_node_status_condition{condition=~"DiskPressure|MemoryPressure|PIDPressure",status="true"} == 1',
        );
        expect(rules.get("NodeDiskSpaceLow")?.expr).toMatch(/node_filesystem_avail_bytes.*node_filesystem_size_bytes.* < 7\.5$/);
    });

    it("labels every paging rule with the configured severity, and the Watchdog with none", () => {
        const rules = rulesByName({ ...defaultAlertingSettings, severity: "page" });
        for (const [name, rule] of rules) {
            expect(rule.labels.severity, name).toBe(name === "Watchdog" ? "none" : "page");
        }
        expect(rules.get("Watchdog")).toMatchObject({ expr: "vector(1)" });
        expect(rules.get("Watchdog")).not.toHaveProperty("for");
    });

    it("evaluates every group at evaluationInterval and gives every rule a summary", () => {
        const groups = buildAlertRuleGroups({ ...defaultAlertingSettings, evaluationInterval: "30s" });
        expect(new Set(groups.map((group) => group.name)).size).toBe(groups.length);
        for (const group of groups) {
            expect(group.interval).toBe("30s");
            for (const rule of group.rules) expect(rule.annotations.summary, rule.alert).toBeTruthy();
        }
    });

    it("survives a YAML round trip unchanged (no undefined fields for the rules file or the VMRule)", () => {
        const groups = buildAlertRuleGroups(defaultAlertingSettings);
        expect(YAML.parse(YAML.stringify({ groups }))).toEqual({ groups });
    });

    it("leaves the settings alone and gives the same output for the same input", () => {
        const settings = { ...defaultAlertingSettings };
        const first = buildAlertRuleGroups(settings);
        expect(settings).toEqual(defaultAlertingSettings);
        expect(buildAlertRuleGroups(settings)).toEqual(first);
    });
});

describe("buildAlertmanagerConfig", () => {
    it("sends everything to the OnCall webhook, resolved notifications included", () => {
        const { route, receivers } = alertmanagerConfig({ ...defaultAlertingSettings, maxAlerts: 42 });
        expect(route.receiver).toBe(oncallReceiver);
        expect(receivers.find((receiver) => receiver.name === oncallReceiver)?.webhook_configs).toEqual([
            { url: webhookUrl, send_resolved: true, max_alerts: 42 },
        ]);
    });

    it("routes the Watchdog to a receiver with no integrations", () => {
        const { route, receivers } = alertmanagerConfig();
        expect(route.routes).toEqual([{ receiver: nullReceiver, matchers: ['alertname="Watchdog"'] }]);
        expect(receivers.find((receiver) => receiver.name === nullReceiver)).toEqual({ name: nullReceiver });
    });

    it("takes grouping and timing from the settings", () => {
        const { route } = alertmanagerConfig({
            ...defaultAlertingSettings,
            groupWait: "10s",
            groupInterval: "1m",
            repeatInterval: "12h",
        });
        expect(route).toMatchObject({
            group_by: ["alertname", "namespace"],
            group_wait: "10s",
            group_interval: "1m",
            repeat_interval: "12h",
        });
    });

    it("has the defaults the lab documents", () => {
        expect(defaultAlertingSettings).toEqual({
            scrapeInterval: "15s",
            evaluationInterval: "15s",
            severity: "critical",
            targetDownFor: "1m",
            crashLoopFor: "5m",
            diskFreePercent: 10,
            groupWait: "30s",
            groupInterval: "5m",
            repeatInterval: "4h",
            maxAlerts: 50,
        });
    });

    it.each([
        ["http://oncall:8080/integrations/v1/alertmanager/abc", /must end with "\/"/],
        ["ftp://oncall/integrations/v1/alertmanager/abc/", /must use http or https/],
        ["/integrations/v1/alertmanager/abc/", /absolute http/],
    ])("rejects the webhook URL %s", (url, message) => {
        expect(() => buildAlertmanagerConfig(url, defaultAlertingSettings)).toThrow(message);
    });
});

describe("validateAlertingSettings", () => {
    it("accepts the defaults", () => {
        expect(() => validateAlertingSettings(defaultAlertingSettings)).not.toThrow();
    });

    it.each<[Partial<AlertingSettings>, RegExp]>([
        [{ maxAlerts: 0 }, /maxAlerts must be an integer from 1 to 99, got 0/],
        [{ maxAlerts: 100 }, /maxAlerts must be an integer from 1 to 99, got 100/],
        [{ maxAlerts: 2.5 }, /maxAlerts must be an integer from 1 to 99/],
        [{ diskFreePercent: 0 }, /diskFreePercent must be a number greater than 0 and less than 100/],
        [{ diskFreePercent: 100 }, /diskFreePercent must be a number greater than 0 and less than 100/],
        [{ severity: "" }, /severity must be a non-empty label value/],
        [{ severity: "very bad" }, /severity must be a non-empty label value/],
        [{ scrapeInterval: "15 seconds" }, /scrapeInterval: "15 seconds" is not a Prometheus duration/],
        [{ evaluationInterval: "0s" }, /evaluationInterval must be longer than zero/],
        [{ targetDownFor: "1minute" }, /targetDownFor: .*not a Prometheus duration/],
        [{ groupInterval: "10m", repeatInterval: "5m" }, /repeatInterval \("5m"\) must be at least groupInterval \("10m"\)/],
    ])("rejects %j", (override, message) => {
        const settings = { ...defaultAlertingSettings, ...override };
        expect(() => validateAlertingSettings(settings)).toThrow(message);
        expect(() => buildAlertRuleGroups(settings)).toThrow(message);
        expect(() => buildAlertmanagerConfig(webhookUrl, settings)).toThrow(message);
    });

    it("allows a zero `for` and group_wait, which both programs accept", () => {
        expect(() =>
            validateAlertingSettings({ ...defaultAlertingSettings, targetDownFor: "0s", groupWait: "0s" }),
        ).not.toThrow();
    });
});
