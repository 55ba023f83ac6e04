// The existing target's part of the Helm values and URLs, without mocks: which chart key each setting reaches.
import { describe, expect, it } from "vitest";
import { grafanaValues } from "../src/grafana/values";
import { ALERTMANAGER_FEATURES, RETENTION_PERIOD, vmStackValues } from "../src/monitoring/values";
import { oncallValues } from "../src/oncall/values";
import { existingClusterUrls, inClusterUrls, labUrls } from "../src/shared/topology";
import { oncallValuesInput } from "./support/oncall-values";

const hosts = { grafanaHost: "grafana.example.com", oncallHost: "oncall.example.com" };
const grafanaInput = {
    imageTag: "11.6.0",
    adminUser: "admin",
    adminPassword: "pw",
    nodePort: 30300,
    servicePort: 3000,
    rootUrl: "http://grafana.example.com",
    pluginVersion: "1.16.9",
    pluginProvisioningConfigMap: "p",
    sidecarNamespaces: ["monitoring"],
};
const oncallInput = {
    ...oncallValuesInput,
    publicHost: "oncall.example.com",
    grafanaPublicUrl: "http://grafana.example.com",
};
const oncallCluster = {
    tls: false,
    engineReplicas: 2,
    celeryReplicas: 2,
    postgresVolume: { size: "20Gi" },
    redisVolume: { storageClass: "gp3", size: "8Gi" },
};

describe("URLs per target", () => {
    it("is a table: who uses which URL on kind and on an existing cluster, with and without TLS", () => {
        const kind = labUrls("oncall-lab", { grafanaHostPort: 3000, oncallHostPort: 8080, mailHostPort: 8025 });
        const plain = existingClusterUrls(hosts, false);
        const tls = existingClusterUrls(hosts, true);
        const table: [string, string | undefined, string | undefined, string | undefined][] = [
            // [url, kind, existing without TLS, existing with TLS]
            [
                "grafanaPublicUrl",
                "http://grafana.oncall-lab.localhost:3000",
                "http://grafana.example.com",
                "https://grafana.example.com",
            ],
            [
                "grafanaLocalApiUrl",
                "http://127.0.0.1:3000",
                "http://grafana.example.com",
                "https://grafana.example.com",
            ],
            ["oncallPublicUrl", "http://127.0.0.1:8080", "http://oncall.example.com", "https://oncall.example.com"],
            ["oncallInClusterUrl", inClusterUrls.oncallEngine, inClusterUrls.oncallEngine, inClusterUrls.oncallEngine],
            ["mailPublicUrl", "http://127.0.0.1:8025", undefined, undefined],
        ];
        for (const [name, onKind, withoutTls, withTls] of table) {
            expect((kind as Record<string, unknown>)[name], `kind ${name}`).toBe(onKind);
            expect((plain as Record<string, unknown>)[name], `existing ${name}`).toBe(withoutTls);
            expect((tls as Record<string, unknown>)[name], `existing+tls ${name}`).toBe(withTls);
        }
    });
});

describe("chart keys on an existing cluster", () => {
    it("grafana: an Ingress without TLS when none is configured, and the cluster's default StorageClass", () => {
        const values = grafanaValues({
            ...grafanaInput,
            cluster: { ingress: { host: "grafana.example.com" }, volume: { size: "10Gi" } },
        }) as any;
        expect(values.ingress).toMatchObject({
            enabled: true,
            hosts: ["grafana.example.com"],
            tls: [],
            annotations: {},
        });
        expect(values.ingress.ingressClassName).toBeUndefined();
        expect(values.persistence).toMatchObject({ storageClassName: "", size: "10Gi" });
        expect(values.service).toStrictEqual({ type: "ClusterIP", port: 80 });
    });

    it("oncall: http links without TLS, scale keys, and the bundled Postgres' volume", () => {
        const values = oncallValues({ ...oncallInput, cluster: oncallCluster }) as any;
        expect(values).toMatchObject({
            base_url: "oncall.example.com",
            base_url_protocol: "http",
            engine: { replicaCount: 2 },
            // Two celery pods: the chart's one without the beat, and the post-renderer's with it (test/celery-beat.test.ts).
            celery: { replicaCount: 1, worker_beat_enabled: "False" },
            postgresql: { enabled: true, primary: { persistence: { storageClass: "", size: "20Gi" } } },
            redis: { master: { persistence: { storageClass: "gp3", size: "8Gi" } } },
            service: { enabled: false },
        });
        expect(values.externalPostgresql).toBeUndefined();
        // The disabled Service keeps only its switch: kind's NodePort keys would be read by nothing.
        expect(values.service).toEqual({ enabled: false });
    });

    it("oncall: with an external Postgres, none of the bundled one's keys (auth, image, volume)", () => {
        const externalPostgres = {
            host: "pg.example.com",
            port: 5432,
            database: "oncall",
            user: "oncall",
            passwordSecretName: "pg",
        };
        const values = oncallValues({ ...oncallInput, cluster: { ...oncallCluster, externalPostgres } }) as any;
        expect(values.postgresql).toEqual({ enabled: false });
        expect(values.externalPostgresql).toMatchObject({ host: "pg.example.com", existingSecret: "pg" });
    });

    it("victoria-metrics-k8s-stack: vmcluster instead of vmsingle, the claim without a class when none is named", () => {
        const values = vmStackValues({
            scrapeInterval: "30s",
            evaluationInterval: "30s",
            alertmanagerConfigSecret: "am",
            grafanaPublicUrl: "http://grafana.example.com",
            labNamespaces: ["monitoring", "oncall"],
            cluster: {
                vmstorageReplicas: 3,
                vminsertReplicas: 2,
                vmselectReplicas: 2,
                replicationFactor: 2,
                alertmanagerReplicas: 3,
                vmalertReplicas: 2,
                storage: { size: "50Gi" },
            },
        }) as any;
        // vmsingle is off: only its switch, none of its keys; vmcluster keeps the lab's retention, not the chart's month.
        expect(values.vmsingle).toEqual({ enabled: false });
        expect(values.vmcluster.spec.retentionPeriod).toBe(RETENTION_PERIOD);
        expect(values.external.grafana.host).toBe("http://grafana.example.com");
        expect(values.vmcluster.spec.vmstorage.storage).toEqual({
            volumeClaimTemplate: { spec: { resources: { requests: { storage: "50Gi" } } } },
        });
        // The kind lab's keys stay: intervals, the config secret, Alertmanager's feature flag.
        expect(values.alertmanager.spec).toMatchObject({
            configSecret: "am",
            replicaCount: 3,
            extraArgs: { "enable-feature": ALERTMANAGER_FEATURES },
        });
        // Each replica holds every group of a storm, as on kind.
        expect(values.alertmanager.spec.resources).toEqual({
            requests: { memory: "256Mi" },
            limits: { memory: "512Mi" },
        });
    });

    it("renders nothing of the existing target's keys for kind", () => {
        expect(oncallValues(oncallInput)).not.toHaveProperty("engine.replicaCount");
        expect(
            vmStackValues({
                scrapeInterval: "30s",
                evaluationInterval: "30s",
                alertmanagerConfigSecret: "am",
                grafanaPublicUrl: "http://grafana.example.com",
            }),
        ).not.toHaveProperty("vmcluster");
        expect(grafanaValues(grafanaInput)).not.toHaveProperty("ingress");
    });
});
