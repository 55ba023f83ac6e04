// A bad existing-cluster configuration stops the program before it declares anything (not even the provider or a read).
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/config";

describe("bad existing-cluster configuration", () => {
    it("fails naming every bad key and combination, and creates or reads no resource", async () => {
        const created: string[] = [];
        await pulumi.runtime.setMocks({
            newResource: args => {
                created.push(args.name);
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: args => args.inputs,
        }, "oncall-lab", "test", false);
        pulumi.runtime.setConfig("oncall-lab:target", "existing");
        pulumi.runtime.setConfig("oncall-lab:grafanaHost", "grafana.example.com");
        pulumi.runtime.setConfig("oncall-lab:oncallHost", "grafana.example.com");
        pulumi.runtime.setConfig("oncall-lab:tlsSecretName", "certs/wildcard");
        pulumi.runtime.setConfig("oncall-lab:clusterIssuer", "letsencrypt");
        pulumi.runtime.setConfig("oncall-lab:oncallDatabaseHost", "pg.example.com");
        pulumi.runtime.setConfig("oncall-lab:vmReplicationFactor", "3");
        pulumi.runtime.setConfig("oncall-lab:mailHostPort", "9025");
        // As the Pulumi CLI passes Pulumi.yaml's defaults: not keys the user set.
        pulumi.runtime.setConfig("oncall-lab:grafanaHostPort", "3000");
        pulumi.runtime.setConfig("oncall-lab:vmstorageReplicas", "2");

        const error = await import("../index.js").then(() => undefined, (err: unknown) => err);

        expect(error).toBeInstanceOf(ConfigError);
        const message = (error as Error).message;
        for (const problem of [
            "oncall-lab:kubeContext is required when oncall-lab:target is existing",
            "oncall-lab:grafanaHost and oncall-lab:oncallHost must differ",
            "oncall-lab:tlsSecretName and oncall-lab:clusterIssuer are both set",
            "oncall-lab:oncallDatabasePassword is required when oncall-lab:oncallDatabaseHost is set",
            "oncall-lab:vmReplicationFactor (3) must be at most oncall-lab:vmstorageReplicas (2)",
            "oncall-lab:smtpHost is required when oncall-lab:target is existing",
            "oncall-lab:mailHostPort is set but applies only when oncall-lab:target is kind",
        ]) expect(message).toContain(problem);
        expect(message).not.toContain("oncall-lab:grafanaHostPort");
        expect(created).toEqual([]);
    });
});
