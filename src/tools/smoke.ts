// `npm run smoke`: fires a synthetic alert into the lab's Alertmanager and times it through OnCall
// (the alert group), Mailpit (the page, by e-mail, to a person on call) and back (the resolve).
// Settings, matching and the table are pure; runSmoke talks HTTP to the URLs it is given, so the
// tests run it against local stand-ins. Starting the port-forward is scripts/smoke.ts's job.
//
// Upstream facts this relies on:
// - Alertmanager api/v2/openapi.yaml: POST /api/v2/alerts takes [{labels, annotations, startsAt,
//   endsAt}]; an alert whose endsAt has passed is resolved.
// - OnCall v1.16.9 engine/apps/public_api: GET /api/v1/alert_groups/ lists the newest first (50 a
//   page) with `id`, `title`, `state` (firing|acknowledged|resolved|silenced), `created_at`,
//   `last_alert.payload`; the alertmanager integration stores the whole webhook body as the payload,
//   so the alert's labels are in `payload.alerts[].labels`. The title and the e-mail subject come
//   from the web title template, "<alertname> (<group label values>)", without our run label; the
//   e-mail body lists the group's common labels, which include it.
// - Mailpit: GET /api/v1/search?query=<word> matches subject, addresses and body text and answers
//   {messages: [{ID, To: [{Name, Address}], Subject, Created, Snippet}]}.
import { defaultAlertingSettings, durationSeconds } from "../monitoring/alerting";
import { namespaces, releaseNames } from "../shared/topology";

export const smokeAlertName = "OnCallLabSmoke";
export const smokeNamespace = "oncall-lab-smoke";
/** Label carrying this run's id, so each step finds this run's alert and not an older one. */
export const runLabel = "smoke_run";

// The VictoriaMetrics operator names the service and statefulset of VMAlertmanager <cr> "vmalertmanager-<cr>".
const alertmanagerName = `vmalertmanager-${releaseNames.vmStack}`;

/** The lab's Alertmanager. */
export const alertmanagerService = {
    namespace: namespaces.monitoring,
    name: `svc/${alertmanagerName}`,
    port: 9093,
} as const;

export function portForwardArgs(kubectlContext: string, localPort: number): string[] {
    return [
        "--context",
        kubectlContext,
        "-n",
        alertmanagerService.namespace,
        "port-forward",
        alertmanagerService.name,
        `${localPort}:${alertmanagerService.port}`,
    ];
}

// Defaults follow the lab's Alertmanager route: a new group is sent after group_wait, a resolve
// only on the next group_interval tick; the rest is margin for OnCall's workers and escalation.
const lab = {
    groupWait: durationSeconds(defaultAlertingSettings.groupWait),
    groupInterval: durationSeconds(defaultAlertingSettings.groupInterval),
};
const inMinutes = (secondsTotal: number) => (secondsTotal % 60 === 0 ? `${secondsTotal / 60}m` : `${secondsTotal}s`);
export const defaultTimeouts = {
    alertGroupTimeout: inMinutes(lab.groupWait + 150),
    emailTimeout: "5m",
    resolveTimeout: inMinutes(lab.groupInterval + 120),
    pollInterval: "2s",
} as const;

interface OptionSpec {
    flag: string;
    env: string;
    /** Stack output that supplies the value when neither the flag nor the variable is set. */
    output?: string;
    help: string;
}

