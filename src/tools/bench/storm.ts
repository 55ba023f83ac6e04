// Alert storms through Debian's Alertmanager with the lab's config, into the OnCall stand-in: alerts are posted as
// vmalert posts them (every evaluation, endsAt a few evaluations ahead; a resolved one with endsAt now), with the
// Watchdog firing throughout. Time can be scaled: every duration of the lab's settings and OnCall's windows shrink by
// the same factor, so a 35-minute storm runs in a minute. Used by test/alert-storm.test.ts and `npm run bench:storm`.
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import {
    type AlertingSettings,
    type AlertmanagerUrls,
    durationSeconds,
    heartbeatUrl,
    watchdogAlertName,
} from "../../monitoring/alerting";
import { type CustomRateLimit } from "../../oncall/rateLimits";
import { alertmanagerHasReceiverNames, type ManagedProcess, startAlertmanager, writeAlertPathFiles } from "./alertPath";
import { postAlerts, type PostableAlert } from "../shared/http";
import { labelKey, OnCallStandIn } from "./oncallStandIn";
import { realClock } from "../shared/polling";
import { freePort } from "../shared/processes";

type Labels = Record<string, string>;

/** What happens at a moment of the storm, in the lab's own (unscaled) seconds from its start. */
export type StormStep =
    | { at: number; fire: Labels[] }
    | { at: number; resolve: (labels: Labels) => boolean }
    | { at: number; outage: { status: number; seconds: number } };

export interface StormSpec {
    name: string;
    steps: StormStep[];
    /** Lab seconds after the start when the run ends. */
    endsAt: number;
}

export interface StormConfig {
    /** The lab's alerting settings, unscaled. */
    settings: AlertingSettings;
    /** CUSTOM_RATELIMITS' entry for the lab's organization; undefined: OnCall's defaults. */
    customRateLimits?: CustomRateLimit;
    /** Whether the Watchdog pings an integration of its own (the lab's wiring) or the paging one's heartbeat. */
    heartbeatIntegration: "own" | "paging";
    /** 1: real time; 60: an hour in a minute. */
    timeScale: number;
    /** OnCall's limits divided by this, for a storm as many times smaller (the test's); 1 unless set. */
    limitScale?: number;
}

interface SourceAlert {
    labels: Labels;
    firedAt: number;
    resolvedAt?: number;
}

export interface StormResult {
    name: string;
    timeScale: number;
    /** Lab seconds, as every time below. */
    firstPage?: number;
    lastPage?: number;
    groupsFired: number;
    groupsPaged: number;
    alertsFired: number;
    /** Fired alerts that no accepted webhook carried as firing. */
    hidden: number;
    /** Accepted "resolved" webhooks while an alert of their group was still firing at the source. */
    earlyResolves: { at: number; stillFiring: number }[];
    /** The longest a group stayed open in OnCall after its last alert resolved at the source. */
    worstResolveLag?: number;
    calls: { accepted: number; refused429: number; refused5xx: number };
    pings: { accepted: number; refused: number; longestGap: number };
    webhooksAccepted: number;
    largestPayload: { alerts: number; bytes: number };
    truncatedAlerts: number;
    /** Alertmanager's peak resident memory (VmHWM), in MiB. */
    alertmanagerPeakMiB?: number;
}

/** The settings with every duration divided by `scale` (whole milliseconds, as Alertmanager takes them). */
export function scaledSettings(settings: AlertingSettings, scale: number): AlertingSettings {
    const scaled = (duration: string): string => {
        const ms = (durationSeconds(duration) * 1000) / scale;
        if (!Number.isInteger(ms))
            throw new Error(`time scale ${scale} leaves ${duration} at ${ms} ms, not whole milliseconds`);
        return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
    };
    const result = { ...settings };
    for (const key of [
        "scrapeInterval",
        "evaluationInterval",
        "groupWait",
        "groupInterval",
        "repeatInterval",
        "heartbeatInterval",
    ] as const) {
        result[key] = scaled(settings[key]);
    }
    return result;
}

const groupOf = (labels: Labels): string => `${labels.alertname}/${labels.namespace ?? ""}`;

function peakMiB(pid: number | undefined): number | undefined {
    try {
        const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
        return kb ? Math.round(Number(kb[1]) / 1024) : undefined;
    } catch {
        return undefined;
    }
}

