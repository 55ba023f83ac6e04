// src/shared/resourceError.ts: an apply's error becomes a pulumi.ResourceError on the resource it belongs to.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { onBehalfOf } from "../src/shared/resourceError";

// Never registered: a ResourceError only holds the resource.
const resource = {} as pulumi.Resource;

describe("onBehalfOf", () => {
    it("returns what the computation returns", () => {
        expect(onBehalfOf(resource, () => 42)).toBe(42);
    });

    it("turns a thrown Error into a ResourceError on the resource, with the same message, its stack hidden", () => {
        const cause = new Error('OnCall has no user "bob" (has: alice)');
        let thrown: unknown;
        try {
            onBehalfOf(resource, () => {
                throw cause;
            });
        } catch (error) {
            thrown = error;
        }
        expect(pulumi.ResourceError.isInstance(thrown)).toBe(true);
        expect(thrown).toMatchObject({
            message: 'OnCall has no user "bob" (has: alice)',
            resource,
            hideStack: true,
            cause,
        });
    });

    it("keeps a ResourceError as it is", () => {
        const other = {} as pulumi.Resource;
        const error = new pulumi.ResourceError("already on a resource", other);
        expect(() =>
            onBehalfOf(resource, () => {
                throw error;
            }),
        ).toThrow(error);
    });
});
