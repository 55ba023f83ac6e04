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
    /** URL people open, so Grafana's own links point at the host port. */
    rootUrl: string;
    pluginVersion: string;
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
        service: { nodePort: input.nodePort },
        "grafana.ini": { server: { root_url: input.rootUrl } },
        // Grafana 11's image installs GF_INSTALL_PLUGINS before the server starts ("id version");
        // the chart's `plugins:` list becomes GF_PLUGINS_PREINSTALL_SYNC, which only Grafana 12.1+ reads.
        env: { GF_INSTALL_PLUGINS: `${ONCALL_PLUGIN_ID} ${input.pluginVersion}` },
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

export interface OnCallPluginSettings {
    onCallApiUrl: string;
    grafanaUrl: string;
}

/** Grafana's `apps:` provisioning file for the OnCall plugin; the same jsonData the wiring posts later. */
export function oncallPluginProvisioning(settings: OnCallPluginSettings): Values {
    return {
        apiVersion: 1,
        apps: [{
            type: ONCALL_PLUGIN_ID,
            name: ONCALL_PLUGIN_ID,
            disabled: false,
            jsonData: pluginJsonData({ onCallApiUrl: settings.onCallApiUrl, grafanaInClusterUrl: settings.grafanaUrl }),
        }],
    };
}

