// The existing target's resource graph, for the least an existing stack sets (test/support/existing.ts): its URNs,
// types, parents, providers and deletedWith are the recorded list (test/fixtures/existing-graph.json), so a rename or
// a new parent, which `pulumi up` on a team's cluster would turn into a delete and a create, shows in review.
// A change that means it records the list again: RECORD_GRAPHS=1 npx vitest run test/existing-graph.test.ts
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { renderTargets } from "../src/tools/render/targets";
import { recordedGraph, resourceGraph } from "./support/graph";
import { type ProgramRun, runProgram } from "./support/program";

const FIXTURE = path.join(__dirname, "fixtures", "existing-graph.json");
let run: ProgramRun;

beforeAll(async () => {
    run = await runProgram({ config: renderTargets.existing });
});

describe("the existing target's resource graph", () => {
    it("is the recorded one: same URNs, types, parents, providers and deletedWith", async () => {
        const got = await resourceGraph(run);
        expect(got).toEqual(recordedGraph(FIXTURE, got));
    });
});
