// Where each service lives in the cluster and on the host. Grafana and OnCall must know each
// other's URLs before either exists, so the names are fixed here rather than read from resources.

export const namespaces = {
    monitoring: "monitoring",
    grafana: "grafana",
    oncall: "oncall",
    mail: "mail",
} as const;

/**
 * The drills' own namespace (npm run drill makes it and deletes it again): the only one a drill touches on a team's
 * cluster, and the lab's monitoring scrapes its target there (VM selectors on existing, vmagent's NetworkPolicy).
 */
export const DRILLS_NAMESPACE = "oncall-lab-drills";
/** The port of the drills' scrape target (busybox httpd serving /metrics). */
export const DRILL_TARGET_PORT = 8080;

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
/** Mailpit's SMTP Service (ClusterIP: OnCall is its only client). */
export const MAILPIT_SMTP_SERVICE = `${MAILPIT_NAME}-smtp`;

const svc = (name: string, namespace: string) => `${name}.${namespace}.svc.cluster.local`;

/** Grafana's Service as pods resolve it: where the CoreDNS rewrite sends Grafana's public name. */
export const grafanaServiceHost = svc(releaseNames.grafana, namespaces.grafana);

/** URLs as seen from inside the cluster. */
export const inClusterUrls = {
    oncallEngine: `http://${svc(`${releaseNames.oncall}-engine`, namespaces.oncall)}:${ONCALL_ENGINE_PORT}`,
} as const;

/** Mailpit's SMTP server as OnCall reaches it. */
export const mailpitSmtpHost = svc(MAILPIT_SMTP_SERVICE, namespaces.mail);

/** URL of a service published through a Kind port mapping, for code on the laptop (any resolver reaches 127.0.0.1). */
export function hostUrl(hostPort: number): string {
    return `http://127.0.0.1:${hostPort}`;
}

/**
 * Grafana's one public name. Browsers map every *.localhost name to loopback, where Kind publishes the host port;
 * inside the cluster, a CoreDNS rewrite (src/kind/coredns.ts) maps it to Grafana's Service. The OS resolver on the
 * laptop may not know *.localhost (macOS getaddrinfo, glibc without nss-myhostname), so laptop code uses hostUrl.
 */
export function grafanaPublicHost(clusterName: string): string {
    return `grafana.${clusterName}.localhost`;
}

export interface LabPorts {
    grafanaHostPort: number;
    oncallHostPort: number;
    mailHostPort: number;
}

/** Every URL the lab hands out, named by who uses it (test/values.test.ts has the table). */
export function labUrls(clusterName: string, ports: LabPorts) {
    return {
        /**
         * Grafana for people and for the OnCall engine alike: root_url, the plugin's grafanaUrl (from which OnCall builds
         * the links in its e-mails and Telegram messages), OnCall's GRAFANA_API_URL. Grafana's Service listens on the
         * host port, so the same URL works inside the cluster.
         */
        grafanaPublicUrl: `http://${grafanaPublicHost(clusterName)}:${ports.grafanaHostPort}`,
        /** Grafana for the program's own API calls from the laptop. */
        grafanaLocalApiUrl: hostUrl(ports.grafanaHostPort),
        /** The OnCall engine for people and the program (base_url and the integration links). */
        oncallPublicUrl: hostUrl(ports.oncallHostPort),
        /** The OnCall engine for Grafana's plugin and Alertmanager. */
        oncallInClusterUrl: inClusterUrls.oncallEngine,
        mailPublicUrl: hostUrl(ports.mailHostPort),
    };
}

/**
 * The existing target's URLs: people, the program on the laptop and OnCall's links all use the Ingresses' hosts (https
 * once TLS is on); only Grafana's plugin and Alertmanager reach the engine inside the cluster.
 */
export function existingClusterUrls(hosts: { grafanaHost: string; oncallHost: string }, tls: boolean): LabUrls {
    const scheme = tls ? "https" : "http";
    const grafanaPublicUrl = `${scheme}://${hosts.grafanaHost}`;
    return {
        grafanaPublicUrl,
        grafanaLocalApiUrl: grafanaPublicUrl,
        oncallPublicUrl: `${scheme}://${hosts.oncallHost}`,
        oncallInClusterUrl: inClusterUrls.oncallEngine,
        mailPublicUrl: undefined,
    };
}

/** The URLs a target hands out (mailPublicUrl only where the lab runs Mailpit). */
export type LabUrls = Omit<ReturnType<typeof labUrls>, "mailPublicUrl"> & { mailPublicUrl?: string };
