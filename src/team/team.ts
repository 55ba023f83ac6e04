// The on-call team as data (values/oncall-team.yaml): people, one rotation and the escalation chain for paging
// alerts, validated before any resource is declared. Every problem is collected and reported at once, each named
// by its path in the file. Pure: the program turns the result into Grafana users and OnCall objects.
// Rule and step type names are OnCall's own public API names, so that users can look them up; the limits checked
// here are those of Grafana OnCall OSS 1.16.9.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { ESCALATION_STEP_TYPES, ESCALATION_WAIT_SECONDS, NOTIFICATION_RULE_TYPES, PERSONAL_WAIT_SECONDS } from "../oncall/vocabulary";

export type NotificationRule =
    | { type: "notify_by_email" | "notify_by_telegram"; important: boolean }
    | { type: "wait"; durationSeconds: number };

export interface Person {
    login: string;
    name: string;
    email: string;
    notificationRules: NotificationRule[];
}

export interface Rotation {
    name: string;
    timeZone: string;
    /** The first handoff: local "YYYY-MM-DDTHH:MM:SS" in timeZone, not in the future. */
    start: string;
    frequency: "hourly" | "daily" | "weekly";
    interval: number;
    /** Always frequency x interval: shifts follow each other without gaps. */
    shiftSeconds: number;
    /** Logins, in handoff order. */
    people: string[];
}

export type EscalationStep =
    | { type: "notify_on_call_from_schedule" }
    | { type: "wait"; durationSeconds: number }
    | { type: "notify_persons"; logins: string[] }
    | { type: "repeat_escalation" };

export interface Team {
    people: Person[];
    rotation: Rotation;
    escalation: { name: string; steps: EscalationStep[] };
}

export class TeamError extends Error {
    constructor(readonly problems: string[], source = "on-call team") {
        super(`invalid ${source}:\n  - ${problems.join("\n  - ")}`);
        this.name = "TeamError";
    }
}

export const DEFAULT_TEAM_FILE = path.join(__dirname, "..", "..", "values", "oncall-team.yaml");

/** Reads and validates a team file (YAML); problems, including YAML syntax errors, name the file. */
export function loadTeamFile(file: string = DEFAULT_TEAM_FILE, now: Date = new Date()): Team {
    const source = `on-call team file ${path.relative(process.cwd(), file) || file}`;
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new TeamError([`cannot read the file: ${(err as Error).message}`], source);
    }
    // parseDocument keeps going after an error, so every syntax error (duplicate keys included) is reported.
    const doc = parseDocument(text);
    if (doc.errors.length > 0) throw new TeamError(doc.errors.map((e) => e.message), source);
    try {
        return validateTeam(doc.toJS(), now);
    } catch (err) {
        if (err instanceof TeamError) throw new TeamError(err.problems, source);
        throw err;
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

// --- OnCall 1.16.9 vocabulary and limits --------------------------------------------------------------------

// The lab's subset of OnCall's vocabulary (src/oncall/vocabulary.ts has OnCall's full lists and limits).
const STEP_TYPES = ["notify_on_call_from_schedule", "wait", "notify_persons", "repeat_escalation"] as const;
const NOTIFY_STEP_TYPES: readonly string[] = ["notify_on_call_from_schedule", "notify_persons"];
const RULE_TYPES = ["notify_by_email", "notify_by_telegram", "wait"] as const;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };
// Go-style durations with whole numbers, plus d and w (which Go lacks): 30s, 5m, 1h30m, 1d, 2w.
const DURATION = /^(\d+[smhdw])+$/;
// Grafana itself only requires a login to be non-empty and unique (case-insensitively); this is the portable
// subset: lowercase, no '@' (Grafana matches logins against e-mails too), no spaces.
const LOGIN = /^[a-z][a-z0-9._-]{0,39}$/;
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
// The format OnCall's shift serializer parses start with: time.strptime(value, "%Y-%m-%dT%H:%M:%S").
const LOCAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;
// The lab's Grafana admin user already has this login.
const RESERVED_LOGINS = ["admin"];

