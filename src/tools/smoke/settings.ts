// `npm run smoke`'s settings: flags over SMOKE_* variables over the stack outputs, checked all at once.
import { defaultAlertingSettings, durationSeconds } from "../../monitoring/alerting";
import { namespaces, releaseNames } from "../../shared/topology";
import { type OptionSpec, optionLines, parseOptions, type StackOutputs } from "../shared/cli";
import { type PortForwardTarget, portForwardArgs as kubectlPortForwardArgs } from "../shared/processes";

// The VictoriaMetrics operator names the service and statefulset of VMAlertmanager <cr> "vmalertmanager-<cr>".
export const alertmanagerName = `vmalertmanager-${releaseNames.vmStack}`;

/** The lab's Alertmanager. */
export const alertmanagerService = {
    namespace: namespaces.monitoring,
    name: `svc/${alertmanagerName}`,
    port: 9093,
} as const;

export function alertmanagerTarget(kubectlContext: string): PortForwardTarget {
    return {
        kubectlContext,
        namespace: alertmanagerService.namespace,
        resource: alertmanagerService.name,
        remotePort: alertmanagerService.port,
    };
}

export function portForwardArgs(kubectlContext: string, localPort: number): string[] {
    return kubectlPortForwardArgs(alertmanagerTarget(kubectlContext), localPort);
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

const optionSpecs = {
    oncallUrl: { flag: "--oncall-url", env: "SMOKE_ONCALL_URL", output: "oncallUrl", help: "OnCall engine URL" },
    oncallApiToken: {
        flag: "--oncall-api-token",
        env: "SMOKE_ONCALL_API_TOKEN",
        output: "oncallApiToken",
        help: "OnCall public API token",
    },
    mailUrl: {
        flag: "--mail-url",
        env: "SMOKE_MAIL_URL",
        output: "mailUrl",
        help: "Mailpit web/API URL; none (a stack with smtpHost): the e-mail and link steps are skipped",
    },
    grafanaUrl: {
        flag: "--grafana-url",
        env: "SMOKE_GRAFANA_URL",
        output: "grafanaUrl",
        help: "Grafana URL people open; the e-mail's alert-group link must start with it",
    },
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
    return [
        "usage: npm run smoke [-- options]",
        "Fires a synthetic alert through the lab's Alertmanager and times it to OnCall, to the on-call",
        "person's mailbox in Mailpit and to the e-mail's link in Grafana (when the stack has a mailbox), and to the",
        "resolve. Durations: 30s, 5m, 500ms.",
        ...optionLines(optionSpecs),
    ].join("\n");
}

/** Flags win over SMOKE_* variables. Returns "help" for -h/--help. */
export function parseSmokeInputs(argv: string[], env: NodeJS.ProcessEnv): SmokeInputs | "help" {
    return parseOptions(optionSpecs, argv, env, smokeUsage());
}

export interface SmokeSettings {
    oncallUrl: string;
    oncallApiToken: string;
    /** Unset (a stack with smtpHost has no Mailpit): the e-mail and link steps are skipped. */
    mailUrl?: string;
    /** The URL people open Grafana at: the e-mail's link must start with it and answer from this machine. */
    grafanaUrl: string;
    alertSeverity: string;
    teamEmails: string[];
    /** Set: post alerts here. Unset: port-forward to the lab's Alertmanager with kubectlContext. */
    alertmanagerUrl?: string;
    kubectlContext?: string;
    alertGroupTimeoutMs: number;
    emailTimeoutMs: number;
    resolveTimeoutMs: number;
    pollIntervalMs: number;
    /** Stack output dashboardUrl, printed after the report. */
    dashboardUrl?: string;
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
export function buildSmokeSettings(inputs: SmokeInputs, stackOutputs: StackOutputs): SmokeSettings {
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
    const mailUrl = value("mailUrl");
    const settings: SmokeSettings = {
        oncallUrl: url("oncallUrl", required("oncallUrl")),
        oncallApiToken: required("oncallApiToken"),
        mailUrl: mailUrl === undefined ? undefined : url("mailUrl", mailUrl),
        grafanaUrl: url("grafanaUrl", required("grafanaUrl")),
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
        dashboardUrl: outputString(stackOutputs.dashboardUrl),
    };
    if (value("teamEmails") !== undefined && settings.teamEmails.length === 0) {
        problems.push(`${optionSpecs.teamEmails.flag} lists no e-mail address`);
    }
    if (problems.length > 0) throw new Error(`smoke settings:\n  - ${problems.join("\n  - ")}`);
    return settings;
}
