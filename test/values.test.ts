import { describe, expect, it } from "vitest";
import { workloadResources } from "../src/security/workloads";
import { grafanaServiceHost, inClusterUrls, labUrls, nodePorts } from "../src/shared/topology";
import { grafanaValues, oncallPluginInstall, oncallPluginProvisioning } from "../src/grafana/values";
import { localMailboxSmtp } from "../src/mail/smtp";
import { vmStackValues } from "../src/monitoring/values";
import { ONCALL_CREDENTIAL_KEYS, oncallValues } from "../src/oncall/values";
import { mergeValues } from "../src/shared/values";
import { oncallValuesInput } from "./support/oncall-values";

describe("mergeValues", () => {
    it("merges mappings recursively and replaces lists and scalars, like Helm", () => {
        expect(mergeValues({ a: { b: 1, c: [1, 2] }, d: "x" }, { a: { c: [3], e: true }, d: "y" })).toEqual({
            a: { b: 1, c: [3], e: true },
            d: "y",
        });
    });
});

describe("vmStackValues", () => {
    const values = vmStackValues({
        scrapeInterval: "15s",
        evaluationInterval: "20s",
        alertmanagerConfigSecret: "am-config",
        grafanaPublicUrl: "http://grafana.oncall-lab.localhost:3000",
    }) as any;

    it("leaves Grafana to the lab but still publishes a Prometheus-type datasource for it", () => {
        expect(values.grafana.enabled).toBe(false);
        expect(values.grafana.forceDeployDatasource).toBe(true);
        expect(values.defaultDatasources.victoriametrics.datasources).toEqual([
            { name: "VictoriaMetrics", type: "prometheus", access: "proxy", uid: "VictoriaMetrics", isDefault: true },
        ]);
        expect(values.fullnameOverride).toBe("vmks");
    });

    it("does not scrape the control-plane parts Kind hides on localhost", () => {
        for (const part of ["kubeEtcd", "kubeScheduler", "kubeControllerManager", "kubeProxy"]) {
            expect(values[part].enabled, part).toBe(false);
        }
        expect(values.defaultRules.groups["kubernetes-system-scheduler"].enabled).toBe(false);
        expect(values.defaultRules.groups["kubernetes-system-controller-manager"].enabled).toBe(false);
    });

    it("uses the lab's intervals and reads Alertmanager's config from the named secret", () => {
        expect(values.vmagent.spec.scrapeInterval).toBe("15s");
        expect(values.vmalert.spec.evaluationInterval).toBe("20s");
        expect(values.alertmanager.spec.configSecret).toBe("am-config");
        expect(values.alertmanager.config).toBeUndefined();
    });

    it("points vmalert's source links and the rules' dashboard links at the lab's public Grafana", () => {
        // chart 0.91.2 derives vmalert's -external.url, -external.alert.source and the sync job's grafanaUrl from it.
        expect(values.external.grafana).toEqual({ host: "http://grafana.oncall-lab.localhost:3000" });
    });

    it("keeps the operator's utf8-strict-mode beside receiver-name-in-metrics (one extra arg replaces its own)", () => {
        expect(values.alertmanager.spec.extraArgs["enable-feature"].split(",").sort()).toEqual([
            "receiver-name-in-metrics",
            "utf8-strict-mode",
        ]);
    });

    it("keeps days of metrics in vmsingle", () => {
        expect(values.vmsingle.spec).toEqual({
            retentionPeriod: "3d",
            storage: { resources: { requests: { storage: "5Gi" } } },
        });
    });

    it("gives Alertmanager the memory of a storm of a few thousand groups (the operator's default limit is 256Mi)", () => {
        expect(values.alertmanager.spec.resources).toEqual({
            requests: { memory: "256Mi" },
            limits: { memory: "512Mi" },
        });
    });
});

