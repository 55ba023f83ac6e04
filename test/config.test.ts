import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { defaultAlertingSettings } from "../src/monitoring/alerting";
import { ConfigError, configDefaults, validateConfig } from "../src/config/config";
import { problemsOf } from "./support/config";

describe("validateConfig", () => {
    it("accepts an empty stack config and fills in the defaults", () => {
        const lab = validateConfig({});
        // The defaults are declared once, in src/config/schema.ts.
        const d = configDefaults;
        expect(lab).toMatchObject({
            clusterName: d.clusterName,
            kindNodeImage: d.kindNodeImage,
            grafanaHostPort: d.grafanaHostPort,
            oncallHostPort: d.oncallHostPort,
            mailHostPort: d.mailHostPort,
            chartVersions: {
                vmStack: d.vmStackChartVersion,
                grafana: d.grafanaChartVersion,
                oncall: d.oncallChartVersion,
            },
            grafanaImageTag: d.grafanaImageTag,
            oncallImageTag: d.oncallImageTag,
            oncallPluginVersion: d.oncallPluginVersion,
            mailpitImage: d.mailpitImage,
            telegramEnabled: false,
            smtp: undefined,
        });
        expect(lab.alerting).toEqual(defaultAlertingSettings);
    });

    it("takes a plugin zip URL only over https, ending in .zip, without what GF_INSTALL_PLUGINS splits on", () => {
        expect(validateConfig({}).oncallPluginUrl).toBeUndefined();
        const zip = "https://storage.googleapis.com/grafana-oncall-app/releases/grafana-oncall-app-1.16.9.zip";
        expect(validateConfig({ oncallPluginUrl: zip }).oncallPluginUrl).toBe(zip);
        for (const bad of [
            "http://example.com/p.zip",
            "https://example.com/p.tar.gz",
            "https://example.com/a,b.zip",
            "https://example.com/a;b.zip",
            "https://example.com/p.zip?x=1",
        ]) {
            expect(problemsOf({ oncallPluginUrl: bad }), bad).toEqual([
                `oncall-lab:oncallPluginUrl must be an https URL of a plugin .zip, such as ${zip} (got "${bad}")`,
            ]);
        }
    });

    it("reads overrides as their types", () => {
        const lab = validateConfig(
            {
                clusterName: "my-lab-2",
                grafanaHostPort: "13000",
                oncallHostPort: "18080",
                targetDownFor: "2m",
                diskFreePercent: "15",
                smtpHost: "smtp.example.com",
                smtpFromEmail: "oncall@example.com",
                smtpPort: "2525",
                smtpTls: "false",
            },
            new Set(["telegramBotToken", "smtpPassword"]),
        );
        expect(lab.grafanaHostPort).toBe(13000);
        expect(lab.alerting.targetDownFor).toBe("2m");
        expect(lab.alerting.diskFreePercent).toBe(15);
        expect(lab.telegramEnabled).toBe(true);
        expect(lab.smtp).toEqual({
            host: "smtp.example.com",
            port: 2525,
            username: undefined,
            fromEmail: "oncall@example.com",
            tls: false,
            ssl: false,
        });
    });

    it.each([
        ["clusterName", "My_Lab", "oncall-lab:clusterName must be a DNS-1123 label"],
        ["clusterName", "-lab", "oncall-lab:clusterName must be a DNS-1123 label"],
        ["clusterName", "a".repeat(51), "oncall-lab:clusterName must be at most 50 characters"],
        [
            "kindNodeImage",
            "kindest/node:v1.37.0@sha256:nothex",
            "oncall-lab:kindNodeImage must be an image reference pinned by digest",
        ],
        [
            "kindNodeImage",
            "kindest/node:v1.37.0",
            "oncall-lab:kindNodeImage must be an image reference pinned by digest",
        ],
        ["oncallImageTag", "v1.16.9 ", "oncall-lab:oncallImageTag must be an image tag of grafana/oncall"],
        ["mailpitImage", "axllent/mailpit:", "oncall-lab:mailpitImage must be an image reference"],
        ["mailHostPort", "25", "oncall-lab:mailHostPort must be an integer from 1024 to 65535"],
        ["grafanaHostPort", "80", 'oncall-lab:grafanaHostPort must be an integer from 1024 to 65535 (got "80")'],
        ["grafanaHostPort", "70000", "oncall-lab:grafanaHostPort must be an integer from 1024 to 65535"],
        ["oncallHostPort", "80.5", "oncall-lab:oncallHostPort must be an integer from 1024 to 65535"],
        ["oncallHostPort", "http", "oncall-lab:oncallHostPort must be an integer from 1024 to 65535"],
        ["oncallChartVersion", "latest", "oncall-lab:oncallChartVersion must be a chart version such as 1.2.3"],
        ["vmStackChartVersion", "0.91", "oncall-lab:vmStackChartVersion must be a chart version"],
        ["grafanaImageTag", "latest", "oncall-lab:grafanaImageTag must be a Grafana version"],
        ["targetDownFor", "5 minutes", "oncall-lab:targetDownFor must be a duration such as 30s, 5m or 1h"],
        ["crashLoopFor", "-1m", "oncall-lab:crashLoopFor must be a duration"],
        ["diskFreePercent", "0", "oncall-lab:diskFreePercent must be an integer from 1 to 99"],
        ["diskFreePercent", "100", "oncall-lab:diskFreePercent must be an integer from 1 to 99"],
        ["alertSeverity", "Critical!", "oncall-lab:alertSeverity must be a lowercase label value"],
        ["smtpTls", "yes", "oncall-lab:smtpTls must be true or false"],
        ["grafanaPort", "3000", "oncall-lab:grafanaPort is not a setting of this lab (known: "],
    ])("rejects %s=%j naming the key and what is allowed", (key, value, message) => {
        const problems = problemsOf({ [key]: value });
        expect(problems).toHaveLength(1);
        expect(problems[0]).toContain(message);
    });

    it("rejects the same host port for two of the lab's services", () => {
        expect(problemsOf({ grafanaHostPort: "8080" })).toEqual([
            "oncall-lab:grafanaHostPort and oncall-lab:oncallHostPort must differ (both are 8080)",
        ]);
        expect(problemsOf({ mailHostPort: "3000" })).toEqual([
            "oncall-lab:grafanaHostPort and oncall-lab:mailHostPort must differ (both are 3000)",
        ]);
    });

    it("names a bad value once: the rules across keys judge only values that passed their own check", () => {
        expect(problemsOf({ grafanaHostPort: "70000", oncallHostPort: "70000" })).toEqual([
            'oncall-lab:grafanaHostPort must be an integer from 1024 to 65535 (got "70000")',
            'oncall-lab:oncallHostPort must be an integer from 1024 to 65535 (got "70000")',
        ]);
        expect(problemsOf({ smtpPort: "70000" })).toEqual([
            'oncall-lab:smtpPort must be an integer from 1 to 65535 (got "70000")',
        ]);
        expect(problemsOf({ target: "eks", storageClass: "fast" })).toEqual([
            'oncall-lab:target must be kind or existing (got "eks")',
        ]);
    });

    it("refuses what a mail server or an image pull would refuse later, quoting the value cut short", () => {
        const server = { smtpHost: "smtp.example.com", smtpFromEmail: "oncall@example.com" };
        expect(problemsOf({ ...server, smtpHost: "smtp..example.com" })).toEqual([
            'oncall-lab:smtpHost must be a host name such as smtp.example.com (got "smtp..example.com")',
        ]);
        expect(problemsOf({ ...server, smtpFromEmail: "a@b" })).toEqual([
            'oncall-lab:smtpFromEmail must be an e-mail address such as oncall@example.com (got "a@b")',
        ]);
        expect(problemsOf({ ...server, smtpUsername: "mailer\nRCPT TO:<x@example.com>" })).toEqual([
            'oncall-lab:smtpUsername must be a user name without line breaks or other control characters (got "mailer\\nRCPT TO:<x@example.com>")',
        ]);
        expect(validateConfig({ ...server, smtpUsername: "mailer@example.com" }).smtp?.username).toBe(
            "mailer@example.com",
        );
        expect(problemsOf({ mailpitImage: "axllent/mailpit" })).toEqual([
            'oncall-lab:mailpitImage must be an image reference with a tag or digest, such as axllent/mailpit:v1.30.5 (got "axllent/mailpit")',
        ]);
        expect(validateConfig({ mailpitImage: `axllent/mailpit@sha256:${"a".repeat(64)}` }).mailpitImage).toContain(
            "@sha256:",
        );
        const [long] = problemsOf({ ...server, smtpHost: "x".repeat(1_000_000) });
        expect(long).toBe(
            `oncall-lab:smtpHost must be a host name such as smtp.example.com (got "${"x".repeat(59)}… (1000002 characters))`,
        );
    });

    it("requires smtpHost for the other SMTP settings, and a sender with a host", () => {
        expect(problemsOf({ smtpUsername: "me" })[0]).toContain(
            "oncall-lab:smtpUsername is set but oncall-lab:smtpHost is not",
        );
        expect(problemsOf({}, new Set(["smtpPassword"]))[0]).toContain(
            "oncall-lab:smtpPassword is set but oncall-lab:smtpHost is not",
        );
        expect(problemsOf({ smtpHost: "smtp.example.com" })).toEqual([
            "oncall-lab:smtpFromEmail is required when oncall-lab:smtpHost is set",
        ]);
        expect(problemsOf({ smtpHost: "smtp.example.com", smtpFromEmail: "nobody" })[0]).toContain(
            "must be an e-mail address",
        );
    });

    it("reads durations with the lab's one grammar and names every bad one by its key", () => {
        expect(validateConfig({ targetDownFor: "1h30m", crashLoopFor: "0" }).alerting).toMatchObject({
            targetDownFor: "1h30m",
            crashLoopFor: "0",
        });
        // Units out of order passed the old pattern and were refused later, under another name, one at a time.
        expect(problemsOf({ targetDownFor: "1s1m", crashLoopFor: "1.5m" })).toEqual([
            expect.stringMatching(
                /^oncall-lab:targetDownFor must be a duration such as 30s, 5m or 1h30m \(.*largest first.*got "1s1m"\)$/,
            ),
            expect.stringMatching(/^oncall-lab:crashLoopFor must be a duration .*got "1.5m"\)$/),
        ]);
    });

    it("refuses smtpPort, smtpTls and smtpSsl set without smtpHost", () => {
        expect(problemsOf({ smtpPort: "2525", smtpTls: "false", smtpSsl: "true" })).toEqual([
            "oncall-lab:smtpPort is set but oncall-lab:smtpHost is not: set smtpHost too",
            "oncall-lab:smtpTls is set but oncall-lab:smtpHost is not: set smtpHost too",
            "oncall-lab:smtpSsl is set but oncall-lab:smtpHost is not: set smtpHost too",
        ]);
    });

    it("offers implicit TLS (port 465) with smtpSsl, and refuses it together with STARTTLS or 465 without it", () => {
        const server = { smtpHost: "smtp.example.com", smtpFromEmail: "oncall@example.com" };
        expect(validateConfig({ ...server, smtpPort: "465", smtpSsl: "true", smtpTls: "false" }).smtp).toMatchObject({
            port: 465,
            tls: false,
            ssl: true,
        });
        expect(problemsOf({ ...server, smtpSsl: "true" })).toEqual([
            "oncall-lab:smtpTls and oncall-lab:smtpSsl are both true: set smtpTls false for implicit TLS",
        ]);
        // STARTTLS on the implicit-TLS port never starts: the connection waits for a TLS handshake.
        expect(problemsOf({ ...server, smtpPort: "465" })).toEqual([
            "oncall-lab:smtpPort 465 speaks implicit TLS: set smtpSsl true and smtpTls false",
        ]);
        expect(problemsOf({ ...server, smtpSsl: "yes" })[0]).toContain("oncall-lab:smtpSsl must be true or false");
    });

    it("takes Pulumi.yaml's defaults, which the Pulumi CLI passes as set keys, as not set", () => {
        // The CLI merges every project default into the stack config it gives the program, formatted with Go's %v
        // (pulumi/pulumi sdk/go/common/workspace/config.go, ValidateStackConfigAndMergeProjectConfig).
        const project = parse(fs.readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8"));
        const merged = Object.fromEntries(
            Object.entries(project.config as Record<string, { default?: unknown }>)
                .filter(([, spec]) => spec.default !== undefined)
                .map(([name, spec]) => [name, String(spec.default)]),
        );
        expect(merged).toMatchObject({ smtpPort: "587", smtpTls: "true", smtpSsl: "false" });
        expect(validateConfig(merged).smtp).toBeUndefined();
    });

    it("reports every problem at once, and how to fix them", () => {
        let error: unknown;
        try {
            validateConfig({ clusterName: "Bad", grafanaHostPort: "1", oncallChartVersion: "x" });
        } catch (err) {
            error = err;
        }
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems).toHaveLength(3);
        expect((error as Error).message).toMatch(/^invalid configuration:\n {2}- oncall-lab:clusterName/);
        expect((error as Error).message).toContain("pulumi config set oncall-lab:<key> <value>");
    });
});
