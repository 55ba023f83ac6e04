// The polling loop of smoke, e2e, bench:alert and the alert-path tests. (A drill's `until` in drills/run.ts keeps
// its own: it observes a timeline each round and fails with the step that came late.)
// Time comes from a clock that tests replace, so nothing in a test waits for real.
import { setTimeout as sleepFor } from "node:timers/promises";
import { describeError } from "./http";

export interface Clock {
    now(): number;
    /** Resolves after `ms`, or early when `signal` aborts. */
    sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
    now: () => Date.now(),
    sleep: (ms, signal) => sleepFor(ms, undefined, { signal }).catch(() => undefined),
};

/** Thrown when the signal aborts a wait (Ctrl-C). */
export class Interrupted extends Error {
    constructor() {
        super("interrupted");
    }
}

export interface PollOptions {
    timeoutMs: number;
    intervalMs: number;
    signal?: AbortSignal;
    clock?: Clock;
    /** An error that waiting longer will not change ends the wait at once; others are retried. */
    isPermanent?: (error: unknown) => boolean;
}

export interface PollResult<T> {
    value?: T;
    /** The last error seen, when the wait ended without a value. */
    lastError?: string;
}

/** Calls `probe` until it returns a value, the deadline passes or a permanent error; never throws but Interrupted. */
export async function poll<T>(
    options: PollOptions,
    probe: () => T | undefined | Promise<T | undefined>,
): Promise<PollResult<T>> {
    const clock = options.clock ?? realClock;
    const deadline = clock.now() + options.timeoutMs;
    let lastError: string | undefined;
    for (;;) {
        if (options.signal?.aborted) throw new Interrupted();
        try {
            const value = await probe();
            if (value !== undefined) return { value };
        } catch (error) {
            if (options.signal?.aborted) throw new Interrupted();
            lastError = describeError(error);
            if (options.isPermanent?.(error)) return { lastError };
        }
        const left = deadline - clock.now();
        if (left <= 0) return { lastError };
        await clock.sleep(Math.min(options.intervalMs, left), options.signal);
    }
}

/** Polls until `probe` returns a value; throws on timeout, and at once on any error from `probe`. */
export async function waitFor<T>(
    description: string,
    probe: () => T | undefined | Promise<T | undefined>,
    timeoutMs: number,
    pollMs = 100,
    clock?: Clock,
): Promise<T> {
    let failure: unknown;
    const isPermanent = (error: unknown) => {
        failure = error;
        return true;
    };
    const result = await poll({ timeoutMs, intervalMs: pollMs, clock, isPermanent }, probe);
    if (result.value !== undefined) return result.value;
    if (failure !== undefined) throw failure;
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
}
