// What the npm run scripts share: options from flags (node:util parseArgs) over environment
// variables over stack outputs, reading the stack outputs through the lab program (scripts/lab.ts), and tables.
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify, parseArgs } from "node:util";
import { isRecord } from "../../shared/records";

export const repoRoot = resolve(__dirname, "..", "..", "..");

/** A TypeScript program of the project in root under its ts-node, as the npm scripts run it: [command, args]. */
export function tsNodeProgram(root: string, script: string, args: string[]): [string, string[]] {
    return [
        process.execPath,
        [join(root, "node_modules/ts-node/dist/bin.js"), "--transpile-only", join(root, script), ...args],
    ];
}

/** The lab program behind `npm run pulumi --` (scripts/lab.ts): the lab's backend, passphrase and stack. */
export const labProgram = (args: string[], root = repoRoot) => tsNodeProgram(root, "scripts/lab.ts", args);

export interface OptionSpec {
    flag: string;
    /** Environment variable read when the flag is not given. */
    env?: string;
    /** Stack output that supplies the value when neither the flag nor the variable is set. */
    output?: string;
    /** A flag without a value. */
    boolean?: boolean;
    help: string;
}

export type Parsed<K extends string> = Partial<Record<K, string>>;

/** Flags win over variables. Returns "help" for -h/--help; unknown flags and missing values throw with the usage. */
export function parseOptions<K extends string>(
    specs: Record<K, OptionSpec>,
    argv: string[],
    env: NodeJS.ProcessEnv,
    usage: string,
): Parsed<K> | "help" {
    const entries = Object.entries(specs) as [K, OptionSpec][];
    const options = Object.fromEntries([
        ...entries.map(
            ([, spec]) => [spec.flag.replace(/^--/, ""), { type: spec.boolean ? "boolean" : "string" }] as const,
        ),
        ["help", { type: "boolean", short: "h" }] as const,
    ]);
    let values: Record<string, string | boolean | undefined>;
    try {
        values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as typeof values;
    } catch (error) {
        const code = (error as { code?: string }).code;
        const arg = /'([^']+)'/.exec((error as Error).message)?.[1] ?? "";
        if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE")
            throw new Error(`${arg.split(" ")[0]} needs a value`, { cause: error });
        const shown = code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL" ? arg : arg.split(" ")[0];
        throw new Error(`unknown argument "${shown}"\n${usage}`, { cause: error });
    }
    if (values.help) return "help";
    const parsed: Parsed<K> = {};
    for (const [key, spec] of entries) {
        const given = values[spec.flag.replace(/^--/, "")];
        const fromEnv = spec.env === undefined ? undefined : env[spec.env];
        if (given !== undefined) parsed[key] = String(given);
        else if (fromEnv !== undefined && fromEnv !== "") parsed[key] = fromEnv;
    }
    return parsed;
}

/** One usage line per option, with where else its value may come from. */
export function optionLines(specs: Record<string, OptionSpec>): string[] {
    return Object.values(specs).map((spec) => {
        const from = [spec.env && `env ${spec.env}`, spec.output && `stack output ${spec.output}`]
            .filter(Boolean)
            .join(", ");
        const flag = spec.boolean ? spec.flag : `${spec.flag} <value>`;
        return `  ${flag.padEnd(32)} ${spec.help}${from ? ` (${from})` : ""}`;
    });
}

export type StackOutputs = Record<string, unknown>;

/** `npm run pulumi -- stack output --json --show-secrets`: the lab program picks the state folder and stack. */
export async function readStackOutputs(env: NodeJS.ProcessEnv = process.env): Promise<StackOutputs> {
    try {
        const { stdout } = await promisify(execFile)(...labProgram(["stack", "output", "--json", "--show-secrets"]), {
            cwd: repoRoot,
            env,
            maxBuffer: 16 * 1024 * 1024,
        });
        const outputs: unknown = JSON.parse(stdout);
        if (!isRecord(outputs)) throw new Error("the stack outputs are not a JSON object");
        return outputs;
    } catch (error) {
        const stderr = (error as { stderr?: string }).stderr?.trim();
        throw new Error(
            `could not read the stack outputs with npm run pulumi -- stack output (is the lab up? npm run up): ${stderr || (error as Error).message}`,
            { cause: error },
        );
    }
}

/** Columns padded to their widest cell; `right` lists the columns aligned right (numbers). */
export function formatTable(header: string[], rows: string[][], right: number[] = []): string {
    const width = (column: number) => Math.max(...[header, ...rows].map((row) => (row[column] ?? "").length));
    const line = (row: string[]) =>
        row
            .map((cell, column) => (right.includes(column) ? cell.padStart(width(column)) : cell.padEnd(width(column))))
            .join("  ")
            .trimEnd();
    return [header, ...rows].map(line).join("\n");
}

export function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
}
