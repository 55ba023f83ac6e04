import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
    FAKE_KUBECONFIG,
    HEARTBEAT_INTEGRATION_TOKEN,
    INTEGRATION_LINK,
    INTEGRATION_TOKEN,
    isSecretValue,
    ONCALL_API_TOKEN,
    oncallUserId,
    type ProgramRun,
    type RecordedResource,
    reveal,
    runProgram,
} from "./support/program";

let run: ProgramRun;
const get = (name: string): RecordedResource => {
    const resource = run.resources.get(name);
    if (!resource) throw new Error(`no resource named ${name}; have: ${[...run.resources.keys()].join(", ")}`);
    return resource;
};
const all = () => [...run.resources.values()];
const valueOf = <T>(output: pulumi.Input<T>) =>
    new Promise<T>((resolve) => pulumi.output(output).apply((value) => resolve(value as T)));

beforeAll(async () => {
    run = await runProgram({ config: { "oncall-lab:grafanaHostPort": "3300", "oncall-lab:oncallHostPort": "8880" } });
});

const components = {
    kind: "oncall-lab:index:KindCluster",
    "cluster-dns": "oncall-lab:index:ClusterDns",
    mailpit: "oncall-lab:index:Mailpit",
    grafana: "oncall-lab:index:Grafana",
    oncall: "oncall-lab:index:OnCall",
    "team-users": "oncall-lab:index:TeamUsers",
    "oncall-wiring": "oncall-lab:index:OnCallWiring",
    "oncall-team": "oncall-lab:index:OnCallTeam",
    "oncall-heartbeat": "oncall-lab:index:OnCallHeartbeat",
    "victoria-metrics": "oncall-lab:index:VictoriaMetricsStack",
    "network-policies": "oncall-lab:index:NetworkPolicies",
};
const isComponent = (r: RecordedResource) => r.type.startsWith("oncall-lab:index:");
const isKubernetesObject = (r: RecordedResource) => r.type.startsWith("kubernetes:");
const isOnCallObject = (r: RecordedResource) => r.type.startsWith("grafana:onCall/");

describe("resource graph", () => {
    it("has one component of each kind, at the top of the stack", () => {
        for (const [name, type] of Object.entries(components)) {
            expect(get(name).type, name).toBe(type);
            expect(get(name).opts.parent, name).toBeUndefined();
        }
        expect(
            all()
                .filter(isComponent)
                .map((r) => r.name)
                .sort(),
        ).toEqual(Object.keys(components).sort());
    });

    it("names every other resource after its component and parents it there", () => {
        for (const resource of all()) {
            if (isComponent(resource) || resource.name === "kubernetes" || resource.type === "pulumi:pulumi:Stack")
                continue;
            const component = Object.keys(components).find((name) => get(name).resource === resource.opts.parent);
            expect(component, resource.name).toBeDefined();
            expect(resource.name.startsWith(`${component}-`), resource.name).toBe(true);
        }
    });

    it("creates every Kubernetes object through the Kind cluster's provider", () => {
        const provider = get("kubernetes");
        expect(provider.type).toBe("pulumi:providers:kubernetes");
        expect(reveal(provider.inputs.kubeconfig)).toBe(FAKE_KUBECONFIG);
        const kubernetesObjects = all().filter(isKubernetesObject);
        // 21 objects and 18 NetworkPolicies (two per namespace and one per side of the lab's paths).
        expect(kubernetesObjects.length).toBe(39);
        for (const object of kubernetesObjects) {
            expect(object.provider, object.name).toMatch(/pulumi:providers:kubernetes::kubernetes::kubernetes-id$/);
        }
    });

    it("installs the three releases independently; only the wiring waits for Grafana, OnCall and the people", () => {
        for (const release of ["grafana-release", "victoria-metrics-release"]) {
            expect(get(release).opts.dependsOn, release).toBeUndefined();
        }
        // Only on its own secrets (exporter token, passwords), which the pods must find at their first start.
        expect(get("oncall-release").opts.dependsOn).toEqual([
            get("oncall-exporter-secret").resource,
            get("oncall-credentials").resource,
        ]);
        expect(get("oncall-wiring").opts.dependsOn).toEqual([
            get("grafana").resource,
            get("oncall").resource,
            get("team-users-alice").resource,
            get("team-users-bob").resource,
            get("cluster-dns").resource,
        ]);
        expect(get("team-users").opts.dependsOn).toEqual([get("grafana").resource]);
        // The stack's release must not need the integration URL; only its config secret does.
        expect(JSON.stringify(reveal(get("victoria-metrics-release").inputs.values))).not.toContain("integrations");
        expect(get("victoria-metrics-lab-rules").opts.dependsOn).toEqual([get("victoria-metrics-release").resource]);
    });

    it("pins every chart version and repository, and runs the last OnCall engine on the last published chart", () => {
        expect(get("victoria-metrics-release").inputs).toMatchObject({
            chart: "victoria-metrics-k8s-stack",
            version: "0.91.2",
            name: "vmks",
            namespace: "monitoring",
            repositoryOpts: { repo: "https://victoriametrics.github.io/helm-charts/" },
        });
        expect(get("grafana-release").inputs).toMatchObject({
            chart: "grafana",
            version: "12.11.1",
            name: "grafana",
            namespace: "grafana",
            repositoryOpts: { repo: "https://grafana-community.github.io/helm-charts" },
        });
        expect(get("oncall-release").inputs).toMatchObject({
            chart: "oncall",
            version: "1.16.5",
            name: "oncall",
            namespace: "oncall",
            repositoryOpts: { repo: "https://grafana.github.io/helm-charts" },
        });
        expect((reveal(get("oncall-release").inputs.values) as any).image.tag).toBe("v1.16.9");
        // Kind's one celery pod runs the chart's beat: no post-renderer.
        expect(get("oncall-release").inputs.postrender).toBeUndefined();
    });

    it("creates the Kind cluster with the pinned image and three ports on the host", () => {
        expect(get("kind-cluster").inputs).toMatchObject({
            clusterName: "oncall-lab",
            nodeImage: expect.stringMatching(/^kindest\/node:v1\.37\.0@sha256:[0-9a-f]{64}$/),
            portMappings: [
                { containerPort: 30300, hostPort: 3300 },
                { containerPort: 30808, hostPort: 8880 },
                { containerPort: 30825, hostPort: 8025 },
            ],
        });
    });
});

