// A copy of the project for running scripts/lab.sh against the stub pulumi, docker and kind of test/support/stubs,
// so that what a run leaves in the project can be checked. Importing it sets up a fresh copy around each test.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach } from "vitest";
import { parse } from "yaml";
import { FakeDocker, installStubs } from "./stubs";

export const repo = path.join(__dirname, "..", "..");

export let work: string;
export let project: string;
export let stubs: string;
let tools: string;
let log: string;
export let docker: FakeDocker;

/** Runs scripts/lab.sh of the project copy with only the stubs and a few basic tools on PATH. */
export function lab(args: string[], env: Record<string, string> = {}) {
    fs.writeFileSync(log, "");
    const result = spawnSync("/bin/bash", [path.join(project, "scripts", "lab.sh"), ...args], {
        encoding: "utf8",
        env: { PATH: `${stubs}:${tools}`, HOME: work, STUB_LOG: log, STUB_DIR: stubs, ...env },
    });
    const lines = fs.readFileSync(log, "utf8").trim().split("\n").filter((line) => line !== "");
    // Each pulumi call is logged as "pulumi <args> | <environment>"; the tests mostly look at the arguments.
    // The tool checks lab.sh makes first (versions, Docker's daemon and cgroup version), apart from what it then runs.
    const isCheck = (line: string) => /^(pulumi version|docker info|kind version)( |$)/.test(line.split(" | ")[0]);
    const callsOf = (logged: string[]) => logged.map((line) => line.split(" | ")[0]);
    const run = lines.filter((line) => !isCheck(line));
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls: callsOf(run), checks: callsOf(lines.filter(isCheck)), lines: run };
}

/** The stub pulumi run directly in the project, as someone would run pulumi without lab.sh. */
export function pulumi(args: string[], env: Record<string, string>) {
    return spawnSync(path.join(stubs, "pulumi"), args, {
        cwd: project,
        encoding: "utf8",
        env: { PATH: `${stubs}:${tools}`, STUB_LOG: log, STUB_DIR: stubs, ...env },
    });
}

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

/** Pulumi's --target glob: `**` matches anything, `*` anything but a colon. */
export function targetMatches(glob: string, urn: string): boolean {
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
    // lab.sh only looks for kubectl (smoke and e2e use it): an executable is enough.
    fs.writeFileSync(path.join(stubs, "kubectl"), "#!/bin/bash\nexit 0\n", { mode: 0o755 });
    docker = new FakeDocker(stubs);
});

afterEach(() => {
    fs.rmSync(work, { recursive: true, force: true });
});

export const stateDir = () => path.join(project, ".pulumi");
export const configFile = () => path.join(project, "Pulumi.dev.yaml");
export const settings = () => parse(fs.readFileSync(configFile(), "utf8")) ?? {};
export const stackState = () => JSON.parse(fs.readFileSync(path.join(stateDir(), "state", "stacks", "dev.json"), "utf8"));
export const CLUSTER_URN = "urn:pulumi:dev::oncall-lab::oncall-lab:index:KindCluster$pulumi-nodejs:dynamic:KindCluster::kind-cluster";

