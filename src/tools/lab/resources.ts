// The lab's resources scripts/lab.ts looks at, by the names the components and index.ts give them, as pulumi
// --target globs; and what it reads of them in an exported state.
import {
    KIND_CLUSTER_NAME,
    kindClusterResourceName,
    ONCALL_WIRING_NAME,
    TEAM_USERS_NAME,
    teamUserName,
    wiringConnectionName,
} from "../../shared/resourceNames";
import type { StackDeployment } from "./stack";

/** The kind cluster's dynamic resource (its type name changed once: any dynamic type). */
export const KIND_CLUSTER_TARGET = `**pulumi-nodejs:dynamic:*::${kindClusterResourceName(KIND_CLUSTER_NAME)}`;
/** The OnCall wiring's connection (the plugin's connection to the engine, its API token and user ids). */
export const WIRING_TARGET = `**pulumi-nodejs:dynamic:*::${wiringConnectionName(ONCALL_WIRING_NAME)}`;
/** The team's Grafana users, and nothing else of TeamUsers (their passwords, its provider). */
export const TEAM_USERS_TARGET = `**grafana:oss/user:User::${teamUserName(TEAM_USERS_NAME, "*")}`;

/** Pulumi's --target glob: `**` matches anything, `*` anything but a colon. */
export function targetMatches(glob: string, urn: string): boolean {
    const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pattern = glob
        .split("**")
        .map((part) => part.split("*").map(quote).join("[^:]*"))
        .join(".*");
    return new RegExp(`^${pattern}$`).test(urn);
}

const find = (deployment: StackDeployment, glob: string) =>
    (deployment.resources ?? []).find((r) => targetMatches(glob, r.urn));

/** The kind cluster the stack created: its URN, its cluster name (the resource's id) and node container's id. */
export function stackCluster(
    deployment: StackDeployment,
): { urn: string; name: string; clusterId?: string } | undefined {
    const cluster = find(deployment, KIND_CLUSTER_TARGET);
    if (!cluster?.id) return undefined;
    const clusterId = cluster.outputs?.clusterId;
    return {
        urn: cluster.urn,
        name: cluster.id,
        clusterId: typeof clusterId === "string" && clusterId !== "" ? clusterId : undefined,
    };
}

/** Whether the stack has the OnCall wiring (a lab that was built, at least in part). */
export const hasWiring = (deployment: StackDeployment) => find(deployment, WIRING_TARGET) !== undefined;

/** The passphrase salt the state keeps; "" when none. */
export const stateSalt = (deployment: StackDeployment) => deployment.secrets_providers?.state?.salt ?? "";
