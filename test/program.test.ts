import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { FAKE_KUBECONFIG, INTEGRATION_LINK, isSecretValue, ProgramRun, RecordedResource, reveal, runProgram } from "./support/program";

let run: ProgramRun;
const get = (name: string): RecordedResource => {
    const resource = run.resources.get(name);
    if (!resource) throw new Error(`no resource named ${name}; have: ${[...run.resources.keys()].join(", ")}`);
    return resource;
};
const valueOf = <T>(output: pulumi.Output<T>) => new Promise<T>(resolve => output.apply(resolve));

beforeAll(async () => {
    run = await runProgram({ config: { "oncall-lab:grafanaHostPort": "3300", "oncall-lab:oncallHostPort": "8880" } });
});

const components = {
    kind: "oncall-lab:index:KindCluster",
    grafana: "oncall-lab:index:Grafana",
    oncall: "oncall-lab:index:OnCall",
    "oncall-wiring": "oncall-lab:index:OnCallWiring",
    "victoria-metrics": "oncall-lab:index:VictoriaMetricsStack",
};
const children: Record<string, string[]> = {
    kind: ["kind-cluster"],
    grafana: ["grafana-namespace", "grafana-admin-password", "grafana-oncall-app-provisioning", "grafana-release"],
    oncall: [
        "oncall-namespace", "oncall-secret-key", "oncall-mirage-secret-key", "oncall-app-secret",
        "oncall-postgres-password", "oncall-redis-password", "oncall-release",
    ],
    "oncall-wiring": ["oncall-wiring-integration"],
    "victoria-metrics": [
        "victoria-metrics-namespace", "victoria-metrics-release", "victoria-metrics-alertmanager-config",
        "victoria-metrics-lab-rules",
    ],
};

describe("resource graph", () => {
    it("has one component of each kind, at the top of the stack", () => {
        for (const [name, type] of Object.entries(components)) {
            expect(get(name).type, name).toBe(type);
            expect(get(name).opts.parent, name).toBeUndefined();
        }
    });

    it("names every child after its component and parents it there", () => {
        for (const [component, names] of Object.entries(children)) {
            for (const name of names) {
                expect(get(name).opts.parent, name).toBe(get(component).resource);
            }
        }
        const known = new Set([...Object.keys(components), ...Object.values(children).flat(), "kubernetes", "oncall-lab-test"]);
        expect([...run.resources.keys()].filter(name => !known.has(name))).toEqual([]);
    });

    it("creates every Kubernetes object through the Kind cluster's provider", () => {
        const provider = get("kubernetes");
        expect(provider.type).toBe("pulumi:providers:kubernetes");
        expect(reveal(provider.inputs.kubeconfig)).toBe(FAKE_KUBECONFIG);
        const kubernetesObjects = [...run.resources.values()].filter(r => r.type.startsWith("kubernetes:"));
        expect(kubernetesObjects.map(r => r.name).sort()).toEqual([
            ...children.grafana, ...children.oncall, ...children["victoria-metrics"],
        ].filter(name => !/password|secret-key/.test(name)).sort());
        for (const object of kubernetesObjects) {
            expect(object.provider, object.name).toMatch(/pulumi:providers:kubernetes::kubernetes::kubernetes-id$/);
        }
    });

    it("marks everything inside the cluster deletedWith the cluster, so destroy works when it is gone", () => {
        const cluster = get("kind-cluster").resource;
        const inCluster = [...run.resources.values()].filter(r => r.type.startsWith("kubernetes:") || r.name === "oncall-wiring-integration");
        expect(inCluster).toHaveLength(11);
        for (const resource of inCluster) {
            expect(resource.opts.deletedWith, resource.name).toBe(cluster);
        }
        expect(get("kind-cluster").opts.deletedWith).toBeUndefined();
    });

    it("installs the three releases independently; only the wiring waits for Grafana and OnCall", () => {
        for (const release of ["grafana-release", "oncall-release", "victoria-metrics-release"]) {
            expect(get(release).opts.dependsOn, release).toBeUndefined();
        }
        expect(get("oncall-wiring").opts.dependsOn).toEqual([get("grafana").resource, get("oncall").resource]);
        // The stack's release must not need the integration URL; only its config secret does.
        expect(JSON.stringify(reveal(get("victoria-metrics-release").inputs.values))).not.toContain("integrations");
        expect(get("victoria-metrics-lab-rules").opts.dependsOn).toEqual([get("victoria-metrics-release").resource]);
    });

    it("pins every chart version and repository", () => {
        expect(get("victoria-metrics-release").inputs).toMatchObject({
            chart: "victoria-metrics-k8s-stack", version: "0.91.2", name: "vmks", namespace: "monitoring",
            repositoryOpts: { repo: "https://victoriametrics.github.io/helm-charts/" },
        });
        expect(get("grafana-release").inputs).toMatchObject({
            chart: "grafana", version: "12.11.1", name: "grafana", namespace: "grafana",
            repositoryOpts: { repo: "https://grafana-community.github.io/helm-charts" },
        });
        expect(get("oncall-release").inputs).toMatchObject({
            chart: "oncall", version: "1.16.9", name: "oncall", namespace: "oncall",
            repositoryOpts: { repo: "https://grafana.github.io/helm-charts" },
        });
    });

    it("creates the Kind cluster with the pinned image and the two ports on the host", () => {
        expect(get("kind-cluster").inputs).toMatchObject({
            clusterName: "oncall-lab",
            nodeImage: expect.stringMatching(/^kindest\/node:v1\.37\.0@sha256:[0-9a-f]{64}$/),
            portMappings: [{ containerPort: 30300, hostPort: 3300 }, { containerPort: 30808, hostPort: 8880 }],
        });
    });
});

