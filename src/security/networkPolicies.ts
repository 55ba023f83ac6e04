// The lab's NetworkPolicies: every lab namespace denies all traffic but what the lab's own paths need. Pure, so the
// allow-lists are unit-tested (test/network-policies.test.ts checks them against the pods the pinned charts render).
import { mailpitPorts, namespaces, ONCALL_ENGINE_PORT, releaseNames } from "../shared/topology";

export type Labels = Record<string, string>;
/** Pods of one namespace, chosen by labels ({}: every pod there). */
export interface Pods { namespace: string; labels: Labels }
/** "outside": any source or destination (people through a NodePort or an Ingress, the API server, the internet). */
export type Peer = Pods | "outside";
export interface PolicyPort { port: number; protocol: "TCP" | "UDP" }

/** One path the lab uses: an ingress rule where it ends and an egress rule where it starts, in lab namespaces. */
export interface Flow { name: string; from: Peer; to: Peer; ports: PolicyPort[] }

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

const tcp = (...ports: number[]): PolicyPort[] => ports.map(port => ({ port, protocol: "TCP" }));
const instance = (name: string, release: string): Labels => ({ "app.kubernetes.io/name": name, "app.kubernetes.io/instance": release });

/**
 * The pods the paths start or end at, by the labels their charts give them: grafana chart 12.11.1 (selectorLabels),
 * oncall chart 1.16.5 (`oncall.engine.selectorLabels`, celery and telegram-polling likewise; the migrate job carries the
 * engine's), operator v0.74.0 `SelectorLabels()` of VMAgent, VMAlertmanager, VMSingle and `ClusterSelectorLabels` of
 * VMCluster's vmselect, victoria-metrics-operator 0.67.2 (selectorLabels), the lab's own Mailpit.
 */
export const labPods = {
    grafana: { namespace: namespaces.grafana, labels: instance("grafana", releaseNames.grafana) },
    oncall: { namespace: namespaces.oncall, labels: instance("oncall", releaseNames.oncall) },
    oncallEngine: { namespace: namespaces.oncall, labels: { ...instance("oncall", releaseNames.oncall), "app.kubernetes.io/component": "engine" } },
    mailpit: { namespace: namespaces.mail, labels: { "app.kubernetes.io/name": "mailpit" } },
    monitoring: { namespace: namespaces.monitoring, labels: {} },
    vmagent: { namespace: namespaces.monitoring, labels: instance("vmagent", releaseNames.vmStack) },
    alertmanager: { namespace: namespaces.monitoring, labels: instance("vmalertmanager", releaseNames.vmStack) },
    vmsingle: { namespace: namespaces.monitoring, labels: instance("vmsingle", releaseNames.vmStack) },
    vmselect: { namespace: namespaces.monitoring, labels: instance("vmselect", releaseNames.vmStack) },
    operator: { namespace: namespaces.monitoring, labels: instance("victoria-metrics-operator", releaseNames.vmStack) },
} as const satisfies Record<string, Pods>;

/**
 * Container ports the paths use: Grafana's `grafana` port (chart 12.11.1 values.yaml service.targetPort), the ports
 * victoria-metrics-k8s-stack 0.91.2 gives vmsingle and Alertmanager (spec.port) and the operator's defaults for vmselect
 * (v0.74.0 internal/config/config.go), the operator's webhook (chart 0.67.2 `service.webhookPort`).
 */
