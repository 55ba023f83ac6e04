// The lab's NetworkPolicies: every lab namespace denies all traffic but what the lab's own paths need. Pure, so the
// allow-lists are unit-tested (test/network-policies.test.ts checks them against the pods the pinned charts render).
import {
    DRILL_TARGET_PORT,
    DRILLS_NAMESPACE,
    mailpitPorts,
    namespaces,
    ONCALL_ENGINE_PORT,
    releaseNames,
} from "../shared/topology";

export type Labels = Record<string, string>;
/** Pods of one namespace, chosen by labels ({}: every pod there); `name` names their policies. */
export interface Pods {
    name: string;
    namespace: string;
    labels: Labels;
}
/** "outside": any source or destination (people through a NodePort or an Ingress, the API server, the internet). */
export type Peer = Pods | "outside";
export interface PolicyPort {
    port: number;
    protocol: "TCP" | "UDP";
}

/** One path the lab uses: an ingress rule where it ends and an egress rule where it starts, in lab namespaces. */
export interface Flow {
    from: Peer;
    to: Peer;
    ports: PolicyPort[];
}

export interface LabNetworkPolicy {
    namespace: string;
    name: string;
    spec: {
        podSelector: { matchLabels?: Labels };
        policyTypes: ("Ingress" | "Egress")[];
        ingress?: { from?: PeerSelector[]; ports?: PolicyPort[] }[];
        egress?: { to?: PeerSelector[]; ports?: PolicyPort[] }[];
    };
}
type PeerSelector = { namespaceSelector: { matchLabels: Labels }; podSelector: { matchLabels?: Labels } };

const tcp = (...ports: number[]): PolicyPort[] => ports.map((port) => ({ port, protocol: "TCP" }));
const instance = (name: string, release: string): Labels => ({
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/instance": release,
});

/**
 * The pods the paths start or end at, by the labels their charts give them: grafana chart 12.11.1 (selectorLabels),
 * oncall chart 1.16.5 (`oncall.engine.selectorLabels`, celery and telegram-polling likewise; the migrate job carries the
 * engine's), operator v0.74.0 `SelectorLabels()` of VMAgent, VMAlertmanager, VMSingle and `ClusterSelectorLabels` of
 * VMCluster's vmselect, victoria-metrics-operator 0.67.2 (selectorLabels), the lab's own Mailpit.
 */
export const labPods = {
    grafana: { name: "grafana", namespace: namespaces.grafana, labels: instance("grafana", releaseNames.grafana) },
    oncall: { name: "oncall", namespace: namespaces.oncall, labels: instance("oncall", releaseNames.oncall) },
    oncallEngine: {
        name: "engine",
        namespace: namespaces.oncall,
        labels: { ...instance("oncall", releaseNames.oncall), "app.kubernetes.io/component": "engine" },
    },
    mailpit: { name: "mailpit", namespace: namespaces.mail, labels: { "app.kubernetes.io/name": "mailpit" } },
    monitoring: { name: "monitoring", namespace: namespaces.monitoring, labels: {} },
    vmagent: { name: "vmagent", namespace: namespaces.monitoring, labels: instance("vmagent", releaseNames.vmStack) },
    alertmanager: {
        name: "alertmanager",
        namespace: namespaces.monitoring,
        labels: instance("vmalertmanager", releaseNames.vmStack),
    },
    vmsingle: {
        name: "vmsingle",
        namespace: namespaces.monitoring,
        labels: instance("vmsingle", releaseNames.vmStack),
    },
    vmselect: {
        name: "vmselect",
        namespace: namespaces.monitoring,
        labels: instance("vmselect", releaseNames.vmStack),
    },
    operator: {
        name: "operator",
        namespace: namespaces.monitoring,
        labels: instance("victoria-metrics-operator", releaseNames.vmStack),
    },
    // npm run drill's scrape target (src/tools/drills/faults.ts), in a namespace of its own that the lab does not police.
    drills: { name: "drills", namespace: DRILLS_NAMESPACE, labels: {} },
} as const satisfies Record<string, Pods>;

/**
 * Container ports the paths use: Grafana's `grafana` port (chart 12.11.1 values.yaml service.targetPort), the ports
 * victoria-metrics-k8s-stack 0.91.2 gives vmsingle and Alertmanager (spec.port) and the operator's defaults for vmselect
 * (v0.74.0 internal/config/config.go), the operator's webhook (chart 0.67.2 `service.webhookPort`).
 */
export const labPorts = {
    grafana: 3000,
    vmsingle: 8428,
    vmselect: 8481,
    alertmanager: 9093,
    operatorWebhook: 9443,
} as const;

/** The API server (443 behind its Service, 6443 on Kind and kubeadm nodes) and HTTPS on the internet. */
const API_AND_HTTPS = tcp(443, 6443);
/** What vmagent scrapes outside the lab: kubelet and cAdvisor, node-exporter (host network), CoreDNS, the API server. */
const CLUSTER_SCRAPES = tcp(10250, 9100, 9153, 443, 6443);

export interface NetworkPolicyInput {
    /** The lab runs Mailpit in the mail namespace (Kind without smtpHost). */
    mailbox: boolean;
    /** VictoriaMetrics in cluster mode (existing target): Grafana reads vmselect instead of vmsingle. */
    vmCluster: boolean;
    /** A real SMTP server's port (smtpHost), reached outside the lab. */
    smtpPort?: number;
    /** An external Postgres's port (existing target). */
    externalPostgresPort?: number;
    /** The engine calls Grafana's public URL through the team's Ingress (existing target); tls: https, else http. */
    grafanaThroughIngress?: { tls: boolean };
}

