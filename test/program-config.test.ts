// A bad configuration stops the program before it declares anything.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/config";

describe("bad configuration", () => {
    it("fails naming every bad key, and creates no resource", async () => {
        const created: string[] = [];
        await pulumi.runtime.setMocks({
            newResource: args => {
                created.push(args.name);
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: args => args.inputs,
        }, "oncall-lab", "test", false);
        pulumi.runtime.setConfig("oncall-lab:grafanaHostPort", "80");
        pulumi.runtime.setConfig("oncall-lab:clusterName", "Not_Valid");
        pulumi.runtime.setConfig("oncall-lab:smtpPasword", "typo");
        pulumi.runtime.setConfig("oncall-lab:targetDownFor", "1s1m");
        pulumi.runtime.setConfig("oncall-lab:smtpPort", "2525");
        // As the Pulumi CLI passes Pulumi.yaml's default: not a key the user set.
        pulumi.runtime.setConfig("oncall-lab:smtpTls", "true");

        const error = await import("../index.js").then(() => undefined, (err: unknown) => err);

        expect(error).toBeInstanceOf(ConfigError);
        const message = (error as Error).message;
        expect(message).toContain("oncall-lab:grafanaHostPort must be an integer from 1024 to 65535 (got \"80\")");
        expect(message).toContain("oncall-lab:clusterName must be a DNS-1123 label");
        expect(message).toContain("oncall-lab:smtpPasword is not a setting of this lab");
        expect(message).toContain('oncall-lab:targetDownFor must be a duration such as 30s, 5m or 1h30m');
        expect(message).toContain("oncall-lab:smtpPort is set but oncall-lab:smtpHost is not");
        expect(message).not.toContain("oncall-lab:smtpTls");
        expect(created).toEqual([]);
    });
});