function parseDuration(text: string): number | undefined {
    if (!DURATION.test(text)) return undefined;
    let seconds = 0;
    for (const [, n, unit] of text.matchAll(/(\d+)([smhdw])/g)) seconds += Number(n) * UNIT_SECONDS[unit];
    return seconds;
}

/**
 * Shift length -> OnCall rolling_users shift. frequency is the largest of weeks, days and hours that divides the
 * length; interval counts those units; the shift lasts the whole period, so each handoff is the next one's start:
 * 8h -> hourly x8, 1d (or 24h) -> daily x1, 36h -> hourly x36, 2w -> weekly x2. OnCall's serializer
 * (engine/apps/public_api/serializers/on_call_shifts.py) accepts hourly, daily, weekly (and monthly, which has no
 * fixed length) with a positive integer interval; daily and weekly handoffs keep their local time across DST.
 */
function shiftFromSeconds(seconds: number): Pick<Rotation, "frequency" | "interval" | "shiftSeconds"> | undefined {
    if (seconds <= 0 || seconds % 3600 !== 0) return undefined;
    const frequency = seconds % UNIT_SECONDS.w === 0 ? "weekly" : seconds % UNIT_SECONDS.d === 0 ? "daily" : "hourly";
    const unit = { weekly: UNIT_SECONDS.w, daily: UNIT_SECONDS.d, hourly: UNIT_SECONDS.h }[frequency];
    return { frequency, interval: seconds / unit, shiftSeconds: seconds };
}

export function isTimeZone(timeZone: string): boolean {
    // Offsets such as +01:00 are not zone names (newer Intl accepts them, OnCall's pytz does not).
    if (!/^[A-Za-z]/.test(timeZone)) return false;
    try {
        new Intl.DateTimeFormat("en-US", { timeZone });
        return true;
    } catch {
        return false;
    }
}

/** Milliseconds the zone's wall clock is ahead of UTC at an instant. */
function zoneOffsetMs(instant: number, timeZone: string): number {
    const parts = new Intl.DateTimeFormat("en-US", {
        timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
    }).formatToParts(new Date(instant));
    const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)!.value);
    const wall = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
    return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant of a local "YYYY-MM-DDTHH:MM:SS" in a time zone, or a reason why there is none (not a date, or a
 * time skipped by a daylight-saving change).
 */
export function localTimeToInstant(local: string, timeZone: string): Date | string {
    const m = LOCAL_DATETIME.exec(local);
    if (!m) return 'must be a local date and time "YYYY-MM-DDTHH:MM:SS", without offset';
    const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
    const wall = Date.UTC(year, month - 1, day, hour, minute, second);
    const check = new Date(wall);
    if (year < 1970 || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
        return "is not a valid date and time";
    }
    // Two passes settle on the offset in force at that local time; a wall time that does not round-trip fell
    // into a daylight-saving gap.
    let instant = wall - zoneOffsetMs(wall, timeZone);
    instant = wall - zoneOffsetMs(instant, timeZone);
    if (instant + zoneOffsetMs(instant, timeZone) !== wall) return `does not exist in ${timeZone} (skipped by a daylight-saving change)`;
    return new Date(instant);
}

// --- validation ---------------------------------------------------------------------------------------------

const TOP_KEYS = ["people", "rotation", "escalation"];
const PERSON_KEYS = ["login", "name", "email", "notificationRules"];
const ROTATION_KEYS = ["name", "timeZone", "start", "shift", "people"];
const ESCALATION_KEYS = ["name", "steps"];
// Keys each type takes besides `type`.
const RULE_KEYS: Record<string, string[]> = { notify_by_email: [], notify_by_telegram: [], wait: ["duration"] };
const STEP_KEYS: Record<string, string[]> = {
    notify_on_call_from_schedule: [], wait: ["duration"], notify_persons: ["persons"], repeat_escalation: [],
};