/** Every path the lab uses across namespaces or to the outside; traffic inside a namespace is allowed as a whole. */
export function labFlows(input: NetworkPolicyInput): Flow[] {
    const p = labPods;
    const flows: Flow[] = [
        // People (Kind's NodePort, the team's ingress controller) and the OnCall engine's calls.
        { from: "outside", to: p.grafana, ports: tcp(labPorts.grafana) },
        // People and the program (NodePort or Ingress); Grafana's plugin, Alertmanager and vmagent come in the same way.
        { from: "outside", to: p.oncallEngine, ports: tcp(ONCALL_ENGINE_PORT) },
        { from: p.grafana, to: p.oncallEngine, ports: tcp(ONCALL_ENGINE_PORT) },
        input.vmCluster
            ? { from: p.grafana, to: p.vmselect, ports: tcp(labPorts.vmselect) }
            : { from: p.grafana, to: p.vmsingle, ports: tcp(labPorts.vmsingle) },
        // The plugin's download from grafana.com and the sidecars' watch of ConfigMaps through the API server.
        { from: p.grafana, to: "outside", ports: API_AND_HTTPS },
        // The paging webhook and the Watchdog's heartbeat; vmagent's scrape of OnCall's /metrics/.
        { from: p.alertmanager, to: p.oncallEngine, ports: tcp(ONCALL_ENGINE_PORT) },
        { from: p.vmagent, to: p.oncallEngine, ports: tcp(ONCALL_ENGINE_PORT) },
        { from: p.vmagent, to: "outside", ports: CLUSTER_SCRAPES },
        // The target-down drill's target, which must answer until the drill stops it.
        { from: p.vmagent, to: p.drills, ports: tcp(DRILL_TARGET_PORT) },
        // The operator, kube-state-metrics, vmagent's discovery and the sync job read the API server; the sync job
        // downloads the pinned rules and dashboards from GitHub.
        { from: p.monitoring, to: "outside", ports: API_AND_HTTPS },
        // The API server calls the operator's validating webhook.
        { from: "outside", to: p.operator, ports: tcp(labPorts.operatorWebhook) },
        // Telegram's API (bot token set) over HTTPS.
        { from: p.oncall, to: "outside", ports: tcp(443) },
    ];
    flows.push(
        input.grafanaThroughIngress
            ? { from: p.oncall, to: "outside", ports: tcp(input.grafanaThroughIngress.tls ? 443 : 80) }
            : // Kind: CoreDNS rewrites Grafana's public name to its Service, whose port leads to the pod's.
              { from: p.oncall, to: p.grafana, ports: tcp(labPorts.grafana) },
    );
    if (input.mailbox) {
        flows.push({ from: p.oncall, to: p.mailpit, ports: tcp(mailpitPorts.smtp) });
        flows.push({ from: "outside", to: p.mailpit, ports: tcp(mailpitPorts.http) });
    }
    if (input.smtpPort !== undefined) flows.push({ from: p.oncall, to: "outside", ports: tcp(input.smtpPort) });
    if (input.externalPostgresPort !== undefined) {
        flows.push({ from: p.oncall, to: "outside", ports: tcp(input.externalPostgresPort) });
    }
    return flows;
}

const selector = (labels: Labels) => (Object.keys(labels).length > 0 ? { matchLabels: { ...labels } } : {});
/** Kubernetes labels every namespace with its name (`kubernetes.io/metadata.name`, 1.22+). */
const peer = (pods: Pods): PeerSelector => ({
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": pods.namespace } },
    podSelector: selector(pods.labels),
});

/**
 * Per namespace: deny all, then allow traffic between its own pods and DNS lookups; then, for each group of pods, one
 * policy with the ingress rules of the flows that end there (`<pods>-ingress`) and one with the egress rules of the
 * flows that start there (`<pods>-egress`).
 */
export function labNetworkPolicies(labNamespaces: string[], input: NetworkPolicyInput): LabNetworkPolicy[] {
    const policies: LabNetworkPolicy[] = labNamespaces.flatMap((namespace) => [
        { namespace, name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
        {
            namespace,
            name: "same-namespace-and-dns",
            spec: {
                podSelector: {},
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ from: [peer({ name: "all", namespace, labels: {} })] }],
                // Cluster DNS, wherever it runs (kube-system's CoreDNS, a node-local cache).
                egress: [
                    { to: [peer({ name: "all", namespace, labels: {} })] },
                    {
                        ports: [
                            { port: 53, protocol: "UDP" },
                            { port: 53, protocol: "TCP" },
                        ],
                    },
                ],
            },
        },
    ]);
    const inLab = (p: Peer): p is Pods => p !== "outside" && labNamespaces.includes(p.namespace);
    const grouped = new Map<string, LabNetworkPolicy>();
    const side = (pods: Pods, type: "Ingress" | "Egress") => {
        const name = `${pods.name}-${type.toLowerCase()}`;
        const key = `${pods.namespace}/${name}`;
        if (!grouped.has(key))
            grouped.set(key, {
                namespace: pods.namespace,
                name,
                spec: { podSelector: selector(pods.labels), policyTypes: [type] },
            });
        return grouped.get(key)!.spec;
    };
    for (const { from, to, ports } of labFlows(input)) {
        if (inLab(to))
            (side(to, "Ingress").ingress ??= []).push(from === "outside" ? { ports } : { from: [peer(from)], ports });
        if (inLab(from))
            (side(from, "Egress").egress ??= []).push(to === "outside" ? { ports } : { to: [peer(to)], ports });
    }
    return [...policies, ...grouped.values()];
}