describe("what the state holds", () => {
    it("keeps the kubeconfig, the OnCall token and the integration link out of plaintext state", () => {
        // additionalSecretOutputs is what makes Pulumi encrypt an output in state: outputs are not inputs.
        expect(get("kind-cluster").opts.additionalSecretOutputs).toContain("kubeconfig");
        expect(get("oncall-wiring-connection").opts.additionalSecretOutputs).toEqual(
            expect.arrayContaining(["apiToken", "grafanaPassword"]),
        );
        expect(get("oncall-heartbeat-timeout").opts.additionalSecretOutputs).toContain("grafanaPassword");
        expect(get("oncall-team-integration").opts.additionalSecretOutputs).toContain("link");
    });

    it("has the Kubernetes provider forget what lived in an unreachable cluster, so refresh and destroy work after it is gone", () => {
        // Provider settings reach the engine as strings.
        expect(String(get("kubernetes").inputs.deleteUnreachable)).toBe("true");
    });

    it("passes no credential to any resource in plaintext", () => {
        const credentials = [FAKE_KUBECONFIG, ONCALL_API_TOKEN, INTEGRATION_TOKEN];
        for (const resource of all().filter((r) => r.type === "random:index/randomPassword:RandomPassword")) {
            credentials.push(`generated-${resource.name}`);
        }
        const leaks: string[] = [];
        const walk = (value: unknown, where: string): void => {
            if (isSecretValue(value)) return;
            if (typeof value === "string") {
                if (credentials.some((secret) => value.includes(secret))) leaks.push(where);
            } else if (Array.isArray(value)) {
                value.forEach((item, i) => walk(item, `${where}[${i}]`));
            } else if (typeof value === "object" && value !== null) {
                for (const [key, item] of Object.entries(value)) walk(item, `${where}.${key}`);
            }
        };
        for (const resource of all()) walk(resource.inputs, resource.name);
        expect(leaks).toEqual([]);
        // The walk does look inside secrets' neighbours: these carry credentials, wrapped.
        expect(isSecretValue(get("team-users-provider").inputs.auth)).toBe(true);
        expect(isSecretValue(get("oncall-team-provider").inputs.oncallAccessToken)).toBe(true);
        expect(reveal(get("oncall-team-provider").inputs.oncallAccessToken)).toBe(ONCALL_API_TOKEN);
    });

    it("exports credentials, the kubeconfig and the integration URL as secrets only", async () => {
        for (const name of [
            "grafanaAdminPassword",
            "kubeconfig",
            "integrationUrl",
            "oncallApiToken",
            "teamPasswords",
        ]) {
            expect(await pulumi.isSecret(run.program[name]), name).toBe(true);
        }
        for (const name of ["grafanaUrl", "oncallUrl", "mailUrl", "kubectlContext", "grafanaAdminUser"]) {
            expect(await pulumi.isSecret(run.program[name]), name).toBe(false);
        }
    });

    it("generates long random credentials without special characters", () => {
        const lengths: Record<string, number> = {
            "grafana-admin-password": 24,
            "oncall-secret-key": 50,
            "oncall-mirage-secret-key": 50,
            "oncall-postgres-password": 32,
            "oncall-redis-password": 32,
            "team-users-alice-password": 24,
            "team-users-bob-password": 24,
        };
        for (const [name, length] of Object.entries(lengths)) {
            expect(get(name).inputs, name).toMatchObject({ length, special: false });
        }
    });

    it("puts the generated values, not placeholders, into the charts", () => {
        const grafana = reveal(get("grafana-release").inputs.values) as any;
        expect(grafana.adminPassword).toMatch(/^generated-grafana-admin-password/);
        const oncall = reveal(get("oncall-release").inputs.values) as any;
        const appSecret = reveal(get("oncall-app-secret").inputs) as any;
        expect(oncall.oncall.secrets).toEqual({
            existingSecret: appSecret.metadata.name,
            secretKey: "SECRET_KEY",
            mirageSecretKey: "MIRAGE_SECRET_KEY",
        });
        expect(appSecret.stringData.SECRET_KEY).toMatch(/^generated-oncall-secret-key/);
        expect(appSecret.stringData.MIRAGE_SECRET_KEY).toMatch(/^generated-oncall-mirage-secret-key/);
        const credentials = reveal(get("oncall-credentials").inputs) as any;
        expect(oncall.postgresql.auth).toMatchObject({
            existingSecret: credentials.metadata.name,
            secretKeys: { adminPasswordKey: "postgres-password" },
        });
        expect(oncall.redis.auth).toEqual({
            existingSecret: credentials.metadata.name,
            existingSecretPasswordKey: "redis-password",
        });
        expect(credentials.stringData["postgres-password"]).toMatch(/^generated-oncall-postgres-password/);
        expect(credentials.stringData["redis-password"]).toMatch(/^generated-oncall-redis-password/);
    });
});

