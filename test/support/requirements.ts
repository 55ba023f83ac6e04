// The tests that need programs npm does not bring: Debian's victoria-metrics and prometheus-alertmanager (the real
// alert path) and Chromium (the e2e's browser step). Where they are missing those tests are skipped, and the run
// says so in one line with how to install them; under CI (the CI variable set, as GitHub Actions does) it fails.
import { installCommand, missingBinaries } from "../../src/tools/bench/alertPath";
import { chromiumPath } from "../../src/tools/e2e/browser";

export interface Requirement {
    /** The tests that need it. */
    tests: string;
    /** What is missing in this environment (nothing: the tests run). */
    missing(env: NodeJS.ProcessEnv): string[];
    install: string;
}

export const REQUIREMENTS: Requirement[] = [
    {
        tests: "alert path (alert-path, alert-path-outage, duration)",
        missing: (env) => missingBinaries(env),
        install: installCommand,
    },
    {
        tests: "browser step (browser)",
        missing: (env) => (chromiumPath(env) ? [] : ["chromium"]),
        install: "apt-get install -y chromium, or set CHROMIUM_PATH",
    },
];

const underCi = (env: NodeJS.ProcessEnv) => Boolean(env.CI) && !["false", "0"].includes(env.CI!.toLowerCase());

/**
 * One line naming every skipped test group, what it lacks and how to install it (undefined: nothing is skipped).
 * Throws instead under CI, where a skipped test would pass a change nobody tested.
 */
export function skippedLine(env: NodeJS.ProcessEnv = process.env, requirements = REQUIREMENTS): string | undefined {
    const lacking = requirements.map((r) => ({ ...r, lacks: r.missing(env) })).filter((r) => r.lacks.length > 0);
    if (lacking.length === 0) return undefined;
    const parts = lacking.map((r) => `${r.tests}: ${r.lacks.join(", ")} missing (${r.install})`);
    if (underCi(env)) throw new Error(`CI is set, and tests would be skipped: ${parts.join("; ")}`);
    return `skipped tests: ${parts.join("; ")}`;
}
