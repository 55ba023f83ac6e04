// Local processes and ports the tools share: programs on PATH, a free port, stopping a child by pid, and a
// `kubectl port-forward` that is ready only once it accepts connections.
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { type AddressInfo, connect, createServer } from "node:net";
import { delimiter, join } from "node:path";
import { poll } from "./polling";

/** Whether an executable of that name is on PATH (an empty entry is the current folder, as for execvp). */
export function onPath(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
    return (env.PATH ?? "").split(delimiter).some((dir) => {
        try {
            accessSync(join(dir || ".", command), constants.X_OK);
            return true;
        } catch {
            return false;
        }
    });
}

/** A port that was free a moment ago; the kernel does not hand it out again right away. */
export async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", resolve);
    });
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

export function acceptsConnections(port: number, host = "127.0.0.1"): Promise<boolean> {
    return new Promise((answer) => {
        const socket = connect(port, host);
        socket.once("connect", () => {
            socket.destroy();
            answer(true);
        });
        socket.once("error", () => answer(false));
    });
}

function running(child: ChildProcess): boolean {
    return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** SIGTERM by pid, SIGKILL after `graceMs` if it is still running. */
export async function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
    if (!running(child)) return;
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    process.kill(child.pid!, "SIGTERM");
    const timer = setTimeout(() => running(child) && process.kill(child.pid!, "SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
}

export interface PortForward {
    url: string;
    child: ChildProcess;
    stop(): Promise<void>;
}

export interface PortForwardTarget {
    kubectlContext: string;
    namespace: string;
    /** svc/<name> or pod/<name>. */
    resource: string;
    remotePort: number;
}

export function portForwardArgs(target: PortForwardTarget, localPort: number): string[] {
    return [
        "--context",
        target.kubectlContext,
        "-n",
        target.namespace,
        "port-forward",
        target.resource,
        `${localPort}:${target.remotePort}`,
    ];
}

/** Starts kubectl port-forward on a free local port and resolves once it accepts connections. */
export async function startPortForward(
    target: PortForwardTarget,
    options: { signal?: AbortSignal; readyMs?: number; log?: (line: string) => void; env?: NodeJS.ProcessEnv } = {},
): Promise<PortForward> {
    const port = await freePort();
    const args = portForwardArgs(target, port);
    options.log?.(`kubectl ${args.join(" ")}`);
    const child = spawn("kubectl", args, { stdio: ["ignore", "ignore", "pipe"], env: options.env ?? process.env });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    let spawnError: Error | undefined;
    child.once("error", (error) => (spawnError = error));
    const forward: PortForward = { url: `http://127.0.0.1:${port}`, child, stop: () => stopProcess(child) };
    const readyMs = options.readyMs ?? 20_000;

    const ready = await poll(
        { timeoutMs: readyMs, intervalMs: 100, signal: options.signal, isPermanent: () => true },
        async () => {
            if (await acceptsConnections(port)) return true;
            if (spawnError)
                throw new Error(`could not run kubectl (${spawnError.message}): is it installed and on PATH?`);
            if (!running(child))
                throw new Error(
                    `kubectl port-forward exited (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`,
                );
            return undefined;
        },
    ).catch(async (error: unknown) => {
        await forward.stop();
        throw error;
    });
    if (ready.value === undefined) {
        await forward.stop();
        throw new Error(
            ready.lastError ??
                `kubectl port-forward did not accept connections on 127.0.0.1:${port} within ${readyMs / 1000} s: ${stderr.trim()}`,
        );
    }
    return forward;
}
