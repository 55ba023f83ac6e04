// values/oncall-team.schema.json: generated from the zod schema, named by the team file, and it accepts the file.
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { rosterJsonSchemaText } from "../src/team/schema";
import { DEFAULT_ROSTER_FILE, ROSTER_SCHEMA_FILE } from "../src/team/roster";

const committed = fs.readFileSync(ROSTER_SCHEMA_FILE, "utf8");
const shipped = () => parse(fs.readFileSync(DEFAULT_ROSTER_FILE, "utf8"));

describe("the team file's JSON schema", () => {
    it("is the one the zod schema generates (run `npm run schema:team` after changing src/team/schema.ts)", () => {
        expect(committed).toBe(rosterJsonSchemaText());
    });

    it("is what the team file names for yaml-language-server, on its first line", () => {
        expect(fs.readFileSync(DEFAULT_ROSTER_FILE, "utf8").split("\n")[0]).toBe(
            "# yaml-language-server: $schema=./oncall-team.schema.json",
        );
    });

    // Read back by zod's own JSON-schema reader: the committed file itself accepts and refuses, not the zod schema.
    const fromJsonSchema = z.fromJSONSchema(JSON.parse(committed));

    it("accepts the shipped team file", () => {
        expect(fromJsonSchema.safeParse(shipped()).success).toBe(true);
    });

    it.each<[string, (raw: any) => void, string]>([
        ["an unknown key", (r) => (r.people[0].emial = "x"), "people.0"],
        [
            "a duration with its units out of order",
            (r) => (r.escalation.steps[1].duration = "1s1m"),
            "escalation.steps.1",
        ],
        [
            "a type the lab does not support",
            (r) => (r.escalation.steps[0].type = "notify_team_members"),
            "escalation.steps.0",
        ],
        ["a login with capitals", (r) => (r.people[1].login = "Bob"), "people.1.login"],
        ["a start with an offset", (r) => (r.rotation.start = "2025-01-06T09:00:00Z"), "rotation.start"],
        ["an empty rotation", (r) => (r.rotation.people = []), "rotation.people"],
    ])("refuses %s", (_, change, where) => {
        const raw = shipped();
        change(raw);
        const result = fromJsonSchema.safeParse(raw);
        expect(result.success).toBe(false);
        expect(result.error!.issues.map((issue) => issue.path.join("."))).toContain(where);
    });
});