export const labPorts = { grafana: 3000, vmsingle: 8428, vmselect: 8481, alertmanager: 9093, operatorWebhook: 9443 } as const;

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
        { name: "grafana-from-outside", from: "outside", to: p.grafana, ports: tcp(labPorts.grafana) },
        // People and the program (NodePort or Ingress); Grafana's plugin, Alertmanager and vmagent come in the same way.
        { name: "engine-from-outside", from: "outside", to: p.oncallEngine, ports: tcp(ONCALL_ENGINE_PORT) },
        { name: "grafana-to-engine", from: p.grafana, to: p.oncallEngine, ports: tcp(ONCALL_ENGINE_PORT) },
        input.vmCluster
            ? { name: "grafana-to-vmselect", from: p.grafana, to: p.vmselect, ports: tcp(labPorts.vmselect) }
            : { name: "grafana-to-vmsingle", from: p.grafana, to: p.vmsingle, ports: tcp(labPorts.vmsingle) },
        // The plugin's download from grafana.com and the sidecars' watch of ConfigMaps through the API server.
        { name: "grafana-to-api-and-https", from: p.grafana, to: "outside", ports: API_AND_HTTPS },
        // The paging webhook and the Watchdog's heartbeat; vmagent's scrape of OnCall's /metrics/.
        { name: "alertmanager-to-engine", from: p.alertmanager, to: p.oncallEngine, ports: tcp(ONCALL_ENGINE_PORT) },
        { name: "vmagent-to-engine", from: p.vmagent, to: p.oncallEngine, ports: tcp(ONCALL_ENGINE_PORT) },
        { name: "vmagent-cluster-scrapes", from: p.vmagent, to: "outside", ports: CLUSTER_SCRAPES },
        // The operator, kube-state-metrics, vmagent's discovery and the sync job read the API server; the sync job
        // downloads the pinned rules and dashboards from GitHub.
        { name: "monitoring-to-api-and-https", from: p.monitoring, to: "outside", ports: API_AND_HTTPS },
        // The API server calls the operator's validating webhook.
        { name: "operator-webhook-from-api", from: "outside", to: p.operator, ports: tcp(labPorts.operatorWebhook) },
        // Telegram's API (bot token set) over HTTPS.
        { name: "oncall-to-https", from: p.oncall, to: "outside", ports: tcp(443) },
    ];
    flows.push(input.grafanaThroughIngress
        ? { name: "oncall-to-grafana-ingress", from: p.oncall, to: "outside", ports: tcp(input.grafanaThroughIngress.tls ? 443 : 80) }
        // Kind: CoreDNS rewrites Grafana's public name to its Service, whose port leads to the pod's.
        : { name: "oncall-to-grafana", from: p.oncall, to: p.grafana, ports: tcp(labPorts.grafana) });
    if (input.mailbox) {
        flows.push({ name: "oncall-to-mailpit", from: p.oncall, to: p.mailpit, ports: tcp(mailpitPorts.smtp) });
        flows.push({ name: "mailpit-web-from-outside", from: "outside", to: p.mailpit, ports: tcp(mailpitPorts.http) });
    }
    if (input.smtpPort !== undefined) flows.push({ name: "oncall-to-smtp", from: p.oncall, to: "outside", ports: tcp(input.smtpPort) });
    if (input.externalPostgresPort !== undefined) {
        flows.push({ name: "oncall-to-postgres", from: p.oncall, to: "outside", ports: tcp(input.externalPostgresPort) });
    }
    return flows;
}

const selector = (labels: Labels) => (Object.keys(labels).length > 0 ? { matchLabels: { ...labels } } : {});
/** Kubernetes labels every namespace with its name (`kubernetes.io/metadata.name`, 1.22+). */
const peer = (pods: Pods): PeerSelector => ({
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": pods.namespace } },
    podSelector: selector(pods.labels),
});

/** Per namespace: deny all, allow traffic between its own pods and DNS lookups; then one policy per side of each flow. */
export function labNetworkPolicies(labNamespaces: string[], input: NetworkPolicyInput): LabNetworkPolicy[] {
    const policies: LabNetworkPolicy[] = labNamespaces.flatMap(namespace => [
        { namespace, name: "default-deny", spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
        {
            namespace,
            name: "same-namespace",
            spec: {
                podSelector: {},
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ from: [peer({ namespace, labels: {} })] }],
                egress: [{ to: [peer({ namespace, labels: {} })] }],
            },
        },
        // Cluster DNS, wherever it runs (kube-system's CoreDNS, a node-local cache).
        { namespace, name: "dns", spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] }] } },
    ]);
    const inLab = (p: Peer): p is Pods => p !== "outside" && labNamespaces.includes(p.namespace);
    for (const flow of labFlows(input)) {
        const { from, to, ports } = flow;
        if (inLab(to)) {
            policies.push({
                namespace: to.namespace,
                name: flow.name,
                spec: { podSelector: selector(to.labels), policyTypes: ["Ingress"], ingress: [from === "outside" ? { ports } : { from: [peer(from)], ports }] },
            });
        }
        if (inLab(from)) {
            policies.push({
                namespace: from.namespace,
                name: flow.name,
                spec: { podSelector: selector(from.labels), policyTypes: ["Egress"], egress: [to === "outside" ? { ports } : { to: [peer(to)], ports }] },
            });
        }
    }
    return policies;
}
