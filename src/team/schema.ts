// The team file's shape as a zod schema: keys, types and the checks of single values, each message naming what
// is accepted. z.infer gives the file's TypeScript types, z.toJSONSchema the schema editors check the file with
// (values/oncall-team.schema.json, `npm run schema:team`); what needs several values is in rules.ts.
import { z } from "zod";
import {
    ESCALATION_CHAIN_NAME_MAX,
    ESCALATION_STEP_TYPES,
    ESCALATION_WAIT_SECONDS,
    GRAFANA_USER_EMAIL_MAX,
    GRAFANA_USER_NAME_MAX,
    NOTIFICATION_RULE_TYPES,
    ONCALL_USER_EMAIL_MAX,
    ONCALL_USER_NAME_MAX,
    PERSONAL_WAIT_SECONDS,
    SCHEDULE_NAME_MAX,
} from "../oncall/vocabulary";
import { echo } from "../shared/echo";
import { EMAIL_ADDRESS } from "../shared/patterns";
import { DURATION_PATTERN, durationProblem, formatDuration, parseDuration } from "../shared/duration";
import { LOCAL_DATETIME } from "./time";

// Grafana itself only requires a login to be non-empty and unique (case-insensitively); this is the portable
// subset: lowercase, no '@' (Grafana matches logins against e-mails too), no spaces.
const LOGIN = /^[a-z][a-z0-9._-]{0,39}$/;
// The lab's Grafana admin user already has this login.
const RESERVED_LOGINS = ["admin"];
// A person is a Grafana user first (TeamUsers) and an OnCall user from Grafana's: the smaller of the two limits.
const PERSON_NAME_MAX = Math.min(GRAFANA_USER_NAME_MAX, ONCALL_USER_NAME_MAX);
const PERSON_NAME_LIMIT = `Grafana's limit for a user's name (OnCall's is ${ONCALL_USER_NAME_MAX})`;
const PERSON_EMAIL_MAX = Math.min(GRAFANA_USER_EMAIL_MAX, ONCALL_USER_EMAIL_MAX);
const PERSON_EMAIL_LIMIT = `Grafana's limit for e-mails (OnCall's is ${ONCALL_USER_EMAIL_MAX})`;
const HOUR = 3600;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

const show = echo;
const seconds = (duration: string) => parseDuration(duration)! / 1000;

/** "is required" when the key is missing, else what the value must be. */
const required = (must: (input: unknown) => string, missing = "is required") => ({
    error: (issue: { input?: unknown }) => (issue.input === undefined ? missing : must(issue.input)),
});

const text = () =>
    z
        .string(required((input) => `must be a non-empty string (got ${show(input)})`))
        .regex(/\S/, { error: (issue) => `must be a non-empty string (got ${show(issue.input)})`, abort: true });

const list = <T extends z.ZodType>(item: T, empty: string) =>
    z
        .array(
            item,
            required((input) => `must be a list (got ${show(input)})`),
        )
        .min(1, empty);

/** A mapping with only these keys; each unknown key is reported on its own line (see problemsOfIssues). */
function mapping<S extends z.ZodRawShape>(shape: S, unknownKey: (key: string) => string, missing?: string) {
    return z.strictObject(shape, {
        error: (issue) =>
            issue.code === "unrecognized_keys"
                ? issue.keys.map(unknownKey).join("\n")
                : issue.input === undefined || issue.input === null
                  ? (missing ?? "is required")
                  : `must be a mapping (got ${show(issue.input)})`,
    });
}
const knownKeys = (shape: z.ZodRawShape) => () => `is not a known key (known: ${Object.keys(shape).join(", ")})`;

/** A duration in the lab's grammar that `check` accepts (it returns why not, from the value in seconds). */
function duration(check: (seconds: number) => string | undefined) {
    return (
        z
            .string(required((input) => durationProblem(input)!))
            // The pattern is also what the JSON schema gives editors.
            .regex(new RegExp(DURATION_PATTERN), { error: (issue) => durationProblem(issue.input), abort: true })
            .superRefine((value, ctx) => {
                // Past the pattern only a duration too long for Prometheus is left to refuse.
                const problem = durationProblem(value);
                const refused = problem === undefined ? check(seconds(value)) : undefined;
                if (problem ?? refused)
                    ctx.addIssue({ code: "custom", message: problem ?? `${refused} (got ${show(value)})` });
            })
    );
}

