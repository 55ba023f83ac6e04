// Runs the lab program (src/tools/lab/main.ts, behind scripts/lab.ts) in-process on a copy of the project's settings
// files, against a fake stack (test/support/fake-stack.ts), a fake machine for the tool checks, and the kind and docker
// stubs (test/support/stubs) for the provider's own look-up of the cluster's node container. Importing it sets up a
// fresh copy around each test.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach } from "vitest";
import { parse } from "yaml";
import { findControlPlaneNode } from "../../src/kind/provider";
import { runLab } from "../../src/tools/lab/main";
import type { Exec } from "../../src/tools/lab/tools";
import { FakeStack, type FakeState } from "./fake-stack";
import { kindStubsPerTest } from "./stubs";

export const repo = path.join(__dirname, "..", "..");
const stubs = kindStubsPerTest();

/** The machine the tool checks see; undefined: not installed, "": says nothing. */
export interface Machine {
    pulumiVersion?: string;
    docker?: "running" | "stopped";
    cgroupVersion: string;
    kindVersion?: string;
    kubectl: boolean;
}

export let work: string;
export let project: string;
export let machine: Machine;
export const docker = () => stubs.docker;
/** PATH before the test, for commands that must find the real tools. */
export const originalPath = stubs.originalPath;
/** The stubs' directory: a test replaces the docker stub there to play a Docker that fails. */
export const stubDir = () => stubs.stubDir;

/** What the fake machine answers: `pulumi version`, `docker info [--format {{.CgroupVersion}}]`, `kind version`. */
const machineExec =
    (checks: string[]): Exec =>
    async (command, args) => {
        checks.push(`${command} ${args.join(" ")}`);
        if (command === "pulumi")
            return machine.pulumiVersion === undefined ? undefined : { code: 0, stdout: `${machine.pulumiVersion}\n` };
        if (command === "kind")
            return machine.kindVersion === undefined
                ? undefined
                : { code: 0, stdout: machine.kindVersion && `kind ${machine.kindVersion} go1.24.0 linux/amd64\n` };
        if (command === "docker" && machine.docker !== undefined) {
            if (machine.docker === "stopped") return { code: 1, stdout: "" };
            return { code: 0, stdout: args.includes("--format") ? `${machine.cgroupVersion}\n` : "27.0.0\n" };
        }
        return undefined;
    };

export interface LabRun {
    status: number;
    stdout: string;
    stderr: string;
    /** The pulumi calls, as "pulumi <args>". */
    calls: string[];
    /** The tool checks made first. */
    checks: string[];
    /** The pulumi calls with the environment they had: "pulumi <args> | backend=... passfile=... fallback=...". */
    lines: string[];
}

/** Runs the lab program with args, the environment holding only HOME and env. */
export async function lab(
    args: string[],
    env: Record<string, string> = {},
    options: { refreshFails?: string } = {},
): Promise<LabRun> {
    const lines: string[] = [];
    const checks: string[] = [];
    const stdout: string[] = [];
    const stderr: string[] = [];
    const status = await runLab(args, {
        root: project,
        env: { HOME: work, ...env },
        exec: machineExec(checks),
        onPath: (command) => command !== "kubectl" || machine.kubectl,
        openStack: async (name, stackEnv) =>
            new FakeStack(project, name, stackEnv, { docker: stubs.docker, log: lines, ...options }),
        clusterNode: findControlPlaneNode,
        out: { log: (line) => stdout.push(line), error: (line) => stderr.push(line) },
    });
    const text = (out: string[]) => out.map((line) => `${line}\n`).join("");
    return {
        status,
        stdout: text(stdout),
        stderr: text(stderr),
        calls: lines.map((line) => line.split(" | ")[0]),
        checks,
        lines,
    };
}

/** The fake pulumi run directly in the project, as someone would run pulumi without the lab program. */
export const pulumi = (env: Record<string, string>, name = "dev") =>
    new FakeStack(project, name, env, { docker: stubs.docker, log: [] });

/** Every file under dir with its content, except the state directory and node_modules. */
export function snapshot(dir: string): Record<string, string> {
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

beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "oncall-lab-script-"));
    project = path.join(work, "project");
    fs.mkdirSync(project);
    for (const file of ["Pulumi.yaml", "Pulumi.dev.yaml", "package.json", ".gitignore"]) {
        fs.copyFileSync(path.join(repo, file), path.join(project, file));
    }
    machine = {
        pulumiVersion: "v3.276.0",
        docker: "running",
        cgroupVersion: "2",
        kindVersion: "v0.33.0",
        kubectl: true,
    };
});

afterEach(() => {
    fs.rmSync(work, { recursive: true, force: true });
});

export const stateDir = () => path.join(project, ".pulumi");
export const configFile = () => path.join(project, "Pulumi.dev.yaml");
export const settings = () => parse(fs.readFileSync(configFile(), "utf8")) ?? {};
export const stackState = (): FakeState =>
    JSON.parse(fs.readFileSync(path.join(stateDir(), "state", "stacks", "dev.json"), "utf8"));
export const CLUSTER_URN =
    "urn:pulumi:dev::oncall-lab::oncall-lab:index:KindCluster$pulumi-nodejs:dynamic:KindCluster::kind-cluster";
