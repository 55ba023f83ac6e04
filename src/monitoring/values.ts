// Helm values of the victoria-metrics-k8s-stack chart.
import { loadValuesFile, mergeValues, Values } from "../shared/values";
import { releaseNames } from "../shared/topology";

export interface VmStackValuesInput {
    scrapeInterval: string;
    evaluationInterval: string;
    /** Secret holding alertmanager.yaml; created by the lab once the OnCall integration URL is known. */
    alertmanagerConfigSecret: string;
}

/**
 * Alertmanager v0.32.1 (the stack's) labels its notification metrics with `receiver_name` only with this feature
 * (notify/notify.go NewMetrics, featurecontrol/featurecontrol.go); the dashboard tells the paging receiver from the
 * heartbeat by it.
 */
export const ALERTMANAGER_FEATURES = "receiver-name-in-metrics";

export function vmStackValues(input: VmStackValuesInput): Values {
    return mergeValues(loadValuesFile("victoria-metrics-k8s-stack.yaml"), {
        fullnameOverride: releaseNames.vmStack,
        vmagent: { spec: { scrapeInterval: input.scrapeInterval } },
        vmalert: { spec: { evaluationInterval: input.evaluationInterval } },
        // A named secret replaces the chart's `alertmanager.config`, so the release need not wait for OnCall.
        // The operator passes extraArgs on as `--name=value` (v0.74.0 vmalertmanager/statefulset.go).
        alertmanager: { spec: { configSecret: input.alertmanagerConfigSecret, extraArgs: { "enable-feature": ALERTMANAGER_FEATURES } } },
    });
}
