// The roster: the team file (values/oncall-team.yaml) as data, i.e. people, one rotation and the escalation chain for paging
// alerts, validated before any resource is declared: its shape by the zod schema (schema.ts), what needs several
// values by the rules (rules.ts). Every problem is collected and reported at once, each named by its path in the
// file, in the file's order. Pure: the program turns the result into Grafana users and OnCall objects.
// Rule and step type names are OnCall's own public API names, so that users can look them up; the limits checked
// here are those of Grafana OnCall OSS 1.16.9.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { durationSeconds } from "../shared/duration";
import { ProblemsError } from "../shared/problems";
import { optionFor, type Path, type Problem, readable, ROSTER_RULES } from "./rules";
import { shiftFromSeconds, type RosterFile, rosterFileSchema } from "./schema";

type PersonFile = RosterFile["people"][number];
type RuleFile = PersonFile["notificationRules"][number];
type StepFile = RosterFile["escalation"]["steps"][number];

/** A person's rule as OnCall takes it: durations in seconds, and whether it belongs to the "important" list. */
export type NotificationRule =
    { type: Exclude<RuleFile["type"], "wait">; important: boolean } | { type: "wait"; durationSeconds: number };

export type Person = Omit<PersonFile, "notificationRules"> & { notificationRules: NotificationRule[] };

export type Rotation = Omit<RosterFile["rotation"], "shift"> & {
    /** The first handoff: local "YYYY-MM-DDTHH:MM:SS" in timeZone, not in the future. */
    start: string;
    frequency: "hourly" | "daily" | "weekly";
    interval: number;
    /** Always frequency x interval: shifts follow each other without gaps. */
    shiftSeconds: number;
    /** Logins, in handoff order. */
    people: string[];
};

export type EscalationStep =
    | Exclude<StepFile, { type: "wait" | "notify_persons" }>
    | { type: "wait"; durationSeconds: number }
    | { type: "notify_persons"; logins: string[] };

export interface Roster {
    people: Person[];
    rotation: Rotation;
    escalation: { name: string; steps: EscalationStep[] };
}

/** Refused like the config (ConfigError): every problem at once, the message alone without a stack trace. */
export class RosterError extends ProblemsError {
    constructor(problems: string[], source = "on-call team") {
        super(source, problems);
        this.name = "RosterError";
    }
}

export const DEFAULT_ROSTER_FILE = path.join(__dirname, "..", "..", "values", "oncall-team.yaml");
/** The team file's JSON schema, generated from schema.ts (`npm run schema:team`). */
export const ROSTER_SCHEMA_FILE = path.join(__dirname, "..", "..", "values", "oncall-team.schema.json");

/** Reads and validates a team file (YAML); problems, including YAML syntax errors, name the file. */
export function loadRoster(file: string = DEFAULT_ROSTER_FILE, now: Date = new Date()): Roster {
    const source = `on-call team file ${path.relative(process.cwd(), file) || file}`;
    let bytes: Buffer;
    try {
        bytes = fs.readFileSync(file);
    } catch (err) {
        throw new RosterError([`cannot read the file: ${(err as Error).message}`], source);
    }
    const text = utf8Text(bytes);
    if (text === undefined)
        throw new RosterError(
            ["is not UTF-8 text (UTF-16, as some Windows editors save, is not read): save it as UTF-8"],
            source,
        );
    // parseDocument keeps going after an error, so every syntax error (duplicate keys included) is reported; the
    // library cuts the line it quotes.
    const doc = parseDocument(text);
    if (doc.errors.length > 0)
        throw new RosterError(
            doc.errors.map((e) => e.message),
            source,
        );
    let raw: unknown;
    try {
        raw = doc.toJS();
    } catch {
        // The yaml library refuses to expand aliases more than 100 times (maxAliasCount): an alias bomb.
        throw new RosterError(["expands its YAML aliases too often (an alias bomb): refused"], source);
    }
    try {
        return validateRoster(raw, now);
    } catch (err) {
        if (err instanceof RosterError) throw new RosterError(err.problems, source);
        throw err;
    }
}

/** The file's text if it is UTF-8; NUL bytes mean UTF-16 or UTF-32, which can be valid UTF-8 byte by byte. */
function utf8Text(bytes: Buffer): string | undefined {
    if (bytes.includes(0)) return undefined;
    try {
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
        return undefined;
    }
}

/**
 * The rules to create for a person. Without a Telegram bot token, Telegram rules are dropped, then any wait they
 * leave at either end (a trailing wait does nothing, a leading one only delays the first notification); if nothing
 * is left, e-mail, which is also what OnCall falls back to for a user without rules.
 */
export function notificationRulesFor(person: Person, telegramEnabled: boolean): NotificationRule[] {
    const rules = person.notificationRules.filter((rule) => telegramEnabled || rule.type !== "notify_by_telegram");
    while (rules.length > 0 && rules[0].type === "wait") rules.shift();
    while (rules.length > 0 && rules[rules.length - 1].type === "wait") rules.pop();
    return rules.length > 0 ? rules.map((rule) => ({ ...rule })) : [{ type: "notify_by_email", important: false }];
}

