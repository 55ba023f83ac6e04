// The existing target with TLS from a secret, a named StorageClass, an external Postgres and non-default replicas,
// under Pulumi's mocks: the resource graph, the URLs each side uses, what reaches which chart key, and what destroy does.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CELERY_BEAT_POSTRENDER } from "../src/oncall/values";
import { EXISTING_CONFIG, lookups } from "./support/existing";
import { publicApiUrl } from "../src/oncall/wiring/tokens";
import type { OnCallWiringInputs } from "../src/oncall/wiring/inputs";
import { expectDefaultDenyInEachNamespace } from "./support/network-policies";
import {
    isSecretValue,
    KUBE_SYSTEM_UID,
    type ProgramRun,
    type RecordedResource,
    reveal,
    runProgram,
    TLS_SOURCE_DATA,
} from "./support/program";

let run: ProgramRun;
const { get, all, valueOf, values } = lookups(() => run);
// The config is refused unless kubeconfigPath names a file.
const KUBECONFIG = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kubeconfig-")), "team");

beforeAll(async () => {
    fs.writeFileSync(KUBECONFIG, "apiVersion: v1\nkind: Config\n");
    run = await runProgram({
        config: {
            ...EXISTING_CONFIG,
            "oncall-lab:kubeconfigPath": KUBECONFIG,
            "oncall-lab:ingressClassName": "nginx",
            "oncall-lab:tlsSecretName": "certs/wildcard-example-com",
            "oncall-lab:storageClass": "fast-ssd",
            "oncall-lab:grafanaStorageSize": "5Gi",
            "oncall-lab:redisStorageSize": "4Gi",
            "oncall-lab:vmStorageSize": "100Gi",
            "oncall-lab:vmstorageReplicas": "3",
            "oncall-lab:vminsertReplicas": "3",
            "oncall-lab:vmselectReplicas": "2",
            "oncall-lab:vmReplicationFactor": "2",
            "oncall-lab:alertmanagerReplicas": "3",
            "oncall-lab:vmalertReplicas": "2",
            "oncall-lab:oncallEngineReplicas": "3",
            "oncall-lab:oncallCeleryReplicas": "4",
            "oncall-lab:oncallDatabaseHost": "pg.db.svc.cluster.local",
            "oncall-lab:oncallDatabasePort": "6432",
            "oncall-lab:oncallDatabaseName": "oncall_prod",
            "oncall-lab:oncallDatabaseUser": "oncall_app",
            "oncall-lab:oncallDatabasePassword": "Pg-Secret-Pa55",
        },
    });
});

describe("resource graph on an existing cluster", () => {
    it("creates no Kind cluster, no CoreDNS patch and no Mailpit, and reads kube-system instead", () => {
        const types = all().map((r) => r.type);
        expect(types.filter((t) => /KindCluster|ClusterDns|Mailpit|ConfigMapPatch/.test(t))).toEqual([]);
        expect(run.resources.has("cluster-dns-corefile")).toBe(false);
        expect(all().filter((r) => r.name.startsWith("mailpit"))).toEqual([]);
        expect(get("cluster-identity").type).toBe("kubernetes:core/v1:Namespace");
    });

    it("gives the Kubernetes provider the team's context and kubeconfig, and keeps state of an unreachable cluster", () => {
        const inputs = reveal(get("kubernetes").inputs) as any;
        expect(inputs).toMatchObject({ context: "team-prod", kubeconfig: KUBECONFIG });
        expect(inputs.deleteUnreachable).toBeUndefined();
        for (const r of all().filter(
            (r) => r.type.startsWith("kubernetes:") && r.type !== "pulumi:providers:kubernetes",
        )) {
            expect(r.provider, r.name).toMatch(/pulumi:providers:kubernetes::kubernetes::/);
        }
    });

    it("uses kube-system's uid as the cluster identity of the wiring and the heartbeat", () => {
        expect(get("oncall-wiring-connection").inputs.clusterId).toBe(KUBE_SYSTEM_UID);
        expect(get("oncall-heartbeat-timeout").inputs.clusterId).toBe(KUBE_SYSTEM_UID);
        expect(run.stackOutputs.kubectlContext).toBe("team-prod");
        expect(run.stackOutputs.kubeconfig).toBeUndefined();
    });
});