describe("on-call as code", () => {
    it("makes every person of the team file a Grafana user with a generated password", async () => {
        expect(get("team-users-alice").inputs).toMatchObject({ login: "alice", email: "alice@oncall-lab.test" });
        expect(get("team-users-bob").inputs).toMatchObject({ login: "bob", email: "bob@oncall-lab.test" });
        expect(reveal(get("team-users-alice").inputs.password)).toMatch(/^generated-team-users-alice-password/);
        expect(
            Object.keys(
                reveal(await valueOf(run.program.teamPasswords as pulumi.Output<Record<string, string>>)) as object,
            ),
        ).toEqual(["alice", "bob"]);
        expect(await valueOf(run.program.oncallTeamEmails as pulumi.Output<string[]>)).toEqual([
            "alice@oncall-lab.test",
            "bob@oncall-lab.test",
        ]);
    });

    it("waits for OnCall to know every person before anything references them", () => {
        expect(reveal(get("oncall-wiring-connection").inputs.userLogins)).toEqual(["alice", "bob"]);
        const personIds = [oncallUserId("alice"), oncallUserId("bob")];
        const referencing = all().filter(
            (r) => isOnCallObject(r) && personIds.some((id) => JSON.stringify(reveal(r.inputs)).includes(id)),
        );
        // The rules, the shift and the steps that name people: every id came out of the wiring.
        expect(referencing.map((r) => r.name).sort()).toEqual([
            "oncall-team-alice-rule-0",
            "oncall-team-bob-rule-0",
            "oncall-team-shift",
            "oncall-team-step-2",
        ]);
        expect(get("oncall-team-shift").inputs.rollingUsers).toEqual([[oncallUserId("alice")], [oncallUserId("bob")]]);
    });

    it("routes the integration's alerts to the team's escalation chain", () => {
        expect(get("oncall-team-integration").inputs).toMatchObject({
            type: "alertmanager",
            name: "VictoriaMetrics Alertmanager",
            defaultRoute: { escalationChainId: "oncall-team-escalation-chain-id" },
        });
        const steps = all().filter((r) => r.type === "grafana:onCall/escalation:Escalation");
        for (const step of steps)
            expect(step.inputs.escalationChainId, step.name).toBe("oncall-team-escalation-chain-id");
        expect(steps.map((step) => step.inputs.type)).toEqual([
            "notify_on_call_from_schedule",
            "wait",
            "notify_persons",
            "wait",
            "repeat_escalation",
        ]);
        expect(get("oncall-team-step-0").inputs.notifyOnCallFromSchedule).toBe("oncall-team-schedule-id");
    });

    it("talks to OnCall with the token the wiring issued, on the engine's host port", () => {
        expect(reveal(get("oncall-team-provider").inputs)).toMatchObject({
            oncallUrl: "http://127.0.0.1:8880",
            oncallAccessToken: ONCALL_API_TOKEN,
        });
        expect(reveal(get("team-users-provider").inputs)).toMatchObject({ url: "http://127.0.0.1:3300" });
    });

    it("sets the heartbeat integration's timeout to the lab's value", () => {
        expect(reveal(get("oncall-heartbeat-timeout").inputs)).toMatchObject({
            integrationId: "oncall-team-heartbeat-integration-id",
            timeoutSeconds: 300,
        });
    });
});

