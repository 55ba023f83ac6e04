// The target key and the existing target's settings: every missing key and bad combination is named.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type SecretKey, validateConfig } from "../src/config/config";
import { EXISTING_OPTIONAL_KEYS, existingDefaults, KIND_ONLY_KEYS } from "../src/config/target";
import { problemsOf } from "./support/config";

/** Everything an existing stack needs but its TLS. */
const bare = {
    target: "existing",
    kubeContext: "team-prod",
    grafanaHost: "grafana.example.com",
    oncallHost: "oncall.example.com",
    smtpHost: "smtp.example.com",
    smtpFromEmail: "oncall@example.com",
};
const existing = { ...bare, clusterIssuer: "letsencrypt" };

describe("target", () => {
    it("is kind unless set, with no existing-cluster settings", () => {
        expect(validateConfig({})).toMatchObject({ target: "kind", existing: undefined });
        expect(problemsOf({ target: "eks" })).toEqual(['oncall-lab:target must be kind or existing (got "eks")']);
    });

    it("reads an existing cluster's settings with their defaults", () => {
        const lab = validateConfig(existing);
        expect(lab.target).toBe("existing");
        expect(lab.existing).toEqual({
            kubeContext: "team-prod",
            kubeconfigPath: undefined,
            ingressClassName: undefined,
            grafanaHost: "grafana.example.com",
            oncallHost: "oncall.example.com",
            tls: { kind: "clusterIssuer", clusterIssuer: "letsencrypt" },
            storageClass: undefined,
            storageSizes: { grafana: "10Gi", postgres: "20Gi", redis: "8Gi", vm: "50Gi" },
            replicas: {
                vmstorage: 2,
                vminsert: 2,
                vmselect: 2,
                vmReplicationFactor: 2,
                alertmanager: 3,
                vmalert: 2,
                oncallEngine: 2,
                oncallCelery: 2,
            },
            externalPostgres: undefined,
        });
        expect(validateConfig({ ...bare, tlsSecretName: "certs/wildcard" }).existing?.tls).toEqual({
            kind: "secret",
            sourceNamespace: "certs",
            sourceName: "wildcard",
        });
        expect(validateConfig({ ...bare, tlsDefaultCertificate: "true" }).existing?.tls).toEqual({
            kind: "controllerDefault",
        });
        expect(validateConfig({ ...bare, insecurePlainHttp: "true" }).existing?.tls).toBeUndefined();
        expect(
            validateConfig({ ...existing, oncallDatabaseHost: "pg.example.com" }, new Set(["oncallDatabasePassword"]))
                .existing?.externalPostgres,
        ).toEqual({ host: "pg.example.com", port: 5432, database: "oncall", user: "oncall" });
    });

    it("names what an existing cluster needs", () => {
        expect(problemsOf({ target: "existing" })).toEqual([
            "oncall-lab:kubeContext is required when oncall-lab:target is existing (a context of your kubeconfig, as `kubectl config get-contexts` lists it)",
            "oncall-lab:grafanaHost is required when oncall-lab:target is existing (the DNS name people open Grafana on, such as grafana.example.com)",
            "oncall-lab:oncallHost is required when oncall-lab:target is existing (the DNS name of the OnCall engine, such as oncall.example.com)",
            "oncall-lab:smtpHost is required when oncall-lab:target is existing (the lab's Mailpit runs only on kind): set smtpHost and smtpFromEmail",
            "TLS is required when oncall-lab:target is existing: set oncall-lab:clusterIssuer (cert-manager), oncall-lab:tlsDefaultCertificate true " +
                "(the ingress controller's default certificate) or oncall-lab:tlsSecretName; only oncall-lab:insecurePlainHttp true accepts plain http, " +
                "where the Grafana admin's password, the team's logins and the OnCall API token cross the network in clear",
        ]);
    });

    it("refuses plain http unless insecurePlainHttp accepts it, and insecurePlainHttp next to TLS", () => {
        expect(problemsOf(bare).join("\n")).toContain("TLS is required when oncall-lab:target is existing");
        expect(problemsOf({ ...bare, insecurePlainHttp: "false" }).join("\n")).toContain(
            "TLS is required when oncall-lab:target is existing",
        );
        expect(problemsOf({ ...bare, insecurePlainHttp: "yes" }).join("\n")).toContain(
            'oncall-lab:insecurePlainHttp must be true or false (got "yes")',
        );
        expect(problemsOf({ ...existing, insecurePlainHttp: "true" })).toEqual([
            "oncall-lab:insecurePlainHttp is set with oncall-lab:clusterIssuer: with TLS there is no plain http to accept; unset it",
        ]);
        expect(problemsOf({ insecurePlainHttp: "true" })).toEqual([
            "oncall-lab:insecurePlainHttp is set but applies only when oncall-lab:target is existing",
        ]);
        expect(validateConfig({ ...bare, insecurePlainHttp: "true" }).target).toBe("existing");
    });

    it("refuses every bad combination, naming the keys", () => {
        const cases: [Record<string, string>, SecretKey[], string][] = [
            [
                { ...bare, tlsSecretName: "certs/x", clusterIssuer: "le" },
                [],
                "oncall-lab:tlsSecretName and oncall-lab:clusterIssuer are both set",
            ],
            [
                { ...existing, tlsDefaultCertificate: "true" },
                [],
                "oncall-lab:clusterIssuer and oncall-lab:tlsDefaultCertificate are both set",
            ],
            [
                { ...existing, tlsSecretName: "certs/x", tlsDefaultCertificate: "true" },
                [],
                "oncall-lab:tlsSecretName, oncall-lab:clusterIssuer and oncall-lab:tlsDefaultCertificate are all set",
            ],
            [{ ...bare, tlsSecretName: "wildcard" }, [], "oncall-lab:tlsSecretName must be <namespace>/<name>"],
            [
                { ...existing, oncallHost: "grafana.example.com" },
                [],
                "oncall-lab:grafanaHost and oncall-lab:oncallHost must differ",
            ],
            [
                { ...existing, grafanaHost: "https://grafana.example.com" },
                [],
                "oncall-lab:grafanaHost must be the DNS name",
            ],
            [
                { ...existing, oncallDatabaseHost: "pg.example.com" },
                [],
                "oncall-lab:oncallDatabasePassword is required when oncall-lab:oncallDatabaseHost is set",
            ],
            [
                { ...existing, oncallDatabaseUser: "app" },
                [],
                "oncall-lab:oncallDatabaseUser is set but oncall-lab:oncallDatabaseHost is not",
            ],
            [
                existing,
                ["oncallDatabasePassword"],
                "oncall-lab:oncallDatabasePassword is set but oncall-lab:oncallDatabaseHost is not",
            ],
            [
                { ...existing, vmReplicationFactor: "3" },
                [],
                "oncall-lab:vmReplicationFactor (3) must be at most oncall-lab:vmstorageReplicas (2)",
            ],
            [
                { ...existing, alertmanagerReplicas: "0" },
                [],
                "oncall-lab:alertmanagerReplicas must be an integer from 1 to 9",
            ],
            [{ ...existing, vmStorageSize: "50GB" }, [], "oncall-lab:vmStorageSize must be a size such as 10Gi"],
            [
                { ...existing, grafanaHostPort: "3300" },
                [],
                "oncall-lab:grafanaHostPort is set but applies only when oncall-lab:target is kind",
            ],
            [
                { ...existing, clusterName: "other" },
                [],
                "oncall-lab:clusterName is set but applies only when oncall-lab:target is kind",
            ],
            [
                { kubeContext: "team-prod" },
                [],
                "oncall-lab:kubeContext is set but applies only when oncall-lab:target is existing",
            ],
            [
                { storageClass: "fast" },
                [],
                "oncall-lab:storageClass is set but applies only when oncall-lab:target is existing",
            ],
            [
                { vmstorageReplicas: "3" },
                [],
                "oncall-lab:vmstorageReplicas is set but applies only when oncall-lab:target is existing",
            ],
            [
                {},
                ["oncallDatabasePassword"],
                "oncall-lab:oncallDatabasePassword is set but applies only when oncall-lab:target is existing",
            ],
            [
                { ...existing, oncallDatabaseHost: "pg..example.com" },
                ["oncallDatabasePassword"],
                "oncall-lab:oncallDatabaseHost must be a host name",
            ],
            [
                { ...existing, kubeconfigPath: "/nonexistent/kubeconfig" },
                [],
                'oncall-lab:kubeconfigPath names no file (got "/nonexistent/kubeconfig"): give the kubeconfig\'s full path',
            ],
        ];
        for (const [raw, secrets, problem] of cases) {
            expect(problemsOf(raw, new Set(secrets)).join("\n"), JSON.stringify(raw)).toContain(problem);
        }
    });

    // A valid value other than the default (the Pulumi CLI passes the defaults on every target) for each kind-only key.
    const kindOnlyValues: Record<string, string> = {
        clusterName: "other",
        kindNodeImage: `kindest/node:v1.36.0@sha256:${"b".repeat(64)}`,
        grafanaHostPort: "3300",
        oncallHostPort: "8181",
        mailHostPort: "8026",
        mailpitImage: "axllent/mailpit:v1.30.4",
    };
    it("lists the six kind-only keys", () => {
        expect([...KIND_ONLY_KEYS].sort()).toEqual(Object.keys(kindOnlyValues).sort());
    });

    it.each(Object.keys(kindOnlyValues).map((key) => [key]))(
        "refuses the kind-only key %s on existing, and takes it on kind",
        (key) => {
            const value = kindOnlyValues[key];
            expect(problemsOf({ ...existing, [key]: value })).toEqual([
                `oncall-lab:${key} is set but applies only when oncall-lab:target is kind`,
            ]);
            expect(() => validateConfig({ [key]: value })).not.toThrow();
        },
    );

    it("takes a kubeconfigPath that names a file", () => {
        const seen: string[] = [];
        const lab = validateConfig(
            { ...existing, kubeconfigPath: "/home/sre/.kube/team" },
            new Set(),
            (file) => seen.push(file) > 0,
        );
        expect(lab.existing?.kubeconfigPath).toBe("/home/sre/.kube/team");
        expect(seen).toEqual(["/home/sre/.kube/team"]);
        // The real file system by default.
        expect(validateConfig({ ...existing, kubeconfigPath: __filename }).existing?.kubeconfigPath).toBe(__filename);
    });

    it("takes the existing target's defaults, which the Pulumi CLI passes on kind too, as not set", () => {
        expect(
            validateConfig({ vmstorageReplicas: "2", grafanaStorageSize: "10Gi", oncallDatabasePort: "5432" }).target,
        ).toBe("kind");
        expect(validateConfig({ ...existing, clusterName: "oncall-lab", grafanaHostPort: "3000" }).target).toBe(
            "existing",
        );
    });
});

describe("Pulumi.yaml and the target's keys", () => {
    it("declares the target's keys that have a default with a description, and none without one (the CLI would demand it)", () => {
        const project = parse(fs.readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8")).config as Record<
            string,
            { description?: string; default?: unknown }
        >;
        for (const name of ["target", ...Object.keys(existingDefaults)]) {
            expect(project[name]?.description, name).toBeTruthy();
        }
        for (const name of EXISTING_OPTIONAL_KEYS) expect(project[name], name).toBeUndefined();
        expect(project.target.default).toBe("kind");
    });
});
