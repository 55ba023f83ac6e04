// Stand-ins for what a drill reads, answering from a recorded page on a fake clock: vmalert's /api/v1/alerts,
// Alertmanager's /metrics, OnCall's public API (alert groups, acknowledge, users), Mailpit's search and Grafana's
// annotations (recorded), OnCall's internal API through Grafana's plugin (an alert group's log). Shapes as
// src/tools/drills/probes.ts reads them. And a stub kubectl that keeps the
// state of what it made, so a test can compare the lab before and after a drill.
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { Kubectl } from "../../../src/tools/drills/faults";
import type { DrillUrls } from "../../../src/tools/drills/probes";
import type { Clock } from "../../../src/tools/shared/polling";
import { internalAlertGroup, type PersonalNotification, personalNotificationRecord } from "../fake-grafana-oncall";
import { serve } from "./servers";

/** A page as it was seen, in ms after the fault (`resolvedAfterRemovalMs`: after the fault's removal). */
export interface RecordedPage {
    alertName?: string;
    activeAfterMs?: number;
    firingAfterMs?: number;
    sentAfterMs?: number;
    groupAfterMs?: number;
    mails: { afterMs: number; to: string }[];
    /** Someone acknowledges in Grafana this long after the fault (without --ack auto). */
    acknowledgedAfterMs?: number;
    resolvedAfterRemovalMs?: number;
    /** OnCall answers every request with this status. */
    oncallStatus?: number;
    /** OnCall's record of personal notifications (the internal API through Grafana's plugin); none: an empty log. */
    notifications?: (Omit<PersonalNotification, "at"> & { afterMs: number })[];
    /** The plugin's proxy answers the internal API with this status. */
    pluginStatus?: number;
}

export class FakeClock implements Clock {
    constructor(public t = Date.parse("2026-12-06T10:00:00Z")) {}
    now = () => this.t;
    sleep = async (ms: number, signal?: AbortSignal) => {
        if (signal?.aborted) return;
        this.t += ms;
        await new Promise((done) => setImmediate(done));
    };
}

export interface DrillStandIns {
    urls: DrillUrls;
    annotations: { body: Record<string, unknown>; authorization?: string }[];
    acknowledgePosts: number;
    stop(): Promise<void>;
}

