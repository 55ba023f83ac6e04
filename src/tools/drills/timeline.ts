// The live timeline of a drill: one line per stage as it is seen, with the time since the fault, and a line
// for each stage that has not come within its bound, naming what to look at.
import { seconds } from "../shared/cli";

export type StageKey =
    | "injected"
    | "pending"
    | "firing"
    | "sent"
    | "opened"
    | "notified"
    | "escalated"
    | "acknowledged"
    | "removed"
    | "resolved";

export interface StageSpec {
    key: StageKey;
    title: string;
    /** How long after the fault (or after its removal, for `resolved`) the stage may come at most; none: no bound. */
    boundMs?: number;
    /** Where the bound comes from. */
    why?: string;
    /** What to look at when the stage is late. */
    lookAt?: string;
}

export interface TimelineEvent {
    key: StageKey;
    title: string;
    /** Wall time of the stage (from the source when it says: vmalert's activeAt, OnCall's created_at, Mailpit's Created). */
    atMs: number;
    /** Since the fault. */
    afterMs: number;
    detail: string;
    boundMs?: number;
    late: boolean;
}

export const minutesAndSeconds = (ms: number): string => {
    const total = Math.round(ms / 1000);
    return total < 60 ? `${total} s` : `${Math.floor(total / 60)} min${total % 60 ? ` ${total % 60} s` : ""}`;
};

export class Timeline {
    readonly events: TimelineEvent[] = [];
    readonly lateStages: StageKey[] = [];
    removedAtMs?: number;

    constructor(
        readonly stages: StageSpec[],
        readonly faultAtMs: number,
        private readonly out: (line: string) => void,
    ) {}

    seen(key: StageKey): TimelineEvent | undefined {
        return this.events.find((event) => event.key === key);
    }

    spec(key: StageKey): StageSpec | undefined {
        return this.stages.find((stage) => stage.key === key);
    }

    /** When the stage is due at the latest; undefined while it has no start (resolve before the removal) or no bound. */
    deadline(spec: StageSpec): number | undefined {
        if (spec.boundMs === undefined) return undefined;
        const start = spec.key === "resolved" ? this.removedAtMs : this.faultAtMs;
        return start === undefined ? undefined : start + spec.boundMs;
    }

    record(key: StageKey, atMs: number, detail: string): void {
        if (key === "removed") this.removedAtMs = atMs;
        const spec = this.spec(key);
        const deadline = spec ? this.deadline(spec) : undefined;
        const title = spec?.title ?? key;
        // Only a stage's first event is held to its bound (a second e-mail later is the chain's doing, not a delay).
        const late = deadline !== undefined && atMs > deadline && !this.seen(key);
        const event = { key, title, atMs, afterMs: atMs - this.faultAtMs, detail, boundMs: spec?.boundMs, late };
        this.events.push(event);
        this.out(
            `${`+${seconds(event.afterMs)}`.padStart(10)}  ${title.padEnd(30)} ${detail}${late ? `  (LATE: bound ${minutesAndSeconds(spec!.boundMs!)})` : ""}`,
        );
    }

    /** Names each stage past its bound, once; `lastErrors` adds what the lab last answered for it. */
    checkLate(nowMs: number, lastErrors: Partial<Record<StageKey, string>> = {}): void {
        for (const spec of this.stages) {
            const deadline = this.deadline(spec);
            if (
                deadline === undefined ||
                nowMs <= deadline ||
                this.seen(spec.key) ||
                this.lateStages.includes(spec.key)
            )
                continue;
            this.lateStages.push(spec.key);
            const error = lastErrors[spec.key] ? ` (last answer: ${lastErrors[spec.key]})` : "";
            this.out(
                `${`+${seconds(nowMs - this.faultAtMs)}`.padStart(10)}  LATE: ${spec.title}: not within ${minutesAndSeconds(spec.boundMs!)}${error}; look at ${spec.lookAt ?? "the lab"}`,
            );
        }
    }
}