describe("URLs on an existing cluster", () => {
    it("gives every side the Ingress hosts over https, except where Grafana and Alertmanager reach the engine inside", () => {
        const grafana = values("grafana-release");
        const oncall = values("oncall-release");
        const provisioning = parse(
            (get("grafana-oncall-app-provisioning").inputs.data as Record<string, string>)["grafana-oncall-app.yaml"],
        );
        const wiring = reveal(get("oncall-wiring-connection").inputs) as any;
        const grafanaPublic = "https://grafana.example.com";
        const oncallPublic = "https://oncall.example.com";
        const oncallInCluster = "http://oncall-engine.oncall.svc.cluster.local:8080";
        const table: [consumer: string, got: unknown, want: string][] = [
            ["Grafana root_url", grafana["grafana.ini"].server.root_url, grafanaPublic],
            ["plugin provisioning grafanaUrl", provisioning.apps[0].jsonData.grafanaUrl, grafanaPublic],
            ["wiring: plugin jsonData.grafanaUrl", wiring.grafanaPublicUrl, grafanaPublic],
            ["OnCall externalGrafana.url (GRAFANA_API_URL)", oncall.externalGrafana.url, grafanaPublic],
            ["stack output grafanaUrl", run.stackOutputs.grafanaUrl as string, grafanaPublic],
            ["wiring: Grafana API from the laptop", wiring.grafanaLocalApiUrl, grafanaPublic],
            [
                "team users: Grafana API from the laptop",
                reveal(get("team-users-provider").inputs.url) as string,
                grafanaPublic,
            ],
            [
                "heartbeat: Grafana API from the laptop",
                reveal(get("oncall-heartbeat-timeout").inputs.grafanaLocalApiUrl) as string,
                grafanaPublic,
            ],
            ["plugin provisioning onCallApiUrl", provisioning.apps[0].jsonData.onCallApiUrl, oncallInCluster],
            ["wiring: plugin jsonData.onCallApiUrl", wiring.oncallInClusterUrl, oncallInCluster],
            ["wiring: OnCall API from the laptop", wiring.oncallPublicUrl, oncallPublic],
            [
                "OnCall objects: OnCall API",
                reveal(get("oncall-team-provider").inputs.oncallUrl) as string,
                oncallPublic,
            ],
            ["OnCall BASE_URL", `${oncall.base_url_protocol}://${oncall.base_url}`, oncallPublic],
            ["stack output oncallUrl", run.stackOutputs.oncallUrl as string, oncallPublic],
        ];
        for (const [consumer, got, want] of table) expect(got, consumer).toBe(want);
    });

    it("has Alertmanager post to the engine's in-cluster URL", async () => {
        const secret = reveal(get("victoria-metrics-alertmanager-config").inputs.stringData) as Record<string, string>;
        const config = parse(secret["alertmanager.yaml"]);
        const urls = JSON.stringify(config.receivers);
        expect(urls).toContain("http://oncall-engine.oncall.svc.cluster.local:8080/integrations/v1/alertmanager/");
        expect(urls).not.toContain("oncall.example.com");
    });
});

