// The Kind target's resource graph is users' state: its URNs, types, parents and providers are the list recorded
// from main before the existing-cluster target was added (test/fixtures/kind-graph.json), so that `pulumi preview`
// of a kind stack shows no replacement.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { ProgramRun, runProgram } from "./support/program";

const FIXTURE = path.join(__dirname, "fixtures", "kind-graph.json");
const valueOf = <T>(output: pulumi.Output<T>) => new Promise<T>(resolve => output.apply(resolve));
let run: ProgramRun;

beforeAll(async () => {
    run = await runProgram();
});

/** URN, type, parent URN and provider reference (URN::id) of every resource, sorted by URN. */
async function graph() {
    const rows = await Promise.all([...run.resources.values()].map(async r => ({
        urn: await valueOf(r.resource.urn),
        type: r.type,
        parent: r.opts.parent ? await valueOf(r.opts.parent.urn) : undefined,
        provider: r.provider ?? null,
        deletedWith: r.opts.deletedWith ? await valueOf(r.opts.deletedWith.urn) : null,
    })));
    return rows.sort((a, b) => a.urn.localeCompare(b.urn));
}

describe("the kind target's resource graph", () => {
    it("is the one recorded from main: same URNs, types, parents, providers and deletedWith", async () => {
        const got = await graph();
        if (process.env.RECORD_KIND_GRAPH) fs.writeFileSync(FIXTURE, `${JSON.stringify(got, null, 2)}\n`);
        expect(got).toEqual(JSON.parse(fs.readFileSync(FIXTURE, "utf8")));
    });
});
