// What scripts/lab.ts refuses from the command line and the environment alone, before it looks at anything else.

/**
 * pulumi takes an exported empty PULUMI_CONFIG_PASSPHRASE as the passphrase, before any file: refused rather than
 * unset, since a stack made with the empty passphrase would then fail to decrypt.
 */
export function emptyPassphraseProblem(env: NodeJS.ProcessEnv): string | undefined {
    if (env.PULUMI_CONFIG_PASSPHRASE !== "") return undefined;
    return "PULUMI_CONFIG_PASSPHRASE is set but empty, and pulumi would use the empty string as the passphrase: unset it (the lab then uses .pulumi/passphrase) or set it to the stack's passphrase";
}

/**
 * A targeted replace: outside the targets the engine keeps every resource's old inputs (pulumi v3.248.0
 * step_generator.go: no Check for untargeted resources, an untargeted provider keeps its old inputs), so the OnCall
 * objects of the new lab would be created with the old lab's API token and user ids, and OnCall refuses them.
 */
export function targetedReplaceProblem(args: string[]): string | undefined {
    if (args[0] !== "up") return undefined;
    const flags = args.slice(1);
    const is = (...names: string[]) =>
        flags.some((arg) => names.some((name) => arg === name || arg.startsWith(`${name}=`)));
    const targeted = is("--target-replace", "--target", "-t");
    const replacing = is("--target-replace", "--replace");
    if (!targeted || !replacing) return undefined;
    return "a targeted replace (--target with --replace, or --target-replace) would create the lab's OnCall objects from their old inputs (the old lab's API token and user ids), which OnCall refuses: replace without --target, e.g. npm run up -- --replace '<urn>' (the engine then replaces what depends on it too)";
}