describe("secrets", () => {
    it("generates long random credentials without special characters", () => {
        const lengths: Record<string, number> = {
            "grafana-admin-password": 24, "oncall-secret-key": 50, "oncall-mirage-secret-key": 50,
            "oncall-postgres-password": 32, "oncall-redis-password": 32,
        };
        for (const [name, length] of Object.entries(lengths)) {
            expect(get(name).inputs, name).toMatchObject({ length, special: false });
        }
    });

    it("passes the Helm values that carry credentials as secrets", () => {
        expect(isSecretValue(get("grafana-release").inputs.values), "grafana values").toBe(true);
        expect(isSecretValue(get("oncall-release").inputs.values), "oncall values").toBe(true);
        expect(isSecretValue(get("victoria-metrics-alertmanager-config").inputs.stringData), "alertmanager.yaml").toBe(true);
        expect(isSecretValue(get("oncall-app-secret").inputs.stringData), "OnCall's keys").toBe(true);
        expect(isSecretValue(get("oncall-wiring-integration").inputs.grafanaPassword), "wiring password").toBe(true);
    });

    it("puts the generated values, not placeholders, into the charts", () => {
        const grafana = reveal(get("grafana-release").inputs.values) as any;
        expect(grafana.adminPassword).toMatch(/^generated-grafana-admin-password/);
        const oncall = reveal(get("oncall-release").inputs.values) as any;
        const appSecret = reveal(get("oncall-app-secret").inputs) as any;
        expect(oncall.oncall.secrets).toEqual({ existingSecret: appSecret.metadata.name, secretKey: "SECRET_KEY", mirageSecretKey: "MIRAGE_SECRET_KEY" });
        expect(appSecret.stringData.SECRET_KEY).toMatch(/^generated-oncall-secret-key/);
        expect(appSecret.stringData.SECRET_KEY.length).toBeGreaterThanOrEqual(40);
        expect(appSecret.stringData.MIRAGE_SECRET_KEY).toMatch(/^generated-oncall-mirage-secret-key/);
        expect(oncall.postgresql.auth.postgresPassword).toMatch(/^generated-oncall-postgres-password/);
        expect(oncall.redis.auth.password).toMatch(/^generated-oncall-redis-password/);
    });

    it("exports credentials, the kubeconfig and the integration URL as secrets only", async () => {
        for (const name of ["grafanaAdminPassword", "kubeconfig", "integrationUrl"]) {
            expect(await pulumi.isSecret(run.program[name]), name).toBe(true);
        }
        for (const name of ["grafanaUrl", "oncallUrl", "kubectlContext", "grafanaAdminUser"]) {
            expect(await pulumi.isSecret(run.program[name]), name).toBe(false);
        }
    });
});

