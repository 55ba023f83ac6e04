// oncall-lab: one `pulumi up` builds a Kind cluster (or uses a team's own, target=existing) with VictoriaMetrics,
// Grafana and Grafana OnCall, wired so that an alert from vmalert reaches the person on call.
import * as pulumi from "@pulumi/pulumi";
import { Grafana } from "./components/Grafana";
import { Mailpit } from "./components/Mailpit";
import { OnCall } from "./components/OnCall";
import { OnCallHeartbeat } from "./components/OnCallHeartbeat";
import { OnCallTeam } from "./components/OnCallTeam";
import { OnCallWiring } from "./components/OnCallWiring";
import { TeamUsers } from "./components/TeamUsers";
import { ONCALL_WIRING_NAME, TEAM_USERS_NAME } from "./src/shared/resourceNames";
import { VictoriaMetricsStack } from "./components/VictoriaMetricsStack";
import { NetworkPolicies } from "./components/NetworkPolicies";
import { labNetworkPolicies } from "./src/security/networkPolicies";
import { CONFIG_NAMESPACE, type RawConfig, SECRET_KEYS, type SecretKey, validateConfig } from "./src/config/config";
import { inClusterWebhookUrl } from "./src/oncall/wiring/webhook";
import { loadRoster } from "./src/team/roster";
import { MAILPIT_NAME, MAILPIT_SMTP_SERVICE, mailpitPorts, namespaces, nodePorts } from "./src/shared/topology";
import { onBehalfOf } from "./src/shared/resourceError";
import { deploymentTarget } from "./components/targets/select";
import { localMailboxSmtp } from "./src/mail/smtp";
import { DASHBOARD_UID } from "./src/monitoring/dashboard";
import { ONCALL_EXPORTER_SECRET } from "./src/oncall/values";
import { withoutTrailingSlash } from "./src/shared/urls";

const config = new pulumi.Config(CONFIG_NAMESPACE);
const isSecretKey = (name: string): name is SecretKey => (SECRET_KEYS as readonly string[]).includes(name);

// Every key set under the lab's namespace, so that a misspelt key fails instead of being ignored.
const configuredKeys = Object.keys(pulumi.runtime.allConfig())
    .filter((fullKey) => fullKey.startsWith(`${CONFIG_NAMESPACE}:`))
    .map((fullKey) => fullKey.slice(CONFIG_NAMESPACE.length + 1));
const raw: RawConfig = Object.fromEntries(
    configuredKeys.filter((name) => !isSecretKey(name)).map((name) => [name, config.get(name)]),
);
const telegramBotToken = config.getSecret("telegramBotToken");
const smtpPassword = config.getSecret("smtpPassword");
const oncallDatabasePassword = config.getSecret("oncallDatabasePassword");
const presentSecrets = new Set(configuredKeys.filter(isSecretKey));

// Throws (and so stops the program before any resource exists) with every bad key named.
const lab = validateConfig(raw, presentSecrets);

// The roster (the team file) is checked as strictly as the config, before anything is declared.
const roster = loadRoster();

// Kind by default; a cluster the team already runs with target=existing. Either hands out the provider the components
// take and each component's extras (components/targets/).
const target = deploymentTarget(lab, oncallDatabasePassword);
const { inCluster, urls } = target;
const { grafanaPublicUrl, grafanaLocalApiUrl, oncallPublicUrl, oncallInClusterUrl } = urls;

// OnCall's e-mail goes to the lab's own mailbox, where the target has one, unless a real SMTP server is configured.
const mailbox =
    lab.smtp || !target.mailbox
        ? undefined
        : new Mailpit(
              "mailpit",
              {
                  namespace: namespaces.mail,
                  serviceName: MAILPIT_NAME,
                  smtpServiceName: MAILPIT_SMTP_SERVICE,
                  image: lab.mailpitImage,
                  smtpPort: mailpitPorts.smtp,
                  httpPort: mailpitPorts.http,
                  ...target.mailbox,
              },
              inCluster,
          );

const grafana = new Grafana(
    "grafana",
    {
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
        ...target.grafana,
    },
    inCluster,
);

