// `npm run smoke`: checks that vmalert's alerts link their source in the lab's Grafana (the Watchdog, which always
// fires, as Alertmanager holds it), then fires a synthetic alert into the lab's Alertmanager and times it through OnCall
// (the alert group), Mailpit (the page, by e-mail, to a person on call), the e-mail's link to the
// alert group (it must open Grafana from this machine) and back (the resolve). A stack without
// Mailpit (smtpHost) skips the e-mail and its link: OnCall mails the team directly. Matching (in
// smokeMatching.ts, with the upstream facts it relies on) and the table are pure; runSmoke talks
// HTTP to the URLs it is given, so the tests run it against local stand-ins. Settings are in
// smokeSettings.ts; starting the port-forward is scripts/smoke.ts's job.
import { defaultAlertingSettings, watchdogAlertName } from "../../monitoring/alerting";
import { isRecord } from "../../shared/records";
import { withoutTrailingSlash, withTrailingSlash } from "../../shared/urls";
import { formatTable, seconds } from "../shared/cli";
import {
    describeError,
    getJson,
    getThroughLoopback,
    getWithoutRedirects,
    isPermanentHttpError,
    type PostableAlert,
    postAlerts,
    reachedThroughLoopback,
    requestTimeoutMs,
} from "../shared/http";
import { AlertGroupsClient } from "../shared/oncallAlertGroups";
import { Interrupted, poll, type PollResult } from "../shared/polling";
import {
    alertGroupLink,
    findAlertGroup,
    type MailpitMessage,
    type OnCallAlertGroup,
    oncallPluginId,
    runLabel,
    sortMessages,
    sourceLink,
} from "./matching";
import { alertmanagerName, alertmanagerService, type SmokeSettings } from "./settings";

export const smokeAlertName = "OnCallLabSmoke";
export const smokeNamespace = "oncall-lab-smoke";

export function smokeAlert(runId: string, severity: string, startsAt: Date, endsAt: Date): PostableAlert {
    return {
        labels: { alertname: smokeAlertName, severity, namespace: smokeNamespace, [runLabel]: runId },
        annotations: { summary: `npm run smoke, run ${runId}: a synthetic alert, cleared by the smoke test itself` },
        startsAt: startsAt.toISOString(),
        endsAt: endsAt.toISOString(),
    };
}

/** Letters and digits only: the id has to survive OnCall's Markdown-to-HTML e-mail and Mailpit's search. */
export function newRunId(now: Date, random: string): string {
    return `smoke${now.getTime().toString(36)}${random}`;
}

export type StepKey = "fired" | "source" | "alertGroup" | "email" | "link" | "cleared" | "resolved";

export const stepTitles: Record<StepKey, string> = {
    fired: "alert accepted by Alertmanager",
    source: "vmalert's source link is Grafana's",
    alertGroup: "alert group in OnCall",
    email: "e-mail to a person on call",
    link: "e-mail's link opens Grafana",
    cleared: "alert cleared in Alertmanager",
    resolved: "alert group resolved in OnCall",
};

export interface StepOutcome {
    step: StepKey;
    /** Milliseconds from firing; undefined when the step did not happen. */
    afterMs?: number;
    /** Not checked on this stack (no lab mailbox); `detail` says what to check instead. */
    skipped?: true;
    detail: string;
}

export interface SmokeReport {
    runId: string;
    steps: StepOutcome[];
    failure?: { step: StepKey; message: string };
    /** The alert group and the e-mail's link to it, for what comes after the smoke (e2e's browser step). */
    alertGroupId?: string;
    alertGroupLink?: string;
    /** Who the e-mail went to. */
    emailTo?: string[];
    /** Stack output dashboardUrl, printed after the verdict. */
    dashboardUrl?: string;
}

export function formatReport(report: SmokeReport): string {
    const rows = (Object.keys(stepTitles) as StepKey[]).map((step) => {
        const outcome = report.steps.find((candidate) => candidate.step === step);
        const unfinished = report.failure?.step === step ? "FAILED" : "-";
        const time = outcome?.skipped
            ? "skipped"
            : outcome?.afterMs === undefined
              ? unfinished
              : seconds(outcome.afterMs);
        return [stepTitles[step], time, outcome?.detail ?? ""];
    });
    const table = formatTable(["step", "after firing", "detail"], rows, [1]);
    const verdict = report.failure
        ? `FAILED at "${stepTitles[report.failure.step]}": ${report.failure.message}`
        : report.steps.some((outcome) => outcome.skipped)
          ? "OK: the alert opened an alert group in OnCall and it resolved; the e-mail and its link were not checked (no lab mailbox)."
          : "OK: the alert paged a person on call by e-mail, its link opens Grafana, and it resolved.";
    const dashboard = report.dashboardUrl === undefined ? "" : `\nDashboard: ${report.dashboardUrl}`;
    return `smoke run ${report.runId} (${runLabel}=${report.runId})\n${table}\n${verdict}${dashboard}`;
}

