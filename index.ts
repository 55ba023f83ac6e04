// oncall-lab: one `pulumi up` builds a Kind cluster with VictoriaMetrics, Grafana and Grafana OnCall,
// wired so that an alert from vmalert reaches the person on call.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Grafana } from "./components/Grafana";
import { KindCluster } from "./components/KindCluster";
import { OnCall } from "./components/OnCall";
import { OnCallWiring } from "./components/OnCallWiring";
import { VictoriaMetricsStack } from "./components/VictoriaMetricsStack";
import { CONFIG_NAMESPACE, RawConfig, SECRET_KEYS, SecretKey, validateConfig } from "./src/config";
import { hostUrl, inClusterUrls, namespaces, nodePorts } from "./src/topology";

const config = new pulumi.Config(CONFIG_NAMESPACE);
const isSecretKey = (name: string): name is SecretKey => (SECRET_KEYS as readonly string[]).includes(name);

// Every key set under the lab's namespace, so that a misspelt key fails instead of being ignored.
const configuredKeys = Object.keys(pulumi.runtime.allConfig())
    .filter(fullKey => fullKey.startsWith(`${CONFIG_NAMESPACE}:`))
    .map(fullKey => fullKey.slice(CONFIG_NAMESPACE.length + 1));
const raw: RawConfig = Object.fromEntries(configuredKeys.filter(name => !isSecretKey(name)).map(name => [name, config.get(name)]));
const telegramBotToken = config.getSecret("telegramBotToken");
const smtpPassword = config.getSecret("smtpPassword");
const presentSecrets = new Set(configuredKeys.filter(isSecretKey));

// Throws (and so stops the program before any resource exists) with every bad key named.
const lab = validateConfig(raw, presentSecrets);

const kind = new KindCluster("kind", {
    clusterName: lab.clusterName,
    nodeImage: lab.kindNodeImage,
    portMappings: [
        { containerPort: nodePorts.grafana, hostPort: lab.grafanaHostPort },
        { containerPort: nodePorts.oncall, hostPort: lab.oncallHostPort },
    ],
});

// Until the cluster exists the kubeconfig is unknown, and preview shows the Kubernetes resources without contacting anything.
const kubernetes = new k8s.Provider("kubernetes", {
    kubeconfig: kind.kubeconfig,
    deleteUnreachable: true,
});

// Everything inside the cluster goes away with it: `pulumi destroy` must not try to reach a deleted cluster.
const inCluster = { providers: [kubernetes], deletedWith: kind.cluster };
const grafanaPublicUrl = hostUrl(lab.grafanaHostPort);
const oncallPublicUrl = hostUrl(lab.oncallHostPort);

const grafana = new Grafana("grafana", {
    namespace: namespaces.grafana,
    chartVersion: lab.chartVersions.grafana,
    imageTag: lab.grafanaImageTag,
    oncallPluginVersion: lab.oncallPluginVersion,
    nodePort: nodePorts.grafana,
    publicUrl: grafanaPublicUrl,
    inClusterUrl: inClusterUrls.grafana,
    oncallApiUrl: inClusterUrls.oncallEngine,
    sidecarNamespaces: [namespaces.monitoring],
}, inCluster);

const oncall = new OnCall("oncall", {
    namespace: namespaces.oncall,
    chartVersion: lab.chartVersions.oncall,
    imageTag: lab.oncallImageTag,
    nodePort: nodePorts.oncall,
    baseUrl: new URL(oncallPublicUrl).host,
    grafanaUrl: inClusterUrls.grafana,
    telegramBotToken,
    smtp: lab.smtp,
    smtpPassword,
}, inCluster);

// Runs on this machine against the published ports once Grafana and OnCall are up.
const wiring = new OnCallWiring("oncall-wiring", {
    grafanaUrl: grafanaPublicUrl,
    grafanaUser: grafana.adminUser,
    grafanaPassword: grafana.adminPassword,
    onCallApiUrl: inClusterUrls.oncallEngine,
    grafanaInClusterUrl: inClusterUrls.grafana,
    oncallUrl: oncallPublicUrl,
    inClusterEngineUrl: inClusterUrls.oncallEngine,
    integrationName: "VictoriaMetrics Alertmanager",
    readyTimeoutSeconds: 600,
}, { dependsOn: [grafana, oncall], deletedWith: kind.cluster });

new VictoriaMetricsStack("victoria-metrics", {
    namespace: namespaces.monitoring,
    chartVersion: lab.chartVersions.vmStack,
    alerting: lab.alerting,
    alertmanagerWebhookUrl: wiring.alertmanagerWebhookUrl,
}, inCluster);

export const grafanaUrl = grafana.url;
export const grafanaAdminUser = grafana.adminUser;
export const grafanaAdminPassword = grafana.adminPassword;
export const oncallUrl = oncall.url;
export const integrationUrl = wiring.integrationUrl;
export const kubeconfig = kind.kubeconfig;
export const kubectlContext = kind.contextName;
