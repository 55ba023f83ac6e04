// The lab program (scripts/lab.ts): the stack it creates, its passphrase and state in .pulumi/, and the tracked
// settings file Pulumi.dev.yaml whose salt stays in the state; and the fake pulumi behaving like pulumi 3.248 for salts.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
    configFile,
    lab,
    type LabRun,
    originalPath,
    project,
    pulumi,
    repo,
    settings,
    snapshot,
    stackState,
    stateDir,
    work,
} from "./support/lab-run";

describe("the lab program: the stack, its passphrase and its state", () => {
    it("creates the stack with a local backend and a generated passphrase, no Pulumi Cloud login", async () => {
        const { status, calls, lines, stdout } = await lab(["up", "--yes"]);
        expect(status).toBe(0);
        expect(calls).toEqual(["pulumi stack select dev", "pulumi stack init dev", "pulumi up --yes --stack dev"]);
        const passphraseFile = path.join(stateDir(), "passphrase");
        for (const line of lines) {
            expect(line).toContain(`backend=file://${stateDir()}/state passfile=${passphraseFile} fallback=true`);
        }
        expect(fs.readFileSync(passphraseFile, "utf8")).toMatch(/^[0-9a-f]{64}$/);
        expect(fs.statSync(passphraseFile).mode & 0o777).toBe(0o600);
        expect(fs.statSync(stateDir()).mode & 0o777).toBe(0o700);
        expect(stdout).toContain("generated the stack passphrase");
    });

    it("makes an existing .pulumi private to its user", async () => {
        fs.mkdirSync(stateDir(), { mode: 0o755 });
        fs.chmodSync(stateDir(), 0o755);
        expect((await lab(["preview"])).status).toBe(0);
        expect(fs.statSync(stateDir()).mode & 0o777).toBe(0o700);
    });

    it("keeps its state where ONCALL_LAB_STATE_DIR says", async () => {
        const elsewhere = path.join(work, "lab-state");
        const { status, lines } = await lab(["up", "--yes"], { ONCALL_LAB_STATE_DIR: elsewhere });
        expect(status).toBe(0);
        expect(lines.at(-1)).toContain(`backend=file://${elsewhere}/state passfile=${elsewhere}/passphrase `);
        expect(fs.existsSync(stateDir())).toBe(false);
    });

    it("refuses an exported but empty PULUMI_CONFIG_PASSPHRASE, which pulumi would take as the passphrase", async () => {
        const { status, stderr, calls } = await lab(["up", "--yes"], { PULUMI_CONFIG_PASSPHRASE: "" });
        expect(status).toBe(1);
        expect(stderr).toContain("oncall-lab: PULUMI_CONFIG_PASSPHRASE is set but empty");
        expect(stderr).toContain("unset it (the lab then uses .pulumi/passphrase)");
        expect(calls).toEqual([]);
        expect(fs.existsSync(path.join(stateDir(), "passphrase"))).toBe(false);
    });

    it("keeps the passphrase across runs", async () => {
        await lab(["up"]);
        const first = fs.readFileSync(path.join(stateDir(), "passphrase"), "utf8");
        const second = await lab(["destroy", "--yes"]);
        expect(second.status).toBe(0);
        expect(second.stdout).not.toContain("generated");
        expect(fs.readFileSync(path.join(stateDir(), "passphrase"), "utf8")).toBe(first);
        expect(second.calls.at(-1)).toBe("pulumi destroy --yes --stack dev");
    });

    it("uses the caller's backend and passphrase when set, and PULUMI_STACK", async () => {
        const elsewhere = `file://${work}/elsewhere`;
        const { status, lines } = await lab(["preview"], {
            PULUMI_BACKEND_URL: elsewhere,
            PULUMI_CONFIG_PASSPHRASE: "x",
            PULUMI_STACK: "ci",
        });
        expect(status).toBe(0);
        expect(lines.at(-1)).toMatch(new RegExp(`^pulumi preview --stack ci \\| backend=${elsewhere} passfile= `));
        expect(fs.existsSync(path.join(stateDir(), "passphrase"))).toBe(false);
        expect(fs.readFileSync(path.join(project, "Pulumi.ci.yaml"), "utf8")).not.toContain("encryptionsalt");
    });

    it("finds a passphrase file given relative to the project", async () => {
        fs.writeFileSync(path.join(project, "my-passphrase"), "from a file");
        const { status, stderr, lines } = await lab(["up", "--yes"], {
            PULUMI_CONFIG_PASSPHRASE_FILE: "my-passphrase",
        });
        expect(stderr).toBe("");
        expect(status).toBe(0);
        expect(lines.at(-1)).toContain("passfile=my-passphrase ");
    });

    it("starts over after the state directory is deleted", async () => {
        expect((await lab(["up", "--yes"])).status).toBe(0);
        const firstPassphrase = fs.readFileSync(path.join(stateDir(), "passphrase"), "utf8");

        fs.rmSync(stateDir(), { recursive: true });
        const again = await lab(["up", "--yes"]);

        expect(again.stderr).toBe("");
        expect(again.status).toBe(0);
        expect(again.stdout).toContain("generated the stack passphrase");
        expect(again.calls).toContain("pulumi stack init dev");
        expect(fs.readFileSync(path.join(stateDir(), "passphrase"), "utf8")).not.toBe(firstPassphrase);
    });
});

