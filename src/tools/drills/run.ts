// Runs one drill against the running lab: the drill's namespace (made if missing, removed after if it made it),
// the fault, the live timeline until someone acknowledges (or `--ack auto` does), the fault's removal, the resolve.
// Ctrl-C or any failure removes the fault and what the drill made: the lab is left as the drill found it.
import { describeError, isPermanentHttpError } from "../shared/http";
import { type Clock, Interrupted } from "../shared/polling";
import { type Drill, drillNamespace } from "./catalog";
import type { Fault, Kubectl } from "./faults";
import { seconds } from "../shared/cli";
import type { DrillLab, Group, Notification } from "./probes";
import { minutesAndSeconds, type StageKey, Timeline } from "./timeline";

export interface DrillRunOptions {
    /** "auto": acknowledge through OnCall's API once the drill's `ackAfter` stage is seen; "person": wait for someone. */
    ack: "auto" | "person";
    /** How long to wait for the acknowledgement, and then for the resolve. */
    timeoutMs: number;
    /** Unique to the run: the fault's objects carry it, so nothing an earlier drill left can pass for this one. */
    runId: string;
    pollMs: number;
}

export interface DrillDeps {
    lab: DrillLab;
    kubectl: Kubectl;
    /** kubectl for the cleanup (the fault's removal, the namespace), when it differs: the e2e's runs after its stopCommands. */
    cleanupKubectl?: Kubectl;
    clock: Clock;
    out: (line: string) => void;
    /** Settles with a reason to stop now (the first Ctrl-C). */
    interrupted: Promise<string>;
}

export interface DrillResult {
    drill: string;
    runId: string;
    fault: string;
    timeline?: Timeline;
    group?: Group;
    failure?: string;
    /** What the cleanup did, or could not do. */
    cleanup: string[];
}

const mailSkewMs = 2_000;

/** Nothing to undo. */
class Skipped extends Error {}

class Watch {
    group?: Group;
    private acknowledgePosted = false;
    private readonly mailsSeen = new Set<string>();
    private readonly notificationsSeen = new Set<string>();
    /** Why OnCall's record could not be read (said once): the mailbox alone then shows who was paged. */
    private recordUnreadable?: string;
    readonly lastErrors: Partial<Record<StageKey, string>> = {};

    constructor(
        private readonly drill: Drill,
        private readonly fault: Fault,
        private readonly timeline: Timeline,
        private readonly deps: DrillDeps,
        private readonly options: DrillRunOptions,
        /** Alertmanager's notifications before the fault: "sent" is one more. */
        private readonly baseline: number | undefined,
    ) {}

    private async probe(key: StageKey, read: () => Promise<void>): Promise<void> {
        try {
            await read();
            delete this.lastErrors[key];
        } catch (error) {
            if (isPermanentHttpError(error)) throw error;
            this.lastErrors[key] = describeError(error);
        }
    }

    /** One look at the lab: every stage not seen yet. */
    async observe(): Promise<void> {
        const { lab, clock } = this.deps;
        const t = this.timeline;
        const { alertName } = this.drill;
        if (alertName && !t.seen("firing")) {
            await this.probe("pending", async () => {
                const rule = await lab.ruleState(alertName, this.fault.mark);
                if (rule && !t.seen("pending"))
                    t.record("pending", Math.max(rule.activeAtMs ?? clock.now(), t.faultAtMs), `${alertName} pending`);
                if (rule?.state === "firing") t.record("firing", clock.now(), `${alertName} firing`);
            });
        }
        if (this.baseline !== undefined && t.seen("firing") && !t.seen("sent")) {
            await this.probe("sent", async () => {
                const sent = await lab.notificationsSent();
                if (sent > this.baseline!)
                    t.record("sent", clock.now(), `webhook to OnCall (${sent - this.baseline!} since the fault)`);
            });
        }
        if (!this.group) {
            await this.probe("opened", async () => {
                this.group = await lab.findGroup(this.fault.mark, t.faultAtMs);
                if (!this.group) return;
                t.record("opened", this.group.createdMs ?? clock.now(), `alert group ${this.group.id}`);
                const after = lab.urls.mailUrl ? this.drill.ackAfter : "opened";
                const wait =
                    this.options.ack === "auto"
                        ? `--ack auto acknowledges after "${t.spec(after)?.title}"`
                        : "acknowledge it there";
                this.deps.out(
                    `            ${this.group.link ?? `(OnCall gave no link: group ${this.group.id})`}  ${wait}`,
                );
            });
        }
        await this.observeRecord();
        await this.probe("notified", () => this.observeMails());
        if (this.group && (!t.seen("acknowledged") || (t.removedAtMs !== undefined && !t.seen("resolved")))) {
            await this.probe(t.seen("acknowledged") ? "resolved" : "acknowledged", async () => {
                this.group = { ...(await lab.group(this.group!.id)), link: this.group!.link };
                const group = this.group;
                if (group.acknowledgedMs !== undefined && !t.seen("acknowledged"))
                    t.record("acknowledged", group.acknowledgedMs, `by ${group.acknowledgedBy ?? "someone"}`);
                if (group.resolvedMs !== undefined && t.removedAtMs !== undefined && !t.seen("resolved"))
                    t.record("resolved", group.resolvedMs, `alert group ${group.id}`);
            });
        }
        t.checkLate(clock.now(), this.lastErrors);
    }