/** One type of rule or step: `type` plus its own keys; `known` lists the keys of all types of its list. */
function option<T extends string, S extends z.ZodRawShape>(type: T, shape: S, known: () => readonly string[]) {
    const takes = ["type", ...Object.keys(shape)].join(", ");
    return mapping({ type: z.literal(type), ...shape }, (key) =>
        known().includes(key)
            ? `is not a key of type ${type} (it takes: ${takes})`
            : `is not a known key (known: ${known().join(", ")})`,
    );
}

/** The types this lab supports out of OnCall's, with a message that tells an unsupported OnCall type from a typo. */
function typed<O extends readonly [z.ZodObject, ...z.ZodObject[]]>(options: O, oncallTypes: readonly string[]) {
    const accepted = `accepted: ${options.map((o) => (o.shape.type as z.ZodLiteral<string>).value).join(", ")}`;
    return z.discriminatedUnion("type", options, {
        error: (issue) => {
            if (issue.code !== "invalid_union") return `must be a mapping (got ${show(issue.input)})`;
            const type = (issue.input as { type?: unknown }).type;
            if (type === undefined) return `is required (${accepted})`;
            if (typeof type !== "string") return `must be a string (${accepted})`;
            return oncallTypes.includes(type)
                ? `"${type}" is an OnCall type this lab's team file does not support (${accepted})`
                : `"${type}" is not accepted by OnCall 1.16.9 (${accepted})`;
        },
    });
}
const keysOf = (options: readonly z.ZodObject[]) => [...new Set(options.flatMap((o) => Object.keys(o.shape)))];

const login = () => z.string(required((input) => `must be a login (got ${show(input)})`));
const personalWait = duration((s) =>
    PERSONAL_WAIT_SECONDS.includes(s)
        ? undefined
        : `must be one of ${PERSONAL_WAIT_SECONDS.map(formatDuration).join(", ")}: the waits OnCall 1.16.9 offers in personal rules`,
);
const escalationWait = duration((s) => {
    const { min, max } = ESCALATION_WAIT_SECONDS;
    if (s < min || s > max)
        return `must be from ${formatDuration(min)} to ${formatDuration(max)}, the range OnCall 1.16.9 accepts for escalation waits`;
    // DurationSecondsField drops fractions: timedelta(seconds=int(value)) (engine/common/api_helpers/custom_fields.py).
    return Number.isInteger(s)
        ? undefined
        : "must be whole seconds: OnCall 1.16.9 drops fractions of a second from escalation waits";
});

const ruleOptions = [
    option("notify_by_email", {}, () => ruleKeys),
    option("notify_by_telegram", {}, () => ruleKeys),
    option(
        "wait",
        { duration: personalWait.describe(`One of ${PERSONAL_WAIT_SECONDS.map(formatDuration).join(", ")}.`) },
        () => ruleKeys,
    ),
] as const;
const ruleKeys = keysOf(ruleOptions);

const stepOptions = [
    option("notify_on_call_from_schedule", {}, () => stepKeys),
    option(
        "wait",
        {
            duration: escalationWait.describe(
                `From ${formatDuration(ESCALATION_WAIT_SECONDS.min)} to ${formatDuration(ESCALATION_WAIT_SECONDS.max)}.`,
            ),
        },
        () => stepKeys,
    ),
    option(
        "notify_persons",
        { persons: list(login(), "must list at least one login").describe("Logins from people.") },
        () => stepKeys,
    ),
    option("repeat_escalation", {}, () => stepKeys),
] as const;
const stepKeys = keysOf(stepOptions);

const personShape = {
    login: text()
        .regex(LOGIN, {
            error: (issue) =>
                `must be a Grafana login of lowercase letters, digits, '.', '_' or '-', starting with a letter, at most 40 characters (got ${show(issue.input)})`,
            abort: true,
        })
        .refine((value) => !RESERVED_LOGINS.includes(value), {
            error: (issue) => `${show(issue.input)} is the lab's Grafana admin user: choose another login`,
        })
        .describe("Grafana login: lowercase letters, digits, '.', '_' or '-'."),
    name: text()
        .max(PERSON_NAME_MAX, `must be at most ${PERSON_NAME_MAX} characters: ${PERSON_NAME_LIMIT}`)
        .describe("The name Grafana shows."),
    email: text()
        .regex(EMAIL_ADDRESS, {
            error: (issue) => `must be an e-mail address such as alice@oncall-lab.test (got ${show(issue.input)})`,
            abort: true,
        })
        .max(PERSON_EMAIL_MAX, `must be at most ${PERSON_EMAIL_MAX} characters: ${PERSON_EMAIL_LIMIT}`)
        .describe("Where OnCall's e-mail goes."),
    notificationRules: list(
        typed(ruleOptions, NOTIFICATION_RULE_TYPES),
        "must list at least one rule, such as { type: notify_by_email }",
    ).describe("The person's default notification rules, in order."),
};

