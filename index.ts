// oncall-lab: one `pulumi up` builds a Kind cluster with VictoriaMetrics, Grafana and Grafana OnCall,
// wired so that an alert from vmalert reaches the person on call.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterDns } from "./components/ClusterDns";
import { Grafana } from "./components/Grafana";
import { KindCluster } from "./components/KindCluster";
import { Mailpit } from "./components/Mailpit";
import { OnCall } from "./components/OnCall";
import { OnCallHeartbeat } from "./components/OnCallHeartbeat";
import { OnCallTeam } from "./components/OnCallTeam";
import { OnCallWiring } from "./components/OnCallWiring";
import { TeamUsers } from "./components/TeamUsers";
import { VictoriaMetricsStack } from "./components/VictoriaMetricsStack";
import { CONFIG_NAMESPACE, RawConfig, SECRET_KEYS, SecretKey, validateConfig } from "./src/config/config";
import { inClusterWebhookUrl } from "./src/oncall/wiring/webhook";
import { loadTeamFile } from "./src/team/team";
import {
    grafanaPublicHost, grafanaServiceHost, labUrls, MAILPIT_NAME, MAILPIT_SMTP_SERVICE, mailpitPorts, namespaces, nodePorts,
} from "./src/shared/topology";
import { localMailboxSmtp } from "./src/mail/smtp";
import { DASHBOARD_UID } from "./src/monitoring/dashboard";
import { ONCALL_EXPORTER_SECRET } from "./src/oncall/values";
import { withoutTrailingSlash } from "./src/shared/urls";

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

// The team file is checked as strictly as the config, before anything is declared.
const team = loadTeamFile();

const kind = new KindCluster("kind", {
    clusterName: lab.clusterName,
    nodeImage: lab.kindNodeImage,
    // The mailbox port is mapped even when a real SMTP server is used: changing the mappings replaces the cluster.
    portMappings: [
        { containerPort: nodePorts.grafana, hostPort: lab.grafanaHostPort },
        { containerPort: nodePorts.oncall, hostPort: lab.oncallHostPort },
        { containerPort: nodePorts.mail, hostPort: lab.mailHostPort },
    ],
});

// Until the cluster exists the kubeconfig is unknown, and preview shows the Kubernetes resources without contacting anything.
const kubernetes = new k8s.Provider("kubernetes", {
    kubeconfig: kind.kubeconfig,
    // A cluster recreated under the same name is another cluster: replacing the provider replaces everything in it.
    clusterIdentifier: kind.clusterId,
    // Refresh and destroy drop what lived in a cluster that is gone instead of failing on it.
    deleteUnreachable: true,
});

// Everything inside the cluster goes away with it: `pulumi destroy` must not try to reach a deleted cluster, and
// a replaced cluster takes along what lived in it (deleted first, while it still answers).
const inCluster = { providers: [kubernetes], deletedWith: kind.cluster };
// Grafana's users and OnCall's objects live in the releases' databases. When the cluster is replaced (delete before
// create) the engine deletes them first, in no set order, while the old lab runs; their API deletes would trip over
// each other (an escalation chain takes its steps along). deletedWith their release, which is deleted in the same run,
// makes the engine skip those deletes, there and in destroy; replaceWith creates them again in the new cluster.
const inRelease = (release: pulumi.Resource) => ({ deletedWith: release, replaceWith: [kind.cluster] });
const urls = labUrls(lab.clusterName, lab);
const { grafanaPublicUrl, grafanaLocalApiUrl, oncallPublicUrl, oncallInClusterUrl } = urls;

// Pods resolve Grafana's public name to its Service, so that the engine calls Grafana on the URL its links carry.
const clusterDns = new ClusterDns("cluster-dns", {
    rewrites: [{ from: grafanaPublicHost(lab.clusterName), to: grafanaServiceHost }],
}, inCluster);

// OnCall's e-mail goes to the lab's own mailbox unless a real SMTP server is configured.
const mailbox = lab.smtp ? undefined : new Mailpit("mailpit", {
    namespace: namespaces.mail,
    serviceName: MAILPIT_NAME,
    smtpServiceName: MAILPIT_SMTP_SERVICE,
    image: lab.mailpitImage,
    smtpPort: mailpitPorts.smtp,
    httpPort: mailpitPorts.http,
    nodePort: nodePorts.mail,
    publicUrl: urls.mailPublicUrl,
}, inCluster);