type Fields = Record<string, unknown>;

/** Validates a parsed team file; throws one TeamError listing every problem. `now` is when the rotation must have started. */
export function validateTeam(raw: unknown, now: Date = new Date()): Team {
    const problems: string[] = [];
    const problem = (where: string, what: string) => problems.push(`${where || "the team file"} ${what}`);
    const at = (where: string, key: string) => (where ? `${where}.${key}` : key);
    const show = (value: unknown) => JSON.stringify(value) ?? String(value);

    /** An object with only the given keys (unknown ones are reported), or undefined (reported) if it is not an object. */
    const object = (value: unknown, where: string, keys: readonly string[]): Fields | undefined => {
        if (value === undefined || value === null) {
            problem(where, where ? "is required" : "is empty");
            return undefined;
        }
        if (typeof value !== "object" || Array.isArray(value)) {
            problem(where, `must be a mapping (got ${show(value)})`);
            return undefined;
        }
        for (const key of Object.keys(value)) {
            if (!keys.includes(key)) problem(at(where, key), `is not a known key (known: ${keys.join(", ")})`);
        }
        return value as Fields;
    };
    const text = (fields: Fields, key: string, where: string): string => {
        const value = fields[key];
        if (typeof value === "string" && value.trim() !== "") return value;
        problem(at(where, key), value === undefined ? "is required" : `must be a non-empty string (got ${show(value)})`);
        return "";
    };
    const list = (fields: Fields, key: string, where: string): unknown[] => {
        const value = fields[key];
        if (Array.isArray(value)) return value;
        problem(at(where, key), value === undefined ? "is required" : `must be a list (got ${show(value)})`);
        return [];
    };
    const duration = (fields: Fields, where: string): number => {
        const value = fields.duration;
        const seconds = typeof value === "string" ? parseDuration(value) : undefined;
        if (seconds === undefined) {
            problem(`${where}.duration`, value === undefined ? "is required" : `must be a duration such as 5m or 1h (got ${show(value)})`);
        }
        return seconds ?? 0;
    };
    /** The type of a rule or step: one this lab supports, or a message saying what is accepted. */
    const typeOf = <T extends string>(fields: Fields, where: string, supported: readonly T[], oncallTypes: readonly string[], keys: Record<string, string[]>): T | undefined => {
        const type = fields.type;
        const accepted = `accepted: ${supported.join(", ")}`;
        if (typeof type !== "string") {
            problem(`${where}.type`, type === undefined ? `is required (${accepted})` : `must be a string (${accepted})`);
            return undefined;
        }
        if (!(supported as readonly string[]).includes(type)) {
            problem(`${where}.type`, oncallTypes.includes(type)
                ? `"${type}" is an OnCall type this lab's team file does not support (${accepted})`
                : `"${type}" is not accepted by OnCall 1.16.9 (${accepted})`);
            return undefined;
        }
        for (const key of Object.keys(fields)) {
            if (key !== "type" && !keys[type].includes(key)) problem(`${where}.${key}`, `is not a key of type ${type} (it takes: ${["type", ...keys[type]].join(", ")})`);
        }
        return type as T;
    };

    const top = object(raw, "", TOP_KEYS);
    if (!top) throw new TeamError(problems);

    // People.
    const people: Person[] = [];
    const logins = new Map<string, number>();
    // Every login written, valid or not, so that a bad login is reported once and not again where it is used.
    const declared = new Map<string, string>();
    const emails = new Map<string, number>();
    const rawPeople = list(top, "people", "");
    if (Array.isArray(top.people) && rawPeople.length === 0) problem("people", "must list at least one person");
    rawPeople.forEach((entry, i) => {
        const where = `people[${i}]`;
        const fields = object(entry, where, PERSON_KEYS);
        if (!fields) return;
        const login = text(fields, "login", where);
        if (login && !declared.has(login.toLowerCase())) declared.set(login.toLowerCase(), login);
        if (login && !LOGIN.test(login)) {
            problem(`${where}.login`, `must be a Grafana login of lowercase letters, digits, '.', '_' or '-', starting with a letter, at most 40 characters (got "${login}")`);
        } else if (RESERVED_LOGINS.includes(login)) {
            problem(`${where}.login`, `"${login}" is the lab's Grafana admin user: choose another login`);
        } else if (login) {
            // Grafana compares logins and e-mails case-insensitively.
            const first = logins.get(login.toLowerCase());
            if (first !== undefined) problem(`${where}.login`, `"${login}" is already the login of people[${first}]`);
            else logins.set(login.toLowerCase(), i);
        }
        const name = text(fields, "name", where);
        const email = text(fields, "email", where);
        if (email && !EMAIL.test(email)) {
            problem(`${where}.email`, `must be an e-mail address such as ${login || "alice"}@oncall-lab.test (got "${email}")`);
        } else if (email) {
            const first = emails.get(email.toLowerCase());
            if (first !== undefined) problem(`${where}.email`, `"${email}" is already the e-mail of people[${first}]`);
            else emails.set(email.toLowerCase(), i);
        }
        const notificationRules: NotificationRule[] = [];
        const rawRules = list(fields, "notificationRules", where);
        if (Array.isArray(fields.notificationRules) && rawRules.length === 0) {
            problem(`${where}.notificationRules`, "must list at least one rule, such as { type: notify_by_email }");
        }
        rawRules.forEach((ruleEntry, j) => {
            const ruleWhere = `${where}.notificationRules[${j}]`;
            const rule = object(ruleEntry, ruleWhere, ["type", "duration"]);
            if (!rule) return;
            const type = typeOf(rule, ruleWhere, RULE_TYPES, NOTIFICATION_RULE_TYPES, RULE_KEYS);
            if (type === "wait") {
                const seconds = duration(rule, ruleWhere);
                if (seconds && !PERSONAL_WAIT_SECONDS.includes(seconds)) {
                    problem(`${ruleWhere}.duration`, `must be one of 1m, 5m, 15m, 30m, 1h: the waits OnCall 1.16.9 offers in personal rules (got "${String(rule.duration)}")`);
                }
                notificationRules.push({ type, durationSeconds: seconds });
            } else if (type) {
                // The file lists each person's default rules; the lab's escalation steps are not "important".
                notificationRules.push({ type, important: false });
            }
        });
        // Judged only when every rule is readable, so that one mistake is not reported twice.
        const last = notificationRules.length - 1;
        if (notificationRules.length === rawRules.length && last >= 0) {
            if (notificationRules[0].type === "wait") problem(`${where}.notificationRules[0]`, "must be a notify rule: a leading wait only delays the first notification");
            if (last > 0 && notificationRules[last].type === "wait") problem(`${where}.notificationRules[${last}]`, "must be a notify rule: a wait at the end does nothing");
        }
        people.push({ login, name, email, notificationRules });
    });

    const knownLogin = (value: unknown, where: string): string | undefined => {
        if (typeof value !== "string") {
            problem(where, `must be a login (got ${show(value)})`);
            return undefined;
        }
        const login = declared.get(value.toLowerCase());
        if (login === undefined) problem(where, `"${value}" is not in people (known: ${[...declared.values()].join(", ") || "none"})`);
        return login;
    };

    // Rotation.
    const rotation: Rotation = { name: "", timeZone: "", start: "", frequency: "daily", interval: 1, shiftSeconds: 86400, people: [] };
    const rot = object(top.rotation, "rotation", ROTATION_KEYS);
    if (rot) {
        rotation.name = text(rot, "name", "rotation");
        rotation.timeZone = text(rot, "timeZone", "rotation");
        const zoneOk = rotation.timeZone !== "" && isTimeZone(rotation.timeZone);
        if (rotation.timeZone && !zoneOk) problem("rotation.timeZone", `must be an IANA time zone such as Europe/Berlin or UTC (got "${rotation.timeZone}")`);
        rotation.start = text(rot, "start", "rotation");
        if (rotation.start) {
            const instant = localTimeToInstant(rotation.start, zoneOk ? rotation.timeZone : "UTC");
            if (typeof instant === "string") {
                problem("rotation.start", `${instant} (got "${rotation.start}")`);
            } else if (zoneOk && instant.getTime() > now.getTime()) {
                problem("rotation.start", `must not be in the future, or nobody is on call until then (got "${rotation.start}" in ${rotation.timeZone}, which is ${instant.toISOString()}; now is ${now.toISOString()})`);
            }
        }
        const seconds = typeof rot.shift === "string" ? parseDuration(rot.shift) : undefined;
        const shift = seconds === undefined ? undefined : shiftFromSeconds(seconds);
        if (shift) Object.assign(rotation, shift);
        else problem("rotation.shift", rot.shift === undefined ? "is required (such as 1d)" : `must be a whole number of hours, days or weeks such as 12h, 1d or 1w (got ${show(rot.shift)})`);
        const rawRotationPeople = list(rot, "people", "rotation");
        if (Array.isArray(rot.people) && rawRotationPeople.length === 0) problem("rotation.people", "must list at least one login: an empty rotation pages nobody");
        rawRotationPeople.forEach((value, i) => {
            const login = knownLogin(value, `rotation.people[${i}]`);
            if (login) rotation.people.push(login);
        });
    }

    // Escalation chain.
    const escalation: Team["escalation"] = { name: "", steps: [] };
    const esc = object(top.escalation, "escalation", ESCALATION_KEYS);
    if (esc) {
        escalation.name = text(esc, "name", "escalation");
        const { steps } = escalation;
        const rawSteps = list(esc, "steps", "escalation");
        if (Array.isArray(esc.steps) && rawSteps.length === 0) problem("escalation.steps", "must list at least one step");
        rawSteps.forEach((entry, i) => {
            const where = `escalation.steps[${i}]`;
            const fields = object(entry, where, ["type", "duration", "persons"]);
            if (!fields) return;
            const type = typeOf(fields, where, STEP_TYPES, ESCALATION_STEP_TYPES, STEP_KEYS);
            if (type === "wait") {
                const seconds = duration(fields, where);
                if (seconds && (seconds < ESCALATION_WAIT_SECONDS.min || seconds > ESCALATION_WAIT_SECONDS.max)) {
                    problem(`${where}.duration`, `must be from 1m to 24h, the range OnCall 1.16.9 accepts for escalation waits (got "${String(fields.duration)}")`);
                }
                steps.push({ type, durationSeconds: seconds });
            } else if (type === "notify_persons") {
                const stepLogins: string[] = [];
                const rawLogins = list(fields, "persons", where);
                if (Array.isArray(fields.persons) && rawLogins.length === 0) problem(`${where}.persons`, "must list at least one login");
                rawLogins.forEach((value, j) => {
                    const login = knownLogin(value, `${where}.persons[${j}]`);
                    if (login && stepLogins.includes(login)) problem(`${where}.persons[${j}]`, `"${login}" is listed twice`);
                    else if (login) stepLogins.push(login);
                });
                steps.push({ type, logins: stepLogins });
            } else if (type === "repeat_escalation") {
                // OnCall restarts the chain from its first step, at most 5 times, then carries on after this step.
                if (!steps.some((step) => step.type === "wait")) problem(where, "would repeat the chain at once: put a wait step before repeat_escalation");
                steps.push({ type });
            } else if (type) {
                steps.push({ type });
            }
        });
        // Judged only when every step is readable, so that a mistyped notify step is not reported twice.
        if (steps.length === rawSteps.length && steps.length > 0 && !steps.some((step) => NOTIFY_STEP_TYPES.includes(step.type))) {
            problem("escalation.steps", "must notify someone: add a notify_on_call_from_schedule or notify_persons step");
        }
    }

    if (problems.length > 0) throw new TeamError(problems);
    return { people, rotation, escalation };
}
