// Helm values of the grafana chart, and the OnCall plugin's provisioning file.
import { loadValuesFile, mergeValues, type Values } from "../shared/values";
import { releaseNames } from "../shared/topology";
import { ONCALL_PLUGIN_ID } from "../oncall/vocabulary";
import { pluginJsonData } from "../oncall/pluginJsonData";
import { type IngressSettings, ingressAnnotations, ingressTls, type VolumeSettings } from "../shared/ingress";
import { withoutTrailingSlash } from "../shared/urls";
import { workloadResources } from "../security/workloads";

export interface GrafanaValuesInput {
    imageTag: string;
    adminUser: string;
    adminPassword: string;
    nodePort: number;
    /** The Kind host port: the Service listens on it too, so Grafana's public URL also works inside the cluster. */
    servicePort: number;
    /** Grafana's public URL, so Grafana's own links are the ones people open. */
    rootUrl: string;
    pluginVersion: string;
    /** A plugin zip to install instead of the catalog's copy of pluginVersion (config key oncallPluginUrl). */
    pluginUrl?: string;
    /** ConfigMap holding the `apps:` provisioning file for the OnCall plugin. */
    pluginProvisioningConfigMap: string;
    /** Namespaces whose labelled datasource and dashboard ConfigMaps the sidecars load. */
    sidecarNamespaces: string[];
    /** On the existing target: a ClusterIP Service behind an Ingress, and the team's StorageClass and size. */
    cluster?: { ingress: IngressSettings; volume: VolumeSettings };
}

/** The grafana chart's own Service port (values.yaml service.port), behind the existing target's Ingress. */
export const GRAFANA_CLUSTER_SERVICE_PORT = 80;

export function grafanaValues(input: GrafanaValuesInput): Values {
    const values = mergeValues(loadValuesFile("grafana.yaml"), {
        fullnameOverride: releaseNames.grafana,
        image: { tag: input.imageTag },
        adminUser: input.adminUser,
        adminPassword: input.adminPassword,
        // grafana chart 12.11.1 templates/service.yaml: `port: .Values.service.port`, targetPort the pod's port name.
        // On the existing target, the chart's own port behind the Ingress.
        service: input.cluster
            ? { type: "ClusterIP", port: GRAFANA_CLUSTER_SERVICE_PORT }
            : { port: input.servicePort, nodePort: input.nodePort },
        "grafana.ini": { server: { root_url: input.rootUrl } },
        // Grafana 11's image installs GF_INSTALL_PLUGINS before the server starts ("id version", or "url;id" for a zip);
        // the chart's `plugins:` list becomes GF_PLUGINS_PREINSTALL_SYNC, which only Grafana 12.1+ reads.
        env: { GF_INSTALL_PLUGINS: oncallPluginInstall(input.pluginVersion, input.pluginUrl) },
        sidecar: {
            datasources: { searchNamespace: input.sidecarNamespaces },
            dashboards: { searchNamespace: input.sidecarNamespaces },
            // grafana chart 12.11.1 values.yaml: sidecar.resources (both sidecars), initChownData.resources, resources.
            resources: workloadResources.grafanaSidecar,
        },
        initChownData: { resources: workloadResources.grafanaInit },
        resources: workloadResources.grafana,
        extraConfigmapMounts: [
            {
                name: "oncall-app-provisioning",
                mountPath: "/etc/grafana/provisioning/plugins",
                configMap: input.pluginProvisioningConfigMap,
                readOnly: true,
            },
        ],
    });
    const hardened =
        new URL(input.rootUrl).protocol === "https:" ? mergeValues(values, httpsHardening(input.rootUrl)) : values;
    return input.cluster ? mergeValues(hardened, grafanaClusterValues(input.cluster)) : hardened;
}

/**
 * Grafana's security hardening guide, whenever people reach Grafana over https: session cookies only over TLS
 * ([security] cookie_secure), HSTS (strict_transport_security) and [server] enforce_domain, which redirects a request
 * whose Host is not [server] domain to root_url (pkg/middleware/validate_host.go). So the sidecars' reload calls, a
 * POST to localhost by default (grafana chart 12.11.1 sidecar.*.reloadURL), go to root_url, and the kubelet's probes
 * send Grafana's host: a redirect to another host would count as a success (k8s probe/http).
 */
function httpsHardening(rootUrl: string): Values {
    const domain = new URL(rootUrl).hostname;
    const reloadUrl = (what: string) => `${withoutTrailingSlash(rootUrl)}/api/admin/provisioning/${what}/reload`;
    const probe = { httpGet: { httpHeaders: [{ name: "Host", value: domain }] } };
    return {
        "grafana.ini": {
            server: { domain, enforce_domain: true },
            security: { cookie_secure: true, strict_transport_security: true },
        },
        sidecar: {
            datasources: { reloadURL: reloadUrl("datasources") },
            dashboards: { reloadURL: reloadUrl("dashboards") },
        },
        readinessProbe: probe,
        livenessProbe: probe,
    };
}

/**
 * grafana chart 12.11.1: values.yaml ingress.{enabled,ingressClassName,annotations,hosts,path,pathType,tls} rendered by
 * templates/ingress.yaml (backend: the chart's Service on service.port); persistence.storageClassName (omitted when
 * empty: the cluster's default, templates/pvc.yaml) and persistence.size.
 */
function grafanaClusterValues(cluster: NonNullable<GrafanaValuesInput["cluster"]>): Values {
    const { ingress, volume } = cluster;
    return {
        ingress: {
            enabled: true,
            ...(ingress.className ? { ingressClassName: ingress.className } : {}),
            annotations: ingressAnnotations(ingress),
            hosts: [ingress.host],
            path: "/",
            pathType: "Prefix",
            tls: ingressTls(ingress),
        },
        persistence: { storageClassName: volume.storageClass ?? "", size: volume.size },
    };
}

/**
 * One GF_INSTALL_PLUGINS entry. Grafana 11's packaging/docker/run.sh splits an entry with `;` into a URL and the
 * plugin's folder name for `grafana cli --pluginUrl <url> plugins install <id>`; otherwise it passes "id version".
 */
export function oncallPluginInstall(version: string, url?: string): string {
    if (url === undefined) return `${ONCALL_PLUGIN_ID} ${version}`;
    // run.sh splits the list on "," and each entry on ";": neither may be in the URL.
    if (/[,;\s]/.test(url)) throw new Error(`the plugin URL must not contain ",", ";" or spaces (got "${url}")`);
    return `${url};${ONCALL_PLUGIN_ID}`;
}

export interface OnCallPluginSettings {
    /** The OnCall engine as Grafana's pod reaches it. */
    oncallInClusterUrl: string;
    /** Grafana's public URL: OnCall builds its links from it and calls Grafana on it. */
    grafanaPublicUrl: string;
}

/** Grafana's `apps:` provisioning file for the OnCall plugin; the same jsonData the wiring posts later. */
export function oncallPluginProvisioning(settings: OnCallPluginSettings): Values {
    return {
        apiVersion: 1,
        apps: [
            {
                type: ONCALL_PLUGIN_ID,
                name: ONCALL_PLUGIN_ID,
                disabled: false,
                jsonData: pluginJsonData(settings),
            },
        ],
    };
}
