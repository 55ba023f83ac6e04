import { describe, expect, it } from "vitest";
import YAML from "yaml";
import {
    type AlertingSettings,
    type AlertRule,
    buildAlertmanagerConfig,
    buildAlertRuleGroups,
    defaultAlertingSettings,
    durationSeconds,
    heartbeatReceiver,
    heartbeatUrl,
    nullReceiver,
    oncallReceiver,
    validateAlertingSettings,
} from "../src/monitoring/alerting";

const webhookUrl = "https://oncall.example/integrations/v1/alertmanager/Zx1token/";
const heartbeatIntegrationUrl = "https://oncall.example/integrations/v1/alertmanager/Hb2token/";
const urls = { pagingUrl: webhookUrl, heartbeatUrl: `${heartbeatIntegrationUrl}heartbeat/` };

function rulesByName(settings: AlertingSettings = defaultAlertingSettings): Map<string, AlertRule> {
    return new Map(buildAlertRuleGroups(settings).flatMap((group) => group.rules.map((rule) => [rule.alert, rule])));
}

interface RouteShape {
    receiver: string;
    group_by: string[];
    group_wait: string;
    group_interval: string;
    repeat_interval: string;
    routes: {
        receiver: string;
        matchers: string[];
        group_wait?: string;
        group_interval?: string;
        repeat_interval?: string;
    }[];
}

interface ReceiverShape {
    name: string;
    webhook_configs?: { url: string; send_resolved: boolean; max_alerts?: number }[];
}

interface InhibitRuleShape {
    source_matchers: string[];
    target_matchers: string[];
    equal: string[];
}

function alertmanagerConfig(settings: AlertingSettings = defaultAlertingSettings) {
    const config = buildAlertmanagerConfig(urls, settings);
    return {
        route: config.route as RouteShape,
        receivers: config.receivers as ReceiverShape[],
        inhibitRules: config.inhibit_rules as InhibitRuleShape[],
    };
}

