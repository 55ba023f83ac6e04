// Helm values of the grafana chart, and the OnCall plugin's provisioning file.
import { loadValuesFile, mergeValues, Values } from "../shared/values";
import { releaseNames } from "../shared/topology";
import { ONCALL_PLUGIN_ID } from "../oncall/vocabulary";
import { pluginJsonData } from "../oncall/wiring/plugin";

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
}

export function grafanaValues(input: GrafanaValuesInput): Values {
    return mergeValues(loadValuesFile("grafana.yaml"), {
        fullnameOverride: releaseNames.grafana,
        image: { tag: input.imageTag },
        adminUser: input.adminUser,
        adminPassword: input.adminPassword,
        // grafana chart 12.11.1 templates/service.yaml: `port: .Values.service.port`, targetPort the pod's port name.
        service: { port: input.servicePort, nodePort: input.nodePort },
        "grafana.ini": { server: { root_url: input.rootUrl } },
        // Grafana 11's image installs GF_INSTALL_PLUGINS before the server starts ("id version", or "url;id" for a zip);
        // the chart's `plugins:` list becomes GF_PLUGINS_PREINSTALL_SYNC, which only Grafana 12.1+ reads.
        env: { GF_INSTALL_PLUGINS: oncallPluginInstall(input.pluginVersion, input.pluginUrl) },
        sidecar: {
            datasources: { searchNamespace: input.sidecarNamespaces },
            dashboards: { searchNamespace: input.sidecarNamespaces },
        },
        extraConfigmapMounts: [{
            name: "oncall-app-provisioning",
            mountPath: "/etc/grafana/provisioning/plugins",
            configMap: input.pluginProvisioningConfigMap,
            readOnly: true,
        }],
    });
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
        apps: [{
            type: ONCALL_PLUGIN_ID,
            name: ONCALL_PLUGIN_ID,
            disabled: false,
            jsonData: pluginJsonData({ onCallApiUrl: settings.oncallInClusterUrl, grafanaInClusterUrl: settings.grafanaPublicUrl }),
        }],
    };
}

