// The tools a lab command needs, checked before anything changes and reported all at once.
import type { TargetName } from "../../config/schema";

/** The pulumi CLI the lab needs: the @pulumi/pulumi SDK's major.minor in package.json (test/runtime-pins.test.ts). */
export const PULUMI_MIN = "3.276";
/** The default node image is the one kind v0.33.0 ships with. */
export const KIND_MIN = "0.33.0";

/** A program's answer; undefined when it is not installed. */
export type Exec = (command: string, args: string[]) => Promise<{ code: number; stdout: string } | undefined>;

/** Whether version (v3.248.0, 0.33.0-alpha, ...) is at least min (major.minor[.patch]). */
export function atLeast(version: string, min: string): boolean {
    const have = version
        .replace(/^v/, "")
        .split(".")
        .map((part) => parseInt(part, 10) || 0);
    const want = min.split(".").map(Number);
    for (let i = 0; i < 3; i++) {
        if ((have[i] ?? 0) !== (want[i] ?? 0)) return (have[i] ?? 0) > (want[i] ?? 0);
    }
    return true;
}

export interface ToolReport {
    /** What stops the command. */
    missing: string[];
    /** What could not be read (a wrapper or an old tool that does not say): named, without stopping. */
    unknown: string[];
}

const PULUMI_INSTALL = "https://www.pulumi.com/docs/iac/download-install/";
const KIND_INSTALL = "https://kind.sigs.k8s.io/docs/user/quick-start/#installation";

async function checkPulumi(exec: Exec, report: ToolReport): Promise<void> {
    const answer = await exec("pulumi", ["version"]);
    if (answer === undefined)
        return void report.missing.push(`pulumi is not installed: see ${PULUMI_INSTALL} (${PULUMI_MIN} or later)`);
    const version = answer.code === 0 ? answer.stdout.trim() : "";
    if (version === "")
        report.unknown.push(`pulumi did not say its version (pulumi version): the lab needs ${PULUMI_MIN} or later`);
    else if (!atLeast(version, PULUMI_MIN))
        report.missing.push(
            `pulumi ${version} is too old: the lab needs ${PULUMI_MIN} or later, see ${PULUMI_INSTALL}`,
        );
}

async function checkDocker(exec: Exec, report: ToolReport): Promise<void> {
    const info = await exec("docker", ["info"]);
    if (info === undefined) return void report.missing.push("docker is not installed: kind runs the cluster in Docker");
    if (info.code !== 0)
        return void report.missing.push(
            "docker is installed but not running (or this user may not use it): start Docker and retry",
        );
    const answer = await exec("docker", ["info", "--format", "{{.CgroupVersion}}"]);
    const cgroup = answer?.code === 0 ? answer.stdout.trim() : "";
    if (cgroup === "")
        report.unknown.push(
            "docker info did not say its cgroup version: the lab needs cgroup v2 (README, Prerequisites)",
        );
    else if (cgroup !== "2") {
        report.missing.push(
            `Docker runs with cgroup version ${cgroup}, and the lab's Kubernetes refuses to start on cgroup v1 (the cluster would never become ready): use a host with cgroup v2 (README, Prerequisites)`,
        );
    }
}

async function checkKind(exec: Exec, report: ToolReport): Promise<void> {
    const answer = await exec("kind", ["version"]);
    if (answer === undefined)
        return void report.missing.push(`kind is not installed: see ${KIND_INSTALL} (v${KIND_MIN} or later)`);
    // `kind version` prints: kind <version> <go version> <platform>.
    const version = answer.code === 0 ? (answer.stdout.trim().split(/\s+/)[1] ?? "") : "";
    if (version === "")
        report.unknown.push(`kind did not say its version (kind version): the lab needs v${KIND_MIN} or later`);
    else if (!atLeast(version, KIND_MIN))
        report.missing.push(`kind ${version} is too old: the lab needs v${KIND_MIN} or later, see ${KIND_INSTALL}`);
}

/** Everything `command` needs; docker and kind only for up on the kind target (preview and destroy work without). */
export async function checkTools(exec: Exec, command: string, target: TargetName): Promise<ToolReport> {
    const report: ToolReport = { missing: [], unknown: [] };
    await checkPulumi(exec, report);
    if (command === "up" && target === "kind") {
        await checkDocker(exec, report);
        await checkKind(exec, report);
    }
    return report;
}

export const KUBECTL_NOTE =
    "kubectl is not installed; the lab does not need it, but npm run smoke, npm run e2e and the README's kubectl commands do";