    /** Each person and channel in OnCall's record of the group, once; on an error the timeline says so once and the mailbox is left. */
    private async observeRecord(): Promise<void> {
        if (!this.group || this.recordUnreadable !== undefined) return;
        let notifications: Notification[];
        try {
            notifications = await this.deps.lab.notifications(this.group.id);
        } catch (error) {
            this.recordUnreadable = describeError(error);
            const fallback = this.deps.lab.urls.mailUrl
                ? "who was paged by e-mail comes from the lab's mailbox alone"
                : "no one's notification can be shown";
            this.deps.out(
                `            OnCall's record of notifications is not readable through Grafana's OnCall plugin (${this.recordUnreadable}): ${fallback}`,
            );
            return;
        }
        for (const notification of notifications) {
            const key = notification.failed ?? `${notification.person} ${notification.channel}`;
            if (this.notificationsSeen.has(key)) continue;
            this.notificationsSeen.add(key);
            if (notification.failed)
                this.deps.out(
                    `${`+${seconds(notification.atMs - this.timeline.faultAtMs)}`.padStart(10)}  OnCall's record: ${notification.failed}`,
                );
            else
                this.timeline.record(
                    "notified",
                    notification.atMs,
                    `${notification.person} by ${notification.channel} (OnCall's record)`,
                );
        }
    }

    private async observeMails(): Promise<void> {
        const t = this.timeline;
        for (const mail of await this.deps.lab.mails(this.fault.mark, t.faultAtMs)) {
            if (this.mailsSeen.has(mail.id)) continue;
            this.mailsSeen.add(mail.id);
            const wait = this.drill.escalationWaitMs;
            const dueAt =
                this.group?.createdMs !== undefined && wait !== undefined ? this.group.createdMs + wait : undefined;
            const expected = this.drill.escalationRecipients;
            const toNextStep =
                expected === undefined || mail.to.some((address) => expected.includes(address.toLowerCase()));
            if (dueAt !== undefined && mail.atMs >= dueAt - mailSkewMs && toNextStep && !t.seen("escalated"))
                t.record("escalated", mail.atMs, `e-mail to ${mail.to.join(", ")}`);
            else t.record("notified", mail.atMs, `${mail.to.join(", ")} by e-mail (in the lab's mailbox)`);
        }
    }

    async acknowledgeIfDue(): Promise<void> {
        // Without the lab's mailbox (smtpHost) no e-mail is seen: the group itself is the page.
        const after = this.deps.lab.urls.mailUrl ? this.drill.ackAfter : "opened";
        if (this.options.ack !== "auto" || this.acknowledgePosted || !this.group || !this.timeline.seen(after)) return;
        this.acknowledgePosted = true;
        await this.deps.lab.acknowledge(this.group.id);
        this.deps.out(`            --ack auto: acknowledged alert group ${this.group.id} through OnCall's API`);
    }
}

/** Polls `watch` until `done`, the time is up (throws `late`) or the drill is interrupted (throws Interrupted). */
async function until(
    watch: Watch,
    deps: DrillDeps,
    signal: AbortSignal,
    pollMs: number,
    deadline: number,
    done: () => boolean,
    late: () => string,
    each?: () => Promise<void>,
) {
    for (;;) {
        if (signal.aborted) throw new Interrupted();
        await watch.observe();
        await each?.();
        if (done()) return;
        if (deps.clock.now() >= deadline) throw new Error(late());
        await deps.clock.sleep(Math.min(pollMs, Math.max(deadline - deps.clock.now(), 0)), signal);
    }
}