/** Alertmanager alone with the generated config, for alerts posted straight to it as vmalert posts them. */
async function startAlertmanagerAlone(
    settings: AlertingSettings,
    urls: AlertmanagerUrls,
): Promise<ManagedProcess & { url: string }> {
    const files = await writeAlertPathFiles(settings, urls);
    const address = `127.0.0.1:${await freePort()}`;
    try {
        const alertmanager = await startAlertmanager(files, address, await alertmanagerHasReceiverNames());
        const stop = async (): Promise<void> => {
            await alertmanager.stop();
            await rm(files.workDir, { recursive: true, force: true });
        };
        return { url: `http://${address}`, pid: alertmanager.pid, stop };
    } catch (error) {
        await rm(files.workDir, { recursive: true, force: true });
        throw error;
    }
}

/** Runs one storm; resolves with what OnCall (the stand-in) made of it. */
export async function runStorm(spec: StormSpec, config: StormConfig): Promise<StormResult> {
    const { timeScale } = config;
    const settings = scaledSettings(config.settings, timeScale);
    const oncall = new OnCallStandIn(await freePort(), {
        timeScale,
        customRateLimits: config.customRateLimits,
        limitScale: config.limitScale,
    });
    await oncall.start();
    const pagingUrl = oncall.integrationUrl("paging");
    const heartbeatToken = config.heartbeatIntegration === "own" ? "heartbeat" : "paging";
    const alertmanager = await startAlertmanagerAlone(settings, {
        pagingUrl,
        heartbeatUrl: heartbeatUrl(oncall.integrationUrl(heartbeatToken)),
    });
    const source = new Map<string, SourceAlert>();
    const watchdog: SourceAlert = { labels: { alertname: watchdogAlertName, severity: "none" }, firedAt: 0 };
    const postEveryMs = Math.max(durationSeconds(settings.evaluationInterval) * 1000, 1_000);
    let start = Date.now();
    const lab = (): number => ((Date.now() - start) * timeScale) / 1000;
    let posting = Promise.resolve();
    const post = (): void => {
        const now = Date.now();
        const alerts: PostableAlert[] = [watchdog, ...source.values()].map((alert) => ({
            labels: alert.labels,
            annotations: { summary: `${alert.labels.alertname} in ${alert.labels.namespace ?? "the cluster"}` },
            endsAt: new Date(
                alert.resolvedAt === undefined ? now + 4 * postEveryMs : start + (alert.resolvedAt * 1000) / timeScale,
            ).toISOString(),
        }));
        posting = posting.then(() => postAlerts(alertmanager.url, alerts)).catch(() => undefined);
    };
    let peak: number | undefined;
    try {
        // The pipeline is up and pinging before the storm starts.
        post();
        await realClock.sleep(durationSeconds(settings.heartbeatInterval) * 1000);
        start = Date.now();
        const timer = setInterval(post, postEveryMs);
        for (const step of [...spec.steps].sort((a, b) => a.at - b.at)) {
            await realClock.sleep(Math.max(0, start + (step.at * 1000) / timeScale - Date.now()));
            applyStep(step, source, oncall, lab(), start, timeScale);
            post();
        }
        await realClock.sleep(Math.max(0, start + (spec.endsAt * 1000) / timeScale - Date.now()));
        clearInterval(timer);
        await posting;
        peak = peakMiB(alertmanager.pid);
    } finally {
        await alertmanager.stop();
        await oncall.stop();
    }
    return analyse(spec.name, config, { source, oncall, start, end: lab(), heartbeatToken, peak });
}

function applyStep(
    step: StormStep,
    source: Map<string, SourceAlert>,
    oncall: OnCallStandIn,
    now: number,
    start: number,
    timeScale: number,
): void {
    if ("fire" in step) {
        for (const labels of step.fire) source.set(labelKey(labels), { labels, firedAt: now });
    } else if ("resolve" in step) {
        for (const alert of source.values())
            if (alert.resolvedAt === undefined && step.resolve(alert.labels)) alert.resolvedAt = now;
    } else {
        oncall.outage = { status: step.outage.status, until: start + ((now + step.outage.seconds) * 1000) / timeScale };
    }
}

interface Observed {
    source: Map<string, SourceAlert>;
    oncall: OnCallStandIn;
    start: number;
    end: number;
    heartbeatToken: string;
    peak?: number;
}