/** `page.mark` is what the group's title and the e-mails carry; `times.faultAt`/`removedAt` are set by the stub kubectl. */
export async function startDrillStandIns(
    clock: FakeClock,
    page: RecordedPage,
    mark: string,
    times: { faultAt?: number; removedAt?: number },
): Promise<DrillStandIns> {
    const since = (afterMs?: number) =>
        afterMs !== undefined && times.faultAt !== undefined && clock.now() >= times.faultAt + afterMs;
    const iso = (afterMs: number) => new Date(times.faultAt! + afterMs).toISOString();
    let acknowledgedAt: number | undefined;
    const standIns: DrillStandIns = {
        urls: undefined as unknown as DrillUrls,
        annotations: [],
        acknowledgePosts: 0,
        stop: async () => undefined,
    };
    const group = () => {
        if (!since(page.groupAfterMs)) return undefined;
        if (acknowledgedAt === undefined && since(page.acknowledgedAfterMs))
            acknowledgedAt = times.faultAt! + page.acknowledgedAfterMs!;
        const resolved =
            times.removedAt !== undefined &&
            page.resolvedAfterRemovalMs !== undefined &&
            clock.now() >= times.removedAt + page.resolvedAfterRemovalMs;
        return {
            id: "IDRILL1",
            title: `[${page.alertName ?? "OnCallHeartBeatMissing"}] ${mark}`,
            state: resolved ? "resolved" : acknowledgedAt !== undefined ? "acknowledged" : "firing",
            created_at: iso(page.groupAfterMs!),
            acknowledged_at: acknowledgedAt === undefined ? null : new Date(acknowledgedAt).toISOString(),
            acknowledged_by: acknowledgedAt === undefined ? null : "UALICE",
            resolved_at: resolved ? new Date(times.removedAt! + page.resolvedAfterRemovalMs!).toISOString() : null,
            permalinks: { web: "http://grafana.oncall-lab.localhost:3000/a/grafana-oncall-app/alert-groups/IDRILL1" },
            last_alert: { payload: {} },
        };
    };
    const servers: Server[] = [];
    const start = async (handler: Parameters<typeof serve>[0]) => {
        const { server, url } = await serve(handler);
        servers.push(server);
        return url;
    };
    const vmalertUrl = await start(() => {
        const active = since(page.activeAfterMs) && times.removedAt === undefined;
        const alerts = active
            ? [
                  {
                      name: page.alertName,
                      state: since(page.firingAfterMs) ? "firing" : "pending",
                      activeAt: iso(page.activeAfterMs!),
                      labels: { pod: mark, instance: `${mark}.oncall-lab-drills.svc:8080` },
                  },
              ]
            : [];
        return { status: 200, json: { status: "success", data: { alerts } } };
    });
    const alertmanagerUrl = await start(() => {
        const sent = 7 + (since(page.sentAfterMs) ? 1 : 0);
        const text = `# HELP alertmanager_notifications_total The total number of attempted notifications.\nalertmanager_notifications_total{integration="webhook",receiver_name="oncall"} ${sent}\nalertmanager_notifications_total{integration="webhook",receiver_name="oncall-heartbeat"} ${clock.now() % 1000}\nalertmanager_notifications_failed_total{integration="webhook",receiver_name="oncall"} 2\n`;
        return { status: 200, json: text, headers: { "content-type": "text/plain" } };
    });
    const oncallUrl = await start((request, url) => {
        if (page.oncallStatus) return { status: page.oncallStatus, json: { detail: "Invalid token." } };
        if (request.headers.authorization !== "drill-token") return { status: 401, json: { detail: "Invalid token." } };
        if (url.pathname === "/api/v1/alert_groups/")
            return { status: 200, json: { results: [group()].filter(Boolean) } };
        if (url.pathname === "/api/v1/alert_groups/IDRILL1/") return { status: 200, json: group() };
        if (url.pathname === "/api/v1/alert_groups/IDRILL1/acknowledge/" && request.method === "POST") {
            standIns.acknowledgePosts += 1;
            acknowledgedAt ??= clock.now();
            return { status: 200, json: "" };
        }
        if (url.pathname === "/api/v1/users/UALICE/") return { status: 200, json: { id: "UALICE", username: "alice" } };
        return { status: 404, json: { detail: "Not found." } };
    });
    const mailUrl = await start((_request, url) => {
        const messages = page.mails
            .filter((mail) => since(mail.afterMs) && url.searchParams.get("query") === mark)
            .map((mail, index) => ({
                ID: `m${index}`,
                Created: iso(mail.afterMs),
                To: [{ Name: "", Address: mail.to }],
                Subject: `Alert group IDRILL1 ${mark}`,
            }));
        return { status: 200, json: { total: messages.length, messages } };
    });
    const grafanaUrl = await start((request, url, body) => {
        if (request.method === "GET") {
            if (request.headers.authorization !== `Basic ${Buffer.from("admin:pw").toString("base64")}`)
                return { status: 401, json: { message: "invalid username or password" } };
            if (page.pluginStatus) return { status: page.pluginStatus, json: { detail: "No token provided" } };
            const found = group();
            if (url.pathname !== internalAlertGroup("IDRILL1") || !found)
                return { status: 404, json: { detail: "Not found." } };
            const log = (page.notifications ?? [])
                .filter((notification) => since(notification.afterMs))
                .map(({ afterMs, ...notification }) =>
                    personalNotificationRecord({ ...notification, at: iso(afterMs) }),
                );
            return { status: 200, json: { ...found, pk: found.id, render_after_resolve_report_json: log } };
        }
        standIns.annotations.push({ body: JSON.parse(body), authorization: request.headers.authorization });
        return { status: 200, json: { message: "Annotation added", id: standIns.annotations.length } };
    });
    standIns.urls = {
        vmalertUrl,
        alertmanagerUrl,
        oncallUrl,
        oncallApiToken: "drill-token",
        mailUrl,
        grafanaUrl,
        grafanaAdminUser: "admin",
        grafanaAdminPassword: "pw",
    };
    standIns.stop = async () =>
        void (await Promise.all(servers.map((server) => new Promise((done) => server.close(done)))));
    return standIns;
}

