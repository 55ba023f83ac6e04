// The stand-ins for kind and Docker: the stub kind and docker executables beside this file, the fake Docker they share
// (files under $STUB_DIR, described in the kind stub), and the stubs around each test of the kind provider and of the
// lab program (test/support/lab-run.ts).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach } from "vitest";
import { type KindClusterInputs } from "../../../src/kind/provider";

export type StubName = "kind" | "docker";

/** Copies the stubs into binDir, so a test can delete one to play a machine without it. */
export function installStubs(binDir: string, names: StubName[]): void {
    for (const name of names) {
        fs.copyFileSync(path.join(__dirname, name), path.join(binDir, name));
        fs.chmodSync(path.join(binDir, name), 0o755);
    }
}

/** The fake Docker of the kind and docker stubs, in stubDir. */
export class FakeDocker {
    constructor(private readonly stubDir: string) {}

    clusters(): string[] {
        const file = path.join(this.stubDir, "clusters");
        return fs.existsSync(file)
            ? fs
                  .readFileSync(file, "utf8")
                  .split("\n")
                  .filter((line) => line !== "")
            : [];
    }

    /** What `kind create cluster` run by hand does: a new node container, with a new id. */
    createCluster(name: string, env: NodeJS.ProcessEnv = process.env): void {
        const result = spawnSync(path.join(this.stubDir, "kind"), ["create", "cluster", "--name", name], {
            env: { ...env, STUB_DIR: this.stubDir, STUB_LOG: "/dev/null" },
            encoding: "utf8",
        });
        if (result.status !== 0) throw new Error(`kind stub: ${result.stderr}`);
    }

    /** What `kind delete cluster` or a Docker reset does, behind the stack's back. */
    deleteCluster(name: string): void {
        const remaining = this.clusters().filter((cluster) => cluster !== name);
        fs.writeFileSync(path.join(this.stubDir, "clusters"), remaining.map((cluster) => `${cluster}\n`).join(""));
    }

    containerId(name: string): string {
        return fs.readFileSync(path.join(this.stubDir, `id-${name}`), "utf8");
    }

    /** The node container stopped, as after a reboot where Docker does not restart it. */
    stopNode(name: string): void {
        fs.writeFileSync(path.join(this.stubDir, `state-${name}`), "exited");
    }

    /** "stopped": the daemon does not run; "hung": it never answers (needs a FIFO named `never`). */
    setDaemon(state: "running" | "stopped" | "hung"): void {
        fs.writeFileSync(path.join(this.stubDir, "docker-daemon"), state === "running" ? "" : state);
    }
}

export const inputs: KindClusterInputs = {
    clusterName: "oncall-lab",
    nodeImage: "kindest/node:v1.0.0@sha256:0123456789abcdef",
    portMappings: [
        { containerPort: 30080, hostPort: 8080 },
        { containerPort: 30090, hostPort: 9090 },
    ],
};

export interface KindStubs {
    readonly stubDir: string;
    readonly docker: FakeDocker;
    /** PATH before the test, for commands that must find the real tools. */
    readonly originalPath: string | undefined;
    calls(): string[];
    kindCalls(): string[];
    clustersInState(): string[];
}

/** Fresh stubs for each test of the calling file. */
export function kindStubsPerTest(): KindStubs {
    const originalPath = process.env.PATH;
    let stubDir = "";
    let docker: FakeDocker;
    const calls = () => {
        const log = path.join(stubDir, "calls.log");
        return fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
    };

    beforeEach(() => {
        stubDir = fs.mkdtempSync(path.join(os.tmpdir(), "kind-stub-"));
        installStubs(stubDir, ["kind", "docker"]);
        docker = new FakeDocker(stubDir);
        process.env.PATH = stubDir;
        process.env.STUB_DIR = stubDir;
        process.env.STUB_LOG = path.join(stubDir, "calls.log");
    });

    afterEach(() => {
        process.env.PATH = originalPath;
        delete process.env.KIND_STUB_CREATE_ERROR;
        delete process.env.STUB_DIR;
        delete process.env.STUB_LOG;
        fs.rmSync(stubDir, { recursive: true, force: true });
    });

    return {
        get stubDir() {
            return stubDir;
        },
        get docker() {
            return docker;
        },
        originalPath,
        calls,
        kindCalls: () => calls().filter((call) => call.startsWith("kind ")),
        clustersInState: () => docker.clusters(),
    };
}
