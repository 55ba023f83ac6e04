// The person on call, in a real headless Chromium (playwright-core): opens the alert-group link from
// the e-mail, logs in to Grafana, presses Acknowledge in OnCall, with screenshots before and after
// (and of the page as it was when a step failed).
//
// Upstream: OnCall v1.16.9 grafana-plugin/src/pages/incident/Incident.helpers.tsx renders the action
// buttons as Grafana <Button>s with the text "Acknowledge" (then "Unacknowledge" once acknowledged);
// Grafana's LoginForm has the fields "Email or username" and "Password" and the button "Log in".
import { existsSync } from "node:fs";
import { join } from "node:path";

export interface AcknowledgeArgs {
    /** The alert-group link from the e-mail. */
    link: string;
    login: string;
    password: string;
    screenshotsDir: string;
    /** Chromium to drive; default CHROMIUM_PATH, else /usr/bin/chromium when present, else Playwright's own. */
    executablePath?: string;
    timeoutMs?: number;
}

export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
    if (env.CHROMIUM_PATH) return env.CHROMIUM_PATH;
    return existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined;
}

/**
 * Chromium resolves the link's name to 127.0.0.1 itself: *.localhost names need not resolve on the
 * machine, and the lab publishes its ports on 127.0.0.1.
 */
export function chromiumArgs(link: string): string[] {
    return ["--no-sandbox", `--host-resolver-rules=MAP ${new URL(link).hostname} 127.0.0.1`];
}

export async function acknowledgeInBrowser(args: AcknowledgeArgs): Promise<{ before: string; after: string }> {
    // Loaded here so that the rest of the e2e (and --list) works without it.
    const { chromium } = await import("playwright-core");
    const timeout = args.timeoutMs ?? 60_000;
    const browser = await chromium.launch({
        executablePath: args.executablePath ?? chromiumPath(),
        args: chromiumArgs(args.link),
    });
    const shots = {
        before: join(args.screenshotsDir, "acknowledge-before.png"),
        after: join(args.screenshotsDir, "acknowledge-after.png"),
    };
    const page = await browser.newPage();
    try {
        page.setDefaultTimeout(timeout);
        await page.goto(args.link);
        // Not logged in: Grafana shows its login page and returns to the link afterwards.
        const username = page.getByRole("textbox", { name: "Email or username" });
        const acknowledge = page.getByRole("button", { name: "Acknowledge", exact: true });
        await username.or(acknowledge).first().waitFor({ state: "visible" });
        if (await username.isVisible()) {
            await username.fill(args.login);
            await page.locator('input[name="password"]').fill(args.password);
            await page.getByRole("button", { name: "Log in" }).click();
        }
        await acknowledge.waitFor({ state: "visible" });
        await page.screenshot({ path: shots.before, fullPage: true });
        await acknowledge.click();
        await page.getByRole("button", { name: "Unacknowledge", exact: true }).waitFor({ state: "visible" });
        await page.screenshot({ path: shots.after, fullPage: true });
        return shots;
    } catch (error) {
        // What the person would have seen when it went wrong.
        const failed = join(args.screenshotsDir, "acknowledge-failed.png");
        const saved = await page.screenshot({ path: failed, fullPage: true }).then(
            () => true,
            () => false,
        );
        throw new Error(
            `${error instanceof Error ? error.message : String(error)}${saved ? ` (screenshot: ${failed})` : ""}`,
            {
                cause: error,
            },
        );
    } finally {
        await browser.close();
    }
}