describe("grafanaValues", () => {
    const values = grafanaValues({
        imageTag: "11.6.0",
        adminUser: "admin",
        adminPassword: "pw",
        nodePort: nodePorts.grafana,
        servicePort: 3000,
        rootUrl: "http://grafana.oncall-lab.localhost:3000",
        pluginVersion: "1.16.9",
        pluginProvisioningConfigMap: "provisioning",
        sidecarNamespaces: ["monitoring"],
    }) as any;

    it("keeps Grafana's database on a volume, so the OnCall plugin stays connected across restarts", () => {
        expect(values.persistence).toMatchObject({ enabled: true, type: "pvc", storageClassName: "standard" });
        expect(values.deploymentStrategy).toEqual({ type: "Recreate" });
    });

    it("pins the image and sets the generated admin password", () => {
        expect(values.image.tag).toBe("11.6.0");
        expect(values.adminUser).toBe("admin");
        expect(values.adminPassword).toBe("pw");
        expect(values.fullnameOverride).toBe("grafana");
    });

    it("enables what the OnCall plugin needs, and not the seed's non-settings", () => {
        expect(values["grafana.ini"].feature_toggles).toEqual({
            enable: "externalServiceAccounts",
            accessControlOnCall: false,
        });
        expect(values.env.GF_AUTH_MANAGED_SERVICE_ACCOUNTS_ENABLED).toBe("true");
        expect(values.env.GF_INSTALL_PLUGINS).toBe("grafana-oncall-app 1.16.9");
        expect(values["grafana.ini"].oncall).toBeUndefined();
        // Users the lab creates must be pageable: OnCall ignores Viewers.
        expect(values["grafana.ini"].users.auto_assign_org_role).toBe("Editor");
        expect(values["grafana.ini"].plugins?.allow_loading_unsigned_plugins).toBeUndefined();
    });

    it("mounts the plugin provisioning file where Grafana reads app provisioning", () => {
        expect(values.extraConfigmapMounts).toEqual([
            {
                name: "oncall-app-provisioning",
                mountPath: "/etc/grafana/provisioning/plugins",
                configMap: "provisioning",
                readOnly: true,
            },
        ]);
    });

    it("publishes on the NodePort Kind maps, and listens on the host port inside the cluster too", () => {
        expect(values.service).toEqual({ type: "NodePort", port: 3000, nodePort: 30300 });
        expect(values["grafana.ini"].server.root_url).toBe("http://grafana.oncall-lab.localhost:3000");
    });

    it("loads the datasource and dashboards the stack publishes, and defines none of its own", () => {
        expect(values.sidecar.datasources).toEqual({
            enabled: true,
            label: "grafana_datasource",
            labelValue: "1",
            resource: "configmap",
            searchNamespace: ["monitoring"],
        });
        expect(values.sidecar.dashboards).toEqual({
            enabled: true,
            label: "grafana_dashboard",
            labelValue: "1",
            resource: "configmap",
            searchNamespace: ["monitoring"],
        });
        expect(values.datasources).toBeUndefined();
    });
});

describe("oncallPluginProvisioning", () => {
    it("provisions the app with the ids OnCall OSS expects, the engine's in-cluster URL and Grafana's public URL", () => {
        expect(
            oncallPluginProvisioning({
                oncallInClusterUrl: inClusterUrls.oncallEngine,
                grafanaPublicUrl: "http://grafana.oncall-lab.localhost:3000",
            }),
        ).toEqual({
            apiVersion: 1,
            apps: [
                {
                    type: "grafana-oncall-app",
                    name: "grafana-oncall-app",
                    disabled: false,
                    jsonData: {
                        stackId: 5,
                        orgId: 100,
                        onCallApiUrl: "http://oncall-engine.oncall.svc.cluster.local:8080",
                        grafanaUrl: "http://grafana.oncall-lab.localhost:3000",
                    },
                },
            ],
        });
    });
});

describe("oncallPluginInstall", () => {
    it("asks the catalog for the version, or installs a given zip under the plugin's id", () => {
        expect(oncallPluginInstall("1.16.9")).toBe("grafana-oncall-app 1.16.9");
        const zip = "https://storage.googleapis.com/grafana-oncall-app/releases/grafana-oncall-app-1.16.9.zip";
        expect(oncallPluginInstall("1.16.9", zip)).toBe(`${zip};grafana-oncall-app`);
        expect(() => oncallPluginInstall("1.16.9", "https://example.com/a,b.zip")).toThrow("must not contain");
    });
});

describe("labUrls", () => {
    const urls = labUrls("oncall-lab", { grafanaHostPort: 3000, oncallHostPort: 8080, mailHostPort: 8025 });

    it("gives every consumer the URL it can reach", () => {
        expect(urls).toEqual({
            grafanaPublicUrl: "http://grafana.oncall-lab.localhost:3000",
            grafanaLocalApiUrl: "http://127.0.0.1:3000",
            oncallPublicUrl: "http://127.0.0.1:8080",
            oncallInClusterUrl: "http://oncall-engine.oncall.svc.cluster.local:8080",
            mailPublicUrl: "http://127.0.0.1:8025",
        });
        expect(grafanaServiceHost).toBe("grafana.grafana.svc.cluster.local");
    });

    it("names Grafana after the cluster, so two labs on one laptop get two names", () => {
        expect(
            labUrls("other", { grafanaHostPort: 3300, oncallHostPort: 8880, mailHostPort: 8825 }).grafanaPublicUrl,
        ).toBe("http://grafana.other.localhost:3300");
    });
});

