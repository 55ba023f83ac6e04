import * as pulumi from "@pulumi/pulumi";

/**
 * Runs `compute` (the body of an apply) on behalf of `resource`: what it throws becomes a pulumi.ResourceError on that
 * resource with the same message, which the CLI reports under the resource, without a stack trace, instead of as the
 * program's "unhandled exception" (@pulumi/pulumi cmd/run/run.js). The SDK keeps the error's identity through the
 * serialization of inputs (runtime/rpc.js only prefixes the property's name).
 */
export function onBehalfOf<T>(resource: pulumi.Resource, compute: () => T): T {
    try {
        return compute();
    } catch (error) {
        if (pulumi.ResourceError.isInstance(error)) throw error;
        const resourceError = new pulumi.ResourceError(
            error instanceof Error ? error.message : String(error),
            resource,
            true,
        );
        throw Object.assign(resourceError, { cause: error });
    }
}
