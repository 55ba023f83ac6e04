// `npm run schema:team`: writes values/oncall-team.schema.json from the team file's zod schema
// (src/team/schema.ts); test/team-schema.test.ts fails while the committed file differs.
import * as fs from "node:fs";
import * as path from "node:path";
import { teamJsonSchemaText } from "../src/team/schema";
import { TEAM_SCHEMA_FILE } from "../src/team/team";

fs.writeFileSync(TEAM_SCHEMA_FILE, teamJsonSchemaText());
console.log(`wrote ${path.relative(process.cwd(), TEAM_SCHEMA_FILE)}`);
