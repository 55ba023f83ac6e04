// The names the program gives the resources the lab program (scripts/lab.ts) looks for in the state: declared here,
// below both, so that the components and src/tools/lab read the same names.

/** The name the kind target gives the lab's cluster (scripts/lab.ts finds its resource in the state by it). */
export const KIND_CLUSTER_NAME = "kind";
/** The name of the cluster's own resource (the kind cluster in Docker) under a KindCluster called `name`. */
export const kindClusterResourceName = (name: string) => `${name}-cluster`;

/** The name index.ts gives the lab's wiring (scripts/lab.ts refreshes its connection by it). */
export const ONCALL_WIRING_NAME = "oncall-wiring";
/** The name of the connection (the dynamic resource) under an OnCallWiring called `name`. */
export const wiringConnectionName = (name: string) => `${name}-connection`;

/** The name index.ts gives the team's Grafana users (scripts/lab.ts refreshes them by it). */
export const TEAM_USERS_NAME = "team-users";
/** The name of the Grafana user `login` under a TeamUsers called `name`. */
export const teamUserName = (name: string, login: string) => `${name}-${login}`;