const optionSpecs = {
    oncallUrl: { flag: "--oncall-url", env: "SMOKE_ONCALL_URL", output: "oncallUrl", help: "OnCall engine URL" },
    oncallApiToken: {
        flag: "--oncall-api-token",
        env: "SMOKE_ONCALL_API_TOKEN",
        output: "oncallApiToken",
        help: "OnCall public API token",
    },
    mailUrl: { flag: "--mail-url", env: "SMOKE_MAIL_URL", output: "mailUrl", help: "Mailpit web/API URL" },
    kubectlContext: {
        flag: "--kubectl-context",
        env: "SMOKE_KUBECTL_CONTEXT",
        output: "kubectlContext",
        help: "kubectl context for the port-forward",
    },
    alertSeverity: {
        flag: "--alert-severity",
        env: "SMOKE_ALERT_SEVERITY",
        output: "alertSeverity",
        help: "severity label that pages",
    },
    teamEmails: {
        flag: "--team-emails",
        env: "SMOKE_TEAM_EMAILS",
        output: "oncallTeamEmails",
        help: "comma-separated e-mails of the people on call",
    },
    alertmanagerUrl: {
        flag: "--alertmanager-url",
        env: "SMOKE_ALERTMANAGER_URL",
        help: "use this Alertmanager instead of a kubectl port-forward",
    },
    alertGroupTimeout: {
        flag: "--alert-group-timeout",
        env: "SMOKE_ALERT_GROUP_TIMEOUT",
        help: `wait for the alert group after firing (default ${defaultTimeouts.alertGroupTimeout})`,
    },
    emailTimeout: {
        flag: "--email-timeout",
        env: "SMOKE_EMAIL_TIMEOUT",
        help: `wait for the e-mail after the alert group (default ${defaultTimeouts.emailTimeout})`,
    },
    resolveTimeout: {
        flag: "--resolve-timeout",
        env: "SMOKE_RESOLVE_TIMEOUT",
        help: `wait for the resolve after clearing (default ${defaultTimeouts.resolveTimeout})`,
    },
    pollInterval: {
        flag: "--poll-interval",
        env: "SMOKE_POLL_INTERVAL",
        help: `between polls (default ${defaultTimeouts.pollInterval})`,
    },
} satisfies Record<string, OptionSpec>;

type OptionKey = keyof typeof optionSpecs;
/** Values given on the command line or in the environment, before the stack outputs. */
export type SmokeInputs = Partial<Record<OptionKey, string>>;

export function smokeUsage(): string {
    const lines = Object.values(optionSpecs).map((spec: OptionSpec) => {
        const from = spec.output ? `, stack output ${spec.output}` : "";
        return `  ${`${spec.flag} <value>`.padEnd(32)} ${spec.help} (env ${spec.env}${from})`;
    });
    return [
        "usage: npm run smoke [-- options]",
        "Fires a synthetic alert through the lab's Alertmanager and times it to OnCall, to the on-call",
        "person's mailbox in Mailpit, and to the resolve. Durations: 30s, 5m, 500ms.",
        ...lines,
    ].join("\n");
}

/** Flags win over SMOKE_* variables. Returns "help" for -h/--help. */
export function parseSmokeInputs(argv: string[], env: NodeJS.ProcessEnv): SmokeInputs | "help" {
    const inputs: SmokeInputs = {};
    for (const [key, spec] of Object.entries(optionSpecs) as [OptionKey, OptionSpec][]) {
        const value = env[spec.env];
        if (value !== undefined && value !== "") inputs[key] = value;
    }
    const byFlag = new Map(Object.entries(optionSpecs).map(([key, spec]) => [spec.flag, key as OptionKey]));
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "-h" || arg === "--help") return "help";
        const equals = arg.indexOf("=");
        const [flag, inline] = equals > 0 ? [arg.slice(0, equals), arg.slice(equals + 1)] : [arg, undefined];
        const key = byFlag.get(flag);
        if (key === undefined) throw new Error(`unknown argument "${arg}"\n${smokeUsage()}`);
        const value = inline ?? argv[++i];
        if (value === undefined) throw new Error(`${flag} needs a value`);
        inputs[key] = value;
    }
    return inputs;
}

export interface SmokeSettings {
    oncallUrl: string;
    oncallApiToken: string;
    mailUrl: string;
    alertSeverity: string;
    teamEmails: string[];
    /** Set: post alerts here. Unset: port-forward to the lab's Alertmanager with kubectlContext. */
    alertmanagerUrl?: string;
    kubectlContext?: string;
    alertGroupTimeoutMs: number;
    emailTimeoutMs: number;
    resolveTimeoutMs: number;
    pollIntervalMs: number;
}

/** Whether some value must still come from the stack outputs (reading them needs the Pulumi CLI). */
export function needsStackOutputs(inputs: SmokeInputs): boolean {
    return (Object.entries(optionSpecs) as [OptionKey, OptionSpec][]).some(
        ([key, spec]) =>
            spec.output !== undefined &&
            inputs[key] === undefined &&
            !(key === "kubectlContext" && inputs.alertmanagerUrl !== undefined),
    );
}

