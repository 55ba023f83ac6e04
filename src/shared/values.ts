// Helm values: the static part lives in values/*.yaml, the computed part is merged in by each domain's
// builder (src/monitoring, src/grafana, src/oncall). Pure: it only reads the lab's own values files.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { isRecord } from "./records";

export type Values = { [key: string]: unknown };

export const VALUES_DIR = path.join(__dirname, "..", "..", "values");

export function loadValuesFile(file: string): Values {
    const parsed: unknown = parse(fs.readFileSync(path.join(VALUES_DIR, file), "utf8"));
    if (!isRecord(parsed)) throw new Error(`values/${file} must hold a YAML mapping`);
    return parsed;
}

/** Merges `override` into `base` like Helm does: mappings recursively, everything else replaced. */
export function mergeValues(base: Values, override: Values): Values {
    const merged: Values = { ...base };
    for (const [key, value] of Object.entries(override)) {
        const current = merged[key];
        merged[key] = isRecord(current) && isRecord(value) ? mergeValues(current, value) : value;
    }
    return merged;
}
