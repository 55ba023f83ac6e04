// A bad configuration stops the program before it declares anything.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/config";
import { importWithConfig } from "./support/config";

describe("bad configuration", () => {
    it("fails naming every bad key, and creates no resource", async () => {
        const { error, created } = await importWithConfig({
            "oncall-lab:grafanaHostPort": "80",
            "oncall-lab:clusterName": "Not_Valid",
            "oncall-lab:smtpPasword": "typo",
            "oncall-lab:targetDownFor": "1s1m",
            "oncall-lab:smtpPort": "2525",
            // As the Pulumi CLI passes Pulumi.yaml's default: not a key the user set.
            "oncall-lab:smtpTls": "true",
        });

        expect(error).toBeInstanceOf(ConfigError);
        const message = (error as Error).message;
        expect(message).toContain('oncall-lab:grafanaHostPort must be an integer from 1024 to 65535 (got "80")');
        expect(message).toContain("oncall-lab:clusterName must be a DNS-1123 label");
        expect(message).toContain("oncall-lab:smtpPasword is not a setting of this lab");
        expect(message).toContain("oncall-lab:targetDownFor must be a duration such as 30s, 5m or 1h30m");
        expect(message).toContain("oncall-lab:smtpPort is set but oncall-lab:smtpHost is not");
        expect(message).not.toContain("oncall-lab:smtpTls");
        expect(created).toEqual([]);
    });
});

describe("the check that nothing is created", () => {
    it("catches a resource declared before the config is validated", async () => {
        const { error, created } = await importWithConfig(
            { "oncall-lab:clusterName": "Not_Valid" },
            "../fixtures/declares-before-validation/index.js",
        );
        expect(error).toBeInstanceOf(ConfigError);
        expect(created).toEqual(["declared-too-early"]);
    });
});
