// Runs the real alert path on 127.0.0.1: VictoriaMetrics <- pushed samples, vmalert with the
// generated rules, Alertmanager with the generated config, and a webhook receiver standing in
// for OnCall. Used by `npm run bench:alert` and the alert-path tests (through test/support/alert-path.ts).
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import {
    type AlertingSettings,
    type AlertmanagerUrls,
    buildAlertmanagerConfig,
    buildAlertRuleGroups,
} from "../../monitoring/alerting";
import { waitFor } from "../shared/polling";
import { freePort, onPath, stopProcess } from "../shared/processes";

export const requiredBinaries = ["victoria-metrics", "vmalert", "prometheus-alertmanager", "amtool"];
export const installCommand = "apt-get install -y victoria-metrics prometheus-alertmanager";

export function missingBinaries(env: NodeJS.ProcessEnv = process.env): string[] {
    return requiredBinaries.filter((binary) => !onPath(binary, env));
}

async function answersOk(url: string): Promise<boolean> {
    try {
        return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok;
    } catch {
        return false;
    }
}

export interface ManagedProcess {
    /** For reading its memory in /proc while it runs. */
    pid?: number;
    /** SIGTERM by pid, SIGKILL if it has not exited after a grace period. */
    stop(): Promise<void>;
}

/** Spawns a program and resolves once `readyUrl` answers 2xx; stops it again if it never does. */
export async function startProcess(
    name: string,
    args: string[],
    readyUrl: string,
    timeoutMs = 15_000,
): Promise<ManagedProcess> {
    const child = spawn(name, args, { stdio: ["ignore", "pipe", "pipe"] });
    // The last output, for the error when the program does not come up.
    const recentOutput: string[] = [];
    const keep = (chunk: Buffer): void => {
        recentOutput.push(chunk.toString());
        if (recentOutput.length > 100) recentOutput.shift();
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    let failure: string | undefined;
    const running = (): boolean => child.exitCode === null && child.signalCode === null && failure === undefined;
    // Should this Node process die before stop() runs, take the program down with it.
    const killWithParent = (): void => {
        if (child.pid !== undefined && running()) process.kill(child.pid, "SIGKILL");
    };
    process.once("exit", killWithParent);
    const ended = (reason: string): void => {
        failure ??= reason;
        process.removeListener("exit", killWithParent);
    };
    child.once("exit", (code, signal) => ended(`exited with ${signal ?? `code ${code}`}`));
    child.once("error", (error) => ended(`could not run: ${error.message}`));
    const managed: ManagedProcess = { pid: child.pid, stop: () => stopProcess(child) };
    try {
        await waitFor(
            `${name} to answer ${readyUrl}`,
            async () => {
                if (!running())
                    throw new Error(`${name} ${failure ?? "stopped"} before it was ready:\n${recentOutput.join("")}`);
                return (await answersOk(readyUrl)) || undefined;
            },
            timeoutMs,
        );
    } catch (error) {
        await managed.stop();
        throw error;
    }
    return managed;
}

/** Runs a checker such as `amtool check-config` to completion. */
export async function runToCompletion(
    command: string,
    args: string[],
    timeoutMs = 15_000,
): Promise<{ exitCode: number | null; output: string }> {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exitCode = await new Promise<number | null>((resolve, reject) => {
        child.once("error", reject);
        child.once("close", resolve);
    });
    return { exitCode, output };
}

/** The body Alertmanager's webhook receiver posts (payload version 4). */
export interface AlertmanagerWebhookPayload {
    version: string;
    receiver: string;
    status: "firing" | "resolved";
    groupKey: string;
    groupLabels: Record<string, string>;
    commonLabels: Record<string, string>;
    alerts: {
        status: "firing" | "resolved";
        labels: Record<string, string>;
        annotations: Record<string, string>;
        startsAt: string;
        endsAt: string;
    }[];
}

export interface ReceivedWebhook {
    method: string;
    path: string;
    receivedAt: number;
    payload: AlertmanagerWebhookPayload;
    /** The body's size in bytes. */
    bytes: number;
    /** The HTTP status it was answered with. */
    status: number;
}

/**
 * Stands in for OnCall and records every call. Its port is fixed up front, so it can start late, as after an outage.
 * `answer` decides each call's HTTP status (200 unless given), as a rate limit or an outage would.
 */
export class WebhookReceiver {
    readonly received: ReceivedWebhook[] = [];
    private server?: Server;

    constructor(
        readonly port: number,
        private readonly answer: (call: Omit<ReceivedWebhook, "status">) => number = () => 200,
    ) {}

    url(path: string): string {
        return `http://127.0.0.1:${this.port}${path}`;
    }

    async start(): Promise<void> {
        const server = createServer((request, response) => {
            const chunks: Buffer[] = [];
            request.on("data", (chunk: Buffer) => chunks.push(chunk));
            request.on("end", () => {
                let payload: AlertmanagerWebhookPayload;
                try {
                    payload = JSON.parse(Buffer.concat(chunks).toString()) as AlertmanagerWebhookPayload;
                } catch {
                    response.writeHead(400).end();
                    return;
                }
                const call = {
                    method: request.method ?? "",
                    path: request.url ?? "",
                    receivedAt: Date.now(),
                    payload,
                    bytes: Buffer.concat(chunks).length,
                };
                const status = this.answer(call);
                this.received.push({ ...call, status });
                response.writeHead(status).end();
            });
        });
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(this.port, "127.0.0.1", resolve);
        });
        this.server = server;
    }

    async stop(): Promise<void> {
        const server = this.server;
        if (!server) return;
        this.server = undefined;
        // Alertmanager keeps connections alive; drop them so the receiver is really gone.
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
    }
}

