import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import {
    escalationChainArgs,
    escalationStepArgs,
    integrationArgs,
    notificationRuleArgs,
    rotationShiftArgs,
    scheduleArgs,
    type UserIds,
} from "../src/oncall/objects";
import { type Roster } from "../src/team/roster";
import { onBehalfOf } from "../src/shared/resourceError";
import { childOptions } from "../src/shared/childOptions";

export interface OnCallTeamArgs {
    /** The team file's people, rotation and escalation chain. */
    roster: Roster;
    /** Adds Telegram to the people's notification rules (OnCall has a bot token). */
    telegramEnabled: boolean;
    /** The OnCall engine as reachable from where Pulumi runs, for its public API. */
    oncallPublicUrl: pulumi.Input<string>;
    /** An OnCall API token (a secret). */
    oncallApiToken: pulumi.Input<string>;
    /** OnCall user id per login, from the wiring, which waits until OnCall knows every person. */
    userIds: pulumi.Input<Record<string, string>>;
    /** Unique per team in OnCall, so it must differ from every other integration's. */
    integrationName: string;
}

/**
 * The roster's on-call setup in Grafana OnCall (the OnCall objects): the people's notification rules, a calendar schedule with one
 * rolling shift, an escalation chain, and two Alertmanager integrations whose default routes run that chain: one for
 * pages, one for the Watchdog's heartbeat.
 */
export class OnCallTeam extends pulumi.ComponentResource {
    public readonly integrationId: pulumi.Output<string>;
    /** The integration's webhook URL; it embeds the integration's token. */
    public readonly integrationLink: pulumi.Output<string>;
    /** The integration Alertmanager's Watchdog pings (its heartbeat), apart from the paging one. */
    public readonly heartbeatIntegrationId: pulumi.Output<string>;
    /** Its webhook URL (a secret, like integrationLink). */
    public readonly heartbeatIntegrationLink: pulumi.Output<string>;
    public readonly scheduleId: pulumi.Output<string>;
    public readonly escalationChainId: pulumi.Output<string>;

    constructor(name: string, args: OnCallTeamArgs, opts?: pulumi.ComponentResourceOptions) {
        super("oncall-lab:index:OnCallTeam", name, args, opts);
        const { roster } = args;

        // The provider holds no remote state: only the OnCall objects follow the cluster and the wiring.
        const provider = new grafana.Provider(
            `${name}-provider`,
            {
                oncallUrl: args.oncallPublicUrl,
                oncallAccessToken: pulumi.secret(args.oncallApiToken),
            },
            { parent: this },
        );
        // dependsOn too: with an external Postgres the objects must be deleted before OnCall's release (dependents first).
        const childOpts = childOptions(this, opts, {
            provider,
            replaceWith: opts?.replaceWith,
            dependsOn: opts?.dependsOn,
        });

        // Every person's id comes out of args.userIds, so nothing that names a person is sent before the wiring
        // has found them all in OnCall.
        const known = pulumi.output(args.userIds);
        const userIds: UserIds<pulumi.Output<string>> = Object.fromEntries(
            roster.people.map((person) => [
                person.login,
                known.apply((ids) =>
                    onBehalfOf(this, () => {
                        const id = ids[person.login];
                        if (!id)
                            throw new Error(
                                `OnCall has no user "${person.login}" (has: ${Object.keys(ids).join(", ")})`,
                            );
                        return id;
                    }),
                ),
            ]),
        );

        for (const person of roster.people) {
            notificationRuleArgs(person, args.telegramEnabled, userIds[person.login]).forEach((rule, index) => {
                new grafana.oncall.UserNotificationRule(`${name}-${person.login}-rule-${index}`, rule, childOpts);
            });
        }

        const shift = new grafana.oncall.OnCallShift(
            `${name}-shift`,
            rotationShiftArgs(roster.rotation, userIds),
            childOpts,
        );
        const schedule = new grafana.oncall.Schedule(
            `${name}-schedule`,
            scheduleArgs(roster.rotation, shift.id),
            childOpts,
        );

        // Chain and integration names are unique in OnCall: a replacement must delete the old one first.
        const chain = new grafana.oncall.EscalationChain(
            `${name}-escalation-chain`,
            escalationChainArgs(roster),
            pulumi.mergeOptions(childOpts, {
                deleteBeforeReplace: true,
            }),
        );
        escalationStepArgs(roster, { escalationChainId: chain.id, scheduleId: schedule.id, userIds }).forEach(
            (step) => {
                new grafana.oncall.Escalation(`${name}-step-${step.position}`, step, childOpts);
            },
        );

        const integration = new grafana.oncall.Integration(
            `${name}-integration`,
            integrationArgs(args.integrationName, chain.id),
            pulumi.mergeOptions(childOpts, {
                deleteBeforeReplace: true,
                additionalSecretOutputs: ["link"],
            }),
        );

        // OnCall counts heartbeats against their integration's rate limit (src/oncall/rateLimits.ts): on an integration
        // of their own a storm of pages cannot starve them. It runs the same chain, so a dead pipeline pages too.
        const heartbeatIntegration = new grafana.oncall.Integration(
            `${name}-heartbeat-integration`,
            integrationArgs(`${args.integrationName} heartbeat`, chain.id),
            pulumi.mergeOptions(childOpts, {
                deleteBeforeReplace: true,
                additionalSecretOutputs: ["link"],
            }),
        );

        this.integrationId = integration.id;
        // additionalSecretOutputs hides it in state; wrapping keeps it secret wherever the output flows.
        this.integrationLink = pulumi.secret(integration.link);
        this.heartbeatIntegrationId = heartbeatIntegration.id;
        this.heartbeatIntegrationLink = pulumi.secret(heartbeatIntegration.link);
        this.scheduleId = schedule.id;
        this.escalationChainId = chain.id;
        this.registerOutputs({
            integrationId: this.integrationId,
            integrationLink: this.integrationLink,
            heartbeatIntegrationId: this.heartbeatIntegrationId,
            heartbeatIntegrationLink: this.heartbeatIntegrationLink,
            scheduleId: this.scheduleId,
            escalationChainId: this.escalationChainId,
        });
    }
}
