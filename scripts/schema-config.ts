// `npm run schema:config`: writes Pulumi.yaml's `config:` block, the README's settings tables and scripts/lab.sh's list
// of secret keys from the config schema (src/config/schema.ts); test/config-schema.test.ts fails while one differs.
import * as fs from "node:fs";
import * as path from "node:path";
import { withLabScriptSecrets, withProjectConfig, withReadmeTables } from "../src/config/schemaText";

const root = path.join(__dirname, "..");
for (const [file, render] of [["Pulumi.yaml", withProjectConfig], ["README.md", withReadmeTables], ["scripts/lab.sh", withLabScriptSecrets]] as const) {
    const full = path.join(root, file);
    fs.writeFileSync(full, render(fs.readFileSync(full, "utf8")));
    console.log(`wrote ${file}`);
}
