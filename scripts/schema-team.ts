// `npm run schema:team`: writes values/oncall-team.schema.json from the team file's zod schema
// (src/team/schema.ts); test/team-schema.test.ts fails while the committed file differs.
import * as fs from "node:fs";
import * as path from "node:path";
import { rosterJsonSchemaText } from "../src/team/schema";
import { ROSTER_SCHEMA_FILE } from "../src/team/roster";

fs.writeFileSync(ROSTER_SCHEMA_FILE, rosterJsonSchemaText());
console.log(`wrote ${path.relative(process.cwd(), ROSTER_SCHEMA_FILE)}`);
