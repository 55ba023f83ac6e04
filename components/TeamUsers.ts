import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as grafana from "@pulumiverse/grafana";
import { type Person } from "../src/team/roster";
import { teamUserName } from "../src/shared/resourceNames";
import { childOptions } from "../src/shared/childOptions";

export interface TeamUsersArgs {
    /** The roster's people (the team file's). */
    people: Person[];
    /** Grafana's API as reachable from where Pulumi runs, e.g. http://127.0.0.1:3000. */
    grafanaLocalApiUrl: pulumi.Input<string>;
    /** A Grafana server admin: users are created through the admin API, which takes basic auth only. */
    grafanaUser: pulumi.Input<string>;
    grafanaPassword: pulumi.Input<string>;
}

/**
 * The roster's people as Grafana users, each with a generated password. The users land in the main org with Grafana's
 * `users.auto_assign_org_role`, which must be Editor: OnCall pages Editors and Admins only.
 */
export class TeamUsers extends pulumi.ComponentResource {
    /** For dependsOn: OnCall can only learn people who exist in Grafana. */
    public readonly users: grafana.oss.User[];
    /** Known once every user exists. */
    public readonly logins: pulumi.Output<string[]>;
    /** Password per login (a secret). */
    public readonly passwords: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: TeamUsersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("oncall-lab:index:TeamUsers", name, args, opts);

        const provider = new grafana.Provider(
            `${name}-provider`,
            {
                url: args.grafanaLocalApiUrl,
                auth: pulumi.secret(pulumi.interpolate`${args.grafanaUser}:${args.grafanaPassword}`),
            },
            { parent: this },
        );
        const userOpts = childOptions(this, opts, { provider, replaceWith: opts?.replaceWith });

        const passwords: Record<string, pulumi.Output<string>> = {};
        this.users = args.people.map((person) => {
            passwords[person.login] = new random.RandomPassword(
                `${name}-${person.login}-password`,
                {
                    length: 24,
                    special: false,
                },
                { parent: this },
            ).result;
            // POST /api/admin/users without an org: Grafana adds the user to the auto-assign org (the main org).
            return new grafana.oss.User(
                teamUserName(name, person.login),
                {
                    login: person.login,
                    name: person.name,
                    email: person.email,
                    password: passwords[person.login],
                },
                userOpts,
            );
        });

        this.logins = pulumi
            .all(this.users.map((user) => user.id))
            .apply(() => args.people.map((person) => person.login));
        this.passwords = pulumi.secret(pulumi.all(passwords));
        this.registerOutputs({ logins: this.logins, passwords: this.passwords });
    }
}