const grafana = new Grafana("grafana", {
    namespace: namespaces.grafana,
    chartVersion: lab.chartVersions.grafana,
    imageTag: lab.grafanaImageTag,
    oncallPluginVersion: lab.oncallPluginVersion,
    oncallPluginUrl: lab.oncallPluginUrl,
    nodePort: nodePorts.grafana,
    servicePort: lab.grafanaHostPort,
    publicUrl: grafanaPublicUrl,
    oncallInClusterUrl,
    sidecarNamespaces: [namespaces.monitoring],
}, inCluster);

const oncall = new OnCall("oncall", {
    namespace: namespaces.oncall,
    chartVersion: lab.chartVersions.oncall,
    imageTag: lab.oncallImageTag,
    nodePort: nodePorts.oncall,
    publicHost: new URL(oncallPublicUrl).host,
    grafanaPublicUrl,
    telegramBotToken,
    smtp: lab.smtp ?? localMailboxSmtp,
    smtpPassword: lab.smtp ? smtpPassword : undefined,
}, inCluster);

// The people of the team file, as Grafana users (OnCall learns its users from Grafana).
const teamUsers = new TeamUsers("team-users", {
    people: team.people,
    grafanaUrl: grafanaLocalApiUrl,
    grafanaUser: grafana.adminUser,
    grafanaPassword: grafana.adminPassword,
}, { dependsOn: [grafana], ...inRelease(grafana.release) });

// Runs on this machine against the published ports once Grafana and OnCall are up.
const wiring = new OnCallWiring("oncall-wiring", {
    grafanaLocalApiUrl,
    grafanaUser: grafana.adminUser,
    grafanaPassword: grafana.adminPassword,
    oncallInClusterUrl,
    // The plugin's jsonData.grafanaUrl: the public URL, which the engine reaches through the CoreDNS rewrite.
    grafanaPublicUrl,
    oncallPublicUrl,
    clusterId: kind.clusterId,
    userLogins: teamUsers.logins,
    readyTimeoutSeconds: 600,
    // The engine calls Grafana on the public URL as soon as the plugin is connected: the rewrite must be in place.
}, { dependsOn: [grafana, oncall, ...teamUsers.users, clusterDns], deletedWith: kind.cluster });

// Who is on call, how they are told, and the integration Alertmanager sends to.
const onCallTeam = new OnCallTeam("oncall-team", {
    team,
    telegramEnabled: lab.telegramEnabled,
    oncallUrl: oncallPublicUrl,
    oncallApiToken: wiring.apiToken,
    userIds: wiring.userIds,
    integrationName: "VictoriaMetrics Alertmanager",
}, inRelease(oncall.release));

// A dead alerting pipeline pages too: OnCall alerts when the Watchdog's pings stop for this long.
new OnCallHeartbeat("oncall-heartbeat", {
    grafanaLocalApiUrl,
    grafanaUser: grafana.adminUser,
    grafanaPassword: grafana.adminPassword,
    integrationId: onCallTeam.integrationId,
    timeoutSeconds: lab.alerting.heartbeatTimeoutSeconds,
    clusterId: kind.clusterId,
}, { deletedWith: oncall.release });

new VictoriaMetricsStack("victoria-metrics", {
    namespace: namespaces.monitoring,
    chartVersion: lab.chartVersions.vmStack,
    alerting: lab.alerting,
    // OnCall builds the link on its host-reachable URL; Alertmanager reaches the engine inside the cluster.
    alertmanagerWebhookUrl: pulumi.secret(onCallTeam.integrationLink.apply(link => inClusterWebhookUrl(link, oncallInClusterUrl))),
    oncallMetrics: {
        namespace: namespaces.oncall,
        engineHost: new URL(oncallInClusterUrl).host,
        tokenSecretName: oncall.exporterSecretName,
        tokenSecretKey: ONCALL_EXPORTER_SECRET.key,
    },
    mailPublicUrl: mailbox ? urls.mailPublicUrl : undefined,
}, inCluster);

// The one Grafana URL (it opens in a browser; laptop code reaches the same port on 127.0.0.1).
export const grafanaUrl = grafana.publicUrl;
// Follows Grafana's public URL, whatever builds it.
export const dashboardUrl = pulumi.interpolate`${grafana.publicUrl.apply(withoutTrailingSlash)}/d/${DASHBOARD_UID}`;
export const grafanaAdminUser = grafana.adminUser;
export const grafanaAdminPassword = grafana.adminPassword;
export const oncallUrl = oncall.publicUrl;
export const mailUrl = mailbox?.publicUrl;
export const integrationUrl = onCallTeam.integrationLink;
export const oncallApiToken = wiring.apiToken;
export const oncallTeamEmails = team.people.map(person => person.email);
export const teamPasswords = teamUsers.passwords;
export const alertSeverity = lab.alerting.severity;
export const kubeconfig = kind.kubeconfig;
export const kubectlContext = kind.contextName;
