// The lab's one duration grammar, for its config, its alert settings and its team file: Prometheus' (prometheus/common
// model.ParseDuration, which Alertmanager uses): whole numbers, each followed by one of y, w, d, h, m, s, ms, the
// units largest first and each at most once ("1h30m", not "30m1h" or "1.5h"), or a bare "0". vmalert reads `for:`
// with metricsql.DurationValue, which accepts all of these and more (any order, fractions), so every duration the
// lab accepts is one that vmalert and Alertmanager accept too.
import { echo } from "./echo";

/** Milliseconds per unit, largest first: the order the grammar requires. */
const UNIT_MS = [
    ["y", 365 * 86_400_000],
    ["w", 7 * 86_400_000],
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1],
] as const;

/** The grammar as a regular expression (also the `pattern` of the team file's JSON schema). */
export const DURATION_PATTERN = `^(0|(?=\\d)${UNIT_MS.map(([unit]) => `(\\d+${unit})?`).join("")})$`;
const DURATION = new RegExp(DURATION_PATTERN);
const PART = /(\d+)(ms|[ywdhms])/g;

/** Prometheus refuses more than a Go time.Duration holds: 2^63-1 nanoseconds, about 292 years. */
const MAX_MS = Math.floor((2 ** 63 - 1) / 1e6);
const LIMIT = "293y";

const UNITS_RULE = `whole numbers with units ${UNIT_MS.map(([unit]) => unit).join(", ")}, largest first, each at most once`;
const EXAMPLES = "30s, 5m or 1h30m";

/** Milliseconds in a duration, or undefined if it is not one (or longer than Prometheus holds). */
export function parseDuration(value: unknown): number | undefined {
    if (typeof value !== "string" || !DURATION.test(value)) return undefined;
    let ms = 0;
    for (const [, amount, unit] of value.matchAll(PART)) ms += Number(amount) * UNIT_MS.find(([u]) => u === unit)![1];
    return ms <= MAX_MS ? ms : undefined;
}

/** Why a value is not a duration, completing "<key> ...", or undefined if it is one. */
export function durationProblem(value: unknown): string | undefined {
    if (parseDuration(value) !== undefined) return undefined;
    const got = echo(value);
    return typeof value === "string" && DURATION.test(value)
        ? `must be shorter than ${LIMIT}, the longest duration Prometheus holds (got ${got})`
        : `must be a duration such as ${EXAMPLES} (${UNITS_RULE}; got ${got})`;
}

/** Seconds in a duration ("500ms" is 0.5); throws an Error saying what is accepted. */
export function durationSeconds(duration: string): number {
    const ms = parseDuration(duration);
    if (ms === undefined)
        throw new Error(
            `"${duration}" is not a Prometheus duration: use ${UNITS_RULE}, such as ${EXAMPLES}, shorter than ${LIMIT}`,
        );
    return ms / 1000;
}

/** A number of seconds in the grammar, largest units first: 90 -> "1m30s", 86400 -> "1d", 0 -> "0s". */
export function formatDuration(seconds: number): string {
    let ms = Math.round(seconds * 1000);
    if (ms === 0) return "0s";
    let text = "";
    for (const [unit, size] of UNIT_MS) {
        if (ms >= size) text += `${Math.floor(ms / size)}${unit}`;
        ms %= size;
    }
    return text;
}