function within(ms: number): string {
    return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : seconds(ms);
}

const lastError = (result: PollResult<unknown>) => (result.lastError ? `; last error: ${result.lastError}` : "");

export interface SmokeRun {
    /** Where to post alerts: the port-forward or --alertmanager-url. */
    alertmanagerUrl: string;
    runId: string;
    log: (line: string) => void;
    /** Aborting (Ctrl-C) stops the waiting; the alert is still cleared. */
    signal: AbortSignal;
    /** Runs while the alert group is still firing, after the link step (e2e: the person acknowledges). */
    beforeClear?: (report: SmokeReport) => Promise<void>;
}

class StepFailed extends Error {
    constructor(
        readonly step: StepKey,
        message: string,
    ) {
        super(message);
    }
}

/** Fires, follows and clears one synthetic alert. Never throws for a step that fails: see `failure`. */
export async function runSmoke(settings: SmokeSettings, run: SmokeRun): Promise<SmokeReport> {
    const { alertmanagerUrl, runId, log, signal } = run;
    const report: SmokeReport = { runId, steps: [], dashboardUrl: settings.dashboardUrl };
    const firedAt = Date.now();
    // Ends by itself a while after the last wait, in case this process dies before clearing it.
    const endsAt = new Date(firedAt + settings.alertGroupTimeoutMs + settings.emailTimeoutMs + 60_000);
    const alert = smokeAlert(runId, settings.alertSeverity, new Date(firedAt), endsAt);
    const done = (step: StepKey, detail: string) => {
        report.steps.push({ step, afterMs: Date.now() - firedAt, detail });
        log(`${stepTitles[step]} after ${seconds(Date.now() - firedAt)}`);
    };
    const kubectl = `kubectl${settings.kubectlContext ? ` --context ${settings.kubectlContext}` : ""} -n ${alertmanagerService.namespace}`;

    try {
        await postAlerts(alertmanagerUrl, [alert], signal);
    } catch (error) {
        const message = signal.aborted
            ? "interrupted before the alert was sent"
            : `POST ${alertmanagerUrl}/api/v2/alerts failed (${describeError(error)}). Is Alertmanager running? ${kubectl} get pods`;
        report.failure = { step: "fired", message };
        return report;
    }
    done("fired", `${smokeAlertName} severity=${settings.alertSeverity} namespace=${smokeNamespace}`);

    let clearedAt: number | undefined;
    const clear = async () => {
        // A fresh signal: the alert must be cleared even after Ctrl-C aborted the waiting.
        await postAlerts(
            alertmanagerUrl,
            [{ ...alert, endsAt: new Date().toISOString() }],
            AbortSignal.timeout(requestTimeoutMs),
        );
        clearedAt = Date.now();
    };
    const steps = new SmokeSteps(settings, run, kubectl);
    try {
        done("source", await steps.source(alertmanagerUrl));
        const group = await steps.alertGroup();
        report.alertGroupId = group.id;
        done("alertGroup", `${group.id} "${group.title ?? ""}", ${group.state}`);
        await checkPage(steps, group, report, done);
        await run.beforeClear?.(report);
        await clear();
        done("cleared", "endsAt=now");
        await steps.resolved(group);
        done("resolved", `${seconds(Date.now() - (clearedAt ?? firedAt))} after clearing`);
    } catch (error) {
        const pending = (Object.keys(stepTitles) as StepKey[]).find(
            (key) => !report.steps.some((outcome) => outcome.step === key),
        );
        report.failure =
            error instanceof StepFailed
                ? { step: error.step, message: error.message }
                : {
                      step: pending ?? "resolved",
                      message: error instanceof Interrupted ? "interrupted" : describeError(error),
                  };
    } finally {
        if (clearedAt === undefined) {
            await clear().catch((error: unknown) =>
                log(
                    `could not clear the alert (${describeError(error)}); it ends by itself at ${endsAt.toISOString()}`,
                ),
            );
        }
    }
    return report;
}

