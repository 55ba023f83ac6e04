// scripts/lab.sh (npm run up / preview / destroy / pulumi) against the stub pulumi, docker and kind of
// test/support/stubs, run on a copy of the project so that what a run leaves there can be checked.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { FakeDocker, installStubs } from "./support/stubs";

const repo = path.join(__dirname, "..");

let work: string;
let project: string;
let stubs: string;
let tools: string;
let log: string;
let docker: FakeDocker;

/** Runs scripts/lab.sh of the project copy with only the stubs and a few basic tools on PATH. */
function lab(args: string[], env: Record<string, string> = {}) {
    fs.writeFileSync(log, "");
    const result = spawnSync("/bin/bash", [path.join(project, "scripts", "lab.sh"), ...args], {
        encoding: "utf8",
        env: { PATH: `${stubs}:${tools}`, HOME: work, STUB_LOG: log, STUB_DIR: stubs, ...env },
    });
    const lines = fs.readFileSync(log, "utf8").trim().split("\n").filter((line) => line !== "");
    // Each pulumi call is logged as "pulumi <args> | <environment>"; the tests mostly look at the arguments.
    const calls = lines.map((line) => line.split(" | ")[0]);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls, lines };
}

/** The stub pulumi run directly in the project, as someone would run pulumi without lab.sh. */
function pulumi(args: string[], env: Record<string, string>) {
    return spawnSync(path.join(stubs, "pulumi"), args, {
        cwd: project,
        encoding: "utf8",
        env: { PATH: `${stubs}:${tools}`, STUB_LOG: log, STUB_DIR: stubs, ...env },
    });
}

/** Every file under dir with its content, except the state directory and node_modules. */
function snapshot(dir: string): Record<string, string> {
    const files: Record<string, string> = {};
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
        const file = path.join(entry.parentPath, entry.name);
        const relative = path.relative(dir, file);
        if (entry.isFile() && !/^(\.pulumi|node_modules)(\/|$)/.test(relative)) {
            files[relative] = fs.readFileSync(file, "base64");
        }
    }
    return files;
}

/** Pulumi's --target glob: `**` matches anything, `*` anything but a colon. */
function targetMatches(glob: string, urn: string): boolean {
    const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pattern = glob
        .split("**")
        .map((part) => part.split("*").map(quote).join("[^:]*"))
        .join(".*");
    return new RegExp(`^${pattern}$`).test(urn);
}

beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "oncall-lab-script-"));
    project = path.join(work, "project");
    stubs = path.join(work, "bin");
    tools = path.join(work, "tools");
    log = path.join(work, "calls.log");
    for (const dir of [path.join(project, "scripts"), path.join(project, "node_modules"), stubs, tools]) {
        fs.mkdirSync(dir, { recursive: true });
    }
    for (const file of ["scripts/lab.sh", "scripts/ensure-deps.cjs", "Pulumi.yaml", "Pulumi.dev.yaml", "package.json", "package-lock.json", ".gitignore"]) {
        fs.copyFileSync(path.join(repo, file), path.join(project, file));
    }
    // Installed after the lock file was written, so scripts/ensure-deps.cjs has nothing to do.
    fs.writeFileSync(path.join(project, "node_modules", ".package-lock.json"), "{}");
    fs.symlinkSync(path.join(repo, "node_modules", "yaml"), path.join(project, "node_modules", "yaml"));
    // Only these from the system: a real docker, kind or pulumi elsewhere on PATH is never reached.
    for (const tool of ["bash", "od", "tr", "dirname", "mkdir", "chmod", "mv", "rm", "cat", "grep"]) {
        const found = ["/usr/bin", "/bin"].map((dir) => path.join(dir, tool)).find((file) => fs.existsSync(file));
        fs.symlinkSync(found!, path.join(tools, tool));
    }
    fs.symlinkSync(process.execPath, path.join(tools, "node"));
    installStubs(stubs, ["pulumi", "kind", "docker"]);
    docker = new FakeDocker(stubs);
});

