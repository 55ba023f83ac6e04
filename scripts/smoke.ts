// `npm run smoke`: proves a running lab end to end and times it (see src/tools/smoke.ts for the steps).
// Reads what it needs from the stack outputs, port-forwards to the lab's Alertmanager, and stops
// that port-forward on every way out, Ctrl-C included.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { resolve } from "node:path";
import { promisify } from "node:util";
import {
    buildSmokeSettings,
    formatReport,
    needsStackOutputs,
    newRunId,
    parseSmokeInputs,
    portForwardArgs,
    runSmoke,
    smokeUsage,
} from "../src/tools/smoke";
import { freePort } from "../test/support/alert-path";

const repoRoot = resolve(__dirname, "..");
const portForwardReadyMs = 20_000;

function log(line: string): void {
    console.error(`smoke: ${line}`);
}

async function readStackOutputs(): Promise<Record<string, unknown>> {
    try {
        const { stdout } = await promisify(execFile)(
            "bash",
            [resolve(repoRoot, "scripts/lab.sh"), "stack", "output", "--json", "--show-secrets"],
            { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 },
        );
        return JSON.parse(stdout) as Record<string, unknown>;
    } catch (error) {
        const stderr = (error as { stderr?: string }).stderr?.trim();
        throw new Error(
            `could not read the stack outputs with scripts/lab.sh stack output (is the lab up? npm run up): ${stderr || (error as Error).message}`,
        );
    }
}

function accepts(port: number): Promise<boolean> {
    return new Promise((answer) => {
        const socket = connect(port, "127.0.0.1");
        socket.once("connect", () => {
            socket.destroy();
            answer(true);
        });
        socket.once("error", () => answer(false));
    });
}

interface PortForward {
    url: string;
    stop(): Promise<void>;
}

async function stopProcess(child: ChildProcess): Promise<void> {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    process.kill(child.pid, "SIGTERM");
    const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, "SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
}

/** Starts kubectl port-forward on a free local port and waits until it accepts connections. */
async function startPortForward(kubectlContext: string, signal: AbortSignal, onStart: (child: ChildProcess) => void): Promise<PortForward> {
    const port = await freePort();
    const args = portForwardArgs(kubectlContext, port);
    log(`kubectl ${args.join(" ")}`);
    const child = spawn("kubectl", args, { stdio: ["ignore", "ignore", "pipe"] });
    onStart(child);
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    let spawnError: Error | undefined;
    child.once("error", (error) => (spawnError = error));
    const forward = { url: `http://127.0.0.1:${port}`, stop: () => stopProcess(child) };

    const deadline = Date.now() + portForwardReadyMs;
    while (!(await accepts(port))) {
        const problem = spawnError
            ? `could not run kubectl (${spawnError.message}): is it installed and on PATH?`
            : child.exitCode !== null || child.signalCode !== null
              ? `kubectl port-forward exited (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`
              : signal.aborted
                ? "interrupted"
                : Date.now() > deadline
                  ? `kubectl port-forward did not accept connections on 127.0.0.1:${port} within ${portForwardReadyMs / 1000} s: ${stderr.trim()}`
                  : undefined;
        if (problem !== undefined) {
            await forward.stop();
            throw new Error(problem);
        }
        await new Promise((wait) => setTimeout(wait, 100));
    }
    return forward;
}

async function main(argv: string[]): Promise<number> {
    const inputs = parseSmokeInputs(argv, process.env);
    if (inputs === "help") {
        console.log(smokeUsage());
        return 0;
    }
    const settings = buildSmokeSettings(inputs, needsStackOutputs(inputs) ? await readStackOutputs() : {});

    const interrupt = new AbortController();
    let kubectl: ChildProcess | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
        if (!interrupt.signal.aborted) {
            log(`${signal}: clearing the alert and stopping the port-forward (again to quit at once)`);
            interrupt.abort();
            return;
        }
        if (kubectl?.pid !== undefined && kubectl.exitCode === null) process.kill(kubectl.pid, "SIGTERM");
        process.exit(1);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);

    let forward: PortForward | undefined;
    try {
        let alertmanagerUrl = settings.alertmanagerUrl;
        if (alertmanagerUrl === undefined) {
            forward = await startPortForward(settings.kubectlContext ?? "", interrupt.signal, (child) => (kubectl = child));
            alertmanagerUrl = forward.url;
        }
        const runId = newRunId(new Date(), randomBytes(3).toString("hex"));
        const report = await runSmoke(settings, { alertmanagerUrl, runId, log, signal: interrupt.signal });
        console.log(formatReport(report));
        return report.failure ? 1 : 0;
    } finally {
        await forward?.stop();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
    }
}

main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
        console.error(`smoke: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
    },
);
