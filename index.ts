// oncall-lab: one `pulumi up` builds a Kind cluster (or uses a team's own, target=existing) with VictoriaMetrics,
// Grafana and Grafana OnCall, wired so that an alert from vmalert reaches the person on call.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Grafana } from "./components/Grafana";
import { Mailpit } from "./components/Mailpit";
import { OnCall } from "./components/OnCall";
import { OnCallHeartbeat } from "./components/OnCallHeartbeat";
import { OnCallTeam } from "./components/OnCallTeam";
import { ONCALL_WIRING_NAME, OnCallWiring } from "./components/OnCallWiring";
import { TEAM_USERS_NAME, TeamUsers } from "./components/TeamUsers";
import { VictoriaMetricsStack } from "./components/VictoriaMetricsStack";
import { NetworkPolicies } from "./components/NetworkPolicies";
import { labNetworkPolicies } from "./src/security/networkPolicies";
import { CONFIG_NAMESPACE, RawConfig, SECRET_KEYS, SecretKey, validateConfig } from "./src/config/config";
import { inClusterWebhookUrl } from "./src/oncall/wiring/webhook";
import { loadTeamFile } from "./src/team/team";
import { MAILPIT_NAME, MAILPIT_SMTP_SERVICE, mailpitPorts, namespaces, nodePorts } from "./src/shared/topology";
import { existingTarget } from "./src/target/existing";
import { kindTarget } from "./src/target/kind";
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
const oncallDatabasePassword = config.getSecret("oncallDatabasePassword");
const presentSecrets = new Set(configuredKeys.filter(isSecretKey));

// Throws (and so stops the program before any resource exists) with every bad key named.
const lab = validateConfig(raw, presentSecrets);

// The team file is checked as strictly as the config, before anything is declared.
const team = loadTeamFile();

// Kind by default; a cluster the team already runs with target=existing. Either hands out the provider the components take.
const target = lab.existing ? existingTarget(lab.existing) : kindTarget(lab);
const { inCluster, urls } = target;
const { grafanaPublicUrl, grafanaLocalApiUrl, oncallPublicUrl, oncallInClusterUrl } = urls;
const existing = lab.existing;
// The certificate the existing target's Ingresses serve, read where the team keeps it (never changed or deleted).
const tlsSource = existing?.tls?.kind === "secret"
    ? k8s.core.v1.Secret.get("tls-source", `${existing.tls.sourceNamespace}/${existing.tls.sourceName}`, { provider: target.kubernetes })
    : undefined;
const volume = (size: string) => ({ storageClass: existing?.storageClass, size });
const oncallDataSurvives = existing?.externalPostgres !== undefined;

// OnCall's e-mail goes to the lab's own mailbox unless a real SMTP server is configured.
const mailbox = lab.smtp || !urls.mailPublicUrl ? undefined : new Mailpit("mailpit", {
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
    cluster: existing && {
        ingress: { host: existing.grafanaHost, className: existing.ingressClassName, tls: existing.tls },
        volume: volume(existing.storageSizes.grafana),
    },
    tlsSource,
}, inCluster);

const oncall = new OnCall("oncall", {
    namespace: namespaces.oncall,
    chartVersion: lab.chartVersions.oncall,
    imageTag: lab.oncallImageTag,
    nodePort: nodePorts.oncall,
    publicUrl: oncallPublicUrl,
    grafanaPublicUrl,
    telegramBotToken,
    smtp: lab.smtp ?? localMailboxSmtp,
    smtpPassword: lab.smtp ? smtpPassword : undefined,
    cluster: existing && {
        ingress: { host: existing.oncallHost, className: existing.ingressClassName, tls: existing.tls },
        tlsSource,
        engineReplicas: existing.replicas.oncallEngine,
        celeryReplicas: existing.replicas.oncallCelery,
        postgresVolume: volume(existing.storageSizes.postgres),
        redisVolume: volume(existing.storageSizes.redis),
        externalPostgres: existing.externalPostgres && { ...existing.externalPostgres, password: oncallDatabasePassword! },
    },
}, inCluster);

// The people of the team file, as Grafana users (OnCall learns its users from Grafana).
const teamUsers = new TeamUsers(TEAM_USERS_NAME, {
    people: team.people,
    grafanaUrl: grafanaLocalApiUrl,
    grafanaUser: grafana.adminUser,
    grafanaPassword: grafana.adminPassword,
}, { dependsOn: [grafana], ...target.inRelease(grafana.release) });

