// How long each stage of a page may take, derived from the lab's own intervals (src/monitoring/alerting.ts)
// and the team file (values/oncall-team.yaml). The e2e's waits (e2e/scenarios.ts labWaits) and the drills'
// timeline bounds come from these same pieces.
import { type AlertingSettings, defaultAlertingSettings, durationSeconds } from "../../monitoring/alerting";
import { loadRoster, type Roster } from "../../team/roster";

export const durationMs = (duration: string) => durationSeconds(duration) * 1000;

/** Scrape, evaluation and group_wait: what the alert path adds after a rule's `for` (the bound bench:alert measures). */
export function alertPathMs(settings: AlertingSettings = defaultAlertingSettings): number {
    return (
        durationMs(settings.scrapeInterval) + durationMs(settings.evaluationInterval) + durationMs(settings.groupWait)
    );
}

/** OnCall v1.16.9 checks heartbeats every 2 minutes (check_heartbeats in the celery beat schedule). */
export const heartbeatCheckMs = 120_000;

/** From Alertmanager's notification to OnCall's alert group, and from the group to its e-mail (OnCall's celery workers, SMTP). */
export const oncallStepMs = 60_000;

/** The escalation chain's first wait: when the chain's next step is due after the alert group opened. */
export function firstEscalationWaitMs(roster: Roster = loadRoster()): number {
    const wait = roster.escalation.steps.find((step) => step.type === "wait");
    return wait && wait.type === "wait" ? wait.durationSeconds * 1000 : 0;
}

/** From Alertmanager stopping until OnCall raises OnCallHeartBeatMissing: the heartbeat's timeout and OnCall's check. */
export function heartbeatMissingMs(settings: AlertingSettings = defaultAlertingSettings): number {
    return settings.heartbeatTimeoutSeconds * 1000 + heartbeatCheckMs;
}

/** A resolve goes out on the group's next group_interval tick, after the rule stops matching (`lookBackMs`: its range). */
export function resolveMs(lookBackMs: number, settings: AlertingSettings = defaultAlertingSettings): number {
    return durationMs(settings.evaluationInterval) + lookBackMs + durationMs(settings.groupInterval) + oncallStepMs;
}

/**
 * Who the chain's step after its first wait pages by e-mail, from the team file: the persons of a notify_persons
 * step; undefined when that step is another kind (the rotation's person again, a repeat), which any e-mail then counts.
 */
export function nextStepRecipients(roster: Roster = loadRoster()): string[] | undefined {
    const steps = roster.escalation.steps;
    const next = steps[steps.findIndex((step) => step.type === "wait") + 1];
    if (!next || next.type !== "notify_persons") return undefined;
    return roster.people
        .filter((person) => next.logins.includes(person.login))
        .map((person) => person.email.toLowerCase());
}
