// The lab program (scripts/lab.ts) keeps secret settings out of the tracked settings file in plain text: a plain value
// there stops every command but `config` (which can replace or remove it), and a `config set` of a secret key without
// --secret never runs.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SECRET_KEYS } from "../src/config/config";
import { configFile, lab, repo, settings } from "./support/lab-run";

const plain = (key: string, value: string) =>
    fs.writeFileSync(configFile(), `config:\n  oncall-lab:${key}: ${value}\n`);

describe("the lab program and secret settings", () => {
    it("knows the secret keys from the config schema, the ones the program reads with getSecret", () => {
        // Not declared in Pulumi.yaml: without a default the CLI would demand them of every stack.
        const project = parse(fs.readFileSync(path.join(repo, "Pulumi.yaml"), "utf8")).config as Record<
            string,
            unknown
        >;
        for (const key of SECRET_KEYS) expect(project[key], key).toBeUndefined();
    });

    const refused = async (key: string, command: string[]) => {
        const { status, stderr, calls } = await lab(command);
        expect(status, command.join(" ")).toBe(1);
        expect(stderr).toContain(
            `oncall-lab: oncall-lab:${key} is in plain text in Pulumi.dev.yaml, a tracked file: set it again with npm run pulumi -- config set --secret oncall-lab:${key} <value>`,
        );
        expect(stderr).not.toContain("hunter2");
        expect(calls).toEqual([]);
    };

    it.each(SECRET_KEYS)(
        "refuses %s in plain text in Pulumi.dev.yaml before running pulumi, and says how to fix it",
        async (key) => {
            plain(key, "hunter2");
            await refused(key, ["preview"]);
        },
    );

    it("refuses up and destroy the same way", async () => {
        plain("smtpPassword", "hunter2");
        await refused("smtpPassword", ["up", "--yes"]);
        await refused("smtpPassword", ["destroy", "--yes"]);
    });

    it("refuses `config set` of a secret key without --secret, before pulumi writes it", async () => {
        expect((await lab(["up", "--yes"])).status).toBe(0);
        for (const args of [
            ["config", "set", "oncall-lab:smtpPassword", "hunter2"],
            ["config", "set", "telegramBotToken", "123:abc"],
            ["config", "set", "--plaintext", "oncall-lab:oncallDatabasePassword", "pw"],
            ["config", "set-all", "--plaintext", "oncall-lab:smtpPassword=hunter2"],
        ]) {
            const { status, stderr, calls } = await lab(args);
            expect(status, args.join(" ")).toBe(1);
            expect(stderr).toMatch(
                /oncall-lab: oncall-lab:\w+ is a secret: set it with --secret \(npm run pulumi -- config set --secret oncall-lab:\w+ <value>\)/,
            );
            expect(calls).toEqual([]);
        }
        expect(JSON.stringify(settings())).not.toContain("hunter2");
    });

    it("lets `config set --secret` replace a plain value, after which the lab runs again", async () => {
        expect((await lab(["up", "--yes"])).status).toBe(0);
        plain("smtpPassword", "hunter2");
        const fixed = await lab(["config", "set", "--secret", "oncall-lab:smtpPassword", "hunter2"]);
        expect(fixed.status).toBe(0);
        expect(settings().config["oncall-lab:smtpPassword"]).toHaveProperty("secure");
        expect((await lab(["preview"])).status).toBe(0);
    });

    it("leaves plain settings that are not secrets alone", async () => {
        plain("smtpHost", "smtp.example.com");
        expect((await lab(["config", "set", "oncall-lab:smtpUsername", "oncall"])).status).toBe(0);
        expect((await lab(["preview"])).status).toBe(0);
    });
});

describe(".gitignore", () => {
    it("ignores kubeconfig.yaml, which the README writes the lab's kubeconfig into", () => {
        const ignored = fs.readFileSync(path.join(repo, ".gitignore"), "utf8").split("\n");
        expect(ignored).toContain("kubeconfig.yaml");
        expect(fs.readFileSync(path.join(repo, "README.md"), "utf8")).toContain(
            "stack output kubeconfig --show-secrets > kubeconfig.yaml",
        );
    });
});
