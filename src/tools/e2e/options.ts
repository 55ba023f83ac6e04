// `npm run e2e`'s options: which scenarios, where the throwaway lab lives, what to keep.
import { join } from "node:path";
import { type OptionSpec, optionLines, parseOptions, repoRoot } from "../shared/cli";

/** A lab of its own: another state folder, stack, cluster name and host ports than `npm run up`'s (3000, 8080, 8025). */
export const e2eDefaults = {
    stateDir: join(repoRoot, ".pulumi-e2e"),
    stack: "e2e",
    clusterName: "oncall-lab-e2e",
    grafanaHostPort: 13000,
    oncallHostPort: 18080,
    mailHostPort: 18025,
} as const;

const specs = {
    list: { flag: "--list", boolean: true, help: "list the scenarios and exit" },
    only: { flag: "--only", env: "E2E_ONLY", help: "scenarios to run: 2, 3b, 4-6 or 1,2,9 (default all, in order)" },
    keep: { flag: "--keep", boolean: true, help: "keep the lab at the end, and after a failure" },
    ci: {
        flag: "--ci",
        boolean: true,
        env: "CI",
        help: "a throwaway runner: up runs first and destroy last whatever --only says, a failed lab is kept for collection",
    },
    diagnostics: {
        flag: "--diagnostics",
        env: "E2E_DIAGNOSTICS_DIR",
        help: "folder for diagnostics and screenshots (default e2e-diagnostics)",
    },
    stateDir: { flag: "--state-dir", env: "E2E_STATE_DIR", help: `state folder (default ${e2eDefaults.stateDir})` },
    stack: { flag: "--stack", env: "E2E_STACK", help: `stack name (default ${e2eDefaults.stack})` },
    clusterName: {
        flag: "--cluster-name",
        env: "E2E_CLUSTER_NAME",
        help: `kind cluster name (default ${e2eDefaults.clusterName})`,
    },
    grafanaHostPort: {
        flag: "--grafana-port",
        env: "E2E_GRAFANA_PORT",
        help: `host port of Grafana (default ${e2eDefaults.grafanaHostPort})`,
    },
    oncallHostPort: {
        flag: "--oncall-port",
        env: "E2E_ONCALL_PORT",
        help: `host port of OnCall (default ${e2eDefaults.oncallHostPort})`,
    },
    mailHostPort: {
        flag: "--mail-port",
        env: "E2E_MAIL_PORT",
        help: `host port of Mailpit (default ${e2eDefaults.mailHostPort})`,
    },
} satisfies Record<string, OptionSpec>;

export interface E2eOptions {
    list: boolean;
    keep: boolean;
    ci: boolean;
    /** Scenario ids to run, in the runner's order; undefined: all. */
    only?: string[];
    diagnosticsDir: string;
    stateDir: string;
    stack: string;
    clusterName: string;
    hostPorts: { grafanaHostPort: number; oncallHostPort: number; mailHostPort: number };
}

export function e2eUsage(): string {
    return [
        "usage: npm run e2e [-- options]",
        "Builds a lab of its own from nothing, proves it scenario by scenario, and destroys it.",
        "Needs Docker, kind, the Pulumi CLI, kubectl and Chromium.",
        ...optionLines(specs),
    ].join("\n");
}

/** "2", "3b", "4-6", "1,2,9": ids from `ids` (in their order); throws naming what is not a scenario. */
export function selectScenarios(expression: string, ids: readonly string[]): string[] {
    const picked = new Set<string>();
    for (const part of expression
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean)) {
        const [from, to] = part.split("-");
        const start = ids.indexOf(from);
        const end = to === undefined ? start : ids.indexOf(to);
        if (start < 0 || end < 0 || end < start)
            throw new Error(`--only: "${part}" is not a scenario or range of ${ids.join(", ")}`);
        ids.slice(start, end + 1).forEach((id) => picked.add(id));
    }
    if (picked.size === 0) throw new Error("--only names no scenario");
    return ids.filter((id) => picked.has(id));
}

export function parseE2eOptions(argv: string[], env: NodeJS.ProcessEnv, ids: readonly string[]): E2eOptions | "help" {
    const parsed = parseOptions(specs, argv, env, e2eUsage());
    if (parsed === "help") return "help";
    const port = (key: keyof E2eOptions["hostPorts"]): number => {
        const value = Number(parsed[key] ?? e2eDefaults[key]);
        if (!Number.isInteger(value) || value < 1024 || value > 65535)
            throw new Error(`${specs[key].flag} must be a port from 1024 to 65535`);
        return value;
    };
    return {
        list: parsed.list === "true",
        keep: parsed.keep === "true",
        // GitHub sets CI=true; "false" or "0" turns it off.
        ci: parsed.ci !== undefined && !["false", "0"].includes(parsed.ci),
        only: parsed.only === undefined ? undefined : selectScenarios(parsed.only, ids),
        diagnosticsDir: parsed.diagnostics ?? join(repoRoot, "e2e-diagnostics"),
        stateDir: parsed.stateDir ?? e2eDefaults.stateDir,
        stack: parsed.stack ?? e2eDefaults.stack,
        clusterName: parsed.clusterName ?? e2eDefaults.clusterName,
        hostPorts: {
            grafanaHostPort: port("grafanaHostPort"),
            oncallHostPort: port("oncallHostPort"),
            mailHostPort: port("mailHostPort"),
        },
    };
}
