// The drills: what each breaks, what should page, and the stages of its page with their bounds (bounds.ts).
import { type AlertingSettings, defaultAlertingSettings } from "../../monitoring/alerting";
import { namespaces, releaseNames } from "../../shared/topology";
import { loadRoster, type Roster } from "../../team/roster";
import { alertmanagerName } from "../smoke/settings";
import {
    alertPathMs,
    durationMs,
    firstEscalationWaitMs,
    heartbeatMissingMs,
    nextStepRecipients,
    oncallStepMs,
    resolveMs,
} from "./bounds";
import { alertmanagerStopped, crashLoopingPod, disappearingTarget, type Fault, type Kubectl } from "./faults";
import type { StageKey, StageSpec } from "./timeline";
import { DRILLS_NAMESPACE } from "../../shared/topology";

/** The namespace of the drills' own objects: the only one they touch on the existing target. */
export const drillNamespace = DRILLS_NAMESPACE;

export interface Drill {
    name: string;
    breaks: string;
    pages: string;
    /** The vmalert rule that pages; none when OnCall itself raises the page (the heartbeat). */
    alertName?: string;
    /** It stops the lab's (or the team's) Alertmanager: outside the drill's namespace. */
    stopsAlertmanager: boolean;
    fault(kubectl: Kubectl, name: string): Fault;
    stages: StageSpec[];
    /** The escalation chain's first wait: an e-mail after it, to one of `escalationRecipients` when known, is the next step's. */
    escalationWaitMs?: number;
    escalationRecipients?: string[];
    /** `--ack auto` acknowledges once this stage is seen. */
    ackAfter: StageKey;
}

const vmalert = `kubectl -n ${namespaces.monitoring} logs deployment/vmalert-${releaseNames.vmStack}, and the rule's alerts in vmalert (/api/v1/alerts)`;
const look = {
    sent: `Alertmanager: kubectl -n ${namespaces.monitoring} logs statefulset/${alertmanagerName}, and the dashboard's notification panels`,
    opened: `OnCall's integration in Grafana (Alerts & IRM > OnCall > Integrations) and kubectl -n ${namespaces.oncall} logs deployment/${releaseNames.oncall}-celery`,
    notified: `the alert group's timeline in Grafana (OnCall's record), Mailpit (stack output mailUrl), the person's notificationRules in values/oncall-team.yaml, and the celery logs`,
    escalated: "the escalation chain in values/oncall-team.yaml and the alert group's timeline in Grafana OnCall",
    acknowledged: "the alert group's page in Grafana OnCall (the link above)",
    resolved:
        "the alert group's page in Grafana OnCall; Alertmanager sends a resolve on the group's next group_interval tick",
};

/** Stages of a page from a vmalert rule: `effectMs` is how long the fault takes to show in the metrics. */
function ruleStages(
    forMs: number,
    effectMs: number,
    lookBackMs: number,
    settings: AlertingSettings,
    why: string,
): StageSpec[] {
    const pending = effectMs + durationMs(settings.scrapeInterval) + durationMs(settings.evaluationInterval);
    const firing = pending + forMs + durationMs(settings.evaluationInterval);
    const sent = effectMs + forMs + alertPathMs(settings) + durationMs(settings.evaluationInterval);
    return [
        { key: "injected", title: "fault injected" },
        {
            key: "pending",
            title: "rule pending (vmalert)",
            boundMs: pending,
            why: `${why}, a scrape and an evaluation`,
            lookAt: `${vmalert}; is the fault in place?`,
        },
        {
            key: "firing",
            title: "rule firing (vmalert)",
            boundMs: firing,
            why: "pending, the rule's `for` and an evaluation",
            lookAt: `the rule's \`for\` in the stack config, and ${vmalert}`,
        },
        {
            key: "sent",
            title: "notification sent (Alertmanager)",
            boundMs: sent,
            why: "firing and group_wait",
            lookAt: look.sent,
        },
        {
            key: "opened",
            title: "alert group opened (OnCall)",
            boundMs: sent + oncallStepMs,
            why: "sent and a minute for OnCall",
            lookAt: look.opened,
        },
        {
            key: "notified",
            title: "person notified",
            boundMs: sent + 2 * oncallStepMs,
            why: "opened and a minute for the e-mail",
            lookAt: look.notified,
        },
        { key: "acknowledged", title: "acknowledged", lookAt: look.acknowledged },
        { key: "removed", title: "fault removed" },
        {
            key: "resolved",
            title: "resolved (OnCall)",
            boundMs: resolveMs(lookBackMs, settings),
            why: "after the removal: the rule's look-back, group_interval and a minute",
            lookAt: look.resolved,
        },
    ];
}

const crashLoopEffectMs = 60_000;
/** A scaled-down pod gets the kubelet's grace period (30 s) before its port closes. */
const targetEffectMs = 30_000;

