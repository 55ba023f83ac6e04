// The upgrade scenario: what users do most, pull a new version and run `up` over the lab they have.
// The lab is built from a copy of the base commit (E2E_BASE_REF: the pull request's base; else the
// newest release tag; else HEAD^) and smoke passes; then, in the same state, the head's `preview` is
// judged (a replacement or a deletion fails unless E2E_ALLOW_REPLACE names it, and the `--diff` is
// printed), `up` runs, OnCall's alert groups and Grafana's users are still there, and smoke passes
// again. The scenario destroys its lab at the end, so the scenarios after it start from nothing.
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isRecord } from "../../shared/records";
import { withTrailingSlash } from "../../shared/urls";
import { labProgram, repoRoot, type StackOutputs } from "../shared/cli";
import { basicAuthorization } from "../../shared/basicAuth";
import { getJson } from "../shared/http";
import { type CommandOptions, type CommandResult, E2eLab, labShown } from "./lab";
import { LabApi } from "./oncallApi";
import { type E2eContext, smokePasses, upFromNothing } from "./steps";

export interface PlanStep {
    op: string;
    urn: string;
    replaceReasons?: string[];
}

export interface PreviewJudgement {
    /** Replacements and deletions nobody allowed: one line per resource, with its operations. */
    unexpected: string[];
    allowed: string[];
    /** Steps per operation, for the row ("same 80, update 2"). */
    counts: Record<string, number>;
}

/** The JSON `pulumi preview --json` prints (the lab program may print lines of its own before it). */
export function previewSteps(stdout: string): PlanStep[] {
    const start = stdout.search(/^\{/m);
    if (start < 0) throw new Error("pulumi preview --json printed no JSON");
    const parsed: unknown = JSON.parse(stdout.slice(start));
    const steps = isRecord(parsed) && Array.isArray(parsed.steps) ? parsed.steps : [];
    return steps.filter(isRecord).map((step) => ({
        op: String(step.op ?? ""),
        urn: String(step.urn ?? ""),
        replaceReasons: Array.isArray(step.replaceReasons) ? step.replaceReasons.map(String) : undefined,
    }));
}

/** An allowance names a resource (the URN's last part) or a type (`kubernetes:helm.sh/v3:Release`). */
export function allowedBy(urn: string, allowances: string[]): boolean {
    const parts = urn.split("::");
    const name = parts.at(-1) ?? "";
    const type = (parts.at(-2) ?? "").split("$").at(-1) ?? "";
    return allowances.some((allowance) => allowance === name || allowance === type);
}

/**
 * Any replace operation (replace, create-replacement, delete-replaced, ...) loses what the resource held;
 * a delete during an upgrade is a rename without an alias or a removal: both must be meant.
 */
export function judgePreview(steps: PlanStep[], allowances: string[]): PreviewJudgement {
    const counts: Record<string, number> = {};
    const flagged = new Map<string, Set<string>>();
    for (const step of steps) {
        counts[step.op] = (counts[step.op] ?? 0) + 1;
        if (!step.op.includes("replace") && step.op !== "delete") continue;
        const ops = flagged.get(step.urn) ?? new Set<string>();
        ops.add(step.replaceReasons?.length ? `${step.op} (${step.replaceReasons.join(", ")})` : step.op);
        flagged.set(step.urn, ops);
    }
    const line = ([urn, ops]: [string, Set<string>]) => `${urn}: ${[...ops].join(", ")}`;
    const entries = [...flagged.entries()];
    return {
        unexpected: entries.filter(([urn]) => !allowedBy(urn, allowances)).map(line),
        allowed: entries.filter(([urn]) => allowedBy(urn, allowances)).map(line),
        counts,
    };
}

export function parseAllowances(value: string | undefined): string[] {
    return (value ?? "")
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean);
}

/**
 * The lab as the base commit's copy runs it: its own lab program (scripts/lab.ts, or scripts/lab.sh in the commits
 * before it), the same state folder and stack.
 */
class BaseLab extends E2eLab {
    constructor(
        from: E2eLab,
        readonly root: string,
    ) {
        super(from.options, from.env);
    }

    override pulumi(args: string[], options: CommandOptions = {}): Promise<CommandResult> {
        const labScript = join(this.root, "scripts/lab.sh");
        if (existsSync(labScript)) return this.run("bash", [labScript, ...args], { log: "pulumi.log", ...options });
        return this.run(...labProgram(args, this.root), {
            log: "pulumi.log",
            shown: `base ${labShown(args)}`,
            ...options,
        });
    }
}

async function baseRef(lab: E2eLab): Promise<string> {
    const given = lab.env.E2E_BASE_REF?.trim();
    if (given) return given;
    const tag = await lab.run("git", ["describe", "--tags", "--abbrev=0", "HEAD^"], {
        log: "git.log",
        allowFailure: true,
    });
    return tag.code === 0 && tag.stdout.trim() ? tag.stdout.trim() : "HEAD^";
}