export interface AlertPath {
    victoriaMetricsUrl: string;
    vmalertUrl: string;
    alertmanagerUrl: string;
    /** The files the programs run with: exactly the builders' output, as YAML. */
    rulesFile: string;
    alertmanagerConfigFile: string;
    /** Whether Alertmanager labels its notification metrics with `receiver_name` (v0.26+ with the feature on). */
    receiverNamesInMetrics: boolean;
    stop(): Promise<void>;
}

export interface AlertPathOptions {
    /**
     * VictoriaMetrics scrapes vmalert and Alertmanager as the stack's vmagent does, and vmalert writes its ALERTS
     * series into it, so the dashboard's queries can run against the real metrics.
     */
    scrapeComponents?: boolean;
    /** More targets VictoriaMetrics scrapes with them (job name to host:port), as the stack's vmagent scrapes a VMStaticScrape. */
    scrapeTargets?: Record<string, string>;
}

const receiverNameFeature = "receiver-name-in-metrics";

/** Debian 12's Alertmanager 0.25 has neither --enable-feature nor receiver names in its metrics. */
export async function alertmanagerHasReceiverNames(): Promise<boolean> {
    const help = await runToCompletion("prometheus-alertmanager", ["--help-long"]);
    return help.output.includes(receiverNameFeature);
}

interface AlertPathFiles {
    workDir: string;
    rulesFile: string;
    alertmanagerConfigFile: string;
    /** Empty until every component listens: an early failed scrape would write up=0 and could page TargetDown. */
    scrapeFile: string;
}

export async function writeAlertPathFiles(settings: AlertingSettings, urls: AlertmanagerUrls): Promise<AlertPathFiles> {
    const workDir = await mkdtemp(join(tmpdir(), "oncall-lab-alert-path-"));
    const files = {
        workDir,
        rulesFile: join(workDir, "rules.yml"),
        alertmanagerConfigFile: join(workDir, "alertmanager.yml"),
        scrapeFile: join(workDir, "scrape.yml"),
    };
    await writeFile(files.rulesFile, YAML.stringify({ groups: buildAlertRuleGroups(settings) }));
    await writeFile(files.alertmanagerConfigFile, YAML.stringify(buildAlertmanagerConfig(urls, settings)));
    await writeFile(files.scrapeFile, YAML.stringify({ scrape_configs: [] }));
    return files;
}

async function startVictoriaMetrics(
    files: AlertPathFiles,
    address: string,
    options: AlertPathOptions,
): Promise<ManagedProcess> {
    return startProcess(
        "victoria-metrics",
        [
            `-httpListenAddr=${address}`,
            `-storageDataPath=${join(files.workDir, "victoria-metrics")}`,
            // Otherwise the newest 30s of samples are invisible to vmalert's queries.
            "-search.latencyOffset=0s",
            ...(options.scrapeComponents ? [`-promscrape.config=${files.scrapeFile}`] : []),
        ],
        `http://${address}/health`,
    );
}

export async function startAlertmanager(
    files: AlertPathFiles,
    address: string,
    receiverNamesInMetrics: boolean,
): Promise<ManagedProcess> {
    return startProcess(
        "prometheus-alertmanager",
        [
            `--config.file=${files.alertmanagerConfigFile}`,
            `--storage.path=${join(files.workDir, "alertmanager")}`,
            `--web.listen-address=${address}`,
            // Empty turns clustering off, so no gossip listener on other addresses.
            "--cluster.listen-address=",
            ...(receiverNamesInMetrics ? [`--enable-feature=${receiverNameFeature}`] : []),
        ],
        `http://${address}/-/ready`,
    );
}

