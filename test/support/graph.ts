// A program run's resource graph as users' state holds it: URN, type, parent URN, provider reference
// (URN::id) and deletedWith of every resource, sorted by URN. A change here is a replacement or a
// rename in everyone's `pulumi up`, so the graph tests compare it with a recorded fixture.
import * as fs from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import type { ProgramRun } from "./program";

const valueOf = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

export async function resourceGraph(run: ProgramRun) {
    const rows = await Promise.all(
        [...run.resources.values()].map(async (r) => ({
            urn: await valueOf(r.resource.urn),
            type: r.type,
            parent: r.opts.parent ? await valueOf(r.opts.parent.urn) : undefined,
            provider: r.provider ?? null,
            deletedWith: r.opts.deletedWith ? await valueOf(r.opts.deletedWith.urn) : null,
        })),
    );
    return rows.sort((a, b) => a.urn.localeCompare(b.urn));
}

/** The recorded graph; with RECORD_GRAPHS set (or the older RECORD_KIND_GRAPH), `got` is written as the new record first. */
export function recordedGraph(fixture: string, got: unknown): unknown {
    if (process.env.RECORD_GRAPHS || process.env.RECORD_KIND_GRAPH)
        fs.writeFileSync(fixture, `${JSON.stringify(got, null, 2)}\n`);
    return JSON.parse(fs.readFileSync(fixture, "utf8"));
}
