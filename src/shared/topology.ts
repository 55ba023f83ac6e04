// Where each service lives in the cluster and on the host. Grafana and OnCall must know each
// other's URLs before either exists, so the names are fixed here rather than read from resources.

export const namespaces = {
    monitoring: "monitoring",
    grafana: "grafana",
    oncall: "oncall",
    mail: "mail",
} as const;

/** Helm release names, also used as the charts' fullnameOverride so service names are predictable. */
export const releaseNames = {
    vmStack: "vmks",
    grafana: "grafana",
    // Contains "oncall", so the chart's fullname is the release name and the engine is `oncall-engine`.
    oncall: "oncall",
} as const;

/** NodePorts that Kind maps to host ports on 127.0.0.1 (the 30000-32767 NodePort range). */
export const nodePorts = {
    grafana: 30300,
    oncall: 30808,
    mail: 30825,
} as const;

export const ONCALL_ENGINE_PORT = 8080;

/** Mailpit's ports: plain SMTP for OnCall, and the web UI and API for people and `npm run smoke`. */
export const mailpitPorts = { smtp: 1025, http: 8025 } as const;
export const MAILPIT_NAME = "mailpit";

const svc = (name: string, namespace: string) => `${name}.${namespace}.svc.cluster.local`;

/** URLs as seen from inside the cluster. */
export const inClusterUrls = {
    grafana: `http://${svc(releaseNames.grafana, namespaces.grafana)}`,
    oncallEngine: `http://${svc(`${releaseNames.oncall}-engine`, namespaces.oncall)}:${ONCALL_ENGINE_PORT}`,
} as const;

/** Mailpit's SMTP server as OnCall reaches it. */
export const mailpitSmtpHost = svc(MAILPIT_NAME, namespaces.mail);

/** URL of a service published through a Kind port mapping. */
export function hostUrl(hostPort: number): string {
    return `http://127.0.0.1:${hostPort}`;
}