/** The receiver Alertmanager picks for these labels: the first sub-route whose matchers all hold, else the root's. */
function receiverFor(route: RouteShape, labels: Record<string, string>): string {
    const holds = (matcher: string): boolean => {
        const match = /^(\w+)(=~|=)"(.*)"$/.exec(matcher);
        if (!match) throw new Error(`unexpected matcher ${matcher}`);
        const [, name, op, value] = match;
        const actual = labels[name] ?? "";
        return op === "=" ? actual === value : new RegExp(`^(?:${value})$`).test(actual);
    };
    return route.routes.find((sub) => sub.matchers.every(holds))?.receiver ?? route.receiver;
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
        expect(rules.get("NodeDiskSpaceLow")?.expr).toMatch(
            /node_filesystem_avail_bytes.*node_filesystem_size_bytes.* < 7\.5$/,
        );
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
    it("pages OnCall only with the configured severity, resolved notifications included", () => {
        const { route, receivers } = alertmanagerConfig({ ...defaultAlertingSettings, severity: "page" });
        expect(receiverFor(route, { alertname: "TargetDown", severity: "page" })).toBe(oncallReceiver);
        for (const severity of ["critical", "warning", "info", "none", ""]) {
            expect(receiverFor(route, { alertname: "KubePodNotReady", severity }), severity).toBe(nullReceiver);
        }
        expect(receivers.find((receiver) => receiver.name === oncallReceiver)?.webhook_configs).toEqual([
            // 0: every alert of the group, so none is hidden and the status is the whole group's.
            { url: webhookUrl, send_resolved: true, max_alerts: 0 },
        ]);
        expect(receivers.find((receiver) => receiver.name === nullReceiver)).toEqual({ name: nullReceiver });
    });

    it("sends the Watchdog to OnCall's heartbeat first, and never pages with it or InfoInhibitor", () => {
        // "none" as the paging severity is the worst case: both alerts carry it.
        const { route, receivers } = alertmanagerConfig({ ...defaultAlertingSettings, severity: "none" });
        expect(route.routes[0].matchers).toEqual(['alertname="Watchdog"']);
        expect(receiverFor(route, { alertname: "Watchdog", severity: "none" })).toBe(heartbeatReceiver);
        expect(receiverFor(route, { alertname: "InfoInhibitor", severity: "none", namespace: "shop" })).toBe(
            nullReceiver,
        );
        expect(receivers.find((receiver) => receiver.name === heartbeatReceiver)?.webhook_configs).toEqual([
            { url: urls.heartbeatUrl, send_resolved: false },
        ]);
    });

    it("pings the heartbeat at every heartbeatInterval flush, with repeat_interval below it", () => {
        const watchdogRoute = (heartbeatInterval: string) =>
            alertmanagerConfig({ ...defaultAlertingSettings, heartbeatInterval }).route.routes[0];
        expect(watchdogRoute("1m")).toMatchObject({ group_wait: "0s", group_interval: "1m", repeat_interval: "30s" });
        expect(watchdogRoute("1s")).toMatchObject({ group_interval: "1s", repeat_interval: "500ms" });
        expect(durationSeconds(watchdogRoute("2m30s").repeat_interval ?? "")).toBe(75);
    });

    it("inhibits milder alerts of the same kind and info alerts under InfoInhibitor, as kube-prometheus does", () => {
        expect(alertmanagerConfig().inhibitRules).toEqual([
            {
                source_matchers: ['severity="critical"'],
                target_matchers: ['severity=~"warning|info"'],
                equal: ["namespace", "alertname"],
            },
            {
                source_matchers: ['severity="warning"'],
                target_matchers: ['severity="info"'],
                equal: ["namespace", "alertname"],
            },
            {
                source_matchers: ['alertname="InfoInhibitor"'],
                target_matchers: ['severity="info"'],
                equal: ["namespace"],
            },
        ]);
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

    it("has the defaults the lab documents (the four config keys' defaults are the schema's, README's table shows them)", () => {
        expect(defaultAlertingSettings).toMatchObject({
            scrapeInterval: "15s",
            evaluationInterval: "15s",
            groupWait: "30s",
            groupInterval: "1m",
            repeatInterval: "4h",
            heartbeatTimeoutSeconds: 300,
            heartbeatInterval: "1m",
        });
    });

    it.each([
        ["http://oncall:8080/integrations/v1/alertmanager/abc", /must end with "\/"/],
        ["ftp://oncall/integrations/v1/alertmanager/abc/", /must use http or https/],
        ["/integrations/v1/alertmanager/abc/", /absolute http/],
    ])("rejects the webhook URL %s", (url, message) => {
        expect(() => buildAlertmanagerConfig({ ...urls, pagingUrl: url }, defaultAlertingSettings)).toThrow(message);
        expect(() => heartbeatUrl(url)).toThrow(message);
    });

    it.each([
        ["http://oncall:8080/integrations/v1/alertmanager/abc/heartbeat", /heartbeat URL must end with "\/"/],
        ["ftp://oncall/integrations/v1/alertmanager/abc/heartbeat/", /heartbeat URL must use http or https/],
        ["/integrations/v1/alertmanager/abc/heartbeat/", /heartbeat URL must be an absolute http/],
        [webhookUrl, /heartbeat URL must end with "heartbeat\/"/],
        [`${webhookUrl}heartbeat/`, /heartbeat URL must belong to an integration of its own/],
    ])("rejects the heartbeat URL %s", (url, message) => {
        expect(() => buildAlertmanagerConfig({ ...urls, heartbeatUrl: url }, defaultAlertingSettings)).toThrow(message);
    });

    it("derives the heartbeat URL from the integration URL", () => {
        expect(heartbeatUrl(webhookUrl)).toBe(`${webhookUrl}heartbeat/`);
        expect(() =>
            buildAlertmanagerConfig(
                { pagingUrl: webhookUrl, heartbeatUrl: heartbeatUrl(heartbeatIntegrationUrl) },
                defaultAlertingSettings,
            ),
        ).not.toThrow();
    });
});

describe("validateAlertingSettings", () => {
    it("accepts the defaults", () => {
        expect(() => validateAlertingSettings(defaultAlertingSettings)).not.toThrow();
    });

    it.each<[Partial<AlertingSettings>, RegExp]>([
        [{ diskFreePercent: 0 }, /diskFreePercent must be a number greater than 0 and less than 100/],
        [{ diskFreePercent: 100 }, /diskFreePercent must be a number greater than 0 and less than 100/],
        [{ severity: "" }, /severity must be a non-empty label value/],
        [{ severity: "very bad" }, /severity must be a non-empty label value/],
        [{ scrapeInterval: "15 seconds" }, /scrapeInterval: "15 seconds" is not a Prometheus duration/],
        [{ evaluationInterval: "0s" }, /evaluationInterval must be longer than zero/],
        [{ targetDownFor: "1minute" }, /targetDownFor: .*not a Prometheus duration/],
        [
            { groupInterval: "10m", repeatInterval: "5m" },
            /repeatInterval \("5m"\) must be at least groupInterval \("10m"\)/,
        ],
        [
            { heartbeatTimeoutSeconds: 240 },
            /heartbeatTimeoutSeconds must be one of OnCall's 60, 120, .*, 86400, got 240/,
        ],
        [{ heartbeatTimeoutSeconds: 0 }, /heartbeatTimeoutSeconds must be one of/],
        [{ heartbeatInterval: "0s" }, /heartbeatInterval must be longer than zero/],
        [{ heartbeatInterval: "1500ms" }, /heartbeatInterval must be whole seconds/],
        [{ heartbeatInterval: "every minute" }, /heartbeatInterval: .*not a Prometheus duration/],
        [
            { heartbeatInterval: "2m31s" },
            /heartbeatInterval \("2m31s"\) must be at most half of heartbeatTimeoutSeconds \(300\)/,
        ],
        [
            { heartbeatTimeoutSeconds: 60, heartbeatInterval: "1m" },
            /must be at most half of heartbeatTimeoutSeconds \(60\)/,
        ],
    ])("rejects %j", (override, message) => {
        const settings = { ...defaultAlertingSettings, ...override };
        // Only here: validateConfig runs it once, and the builders take what passed it.
        expect(() => validateAlertingSettings(settings)).toThrow(message);
    });

    it("accepts a heartbeat interval of exactly half the timeout", () => {
        expect(() =>
            validateAlertingSettings({
                ...defaultAlertingSettings,
                heartbeatTimeoutSeconds: 60,
                heartbeatInterval: "30s",
            }),
        ).not.toThrow();
    });

    it("allows a zero `for` and group_wait, which both programs accept", () => {
        expect(() =>
            validateAlertingSettings({ ...defaultAlertingSettings, targetDownFor: "0s", groupWait: "0s" }),
        ).not.toThrow();
    });
});
