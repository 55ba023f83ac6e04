// A stand-in for OnCall v1.16.9's Alertmanager integrations, on 127.0.0.1, for the storm test and `npm run bench:storm`:
// it answers as the engine does and enforces its rate limits, with OnCall's time optionally scaled down.
//
// engine/apps/integrations/views.py AlertManagerAPIView.process_v2: one alert per accepted webhook, whatever its size;
// engine/config_integrations/alertmanager.py: grouping_id = payload.groupKey, resolve_condition payload.status ==
// "resolved"; IntegrationHeartBeatAPIView: any GET or POST to <integration>/heartbeat/ is a ping. The rate limits are
// those of src/oncall/rateLimits.ts, counted as django-ratelimit 2.0.0 counts them.
import { crc32 } from "node:zlib";
import {
    type CustomRateLimit,
    LAB_ORGANIZATION_PK,
    ONCALL_DEFAULT_RATE_LIMITS,
    splitRate,
} from "../../oncall/rateLimits";
import { type ReceivedWebhook, WebhookReceiver } from "./alertPath";

export interface OnCallStandInOptions {
    /** OnCall's clock runs this many times faster: 30 makes its 5-minute windows last 10 s. 1 unless set. */
    timeScale?: number;
    /** CUSTOM_RATELIMITS' entry for the organization, as the lab sets it; OnCall's defaults when absent. */
    customRateLimits?: CustomRateLimit;
    /** Every limit divided by this (rounded up), for a storm as many times smaller: the test's. 1 unless set. */
    limitScale?: number;
}

/** An OnCall alert group, as the webhooks accepted for one groupKey make it. */
export interface StandInAlertGroup {
    groupKey: string;
    /** When the first firing webhook was accepted: the page. */
    pagedAt?: number;
    /** When the latest accepted webhook said resolved; cleared by a later firing one. */
    resolvedAt?: number;
    /** Each accepted webhook in order, with its status and its alerts' label sets. */
    accepted: { at: number; status: "firing" | "resolved"; firing: string[]; bytes: number }[];
}

const INTEGRATION_PATH = /^\/integrations\/v1\/alertmanager\/([A-Za-z0-9_-]+)\/(heartbeat\/)?$/;

/** A label set as one string, the same whatever the order of its labels. */
export function labelKey(labels: Record<string, string>): string {
    return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

export class OnCallStandIn {
    readonly receiver: WebhookReceiver;
    readonly groups = new Map<string, StandInAlertGroup>();
    /** Accepted heartbeat pings per integration token. */
    readonly pings = new Map<string, number[]>();
    /** Until when (epoch ms) every call gets this status, before any rate limit: an outage. */
    outage?: { status: number; until: number };
    private readonly counters = new Map<string, number>();
    private readonly integrationPks = new Map<string, string>();
    private readonly timeScale: number;

    constructor(
        port: number,
        private readonly options: OnCallStandInOptions = {},
    ) {
        this.timeScale = options.timeScale ?? 1;
        this.receiver = new WebhookReceiver(port, (call) => this.answer(call));
    }

    /** An integration's URL; each token is an integration of its own (a primary key of its own). */
    integrationUrl(token: string): string {
        return this.receiver.url(`/integrations/v1/alertmanager/${token}/`);
    }

    /** Every call with its answer. */
    get calls(): ReceivedWebhook[] {
        return this.receiver.received;
    }

    start(): Promise<void> {
        return this.receiver.start();
    }

    stop(): Promise<void> {
        return this.receiver.stop();
    }

    private answer(call: Omit<ReceivedWebhook, "status">): number {
        const match = INTEGRATION_PATH.exec(call.path);
        if (!match) return 404;
        if (this.outage && call.receivedAt < this.outage.until) return this.outage.status;
        const [, token, heartbeat] = match;
        const refused = heartbeat ? this.limitHeartbeat(token) : this.limitPage(token);
        if (refused) return 429;
        if (heartbeat) {
            this.pings.set(token, [...(this.pings.get(token) ?? []), call.receivedAt]);
        } else {
            this.accept(call);
        }
        return 200;
    }

    /** IntegrationRateLimitMixin: per integration, then per organization, the custom rates when set. */
    private limitPage(token: string): boolean {
        const custom = this.options.customRateLimits;
        return this.limited(
            token,
            custom?.integration ?? ONCALL_DEFAULT_RATE_LIMITS.integration,
            custom?.organization ?? ONCALL_DEFAULT_RATE_LIMITS.organization,
        );
    }

    /** IntegrationHeartBeatRateLimitMixin: the same groups and keys, always at the default rates. */
    private limitHeartbeat(token: string): boolean {
        return this.limited(token, ONCALL_DEFAULT_RATE_LIMITS.integration, ONCALL_DEFAULT_RATE_LIMITS.organization);
    }

    /** The integration counter first; a call it refuses is not counted by the organization's (block=True). */
    private limited(token: string, integrationRate: string, organizationRate: string): boolean {
        return (
            this.counted("integration", integrationRate, this.integrationPk(token)) ||
            this.counted("team", organizationRate, LAB_ORGANIZATION_PK)
        );
    }

    private integrationPk(token: string): string {
        if (!this.integrationPks.has(token)) this.integrationPks.set(token, String(this.integrationPks.size + 1));
        return this.integrationPks.get(token)!;
    }

    /** ratelimit/utils.py get_usage_count + _make_cache_key + _get_window: every call counts, refused ones too. */
    private counted(group: string, rate: string, value: string): boolean {
        const { periodSeconds } = splitRate(rate);
        const limit = Math.ceil(splitRate(rate).limit / (this.options.limitScale ?? 1));
        const ts = Math.floor((Date.now() * this.timeScale) / 1000);
        let window = ts - (ts % periodSeconds) + (crc32(value) % periodSeconds);
        if (window < ts) window += periodSeconds;
        const key = `${group}${limit}/${periodSeconds}s|${value}|${window}`;
        const count = (this.counters.get(key) ?? 0) + 1;
        this.counters.set(key, count);
        return count > limit;
    }

    private accept(call: Omit<ReceivedWebhook, "status">): void {
        const { groupKey, status, alerts } = call.payload;
        const group = this.groups.get(groupKey) ?? { groupKey, accepted: [] };
        this.groups.set(groupKey, group);
        group.accepted.push({
            at: call.receivedAt,
            status,
            firing: alerts.filter((alert) => alert.status === "firing").map((alert) => labelKey(alert.labels)),
            bytes: call.bytes,
        });
        if (status === "resolved") {
            group.resolvedAt ??= call.receivedAt;
        } else {
            group.pagedAt ??= call.receivedAt;
            group.resolvedAt = undefined;
        }
    }
}