describe("wiring", () => {
    it("exports where to go and how to connect", async () => {
        expect(await valueOf(run.program.grafanaUrl)).toBe("http://grafana.oncall-lab.localhost:3300");
        expect(await valueOf(run.program.oncallUrl)).toBe("http://127.0.0.1:8880");
        expect(await valueOf(run.program.mailUrl)).toBe("http://127.0.0.1:8025");
        expect(await valueOf(run.program.kubectlContext)).toBe("kind-oncall-lab");
        expect(await valueOf(run.program.integrationUrl)).toBe(INTEGRATION_LINK);
        expect(await valueOf(run.program.kubeconfig)).toBe(FAKE_KUBECONFIG);
        expect(await valueOf(run.program.oncallApiToken)).toBe(ONCALL_API_TOKEN);
        expect(await valueOf(run.program.alertSeverity)).toBe("critical");
    });

    it("sends Alertmanager's pages to the integration and the Watchdog to the heartbeat integration's heartbeat, on the in-cluster engine URL", () => {
        const vm = reveal(get("victoria-metrics-release").inputs.values) as any;
        const secret = reveal(get("victoria-metrics-alertmanager-config").inputs) as any;
        expect(secret.metadata).toEqual({ name: vm.alertmanager.spec.configSecret, namespace: "monitoring" });

        const alertmanager = parse(secret.stringData["alertmanager.yaml"]);
        const webhooks = alertmanager.receivers.flatMap((r: any) => r.webhook_configs ?? []);
        const engine = "http://oncall-engine.oncall.svc.cluster.local:8080/integrations/v1/alertmanager";
        expect(webhooks).toEqual(
            expect.arrayContaining([
                // Every alert of a group, so none is hidden and a page resolves with its last alert.
                { url: `${engine}/${INTEGRATION_TOKEN}/`, send_resolved: true, max_alerts: 0 },
                { url: `${engine}/${HEARTBEAT_INTEGRATION_TOKEN}/heartbeat/`, send_resolved: false },
            ]),
        );
        expect(webhooks).toHaveLength(2);
    });

    it("ships the lab's alert rules as a VMRule and uses the same intervals in the stack", () => {
        const rules = reveal(get("victoria-metrics-lab-rules").inputs) as any;
        expect(rules).toMatchObject({
            apiVersion: "operator.victoriametrics.com/v1beta1",
            kind: "VMRule",
            metadata: { namespace: "monitoring" },
        });
        const alerts = rules.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
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
        expect(grafana.sidecar.datasources).toMatchObject({
            enabled: true,
            label: "grafana_datasource",
            searchNamespace: ["monitoring"],
        });
        expect(grafana.sidecar.dashboards).toMatchObject({
            enabled: true,
            label: "grafana_dashboard",
            searchNamespace: ["monitoring"],
        });
    });
});
