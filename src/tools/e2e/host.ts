// The host under the lab, sampled while the run goes: CPU busy, memory in use, disk in use, and the
// peaks of each, so the job summary says how big a runner the lab needed instead of a guess.
import { readFileSync, statfsSync } from "node:fs";
import { cpus, freemem, totalmem } from "node:os";

export interface HostSample {
    /** Busy share of all cores since the previous sample, 0 to 100. */
    cpuPercent: number;
    memoryUsedBytes: number;
    diskUsedBytes: number;
}

export interface HostReaders {
    /** Summed busy and total CPU times of all cores (any unit). */
    cpuTimes(): { busy: number; total: number };
    memory(): { usedBytes: number; totalBytes: number };
    disk(): { usedBytes: number; totalBytes: number };
    cores(): number;
}

function memAvailable(): number | undefined {
    try {
        const match = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync("/proc/meminfo", "utf8"));
        return match ? Number(match[1]) * 1024 : undefined;
    } catch {
        return undefined;
    }
}

export const realHost: HostReaders = {
    cpuTimes: () =>
        cpus().reduce(
            (sum, cpu) => {
                const { idle, ...busy } = cpu.times;
                const busyMs = Object.values(busy).reduce((a, b) => a + b, 0);
                return { busy: sum.busy + busyMs, total: sum.total + busyMs + idle };
            },
            { busy: 0, total: 0 },
        ),
    // MemAvailable counts the page cache as free, as `free` does; os.freemem would not.
    memory: () => ({ usedBytes: totalmem() - (memAvailable() ?? freemem()), totalBytes: totalmem() }),
    // Docker's images and the kind nodes live on the root filesystem of a hosted runner.
    disk: () => {
        const stats = statfsSync("/");
        return { usedBytes: (stats.blocks - stats.bfree) * stats.bsize, totalBytes: stats.blocks * stats.bsize };
    },
    cores: () => cpus().length,
};

export class HostSampler {
    private timer: NodeJS.Timeout | undefined;
    private lastCpu: { busy: number; total: number };
    readonly peak: HostSample = { cpuPercent: 0, memoryUsedBytes: 0, diskUsedBytes: 0 };
    samples = 0;

    constructor(private readonly readers: HostReaders = realHost) {
        this.lastCpu = readers.cpuTimes();
    }

    sample(): void {
        const cpu = this.readers.cpuTimes();
        const total = cpu.total - this.lastCpu.total;
        const cpuPercent = total > 0 ? (100 * (cpu.busy - this.lastCpu.busy)) / total : 0;
        this.lastCpu = cpu;
        this.peak.cpuPercent = Math.max(this.peak.cpuPercent, cpuPercent);
        this.peak.memoryUsedBytes = Math.max(this.peak.memoryUsedBytes, this.readers.memory().usedBytes);
        this.peak.diskUsedBytes = Math.max(this.peak.diskUsedBytes, this.readers.disk().usedBytes);
        this.samples += 1;
    }

    start(intervalMs: number): void {
        this.timer = setInterval(() => this.sample(), intervalMs);
        this.timer.unref();
    }

    stop(): void {
        clearInterval(this.timer);
        this.sample();
    }

    /** Name and value pairs for the summary. */
    figures(): [string, string][] {
        const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
        return [
            ["cores", String(this.readers.cores())],
            ["peak CPU busy (all cores)", `${this.peak.cpuPercent.toFixed(0)} %`],
            ["peak memory in use", `${gib(this.peak.memoryUsedBytes)} of ${gib(this.readers.memory().totalBytes)}`],
            ["peak disk in use (/)", `${gib(this.peak.diskUsedBytes)} of ${gib(this.readers.disk().totalBytes)}`],
            ["samples", String(this.samples)],
        ];
    }
}
