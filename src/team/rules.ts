// The team file's checks that need more than one value: who exists, uniqueness, time zones and the start, and
// what makes an escalation chain or a person's rules page someone. Each rule reads the parts of the file that
// passed the schema (so that a bad value is reported once, by the schema) and returns its problems.
import { z } from "zod";
import { cut, echo } from "../shared/echo";
import { isRecord } from "../shared/records";
import { type RosterFile } from "./schema";
import { isTimeZone, localTimeToInstant } from "./time";

export type Path = (string | number)[];
export interface Problem {
    path: Path;
    message: string;
}

/** A value with every part that failed its schema left out. */
export type Readable<T> = T extends readonly (infer E)[]
    ? Array<Readable<E> | undefined>
    : T extends object
      ? { [K in keyof T]?: Readable<T[K]> }
      : T;
export type ReadableRoster = Readable<RosterFile>;

export interface RuleContext {
    now: Date;
    /** Every login written in people, valid or not (so a bad login is reported once), by its lowercase form. */
    logins: ReadonlyMap<string, string>;
}
type Rule = (roster: ReadableRoster, context: RuleContext) => Problem[];

/** The option of a typed union that a value's type selects. */
export function optionFor(union: z.ZodDiscriminatedUnion, value: unknown): z.ZodObject | undefined {
    const key = union.def.discriminator;
    return (union.options as z.ZodObject[]).find(
        (o) => isRecord(value) && (o.shape[key] as z.ZodType).safeParse(value[key]).success,
    );
}

/** The parts of `value` that pass their own part of `schema` (objects, lists and typed unions are taken apart). */
export function readable<S extends z.ZodType>(schema: S, value: unknown): Readable<z.infer<S>> | undefined {
    if (schema instanceof z.ZodObject) {
        if (!isRecord(value)) return undefined;
        return Object.fromEntries(
            Object.entries(schema.shape).map(([key, part]) => [key, readable(part as z.ZodType, value[key])]),
        ) as never;
    }
    if (schema instanceof z.ZodArray)
        return Array.isArray(value)
            ? (value.map((item) => readable(schema.element as z.ZodType, item)) as never)
            : undefined;
    if (schema instanceof z.ZodDiscriminatedUnion) {
        const option = optionFor(schema, value);
        return option ? (readable(option, value) as never) : undefined;
    }
    const result = schema.safeParse(value);
    return result.success ? (result.data as never) : undefined;
}

const each = <T>(items: readonly (T | undefined)[] | undefined) =>
    (items ?? []).flatMap((item, index) => (item === undefined ? [] : [[item, index] as const]));
/** Judged only when every item is readable, so that one mistake is not reported twice. */
const allReadable = <T>(items: readonly (T | undefined)[] | undefined): items is T[] =>
    items !== undefined && items.length > 0 && items.every((item) => item !== undefined);

/** Grafana compares logins and e-mails case-insensitively. */
function unique(field: "login" | "email", what: string): Rule {
    return (roster) => {
        const first = new Map<string, number>();
        return each(roster.people).flatMap(([person, i]) => {
            const value = person[field];
            if (value === undefined) return [];
            const seen = first.get(value.toLowerCase());
            if (seen === undefined) first.set(value.toLowerCase(), i);
            return seen === undefined
                ? []
                : [{ path: ["people", i, field], message: `${echo(value)} is already the ${what} of people[${seen}]` }];
        });
    };
}

const notifyBetweenWaits: Rule = (roster) =>
    each(roster.people).flatMap(([person, i]) => {
        const rules = person.notificationRules;
        if (!allReadable(rules)) return [];
        const path = (j: number): Path => ["people", i, "notificationRules", j];
        const last = rules.length - 1;
        return [
            ...(rules[0].type === "wait"
                ? [
                      {
                          path: path(0),
                          message: "must be a notify rule: a leading wait only delays the first notification",
                      },
                  ]
                : []),
            ...(last > 0 && rules[last].type === "wait"
                ? [{ path: path(last), message: "must be a notify rule: a wait at the end does nothing" }]
                : []),
        ];
    });

