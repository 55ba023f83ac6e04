// Under Pulumi's mocks: OnCall's exporter token flows only through its Kubernetes Secret, vmagent's scrape points at
// that secret, and the dashboard is published where Grafana's sidecar finds it.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_FILE, DASHBOARD_UID } from "../src/monitoring/dashboard";
import { ONCALL_EXPORTER_SECRET } from "../src/oncall/values";
import { isSecretValue, type ProgramRun, type RecordedResource, reveal, runProgram } from "./support/program";

let run: ProgramRun;
const get = (name: string): RecordedResource => {
    const resource = run.resources.get(name);
    if (!resource) throw new Error(`no resource named ${name}; have: ${[...run.resources.keys()].join(", ")}`);
    return resource;
};
const valueOf = <T>(output: pulumi.Input<T>) =>
    new Promise<T>((resolve) => pulumi.output(output).apply((value) => resolve(value as T)));
// The mocks give every RandomPassword a result of "generated-<name>-xxx…".
const token = () => "generated-oncall-exporter-token";

beforeAll(async () => {
    run = await runProgram({ config: { "oncall-lab:grafanaHostPort": "3300" } });
});

describe("OnCall's metrics", () => {
    it("generates the exporter token and keeps it, as a secret, in the Secret the chart points the engine at", () => {
        expect(get("oncall-exporter-token").inputs).toMatchObject({ length: 40, special: false });
        const secret = get("oncall-exporter-secret");
        const inputs = secret.inputs as any;
        expect(reveal(inputs.metadata)).toEqual({ name: ONCALL_EXPORTER_SECRET.name, namespace: "oncall" });
        expect(isSecretValue(inputs.stringData)).toBe(true);
        expect((reveal(inputs.stringData) as any)[ONCALL_EXPORTER_SECRET.key]).toMatch(
            /^generated-oncall-exporter-token/,
        );
        expect(secret.opts.parent).toBe(get("oncall").resource);
    });

    it("enables the exporter without putting the token in the chart's values", () => {
        const values = reveal(get("oncall-release").inputs.values) as any;
        expect(values.oncall.exporter).toEqual({ enabled: true });
        expect(JSON.stringify(values)).not.toContain(token());
    });

    it("has vmagent scrape the engine's /metrics/ with the Bearer token read from that Secret, never inline", () => {
        const scrape = get("victoria-metrics-oncall-scrape");
        expect(reveal(scrape.inputs)).toMatchObject({
            apiVersion: "operator.victoriametrics.com/v1beta1",
            kind: "VMScrapeConfig",
            metadata: { namespace: "oncall" },
            spec: {
                path: "/metrics/",
                bearerTokenSecret: { name: ONCALL_EXPORTER_SECRET.name, key: ONCALL_EXPORTER_SECRET.key },
                staticConfigs: [{ targets: ["oncall-engine.oncall.svc.cluster.local:8080"] }],
            },
        });
        // The scrape kind exists once the stack's release has installed the operator's CRDs.
        expect(scrape.opts.dependsOn).toEqual([get("victoria-metrics-release").resource]);
    });

    it("lets the token reach no resource but its Secret", () => {
        const holders = [...run.resources.values()]
            .filter((resource) => JSON.stringify(reveal(resource.inputs)).includes(token()))
            .map((resource) => resource.name);
        expect(holders).toEqual(["oncall-exporter-secret"]);
    });
});

describe("the dashboard", () => {
    it("is a ConfigMap in the monitoring namespace, labelled for Grafana's dashboard sidecar", () => {
        const configMap = reveal(get("victoria-metrics-dashboard").inputs) as any;
        expect(configMap.metadata).toMatchObject({ namespace: "monitoring", labels: { grafana_dashboard: "1" } });
        const dashboard = JSON.parse(configMap.data[DASHBOARD_FILE]);
        expect(dashboard.uid).toBe(DASHBOARD_UID);
        const links = dashboard.panels.find((panel: any) => panel.type === "text").options.content;
        expect(links).toContain("[Mailpit](http://127.0.0.1:8025)");
    });

    it("exports dashboardUrl from Grafana's public URL, in plain text", async () => {
        expect(await valueOf(run.program.dashboardUrl)).toBe(
            `http://grafana.oncall-lab.localhost:3300/d/${DASHBOARD_UID}`,
        );
        expect(await valueOf(run.program.dashboardUrl)).toBe(
            `${await valueOf(run.program.grafanaUrl)}/d/${DASHBOARD_UID}`,
        );
        expect(await pulumi.isSecret(run.program.dashboardUrl)).toBe(false);
    });
});
