// `npm run up | preview | destroy | pulumi -- <command> [flags...]` (scripts/lab.ts): a pulumi command for the lab
// with state in ./.pulumi and a passphrase generated on this machine, so no Pulumi Cloud account is needed.
//
// The stack's settings are in Pulumi.<stack>.yaml next to Pulumi.yaml, a tracked file. Its encryption salt belongs to
// the passphrase in .pulumi/, so it stays in the state there: pulumi writes it into the settings file on every
// command (PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER takes it from the state when the file has none), and this takes
// it out again, so no commit carries it.
import * as fs from "node:fs";
import * as path from "node:path";
import type { TargetName } from "../../config/schema";
import { emptyPassphraseProblem, targetedReplaceProblem } from "./refusals";
import { hasWiring, KIND_CLUSTER_TARGET, stackCluster, stateSalt, TEAM_USERS_TARGET, WIRING_TARGET } from "./resources";
import {
    fileSalt,
    readStackSettings,
    secretSettingsProblem,
    secureKeys,
    settingKeys,
    settingsTarget,
    withoutSalt,
} from "./settings";
import type { LabStack } from "./stack";
import { prepareStateDir, type StateDirNotes } from "./stateDir";
import { checkTools, type Exec, KUBECTL_NOTE } from "./tools";

export interface LabOutput {
    log(line: string): void;
    error(line: string): void;
}

/** What the lab program works with: the real machine in scripts/lab.ts, fakes in the tests. */
export interface LabDeps {
    /** The project directory (Pulumi.yaml). */
    root: string;
    env: NodeJS.ProcessEnv;
    exec: Exec;
    onPath(command: string): boolean;
    openStack(name: string, env: NodeJS.ProcessEnv): Promise<LabStack>;
    /** The kind cluster's control-plane node container, as src/kind/provider.ts finds it; undefined when gone. */
    clusterNode(clusterName: string): Promise<{ id: string } | undefined>;
    out: LabOutput;
}

const readText = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);

/** Runs the command; resolves with its exit code (1 after a refusal or an error, said as it is). */
export async function runLab(args: string[], deps: LabDeps): Promise<number> {
    try {
        return await labCommand(args, deps);
    } catch (error) {
        deps.out.error(`oncall-lab: ${(error as Error).message}`);
        return 1;
    }
}

async function labCommand(args: string[], deps: LabDeps): Promise<number> {
    if (args.length === 0) throw new Error("usage: npm run pulumi -- <pulumi command> [flags...]");
    const refused = emptyPassphraseProblem(deps.env) ?? targetedReplaceProblem(args);
    if (refused) throw new Error(refused);
    const settings = readStackSettings(deps.root, deps.env);
    const target = settingsTarget(settings.text);
    if (!(await toolsAllow(args[0], target, deps))) return 1;
    const settingsProblem = secretSettingsProblem(settings.text, settings.name, args);
    if (settingsProblem) throw new Error(settingsProblem);

    const notes: StateDirNotes = { log: (line) => deps.out.log(`oncall-lab: ${line}`) };
    const { stateDir, env } = prepareStateDir(deps.root, deps.env, notes);
    moveOldSettings(path.join(stateDir, settings.name), settings.file, settings.name, notes);

    // A salt in the file is this stack's own (left by an interrupted run, or by pulumi run directly) or another
    // passphrase's (a fresh clone of a commit that carried one, a deleted .pulumi, another machine).
    const straySalt = fileSalt(readText(settings.file));
    const stripSalt = () => {
        const stripped = withoutSalt(readText(settings.file));
        if (stripped !== undefined) fs.writeFileSync(settings.file, stripped);
    };
    stripSalt();
    try {
        const stack = await deps.openStack(settings.stack, env);
        // Select, else create (not createOrSelectStack): a stack made now cannot read secure values already in the file.
        let created = false;
        if (!(await stack.select())) {
            await stack.create();
            stripSalt();
            created = true;
        }
        await forgetStaleSecrets(stack, {
            created,
            straySalt,
            settingsFile: settings.file,
            settingsName: settings.name,
            out: deps.out,
        });
        if (args[0] === "up" && !created) await lookAtTheLab(stack, target, deps);
        return await stack.run(args);
    } finally {
        stripSalt();
    }
}

