// The drill's report: the headline figures (time to fire, to page, to acknowledge, to resolve), each stage against
// its bound, written as Markdown and JSON, and the drill's marks on the "From alert to person" dashboard.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DASHBOARD_UID } from "../../monitoring/dashboard";
import { describeError } from "../shared/http";
import type { DrillLab } from "./probes";
import type { DrillResult } from "./run";
import { minutesAndSeconds, type StageKey } from "./timeline";

export interface StageRow {
    stage: string;
    /** Seconds since the fault; undefined when it never came. */
    afterSeconds?: number;
    boundSeconds?: number;
    /** "ok", "LATE", "missing" (bounded, never came) or "-" (no bound). */
    verdict: string;
    detail: string;
    why?: string;
}

export interface DrillReport {
    drill: string;
    runId: string;
    fault: string;
    startedAt?: string;
    alertGroup?: { id: string; link?: string };
    outcome: string;
    /** Seconds. */
    figures: { toFire?: number; toPage?: number; toAcknowledge?: number; toResolve?: number };
    stages: StageRow[];
    cleanup: string[];
}

const secondsOf = (ms: number | undefined) => (ms === undefined ? undefined : Math.round(ms / 100) / 10);

export function buildReport(result: DrillResult): DrillReport {
    const timeline = result.timeline;
    const at = (key: StageKey) => timeline?.seen(key)?.atMs;
    const page = at("notified") ?? at("opened");
    const between = (from?: number, to?: number) =>
        from === undefined || to === undefined ? undefined : secondsOf(to - from);
    const stages: StageRow[] = [];
    for (const spec of timeline?.stages ?? []) {
        const events = timeline!.events.filter((event) => event.key === spec.key);
        const first = events[0];
        const verdict = first
            ? first.late
                ? "LATE"
                : spec.boundMs === undefined
                  ? "-"
                  : "ok"
            : spec.boundMs === undefined || (spec.key === "resolved" && !at("removed"))
              ? "-"
              : "missing";
        const bound =
            spec.boundMs === undefined
                ? undefined
                : spec.boundMs / 1000 +
                  (spec.key === "resolved" && at("removed") !== undefined
                      ? secondsOf(at("removed")! - timeline!.faultAtMs)!
                      : 0);
        stages.push({
            stage: spec.title,
            afterSeconds: secondsOf(first?.afterMs),
            boundSeconds: bound,
            verdict,
            detail: events.map((event) => event.detail).join("; "),
            why: spec.why,
        });
    }
    return {
        drill: result.drill,
        runId: result.runId,
        fault: result.fault,
        startedAt: timeline ? new Date(timeline.faultAtMs).toISOString() : undefined,
        alertGroup: result.group ? { id: result.group.id, link: result.group.link } : undefined,
        outcome:
            result.failure === undefined
                ? stages.some((row) => row.verdict !== "ok" && row.verdict !== "-")
                    ? "passed, with late stages"
                    : "passed"
                : `FAILED: ${result.failure}`,
        figures: {
            toFire: between(timeline?.faultAtMs, at("firing")),
            toPage: between(timeline?.faultAtMs, page),
            toAcknowledge: between(page, at("acknowledged")),
            toResolve: between(at("removed"), at("resolved")),
        },
        stages,
        cleanup: result.cleanup,
    };
}

const shown = (value?: number) => (value === undefined ? "-" : minutesAndSeconds(value * 1000));
const cell = (text: string) => text.replace(/\|/g, "\\|");

export function reportMarkdown(report: DrillReport): string {
    const { figures } = report;
    return [
        `## Drill ${report.drill} (${report.runId})`,
        "",
        `Fault: ${report.fault}. Started ${report.startedAt ?? "-"}. Outcome: **${report.outcome}**.`,
        report.alertGroup
            ? `Alert group: ${report.alertGroup.link ?? report.alertGroup.id}`
            : "No alert group was seen.",
        "",
        "| time to fire | to page | to acknowledge (from the page) | to resolve (from the fault's removal) |",
        "| ---: | ---: | ---: | ---: |",
        `| ${shown(figures.toFire)} | ${shown(figures.toPage)} | ${shown(figures.toAcknowledge)} | ${shown(figures.toResolve)} |`,
        "",
        "| stage | after the fault | bound | verdict | detail |",
        "| --- | ---: | ---: | --- | --- |",
        ...report.stages.map(
            (row) =>
                `| ${row.stage} | ${shown(row.afterSeconds)} | ${shown(row.boundSeconds)} | ${row.verdict} | ${cell(row.detail)} |`,
        ),
        "",
        `Cleanup: ${report.cleanup.length > 0 ? report.cleanup.join("; ") : "nothing to undo"}.`,
        "",
    ].join("\n");
}

/** `<dir>/<drill>-<runId>.md` and `.json`; answers both paths. */
export function writeReport(dir: string, report: DrillReport): string[] {
    mkdirSync(dir, { recursive: true });
    const base = join(dir, `${report.drill}-${report.runId}`);
    writeFileSync(`${base}.md`, reportMarkdown(report));
    writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
    return [`${base}.md`, `${base}.json`];
}

/** Marks the drill on the dashboard: fault injected, paged, acknowledged, resolved. Answers a warning per failed mark. */
export async function annotate(lab: DrillLab, result: DrillResult): Promise<string[]> {
    const timeline = result.timeline;
    if (!timeline) return [];
    const page = timeline.seen("notified") ?? timeline.seen("opened");
    const marks: [string, number | undefined][] = [
        [`fault injected: ${result.fault}`, timeline.faultAtMs],
        [`paged: ${page?.detail ?? ""}`, page?.atMs],
        [`acknowledged ${timeline.seen("acknowledged")?.detail ?? ""}`, timeline.seen("acknowledged")?.atMs],
        ["resolved", timeline.seen("resolved")?.atMs],
    ];
    const warnings: string[] = [];
    for (const [text, atMs] of marks) {
        if (atMs === undefined) continue;
        await lab
            .annotate(DASHBOARD_UID, atMs, `drill ${result.drill} (${result.runId}): ${text.trim()}`, [
                "oncall-lab-drill",
                result.drill,
            ])
            .catch((error: unknown) => {
                warnings.push(`could not mark "${text.split(":")[0]}" on the dashboard: ${describeError(error)}`);
            });
    }
    return warnings;
}