describe("wiring", () => {
    it("exports where to go and how to connect", async () => {
        expect(await valueOf(run.program.grafanaUrl)).toBe("http://127.0.0.1:3300");
        expect(await valueOf(run.program.oncallUrl)).toBe("http://127.0.0.1:8880");
        expect(await valueOf(run.program.kubectlContext)).toBe("kind-oncall-lab");
        expect(await valueOf(run.program.integrationUrl)).toBe(INTEGRATION_LINK);
        expect(await valueOf(run.program.kubeconfig)).toBe(FAKE_KUBECONFIG);
    });

    it("points Grafana's plugin at the OnCall engine service and OnCall back at Grafana's service", () => {
        const grafana = reveal(get("grafana-release").inputs.values) as any;
        const oncall = reveal(get("oncall-release").inputs.values) as any;
        const provisioning = parse((get("grafana-oncall-app-provisioning").inputs.data as Record<string, string>)["grafana-oncall-app.yaml"]);
        const jsonData = provisioning.apps[0].jsonData;

        // The engine service is `<oncall fullname>-engine` in OnCall's namespace, port 8080.
        expect(jsonData.onCallApiUrl).toBe(`http://${oncall.fullnameOverride}-engine.oncall.svc.cluster.local:${oncall.service.port}`);
        // Grafana's service is its fullname in Grafana's namespace, port 80.
        expect(jsonData.grafanaUrl).toBe(`http://${grafana.fullnameOverride}.grafana.svc.cluster.local`);
        expect(grafana.service.port).toBe(80);
        expect(oncall.externalGrafana.url).toBe(jsonData.grafanaUrl);
        expect(grafana.extraConfigmapMounts[0].configMap).toBe(get("grafana-oncall-app-provisioning").inputs.metadata && (get("grafana-oncall-app-provisioning").inputs.metadata as any).name);
    });

    it("connects the plugin through the host ports Kind publishes", () => {
        const grafana = reveal(get("grafana-release").inputs.values) as any;
        const oncall = reveal(get("oncall-release").inputs.values) as any;
        const wiring = reveal(get("oncall-wiring-integration").inputs) as any;
        const ports = get("kind-cluster").inputs.portMappings as { containerPort: number; hostPort: number }[];
        const hostPortOf = (nodePort: number) => ports.find(p => p.containerPort === nodePort)?.hostPort;

        expect(wiring.grafanaUrl).toBe(`http://127.0.0.1:${hostPortOf(grafana.service.nodePort)}`);
        expect(wiring.oncallUrl).toBe(`http://127.0.0.1:${hostPortOf(oncall.service.nodePort)}`);
        expect(oncall.base_url).toBe(`127.0.0.1:${hostPortOf(oncall.service.nodePort)}`);
        expect(wiring.grafanaUser).toBe("admin");
        expect(wiring.grafanaPassword).toBe(grafana.adminPassword);
        expect(wiring.onCallApiUrl).toBe("http://oncall-engine.oncall.svc.cluster.local:8080");
        expect(wiring.grafanaInClusterUrl).toBe("http://grafana.grafana.svc.cluster.local");
    });

    it("sends Alertmanager's webhook to the integration on the in-cluster engine URL", () => {
        const vm = reveal(get("victoria-metrics-release").inputs.values) as any;
        const secret = reveal(get("victoria-metrics-alertmanager-config").inputs) as any;
        expect(secret.metadata).toEqual({ name: vm.alertmanager.spec.configSecret, namespace: "monitoring" });

        const alertmanager = parse(secret.stringData["alertmanager.yaml"]);
        const webhooks = alertmanager.receivers.flatMap((r: any) => r.webhook_configs ?? []);
        expect(webhooks).toEqual([expect.objectContaining({
            url: "http://oncall-engine.oncall.svc.cluster.local:8080/integrations/v1/alertmanager/TOKEN123/",
            send_resolved: true,
        })]);
        expect(webhooks[0].max_alerts).toBeLessThan(100);
    });

    it("ships the lab's alert rules as a VMRule and uses the same intervals in the stack", () => {
        const rules = reveal(get("victoria-metrics-lab-rules").inputs) as any;
        expect(rules).toMatchObject({ apiVersion: "operator.victoriametrics.com/v1beta1", kind: "VMRule", metadata: { namespace: "monitoring" } });
        const alerts = rules.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
        expect(alerts).toEqual(expect.arrayContaining(["Watchdog"]));
        expect(alerts.length).toBeGreaterThanOrEqual(4);
        const vm = reveal(get("victoria-metrics-release").inputs.values) as any;
        expect(vm.vmagent.spec.scrapeInterval).toBe("15s");
        expect(vm.vmalert.spec.evaluationInterval).toBe("15s");
        expect(vm.grafana.enabled).toBe(false);
    });

    it("has Grafana's sidecars load the datasource and dashboards from the stack's namespace", () => {
        const grafana = reveal(get("grafana-release").inputs.values) as any;
        const vm = reveal(get("victoria-metrics-release").inputs.values) as any;
        expect(vm.grafana.forceDeployDatasource).toBe(true);
        expect(get("victoria-metrics-release").inputs.namespace).toBe("monitoring");
        expect(grafana.sidecar.datasources).toMatchObject({ enabled: true, label: "grafana_datasource", searchNamespace: ["monitoring"] });
        expect(grafana.sidecar.dashboards).toMatchObject({ enabled: true, label: "grafana_dashboard", searchNamespace: ["monitoring"] });
    });
});