describe("the lab program: the tracked settings file and its salt", () => {
    it("is the repository's Pulumi.dev.yaml, tracked, with no salt and no secret", () => {
        const tracked = parse(fs.readFileSync(path.join(repo, "Pulumi.dev.yaml"), "utf8"));
        expect(tracked).toEqual({ config: {} });
        // The kind and docker stubs are all the PATH there is during these tests: git from where it was before.
        const ignored = spawnSync("git", ["check-ignore", "-q", "Pulumi.dev.yaml"], {
            cwd: repo,
            env: { ...process.env, PATH: originalPath },
        });
        expect(ignored.status).toBe(1);
    });

    it("keeps the settings in the top-level Pulumi.dev.yaml and the salt only in the state, whatever the commands", async () => {
        const before = snapshot(project);
        for (const args of [
            ["up", "--yes"],
            ["config", "set", "oncall-lab:clusterName", "lab2"],
            ["config", "set", "--secret", "oncall-lab:telegramBotToken", "123:abc"],
            ["preview"],
            ["up", "--yes"],
            ["stack", "output"],
            ["destroy", "--yes"],
        ]) {
            const { status, stderr } = await lab(args);
            expect({ args, status, stderr }).toEqual({ args, status: 0, stderr: "" });
            expect(fs.readFileSync(configFile(), "utf8"), args.join(" ")).not.toContain("encryptionsalt");
        }

        expect(settings().config["oncall-lab:clusterName"]).toBe("lab2");
        expect(settings().config["oncall-lab:telegramBotToken"]).toEqual({ secure: expect.stringMatching(/^v1:/) });
        expect(stackState().salt).toMatch(/^v1:/);
        // Nothing else in the project changed, and no second settings file appeared.
        const after = snapshot(project);
        delete after["Pulumi.dev.yaml"];
        delete before["Pulumi.dev.yaml"];
        expect(after).toEqual(before);
        expect(fs.existsSync(path.join(stateDir(), "Pulumi.dev.yaml"))).toBe(false);
    });

    it("takes the salt out even when the command fails", async () => {
        expect((await lab(["up", "--yes"])).status).toBe(0);
        const { status } = await lab(["config", "get"]);
        expect(status).toBe(1);
        expect(fs.readFileSync(configFile(), "utf8")).not.toContain("encryptionsalt");
    });

    it("is where a plain `pulumi config set` writes too", async () => {
        await lab(["up", "--yes"]);
        const env = {
            PULUMI_BACKEND_URL: `file://${stateDir()}/state`,
            PULUMI_CONFIG_PASSPHRASE_FILE: path.join(stateDir(), "passphrase"),
        };
        expect(await pulumi(env).run(["config", "set", "oncall-lab:grafanaHostPort", "3001"])).toBe(0);
        expect(settings().config["oncall-lab:grafanaHostPort"]).toBe("3001");
    });

    it("takes out a salt pulumi itself wrote back (an interrupted run, pulumi run directly), keeping the secrets it encrypted", async () => {
        await lab(["up", "--yes"]);
        await lab(["config", "set", "--secret", "oncall-lab:smtpPassword", "pw"]);
        fs.appendFileSync(configFile(), `encryptionsalt: ${stackState().salt}\n`);

        const { status, stdout, stderr } = await lab(["up", "--yes"]);

        expect(stderr).toBe("");
        expect(status).toBe(0);
        expect(stdout).not.toContain("removed");
        expect(settings().config["oncall-lab:smtpPassword"]).toHaveProperty("secure");
        expect(settings().encryptionsalt).toBeUndefined();
    });

    it("knows the stack's own salt when the file quotes it", async () => {
        await lab(["up", "--yes"]);
        await lab(["config", "set", "--secret", "oncall-lab:smtpPassword", "pw"]);
        fs.appendFileSync(configFile(), `encryptionsalt: "${stackState().salt}"\n`);
        const { status, stdout } = await lab(["up", "--yes"]);
        expect(status).toBe(0);
        expect(stdout).not.toContain("removed");
        expect(settings().config["oncall-lab:smtpPassword"]).toHaveProperty("secure");
    });

    describe("never fails on a salt left from a lost passphrase", () => {
        /** A settings file as another machine's pulumi left it: its salt and a secret encrypted with it. */
        const fromAnotherMachine = async () => {
            const other = pulumi({
                PULUMI_BACKEND_URL: `file://${work}/other-machine`,
                PULUMI_CONFIG_PASSPHRASE: "another passphrase",
            });
            await other.create();
            expect(await other.run(["config", "set", "oncall-lab:clusterName", "lab2"])).toBe(0);
            expect(await other.run(["config", "set", "--secret", "oncall-lab:telegramBotToken", "123:abc"])).toBe(0);
            expect(settings()).toMatchObject({ encryptionsalt: expect.stringMatching(/^v1:/) });
        };
        const expectCleanedUp = (result: LabRun) => {
            expect(result.stderr).toBe("");
            expect(result.status).toBe(0);
            expect(result.stdout.split("\n").filter((line) => line.includes("removed"))).toEqual([
                "oncall-lab: removed oncall-lab:telegramBotToken from Pulumi.dev.yaml (encrypted with another passphrase's salt): " +
                    "set them again with npm run pulumi -- config set --secret <key> <value>",
            ]);
            expect(settings().encryptionsalt).toBeUndefined();
            expect(settings().config).toEqual({ "oncall-lab:clusterName": "lab2" });
            expect(result.calls.at(-1)).toBe("pulumi up --yes --stack dev");
        };

        it("a fresh clone of a commit that carried a salt and a secret", async () => {
            await fromAnotherMachine();
            expectCleanedUp(await lab(["up", "--yes"]));
        });

        it("a salt from another machine in the file of a stack that exists here", async () => {
            await lab(["up", "--yes"]);
            const ownSalt = stackState().salt;
            await fromAnotherMachine();
            expectCleanedUp(await lab(["up", "--yes"]));
            expect(stackState().salt).toBe(ownSalt);
        });

        it("a deleted .pulumi: the secrets set with the old passphrase cannot be read back", async () => {
            await lab(["up", "--yes"]);
            await lab(["config", "set", "oncall-lab:clusterName", "lab2"]);
            await lab(["config", "set", "--secret", "oncall-lab:telegramBotToken", "123:abc"]);
            fs.rmSync(stateDir(), { recursive: true });
            expectCleanedUp(await lab(["up", "--yes"]));
        });
    });

    it("moves the settings file earlier versions kept in .pulumi to the top level, secrets and all", async () => {
        await lab(["up", "--yes"]);
        await lab(["config", "set", "oncall-lab:clusterName", "lab2"]);
        await lab(["config", "set", "--secret", "oncall-lab:smtpPassword", "pw"]);
        const old = `${fs.readFileSync(configFile(), "utf8")}encryptionsalt: ${stackState().salt}\n`;
        fs.writeFileSync(path.join(stateDir(), "Pulumi.dev.yaml"), old);
        fs.copyFileSync(path.join(repo, "Pulumi.dev.yaml"), configFile());

        const { status, stdout, stderr } = await lab(["up", "--yes"]);

        expect(stderr).toBe("");
        expect(status).toBe(0);
        expect(stdout).toContain(`moved the stack settings from ${stateDir()}/Pulumi.dev.yaml to Pulumi.dev.yaml`);
        expect(settings().config).toMatchObject({
            "oncall-lab:clusterName": "lab2",
            "oncall-lab:smtpPassword": { secure: expect.any(String) },
        });
        expect(settings().encryptionsalt).toBeUndefined();
        expect(fs.existsSync(path.join(stateDir(), "Pulumi.dev.yaml"))).toBe(false);
    });

    it("refuses to move it over a settings file that holds settings, naming both", async () => {
        await lab(["up", "--yes"]);
        await lab(["config", "set", "oncall-lab:clusterName", "lab2"]);
        fs.writeFileSync(path.join(stateDir(), "Pulumi.dev.yaml"), "config:\n  oncall-lab:clusterName: lab3\n");
        const { status, stderr, calls } = await lab(["up", "--yes"]);
        expect(status).toBe(1);
        expect(stderr).toContain(
            `oncall-lab: both Pulumi.dev.yaml and ${stateDir()}/Pulumi.dev.yaml hold settings: merge them into Pulumi.dev.yaml`,
        );
        expect(calls).toEqual([]);
    });
});

describe("the fake pulumi", () => {
    const run = (passphrase: string) =>
        pulumi({ PULUMI_BACKEND_URL: `file://${work}/state`, PULUMI_CONFIG_PASSPHRASE: passphrase });

    // What made the lab fail before: a salt in the settings file outlived the passphrase in .pulumi.
    it("refuses a config file whose salt belongs to another passphrase, as pulumi does", async () => {
        await run("first").create();
        expect(settings().encryptionsalt).toMatch(/^v1:/);
        fs.rmSync(path.join(work, "state"), { recursive: true });

        await expect(run("second").create()).rejects.toThrow("incorrect passphrase");
    });

    it("writes the state's salt back into a config file that has none, as pulumi does with the fallback", async () => {
        await run("first").create();
        const salt = settings().encryptionsalt;
        fs.copyFileSync(path.join(repo, "Pulumi.dev.yaml"), configFile());

        const withFallback = pulumi({
            PULUMI_BACKEND_URL: `file://${work}/state`,
            PULUMI_CONFIG_PASSPHRASE: "first",
            PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER: "true",
        });
        expect(await withFallback.run(["preview"])).toBe(0);
        expect(settings().encryptionsalt).toBe(salt);
    });
});
