// What scripts/lab.ts needs from Pulumi for one stack (LabStack), and the real one on the Automation API
// (`@pulumi/pulumi/automation`: a LocalWorkspace on the project directory with the lab's backend and passphrase in its
// environment). Tests pass a fake LabStack.
import { spawn } from "node:child_process";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";

/** The part of `pulumi stack export`'s deployment scripts/lab.ts reads. */
export interface StackDeployment {
    secrets_providers?: { state?: { salt?: string } };
    resources?: { urn: string; id?: string; outputs?: Record<string, unknown> }[];
}

export interface LabStack {
    /** Selects the stack; false when it cannot (there is none of that name). */
    select(): Promise<boolean>;
    /** Creates the stack with the passphrase secrets provider. */
    create(): Promise<void>;
    exportDeployment(): Promise<StackDeployment>;
    /** `pulumi config rm <key>`. */
    removeConfig(key: string): Promise<void>;
    /** A refresh of the resources the URN globs name, without a preview; rejects when it fails. */
    refresh(targets: string[]): Promise<void>;
    /** `pulumi state delete --target-dependents <urn>`: the state forgets the resource and all that depends on it. */
    forget(urn: string): Promise<void>;
    /** The user's own pulumi command with its flags, for this stack, on the terminal; resolves with its exit code. */
    run(args: string[]): Promise<number>;
}

/**
 * Runs pulumi on the terminal (its prompts and progress display), resolving with its exit code. Until it ends, this
 * process outlives a Ctrl-C (which reaches pulumi from the terminal: pulumi then stops cleanly, and the caller still
 * takes the salt out of the settings file) and passes SIGTERM and SIGHUP on.
 */
function onTerminal(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd, env, stdio: "inherit" });
        const ignore = () => undefined;
        const forward = (signal: NodeJS.Signals) => child.kill(signal);
        process.on("SIGINT", ignore).on("SIGTERM", forward).on("SIGHUP", forward);
        const done = () => process.off("SIGINT", ignore).off("SIGTERM", forward).off("SIGHUP", forward);
        child.once("error", (error) => (done(), reject(error)));
        child.once("close", (code, signal) => (done(), resolve(code ?? (signal ? 1 : 0))));
    });
}

/**
 * The stack `name` of the project in workDir on the Automation API. `env` is the whole environment of its pulumi
 * commands (the lab's PULUMI_BACKEND_URL, passphrase and PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER among them).
 */
export async function automationStack(workDir: string, name: string, env: NodeJS.ProcessEnv): Promise<LabStack> {
    const envVars = Object.fromEntries(
        Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    // scripts/lab.ts checks the CLI's version itself, against the lab's minimum, with every other tool at once.
    const pulumiCommand = await PulumiCommand.get({ skipVersionCheck: true });
    const workspace = await LocalWorkspace.create({ workDir, envVars, pulumiCommand, secretsProvider: "passphrase" });
    let stack: Stack | undefined;
    const selected = (): Stack => {
        if (stack === undefined) throw new Error(`stack ${name} is not selected`);
        return stack;
    };
    // The Automation API runs its commands with --non-interactive and its output captured, and has no way to pass a
    // command's own flags on (npm run up -- --replace <urn>, npm run preview -- --json, npm run pulumi -- config set
    // ...). The user's command and `state delete`, which it does not offer, therefore run the workspace's pulumi
    // (PulumiCommand's own binary) with the workspace's environment, on the terminal, so that `up` still asks before
    // it changes anything and shows its progress.
    const cli = (args: string[]) =>
        onTerminal(pulumiCommand.command, [...args, "--stack", name], workDir, { ...process.env, ...envVars });
    const echo = {
        onOutput: (out: string) => process.stdout.write(out),
        onError: (err: string) => process.stderr.write(err),
    };
    return {
        select: async () => {
            stack = await Stack.select(name, workspace).catch(() => undefined);
            return stack !== undefined;
        },
        create: async () => {
            stack = await Stack.create(name, workspace);
        },
        exportDeployment: async () => (await selected().exportStack()).deployment as StackDeployment,
        removeConfig: (key) => workspace.removeConfig(name, key),
        refresh: async (targets) => {
            await selected().refresh({ target: targets, ...echo });
        },
        forget: async (urn) => {
            const code = await cli(["state", "delete", "--yes", "--target-dependents", urn]);
            if (code !== 0) throw new Error(`pulumi state delete ${urn} failed (exit code ${code})`);
        },
        run: (args) => cli(args),
    };
}
