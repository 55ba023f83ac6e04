// The grafana-oncall-app plugin's jsonData (grafana/oncall v1.16.9 grafana-plugin/pkg/plugin/settings.go: keys
// onCallApiUrl, stackId, orgId, grafanaUrl). Grafana's provisioning file (src/grafana/values.ts) and the wiring
// provider (src/oncall/wiring/plugin.ts, which Pulumi serializes with this module) write the same.
import { SELF_HOSTED_IDS } from "./vocabulary";

export type OnCallPluginJsonData = typeof SELF_HOSTED_IDS & { onCallApiUrl: string; grafanaUrl: string };

/** jsonData for a self-hosted OnCall: the engine only accepts its own stack and org ids. */
export function pluginJsonData(urls: { oncallInClusterUrl: string; grafanaPublicUrl: string }): OnCallPluginJsonData {
    return { ...SELF_HOSTED_IDS, onCallApiUrl: urls.oncallInClusterUrl, grafanaUrl: urls.grafanaPublicUrl };
}
