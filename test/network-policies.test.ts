// The lab's NetworkPolicies (src/security/networkPolicies.ts): a default deny per lab namespace, allow-lists that name
// pods and ports the pinned charts really render, and the paths they open or keep shut.
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
    labFlows,
    labNetworkPolicies,
    type LabNetworkPolicy,
    labPods,
    type NetworkPolicyInput,
} from "../src/security/networkPolicies";
import { DRILL_TARGET_PORT, DRILLS_NAMESPACE, namespaces } from "../src/shared/topology";
import { allowed, type Endpoint, renderedPods } from "./support/network-policies";

const kindNamespaces: string[] = Object.values(namespaces);
const existingNamespaces: string[] = [namespaces.monitoring, namespaces.grafana, namespaces.oncall];
const kindInput: NetworkPolicyInput = { mailbox: true, vmCluster: false };
const existingInput: NetworkPolicyInput = {
    mailbox: false,
    vmCluster: true,
    smtpPort: 587,
    externalPostgresPort: 6432,
    grafanaThroughIngress: { tls: true },
};
const targets = [
    { target: "kind" as const, labNamespaces: kindNamespaces, input: kindInput },
    { target: "existing" as const, labNamespaces: existingNamespaces, input: existingInput },
];

/** A rendered pod of the target, by its workload's name. */
function pod(target: "kind" | "existing", workload: string): Endpoint {
    const found = renderedPods(target).find((p) => p.workload === workload);
    if (!found) throw new Error(`no rendered ${workload} for ${target}`);
    return { namespace: found.namespace, labels: found.labels };
}
/** A pod of a team's own workload, in a namespace of its own. */
const teamPod: Endpoint = { namespace: "team-app", labels: { app: "anything" } };

