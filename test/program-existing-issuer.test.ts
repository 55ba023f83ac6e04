// The existing target at its defaults with cert-manager issuing the certificates and OnCall's bundled Postgres.
import { beforeAll, describe, expect, it } from "vitest";
import { type ProgramRun, reveal, runProgram } from "./support/program";
import { EXISTING_CONFIG, lookups } from "./support/existing";

let run: ProgramRun;
const { get, all, valueOf, values } = lookups(() => run);

beforeAll(async () => {
    run = await runProgram({ config: { ...EXISTING_CONFIG, "oncall-lab:clusterIssuer": "letsencrypt" } });
});

describe("existing cluster with cert-manager and the bundled Postgres", () => {
    it("annotates both Ingresses for the ClusterIssuer, which issues into their tls secret; nothing is copied", () => {
        const grafana = values("grafana-release");
        expect(grafana.ingress).toMatchObject({
            annotations: { "cert-manager.io/cluster-issuer": "letsencrypt" },
            tls: [{ hosts: ["grafana.example.com"], secretName: "oncall-lab-tls" }],
        });
        expect(grafana.ingress.ingressClassName).toBeUndefined();
        const oncall = reveal(get("oncall-ingress").inputs) as any;
        expect(oncall.metadata.annotations).toEqual({ "cert-manager.io/cluster-issuer": "letsencrypt" });
        expect(oncall.spec.tls).toEqual([{ hosts: ["oncall.example.com"], secretName: "oncall-lab-tls" }]);
        expect(oncall.spec.ingressClassName).toBeUndefined();
        expect(["tls-source", "grafana-tls", "oncall-tls"].filter((name) => run.resources.has(name))).toEqual([]);
        expect(values("oncall-release").base_url_protocol).toBe("https");
    });

    it("leaves the StorageClass to the cluster's default and sizes the volumes by the defaults", () => {
        expect(values("grafana-release").persistence).toMatchObject({ storageClassName: "", size: "10Gi" });
        const oncall = values("oncall-release");
        expect(oncall.postgresql).toMatchObject({
            enabled: true,
            primary: { persistence: { storageClass: "", size: "20Gi" } },
        });
        expect(oncall.externalPostgresql).toBeUndefined();
        expect(oncall.redis.master.persistence).toEqual({ storageClass: "", size: "8Gi" });
        const claim = values("victoria-metrics-release").vmcluster.spec.vmstorage.storage.volumeClaimTemplate.spec;
        expect(claim).toEqual({ resources: { requests: { storage: "50Gi" } } });
        expect(run.resources.has("oncall-postgres-external")).toBe(false);
    });

    it("runs the team-sized defaults: 2 vmstorage/vminsert/vmselect, 3 Alertmanagers, 2 vmalerts, 2 engines and workers", () => {
        const stack = values("victoria-metrics-release");
        expect(stack.vmcluster.spec).toMatchObject({
            replicationFactor: 2,
            vmstorage: { replicaCount: 2 },
            vminsert: { replicaCount: 2 },
            vmselect: { replicaCount: 2 },
        });
        expect(stack.alertmanager.spec.replicaCount).toBe(3);
        expect(stack.vmalert.spec.replicaCount).toBe(2);
        // Two celery workers: the chart's one without the beat, and the post-renderer's with it.
        expect(values("oncall-release")).toMatchObject({
            engine: { replicaCount: 2 },
            celery: { replicaCount: 1, worker_beat_enabled: "False" },
        });
    });

    it("lets the OnCall objects go with the release whose bundled database holds them (their API deletes are skipped)", async () => {
        const release = await valueOf(get("oncall-release").resource.urn);
        const objects = all().filter(
            (r) => r.type.startsWith("grafana:onCall/") || r.name === "oncall-heartbeat-timeout",
        );
        expect(objects.length).toBe(13);
        for (const r of objects) {
            expect(await valueOf(r.opts.deletedWith!.urn), r.name).toBe(release);
            expect(r.opts.replaceWith, r.name).toBeUndefined();
        }
        // The release itself and its namespace are deleted for real: the cluster stays.
        expect(get("oncall-release").opts.deletedWith).toBeUndefined();
        expect(get("oncall-namespace").opts.deletedWith).toBeUndefined();
    });
});
