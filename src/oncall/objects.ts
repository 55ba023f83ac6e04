// The OnCall objects built from the roster, as the arguments of @pulumiverse/grafana's oncall resources. Each function is
// generic in the id type: the component passes Outputs (ids of resources and of OnCall users that exist only
// once the wiring has run), the tests pass strings. They take a Roster that validateRoster returned: OnCall OSS 1.16.9's
// limits (engine/apps/public_api/serializers, the provider's internal/resources/oncall) are checked there, once.
import { type EscalationStep, notificationRulesFor, type Person, type Rotation, type Roster } from "../team/roster";

/** OnCall user id per login. */
export type UserIds<Id> = Readonly<Record<string, Id>>;

export function userIdOf<Id>(userIds: UserIds<Id>, login: string): Id {
    if (!Object.hasOwn(userIds, login))
        throw new Error(`no OnCall user id for "${login}": not one of the team's people`);
    return userIds[login];
}

export function escalationChainArgs(roster: Roster): { name: string } {
    return { name: roster.escalation.name };
}

export interface EscalationStepArgs<Id> {
    escalationChainId: Id;
    position: number;
    type: EscalationStep["type"];
    duration?: number;
    /** false: the default (not the "important") personal rules of whoever is notified. */
    important?: boolean;
    notifyOnCallFromSchedule?: Id;
    personsToNotifies?: Id[];
}

/** One escalation policy per step, positions in the team's order. */
export function escalationStepArgs<Id>(
    roster: Roster,
    refs: { escalationChainId: Id; scheduleId: Id; userIds: UserIds<Id> },
): EscalationStepArgs<Id>[] {
    return roster.escalation.steps.map((step, position): EscalationStepArgs<Id> => {
        const base = { escalationChainId: refs.escalationChainId, position, type: step.type };
        switch (step.type) {
            case "wait":
                return { ...base, duration: step.durationSeconds };
            case "notify_on_call_from_schedule":
                return { ...base, important: false, notifyOnCallFromSchedule: refs.scheduleId };
            case "notify_persons":
                return {
                    ...base,
                    important: false,
                    personsToNotifies: step.logins.map((login) => userIdOf(refs.userIds, login)),
                };
            case "repeat_escalation":
                return base;
        }
    });
}

export interface RotationShiftArgs<Id> {
    name: string;
    type: "rolling_users";
    timeZone: string;
    start: string;
    duration: number;
    frequency: Rotation["frequency"];
    interval: number;
    /** One person per turn, in the rotation's order. */
    rollingUsers: Id[][];
    startRotationFromUserIndex: number;
    weekStart?: string;
}

export function rotationShiftArgs<Id>(rotation: Rotation, userIds: UserIds<Id>): RotationShiftArgs<Id> {
    return {
        name: rotation.name,
        type: "rolling_users",
        timeZone: rotation.timeZone,
        // OnCall reads `start` as wall-clock time in the shift's time zone.
        start: rotation.start,
        duration: rotation.shiftSeconds,
        frequency: rotation.frequency,
        interval: rotation.interval,
        rollingUsers: rotation.people.map((login) => [userIdOf(userIds, login)]),
        // 1.16.9 rejects a rolling_users shift without it; the provider sends 0 when unset.
        startRotationFromUserIndex: 0,
        // 1.16.9 requires week_start for weekly shifts and omits it from every other one (a permanent diff if set).
        ...(rotation.frequency === "weekly" ? { weekStart: "MO" } : {}),
    };
}

export interface ScheduleArgs<Id> {
    name: string;
    type: "calendar";
    timeZone: string;
    shifts: Id[];
}

/** A calendar schedule made of the rotation's shift. */
export function scheduleArgs<Id>(rotation: Rotation, shiftId: Id): ScheduleArgs<Id> {
    return { name: rotation.name, type: "calendar", timeZone: rotation.timeZone, shifts: [shiftId] };
}

export interface NotificationRuleArgs<Id> {
    userId: Id;
    position: number;
    type: "wait" | "notify_by_email" | "notify_by_telegram";
    important: boolean;
    duration?: number;
}

/**
 * A person's personal notification rules. OnCall keeps two ordered lists per user, default and "important"
 * (positions count within each: order_with_respect_to = user_id, important). A wait belongs to the list of the
 * notification that follows it (or, at the end, of the one before it).
 */
export function notificationRuleArgs<Id>(
    person: Person,
    telegramEnabled: boolean,
    userId: Id,
): NotificationRuleArgs<Id>[] {
    const rules = notificationRulesFor(person, telegramEnabled);
    const importance = rules.map((rule, index) => {
        if (rule.type !== "wait") return rule.important;
        const owner =
            rules.slice(index + 1).find((r) => r.type !== "wait") ??
            rules
                .slice(0, index)
                .reverse()
                .find((r) => r.type !== "wait");
        return owner?.important ?? false;
    });
    const nextPosition = { default: 0, important: 0 };
    return rules.map((rule, index): NotificationRuleArgs<Id> => {
        const important = importance[index];
        const position = nextPosition[important ? "important" : "default"]++;
        if (rule.type !== "wait") return { userId, position, type: rule.type, important };
        return { userId, position, type: "wait", important, duration: rule.durationSeconds };
    });
}

export interface IntegrationArgs<Id> {
    name: string;
    type: "alertmanager";
    /** The only route: every alert that reaches the integration goes to the team's chain. */
    defaultRoute: { escalationChainId: Id };
}

/** No labels: 1.16.9's integration serializer has no such field, so the provider would show a permanent diff. */
export function integrationArgs<Id>(name: string, escalationChainId: Id): IntegrationArgs<Id> {
    if (name.length === 0) throw new Error("the integration needs a name");
    return { name, type: "alertmanager", defaultRoute: { escalationChainId } };
}