function outputString(value: unknown): string | undefined {
    if (typeof value === "string" && value !== "") return value;
    // oncallTeamEmails is a list in the stack outputs and a comma-separated string elsewhere.
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value.join(",");
    return undefined;
}

/** Merges inputs over stack outputs; throws one Error naming every missing or bad value. */
export function buildSmokeSettings(inputs: SmokeInputs, stackOutputs: Record<string, unknown>): SmokeSettings {
    const problems: string[] = [];
    const value = (key: OptionKey): string | undefined => {
        const spec: OptionSpec = optionSpecs[key];
        return inputs[key] ?? (spec.output === undefined ? undefined : outputString(stackOutputs[spec.output]));
    };
    const required = (key: OptionKey): string => {
        const found = value(key);
        if (found === undefined) {
            const spec: OptionSpec = optionSpecs[key];
            const output = spec.output ? `stack output ${spec.output}, ` : "";
            problems.push(`${spec.help} is missing: set ${output}${spec.flag} or ${spec.env}`);
        }
        return found ?? "";
    };
    const url = (key: OptionKey, given: string): string => {
        if (given === "") return given;
        try {
            const parsed = new URL(given);
            if (parsed.protocol === "http:" || parsed.protocol === "https:") return given;
        } catch {
            // reported below
        }
        problems.push(`${optionSpecs[key].flag} must be an http(s) URL, got "${given}"`);
        return given;
    };
    const duration = (key: "alertGroupTimeout" | "emailTimeout" | "resolveTimeout" | "pollInterval"): number => {
        const given = value(key) ?? defaultTimeouts[key];
        try {
            const ms = durationSeconds(given) * 1000;
            if (ms > 0) return ms;
        } catch {
            // reported below
        }
        problems.push(`${optionSpecs[key].flag} must be a duration above zero like 30s, 5m or 500ms, got "${given}"`);
        return 0;
    };

    const alertmanagerUrl = value("alertmanagerUrl");
    const settings: SmokeSettings = {
        oncallUrl: url("oncallUrl", required("oncallUrl")),
        oncallApiToken: required("oncallApiToken"),
        mailUrl: url("mailUrl", required("mailUrl")),
        alertSeverity: required("alertSeverity"),
        teamEmails: required("teamEmails")
            .split(",")
            .map((email) => email.trim())
            .filter(Boolean),
        alertmanagerUrl: alertmanagerUrl === undefined ? undefined : url("alertmanagerUrl", alertmanagerUrl),
        kubectlContext: alertmanagerUrl === undefined ? required("kubectlContext") : value("kubectlContext"),
        alertGroupTimeoutMs: duration("alertGroupTimeout"),
        emailTimeoutMs: duration("emailTimeout"),
        resolveTimeoutMs: duration("resolveTimeout"),
        pollIntervalMs: duration("pollInterval"),
    };
    if (value("teamEmails") !== undefined && settings.teamEmails.length === 0) {
        problems.push(`${optionSpecs.teamEmails.flag} lists no e-mail address`);
    }
    if (problems.length > 0) throw new Error(`smoke settings:\n  - ${problems.join("\n  - ")}`);
    return settings;
}

export interface PostableAlert {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
}

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