/** The e-mail and its link to the alert group; both skipped without a lab mailbox. */
async function checkPage(
    steps: SmokeSteps,
    group: OnCallAlertGroup,
    report: SmokeReport,
    done: (step: StepKey, detail: string) => void,
): Promise<void> {
    const { mailUrl, teamEmails } = steps.settings;
    if (mailUrl === undefined) {
        const detail = `no lab mailbox on this stack: check ${teamEmails.join(", ")} for OnCall's e-mail`;
        report.steps.push(
            { step: "email", skipped: true, detail },
            { step: "link", skipped: true, detail: "no e-mail to take the link from" },
        );
        steps.run.log(`${stepTitles.email} skipped: ${detail}`);
        return;
    }
    const mail = await steps.email(group, mailUrl);
    report.emailTo = (mail.To ?? []).map((to) => to.Address);
    done("email", `to ${report.emailTo.join(", ")}: "${mail.Subject}"`);
    const link = await steps.link(mail, group, mailUrl);
    report.alertGroupLink = link.url;
    done("link", `${link.url} answered HTTP ${link.status}`);
}

/** Each waiting step: resolves with what it found, or throws StepFailed saying where to look. */
class SmokeSteps {
    private readonly groups: AlertGroupsClient;
    private readonly alertGroupsUrl: URL;

    constructor(
        readonly settings: SmokeSettings,
        readonly run: SmokeRun,
        private readonly kubectl: string,
    ) {
        this.groups = new AlertGroupsClient(settings.oncallUrl, settings.oncallApiToken);
        this.alertGroupsUrl = this.groups.listUrl;
    }

    private poll<T>(timeoutMs: number, probe: () => Promise<T | undefined>): Promise<PollResult<T>> {
        const { pollIntervalMs: intervalMs } = this.settings;
        return poll({ timeoutMs, intervalMs, signal: this.run.signal, isPermanent: isPermanentHttpError }, probe);
    }

    /** A vmalert alert's generatorURL (OnCall's source link) must be under grafanaUrl: the Watchdog always fires. */
    async source(alertmanagerUrl: string): Promise<string> {
        const { settings, run } = this;
        const alertsUrl = new URL("api/v2/alerts", withTrailingSlash(alertmanagerUrl));
        alertsUrl.searchParams.set("filter", `alertname="${watchdogAlertName}"`);
        const found = await this.poll(settings.alertGroupTimeoutMs, async () =>
            sourceLink(await getJson(alertsUrl, { accept: "application/json" }, run.signal)),
        );
        const expected = `${withoutTrailingSlash(settings.grafanaUrl)}/`;
        if (found.value?.startsWith(expected)) return found.value;
        throw new StepFailed(
            "source",
            found.value === undefined
                ? `no ${watchdogAlertName} alert from vmalert in Alertmanager within ${within(settings.alertGroupTimeoutMs)} ` +
                      `(polled GET ${alertsUrl.href}${lastError(found)}): is vmalert running? ${this.kubectl} get vmalert,pods`
                : `vmalert links its alerts' source at ${found.value}, not under grafanaUrl ${settings.grafanaUrl}: ` +
                      `the stack's external.grafana.host gives vmalert its -external.url (${this.kubectl} get vmalert -o yaml).`,
        );
    }

    async alertGroup(): Promise<OnCallAlertGroup> {
        const { settings, run } = this;
        run.log(
            `waiting up to ${within(settings.alertGroupTimeoutMs)} for the alert group in OnCall (${this.alertGroupsUrl.href})`,
        );
        const found = await this.poll(settings.alertGroupTimeoutMs, async () =>
            findAlertGroup(await this.groups.listPage(run.signal), run.runId),
        );
        if (found.value !== undefined) return found.value;
        throw new StepFailed(
            "alertGroup",
            `no alert group with ${runLabel}=${run.runId} in OnCall within ${within(settings.alertGroupTimeoutMs)} ` +
                `(polled GET ${this.alertGroupsUrl.href}${lastError(found)}). ` +
                `Alertmanager sends a new group after group_wait (${defaultAlertingSettings.groupWait}) to its "oncall" receiver: ` +
                `check the receiver in the Alertmanager config secret and Alertmanager's log ` +
                `(${this.kubectl} logs statefulset/${alertmanagerName}), ` +
                `the integration in Grafana (Alerts & IRM > OnCall > Integrations) and the OnCall celery log.`,
        );
    }

