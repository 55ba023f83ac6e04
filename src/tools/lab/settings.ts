// The stack's settings file (Pulumi.<stack>.yaml, tracked) as scripts/lab.ts reads it: its target, its keys, its
// encrypted values, its encryption salt (which stays in the state, out of commits) and the secret settings that must
// never be in it in plain text. Pure functions over the file's text; undefined text is a missing file.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { CONFIG_NAMESPACE, configDefaults, SECRET_KEYS, type TargetName, TARGETS } from "../../config/schema";

type ConfigValues = Record<string, unknown>;

function configOf(text: string | undefined): ConfigValues {
    if (text === undefined) return {};
    const parsed = parse(text) as { config?: ConfigValues | null } | null;
    return parsed?.config ?? {};
}

const isSecure = (value: unknown) => JSON.stringify(value).includes('"secure":');

/** The deployment target the file names (src/config/schema.ts), else the default (kind). */
export function settingsTarget(text: string | undefined): TargetName {
    const named = configOf(text)[`${CONFIG_NAMESPACE}:target`];
    return TARGETS.find((target) => target === named) ?? configDefaults.target;
}

/** The file's top-level config keys. */
export function settingKeys(text: string | undefined): string[] {
    return Object.keys(configOf(text));
}

/** The stack PULUMI_STACK (dev by default) and its settings file in the project dir root (text undefined: none). */
export function readStackSettings(
    root: string,
    env: NodeJS.ProcessEnv,
): { stack: string; name: string; file: string; text: string | undefined } {
    const stack = env.PULUMI_STACK || "dev";
    const name = `Pulumi.${stack}.yaml`;
    const file = join(root, name);
    return { stack, name, file, text: existsSync(file) ? readFileSync(file, "utf8") : undefined };
}

/** The config keys holding an encrypted value. */
export function secureKeys(text: string | undefined): string[] {
    return Object.entries(configOf(text))
        .filter(([, value]) => isSecure(value))
        .map(([key]) => key);
}

const SALT_LINE = /^encryptionsalt:/;

/** The `encryptionsalt:` the file carries, without quotes; "" when none. */
export function fileSalt(text: string | undefined): string {
    const line = (text ?? "").split("\n").find((l) => SALT_LINE.test(l));
    return line === undefined ? "" : line.replace(SALT_LINE, "").trim().replace(/["']/g, "");
}

/** The text without its `encryptionsalt:` line; undefined when there is none to take out. */
export function withoutSalt(text: string | undefined): string | undefined {
    if (text === undefined || !text.split("\n").some((l) => SALT_LINE.test(l))) return undefined;
    return text
        .split("\n")
        .filter((l) => !SALT_LINE.test(l))
        .join("\n");
}

/** The secret setting `key` names, with or without the project's namespace. */
function secretNamed(key: string): string | undefined {
    return SECRET_KEYS.find((name) => key === name || key === `${CONFIG_NAMESPACE}:${name}`);
}

const fix = (name: string) => `npm run pulumi -- config set --secret ${CONFIG_NAMESPACE}:${name} <value>`;

/**
 * What is wrong with the secret settings (the schema's `secret` keys), which go into the tracked file only encrypted:
 * one in plain text is refused, and so is a `config set` that would write one. `config` itself still runs, so that
 * `config set --secret` or `config rm` can replace or remove the plain value.
 */
export function secretSettingsProblem(text: string | undefined, file: string, args: string[]): string | undefined {
    if (args[0] === "config") {
        const [action, key] = args.slice(1).filter((arg) => !arg.startsWith("-"));
        const plainPairs = args.flatMap((arg, i) => (args[i - 1] === "--plaintext" ? [arg.split("=")[0]] : []));
        const name =
            action === "set" && !args.includes("--secret")
                ? secretNamed(key ?? "")
                : plainPairs.map(secretNamed).find(Boolean);
        return (
            name &&
            `${CONFIG_NAMESPACE}:${name} is a secret: set it with --secret (${fix(name)}), so that ${file}, a tracked file, holds it encrypted`
        );
    }
    const config = configOf(text);
    const key = Object.keys(config).find((k) => secretNamed(k) !== undefined && !isSecure(config[k]));
    return (
        key &&
        `${key} is in plain text in ${file}, a tracked file: set it again with ${fix(secretNamed(key)!)} (if the file was committed with it, change that password or token too)`
    );
}