export interface OnCallAlertGroup {
    id: string;
    title: string | null;
    state: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The alert group whose newest alert carries this run's label, from a public API list page. */
export function findAlertGroup(listPage: unknown, runId: string): OnCallAlertGroup | undefined {
    const results = isRecord(listPage) && Array.isArray(listPage.results) ? listPage.results : [];
    return results.filter(isRecord).find((group) => {
        const payload = isRecord(group.last_alert) ? group.last_alert.payload : undefined;
        const alerts = isRecord(payload) && Array.isArray(payload.alerts) ? payload.alerts : [];
        return alerts.some((alert) => isRecord(alert) && isRecord(alert.labels) && alert.labels[runLabel] === runId);
    }) as OnCallAlertGroup | undefined;
}

export interface MailpitMessage {
    ID: string;
    Subject: string;
    To: { Name: string; Address: string }[] | null;
}

/** Messages from a Mailpit search that went to one of the team's addresses, and those that did not. */
export function sortMessages(searchResult: unknown, teamEmails: string[]): { toTeam?: MailpitMessage; toOthers: string[] } {
    const team = new Set(teamEmails.map((email) => email.toLowerCase()));
    const messages = (isRecord(searchResult) && Array.isArray(searchResult.messages) ? searchResult.messages : []).filter(
        isRecord,
    ) as unknown as MailpitMessage[];
    const recipients = (message: MailpitMessage) => (message.To ?? []).map((to) => to.Address.toLowerCase());
    return {
        toTeam: messages.find((message) => recipients(message).some((address) => team.has(address))),
        toOthers: messages.flatMap(recipients).filter((address) => !team.has(address)),
    };
}

export type StepKey = "fired" | "alertGroup" | "email" | "cleared" | "resolved";

export const stepTitles: Record<StepKey, string> = {
    fired: "alert accepted by Alertmanager",
    alertGroup: "alert group in OnCall",
    email: "e-mail to a person on call",
    cleared: "alert cleared in Alertmanager",
    resolved: "alert group resolved in OnCall",
};

export interface StepOutcome {
    step: StepKey;
    /** Milliseconds from firing; undefined when the step did not happen. */
    afterMs?: number;
    detail: string;
}

export interface SmokeReport {
    runId: string;
    steps: StepOutcome[];
    failure?: { step: StepKey; message: string };
}

function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
}

export function formatReport(report: SmokeReport): string {
    const rows = (Object.keys(stepTitles) as StepKey[]).map((step) => {
        const outcome = report.steps.find((candidate) => candidate.step === step);
        const time = outcome?.afterMs === undefined ? (report.failure?.step === step ? "FAILED" : "-") : seconds(outcome.afterMs);
        return [stepTitles[step], time, outcome?.detail ?? ""];
    });
    const header = ["step", "after firing", "detail"];
    const width = (column: number) => Math.max(...[header, ...rows].map((row) => row[column].length));
    const line = (row: string[]) =>
        `${row[0].padEnd(width(0))}  ${row[1].padStart(width(1))}  ${row[2]}`.trimEnd();
    const table = [line(header), ...rows.map(line)].join("\n");
    const verdict = report.failure
        ? `FAILED at "${stepTitles[report.failure.step]}": ${report.failure.message}`
        : "OK: the alert paged a person on call by e-mail and resolved.";
    return `smoke run ${report.runId} (${runLabel}=${report.runId})\n${table}\n${verdict}`;
}

/** An HTTP status that waiting longer will not change (bad token, wrong URL). */
class PermanentHttpError extends Error {}

const requestTimeoutMs = 10_000;

