// OnCall's rate limits on integration calls (grafana/oncall v1.16.9), and the lab's raised ones.
//
// engine/apps/integrations/mixins/ratelimit_mixin.py: every POST to an integration (and every GET or POST to its
// heartbeat/) is counted in a fixed window per integration (group "integration", key the integration's pk) and then
// per organization (group "team", key organization_id), answered 429 over the limit; a call refused by the first
// counter is not counted by the second. Pages take their limits from CUSTOM_RATELIMITS[organization pk] when set
// (get_rate_limit); the heartbeat mixin always uses the defaults below. django-ratelimit 2.0.0 (engine/requirements.txt)
// keys each counter by group + rate + key value + window (ratelimit/utils.py _make_cache_key), counts refused
// calls too (increment=True), and starts each key's window crc32(key value) % period seconds into the period.

/** RATELIMIT_INTEGRATION and RATELIMIT_TEAM: the defaults, and always the heartbeat's. */
export const ONCALL_DEFAULT_RATE_LIMITS = { integration: "300/5m", organization: "900/5m" } as const;

/** One organization's entry of CUSTOM_RATELIMITS (engine/common/api_helpers/custom_ratelimit.py: all three keys required). */
export interface CustomRateLimit {
    integration: string;
    organization: string;
    /** Replaces the rate of every CustomRateUserThrottler of that organization; "300/m" is UserThrottle's own. */
    public_api: string;
}

/**
 * The organization's primary key, CUSTOM_RATELIMITS' key. The organization table's id is a BigAutoField
 * (user_management/migrations/0001_squashed_initial.py) and no migration creates a row; a self-hosted engine
 * creates its one organization when the plugin first connects (user_management/sync.py _create_oss_organization,
 * or grafana_plugin/views/self_hosted_install.py): the first row of a fresh database, id 1.
 */
export const LAB_ORGANIZATION_PK = "1";

/**
 * The lab's limits: a storm of a few thousand distinct alert groups pages in the first window instead of 300 every
 * five minutes. 9000 per organization is 30/s averaged over the window, which one engine takes on a laptop.
 */
export const LAB_RATE_LIMITS: CustomRateLimit = {
    integration: "3000/5m",
    organization: "9000/5m",
    public_api: "300/m",
};

/** The engine's CUSTOM_RATELIMITS value (engine/settings/base.py: a JSON object keyed by organization pk). */
export function customRateLimitsEnv(limits: CustomRateLimit = LAB_RATE_LIMITS): string {
    return JSON.stringify({ [LAB_ORGANIZATION_PK]: limits });
}

const PERIOD_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** django-ratelimit 2.0.0's _split_rate: "300/5m" is 300 calls per 300 s, "300/m" per 60 s. */
export function splitRate(rate: string): { limit: number; periodSeconds: number } {
    const match = /^(\d+)\/(\d*)([smhd])$/.exec(rate);
    if (!match) throw new Error(`not a django-ratelimit rate (count/[n]unit): "${rate}"`);
    return { limit: Number(match[1]), periodSeconds: Number(match[2] || "1") * PERIOD_SECONDS[match[3]] };
}