// Runs on this machine against the published ports once Grafana and OnCall are up.
const wiring = new OnCallWiring(ONCALL_WIRING_NAME, {
    grafanaLocalApiUrl,
    grafanaUser: grafana.adminUser,
    grafanaPassword: grafana.adminPassword,
    oncallInClusterUrl,
    // The plugin's jsonData.grafanaUrl: the public URL (on kind the engine reaches it through the CoreDNS rewrite).
    grafanaPublicUrl,
    oncallPublicUrl,
    clusterId: target.clusterId,
    userLogins: teamUsers.logins,
    readyTimeoutSeconds: 600,
// The engine calls Grafana on the public URL as soon as the plugin is connected: it must resolve by then.
}, { dependsOn: [grafana, oncall, ...teamUsers.users, ...target.grafanaReachable], deletedWith: target.wiringDeletedWith });

// Who is on call, how they are told, and the integration Alertmanager sends to.
const onCallTeam = new OnCallTeam("oncall-team", {
    team,
    telegramEnabled: lab.telegramEnabled,
    oncallUrl: oncallPublicUrl,
    oncallApiToken: wiring.apiToken,
    userIds: wiring.userIds,
    integrationName: "VictoriaMetrics Alertmanager",
}, target.inRelease(oncall.release, oncallDataSurvives));

// A dead alerting pipeline pages too: OnCall alerts when the Watchdog's pings stop for this long.
new OnCallHeartbeat("oncall-heartbeat", {
    grafanaLocalApiUrl,
    grafanaUser: grafana.adminUser,
    grafanaPassword: grafana.adminPassword,
    integrationId: onCallTeam.heartbeatIntegrationId,
    timeoutSeconds: lab.alerting.heartbeatTimeoutSeconds,
    clusterId: target.clusterId,
// Its delete changes nothing (the heartbeat goes with its integration), so it never needs to run.
}, { deletedWith: oncall.release });

const vmStack = new VictoriaMetricsStack("victoria-metrics", {
    namespace: namespaces.monitoring,
    chartVersion: lab.chartVersions.vmStack,
    alerting: lab.alerting,
    grafanaPublicUrl,
    // OnCall builds the link on its host-reachable URL; Alertmanager reaches the engine inside the cluster.
    alertmanagerWebhookUrl: pulumi.secret(onCallTeam.integrationLink.apply(link => inClusterWebhookUrl(link, oncallInClusterUrl))),
    heartbeatWebhookUrl: pulumi.secret(onCallTeam.heartbeatIntegrationLink.apply(link => inClusterWebhookUrl(link, oncallInClusterUrl))),
    oncallMetrics: {
        namespace: namespaces.oncall,
        engineHost: new URL(oncallInClusterUrl).host,
        tokenSecretName: oncall.exporterSecretName,
        tokenSecretKey: ONCALL_EXPORTER_SECRET.key,
    },
    mailPublicUrl: mailbox ? urls.mailPublicUrl : undefined,
    cluster: existing && {
        vmstorageReplicas: existing.replicas.vmstorage,
        vminsertReplicas: existing.replicas.vminsert,
        vmselectReplicas: existing.replicas.vmselect,
        replicationFactor: existing.replicas.vmReplicationFactor,
        alertmanagerReplicas: existing.replicas.alertmanager,
        vmalertReplicas: existing.replicas.vmalert,
        storage: volume(existing.storageSizes.vm),
    },
}, inCluster);

// Every lab namespace denies what the lab's own paths do not need (src/security/networkPolicies.ts).
const labNamespaces = {
    [namespaces.grafana]: grafana.namespace.metadata.name,
    [namespaces.oncall]: oncall.namespace.metadata.name,
    [namespaces.monitoring]: vmStack.namespace.metadata.name,
    ...(mailbox ? { [namespaces.mail]: mailbox.namespace.metadata.name } : {}),
};
new NetworkPolicies("network-policies", {
    namespaces: labNamespaces,
    policies: labNetworkPolicies(Object.keys(labNamespaces), {
        mailbox: mailbox !== undefined,
        vmCluster: existing !== undefined,
        smtpPort: lab.smtp?.port,
        externalPostgresPort: existing?.externalPostgres?.port,
        grafanaThroughIngress: existing && { tls: existing.tls !== undefined },
    }),
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
export const kubeconfig = target.kubeconfig;
export const kubectlContext = target.kubectlContext;