async function getJson(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<unknown> {
    const response = await fetch(url, { headers, signal: AbortSignal.any([signal, AbortSignal.timeout(requestTimeoutMs)]) });
    if (!response.ok) {
        const message = `GET ${url.href} answered HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`;
        throw response.status >= 400 && response.status < 500 && response.status !== 429
            ? new PermanentHttpError(message)
            : new Error(message);
    }
    return response.json();
}

async function postAlerts(alertmanagerUrl: string, alerts: PostableAlert[], signal: AbortSignal): Promise<void> {
    const url = new URL("api/v2/alerts", withSlash(alertmanagerUrl));
    const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(alerts),
        signal: AbortSignal.any([signal, AbortSignal.timeout(requestTimeoutMs)]),
    });
    if (!response.ok) {
        throw new Error(`POST ${url.href} answered HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
    }
}

function withSlash(base: string): string {
    return base.endsWith("/") ? base : `${base}/`;
}

function describeError(error: unknown): string {
    if (!(error instanceof Error)) return String(error);
    // fetch reports "fetch failed" and hides the reason (ECONNREFUSED, ...) in `cause`.
    return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

class Interrupted extends Error {}

/** Polls until `probe` returns a value, the deadline passes (undefined) or a permanent error. */
async function pollUntil<T>(
    timeoutMs: number,
    intervalMs: number,
    signal: AbortSignal,
    probe: () => Promise<T | undefined>,
): Promise<{ value?: T; lastError?: string }> {
    const deadline = Date.now() + timeoutMs;
    let lastError: string | undefined;
    for (;;) {
        if (signal.aborted) throw new Interrupted();
        try {
            const value = await probe();
            if (value !== undefined) return { value };
        } catch (error) {
            if (signal.aborted) throw new Interrupted();
            if (error instanceof PermanentHttpError) return { lastError: error.message };
            lastError = describeError(error);
        }
        const left = deadline - Date.now();
        if (left <= 0) return { lastError };
        await new Promise<void>((resolve) => {
            const timer = setTimeout(done, Math.min(intervalMs, left));
            signal.addEventListener("abort", done, { once: true });
            function done() {
                clearTimeout(timer);
                signal.removeEventListener("abort", done);
                resolve();
            }
        });
    }
}

function within(ms: number): string {
    return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : seconds(ms);
}

export interface SmokeRun {
    /** Where to post alerts: the port-forward or --alertmanager-url. */
    alertmanagerUrl: string;
    runId: string;
    log: (line: string) => void;
    /** Aborting (Ctrl-C) stops the waiting; the alert is still cleared. */
    signal: AbortSignal;
}

/** Fires, follows and clears one synthetic alert. Never throws for a step that fails: see `failure`. */
export async function runSmoke(settings: SmokeSettings, run: SmokeRun): Promise<SmokeReport> {
    const { alertmanagerUrl, runId, log, signal } = run;
    const report: SmokeReport = { runId, steps: [] };
    const oncallHeaders = { Authorization: settings.oncallApiToken, accept: "application/json" };
    const alertGroupsUrl = new URL("api/v1/alert_groups/", withSlash(settings.oncallUrl));
    const mailboxUrl = withSlash(settings.mailUrl);
    const firedAt = Date.now();
    // Ends by itself a while after the last wait, in case this process dies before clearing it.
    const endsAt = new Date(firedAt + settings.alertGroupTimeoutMs + settings.emailTimeoutMs + 60_000);
    const alert = smokeAlert(runId, settings.alertSeverity, new Date(firedAt), endsAt);
    const done = (step: StepKey, detail: string) => {
        report.steps.push({ step, afterMs: Date.now() - firedAt, detail });
        log(`${stepTitles[step]} after ${seconds(Date.now() - firedAt)}`);
    };
    const kubectl = `kubectl${settings.kubectlContext ? ` --context ${settings.kubectlContext}` : ""} -n ${alertmanagerService.namespace}`;
    const fail = (step: StepKey, message: string) => {
        report.failure = { step, message };
        return report;
    };

    try {
        await postAlerts(alertmanagerUrl, [alert], signal);
    } catch (error) {
        if (signal.aborted) return fail("fired", "interrupted before the alert was sent");
        return fail(
            "fired",
            `POST ${alertmanagerUrl}/api/v2/alerts failed (${describeError(error)}). ` +
                `Is Alertmanager running? ${kubectl} get pods`,
        );
    }
    done("fired", `${smokeAlertName} severity=${settings.alertSeverity} namespace=${smokeNamespace}`);

    let clearedAt: number | undefined;
    const clear = async () => {
        // A fresh signal: the alert must be cleared even after Ctrl-C aborted the waiting.
        await postAlerts(alertmanagerUrl, [{ ...alert, endsAt: new Date().toISOString() }], AbortSignal.timeout(requestTimeoutMs));
        clearedAt = Date.now();
    };

    try {
        log(`waiting up to ${within(settings.alertGroupTimeoutMs)} for the alert group in OnCall (${alertGroupsUrl.href})`);
        const found = await pollUntil(settings.alertGroupTimeoutMs, settings.pollIntervalMs, signal, async () =>
            findAlertGroup(await getJson(alertGroupsUrl, oncallHeaders, signal), runId),
        );
        const group = found.value;
        if (group === undefined) {
            return fail(
                "alertGroup",
                `no alert group with ${runLabel}=${runId} in OnCall within ${within(settings.alertGroupTimeoutMs)} ` +
                    `(polled GET ${alertGroupsUrl.href}${found.lastError ? `; last error: ${found.lastError}` : ""}). ` +
                    `Alertmanager sends a new group after group_wait (${defaultAlertingSettings.groupWait}) to its "oncall" receiver: ` +
                    `check the receiver in the Alertmanager config secret and Alertmanager's log ` +
                    `(${kubectl} logs statefulset/${alertmanagerName}), ` +
                    `the integration in Grafana (Alerts & IRM > OnCall > Integrations) and the OnCall celery log.`,
            );
        }
        done("alertGroup", `${group.id} "${group.title ?? ""}", ${group.state}`);

        const searchUrl = new URL("api/v1/search", mailboxUrl);
        searchUrl.searchParams.set("query", runId);
        let toOthers: string[] = [];
        log(`waiting up to ${within(settings.emailTimeoutMs)} for the e-mail to ${settings.teamEmails.join(", ")} in Mailpit`);
        const mail = await pollUntil(settings.emailTimeoutMs, settings.pollIntervalMs, signal, async () => {
            const sorted = sortMessages(await getJson(searchUrl, { accept: "application/json" }, signal), settings.teamEmails);
            toOthers = sorted.toOthers;
            return sorted.toTeam;
        });
        if (mail.value === undefined) {
            const elsewhere = toOthers.length > 0 ? ` It went to ${[...new Set(toOthers)].join(", ")} instead, not in the team's e-mails.` : "";
            return fail(
                "email",
                `no e-mail mentioning ${runId} to ${settings.teamEmails.join(", ")} in Mailpit within ` +
                    `${within(settings.emailTimeoutMs)} after the alert group appeared ` +
                    `(searched GET ${searchUrl.href}${mail.lastError ? `; last error: ${mail.lastError}` : ""}).${elsewhere} ` +
                    `Check alert group ${group.id} in OnCall: its route's escalation chain (set? notifying the schedule or people on call?) ` +
                    `and its timeline; each person's notification rules and e-mail address; OnCall's SMTP settings. ` +
                    `If an older ${smokeAlertName} alert group was still open, this alert joined it and OnCall did not page again: resolve it. ` +
                    `Mailbox: ${settings.mailUrl}`,
            );
        }
        const recipients = (mail.value.To ?? []).map((to) => to.Address).join(", ");
        done("email", `to ${recipients}: "${mail.value.Subject}"`);

        await clear();
        done("cleared", "endsAt=now");

        const groupUrl = new URL(`${encodeURIComponent(group.id)}/`, alertGroupsUrl);
        let lastState = group.state;
        log(`waiting up to ${within(settings.resolveTimeoutMs)} for OnCall to resolve ${group.id}`);
        const resolved = await pollUntil(settings.resolveTimeoutMs, settings.pollIntervalMs, signal, async () => {
            const current = await getJson(groupUrl, oncallHeaders, signal);
            lastState = isRecord(current) && typeof current.state === "string" ? current.state : lastState;
            return lastState === "resolved" ? current : undefined;
        });
        if (resolved.value === undefined) {
            return fail(
                "resolved",
                `alert group ${group.id} was still ${lastState} ${within(settings.resolveTimeoutMs)} after the alert was cleared ` +
                    `(polled GET ${groupUrl.href}${resolved.lastError ? `; last error: ${resolved.lastError}` : ""}). ` +
                    `Alertmanager sends the resolve on the group's next group_interval (${defaultAlertingSettings.groupInterval}) tick ` +
                    `if the "oncall" receiver has send_resolved: true; see the alert group's timeline in OnCall.`,
            );
        }
        done("resolved", `${seconds(Date.now() - (clearedAt ?? firedAt))} after clearing`);
        return report;
    } catch (error) {
        const step = (Object.keys(stepTitles) as StepKey[]).find((key) => !report.steps.some((outcome) => outcome.step === key));
        return fail(step ?? "resolved", error instanceof Interrupted ? "interrupted" : describeError(error));
    } finally {
        if (clearedAt === undefined) {
            await clear().catch((error: unknown) =>
                log(`could not clear the alert (${describeError(error)}); it ends by itself at ${endsAt.toISOString()}`),
            );
        }
    }
}