export function drills(settings: AlertingSettings = defaultAlertingSettings, roster: Roster = loadRoster()): Drill[] {
    const targetDown = ruleStages(
        durationMs(settings.targetDownFor),
        targetEffectMs,
        durationMs(settings.scrapeInterval),
        settings,
        "30 s for the pod to stop",
    );
    const wait = firstEscalationWaitMs(roster);
    const opened = targetDown.find((stage) => stage.key === "opened")!.boundMs!;
    const escalated: StageSpec = {
        key: "escalated",
        title: "escalated (next step notified)",
        boundMs: opened + wait + oncallStepMs,
        why: `opened, the chain's first wait (${wait / 60_000} min, values/oncall-team.yaml) and a minute`,
        lookAt: look.escalated,
    };
    const heartbeat = heartbeatMissingMs(settings) + oncallStepMs;
    return [
        {
            name: "crashloop",
            breaks: `a pod in namespace ${drillNamespace} that exits at every start`,
            pages: `PodCrashLooping after ${settings.crashLoopFor} (vmalert), through Alertmanager to OnCall`,
            alertName: "PodCrashLooping",
            stopsAlertmanager: false,
            fault: (kubectl, name) => crashLoopingPod(kubectl, drillNamespace, name),
            // The rule looks back 5 minutes (max_over_time [5m]).
            stages: ruleStages(
                durationMs(settings.crashLoopFor),
                crashLoopEffectMs,
                durationMs("5m"),
                settings,
                "a minute for CrashLoopBackOff",
            ),
            ackAfter: "notified",
        },
        {
            name: "target-down",
            breaks: `a scrape target of the drill's own (namespace ${drillNamespace}) that stops answering`,
            pages: `TargetDown after ${settings.targetDownFor} (vmalert), through Alertmanager to OnCall`,
            alertName: "TargetDown",
            stopsAlertmanager: false,
            fault: (kubectl, name) => disappearingTarget(kubectl, drillNamespace, name),
            stages: targetDown,
            ackAfter: "notified",
        },
        {
            name: "dead-pipeline",
            breaks: "Alertmanager scaled to 0 (and the VictoriaMetrics operator, which would bring it back)",
            pages: `OnCallHeartBeatMissing from OnCall itself, ${settings.heartbeatTimeoutSeconds / 60} min after the last heartbeat`,
            stopsAlertmanager: true,
            fault: (kubectl) => alertmanagerStopped(kubectl),
            stages: [
                { key: "injected", title: "fault injected" },
                {
                    key: "opened",
                    title: "alert group opened (OnCall)",
                    boundMs: heartbeat,
                    why: "the heartbeat's timeout, OnCall's 2-minute check and a minute",
                    lookAt: `OnCall's celery beat (kubectl -n ${namespaces.oncall} logs deployment/${releaseNames.oncall}-celery) and the heartbeat integration`,
                },
                {
                    key: "notified",
                    title: "person notified",
                    boundMs: heartbeat + oncallStepMs,
                    why: "opened and a minute",
                    lookAt: look.notified,
                },
                { key: "acknowledged", title: "acknowledged", lookAt: look.acknowledged },
                { key: "removed", title: "fault removed" },
                // Alertmanager's pod starts, the Watchdog's next ping reaches OnCall.
                {
                    key: "resolved",
                    title: "resolved (OnCall)",
                    boundMs: 2 * 60_000 + durationMs(settings.heartbeatInterval) + oncallStepMs,
                    why: "after the removal: two minutes for Alertmanager's pod, a heartbeat interval and a minute",
                    lookAt: look.resolved,
                },
            ],
            ackAfter: "notified",
        },
        {
            name: "escalation",
            breaks: `the target-down fault, and nobody acknowledges: the chain's next step pages the next person`,
            pages: `TargetDown to the person on call, then after the chain's wait (${wait / 60_000} min) the next step of "${roster.escalation.name}"`,
            alertName: "TargetDown",
            stopsAlertmanager: false,
            fault: (kubectl, name) => disappearingTarget(kubectl, drillNamespace, name),
            stages: [...targetDown.slice(0, 6), escalated, ...targetDown.slice(6)],
            escalationWaitMs: wait,
            escalationRecipients: nextStepRecipients(roster),
            ackAfter: "escalated",
        },
    ];
}

export function findDrill(name: string, all: Drill[] = drills()): Drill {
    const drill = all.find((candidate) => candidate.name === name);
    if (!drill)
        throw new Error(
            `no drill "${name}": ${all.map((candidate) => candidate.name).join(", ")} (npm run drill -- --list)`,
        );
    return drill;
}

export function listDrills(all: Drill[] = drills()): string {
    const width = Math.max(...all.map((drill) => drill.name.length));
    return all
        .map(
            (drill) =>
                `${drill.name.padEnd(width)}  breaks: ${drill.breaks}\n${"".padEnd(width)}  pages:  ${drill.pages}`,
        )
        .join("\n");
}

/** How long an unattended run (--ack auto) waits for the acknowledgement: its last bounded stage before it, and 2 minutes. */
export function unattendedTimeoutMs(drill: Drill): number {
    const ackAt = drill.stages.findIndex((stage) => stage.key === drill.ackAfter);
    return Math.max(...drill.stages.slice(0, ackAt + 1).map((stage) => stage.boundMs ?? 0)) + 120_000;
}