/** What the stub kubectl holds: the lab's namespaces, objects and replicas. */
export interface KubectlState {
    namespaces: string[];
    objects: string[];
    replicas: Record<string, number>;
}

/**
 * A stub kubectl that keeps state: `run`, `apply -f`, `create namespace`, `scale` change it; `delete` undoes them.
 * `onFault` hears the fault go in (pod run, Alertmanager or a target scaled to 0) and out; `failOn` makes a call fail.
 */
export function stubKubectl(hooks: { onFault?(event: "in" | "out"): void; failOn?: RegExp } = {}) {
    const state: KubectlState = {
        namespaces: ["default", "monitoring"],
        objects: [],
        replicas: {
            "monitoring/statefulset/vmalertmanager-vmks": 1,
            "monitoring/deployment/victoria-metrics-operator": 1,
        },
    };
    const calls: string[] = [];
    const flag = (args: string[], name: string) => args[args.indexOf(name) + 1];
    const itemsOf = (file: string) =>
        (
            JSON.parse(readFileSync(file, "utf8")).items as {
                kind: string;
                metadata: { namespace: string; name: string };
            }[]
        ).map((item) => `${item.metadata.namespace}/${item.kind}/${item.metadata.name}`);
    const kubectl: Kubectl = async (args) => (await apply(args)) ?? "";
    const apply = async (args: string[]): Promise<string | void> => {
        const line = args.join(" ");
        calls.push(line);
        if (hooks.failOn?.test(line)) throw new Error(`kubectl ${line}: the stub fails as told`);
        const [verb, kind, name] = args;
        const namespace = args.includes("-n") ? flag(args, "-n") : undefined;
        const needNamespace = (ns: string) => {
            if (!state.namespaces.includes(ns)) throw new Error(`namespaces "${ns}" not found`);
        };
        if (verb === "get" && kind === "namespace") return state.namespaces.includes(name) ? `namespace/${name}` : "";
        if (verb === "create" && kind === "namespace") return void state.namespaces.push(name);
        if (verb === "delete" && kind === "namespace") {
            state.objects = state.objects.filter((object) => !object.startsWith(`${name}/`));
            state.namespaces = state.namespaces.filter((ns) => ns !== name);
            return;
        }
        if (verb === "run") {
            needNamespace(namespace!);
            state.objects.push(`${namespace}/Pod/${kind}`);
            return hooks.onFault?.("in");
        }
        if (verb === "delete" && kind === "pod") {
            state.objects = state.objects.filter((object) => object !== `${namespace}/Pod/${name}`);
            return hooks.onFault?.("out");
        }
        if (verb === "apply") {
            const items = itemsOf(flag(args, "-f"));
            items.forEach((item) => needNamespace(item.split("/")[0]));
            state.objects.push(...items);
            return;
        }
        if (verb === "delete" && kind === "-f") {
            const items = itemsOf(flag(args, "-f"));
            state.objects = state.objects.filter((object) => !items.includes(object));
            for (const item of items) delete state.replicas[item.replace("/Deployment/", "/deployment/")];
            return hooks.onFault?.("out");
        }
        if (verb === "scale") {
            const target = args.includes("-l")
                ? "deployment/victoria-metrics-operator"
                : `${kind}/${args[2] === "-n" ? args[4] : name}`;
            const replicas = Number(line.match(/--replicas=(\d+)/)![1]);
            state.replicas[`${namespace}/${target}`] = replicas;
            if (target.startsWith("statefulset/") || target.startsWith("deployment/drill-"))
                hooks.onFault?.(replicas === 0 ? "in" : "out");
            return;
        }
        if (verb === "rollout") return;
        throw new Error(`the stub kubectl does not know: ${line}`);
    };
    const snapshot = (): string =>
        JSON.stringify({ ...state, namespaces: [...state.namespaces].sort(), objects: [...state.objects].sort() });
    return { kubectl, calls, state, snapshot };
}