describe("exposure, TLS and storage on an existing cluster", () => {
    it("keeps Grafana's Service ClusterIP behind the chart's Ingress (grafana chart 12.11.1 values.yaml ingress.*)", () => {
        const grafana = values("grafana-release");
        expect(grafana.service).toEqual({ type: "ClusterIP", port: 80 });
        expect(grafana.ingress).toEqual({
            enabled: true,
            ingressClassName: "nginx",
            annotations: {},
            hosts: ["grafana.example.com"],
            path: "/",
            pathType: "Prefix",
            tls: [{ hosts: ["grafana.example.com"], secretName: "oncall-lab-tls" }],
        });
        expect(grafana.persistence).toMatchObject({ enabled: true, storageClassName: "fast-ssd", size: "5Gi" });
    });

    it("routes the engine's host to the ClusterIP oncall-engine Service through the lab's Ingress, without the chart's", () => {
        const oncall = values("oncall-release");
        expect(oncall.ingress.enabled).toBe(false);
        expect(oncall.service.enabled).toBe(false);
        const ingress = reveal(get("oncall-ingress").inputs) as any;
        expect(get("oncall-ingress").type).toBe("kubernetes:networking.k8s.io/v1:Ingress");
        expect(ingress.metadata).toEqual({ name: "oncall", namespace: "oncall", annotations: {} });
        expect(ingress.spec).toEqual({
            ingressClassName: "nginx",
            tls: [{ hosts: ["oncall.example.com"], secretName: "oncall-lab-tls" }],
            rules: [
                {
                    host: "oncall.example.com",
                    http: {
                        paths: [
                            {
                                path: "/api/v1/",
                                pathType: "Prefix",
                                backend: { service: { name: "oncall-engine", port: { number: 8080 } } },
                            },
                        ],
                    },
                },
            ],
        });
        expect(get("oncall-ingress").opts.dependsOn).toEqual([get("oncall-release").resource]);
    });

    it("exposes only OnCall's public API on the engine's host: what the program, smoke and e2e call, nothing that takes OnCall over", () => {
        const paths: string[] = (reveal(get("oncall-ingress").inputs) as any).spec.rules.flatMap((rule: any) =>
            rule.http.paths.map((p: any) => p.path),
        );
        // networking.k8s.io/v1 Prefix matching: element by element, a trailing slash ignored.
        const elements = (path: string) => path.split("/").filter(Boolean);
        const exposed = (url: string) =>
            paths.some((path) => elements(path).every((element, i) => elements(new URL(url).pathname)[i] === element));
        const oncall = "https://oncall.example.com";
        const used = [
            publicApiUrl({ oncallPublicUrl: oncall } as OnCallWiringInputs, "users/current/"),
            publicApiUrl({ oncallPublicUrl: oncall } as OnCallWiringInputs, "users/?username=alice&short=true"),
            `${oncall}/api/v1/alert_groups/`, // smoke and e2e; @pulumiverse/grafana's OnCall client (api/v1/ on oncallUrl)
            `${oncall}/api/v1/integrations/`,
        ];
        for (const url of used) expect(exposed(url), url).toBe(true);
        const kept = [
            "/",
            "/api/internal/v1/plugin/v2/install",
            "/api/internal/v1/plugin/self-hosted/install",
            "/api/internal/v1/users/",
            "/telegram/",
            "/integrations/v1/alertmanager/abc/",
            "/metrics/",
            "/mobile_app/v1/",
            "/api/v1internal/",
            "/health/",
        ];
        for (const path of kept) expect(exposed(`${oncall}${path}`), path).toBe(false);
    });

    it("lets Grafana's service account read ConfigMaps in monitoring, where its sidecars look, and nothing cluster-wide", () => {
        expect(reveal(get("victoria-metrics-grafana-sidecar-role").inputs)).toMatchObject({
            metadata: { name: "grafana-sidecar", namespace: "monitoring" },
            rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
        });
        expect(reveal(get("victoria-metrics-grafana-sidecar-binding").inputs)).toMatchObject({
            roleRef: { kind: "Role", name: "grafana-sidecar" },
            subjects: [{ kind: "ServiceAccount", name: "grafana", namespace: "grafana" }],
        });
        expect(values("grafana-release").rbac.create).toBe(false);
        expect(all().filter((r) => /ClusterRole/.test(r.type))).toEqual([]);
    });

    it("copies the team's certificate next to each Ingress as a secret, and only reads the source", () => {
        expect(get("tls-source").type).toBe("kubernetes:core/v1:Secret");
        for (const [copy, namespace] of [
            ["grafana-tls", "grafana"],
            ["oncall-tls", "oncall"],
        ]) {
            const inputs = get(copy).inputs as any;
            expect(reveal(inputs.metadata)).toEqual({ name: "oncall-lab-tls", namespace });
            expect(inputs.type).toBe("kubernetes.io/tls");
            expect(isSecretValue(inputs.data), copy).toBe(true);
            expect(reveal(inputs.data)).toEqual(TLS_SOURCE_DATA);
        }
        expect(get("grafana-release").opts.dependsOn).toEqual([get("grafana-tls").resource]);
    });

    it("puts the volumes in the named StorageClass at their sizes (bitnami postgresql/redis persistence, vmcluster claims)", () => {
        const oncall = values("oncall-release");
        expect(oncall.redis.master.persistence).toEqual({ storageClass: "fast-ssd", size: "4Gi" });
        const stack = values("victoria-metrics-release");
        expect(stack.vmcluster.spec.vmstorage.storage.volumeClaimTemplate.spec).toEqual({
            storageClassName: "fast-ssd",
            resources: { requests: { storage: "100Gi" } },
        });
        expect(stack.vmcluster.spec.vmselect.storage.volumeClaimTemplate.spec.storageClassName).toBe("fast-ssd");
    });
});

