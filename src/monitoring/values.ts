// Helm values of the victoria-metrics-k8s-stack chart.
import { loadValuesFile, mergeValues, Values } from "../shared/values";
import { releaseNames } from "../shared/topology";

export interface VmStackValuesInput {
    scrapeInterval: string;
    evaluationInterval: string;
    /** Secret holding alertmanager.yaml; created by the lab once the OnCall integration URL is known. */
    alertmanagerConfigSecret: string;
}

export function vmStackValues(input: VmStackValuesInput): Values {
    return mergeValues(loadValuesFile("victoria-metrics-k8s-stack.yaml"), {
        fullnameOverride: releaseNames.vmStack,
        vmagent: { spec: { scrapeInterval: input.scrapeInterval } },
        vmalert: { spec: { evaluationInterval: input.evaluationInterval } },
        // A named secret replaces the chart's `alertmanager.config`, so the release need not wait for OnCall.
        alertmanager: { spec: { configSecret: input.alertmanagerConfigSecret } },
    });
}