interface VmalertAddresses {
    vmalert: string;
    victoriaMetrics: string;
    alertmanager: string;
}

async function startVmalert(
    files: AlertPathFiles,
    addresses: VmalertAddresses,
    settings: AlertingSettings,
    options: AlertPathOptions,
): Promise<ManagedProcess> {
    return startProcess(
        "vmalert",
        [
            `-httpListenAddr=${addresses.vmalert}`,
            `-rule=${files.rulesFile}`,
            `-datasource.url=http://${addresses.victoriaMetrics}`,
            `-notifier.url=http://${addresses.alertmanager}`,
            `-evaluationInterval=${settings.evaluationInterval}`,
            // As the stack's vmalert does: ALERTS and ALERTS_FOR_STATE go to VictoriaMetrics.
            ...(options.scrapeComponents ? [`-remoteWrite.url=http://${addresses.victoriaMetrics}`] : []),
        ],
        `http://${addresses.vmalert}/health`,
    );
}

/** Once every component listens, VictoriaMetrics scrapes vmalert and Alertmanager (their own metrics). */
async function scrapeComponents(
    files: AlertPathFiles,
    addresses: VmalertAddresses,
    settings: AlertingSettings,
    targets: Record<string, string> = {},
): Promise<void> {
    const job = (name: string, address: string) => ({
        job_name: name,
        scrape_interval: settings.scrapeInterval,
        static_configs: [{ targets: [address] }],
    });
    await writeFile(
        files.scrapeFile,
        YAML.stringify({
            scrape_configs: [
                job("vmalert", addresses.vmalert),
                job("alertmanager", addresses.alertmanager),
                ...Object.entries(targets).map(([name, address]) => job(name, address)),
            ],
        }),
    );
    const reload = await fetch(`http://${addresses.victoriaMetrics}/-/reload`);
    if (!reload.ok) throw new Error(`VictoriaMetrics /-/reload answered ${reload.status}`);
}

/**
 * Writes the generated rules and Alertmanager config to a temp dir and starts VictoriaMetrics,
 * Alertmanager and vmalert on free 127.0.0.1 ports. `stop()` ends them by pid and deletes the dir.
 */
export async function startAlertPath(
    settings: AlertingSettings,
    urls: AlertmanagerUrls,
    options: AlertPathOptions = {},
): Promise<AlertPath> {
    const files = await writeAlertPathFiles(settings, urls);
    const receiverNamesInMetrics = await alertmanagerHasReceiverNames();
    const started: ManagedProcess[] = [];
    const stop = async (): Promise<void> => {
        for (const program of [...started].reverse()) await program.stop();
        await rm(files.workDir, { recursive: true, force: true });
    };
    try {
        // Each port is taken right before its program starts, so that two programs never draw the same one.
        const victoriaMetrics = `127.0.0.1:${await freePort()}`;
        started.push(await startVictoriaMetrics(files, victoriaMetrics, options));
        const alertmanager = `127.0.0.1:${await freePort()}`;
        started.push(await startAlertmanager(files, alertmanager, receiverNamesInMetrics));
        const addresses: VmalertAddresses = { victoriaMetrics, alertmanager, vmalert: `127.0.0.1:${await freePort()}` };
        started.push(await startVmalert(files, addresses, settings, options));
        if (options.scrapeComponents) await scrapeComponents(files, addresses, settings, options.scrapeTargets);
        return {
            victoriaMetricsUrl: `http://${addresses.victoriaMetrics}`,
            vmalertUrl: `http://${addresses.vmalert}`,
            alertmanagerUrl: `http://${addresses.alertmanager}`,
            rulesFile: files.rulesFile,
            alertmanagerConfigFile: files.alertmanagerConfigFile,
            receiverNamesInMetrics,
            stop,
        };
    } catch (error) {
        await stop();
        throw error;
    }
}

/** vmalert's view of one alert: "pending" while `for` runs, then "firing"; undefined when inactive. */
export async function vmalertAlertState(vmalertUrl: string, alertName: string): Promise<string | undefined> {
    const response = await fetch(`${vmalertUrl}/api/v1/alerts`);
    if (!response.ok) throw new Error(`vmalert /api/v1/alerts answered ${response.status}`);
    const body = (await response.json()) as { data: { alerts: { name: string; state: string }[] | null } };
    return (body.data.alerts ?? []).find((alert) => alert.name === alertName)?.state;
}
