// The stub kind, docker and pulumi executables in test/support/stubs/, and the fake Docker the kind and docker
// stubs share (files under $STUB_DIR, described in the kind stub).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export type StubName = "kind" | "docker" | "pulumi";

/** Copies the stubs into binDir, so a test can delete one to play a machine without it. */
export function installStubs(binDir: string, names: StubName[]): void {
    for (const name of names) {
        fs.copyFileSync(path.join(__dirname, "stubs", name), path.join(binDir, name));
        fs.chmodSync(path.join(binDir, name), 0o755);
    }
}

/** The fake Docker of the kind and docker stubs, in stubDir. */
export class FakeDocker {
    constructor(private readonly stubDir: string) {}

    clusters(): string[] {
        const file = path.join(this.stubDir, "clusters");
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter((line) => line !== "") : [];
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
