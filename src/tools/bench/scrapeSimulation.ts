// The `up` series a scraper would write for one target, pushed into VictoriaMetrics: how the alert-path
// tests and `npm run bench:alert` make a target fail without running one.
import { setTimeout as sleep } from "node:timers/promises";

function escapeLabelValue(value: string): string {
    return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Writes one sample through VictoriaMetrics' Prometheus text import, as a scrape would. */
export async function pushSample(
    victoriaMetricsUrl: string,
    metric: string,
    labels: Record<string, string>,
    value: number,
    timestampMs: number,
): Promise<void> {
    const labelText = Object.entries(labels)
        .map(([name, labelValue]) => `${name}="${escapeLabelValue(labelValue)}"`)
        .join(",");
    const response = await fetch(`${victoriaMetricsUrl}/api/v1/import/prometheus`, {
        method: "POST",
        body: `${metric}{${labelText}} ${value} ${timestampMs}\n`,
    });
    if (!response.ok) {
        throw new Error(`VictoriaMetrics import answered ${response.status}: ${await response.text()}`);
    }
    // A brand-new series otherwise stays invisible to queries for several seconds, which would
    // measure VictoriaMetrics' buffering instead of the alert path.
    const flush = await fetch(`${victoriaMetricsUrl}/internal/force_flush`);
    if (!flush.ok) throw new Error(`VictoriaMetrics force_flush answered ${flush.status}`);
}

export interface SimulatedTarget {
    /** The scraper writes up=1 while healthy and up=0 otherwise. */
    setHealthy(healthy: boolean): void;
    /** Timestamp (ms) of the first up=0 sample written, once there is one. */
    firstFailingSampleAt(): number | undefined;
    /** Stops scraping; rethrows the push error that ended scraping early, if any. */
    stop(): Promise<void>;
}

/**
 * Writes the `up` series a scraper would write for one target: the first sample at once, with the
 * target healthy, then one every `intervalMs`.
 */
export function simulateScrapes(
    victoriaMetricsUrl: string,
    targetLabels: Record<string, string>,
    intervalMs: number,
): SimulatedTarget {
    let healthy = true;
    let firstFailureAt: number | undefined;
    let pushError: unknown;
    const stopping = new AbortController();
    const scraping = (async () => {
        while (!stopping.signal.aborted) {
            const scrapedAt = Date.now();
            const value = healthy ? 1 : 0;
            try {
                await pushSample(victoriaMetricsUrl, "up", targetLabels, value, scrapedAt);
            } catch (error) {
                pushError = error;
                return;
            }
            if (value === 0) firstFailureAt ??= scrapedAt;
            await sleep(intervalMs, undefined, { signal: stopping.signal }).catch(() => undefined);
        }
    })();
    return {
        setHealthy: (value) => (healthy = value),
        firstFailingSampleAt: () => firstFailureAt,
        async stop() {
            stopping.abort();
            await scraping;
            if (pushError) throw pushError;
        },
    };
}
