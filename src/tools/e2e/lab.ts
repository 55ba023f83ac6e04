// The e2e's own lab and the commands it runs against it: the lab program (scripts/lab.ts: pulumi) with the e2e's
// state folder and stack, kubectl on the e2e cluster's context, kind and docker. A scenario's commands
// append their output to a log in the diagnostics folder (pulumi.log holds every pulumi run); the
// stack outputs, which hold secrets, are never logged.
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_NAMESPACE } from "../../config/config";
import { isRecord } from "../../shared/records";
import { kindNodesQuery } from "../../kind/provider";
import { labProgram, repoRoot, type StackOutputs } from "../shared/cli";
import type { E2eOptions } from "./options";
import { secretOutputValues } from "./redact";

export interface CommandResult {
    code: number;
    stdout: string;
    stderr: string;
}

export interface CommandOptions {
    /** File in the diagnostics folder the output is appended to. */
    log?: string;
    /** Resolve with the result instead of throwing on a non-zero exit. */
    allowFailure?: boolean;
    /** Killed (its whole process group) after this long; default `commandTimeoutsMs.other`. */
    timeoutMs?: number;
    /** Runs even after `stopCommands` (diagnostics and cleanup). */
    afterStop?: boolean;
    /** The command as the log, the progress and errors name it; default: its command line. */
    shown?: string;
}

export const minutes = (count: number) => count * 60_000;

/** How a run of the lab program (behind npm run pulumi) is named: not by the node and ts-node paths that start it. */
export const labShown = (args: string[]) => `scripts/lab.ts ${args.join(" ")}`;

/**
 * Every command the e2e runs has a bound, so a scenario cannot hang on one. `up` is bounded by the
 * releases' Helm timeouts (15-20 min, components/*.ts) and the wiring's (10 min) only when they fail;
 * these are what a healthy run needs with room to spare, and a stuck command fails the scenario.
 */
export const commandTimeoutsMs = {
    /** From nothing: the cluster, every image pulled, three releases, the wiring. */
    upFromNothing: minutes(25),
    /** Over a lab that exists: a repair, a replace of releases, or nothing to do. */
    up: minutes(20),
    upNoChange: minutes(8),
    destroy: minutes(12),
    preview: minutes(5),
    checkVersions: minutes(4),
    kindDelete: minutes(3),
    /** `kind export logs` and the like in the diagnostics. */
    collect: minutes(2),
    /** kubectl, docker, kind get, pulumi config/stack: seconds when healthy. */
    other: minutes(2),
} as const;

/**
 * SIGTERM to a process group, SIGKILL a moment later if anything in it is left. The group, not the
 * child: its leader may have exited while what it started still holds the output open.
 */
function killGroup(child: ChildProcess): void {
    if (child.pid === undefined) return;
    const signal = (name: NodeJS.Signals) => {
        try {
            process.kill(-child.pid!, name);
        } catch {
            // Already gone.
        }
    };
    signal("SIGTERM");
    setTimeout(() => signal("SIGKILL"), 3_000).unref();
}

export class E2eLab {
    readonly env: NodeJS.ProcessEnv;
    /** Every secret output this run has read: replaced in the diagnostics before they are uploaded. */
    readonly knownSecrets = new Set<string>();
    private readonly running = new Set<ChildProcess>();
    private stopped: string | undefined;
    private settleStopped: (reason: string) => void = () => undefined;
    /** Settles with the reason once `stopCommands` is called: what still runs of a scenario (a drill) stops then too. */
    readonly whenStopped = new Promise<string>((settle) => (this.settleStopped = settle));

    constructor(
        readonly options: E2eOptions,
        baseEnv: NodeJS.ProcessEnv = process.env,
        private readonly progress: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
    ) {
        this.env = { ...baseEnv, ONCALL_LAB_STATE_DIR: options.stateDir, PULUMI_STACK: options.stack };
    }

    get kubectlContext(): string {
        return `kind-${this.options.clusterName}`;
    }

    /**
     * Kills every command still running and refuses new ones but diagnostics and cleanup: a scenario
     * over its budget or a SIGTERM must not leave the scenario's code acting on the lab while it is examined.
     */
    stopCommands(reason: string): void {
        this.stopped = reason;
        this.settleStopped(reason);
        for (const child of this.running) killGroup(child);
    }

