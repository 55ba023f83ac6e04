// The e2e's own lab and the commands it runs against it: scripts/lab.sh (pulumi) with the e2e's
// state folder and stack, kubectl on the e2e cluster's context, kind and docker. Every command's
// output is appended to a log in the diagnostics folder (pulumi.log holds every pulumi run).
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_NAMESPACE } from "../../config/config";
import { isRecord } from "../../shared/records";
import { readStackOutputs, repoRoot, type StackOutputs } from "../cli";
import type { E2eOptions } from "./options";

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
}

export class E2eLab {
    readonly env: NodeJS.ProcessEnv;

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

    /** Runs a command in the repository with the e2e's environment; the output goes to the log as it comes. */
    run(command: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
        mkdirSync(this.options.diagnosticsDir, { recursive: true });
        const logFile = options.log === undefined ? undefined : join(this.options.diagnosticsDir, options.log);
        const shown = `${command} ${args.join(" ")}`;
        if (logFile) appendFileSync(logFile, `\n$ ${shown}\n`);
        this.progress(`e2e: ${shown}`);
        return new Promise((resolve, reject) => {
            const child = spawn(command, args, { cwd: repoRoot, env: this.env, stdio: ["ignore", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            const keep = (chunk: Buffer, into: "out" | "err") => {
                if (logFile) appendFileSync(logFile, chunk);
                if (into === "out") stdout += chunk.toString();
                else stderr += chunk.toString();
            };
            child.stdout.on("data", (chunk: Buffer) => keep(chunk, "out"));
            child.stderr.on("data", (chunk: Buffer) => keep(chunk, "err"));
            child.once("error", (error) => reject(new Error(`could not run ${command} (${error.message}): is it installed and on PATH?`)));
            child.once("close", (code) => {
                const result = { code: code ?? 1, stdout, stderr };
                if (result.code === 0 || options.allowFailure) return resolve(result);
                const tail = (stderr.trim() || stdout.trim()).split("\n").slice(-5).join(" / ");
                reject(new Error(`${shown} exited ${result.code}${tail ? `: ${tail}` : ""}`));
            });
        });
    }

    pulumi(args: string[], options: CommandOptions = {}): Promise<CommandResult> {
        return this.run("bash", [join(repoRoot, "scripts/lab.sh"), ...args], { log: "pulumi.log", ...options });
    }

    configSet(key: string, value: string): Promise<CommandResult> {
        return this.pulumi(["config", "set", `${CONFIG_NAMESPACE}:${key}`, value]);
    }

    kubectl(args: string[], options: CommandOptions = {}): Promise<CommandResult> {
        return this.run("kubectl", ["--context", this.kubectlContext, ...args], { log: "kubectl.log", ...options });
    }

    outputs(): Promise<StackOutputs> {
        return readStackOutputs(this.env);
    }

    async kindClusters(): Promise<string[]> {
        const { stdout } = await this.run("kind", ["get", "clusters"], { log: "kind.log" });
        return stdout.split("\n").map((line) => line.trim()).filter((line) => line && !line.startsWith("No kind clusters"));
    }

    /** Containers kind made for a cluster (kind labels them io.x-k8s.kind.cluster=<name>). */
    async nodeContainers(clusterName = this.options.clusterName): Promise<string[]> {
        const { stdout } = await this.run("docker", ["ps", "-a", "--filter", `label=io.x-k8s.kind.cluster=${clusterName}`, "--format", "{{.Names}}"], {
            log: "docker.log",
        });
        return stdout.split("\n").map((line) => line.trim()).filter(Boolean);
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
        await this.pulumi(["destroy", "--yes", "--skip-preview"], { allowFailure: true }).catch(() => undefined);
        for (const name of clusterNames) {
            await this.run("kind", ["delete", "cluster", "--name", name], { log: "kind.log", allowFailure: true }).catch(() => undefined);
        }
    }
}
