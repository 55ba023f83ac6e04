// What Grafana OnCall OSS 1.16.9 accepts, each list and limit written once with where it comes from
// (paths in grafana/oncall at v1.16.9 unless said otherwise). Validation, builders and messages read them here,
// as terraform-provider-grafana's internal/resources/oncall resources build their validators and descriptions
// from one list.

/** The plugin's id in Grafana (grafana-plugin/src/plugin.json). */
export const ONCALL_PLUGIN_ID = "grafana-oncall-app";

/** The only stack and org ids a self-hosted engine accepts from the plugin (engine/settings/base.py SELF_HOSTED_SETTINGS). */
export const SELF_HOSTED_IDS = { stackId: 5, orgId: 100 } as const;

/**
 * OnCall's public API (engine/engine/urls.py: `path("api/v1/", include("apps.public_api.urls"))`), token-authenticated
 * (apps/auth_token/auth.py ApiTokenAuthentication). It is the only part of the engine the lab calls from outside the
 * cluster, so the only path the existing target's Ingress exposes (components/OnCall.ts).
 */
export const PUBLIC_API_PATH = "/api/v1/";

/** Heartbeat timeouts, in seconds (engine/apps/heartbeat/models.py TIMEOUT_CHOICES). */
export const HEARTBEAT_TIMEOUT_SECONDS: readonly number[] = [60, 120, 180, 300, 600, 900, 1800, 3600, 43200, 86400];

/**
 * Escalation "wait": DurationSecondsField(min_value=1 minute, max_value=24 hours), any whole number of seconds
 * between (engine/apps/public_api/serializers/escalation_policies.py; the provider's IntBetween agrees).
 */
export const ESCALATION_WAIT_SECONDS = { min: 60, max: 86_400 } as const;

/**
 * Personal "wait": a ChoiceField over UserNotificationPolicy.DURATION_CHOICES, 1, 5, 15, 30 and 60 minutes
 * (engine/apps/public_api/serializers/personal_notification_rules.py).
 */
export const PERSONAL_WAIT_SECONDS: readonly number[] = [60, 300, 900, 1800, 3600];

/** EscalationChain.name is a CharField(max_length=100), unique per organization (engine/apps/alerts/models/escalation_chain.py). */
export const ESCALATION_CHAIN_NAME_MAX = 100;

/**
 * The rotation's name names a schedule and its shift: OnCallSchedule.name and CustomOnCallShift.name are
 * CharField(max_length=200) (engine/apps/schedules/models/on_call_schedule.py, custom_on_call_shift.py).
 */
export const SCHEDULE_NAME_MAX = 200;

/**
 * A user's name and e-mail as OnCall stores them when it syncs users from Grafana: User.name is a
 * CharField(max_length=300), User.email an EmailField, whose max_length is Django's 254
 * (engine/apps/user_management/models/user.py).
 */
export const ONCALL_USER_NAME_MAX = 300;
export const ONCALL_USER_EMAIL_MAX = 254;

/**
 * Grafana's own, where OnCall's users come from: the user table's login and email are NVARCHAR(190), name
 * NVARCHAR(255) (grafana/grafana pkg/services/sqlstore/migrations/user_mig.go, "create user table v2" and "Update user
 * table charset"). MySQL and Postgres refuse longer values; SQLite, the lab's Grafana database, does not check.
 */
export const GRAFANA_USER_NAME_MAX = 255;
export const GRAFANA_USER_EMAIL_MAX = 190;

/** Every escalation step type the public API accepts (engine/apps/alerts/models/escalation_policy.py PUBLIC_STEP_CHOICES_MAP). */
export const ESCALATION_STEP_TYPES = [
    "wait",
    "notify_on_call_from_schedule",
    "notify_persons",
    "notify_person_next_each_time",
    "notify_team_members",
    "notify_user_group",
    "notify_whole_channel",
    "trigger_webhook",
    "notify_if_time_from_to",
    "notify_if_num_alerts_in_window",
    "repeat_escalation",
    "resolve",
    "declare_incident",
] as const;

/**
 * Every personal notification rule type: the built-in channels, then "notify_by_<backend id>" for the messaging
 * backends of engine/settings/base.py (mobile app, e-mail when SMTP is enabled, Mattermost, personal webhook)
 * (engine/apps/base/models/user_notification_policy.py). There is no notify_by_msteams in OSS.
 */
export const NOTIFICATION_RULE_TYPES = [
    "wait",
    "notify_by_slack",
    "notify_by_sms",
    "notify_by_phone_call",
    "notify_by_telegram",
    "notify_by_email",
    "notify_by_mobile_app",
    "notify_by_mobile_app_critical",
    "notify_by_mattermost",
    "notify_by_webhook",
] as const;

/** Public API token names: ApiAuthToken.name is a CharField(max_length=50) (engine/apps/auth_token/models/api_auth_token.py). */
export const API_TOKEN_NAME_MAX = 50;

/** Tokens one user may hold (engine/apps/api/views/public_api_tokens.py MAX_PUBLIC_API_TOKENS_PER_USER). */
export const MAX_API_TOKENS_PER_USER = 5;

/** With accessControlOnCall off only these roles can be paged (engine/apps/api/permissions.py). */
export const PAGEABLE_ROLES: readonly string[] = ["admin", "editor"];

/**
 * Where a release's signed plugin zip is published: .github/workflows/on-release-published.yml uploads
 * grafana-oncall-app-<version without "v">.zip to the public GCS bucket grafana-oncall-app/releases, then registers
 * that URL with grafana.com as the `any` package.
 */
export function oncallPluginReleaseUrl(version: string): string {
    return `https://storage.googleapis.com/grafana-oncall-app/releases/${ONCALL_PLUGIN_ID}-${version.replace(/^v/, "")}.zip`;
}
