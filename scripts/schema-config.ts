// `npm run schema:config`: writes Pulumi.yaml's `config:` block and the README's settings tables from the config schema
// (src/config/schema.ts); test/config-schema.test.ts fails while one differs.
import * as fs from "node:fs";
import * as path from "node:path";
import { withProjectConfig, withReadmeTables } from "../src/config/schemaText";

const root = path.join(__dirname, "..");
for (const [file, render] of [
    ["Pulumi.yaml", withProjectConfig],
    ["README.md", withReadmeTables],
] as const) {
    const full = path.join(root, file);
    fs.writeFileSync(full, render(fs.readFileSync(full, "utf8")));
    console.log(`wrote ${file}`);
}
