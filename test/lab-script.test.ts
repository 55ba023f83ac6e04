// scripts/lab.sh (npm run up / preview / destroy) against stub pulumi, docker and kind executables.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const script = path.join(__dirname, "..", "scripts", "lab.sh");
let work: string;
let stubs: string;
let stateDir: string;
let log: string;

function stub(name: string, body: string): void {
    const file = path.join(stubs, name);
    fs.writeFileSync(file, `#!/bin/bash\n${body}\n`);
    fs.chmodSync(file, 0o755);
}

function lab(args: string[], env: Record<string, string> = {}) {
    const result = spawnSync("bash", [script, ...args], {
        encoding: "utf8",
        env: { PATH: `${stubs}:/usr/bin:/bin`, HOME: work, ONCALL_LAB_STATE_DIR: stateDir, ...env },
    });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "oncall-lab-script-"));
    stubs = path.join(work, "bin");
    stateDir = path.join(work, "state");
    log = path.join(work, "calls.log");
    fs.mkdirSync(stubs);
    stub("pulumi", `echo "pulumi $* | backend=$PULUMI_BACKEND_URL passfile=$PULUMI_CONFIG_PASSPHRASE_FILE" >> "${log}"`);
    stub("docker", `echo "docker $*" >> "${log}"`);
    stub("kind", `echo "kind $*" >> "${log}"`);
});

afterEach(() => {
    fs.rmSync(work, { recursive: true, force: true });
});

describe("scripts/lab.sh", () => {
    it("provisions with a local backend and a generated passphrase, no Pulumi Cloud login", () => {
        const { status, calls, stdout } = lab(["up", "--yes"]);
        expect(status).toBe(0);
        const passphraseFile = path.join(stateDir, "passphrase");
        const settings = `backend=file://${stateDir}/state passfile=${passphraseFile}`;
        expect(calls).toEqual([
            "docker info",
            `pulumi stack select --create dev --secrets-provider passphrase | ${settings}`,
            `pulumi up --yes --stack dev | ${settings}`,
        ]);
        expect(fs.readFileSync(passphraseFile, "utf8")).toMatch(/^[0-9a-f]{64}$/);
        expect(fs.statSync(passphraseFile).mode & 0o777).toBe(0o600);
        expect(stdout).toContain("generated the stack passphrase");
    });

    it("keeps the passphrase across runs", () => {
        lab(["up"]);
        const first = fs.readFileSync(path.join(stateDir, "passphrase"), "utf8");
        const second = lab(["destroy", "--yes"]);
        expect(second.status).toBe(0);
        expect(second.stdout).not.toContain("generated");
        expect(fs.readFileSync(path.join(stateDir, "passphrase"), "utf8")).toBe(first);
        expect(second.calls.at(-1)).toMatch(/^pulumi destroy --yes --stack dev /);
    });

    it("uses the caller's backend and passphrase when set, and PULUMI_STACK", () => {
        const { calls } = lab(["preview"], { PULUMI_BACKEND_URL: "file:///elsewhere", PULUMI_CONFIG_PASSPHRASE: "x", PULUMI_STACK: "ci" });
        expect(calls.at(-1)).toBe("pulumi preview --stack ci | backend=file:///elsewhere passfile=");
        expect(fs.existsSync(path.join(stateDir, "passphrase"))).toBe(false);
    });

    it("previews without docker or kind", () => {
        fs.rmSync(path.join(stubs, "docker"));
        fs.rmSync(path.join(stubs, "kind"));
        expect(lab(["preview"]).status).toBe(0);
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
        stub("docker", "exit 1");
        const { status, stderr, calls } = lab(["up"]);
        expect(status).toBe(1);
        expect(stderr).toContain("docker is installed but not running");
        expect(calls).toEqual([]);
    });
});