/** Everything the command needs, checked before anything is changed, and reported all at once. */
async function toolsAllow(command: string, target: TargetName, deps: LabDeps): Promise<boolean> {
    const tools = await checkTools(deps.exec, command, target);
    for (const problem of tools.unknown) deps.out.error(`oncall-lab: note: ${problem}`);
    for (const problem of tools.missing) deps.out.error(`oncall-lab: ${problem}`);
    if (tools.missing.length > 0) return false;
    if (command === "up" && !deps.onPath("kubectl")) deps.out.error(`oncall-lab: note: ${KUBECTL_NOTE}`);
    return true;
}

/** Earlier versions kept the settings file in the state directory. */
function moveOldSettings(oldFile: string, settingsFile: string, settingsName: string, notes: StateDirNotes): void {
    if (!fs.existsSync(oldFile)) return;
    if (settingKeys(readText(settingsFile)).length > 0) {
        throw new Error(
            `both ${settingsName} and ${oldFile} hold settings: merge them into ${settingsName}, delete ${oldFile}, and retry`,
        );
    }
    fs.renameSync(oldFile, settingsFile);
    notes.log(`moved the stack settings from ${oldFile} to ${settingsName}`);
}

/** Secure values encrypted with another salt cannot be decrypted by this stack: pulumi would fail on them. */
async function forgetStaleSecrets(
    stack: LabStack,
    run: { created: boolean; straySalt: string; settingsFile: string; settingsName: string; out: LabOutput },
): Promise<void> {
    const stale = run.created || (run.straySalt !== "" && run.straySalt !== stateSalt(await stack.exportDeployment()));
    if (!stale) return;
    const lost = secureKeys(readText(run.settingsFile));
    if (lost.length === 0) return;
    for (const key of lost) await stack.removeConfig(key);
    run.out.log(
        `oncall-lab: removed ${lost.join(" ")} from ${run.settingsName} (encrypted with another passphrase's salt): set them again with npm run pulumi -- config set --secret <key> <value>`,
    );
}

/**
 * Before updating, look at the lab as it is. A kind cluster deleted by hand took everything in it along (Grafana's
 * users, OnCall's objects and tokens): the state forgets all of that, and `up` builds it again, instead of trying to
 * update or delete objects that exist nowhere. Otherwise the kind cluster is refreshed with the quick reads of
 * refreshLab, while the other OnCall resources' reads need a running lab. On an existing cluster the cluster is not
 * the lab's to check: only what lives in it.
 */
async function lookAtTheLab(stack: LabStack, target: TargetName, deps: LabDeps): Promise<void> {
    const deployment = await stack.exportDeployment();
    if (target === "existing") {
        if (hasWiring(deployment)) await refreshLab(stack, [], deps.out);
        return;
    }
    const cluster = stackCluster(deployment);
    if (cluster === undefined) return;
    const node = await deps.clusterNode(cluster.name);
    if (node === undefined) {
        deps.out.log(
            `oncall-lab: kind cluster "${cluster.name}" no longer exists: forgetting what lived in it, then building it again`,
        );
        await stack.forget(cluster.urn);
    } else if (cluster.clusterId !== undefined && node.id !== cluster.clusterId) {
        // Not the stack's cluster: its Grafana and OnCall are empty, and the old releases' kubeconfig is dead.
        // (A state from before the cluster had an id has none: the refresh records it.)
        await stack.forget(cluster.urn);
        throw new Error(
            `kind cluster "${cluster.name}" was deleted and created again outside this stack (its node container is not the one the stack made), so the stack forgot what lived in the old one. The lab needs a cluster of its own: delete this one with \`kind delete cluster --name ${cluster.name}\`, then run npm run up again`,
        );
    } else {
        await refreshLab(stack, [KIND_CLUSTER_TARGET], deps.out);
    }
}

/**
 * The quick reads that notice what a lab loses by itself: the OnCall wiring (a plugin that lost its connection) and
 * the team's Grafana users (a Grafana that lost its database lost them too, and OnCall's sync then drops them: the
 * provider's read forgets a missing user, so this update creates it again). Grafana not answering yet must not stop
 * an update that may be what repairs it.
 */
async function refreshLab(stack: LabStack, alsoTargets: string[], out: LabOutput): Promise<void> {
    await stack.refresh([...alsoTargets, WIRING_TARGET]);
    await stack.refresh([TEAM_USERS_TARGET]).catch(() => {
        out.error("oncall-lab: could not check the team's Grafana users (see above); updating without that");
    });
}