describe("oncallValues", () => {
    const base = oncallValuesInput;
    const values = oncallValues(base) as any;

    it("runs the 1.16.9 engine image on chart 1.16.5, pulled once", () => {
        expect(values.image).toEqual({ tag: "v1.16.9", pullPolicy: "IfNotPresent" });
    });

    it("runs standalone against the lab's Grafana", () => {
        expect(values.grafana.enabled).toBe(false);
        expect(values.externalGrafana.url).toBe("http://grafana.oncall-lab.localhost:3000");
        expect(values.base_url).toBe("127.0.0.1:8080");
        expect(values.base_url_protocol).toBe("http");
        expect(values.fullnameOverride).toBe("oncall");
    });

    it("uses generated secrets, Postgres and Redis, and nothing Kind cannot run", () => {
        // Key names in the lab's own secret: without existingSecret the chart would regenerate both keys on every upgrade.
        expect(values.oncall.secrets).toEqual({
            existingSecret: "oncall-app-secret",
            secretKey: "SECRET_KEY",
            mirageSecretKey: "MIRAGE_SECRET_KEY",
        });
        expect(values.database.type).toBe("postgresql");
        expect(values.mariadb.enabled).toBe(false);
        // The passwords come from the lab's credentials secret, under the keys the chart and its sub-charts require.
        expect(values.postgresql).toMatchObject({
            enabled: true,
            auth: {
                existingSecret: "oncall-credentials",
                secretKeys: { adminPasswordKey: ONCALL_CREDENTIAL_KEYS.postgres },
            },
        });
        expect(values.broker.type).toBe("redis");
        expect(values.rabbitmq.enabled).toBe(false);
        expect(values.redis).toMatchObject({
            enabled: true,
            architecture: "standalone",
            auth: { existingSecret: "oncall-credentials", existingSecretPasswordKey: ONCALL_CREDENTIAL_KEYS.redis },
        });
        expect(values.ingress.enabled).toBe(false);
        expect(values["ingress-nginx"].enabled).toBe(false);
        expect(values["cert-manager"].enabled).toBe(false);
    });

    it("pulls the bitnami images from bitnamilegacy", () => {
        expect(values.postgresql.image.repository).toBe("bitnamilegacy/postgresql");
        expect(values.redis.image.repository).toBe("bitnamilegacy/redis");
    });

    it("publishes the engine on the NodePort Kind maps", () => {
        expect(values.service).toEqual({ enabled: true, type: "NodePort", port: 8080, nodePort: 30808 });
    });

    it("leaves Telegram and e-mail off unless configured, with none of their keys", () => {
        expect(values.oncall.telegram).toBeUndefined();
        expect(values.telegramPolling).toBeUndefined();
        expect(values.oncall.smtp).toEqual({ enabled: false });
    });

    it("polls Telegram (no public webhook on a laptop) with the token from the lab's secret, and sends e-mail when configured", () => {
        const configured = oncallValues({
            ...base,
            telegram: true,
            smtp: {
                host: "smtp.example.com",
                port: 587,
                username: "me",
                fromEmail: "oncall@example.com",
                tls: true,
                ssl: false,
            },
        }) as any;
        // helm/oncall _env.tpl: TELEGRAM_TOKEN from secretKeyRef existingSecret/tokenKey; polling turns telegram on.
        expect(configured.oncall.telegram).toEqual({
            existingSecret: "oncall-credentials",
            tokenKey: ONCALL_CREDENTIAL_KEYS.telegram,
        });
        expect(configured.telegramPolling).toEqual({
            enabled: true,
            resources: workloadResources.oncallTelegramPolling,
        });
        expect(configured.oncall.smtp).toEqual({
            enabled: true,
            host: "smtp.example.com",
            port: 587,
            username: "me",
            tls: "True",
            ssl: "False",
            fromEmail: "oncall@example.com",
        });
        const withoutTls = oncallValues({
            ...base,
            smtp: { host: "smtp.example.com", port: 25, fromEmail: "oncall@example.com", tls: false, ssl: false },
        }) as any;
        // A boolean false would be turned into true by the chart's `default true`.
        expect(withoutTls.oncall.smtp.tls).toBe("False");
    });

    it("speaks implicit TLS (EMAIL_USE_SSL) when configured, as port 465 needs", () => {
        const implicit = oncallValues({
            ...base,
            smtp: { host: "smtp.example.com", port: 465, fromEmail: "oncall@example.com", tls: false, ssl: true },
        }) as any;
        expect(implicit.oncall.smtp).toMatchObject({ port: 465, tls: "False", ssl: "True" });
    });

    it("sends e-mail to the lab's Mailpit over plain SMTP when no server is configured", () => {
        const local = oncallValues({ ...base, smtp: localMailboxSmtp }) as any;
        expect(local.oncall.smtp).toEqual({
            enabled: true,
            host: "mailpit-smtp.mail.svc.cluster.local",
            port: 1025,
            username: "",
            tls: "False",
            ssl: "False",
            fromEmail: "oncall@oncall-lab.test",
        });
    });

    it("rejects a base_url with a scheme", () => {
        expect(() => oncallValues({ ...base, publicHost: "http://127.0.0.1:8080" })).toThrow(
            "OnCall base_url must not have a scheme",
        );
    });
});