const oncall = new OnCall(
    "oncall",
    {
        namespace: namespaces.oncall,
        chartVersion: lab.chartVersions.oncall,
        imageTag: lab.oncallImageTag,
        nodePort: nodePorts.oncall,
        publicUrl: oncallPublicUrl,
        grafanaPublicUrl,
        telegramBotToken,
        smtp: lab.smtp ?? localMailboxSmtp,
        smtpPassword: lab.smtp ? smtpPassword : undefined,
        ...target.oncall,
    },
    inCluster,
);

// The roster's people as Grafana users (OnCall learns its users from Grafana).
const teamUsers = new TeamUsers(
    TEAM_USERS_NAME,
    {
        people: roster.people,
        grafanaLocalApiUrl,
        grafanaUser: grafana.adminUser,
        grafanaPassword: grafana.adminPassword,
    },
    pulumi.mergeOptions({ dependsOn: [grafana] }, target.inGrafanaRelease(grafana.release)),
);

// Runs on this machine against the published ports once Grafana and OnCall are up.
const wiring = new OnCallWiring(
    ONCALL_WIRING_NAME,
    {
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
    },
    {
        dependsOn: [grafana, oncall, ...teamUsers.users, ...target.grafanaReachable],
        deletedWith: target.wiringDeletedWith,
    },
);

// Who is on call, how they are told, and the integration Alertmanager sends to.
const onCallTeam = new OnCallTeam(
    "oncall-team",
    {
        roster,
        telegramEnabled: lab.telegramEnabled,
        oncallPublicUrl,
        oncallApiToken: wiring.apiToken,
        userIds: wiring.userIds,
        integrationName: "VictoriaMetrics Alertmanager",
    },
    target.inOnCallRelease(oncall.release),
);

// OnCall builds an integration's link on its host-reachable URL; Alertmanager reaches the engine inside the cluster.
const inClusterWebhook = (link: pulumi.Output<string>) =>
    pulumi.secret(link.apply((url) => onBehalfOf(onCallTeam, () => inClusterWebhookUrl(url, oncallInClusterUrl))));

// A dead alerting pipeline pages too: OnCall alerts when the Watchdog's pings stop for this long.
new OnCallHeartbeat(
    "oncall-heartbeat",
    {
        grafanaLocalApiUrl,
        grafanaUser: grafana.adminUser,
        grafanaPassword: grafana.adminPassword,
        integrationId: onCallTeam.heartbeatIntegrationId,
        timeoutSeconds: lab.alerting.heartbeatTimeoutSeconds,
        clusterId: target.clusterId,
        // Its delete changes nothing (the heartbeat goes with its integration), so it never needs to run.
    },
    { deletedWith: oncall.release },
);

const vmStack = new VictoriaMetricsStack(
    "victoria-metrics",
    {
        namespace: namespaces.monitoring,
        chartVersion: lab.chartVersions.vmStack,
        alerting: lab.alerting,
        grafanaPublicUrl,
        alertmanagerWebhookUrl: inClusterWebhook(onCallTeam.integrationLink),
        heartbeatWebhookUrl: inClusterWebhook(onCallTeam.heartbeatIntegrationLink),
        oncallMetrics: {
            namespace: namespaces.oncall,
            engineHost: new URL(oncallInClusterUrl).host,
            tokenSecretName: oncall.exporterSecretName,
            tokenSecretKey: ONCALL_EXPORTER_SECRET.key,
        },
        mailPublicUrl: mailbox ? urls.mailPublicUrl : undefined,
        ...target.victoriaMetrics,
    },
    inCluster,
);

// Every lab namespace denies what the lab's own paths do not need (src/security/networkPolicies.ts).
const labNamespaces = {
    [namespaces.grafana]: grafana.namespace.metadata.name,
    [namespaces.oncall]: oncall.namespace.metadata.name,
    [namespaces.monitoring]: vmStack.namespace.metadata.name,
    ...(mailbox ? { [namespaces.mail]: mailbox.namespace.metadata.name } : {}),
};
new NetworkPolicies(
    "network-policies",
    {
        namespaces: labNamespaces,
        policies: labNetworkPolicies(Object.keys(labNamespaces), {
            mailbox: mailbox !== undefined,
            smtpPort: lab.smtp?.port,
            ...target.networkPolicies,
        }),
    },
    inCluster,
);

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
export const oncallTeamEmails = roster.people.map((person) => person.email);
export const teamPasswords = teamUsers.passwords;
export const alertSeverity = lab.alerting.severity;
export const kubeconfig = target.kubeconfig;
export const kubectlContext = target.kubectlContext;
