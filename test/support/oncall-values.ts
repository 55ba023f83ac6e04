// The input of oncallValues (src/oncall/values.ts) on the kind target, as the OnCall component builds it.
import type { OnCallValuesInput } from "../../src/oncall/values";
import { nodePorts } from "../../src/shared/topology";

export const oncallValuesInput: OnCallValuesInput = {
    publicHost: "127.0.0.1:8080",
    grafanaPublicUrl: "http://grafana.oncall-lab.localhost:3000",
    nodePort: nodePorts.oncall,
    appSecretName: "oncall-app-secret",
    credentialsSecretName: "oncall-credentials",
    telegram: false,
    mirageCipherIv: "0123456789abcdef",
    imageTag: "v1.16.9",
};