afterEach(() => {
    fs.rmSync(work, { recursive: true, force: true });
});

const stateDir = () => path.join(project, ".pulumi");
const configFile = () => path.join(project, "Pulumi.dev.yaml");
const settings = () => parse(fs.readFileSync(configFile(), "utf8")) ?? {};
const stackState = () => JSON.parse(fs.readFileSync(path.join(stateDir(), "state", "stacks", "dev.json"), "utf8"));
const CLUSTER_URN = "urn:pulumi:dev::oncall-lab::oncall-lab:index:KindCluster$pulumi-nodejs:dynamic:KindCluster::kind-cluster";

describe("scripts/lab.sh: the stack, its passphrase and its state", () => {
    it("creates the stack with a local backend and a generated passphrase, no Pulumi Cloud login", () => {
        const { status, calls, lines, stdout } = lab(["up", "--yes"]);
        expect(status).toBe(0);
        expect(calls).toEqual([
            "docker info",
            "pulumi stack select dev",
            "pulumi stack init dev --secrets-provider passphrase --no-select",
            "pulumi up --yes --stack dev",
        ]);
        const passphraseFile = path.join(stateDir(), "passphrase");
        for (const line of lines.filter((call) => call.startsWith("pulumi "))) {
            expect(line).toContain(`cwd=${project} backend=file://${stateDir()}/state passfile=${passphraseFile} fallback=true`);
        }
        expect(fs.readFileSync(passphraseFile, "utf8")).toMatch(/^[0-9a-f]{64}$/);
        expect(fs.statSync(passphraseFile).mode & 0o777).toBe(0o600);
        expect(fs.statSync(stateDir()).mode & 0o777).toBe(0o700);
        expect(stdout).toContain("generated the stack passphrase");
    });

    it("makes an existing .pulumi private to its user", () => {
        fs.mkdirSync(stateDir(), { mode: 0o755 });
        fs.chmodSync(stateDir(), 0o755);
        expect(lab(["preview"]).status).toBe(0);
        expect(fs.statSync(stateDir()).mode & 0o777).toBe(0o700);
    });

    it("refuses an exported but empty PULUMI_CONFIG_PASSPHRASE, which pulumi would take as the passphrase", () => {
        const { status, stderr, calls } = lab(["up", "--yes"], { PULUMI_CONFIG_PASSPHRASE: "" });
        expect(status).toBe(1);
        expect(stderr).toContain("oncall-lab: PULUMI_CONFIG_PASSPHRASE is set but empty");
        expect(stderr).toContain("unset it (the lab then uses .pulumi/passphrase)");
        expect(calls.filter((call) => call.startsWith("pulumi"))).toEqual([]);
        expect(fs.existsSync(path.join(stateDir(), "passphrase"))).toBe(false);
    });

    it("keeps the passphrase across runs", () => {
        lab(["up"]);
        const first = fs.readFileSync(path.join(stateDir(), "passphrase"), "utf8");
        const second = lab(["destroy", "--yes"]);
        expect(second.status).toBe(0);
        expect(second.stdout).not.toContain("generated");
        expect(fs.readFileSync(path.join(stateDir(), "passphrase"), "utf8")).toBe(first);
        expect(second.calls.at(-1)).toBe("pulumi destroy --yes --stack dev");
    });

    it("uses the caller's backend and passphrase when set, and PULUMI_STACK", () => {
        const elsewhere = `file://${work}/elsewhere`;
        const { status, lines } = lab(["preview"], { PULUMI_BACKEND_URL: elsewhere, PULUMI_CONFIG_PASSPHRASE: "x", PULUMI_STACK: "ci" });
        expect(status).toBe(0);
        expect(lines.at(-1)).toMatch(new RegExp(`^pulumi preview --stack ci \\| .* backend=${elsewhere} passfile= `));
        expect(fs.existsSync(path.join(stateDir(), "passphrase"))).toBe(false);
        expect(fs.readFileSync(path.join(project, "Pulumi.ci.yaml"), "utf8")).not.toContain("encryptionsalt");
    });

    it("finds a passphrase file given relative to the project", () => {
        fs.writeFileSync(path.join(project, "my-passphrase"), "from a file");
        const { status, stderr, lines } = lab(["up", "--yes"], { PULUMI_CONFIG_PASSPHRASE_FILE: "my-passphrase" });
        expect(stderr).toBe("");
        expect(status).toBe(0);
        expect(lines.at(-1)).toContain("passfile=my-passphrase ");
    });

    it("starts over after the state directory is deleted", () => {
        expect(lab(["up", "--yes"]).status).toBe(0);
        const firstPassphrase = fs.readFileSync(path.join(stateDir(), "passphrase"), "utf8");

        fs.rmSync(stateDir(), { recursive: true });
        const again = lab(["up", "--yes"]);

        expect(again.stderr).toBe("");
        expect(again.status).toBe(0);
        expect(again.stdout).toContain("generated the stack passphrase");
        expect(again.calls).toContain("pulumi stack init dev --secrets-provider passphrase --no-select");
        expect(fs.readFileSync(path.join(stateDir(), "passphrase"), "utf8")).not.toBe(firstPassphrase);
    });
});