describe("scale on an existing cluster", () => {
    it("runs VictoriaMetrics in cluster mode, Alertmanager as a 3-replica cluster and vmalert twice, with PDBs", () => {
        const stack = values("victoria-metrics-release");
        const pdb = { podDisruptionBudget: { maxUnavailable: 1 } };
        expect(stack.vmsingle.enabled).toBe(false);
        expect(stack.vmcluster).toMatchObject({
            enabled: true,
            spec: {
                replicationFactor: 2,
                vmstorage: { replicaCount: 3, ...pdb },
                vminsert: { replicaCount: 3, ...pdb },
                vmselect: { replicaCount: 2, ...pdb },
            },
        });
        expect(stack.alertmanager.spec).toMatchObject({
            replicaCount: 3,
            configSecret: "oncall-lab-alertmanager",
            ...pdb,
        });
        expect(stack.vmalert.spec).toMatchObject({ replicaCount: 2, ...pdb });
        expect(stack.defaultRules.sources.vmcluster.url).toMatch(
            /VictoriaMetrics\/b7ef6cc3ed35c607e053a8b7755fc3b896a10eaa\/deployment\/docker\/rules\/alerts-cluster\.yml$/,
        );
        expect(stack.defaultDashboards.sources["victoriametrics-cluster"].url).toMatch(
            /b7ef6cc3ed35c607e053a8b7755fc3b896a10eaa\/dashboards\/victoriametrics-cluster\.json$/,
        );
    });

    it("scales the OnCall engine and celery and connects OnCall to the external Postgres through a secret", () => {
        const oncall = values("oncall-release");
        expect(oncall.engine.replicaCount).toBe(3);
        // Four celery pods: three of the chart's without the beat, and the post-renderer's one with it.
        expect(oncall.celery).toMatchObject({ replicaCount: 3, worker_beat_enabled: "False" });
        expect(get("oncall-release").inputs.postrender).toBe(CELERY_BEAT_POSTRENDER);
        expect(oncall.postgresql.enabled).toBe(false);
        expect(oncall.externalPostgresql).toEqual({
            host: "pg.db.svc.cluster.local",
            port: 6432,
            db_name: "oncall_prod",
            user: "oncall_app",
            existingSecret: "oncall-postgresql-external",
            passwordKey: "password",
        });
        expect(JSON.stringify(oncall)).not.toContain("Pg-Secret-Pa55");
        const secret = get("oncall-postgres-external").inputs as any;
        expect(reveal(secret.metadata)).toEqual({ name: "oncall-postgresql-external", namespace: "oncall" });
        expect(isSecretValue(secret.stringData)).toBe(true);
        expect(reveal(secret.stringData)).toEqual({ password: "Pg-Secret-Pa55" });
        expect(get("oncall-release").opts.dependsOn).toContain(get("oncall-postgres-external").resource);
    });
});

