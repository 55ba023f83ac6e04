// The rendered Helm values of the three charts, the Alertmanager config and the Corefile, as YAML, so that a change
// in what the lab hands to Helm, Alertmanager or CoreDNS shows in review (update with `npx vitest run -u`).
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { oncallPluginProvisioning, grafanaValues } from "../src/grafana/values";
import { kubeadmCorefile } from "../src/kind/coredns";
import { localMailboxSmtp } from "../src/mail/smtp";
import { buildAlertmanagerConfig, defaultAlertingSettings, heartbeatUrl } from "../src/monitoring/alerting";
import { vmStackValues } from "../src/monitoring/values";
import { oncallValues } from "../src/oncall/values";
import { grafanaPublicHost, grafanaServiceHost, labUrls, nodePorts } from "../src/shared/topology";

const urls = labUrls("oncall-lab", { grafanaHostPort: 3000, oncallHostPort: 8080, mailHostPort: 8025 });

describe("rendered configuration", () => {
    it("victoria-metrics-k8s-stack values", () => {
        const values = vmStackValues({
            scrapeInterval: "30s",
            evaluationInterval: "30s",
            alertmanagerConfigSecret: "vmks-alertmanager-config",
            grafanaPublicUrl: "http://grafana.oncall-lab.localhost:3000",
        });
        expect(stringify(values)).toMatchSnapshot();
    });

    it("grafana values and the OnCall plugin's provisioning file", () => {
        const values = grafanaValues({
            imageTag: "11.6.0",
            adminUser: "admin",
            adminPassword: "<generated>",
            nodePort: nodePorts.grafana,
            servicePort: 3000,
            rootUrl: urls.grafanaPublicUrl,
            pluginVersion: "1.16.9",
            pluginProvisioningConfigMap: "grafana-oncall-app-provisioning",
            sidecarNamespaces: ["monitoring"],
        });
        expect(stringify(values)).toMatchSnapshot();
        expect(
            stringify(
                oncallPluginProvisioning({
                    oncallInClusterUrl: urls.oncallInClusterUrl,
                    grafanaPublicUrl: urls.grafanaPublicUrl,
                }),
            ),
        ).toMatchSnapshot();
    });

    it("oncall values", () => {
        const values = oncallValues({
            publicHost: new URL(urls.oncallPublicUrl).host,
            grafanaPublicUrl: urls.grafanaPublicUrl,
            nodePort: nodePorts.oncall,
            imageTag: "v1.16.9",
            appSecretName: "oncall-app-secret",
            credentialsSecretName: "oncall-credentials",
            telegram: false,
            mirageCipherIv: "GeneratedIv16Chr",
            smtp: localMailboxSmtp,
        });
        expect(stringify(values)).toMatchSnapshot();
    });

    it("Alertmanager config", () => {
        const pagingUrl =
            "http://oncall-engine.oncall.svc.cluster.local:8080/integrations/v1/alertmanager/IntegrationTok3nXYZ/";
        const heartbeatIntegrationUrl =
            "http://oncall-engine.oncall.svc.cluster.local:8080/integrations/v1/alertmanager/HeartbeatTok3n/";
        expect(
            stringify(
                buildAlertmanagerConfig(
                    { pagingUrl, heartbeatUrl: heartbeatUrl(heartbeatIntegrationUrl) },
                    defaultAlertingSettings,
                ),
            ),
        ).toMatchSnapshot();
    });

    it("Corefile", () => {
        expect(kubeadmCorefile([{ from: grafanaPublicHost("oncall-lab"), to: grafanaServiceHost }])).toMatchSnapshot();
    });
});
