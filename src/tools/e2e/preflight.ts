// Before anything is built: every tool the run needs is there, and all that are missing are named at
// once (an offline or half-installed machine learns everything in one go, and nothing was built).
import { existsSync } from "node:fs";
import { onPath } from "../shared/processes";
import { chromiumPath } from "./browser";

/** The tools on PATH, with where to get each. */
export const requiredTools: [tool: string, install: string][] = [
    ["pulumi", "the Pulumi CLI: https://www.pulumi.com/docs/install/"],
    ["kind", "https://kind.sigs.k8s.io/docs/user/quick-start/#installation"],
    ["docker", "Docker Engine: https://docs.docker.com/engine/install/"],
    ["kubectl", "https://kubernetes.io/docs/tasks/tools/"],
];

/** The browser the acknowledge step drives: CHROMIUM_PATH, /usr/bin/chromium, else Playwright's own download. */
async function browserFound(env: NodeJS.ProcessEnv): Promise<boolean> {
    const path = chromiumPath(env);
    if (path !== undefined) return existsSync(path);
    try {
        const { chromium } = await import("playwright-core");
        return existsSync(chromium.executablePath());
    } catch {
        return false;
    }
}

/** Lines naming each missing tool and how to get it; empty when everything is there. */
export async function missingTools(env: NodeJS.ProcessEnv, needsBrowser: boolean): Promise<string[]> {
    const missing = requiredTools
        .filter(([tool]) => !onPath(tool, env))
        .map(([tool, install]) => `${tool} (${install})`);
    if (needsBrowser && !(await browserFound(env))) {
        missing.push(
            "Chromium for scenario 3 (CHROMIUM_PATH, /usr/bin/chromium, or npx playwright-core install chromium)",
        );
    }
    return missing;
}