/** A copy of the base commit's files (git archive: no worktree for git to track), its packages installed. */
async function checkoutBase(lab: E2eLab, ref: string): Promise<{ dir: string; commit: string }> {
    const commit = (
        await lab.run("git", ["rev-parse", "--short", `${ref}^{commit}`], { log: "git.log" })
    ).stdout.trim();
    const dir = mkdtempSync(join(tmpdir(), `oncall-lab-base-${commit}-`));
    await lab.run("bash", ["-c", 'git archive "$1" | tar -x -C "$2"', "archive", commit, dir], { log: "git.log" });
    await lab.run("npm", ["--prefix", dir, "ci", "--no-audit", "--no-fund"], { log: "npm.log" });
    return { dir, commit };
}

async function grafanaLogins(outputs: StackOutputs): Promise<string[]> {
    const { grafanaUrl, grafanaAdminUser, grafanaAdminPassword } = outputs;
    if (typeof grafanaUrl !== "string" || typeof grafanaAdminPassword !== "string")
        throw new Error("the stack has no output grafanaUrl or grafanaAdminPassword");
    const authorization = basicAuthorization(String(grafanaAdminUser ?? "admin"), grafanaAdminPassword);
    const users = await getJson(new URL("api/users", withTrailingSlash(grafanaUrl)), {
        Authorization: authorization,
        accept: "application/json",
    });
    return (Array.isArray(users) ? users.filter(isRecord) : []).map((user) => String(user.login)).sort();
}

interface LabContents {
    groups: string[];
    logins: string[];
}

async function contents(context: E2eContext): Promise<LabContents> {
    const outputs = await context.lab.outputs();
    const groups = await new LabApi(outputs, context.clock, context.waits.pollMs).alertGroups();
    return { groups: groups.map((group) => String(group.id)), logins: await grafanaLogins(outputs) };
}

/** What the upgrade lost: groups OnCall no longer answers for, logins Grafana no longer lists. */
async function lostSince(context: E2eContext, before: LabContents): Promise<string[]> {
    const outputs = await context.lab.outputs();
    const labApi = new LabApi(outputs, context.clock, context.waits.pollMs);
    const lost: string[] = [];
    for (const id of before.groups) {
        await labApi.alertGroup(id).catch(() => lost.push(`alert group ${id}`));
    }
    const logins = await grafanaLogins(outputs);
    lost.push(...before.logins.filter((login) => !logins.includes(login)).map((login) => `Grafana user ${login}`));
    return lost;
}

/** The head's preview over the base's state, judged; on an unexpected change the `--diff` is printed and kept. */
async function judgedPreview(context: E2eContext): Promise<string> {
    const { lab } = context;
    const judgement = judgePreview(
        previewSteps((await lab.pulumi(["preview", "--json"])).stdout),
        parseAllowances(lab.env.E2E_ALLOW_REPLACE),
    );
    const counts = Object.entries(judgement.counts)
        .map(([op, count]) => `${op} ${count}`)
        .join(", ");
    if (judgement.unexpected.length === 0)
        return `preview: ${counts}${judgement.allowed.length ? `; allowed: ${judgement.allowed.join("; ")}` : ""}`;
    const diff = await lab.pulumi(["preview", "--diff"], { allowFailure: true });
    const file = join(lab.options.diagnosticsDir, "upgrade-preview-diff.txt");
    writeFileSync(file, diff.stdout + diff.stderr);
    process.stderr.write(`e2e: the upgrade's preview --diff:\n${diff.stdout}${diff.stderr}\n`);
    throw new Error(
        `the upgrade would replace or delete ${judgement.unexpected.join("; ")} (diff in ${file}; if the change means it, name the resources in E2E_ALLOW_REPLACE)`,
    );
}

export async function upgradeInPlace(context: E2eContext): Promise<string> {
    const ref = await baseRef(context.lab);
    const base = await checkoutBase(context.lab, ref);
    try {
        const baseLab = new BaseLab(context.lab, base.dir);
        await upFromNothing({ ...context, lab: baseLab });
        const baseSmoke = await smokePasses(context);
        const before = await contents(context);
        // A user's settings stay in their working copy when they pull: the head reads the same file.
        const settings = `Pulumi.${context.lab.options.stack}.yaml`;
        if (existsSync(join(base.dir, settings))) copyFileSync(join(base.dir, settings), join(repoRoot, settings));
        const preview = await judgedPreview(context);
        await context.lab.pulumi(["up", "--yes", "--skip-preview"]);
        const lost = await lostSince(context, before);
        if (lost.length > 0) throw new Error(`the upgrade lost ${lost.join(", ")}`);
        const headSmoke = await smokePasses(context);
        await context.lab.pulumi(["destroy", "--yes", "--skip-preview"]);
        return [
            `base ${ref} (${base.commit}): smoke ${baseSmoke}`,
            preview,
            `kept ${before.groups.length} alert groups and ${before.logins.length} Grafana users`,
            `smoke ${headSmoke}; destroyed`,
        ].join("; ");
    } finally {
        rmSync(base.dir, { recursive: true, force: true });
    }
}
