// NetworkPolicy semantics (networking.k8s.io/v1) for the tests: whether a connection passes the egress policies of its
// source pod and the ingress policies of its destination pod. Enough for the lab's policies: label and namespace
// selectors with matchLabels, rules without peers (any source or destination), numeric ports.
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import type { Labels, LabNetworkPolicy, PolicyPort } from "../../src/security/networkPolicies";
import type { RecordedResource } from "./program";
import { reveal } from "./program";

/** A pod (its namespace and labels) or anything that is not a pod: a node, the API server, the internet. */
export type Endpoint = { namespace: string; labels: Labels } | "outside";

const matches = (selector: { matchLabels?: Labels }, labels: Labels) =>
    Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);

type Peer = { namespaceSelector: { matchLabels: Labels }; podSelector: { matchLabels?: Labels } };
const peerMatches = (peers: Peer[] | undefined, other: Endpoint) =>
    peers === undefined ||
    (other !== "outside" &&
        peers.some(
            (peer) =>
                matches(peer.namespaceSelector, { "kubernetes.io/metadata.name": other.namespace }) &&
                matches(peer.podSelector, other.labels),
        ));
const portMatches = (ports: PolicyPort[] | undefined, port: PolicyPort) =>
    ports === undefined || ports.some((p) => p.port === port.port && p.protocol === port.protocol);

function passes(
    policies: LabNetworkPolicy[],
    pod: Endpoint,
    type: "Ingress" | "Egress",
    other: Endpoint,
    port: PolicyPort,
): boolean {
    if (pod === "outside") return true;
    const selecting = policies.filter(
        (p) =>
            p.namespace === pod.namespace &&
            p.spec.policyTypes.includes(type) &&
            matches(p.spec.podSelector, pod.labels),
    );
    if (selecting.length === 0) return true;
    return selecting.some((p) =>
        type === "Ingress"
            ? (p.spec.ingress ?? []).some(
                  (rule) => peerMatches(rule.from as Peer[] | undefined, other) && portMatches(rule.ports, port),
              )
            : (p.spec.egress ?? []).some(
                  (rule) => peerMatches(rule.to as Peer[] | undefined, other) && portMatches(rule.ports, port),
              ),
    );
}

/** Whether `from` may open a connection to `to` on `port` (TCP unless given). */
export function allowed(
    policies: LabNetworkPolicy[],
    from: Endpoint,
    to: Endpoint,
    port: number,
    protocol: "TCP" | "UDP" = "TCP",
): boolean {
    const p = { port, protocol };
    return passes(policies, from, "Egress", to, p) && passes(policies, to, "Ingress", from, p);
}

export interface RenderedPod {
    namespace: string;
    workload: string;
    labels: Labels;
    ports: number[];
}

/** The pods of the pinned charts as Helm renders them with the lab's values, per target (see the fixture's `source`). */
export function renderedPods(target: "kind" | "existing"): RenderedPod[] {
    const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "rendered-pods.json"), "utf8"));
    return fixture[target];
}

/** Under mocks: every Namespace the program declares has a policy that selects all its pods and allows nothing. */
export function expectDefaultDenyInEachNamespace(resources: RecordedResource[]) {
    const namespaces = resources
        .filter((r) => r.type === "kubernetes:core/v1:Namespace" && r.inputs.metadata)
        .map((r) => (reveal(r.inputs.metadata) as { name: string }).name);
    expect(namespaces.length).toBeGreaterThan(0);
    const policies = resources
        .filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")
        .map((r) => reveal(r.inputs) as any);
    for (const namespace of namespaces) {
        const denies = policies.filter(
            (p) =>
                p.metadata.namespace === namespace &&
                Object.keys(p.spec.podSelector).length === 0 &&
                p.spec.policyTypes.includes("Ingress") &&
                p.spec.policyTypes.includes("Egress") &&
                !p.spec.ingress &&
                !p.spec.egress,
        );
        expect(denies, `default deny in ${namespace}`).toHaveLength(1);
    }
    return namespaces;
}