// --- validation ---------------------------------------------------------------------------------------------

/** Validates a parsed team file; throws one RosterError listing every problem. `now` is when the rotation must have started. */
export function validateRoster(raw: unknown, now: Date = new Date()): Roster {
    const parsed = rosterFileSchema.safeParse(raw);
    const logins = loginsWritten(raw);
    const problems = parsed.success ? [] : problemsOfIssues(parsed.error.issues);
    // A file that is not even a mapping has nothing for the rules to read.
    if (!parsed.success && problems.some((problem) => problem.path.length === 0))
        throw new RosterError(problems.map(format));
    const roster = readable(rosterFileSchema, raw) ?? {};
    problems.push(...ROSTER_RULES.flatMap((rule) => rule(roster, { now, logins })));
    if (!parsed.success || problems.length > 0) throw new RosterError(inFileOrder(problems, raw).map(format));
    return rosterOf(parsed.data, logins);
}

/** The file's values as OnCall takes them: durations in seconds, the shift as a recurrence, logins as declared. */
function rosterOf(file: RosterFile, logins: ReadonlyMap<string, string>): Roster {
    const declared = (login: string) => logins.get(login.toLowerCase()) ?? login;
    return {
        people: file.people.map((person) => ({
            ...person,
            // The file lists each person's default rules; the lab's escalation steps are not "important".
            notificationRules: person.notificationRules.map((rule): NotificationRule =>
                rule.type === "wait"
                    ? { type: "wait", durationSeconds: durationSeconds(rule.duration) }
                    : { type: rule.type, important: false },
            ),
        })),
        rotation: {
            name: file.rotation.name,
            timeZone: file.rotation.timeZone,
            start: file.rotation.start,
            ...shiftFromSeconds(durationSeconds(file.rotation.shift))!,
            people: file.rotation.people.map(declared),
        },
        escalation: {
            name: file.escalation.name,
            steps: file.escalation.steps.map((step): EscalationStep => {
                if (step.type === "wait") return { type: "wait", durationSeconds: durationSeconds(step.duration) };
                if (step.type === "notify_persons")
                    return { type: "notify_persons", logins: step.persons.map(declared) };
                return { type: step.type };
            }),
        },
    };
}

function loginsWritten(raw: unknown): Map<string, string> {
    const logins = new Map<string, string>();
    const people = (raw as { people?: unknown } | null)?.people;
    for (const person of Array.isArray(people) ? people : []) {
        const login = (person as { login?: unknown } | null)?.login;
        if (typeof login === "string" && login.trim() !== "" && !logins.has(login.toLowerCase()))
            logins.set(login.toLowerCase(), login);
    }
    return logins;
}

/** zod's issues as problems; an unknown-keys issue lists one message per key (see schema.ts mapping()). */
function problemsOfIssues(issues: readonly z.core.$ZodIssue[]): Problem[] {
    return issues.flatMap((issue) => {
        const path = issue.path as Path;
        if (issue.code !== "unrecognized_keys") return [{ path, message: issue.message }];
        const messages = issue.message.split("\n");
        return issue.keys.map((key, i) => ({ path: [...path, key], message: messages[i] ?? messages[0] }));
    });
}

/** Where each step of a path is in its mapping or list: keys in the schema's order (the file's), unknown keys after. */
function positions(path: Path, raw: unknown): number[] {
    let schema: z.ZodType | undefined = rosterFileSchema;
    let node = raw;
    return path.map((step) => {
        if (schema instanceof z.ZodDiscriminatedUnion) schema = optionFor(schema, node);
        const keys = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
        const position =
            typeof step === "number"
                ? step
                : keys.includes(step)
                  ? keys.indexOf(step)
                  : keys.length + Object.keys(node ?? {}).indexOf(step);
        schema =
            schema instanceof z.ZodArray
                ? (schema.element as z.ZodType)
                : schema instanceof z.ZodObject
                  ? (schema.shape[step] as z.ZodType | undefined)
                  : undefined;
        node = (node as Record<string | number, unknown> | null | undefined)?.[step];
        return position;
    });
}

/** Problems in the order of their places in the file; problems at one place keep their order. */
function inFileOrder(problems: Problem[], raw: unknown): Problem[] {
    const compare = (a: number[], b: number[]) => {
        for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
        return a.length - b.length;
    };
    return problems
        .map((problem) => ({ problem, at: positions(problem.path, raw) }))
        .sort((a, b) => compare(a.at, b.at))
        .map(({ problem }) => problem);
}

/** "people[1].email" and the message; the file itself when the path is empty. */
function format({ path, message }: Problem): string {
    const where = path
        .map((step, i) => (typeof step === "number" ? `[${step}]` : i === 0 ? step : `.${step}`))
        .join("");
    return `${where || "the team file"} ${message}`;
}
