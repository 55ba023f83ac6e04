// The storms of issue 23 at full size, the lab's configuration they run against, and the table `npm run bench:storm`
// prints. Times are the lab's own seconds; runStorm scales them.
import { defaultAlertingSettings } from "../../monitoring/alerting";
import { LAB_RATE_LIMITS } from "../../oncall/rateLimits";
import type { StormConfig, StormResult, StormSpec } from "./storm";

type Labels = Record<string, string>;

/** What the lab deploys: its alerting settings, its raised OnCall limits, the heartbeat on an integration of its own. */
export function labStormConfig(timeScale: number, limitScale = 1): StormConfig {
    return {
        settings: defaultAlertingSettings,
        customRateLimits: LAB_RATE_LIMITS,
        heartbeatIntegration: "own",
        timeScale,
        limitScale,
    };
}

/** PodCrashLooping alerts as vmalert sends them from the lab's rule, pods numbered from `from`. */
export function crashLooping(namespace: string, count: number, from = 0): Labels[] {
    return Array.from({ length: count }, (_, index) => ({
        alertname: "PodCrashLooping",
        alertgroup: "oncall-lab.kubernetes",
        severity: defaultAlertingSettings.severity,
        namespace,
        pod: `worker-${String(from + index).padStart(4, "0")}`,
        container: "app",
        reason: "CrashLoopBackOff",
        job: "kube-state-metrics",
    }));
}

const podNumber = (labels: Labels): number => Number(labels.pod?.slice("worker-".length));

/** 300 crash-looping pods in one namespace, 20 more 90 s later; at 3 min the first 50 (by label order) recover. */
export const oneNamespaceStorm: StormSpec = {
    name: "300 crash-looping pods in one namespace, 20 more 90 s later; the first 50 resolve at 3 min",
    steps: [
        { at: 0, fire: crashLooping("shop", 300) },
        { at: 90, fire: crashLooping("shop", 20, 300) },
        { at: 180, resolve: (labels) => podNumber(labels) < 50 },
    ],
    endsAt: 480,
};

export const spreadStorm: StormSpec = {
    name: "300 pods over 20 namespaces",
    steps: [{ at: 0, fire: Array.from({ length: 20 }, (_, ns) => crashLooping(`team-${ns}`, 15)).flat() }],
    endsAt: 120,
};

/**
 * 2,000 alert groups at once (one pod in each of 2,000 namespaces), with the Watchdog pinging throughout; the first 100
 * recover after 2 min (an alert that must page before it resolves), the rest at `resolveAt` (15 min unless given).
 */
export function distinctStorm(groups = 2000, resolveAt = 900, endsAt = 2700): StormSpec {
    return {
        name: `${groups} distinct alerts, heartbeat pinging`,
        steps: [
            {
                at: 0,
                fire: Array.from({ length: groups }, (_, ns) =>
                    crashLooping(`ns-${String(ns).padStart(4, "0")}`, 1),
                ).flat(),
            },
            { at: 120, resolve: (labels) => Number(labels.namespace.slice(3)) < groups / 20 },
            { at: resolveAt, resolve: () => true },
        ],
        endsAt,
    };
}

/** 10 groups fire while OnCall answers 429 for 2 min; 10 more while it answers 503 for 2 min. */
export const outageStorm: StormSpec = {
    name: "10 groups while OnCall answers 429 (0-2 min), 10 more while it answers 503 (5-7 min)",
    steps: [
        { at: 0, outage: { status: 429, seconds: 120 } },
        { at: 0, fire: Array.from({ length: 10 }, (_, ns) => crashLooping(`limited-${ns}`, 1)).flat() },
        { at: 300, outage: { status: 503, seconds: 120 } },
        { at: 300, fire: Array.from({ length: 10 }, (_, ns) => crashLooping(`down-${ns}`, 1)).flat() },
    ],
    endsAt: 780,
};

const minutes = (seconds: number | undefined): string =>
    seconds === undefined ? "never" : `${(seconds / 60).toFixed(1)} min`;

/** One row of the README's table: the storm, what OnCall got, what went wrong (or "nothing"). */
export function tableRow(result: StormResult): string {
    const got = [
        `${result.webhooksAccepted} webhooks accepted (largest ${result.largestPayload.alerts} alerts, ${Math.round(result.largestPayload.bytes / 1024)} KiB)`,
        `${result.calls.refused429} refused 429, ${result.calls.refused5xx} 5xx`,
        `${result.groupsPaged}/${result.groupsFired} groups paged, first at ${minutes(result.firstPage)}, last at ${minutes(result.lastPage)}`,
        `pings ${result.pings.accepted} accepted, ${result.pings.refused} refused, longest gap ${minutes(result.pings.longestGap)}`,
        ...(result.alertmanagerPeakMiB === undefined ? [] : [`Alertmanager peak ${result.alertmanagerPeakMiB} MiB`]),
    ].join("; ");
    const wrong = [
        ...(result.hidden > 0 ? [`${result.hidden} of ${result.alertsFired} alerts never shown to OnCall`] : []),
        ...(result.truncatedAlerts > 0 ? [`truncatedAlerts up to ${result.truncatedAlerts}`] : []),
        ...(result.earlyResolves.length > 0
            ? [
                  `resolved at ${minutes(result.earlyResolves[0].at)} with ${result.earlyResolves[0].stillFiring} still firing`,
              ]
            : []),
        ...(result.pings.longestGap > defaultAlertingSettings.heartbeatTimeoutSeconds
            ? [
                  `heartbeat silent for ${minutes(result.pings.longestGap)}, over the ${defaultAlertingSettings.heartbeatTimeoutSeconds} s timeout: a false "pipeline dead"`,
              ]
            : []),
        ...(result.groupsPaged < result.groupsFired
            ? [`${result.groupsFired - result.groupsPaged} groups never paged`]
            : []),
        ...(result.worstResolveLag !== undefined && result.worstResolveLag > 300
            ? [`a resolve ${minutes(result.worstResolveLag)} after its source`]
            : []),
    ];
    return `| ${result.name} | ${got} | ${wrong.length > 0 ? wrong.join("; ") : "nothing"} |`;
}