function analyse(name: string, config: StormConfig, observed: Observed): StormResult {
    const { source, oncall, heartbeatToken } = observed;
    const lab = (epochMs: number): number => ((epochMs - observed.start) * config.timeScale) / 1000;
    const groups = [...oncall.groups.values()];
    const seenFiring = new Set(groups.flatMap((group) => group.accepted.flatMap((webhook) => webhook.firing)));
    const alerts = [...source.values()];
    const bySourceGroup = new Map<string, SourceAlert[]>();
    for (const alert of alerts)
        bySourceGroup.set(groupOf(alert.labels), [...(bySourceGroup.get(groupOf(alert.labels)) ?? []), alert]);
    const groupLabelsOf = (groupKey: string): string => {
        const webhook = oncall.calls.find((call) => call.payload.groupKey === groupKey);
        return webhook ? groupOf(webhook.payload.groupLabels) : "";
    };
    // An alert counts as firing at the source once Alertmanager surely has it: two real seconds after it fired.
    const postSlack = 2 * config.timeScale;
    const earlyResolves = groups.flatMap((group) =>
        group.accepted
            .filter((webhook) => webhook.status === "resolved")
            .map((webhook) => ({
                at: lab(webhook.at),
                stillFiring: (bySourceGroup.get(groupLabelsOf(group.groupKey)) ?? []).filter(
                    (alert) =>
                        alert.firedAt + postSlack < lab(webhook.at) &&
                        (alert.resolvedAt === undefined || alert.resolvedAt > lab(webhook.at)),
                ).length,
            }))
            .filter((resolve) => resolve.stillFiring > 0),
    );
    const lags = groups.flatMap((group) => {
        const members = bySourceGroup.get(groupLabelsOf(group.groupKey)) ?? [];
        if (members.length === 0 || members.some((alert) => alert.resolvedAt === undefined)) return [];
        const lastSourceResolve = Math.max(...members.map((alert) => alert.resolvedAt!));
        return [
            group.resolvedAt === undefined
                ? observed.end - lastSourceResolve
                : lab(group.resolvedAt) - lastSourceResolve,
        ];
    });
    const paged = groups.filter((group) => group.pagedAt !== undefined);
    const pageCalls = oncall.calls.filter((call) => !call.path.endsWith("/heartbeat/"));
    const pingCalls = oncall.calls.filter(
        (call) => call.path.endsWith("/heartbeat/") && call.path.includes(`/${heartbeatToken}/`),
    );
    const pings = (oncall.pings.get(heartbeatToken) ?? []).map(lab).filter((at) => at >= 0);
    const gapPoints = [0, ...pings, observed.end];
    const acceptedPages = pageCalls.filter((call) => call.status === 200);
    return {
        name,
        timeScale: config.timeScale,
        firstPage: paged.length > 0 ? Math.min(...paged.map((group) => lab(group.pagedAt!))) : undefined,
        lastPage: paged.length > 0 ? Math.max(...paged.map((group) => lab(group.pagedAt!))) : undefined,
        groupsFired: bySourceGroup.size,
        groupsPaged: paged.length,
        alertsFired: alerts.length,
        hidden: alerts.filter((alert) => !seenFiring.has(labelKey(alert.labels))).length,
        earlyResolves,
        worstResolveLag: lags.length > 0 ? Math.max(...lags) : undefined,
        calls: {
            accepted: acceptedPages.length,
            refused429: pageCalls.filter((call) => call.status === 429).length,
            refused5xx: pageCalls.filter((call) => call.status >= 500).length,
        },
        pings: {
            accepted: pings.length,
            refused: pingCalls.filter((call) => call.status !== 200 && lab(call.receivedAt) >= 0).length,
            longestGap: Math.max(...gapPoints.slice(1).map((at, index) => at - gapPoints[index])),
        },
        webhooksAccepted: acceptedPages.length,
        largestPayload: {
            alerts: Math.max(0, ...acceptedPages.map((call) => call.payload.alerts.length)),
            bytes: Math.max(0, ...acceptedPages.map((call) => call.bytes)),
        },
        truncatedAlerts: Math.max(
            0,
            ...pageCalls.map((call) => (call.payload as { truncatedAlerts?: number }).truncatedAlerts ?? 0),
        ),
        alertmanagerPeakMiB: observed.peak,
    };
}
