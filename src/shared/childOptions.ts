import * as pulumi from "@pulumi/pulumi";

/**
 * The options of a component's child: `parent`, the component's `deletedWith`, and the child's `own` options (merged
 * with pulumi.mergeOptions, which combines dependsOn lists). `deletedWith` is passed by hand: @pulumi/pulumi 3.276.0's
 * Resource constructor (resource.js) takes only `protect` and the providers from a parent. The engine would fill it in
 * (pulumi/pulumi pkg/resource/deploy/source_eval.go inheritFromParent, since v3.70), but the tests run under mocks,
 * and the graph fixtures record the options the program sends.
 */
export function childOptions(
    parent: pulumi.Resource,
    opts: pulumi.ComponentResourceOptions | undefined,
    own: pulumi.CustomResourceOptions = {},
): pulumi.CustomResourceOptions {
    return pulumi.mergeOptions({ parent, deletedWith: opts?.deletedWith }, own);
}
