// scripts/lab.sh keeps secret settings out of the tracked settings file in plain text: a plain value there stops every
// command but `config` (which can replace or remove it), and a `config set` of a secret key without --secret never runs.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SECRET_KEYS } from "../src/config/config";
import { configFile, lab, repo, settings } from "./support/lab-project";

const plain = (key: string, value: string) => fs.writeFileSync(configFile(), `config:\n  oncall-lab:${key}: ${value}\n`);

describe("scripts/lab.sh and secret settings", () => {
    it("knows the secret keys from the config schema (its generated secret_keys line), the ones the program reads with getSecret", () => {
        const script = fs.readFileSync(path.join(repo, "scripts", "lab.sh"), "utf8");
        expect(script.match(/^secret_keys="(.*)" #/m)?.[1].split(" ").sort()).toEqual([...SECRET_KEYS].sort());
        // Not declared in Pulumi.yaml: without a default the CLI would demand them of every stack.
        const project = parse(fs.readFileSync(path.join(repo, "Pulumi.yaml"), "utf8")).config as Record<string, unknown>;
        for (const key of SECRET_KEYS) expect(project[key], key).toBeUndefined();
    });

    const refused = (key: string, command: string[]) => {
        const { status, stderr, calls } = lab(command);
        expect(status, command.join(" ")).toBe(1);
        expect(stderr).toContain(`oncall-lab: oncall-lab:${key} is in plain text in Pulumi.dev.yaml, a tracked file: set it again with npm run pulumi -- config set --secret oncall-lab:${key} <value>`);
        expect(stderr).not.toContain("hunter2");
        expect(calls).toEqual([]);
    };

    it.each(SECRET_KEYS)("refuses %s in plain text in Pulumi.dev.yaml before running pulumi, and says how to fix it", (key) => {
        plain(key, "hunter2");
        refused(key, ["preview"]);
    });

    it("refuses up and destroy the same way", () => {
        plain("smtpPassword", "hunter2");
        refused("smtpPassword", ["up", "--yes"]);
        refused("smtpPassword", ["destroy", "--yes"]);
    });

    it("refuses `config set` of a secret key without --secret, before pulumi writes it", () => {
        expect(lab(["up", "--yes"]).status).toBe(0);
        for (const args of [
            ["config", "set", "oncall-lab:smtpPassword", "hunter2"],
            ["config", "set", "telegramBotToken", "123:abc"],
            ["config", "set", "--plaintext", "oncall-lab:oncallDatabasePassword", "pw"],
            ["config", "set-all", "--plaintext", "oncall-lab:smtpPassword=hunter2"],
        ]) {
            const { status, stderr, calls } = lab(args);
            expect(status, args.join(" ")).toBe(1);
            expect(stderr).toMatch(/oncall-lab: oncall-lab:\w+ is a secret: set it with --secret \(npm run pulumi -- config set --secret oncall-lab:\w+ <value>\)/);
            expect(calls).toEqual([]);
        }
        expect(JSON.stringify(settings())).not.toContain("hunter2");
    });

    it("lets `config set --secret` replace a plain value, after which the lab runs again", () => {
        expect(lab(["up", "--yes"]).status).toBe(0);
        plain("smtpPassword", "hunter2");
        const fixed = lab(["config", "set", "--secret", "oncall-lab:smtpPassword", "hunter2"]);
        expect(fixed.status).toBe(0);
        expect(settings().config["oncall-lab:smtpPassword"]).toHaveProperty("secure");
        expect(lab(["preview"]).status).toBe(0);
    });

    it("leaves plain settings that are not secrets alone", () => {
        plain("smtpHost", "smtp.example.com");
        expect(lab(["config", "set", "oncall-lab:smtpUsername", "oncall"]).status).toBe(0);
        expect(lab(["preview"]).status).toBe(0);
    });
});

describe(".gitignore", () => {
    it("ignores kubeconfig.yaml, which the README writes the lab's kubeconfig into", () => {
        const ignored = fs.readFileSync(path.join(repo, ".gitignore"), "utf8").split("\n");
        expect(ignored).toContain("kubeconfig.yaml");
        expect(fs.readFileSync(path.join(repo, "README.md"), "utf8")).toContain("stack output kubeconfig --show-secrets > kubeconfig.yaml");
    });
});
