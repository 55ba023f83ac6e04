// A bad existing-cluster configuration stops the program before it declares anything (not even the provider or a read).
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/config";
import { importWithConfig } from "./support/config";

describe("bad existing-cluster configuration", () => {
    it("fails naming every bad key and combination, and creates or reads no resource", async () => {
        const { error, created } = await importWithConfig({
            "oncall-lab:target": "existing",
            "oncall-lab:grafanaHost": "grafana.example.com",
            "oncall-lab:oncallHost": "grafana.example.com",
            "oncall-lab:tlsSecretName": "certs/wildcard",
            "oncall-lab:clusterIssuer": "letsencrypt",
            "oncall-lab:insecurePlainHttp": "true",
            "oncall-lab:oncallDatabaseHost": "pg.example.com",
            "oncall-lab:vmReplicationFactor": "3",
            "oncall-lab:mailHostPort": "9025",
            // As the Pulumi CLI passes Pulumi.yaml's defaults: not keys the user set.
            "oncall-lab:grafanaHostPort": "3000",
            "oncall-lab:vmstorageReplicas": "2",
        });

        expect(error).toBeInstanceOf(ConfigError);
        const message = (error as Error).message;
        for (const problem of [
            "oncall-lab:kubeContext is required when oncall-lab:target is existing",
            "oncall-lab:grafanaHost and oncall-lab:oncallHost must differ",
            "oncall-lab:tlsSecretName and oncall-lab:clusterIssuer are both set",
            "oncall-lab:insecurePlainHttp is set with oncall-lab:tlsSecretName",
            "oncall-lab:oncallDatabasePassword is required when oncall-lab:oncallDatabaseHost is set",
            "oncall-lab:vmReplicationFactor (3) must be at most oncall-lab:vmstorageReplicas (2)",
            "oncall-lab:smtpHost is required when oncall-lab:target is existing",
            "oncall-lab:mailHostPort is set but applies only when oncall-lab:target is kind",
        ])
            expect(message).toContain(problem);
        expect(message).not.toContain("oncall-lab:grafanaHostPort");
        expect(created).toEqual([]);
    });
});