describe.each(targets)("NetworkPolicies on $target", ({ target, labNamespaces, input }) => {
    const policies = labNetworkPolicies(labNamespaces, input);

    it("deny every ingress and egress by default in each lab namespace", () => {
        for (const namespace of labNamespaces) {
            const deny = policies.find((p) => p.namespace === namespace && p.name === "default-deny");
            expect(deny?.spec, namespace).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        }
        expect(new Set(policies.map((p) => p.namespace))).toEqual(new Set(labNamespaces));
    });

    it("have one name per namespace that fits a Kubernetes name with the lab's prefix", () => {
        const keys = policies.map((p) => `${p.namespace}/${p.name}`);
        expect(new Set(keys).size).toBe(keys.length);
        for (const p of policies) expect(`oncall-lab-${p.name}`).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    });

    it("select pods the charts render, and open ports those pods listen on", () => {
        const rendered = renderedPods(target);
        for (const flow of labFlows(input)) {
            const name = [flow.from, flow.to].map((end) => (end === "outside" ? end : end.name)).join(" -> ");
            for (const end of [flow.from, flow.to]) {
                if (end === "outside" || !labNamespaces.includes(end.namespace)) continue;
                const selected = rendered.filter(
                    (p) =>
                        p.namespace === end.namespace &&
                        Object.entries(end.labels).every(([key, value]) => p.labels[key] === value),
                );
                expect(selected.length, `${name}: pods of ${JSON.stringify(end)}`).toBeGreaterThan(0);
                // Every selected long-running pod listens there (the migrate Job carries the engine's labels, no port).
                if (end === flow.to) {
                    for (const p of selected.filter((p) => !p.workload.startsWith("Job/"))) {
                        for (const { port } of flow.ports) expect(p.ports, `${name}: ${p.workload}`).toContain(port);
                    }
                }
            }
        }
    });

    it("keep a team's pods away from Alertmanager, VictoriaMetrics, Postgres, Redis and the operator's metrics", () => {
        const shut: [string, number][] = [
            ["operator/vmalertmanager-vmks", 9093],
            ["operator/vmagent-vmks", 8429],
            ["operator/vmalert-vmks", 8080],
            ["StatefulSet/oncall-postgresql", 5432],
            ["StatefulSet/oncall-redis-master", 6379],
            ["Deployment/vmks-victoria-metrics-operator", 8080],
            ["Deployment/vmks-kube-state-metrics", 8080],
            ...(target === "kind"
                ? ([
                      ["operator/vmsingle-vmks", 8428],
                      ["Deployment/mailpit", 1025],
                  ] as [string, number][])
                : ([
                      ["operator/vmselect-vmks", 8481],
                      ["operator/vminsert-vmks", 8480],
                      ["operator/vmstorage-vmks", 8482],
                  ] as [string, number][])),
        ];
        for (const [workload, port] of shut) {
            expect(allowed(policies, teamPod, pod(target, workload), port), `team -> ${workload}:${port}`).toBe(false);
            expect(allowed(policies, "outside", pod(target, workload), port), `outside -> ${workload}:${port}`).toBe(
                false,
            );
        }
        // Nor do the lab's pods reach what they do not use.
        expect(
            allowed(policies, pod(target, "Deployment/grafana"), pod(target, "StatefulSet/oncall-postgresql"), 5432),
        ).toBe(false);
        expect(
            allowed(
                policies,
                pod(target, "Deployment/oncall-engine"),
                pod(target, "operator/vmalertmanager-vmks"),
                9093,
            ),
        ).toBe(false);
        expect(allowed(policies, pod(target, "StatefulSet/oncall-postgresql"), teamPod, 80)).toBe(false);
        expect(allowed(policies, pod(target, "Deployment/grafana"), teamPod, 5432)).toBe(false);
    });

    it("let through every path the lab uses", () => {
        const p = (workload: string) => pod(target, workload);
        const open: [Endpoint, Endpoint, number][] = [
            ["outside", p("Deployment/grafana"), 3000],
            ["outside", p("Deployment/oncall-engine"), 8080],
            [p("Deployment/grafana"), p("Deployment/oncall-engine"), 8080],
            [p("operator/vmalertmanager-vmks"), p("Deployment/oncall-engine"), 8080],
            [p("operator/vmagent-vmks"), p("Deployment/oncall-engine"), 8080],
            [p("operator/vmalert-vmks"), p("operator/vmalertmanager-vmks"), 9093],
            [p("Deployment/oncall-engine"), p("StatefulSet/oncall-postgresql"), 5432],
            [p("Deployment/oncall-celery"), p("StatefulSet/oncall-redis-master"), 6379],
            [p("Job/oncall-engine-migrate"), p("StatefulSet/oncall-postgresql"), 5432],
            ["outside", p("Deployment/vmks-victoria-metrics-operator"), 9443],
            [p("Deployment/vmks-victoria-metrics-operator"), "outside", 443],
            [p("Deployment/vmks-kube-state-metrics"), "outside", 6443],
            [p("Job/vmks-sync-job"), "outside", 443],
            [p("operator/vmagent-vmks"), "outside", 10250],
            [p("operator/vmagent-vmks"), p("Deployment/vmks-kube-state-metrics"), 8080],
            [p("Deployment/grafana"), "outside", 443],
            [p("Deployment/oncall-telegram-polling"), "outside", 443],
            // npm run drill's target-down target must answer vmagent until the drill stops it.
            [
                p("operator/vmagent-vmks"),
                { namespace: DRILLS_NAMESPACE, labels: { app: "drill-target" } },
                DRILL_TARGET_PORT,
            ],
        ];
        if (target === "kind") {
            open.push([p("Deployment/grafana"), p("operator/vmsingle-vmks"), 8428]);
            open.push([p("Deployment/oncall-engine"), p("Deployment/grafana"), 3000]);
            open.push([p("Deployment/oncall-celery"), p("Deployment/mailpit"), 1025]);
            open.push(["outside", p("Deployment/mailpit"), 8025]);
        } else {
            open.push([p("Deployment/grafana"), p("operator/vmselect-vmks"), 8481]);
            open.push([p("operator/vmagent-vmks"), p("operator/vminsert-vmks"), 8480]);
            open.push([p("Deployment/oncall-engine"), "outside", 443]);
            open.push([p("Deployment/oncall-celery"), "outside", 587]);
            open.push([p("Job/oncall-engine-migrate"), "outside", 6432]);
        }
        for (const [from, to, port] of open)
            expect(allowed(policies, from, to, port), `${JSON.stringify(from)} -> ${JSON.stringify(to)}:${port}`).toBe(
                true,
            );
        for (const namespace of labNamespaces) {
            expect(allowed(policies, { namespace, labels: {} }, "outside", 53, "UDP"), `DNS from ${namespace}`).toBe(
                true,
            );
        }
    });
});

describe("the rendered policies", () => {
    const render = (policies: LabNetworkPolicy[]) =>
        stringify(policies.map((p) => ({ namespace: p.namespace, name: p.name, spec: p.spec })));

    it("on kind", () => {
        expect(render(labNetworkPolicies(kindNamespaces, kindInput))).toMatchSnapshot();
    });

    it("on an existing cluster with an external Postgres, a real SMTP server and TLS", () => {
        expect(render(labNetworkPolicies(existingNamespaces, existingInput))).toMatchSnapshot();
    });

    it("let the engine reach Grafana's Ingress over http only where the lab runs without TLS", () => {
        const policies = labNetworkPolicies(existingNamespaces, {
            ...existingInput,
            grafanaThroughIngress: { tls: false },
        });
        const engine = labPods.oncallEngine;
        expect(allowed(policies, engine, "outside", 80)).toBe(true);
        expect(allowed(labNetworkPolicies(existingNamespaces, existingInput), engine, "outside", 80)).toBe(false);
    });
});