    /**
     * Runs a command in the repository with the e2e's environment; the output goes to the log as it
     * comes. Each command is the head of its own process group, so a timeout stops what it started too
     * (the lab program's pulumi and its plugins).
     */
    run(command: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
        const shown = options.shown ?? `${command} ${args.join(" ")}`;
        if (this.stopped !== undefined && !options.afterStop)
            return Promise.reject(new Error(`${shown} not started: ${this.stopped}`));
        mkdirSync(this.options.diagnosticsDir, { recursive: true });
        const logFile = options.log === undefined ? undefined : join(this.options.diagnosticsDir, options.log);
        const timeoutMs = options.timeoutMs ?? commandTimeoutsMs.other;
        if (logFile) appendFileSync(logFile, `\n$ ${shown}\n`);
        this.progress(`e2e: ${shown}`);
        return new Promise((resolve, reject) => {
            const child = spawn(command, args, {
                cwd: repoRoot,
                env: this.env,
                stdio: ["ignore", "pipe", "pipe"],
                detached: true,
            });
            this.running.add(child);
            let stdout = "";
            let stderr = "";
            let timedOut = false;
            const timer = setTimeout(() => {
                timedOut = true;
                killGroup(child);
            }, timeoutMs);
            const keep = (chunk: Buffer, into: "out" | "err") => {
                if (logFile) appendFileSync(logFile, chunk);
                if (into === "out") stdout += chunk.toString();
                else stderr += chunk.toString();
            };
            child.stdout.on("data", (chunk: Buffer) => keep(chunk, "out"));
            child.stderr.on("data", (chunk: Buffer) => keep(chunk, "err"));
            const settle = () => {
                clearTimeout(timer);
                this.running.delete(child);
            };
            child.once("error", (error) => {
                settle();
                reject(new Error(`could not run ${command} (${error.message}): is it installed and on PATH?`));
            });
            child.once("close", (code, signal) => {
                settle();
                if (timedOut)
                    return reject(new Error(`${shown} did not finish within ${timeoutMs / 1000} s and was stopped`));
                if (signal && this.stopped !== undefined) return reject(new Error(`${shown} stopped: ${this.stopped}`));
                const result = { code: code ?? 1, stdout, stderr };
                if (result.code === 0 || options.allowFailure) return resolve(result);
                const tail = (stderr.trim() || stdout.trim()).split("\n").slice(-5).join(" / ");
                reject(new Error(`${shown} exited ${result.code}${tail ? `: ${tail}` : ""}`));
            });
        });
    }

    pulumi(args: string[], options: CommandOptions = {}): Promise<CommandResult> {
        return this.run(...labProgram(args), { log: "pulumi.log", shown: labShown(args), ...options });
    }

    configSet(key: string, value: string): Promise<CommandResult> {
        return this.pulumi(["config", "set", `${CONFIG_NAMESPACE}:${key}`, value]);
    }

    kubectl(args: string[], options: CommandOptions = {}): Promise<CommandResult> {
        return this.run("kubectl", ["--context", this.kubectlContext, ...args], { log: "kubectl.log", ...options });
    }

    /** The stack outputs with their secrets: never logged (the diagnostics folder is uploaded). */
    async outputs(options: Pick<CommandOptions, "afterStop"> = {}): Promise<StackOutputs> {
        const outputArgs = ["stack", "output", "--json", "--show-secrets"];
        const { stdout } = await this.run(...labProgram(outputArgs), { shown: labShown(outputArgs), ...options }).catch(
            (error: Error) => {
                throw new Error(`could not read the stack outputs (is the lab up?): ${error.message}`);
            },
        );
        const outputs: unknown = JSON.parse(stdout);
        if (!isRecord(outputs)) throw new Error("the stack outputs are not a JSON object");
        for (const secret of secretOutputValues(outputs)) this.knownSecrets.add(secret);
        return outputs;
    }

    async kindClusters(): Promise<string[]> {
        const { stdout } = await this.run("kind", ["get", "clusters"], { log: "kind.log" });
        return stdout
            .split("\n")
            .map((line) => line.trim())
            .filter((line) => line && !line.startsWith("No kind clusters"));
    }

    /** Containers kind made for a cluster (kind labels them io.x-k8s.kind.cluster=<name>). */
    async nodeContainers(clusterName = this.options.clusterName): Promise<string[]> {
        const { stdout } = await this.run("docker", kindNodesQuery(clusterName), { log: "docker.log" });
        return stdout
            .split("\n")
            .map((line) => line.trim())
            .filter(Boolean);
    }

    /** The stack's resources, from `pulumi stack export`. */
    async stackResources(): Promise<unknown[]> {
        const { stdout } = await this.pulumi(["stack", "export"]);
        const exported: unknown = JSON.parse(stdout || "{}");
        const deployment = isRecord(exported) && isRecord(exported.deployment) ? exported.deployment : {};
        return Array.isArray(deployment.resources) ? deployment.resources : [];
    }

    /**
     * After a failure: destroy what the stack holds, then delete the kind clusters of both names the
     * e2e uses (a failed destroy must not leave a cluster running on the user's machine).
     */
    async cleanup(clusterNames: string[]): Promise<void> {
        const after = { allowFailure: true, afterStop: true };
        await this.pulumi(["destroy", "--yes", "--skip-preview"], {
            ...after,
            timeoutMs: commandTimeoutsMs.destroy,
        }).catch(() => undefined);
        for (const name of clusterNames) {
            await this.run("kind", ["delete", "cluster", "--name", name], {
                log: "kind.log",
                ...after,
                timeoutMs: commandTimeoutsMs.kindDelete,
            }).catch(() => undefined);
        }
    }
}
