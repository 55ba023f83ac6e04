import type * as pulumi from "@pulumi/pulumi";
import { expect } from "vitest";
import { EXISTING_LEAST } from "../../src/tools/render/targets";
import { type ProgramRun, type RecordedResource, reveal } from "./program";

/** The least an existing-target stack sets (target, context, the two hosts, a real SMTP server) but its TLS, which each test picks. */
export const EXISTING_CONFIG = EXISTING_LEAST;

/** Look-ups into a program run: a resource by name (failing when absent), all of them, an output's value, a release's values. */
export function lookups(run: () => ProgramRun) {
    const get = (name: string): RecordedResource =>
        run().resources.get(name) ?? expect.fail(`the program declares no ${name}`);
    return {
        get,
        all: () => [...run().resources.values()],
        valueOf: <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve)),
        values: (release: string) => reveal(get(release).inputs.values) as any,
    };
}