describe("destroy on an existing cluster", () => {
    const urnOf = (r: RecordedResource) => valueOf(r.resource.urn);

    it("marks nothing deletedWith the cluster: the lab's releases, namespaces and secrets are really deleted", () => {
        const inCluster = all().filter((r) =>
            /^kubernetes:(core\/v1:(Namespace|Secret|ConfigMap)|helm\.sh\/v3:Release|networking|apiextensions)/.test(
                r.type,
            ),
        );
        expect(inCluster.length).toBeGreaterThan(10);
        for (const r of inCluster) expect(r.opts.deletedWith, r.name).toBeUndefined();
        // The wiring's delete runs, and revokes its token, before Grafana and OnCall go (it depends on them).
        expect(get("oncall-wiring-connection").opts.deletedWith).toBeUndefined();
    });

    it("deletes the VictoriaMetrics objects while their operator still runs, so none is left Terminating on its finalizer", async () => {
        // Helm runs pre-delete hooks before deleting anything; the operator chart's cleanup hook deletes every VM object.
        const release = get("victoria-metrics-release");
        expect(values("victoria-metrics-release")["victoria-metrics-operator"]?.crds?.cleanup?.enabled).toBe(true);
        expect(release.inputs.disableHooks ?? false).toBe(false);
        // The lab's own VM objects (rules, OnCall's scrape) depend on the release: the engine deletes them before it.
        const vmObjects = all().filter((r) => r.type.startsWith("kubernetes:operator.victoriametrics.com/"));
        expect(vmObjects.map((r) => r.name).sort()).toEqual([
            "victoria-metrics-lab-rules",
            "victoria-metrics-oncall-scrape",
        ]);
        for (const r of vmObjects) expect(r.opts.dependsOn, r.name).toContain(release.resource);
    });

    it("deletes OnCall's objects through its API before the release when their data outlives it (external Postgres)", async () => {
        const release = await urnOf(get("oncall-release"));
        const objects = all().filter((r) => r.type.startsWith("grafana:onCall/"));
        expect(objects.length).toBe(12);
        for (const r of objects) {
            expect(r.opts.deletedWith, r.name).toBeUndefined();
            expect(r.opts.replaceWith, r.name).toBeUndefined();
            expect(
                await Promise.all((r.opts.dependsOn as pulumi.Resource[]).map((d) => valueOf(d.urn))),
                r.name,
            ).toContain(release);
        }
    });

    it("lets the heartbeat timeout go with the release: its delete changes nothing in OnCall", async () => {
        expect(await valueOf(get("oncall-heartbeat-timeout").opts.deletedWith!.urn)).toBe(
            await urnOf(get("oncall-release")),
        );
    });

    it("keeps Grafana's users deletedWith Grafana's release, whose volume goes with its namespace", async () => {
        for (const r of all().filter((r) => r.type === "grafana:oss/user:User")) {
            expect(await valueOf(r.opts.deletedWith!.urn), r.name).toBe(await urnOf(get("grafana-release")));
        }
    });
});

describe("security on an existing cluster", () => {
    it("denies by default in each of the lab's namespaces and lets OnCall out to the external Postgres's port only", () => {
        expect(expectDefaultDenyInEachNamespace(all()).sort()).toEqual(["grafana", "monitoring", "oncall"]);
        const egress = (reveal(get("network-policies-oncall-oncall-egress").inputs.spec) as any).egress;
        expect(egress).toContainEqual({ ports: [{ port: 6432, protocol: "TCP" }] });
        expect(egress.flatMap((rule: any) => rule.ports).map((p: any) => p.port)).not.toContain(5432);
    });

    it("has the stack read only the lab's rules, scrapes and Alertmanager configs, and aggregate no operator roles", () => {
        const stack = values("victoria-metrics-release");
        const lab = {
            matchExpressions: [
                {
                    key: "kubernetes.io/metadata.name",
                    operator: "In",
                    values: ["monitoring", "oncall", "oncall-lab-drills"],
                },
            ],
        };
        expect(stack["victoria-metrics-operator"].rbac).toEqual({ aggregatedClusterRoles: { enabled: false } });
        expect(stack.vmagent.spec).toMatchObject({
            selectAllByDefault: false,
            serviceScrapeNamespaceSelector: lab,
            scrapeConfigNamespaceSelector: lab,
            nodeScrapeNamespaceSelector: lab,
        });
        expect(stack.vmalert.spec).toMatchObject({ selectAllByDefault: false, ruleNamespaceSelector: lab });
        expect(stack.alertmanager.spec).toMatchObject({ selectAllByDefault: false, configNamespaceSelector: lab });
    });
});
