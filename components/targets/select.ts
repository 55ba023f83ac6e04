// The one place that asks which target the stack is on: Kind by default, a team's own cluster with target=existing.
import type * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../../src/config/config";
import { existingTarget } from "./existing";
import { kindTarget } from "./kind";
import type { DeploymentTarget } from "./target";

export function deploymentTarget(
    lab: LabConfig,
    oncallDatabasePassword: pulumi.Output<string> | undefined,
): DeploymentTarget {
    return lab.existing ? existingTarget(lab.existing, oncallDatabasePassword) : kindTarget(lab);
}