    async email(group: OnCallAlertGroup, mailUrl: string): Promise<MailpitMessage> {
        const { settings, run } = this;
        const searchUrl = new URL("api/v1/search", withTrailingSlash(mailUrl));
        searchUrl.searchParams.set("query", run.runId);
        let toOthers: string[] = [];
        run.log(
            `waiting up to ${within(settings.emailTimeoutMs)} for the e-mail to ${settings.teamEmails.join(", ")} in Mailpit`,
        );
        const mail = await this.poll(settings.emailTimeoutMs, async () => {
            const sorted = sortMessages(
                await getJson(searchUrl, { accept: "application/json" }, run.signal),
                settings.teamEmails,
            );
            toOthers = sorted.toOthers;
            return sorted.toTeam;
        });
        if (mail.value !== undefined) return mail.value;
        const elsewhere =
            toOthers.length > 0
                ? ` It went to ${[...new Set(toOthers)].join(", ")} instead, not in the team's e-mails.`
                : "";
        throw new StepFailed(
            "email",
            `no e-mail mentioning ${run.runId} to ${settings.teamEmails.join(", ")} in Mailpit within ` +
                `${within(settings.emailTimeoutMs)} after the alert group appeared ` +
                `(searched GET ${searchUrl.href}${lastError(mail)}).${elsewhere} ` +
                `Check alert group ${group.id} in OnCall: its route's escalation chain (set? notifying the schedule or people on call?) ` +
                `and its timeline; each person's notification rules and e-mail address; OnCall's SMTP settings. ` +
                `If an older ${smokeAlertName} alert group was still open, this alert joined it and OnCall did not page again: resolve it. ` +
                `Mailbox: ${mailUrl}`,
        );
    }

    /** The e-mail's alert-group link must be under grafanaUrl and answer from this machine. */
    async link(
        mail: MailpitMessage,
        group: OnCallAlertGroup,
        mailUrl: string,
    ): Promise<{ url: string; status: number }> {
        const { settings, run } = this;
        const messageUrl = new URL(`api/v1/message/${encodeURIComponent(mail.ID)}`, withTrailingSlash(mailUrl));
        const message = await getJson(messageUrl, { accept: "application/json" }, run.signal);
        const html = isRecord(message) && typeof message.HTML === "string" ? message.HTML : "";
        const url = alertGroupLink(html, group.id);
        const expected = `${withoutTrailingSlash(settings.grafanaUrl)}/`;
        if (url === undefined) {
            throw new StepFailed(
                "link",
                `the e-mail (${messageUrl.href}) has no link to alert group ${group.id} (/a/${oncallPluginId}/alert-groups/${group.id})`,
            );
        }
        if (!url.startsWith(expected)) {
            throw new StepFailed(
                "link",
                `the e-mail links the alert group at ${url}, not under grafanaUrl ${settings.grafanaUrl}: OnCall builds the link on the ` +
                    `Grafana URL it learnt when the plugin connected (its jsonData grafanaUrl), which must be the URL people open.`,
            );
        }
        // The kind lab's *.localhost names go through 127.0.0.1; an Ingress host (existing target) is asked as it is.
        const loopback = reachedThroughLoopback(url);
        const { host, port } = new URL(url);
        const answer = await (
            loopback ? getThroughLoopback(url, run.signal) : getWithoutRedirects(url, run.signal)
        ).catch((error: unknown) => {
            const where = loopback
                ? `through 127.0.0.1:${port || 80} (${describeError(error)}): is Grafana's port published?`
                : `(${describeError(error)}): does ${host} resolve from this machine, does its Ingress serve Grafana, and does this machine trust its certificate?`;
            throw new StepFailed("link", `${url} did not answer ${where}`);
        });
        if (answer.status >= 400 || answer.status === 0) {
            throw new StepFailed(
                "link",
                `${url} answered HTTP ${answer.status}${loopback ? ` through 127.0.0.1 (Host ${host})` : ""}`,
            );
        }
        return { url, status: answer.status };
    }

    async resolved(group: OnCallAlertGroup): Promise<void> {
        const { settings, run } = this;
        const groupUrl = this.groups.groupUrl(group.id);
        let lastState = group.state;
        run.log(`waiting up to ${within(settings.resolveTimeoutMs)} for OnCall to resolve ${group.id}`);
        const resolved = await this.poll(settings.resolveTimeoutMs, async () => {
            const current = await this.groups.get(group.id, run.signal);
            lastState = isRecord(current) && typeof current.state === "string" ? current.state : lastState;
            return lastState === "resolved" ? current : undefined;
        });
        if (resolved.value !== undefined) return;
        throw new StepFailed(
            "resolved",
            `alert group ${group.id} was still ${lastState} ${within(settings.resolveTimeoutMs)} after the alert was cleared ` +
                `(polled GET ${groupUrl.href}${lastError(resolved)}). ` +
                `Alertmanager sends the resolve on the group's next group_interval (${defaultAlertingSettings.groupInterval}) tick ` +
                `if the "oncall" receiver has send_resolved: true; see the alert group's timeline in OnCall.`,
        );
    }
}
