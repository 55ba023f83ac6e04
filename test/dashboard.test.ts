// The dashboard, the scrape of OnCall's metrics and the values that make both work, without Pulumi.
import { describe, expect, it } from "vitest";
import {
    buildAlertmanagerConfig,
    defaultAlertingSettings,
    heartbeatReceiver,
    oncallReceiver,
} from "../src/monitoring/alerting";
import { buildDashboard, DASHBOARD_SIDECAR_LABEL, DASHBOARD_UID, oncallPluginPages } from "../src/monitoring/dashboard";
import { ONCALL_METRICS_PATH, oncallScrapeConfig } from "../src/monitoring/scrape";
import { ALERTMANAGER_FEATURES, vmStackValues } from "../src/monitoring/values";
import { ONCALL_EXPORTER_SECRET, oncallValues } from "../src/oncall/values";
import { loadValuesFile } from "../src/shared/values";
import { dashboardQueries, substituteVariables } from "./support/dashboard";
import { oncallValuesInput } from "./support/oncall-values";

const dashboard = buildDashboard({ heartbeatTimeoutSeconds: 300, mailPublicUrl: "http://127.0.0.1:8025" });
const panels = dashboard.panels.filter((panel) => panel.type !== "row");
const constant = (name: string) => dashboard.templating.list.find((variable) => variable.name === name)?.query;

describe("the From alert to person dashboard", () => {
    it("has a stable uid and title, and one id per panel", () => {
        expect(dashboard.uid).toBe(DASHBOARD_UID);
        expect(dashboard.title).toBe("From alert to person");
        const ids = dashboard.panels.map((panel) => panel.id);
        expect(new Set(ids).size).toBe(ids.length);
    });

    it("queries the stack's default datasource through a $datasource variable", () => {
        const stackValues = vmStackValues({
            scrapeInterval: "15s",
            evaluationInterval: "15s",
            alertmanagerConfigSecret: "x",
            grafanaPublicUrl: "http://grafana",
        }) as any;
        // OnCall's Insights (OSS) presets its $datasource to Grafana Cloud's "grafanacloud-usage"; Grafana Scenes then
        // falls back to the first datasource of Prometheus type: there must be exactly one, VictoriaMetrics.
        const prometheusTypes = stackValues.defaultDatasources.victoriametrics.datasources.filter(
            (ds: any) => ds.type === "prometheus",
        );
        expect(prometheusTypes).toHaveLength(1);
        const [datasource] = prometheusTypes;
        expect(datasource).toMatchObject({ name: "VictoriaMetrics", isDefault: true });
        expect((loadValuesFile("grafana.yaml") as any).datasources).toBeUndefined();
        const variable = dashboard.templating.list.find((candidate) => candidate.name === "datasource") as any;
        expect(variable).toMatchObject({ type: "datasource", query: "prometheus", current: { value: datasource.uid } });
        for (const panel of panels.filter((candidate) => candidate.type !== "text")) {
            expect((panel as any).datasource, panel.title).toEqual({ type: "prometheus", uid: "${datasource}" });
        }
    });

    it("tells the paging receiver from the heartbeat with the names Alertmanager's config uses", () => {
        expect(constant("paging_receiver")).toBe(oncallReceiver);
        expect(constant("heartbeat_receiver")).toBe(heartbeatReceiver);
        // integration="webhook" in the queries covers exactly these two: the null receiver has no integration.
        const config = buildAlertmanagerConfig(
            { pagingUrl: "http://oncall/x/", heartbeatUrl: "http://oncall/y/heartbeat/" },
            defaultAlertingSettings,
        ) as { receivers: { name: string; webhook_configs?: unknown[] }[] };
        expect(
            config.receivers
                .filter((receiver) => receiver.webhook_configs)
                .map((receiver) => receiver.name)
                .sort(),
        ).toEqual([oncallReceiver, heartbeatReceiver].sort());
    });

    it("turns the heartbeat red at OnCall's heartbeat timeout", () => {
        expect(constant("heartbeat_timeout")).toBe("300");
        const lastPing = panels.find((panel) => panel.title === "Since Alertmanager last reached the heartbeat");
        expect(lastPing?.fieldConfig?.defaults.thresholds?.steps.at(-1)).toEqual({ color: "red", value: 300 });
        expect(
            buildDashboard({ heartbeatTimeoutSeconds: 3600 }).templating.list.find(
                (v) => v.name === "heartbeat_timeout",
            )?.query,
        ).toBe("3600");
        expect(() => buildDashboard({ heartbeatTimeoutSeconds: 1.5 })).toThrow(/whole number of seconds/);
    });

    it("links to OnCall's alert groups, schedules and Insights relative to Grafana, and to Mailpit", () => {
        const links = panels.find((panel) => panel.type === "text")?.options?.content ?? "";
        expect(links).toContain(`](${oncallPluginPages.alertGroups})`);
        expect(links).toContain(`](${oncallPluginPages.schedules})`);
        expect(links).toContain(`](${oncallPluginPages.insights})`);
        expect(oncallPluginPages.alertGroups).toBe("/a/grafana-oncall-app/alert-groups");
        expect(links).toContain("[Mailpit](http://127.0.0.1:8025)");
        const withoutMailbox = buildDashboard({ heartbeatTimeoutSeconds: 300 }).panels.find(
            (panel) => panel.type === "text",
        );
        expect(withoutMailbox?.options?.content).toContain("Mailpit: not deployed");
    });

    it("asks the pipeline's real metric names, and every query's variables have values", () => {
        const queries = dashboardQueries(dashboard);
        expect(queries.length).toBeGreaterThanOrEqual(12);
        const text = queries.map((query) => query.expr).join("\n");
        for (const metric of [
            "ALERTS",
            "alertmanager_notifications_total",
            "alertmanager_notifications_failed_total",
            "alertmanager_notification_latency_seconds_bucket",
            "oncall_alert_groups_total",
            "oncall_alert_groups_response_time_seconds_bucket",
            "oncall_alert_groups_response_time_seconds_sum",
            "oncall_user_was_notified_of_alert_groups_total",
        ]) {
            expect(text, metric).toMatch(new RegExp(`\\b${metric}\\b`));
        }
        const builtIns = { __rate_interval: "1m", __interval: "15s", __range: "1h" };
        for (const query of queries) {
            expect(substituteVariables(query.expr, dashboard, builtIns), query.panel).not.toContain("$");
        }
        expect(() => substituteVariables('up{job="$nope"}', dashboard, builtIns)).toThrow(/\$nope/);
    });

    it("is published with the label Grafana's dashboard sidecar looks for", () => {
        const sidecar = (loadValuesFile("grafana.yaml") as any).sidecar.dashboards;
        expect({ [sidecar.label]: sidecar.labelValue }).toEqual(DASHBOARD_SIDECAR_LABEL);
        expect(sidecar.enabled).toBe(true);
    });
});