const knownTimeZone: Rule = ({ rotation }) =>
    rotation?.timeZone === undefined || isTimeZone(rotation.timeZone)
        ? []
        : [
              {
                  path: ["rotation", "timeZone"],
                  message: `must be an IANA time zone such as Europe/Berlin or UTC (got ${echo(rotation.timeZone)})`,
              },
          ];

/** A start that exists in the zone and has passed, so that someone is on call from the first minute. */
const startedStart: Rule = ({ rotation }, { now }) => {
    const start = rotation?.start;
    if (start === undefined) return [];
    const zone = rotation?.timeZone !== undefined && isTimeZone(rotation.timeZone) ? rotation.timeZone : undefined;
    const instant = localTimeToInstant(start, zone ?? "UTC");
    const path = ["rotation", "start"];
    if (typeof instant === "string") return [{ path, message: `${instant} (got ${echo(start)})` }];
    if (zone === undefined || instant.getTime() <= now.getTime()) return [];
    return [
        {
            path,
            message: `must not be in the future, or nobody is on call until then (got ${echo(start)} in ${zone}, which is ${instant.toISOString()}; now is ${now.toISOString()})`,
        },
    ];
};

/** The problem of a login that names nobody in people, if it does (people that is not a list was reported). */
function unknownLogin(roster: ReadableRoster, login: string, path: Path, { logins }: RuleContext): Problem[] {
    if (roster.people === undefined || logins.has(login.toLowerCase())) return [];
    return [
        {
            path,
            message: `${echo(login)} is not in people (known: ${[...logins.values()].map(cut).join(", ") || "none"})`,
        },
    ];
}

/** Logins of a list that must each name a person of people, once. */
function listedOnce(
    roster: ReadableRoster,
    logins: readonly (string | undefined)[] | undefined,
    at: Path,
    context: RuleContext,
): Problem[] {
    const listed = new Set<string>();
    return each(logins).flatMap(([login, j]) => {
        const path = [...at, j];
        const known = context.logins.get(login.toLowerCase());
        if (known === undefined) return unknownLogin(roster, login, path, context);
        if (listed.has(known)) return [{ path, message: `${echo(known)} is listed twice` }];
        listed.add(known);
        return [];
    });
}

const rotationPeopleExist: Rule = (roster, context) =>
    listedOnce(roster, roster.rotation?.people, ["rotation", "people"], context);

const notifiedPersonsExist: Rule = (roster, context) =>
    each(roster.escalation?.steps).flatMap(([step, i]) =>
        step.type === "notify_persons"
            ? listedOnce(roster, step.persons, ["escalation", "steps", i, "persons"], context)
            : [],
    );

/** OnCall restarts the chain from its first step, at most 5 times, then carries on after this step. */
const waitBeforeRepeat: Rule = ({ escalation }) =>
    each(escalation?.steps).flatMap(([step, i]) =>
        step.type === "repeat_escalation" &&
        !each(escalation?.steps).some(([earlier, j]) => j < i && earlier.type === "wait")
            ? [
                  {
                      path: ["escalation", "steps", i],
                      message: "would repeat the chain at once: put a wait step before repeat_escalation",
                  },
              ]
            : [],
    );

const NOTIFY_STEP_TYPES: readonly (string | undefined)[] = ["notify_on_call_from_schedule", "notify_persons"];
const chainNotifies: Rule = ({ escalation }) =>
    !allReadable(escalation?.steps) || escalation.steps.some((step) => NOTIFY_STEP_TYPES.includes(step.type))
        ? []
        : [
              {
                  path: ["escalation", "steps"],
                  message: `must notify someone: add a ${NOTIFY_STEP_TYPES.join(" or ")} step`,
              },
          ];

export const ROSTER_RULES: readonly Rule[] = [
    unique("login", "login"),
    unique("email", "e-mail"),
    notifyBetweenWaits,
    knownTimeZone,
    startedStart,
    rotationPeopleExist,
    notifiedPersonsExist,
    waitBeforeRepeat,
    chainNotifies,
];