describe("scripts/lab.sh: the tracked settings file and its salt", () => {
    it("is the repository's Pulumi.dev.yaml, tracked, with no salt and no secret", () => {
        const tracked = parse(fs.readFileSync(path.join(repo, "Pulumi.dev.yaml"), "utf8"));
        expect(tracked).toEqual({ config: {} });
        const ignored = spawnSync("git", ["check-ignore", "-q", "Pulumi.dev.yaml"], { cwd: repo });
        expect(ignored.status).toBe(1);
    });

    it("keeps the settings in the top-level Pulumi.dev.yaml and the salt only in the state, whatever the commands", () => {
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
            const { status, stderr } = lab(args);
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

    it("is where a plain `pulumi config set` writes too", () => {
        lab(["up", "--yes"]);
        const env = {
            PULUMI_BACKEND_URL: `file://${stateDir()}/state`, PULUMI_CONFIG_PASSPHRASE_FILE: path.join(stateDir(), "passphrase"),
        };
        expect(pulumi(["config", "set", "oncall-lab:grafanaHostPort", "3001", "--stack", "dev"], env).status).toBe(0);
        expect(settings().config["oncall-lab:grafanaHostPort"]).toBe("3001");
    });

    it("takes out a salt pulumi itself wrote back (an interrupted run, pulumi run directly), keeping the secrets it encrypted", () => {
        lab(["up", "--yes"]);
        lab(["config", "set", "--secret", "oncall-lab:smtpPassword", "pw"]);
        fs.appendFileSync(configFile(), `encryptionsalt: ${stackState().salt}\n`);

        const { status, stdout, stderr } = lab(["up", "--yes"]);

        expect(stderr).toBe("");
        expect(status).toBe(0);
        expect(stdout).not.toContain("removed");
        expect(settings().config["oncall-lab:smtpPassword"]).toHaveProperty("secure");
        expect(settings().encryptionsalt).toBeUndefined();
    });

    describe("never fails on a salt left from a lost passphrase", () => {
        /** A settings file as another machine's pulumi left it: its salt and a secret encrypted with it. */
        const fromAnotherMachine = () => {
            const other = { PULUMI_BACKEND_URL: `file://${work}/other-machine`, PULUMI_CONFIG_PASSPHRASE: "another passphrase" };
            expect(pulumi(["stack", "init", "dev"], other).status).toBe(0);
            expect(pulumi(["config", "set", "oncall-lab:clusterName", "lab2", "--stack", "dev"], other).status).toBe(0);
            expect(pulumi(["config", "set", "--secret", "oncall-lab:telegramBotToken", "123:abc", "--stack", "dev"], other).status).toBe(0);
            expect(settings()).toMatchObject({ encryptionsalt: expect.stringMatching(/^v1:/) });
        };
        const expectCleanedUp = (result: ReturnType<typeof lab>) => {
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

        it("a fresh clone of a commit that carried a salt and a secret", () => {
            fromAnotherMachine();
            expectCleanedUp(lab(["up", "--yes"]));
        });

        it("a salt from another machine in the file of a stack that exists here", () => {
            lab(["up", "--yes"]);
            const ownSalt = stackState().salt;
            fromAnotherMachine();
            expectCleanedUp(lab(["up", "--yes"]));
            expect(stackState().salt).toBe(ownSalt);
        });

        it("a deleted .pulumi: the secrets set with the old passphrase cannot be read back", () => {
            lab(["up", "--yes"]);
            lab(["config", "set", "oncall-lab:clusterName", "lab2"]);
            lab(["config", "set", "--secret", "oncall-lab:telegramBotToken", "123:abc"]);
            fs.rmSync(stateDir(), { recursive: true });
            expectCleanedUp(lab(["up", "--yes"]));
        });
    });

    it("moves the settings file earlier versions kept in .pulumi to the top level, secrets and all", () => {
        lab(["up", "--yes"]);
        lab(["config", "set", "oncall-lab:clusterName", "lab2"]);
        lab(["config", "set", "--secret", "oncall-lab:smtpPassword", "pw"]);
        const old = `${fs.readFileSync(configFile(), "utf8")}encryptionsalt: ${stackState().salt}\n`;
        fs.writeFileSync(path.join(stateDir(), "Pulumi.dev.yaml"), old);
        fs.copyFileSync(path.join(repo, "Pulumi.dev.yaml"), configFile());

        const { status, stdout, stderr } = lab(["up", "--yes"]);

        expect(stderr).toBe("");
        expect(status).toBe(0);
        expect(stdout).toContain(`moved the stack settings from ${stateDir()}/Pulumi.dev.yaml to Pulumi.dev.yaml`);
        expect(settings().config).toMatchObject({ "oncall-lab:clusterName": "lab2", "oncall-lab:smtpPassword": { secure: expect.any(String) } });
        expect(settings().encryptionsalt).toBeUndefined();
        expect(fs.existsSync(path.join(stateDir(), "Pulumi.dev.yaml"))).toBe(false);
    });
});

describe("scripts/lab.sh: looking at the lab before up", () => {
    it("refreshes the kind cluster, the OnCall wiring and the team's Grafana users before updating a stack that has resources", () => {
        lab(["up", "--yes"]);
        const { status, calls } = lab(["up"]);
        expect(status).toBe(0);
        expect(calls.slice(1)).toEqual([
            "pulumi stack select dev",
            "pulumi stack export --stack dev",
            "docker ps -a --no-trunc --filter label=io.x-k8s.kind.cluster=oncall-lab --filter label=io.x-k8s.kind.role=control-plane --format {{.ID}}",
            "pulumi refresh --yes --skip-preview --stack dev " +
                "--target **pulumi-nodejs:dynamic:*::kind-cluster --target **pulumi-nodejs:dynamic:*::oncall-wiring-connection",
            "pulumi refresh --yes --skip-preview --stack dev --target **grafana:oss/user:User::team-users-*",
            "pulumi up --stack dev",
        ]);

        const targets = calls.filter((call) => call.startsWith("pulumi refresh")).flatMap((call) => [...call.matchAll(/--target (\S+)/g)].map((m) => m[1]));
        const refreshed = (urn: string) => targets.some((target) => targetMatches(target, urn));
        const urn = (type: string, name: string) => `urn:pulumi:dev::oncall-lab::${type}::${name}`;
        expect(refreshed(urn("oncall-lab:index:KindCluster$pulumi-nodejs:dynamic:KindCluster", "kind-cluster"))).toBe(true);
        expect(refreshed(urn("oncall-lab:index:KindCluster$pulumi-nodejs:dynamic:Resource", "kind-cluster"))).toBe(true);
        expect(refreshed(urn("oncall-lab:index:OnCallWiring$pulumi-nodejs:dynamic:Resource", "oncall-wiring-connection"))).toBe(true);
        // components/TeamUsers.ts names each user `${name}-${login}` under the component "team-users".
        expect(refreshed(urn("oncall-lab:index:TeamUsers$grafana:oss/user:User", "team-users-alice"))).toBe(true);
        expect(refreshed(urn("oncall-lab:index:TeamUsers$grafana:oss/user:User", "team-users-bob"))).toBe(true);
        expect(refreshed(urn("oncall-lab:index:TeamUsers$random:index/randomPassword:RandomPassword", "team-users-alice-password"))).toBe(false);
        expect(refreshed(urn("oncall-lab:index:TeamUsers$pulumi:providers:grafana", "team-users-provider"))).toBe(false);
        expect(refreshed(urn("oncall-lab:index:OnCallTeam$grafana:onCall/integration:Integration", "oncall-team-integration"))).toBe(false);
        expect(refreshed(urn("pulumi:providers:kubernetes", "kubernetes"))).toBe(false);
        expect(refreshed(urn("oncall-lab:index:KindCluster", "kind"))).toBe(false);
    });

    it("updates anyway, saying so, when Grafana cannot be asked for its users", () => {
        lab(["up", "--yes"]);
        const { status, calls, stderr } = lab(["up", "--yes"], { STUB_REFRESH_FAILS: "grafana:oss/user" });
        expect(status).toBe(0);
        expect(stderr).toContain("oncall-lab: could not check the team's Grafana users (see above); updating without that");
        expect(calls.at(-1)).toBe("pulumi up --yes --stack dev");
    });

    it("forgets everything that lived in a cluster deleted by hand, then builds the lab again", () => {
        lab(["up", "--yes"]);
        docker.deleteCluster("oncall-lab");
        const { status, calls, stdout } = lab(["up", "--yes"]);
        expect(status).toBe(0);
        expect(stdout).toContain('kind cluster "oncall-lab" no longer exists');
        expect(calls.slice(4)).toEqual([
            `pulumi state delete --yes --target-dependents --stack dev ${CLUSTER_URN}`,
            "pulumi up --yes --stack dev",
        ]);
        expect(stackState().resources[0].outputs.clusterId).toBe(docker.containerId("oncall-lab"));
    });

    it("forgets everything that lived in a cluster deleted and created again by hand under the same name", () => {
        lab(["up", "--yes"]);
        const made = stackState().resources[0].outputs.clusterId;
        docker.deleteCluster("oncall-lab");
        docker.createCluster("oncall-lab");
        expect(docker.containerId("oncall-lab")).not.toBe(made);

        const { status, calls, stderr } = lab(["up", "--yes"]);

        expect(status).toBe(1);
        expect(stderr).toContain('kind cluster "oncall-lab" was deleted and created again outside this stack');
        expect(stderr).toContain("delete this one with `kind delete cluster --name oncall-lab`, then run npm run up again");
        expect(calls.slice(4)).toEqual([`pulumi state delete --yes --target-dependents --stack dev ${CLUSTER_URN}`]);
        expect(stackState().resources).toEqual([]);

        // Once that cluster is gone, the next run builds the lab in one of its own.
        docker.deleteCluster("oncall-lab");
        expect(lab(["up", "--yes"]).status).toBe(0);
        expect(stackState().resources[0].outputs.clusterId).toBe(docker.containerId("oncall-lab"));
    });

    it("refreshes, forgetting nothing, a cluster whose node container is stopped (the refresh says to start it)", () => {
        lab(["up", "--yes"]);
        docker.stopNode("oncall-lab");
        const { calls } = lab(["up", "--yes"]);
        expect(calls.some((call) => call.startsWith("pulumi refresh"))).toBe(true);
        expect(calls.some((call) => call.includes("state delete"))).toBe(false);
    });

    it("stops, forgetting nothing, when Docker cannot list the cluster's containers", () => {
        lab(["up", "--yes"]);
        fs.writeFileSync(path.join(stubs, "docker"), `#!/bin/bash\necho "docker $*" >> "$STUB_LOG"\n[ "$1" = info ] || { echo "permission denied" >&2; exit 1; }\n`);
        const { status, calls } = lab(["up", "--yes"]);
        expect(status).not.toBe(0);
        expect(calls.filter((call) => /state delete|pulumi up/.test(call))).toEqual([]);
    });

    it("skips the refresh while the stack has no resources", () => {
        lab(["up", "--yes"]);
        lab(["destroy", "--yes"]);
        const { status, calls } = lab(["up", "--yes"]);
        expect(status).toBe(0);
        expect(calls.slice(1)).toEqual(["pulumi stack select dev", "pulumi stack export --stack dev", "pulumi up --yes --stack dev"]);
    });
});

describe("scripts/lab.sh: tools", () => {
    it.each([["preview"], ["destroy", "--yes"]])("runs %s without docker or kind", (...args) => {
        lab(["up", "--yes"]);
        fs.rmSync(path.join(stubs, "docker"));
        fs.rmSync(path.join(stubs, "kind"));
        const { status, calls } = lab(args);
        expect(status).toBe(0);
        expect(calls.at(-1)).toBe(`pulumi ${args.join(" ")} --stack dev`);
    });

    it.each([
        ["pulumi", "pulumi is not installed"],
        ["kind", "kind is not installed"],
        ["docker", "docker is not installed"],
    ])("says what is missing when %s is absent", (missing, message) => {
        fs.rmSync(path.join(stubs, missing));
        const { status, stderr } = lab(["up"]);
        expect(status).toBe(1);
        expect(stderr).toContain(`oncall-lab: ${message}`);
    });

    it("says Docker is not running", () => {
        docker.setDaemon("stopped");
        const { status, stderr, calls } = lab(["up"]);
        expect(status).toBe(1);
        expect(stderr).toContain("docker is installed but not running");
        expect(calls.filter((call) => !call.startsWith("docker info"))).toEqual([]);
    });
});

describe("the pulumi stub", () => {
    const run = (args: string[], passphrase: string) =>
        pulumi(args, { PULUMI_BACKEND_URL: `file://${work}/state`, PULUMI_CONFIG_PASSPHRASE: passphrase });

    // What made the lab fail before: a salt in the settings file outlived the passphrase in .pulumi.
    it("refuses a config file whose salt belongs to another passphrase, as pulumi does", () => {
        expect(run(["stack", "init", "dev"], "first").status).toBe(0);
        expect(settings().encryptionsalt).toMatch(/^v1:/);
        fs.rmSync(path.join(work, "state"), { recursive: true });

        const retry = run(["stack", "init", "dev"], "second");
        expect(retry.status).toBe(255);
        expect(retry.stderr).toContain("incorrect passphrase");
    });

    it("writes the state's salt back into a config file that has none, as pulumi does with the fallback", () => {
        expect(run(["stack", "init", "dev"], "first").status).toBe(0);
        const salt = settings().encryptionsalt;
        fs.copyFileSync(path.join(repo, "Pulumi.dev.yaml"), configFile());

        const withFallback = pulumi(["preview", "--stack", "dev"], {
            PULUMI_BACKEND_URL: `file://${work}/state`, PULUMI_CONFIG_PASSPHRASE: "first", PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER: "true",
        });
        expect(withFallback.status).toBe(0);
        expect(settings().encryptionsalt).toBe(salt);
    });
});