/**
 * Shift length -> OnCall rolling_users shift. frequency is the largest of weeks, days and hours that divides the
 * length; interval counts those units; the shift lasts the whole period, so each handoff is the next one's start:
 * 8h -> hourly x8, 1d (or 24h) -> daily x1, 36h -> hourly x36, 2w -> weekly x2. OnCall's serializer
 * (engine/apps/public_api/serializers/on_call_shifts.py) accepts hourly, daily, weekly (and monthly, which has no
 * fixed length) with a positive integer interval; daily and weekly handoffs keep their local time across DST.
 */
export function shiftFromSeconds(shiftSeconds: number) {
    if (!(shiftSeconds > 0) || shiftSeconds % HOUR !== 0) return undefined;
    const frequency = shiftSeconds % WEEK === 0 ? "weekly" : shiftSeconds % DAY === 0 ? "daily" : "hourly";
    const unit = { weekly: WEEK, daily: DAY, hourly: HOUR }[frequency];
    return { frequency, interval: shiftSeconds / unit, shiftSeconds } as const;
}

const SHIFT = "must be a whole number of hours, days or weeks such as 12h, 1d or 1w";
const rotationShape = {
    name: text().max(
        SCHEDULE_NAME_MAX,
        `must be at most ${SCHEDULE_NAME_MAX} characters, OnCall's limit for schedule and shift names`,
    ),
    timeZone: text().describe("IANA time zone name, such as Europe/Berlin or UTC."),
    start: text()
        .regex(LOCAL_DATETIME, {
            error: (issue) =>
                `must be a local date and time "YYYY-MM-DDTHH:MM:SS", without offset (got ${show(issue.input)})`,
        })
        .describe("The first handoff, local time in timeZone, in the past."),
    shift: z
        .string(required((input) => `${SHIFT} (got ${show(input)})`, "is required (such as 1d)"))
        .refine((value) => shiftFromSeconds(parseDuration(value)! / 1000) !== undefined, {
            error: (issue) => `${SHIFT} (got ${show(issue.input)})`,
        })
        .describe("Shift length: hours, days or weeks, such as 12h, 1d or 1w."),
    people: list(login(), "must list at least one login: an empty rotation pages nobody").describe(
        "Logins, in handoff order.",
    ),
};

const escalationShape = {
    name: text().max(
        ESCALATION_CHAIN_NAME_MAX,
        `must be at most ${ESCALATION_CHAIN_NAME_MAX} characters, OnCall's limit for escalation chain names`,
    ),
    steps: list(typed(stepOptions, ESCALATION_STEP_TYPES), "must list at least one step").describe(
        "The escalation chain's steps, in order.",
    ),
};

const rosterShape = {
    people: list(mapping(personShape, knownKeys(personShape)), "must list at least one person"),
    rotation: mapping(rotationShape, knownKeys(rotationShape)),
    escalation: mapping(escalationShape, knownKeys(escalationShape)),
};
export const rosterFileSchema = mapping(rosterShape, knownKeys(rosterShape), "is empty").meta({
    title: "oncall-lab on-call team",
    description:
        "values/oncall-team.yaml: people, their rotation and the escalation chain (Grafana OnCall OSS 1.16.9 types).",
});

/** The team file as written (durations as text). */
export type RosterFile = z.infer<typeof rosterFileSchema>;

/**
 * values/oncall-team.schema.json as `npm run schema:team` writes it: for editors, in draft-07, the draft
 * yaml-language-server checks with. Checks that need code (a wait OnCall offers, known time zones) are not in it.
 */
export function rosterJsonSchemaText(): string {
    return `${JSON.stringify(z.toJSONSchema(rosterFileSchema, { target: "draft-07", io: "input" }), null, 2)}\n`;
}