describe("scraping OnCall's metrics", () => {
    const scrape = oncallScrapeConfig({
        namespace: "oncall",
        engineHost: "oncall-engine.oncall.svc.cluster.local:8080",
        tokenSecret: ONCALL_EXPORTER_SECRET,
        scrapeInterval: "15s",
    });

    it("renders a VMScrapeConfig for the engine's /metrics/ that reads the Bearer token from the exporter's secret", () => {
        expect(scrape).toEqual({
            apiVersion: "operator.victoriametrics.com/v1beta1",
            kind: "VMScrapeConfig",
            metadata: { name: "oncall-engine", namespace: "oncall" },
            spec: {
                scheme: "http",
                path: "/metrics/",
                scrape_interval: "15s",
                bearerTokenSecret: { name: "oncall-exporter", key: "exporter-secret" },
                staticConfigs: [{ targets: ["oncall-engine.oncall.svc.cluster.local:8080"] }],
            },
        });
        // The engine's urls.py registers `metrics/` with its trailing slash.
        expect(ONCALL_METRICS_PATH.endsWith("/")).toBe(true);
    });

    it("rejects a URL where a host:port belongs", () => {
        expect(() => oncallScrapeConfig({ ...scrapeInput(), engineHost: "http://oncall-engine:8080" })).toThrow(
            /host:port/,
        );
        expect(() => oncallScrapeConfig({ ...scrapeInput(), engineHost: "oncall-engine:8080/metrics/" })).toThrow(
            /host:port/,
        );
    });

    function scrapeInput() {
        return {
            namespace: "oncall",
            engineHost: "e:8080",
            tokenSecret: ONCALL_EXPORTER_SECRET,
            scrapeInterval: "15s",
        };
    }
});

describe("values for the metrics", () => {
    it("turns OnCall's exporter on without a token in the chart's values, so the chart writes no secret of its own", () => {
        const values = oncallValues(oncallValuesInput) as any;
        expect(values.oncall.exporter).toEqual({ enabled: true });
        expect(ONCALL_EXPORTER_SECRET).toEqual({ name: `${values.fullnameOverride}-exporter`, key: "exporter-secret" });
    });

    it("has Alertmanager label its notification metrics with the receiver", () => {
        const values = vmStackValues({
            scrapeInterval: "15s",
            evaluationInterval: "15s",
            alertmanagerConfigSecret: "am",
            grafanaPublicUrl: "http://grafana",
        }) as any;
        expect(values.alertmanager.spec.extraArgs).toEqual({ "enable-feature": ALERTMANAGER_FEATURES });
        expect(ALERTMANAGER_FEATURES.split(",")).toContain("receiver-name-in-metrics");
        expect(values.alertmanager.spec.configSecret).toBe("am");
    });
});
