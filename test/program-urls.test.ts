// Which URL each consumer gets, Kind's CoreDNS rewrite that makes Grafana's public URL work in the cluster, and the
// Services' ports, under Pulumi's mocks.
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type ProgramRun, type RecordedResource, reveal, runProgram } from "./support/program";

const PLUGIN_ZIP = "https://storage.googleapis.com/grafana-oncall-app/releases/grafana-oncall-app-1.16.9.zip";
let run: ProgramRun;
const get = (name: string): RecordedResource =>
    run.resources.get(name) ?? expect.fail(`the program declares no ${name}`);
const all = () => [...run.resources.values()];

beforeAll(async () => {
    run = await runProgram({
        config: {
            "oncall-lab:grafanaHostPort": "3300",
            "oncall-lab:oncallHostPort": "8880",
            "oncall-lab:oncallPluginUrl": PLUGIN_ZIP,
        },
    });
});

describe("URLs and ports", () => {
    it("gives each consumer the URL it reaches: Grafana's one public URL in the cluster and in links, 127.0.0.1 on the laptop", () => {
        const grafana = reveal(get("grafana-release").inputs.values) as any;
        const oncall = reveal(get("oncall-release").inputs.values) as any;
        const provisioning = parse(
            (get("grafana-oncall-app-provisioning").inputs.data as Record<string, string>)["grafana-oncall-app.yaml"],
        );
        const wiring = reveal(get("oncall-wiring-connection").inputs) as any;
        const ports = get("kind-cluster").inputs.portMappings as { containerPort: number; hostPort: number }[];
        const hostPortOf = (nodePort: number) => ports.find((p) => p.containerPort === nodePort)?.hostPort;
        const grafanaPublic = `http://grafana.oncall-lab.localhost:${hostPortOf(grafana.service.nodePort)}`;
        const grafanaLocal = `http://127.0.0.1:${hostPortOf(grafana.service.nodePort)}`;
        const oncallPublic = `http://127.0.0.1:${hostPortOf(oncall.service.nodePort)}`;
        // The engine service is `<oncall fullname>-engine` in OnCall's namespace, port 8080.
        const oncallInCluster = `http://${oncall.fullnameOverride}-engine.oncall.svc.cluster.local:${oncall.service.port}`;

        const table: [consumer: string, got: unknown, want: string][] = [
            ["Grafana root_url", grafana["grafana.ini"].server.root_url, grafanaPublic],
            ["plugin provisioning grafanaUrl", provisioning.apps[0].jsonData.grafanaUrl, grafanaPublic],
            ["wiring: plugin jsonData.grafanaUrl", wiring.grafanaPublicUrl, grafanaPublic],
            ["OnCall externalGrafana.url (GRAFANA_API_URL)", oncall.externalGrafana.url, grafanaPublic],
            ["stack output grafanaUrl", run.stackOutputs.grafanaUrl, grafanaPublic],
            ["wiring: Grafana API from the laptop", wiring.grafanaLocalApiUrl, grafanaLocal],
            ["team users: Grafana API from the laptop", reveal(get("team-users-provider").inputs.url), grafanaLocal],
            [
                "heartbeat: Grafana API from the laptop",
                reveal(get("oncall-heartbeat-timeout").inputs.grafanaLocalApiUrl),
                grafanaLocal,
            ],
            ["plugin provisioning onCallApiUrl", provisioning.apps[0].jsonData.onCallApiUrl, oncallInCluster],
            ["wiring: plugin jsonData.onCallApiUrl", wiring.oncallInClusterUrl, oncallInCluster],
            ["wiring: OnCall API from the laptop", wiring.oncallPublicUrl, oncallPublic],
            ["OnCall base_url", `http://${oncall.base_url}`, oncallPublic],
        ];
        for (const [consumer, got, want] of table) expect(got, consumer).toBe(want);
        expect(grafana.extraConfigmapMounts[0].configMap).toBe(
            (get("grafana-oncall-app-provisioning").inputs.metadata as any).name,
        );
    });

    it("installs the plugin from oncallPluginUrl when it is set", () => {
        const grafana = reveal(get("grafana-release").inputs.values) as any;
        expect(grafana.env.GF_INSTALL_PLUGINS).toBe(`${PLUGIN_ZIP};grafana-oncall-app`);
    });

    it("has Grafana's Service listen on the host port, so its public URL also works inside the cluster", () => {
        const grafana = reveal(get("grafana-release").inputs.values) as any;
        expect(grafana.service).toMatchObject({ type: "NodePort", port: 3300, nodePort: 30300 });
    });

    it("maps Grafana's public name to its Service in Kind's CoreDNS, by a forced patch that goes with the cluster", () => {
        const patch = get("cluster-dns-corefile");
        expect(patch.type).toBe("kubernetes:core/v1:ConfigMapPatch");
        const inputs = reveal(patch.inputs) as any;
        expect(inputs.metadata).toEqual({
            name: "coredns",
            namespace: "kube-system",
            annotations: { "pulumi.com/patchForce": "true" },
        });
        expect(inputs.data.Corefile).toContain(
            "\n    rewrite name exact grafana.oncall-lab.localhost grafana.grafana.svc.cluster.local answer auto\n",
        );
        expect(inputs.data.Corefile).toContain("\n    reload\n");
        expect(patch.opts.parent).toBe(get("cluster-dns").resource);
        // Goes with the cluster: deletedWith the Kubernetes provider, replaced with it (test/program-lifecycle.test.ts).
        expect(patch.opts.deletedWith).toBe(get("kubernetes").resource);
        expect(patch.opts.retainOnDelete).toBe(true);
    });

    it("sends OnCall's e-mail to the lab's Mailpit over a ClusterIP Service, and publishes only the web UI's NodePort", () => {
        const oncall = reveal(get("oncall-release").inputs.values) as any;
        const smtp = reveal(get("mailpit-smtp").inputs) as any;
        const http = reveal(get("mailpit-service").inputs) as any;
        expect(oncall.oncall.smtp).toMatchObject({
            enabled: true,
            host: `${smtp.metadata.name}.mail.svc.cluster.local`,
            port: 1025,
            tls: "False",
        });
        // A NodePort Service would give SMTP a random NodePort, which can take one of the lab's fixed ones.
        expect(smtp.spec).toMatchObject({
            type: "ClusterIP",
            ports: [{ name: "smtp", port: 1025, targetPort: "smtp" }],
        });
        expect(http.spec).toMatchObject({
            type: "NodePort",
            ports: [{ name: "http", port: 8025, targetPort: "http", nodePort: 30825 }],
        });
        const nodePorts = all()
            .filter((r) => r.type === "kubernetes:core/v1:Service")
            .flatMap((r) =>
                ((reveal(r.inputs) as any).spec.ports as any[]).map((port) => ({
                    service: r.name,
                    nodePort: port.nodePort,
                })),
            );
        expect(
            nodePorts.filter(
                (p) => (reveal(get(p.service).inputs) as any).spec.type === "NodePort" && p.nodePort === undefined,
            ),
        ).toEqual([]);
        expect(reveal(get("mailpit-deployment").inputs.spec)).toMatchObject({
            template: {
                spec: {
                    containers: [
                        expect.objectContaining({ image: expect.stringMatching(/^axllent\/mailpit:v\d+\.\d+\.\d+$/) }),
                    ],
                },
            },
        });
    });
});