async function namespaceExists(kubectl: Kubectl): Promise<boolean> {
    const found = await kubectl(["get", "namespace", drillNamespace, "--ignore-not-found", "-o", "name"]);
    return found.trim() !== "";
}

export async function runDrill(drill: Drill, options: DrillRunOptions, deps: DrillDeps): Promise<DrillResult> {
    const { clock, out } = deps;
    // From the cleanup on, every kubectl call (the fault's own too) goes through the cleanup's kubectl.
    let cleaning = false;
    const kubectl: Kubectl = (args) => (cleaning && deps.cleanupKubectl ? deps.cleanupKubectl : deps.kubectl)(args);
    const name = `drill-${drill.name}-${options.runId}`;
    const fault = drill.fault(kubectl, name);
    const result: DrillResult = { drill: drill.name, runId: options.runId, fault: fault.description, cleanup: [] };
    const stopping = new AbortController();
    void deps.interrupted.then((reason) => {
        result.failure ??= reason;
        stopping.abort();
    });
    let madeNamespace = false;
    let injected = false;
    let removed = false;
    const remove = async () => {
        if (removed || !injected) return false;
        // Marked only once done: a removal that failed (a stopped kubectl) is tried again by the cleanup.
        await fault.remove();
        removed = true;
        return true;
    };
    try {
        if (!drill.stopsAlertmanager && !(await namespaceExists(kubectl))) {
            await kubectl(["create", "namespace", drillNamespace]);
            madeNamespace = true;
        }
        const baseline = drill.alertName ? await deps.lab.notificationsSent().catch(() => undefined) : undefined;
        injected = true;
        await fault.inject();
        if (stopping.signal.aborted) throw new Interrupted();
        const timeline = new Timeline(drill.stages, clock.now(), out);
        const watch = new Watch(drill, fault, timeline, deps, options, baseline);
        result.timeline = timeline;
        timeline.record("injected", timeline.faultAtMs, fault.description);
        const ackDeadline = timeline.faultAtMs + options.timeoutMs;
        await until(
            watch,
            deps,
            stopping.signal,
            options.pollMs,
            ackDeadline,
            () => timeline.seen("acknowledged") !== undefined,
            () => `nobody acknowledged within ${minutesAndSeconds(options.timeoutMs)} (--timeout)`,
            () => watch.acknowledgeIfDue(),
        );
        await remove();
        timeline.record("removed", clock.now(), "the fault is undone");
        const bound = timeline.spec("resolved")?.boundMs ?? 0;
        const resolveDeadline = clock.now() + Math.min(options.timeoutMs, 2 * bound);
        await until(
            watch,
            deps,
            stopping.signal,
            options.pollMs,
            resolveDeadline,
            () => timeline.seen("resolved") !== undefined,
            () =>
                `alert group ${watch.group?.id} not resolved within ${minutesAndSeconds(resolveDeadline - timeline.removedAtMs!)} of the removal`,
        );
        result.group = watch.group;
    } catch (error) {
        // After Ctrl-C the failure is already the signal's reason.
        result.failure ??= describeError(error);
    } finally {
        cleaning = true;
        await cleanUp(result, { remove, madeNamespace: () => madeNamespace, kubectl, out });
    }
    return result;
}

async function cleanUp(
    result: DrillResult,
    steps: { remove(): Promise<boolean>; madeNamespace(): boolean; kubectl: Kubectl; out: (line: string) => void },
) {
    const attempt = async (what: string, action: () => Promise<unknown>) => {
        try {
            await action();
            result.cleanup.push(what);
        } catch (error) {
            if (error instanceof Skipped) return;
            result.cleanup.push(`FAILED to ${what}: ${describeError(error)}`);
        }
    };
    await attempt("remove the fault", async () => {
        if (!(await steps.remove())) throw new Skipped();
    });
    if (steps.madeNamespace())
        await attempt(`delete namespace ${drillNamespace}`, () =>
            steps.kubectl(["delete", "namespace", drillNamespace, "--ignore-not-found", "--wait=false"]),
        );
    for (const line of result.cleanup.filter((entry) => entry.startsWith("FAILED")))
        steps.out(`drill: cleanup: ${line}`);
}
