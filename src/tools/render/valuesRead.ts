// Whether the chart reads every value the lab sets: a value no template of the chart (or of the
// sub-chart its first key names, or of any chart for `global`) refers to is ignored by Helm without a
// word, which is how a misspelt or moved key goes unnoticed. A reference covers everything under it
// (`toYaml .Values.grafana.ini` reads all of grafana.ini), and a value covers the references under it.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { isRecord } from "../../shared/records";

export interface ChartRefs {
    name: string;
    /** A library chart (type: library) has no values of its own. */
    library?: boolean;
    /** Value paths the chart's templates (and Chart.yaml's dependency conditions) refer to. */
    refs: string[][];
    /** Sub-charts by the key their values sit under (alias, else name). */
    subcharts: Record<string, ChartRefs>;
}

/** Every leaf of a values tree: a scalar, a list (read as a whole) or an empty map. */
export function leafPaths(values: unknown, prefix: string[] = []): string[][] {
    if (!isRecord(values) || Object.keys(values).length === 0) return prefix.length ? [prefix] : [];
    return Object.entries(values).flatMap(([key, value]) => leafPaths(value, [...prefix, key]));
}

/**
 * `.Values.a.b` (also through a variable holding .Values, as `$Values := (.helm).Values | default .Values`),
 * `index .Values "a" "b"`, `get .Values "a"`, and Bitnami's dotted paths (`"providedValues" (list "auth.password")`,
 * `getValueFromKey (dict "key" "a.b")`). A bare `.Values` reads nothing by itself.
 */
export function templateReferences(text: string): string[][] {
    const refs: string[][] = [];
    const holders = new Set([
        "\\.Values",
        ...[...text.matchAll(/\$(\w+)\s*:?=[^}\n]*?\.Values(?![.\w])/g)].map((match) => `\\$${match[1]}`),
    ]);
    for (const holder of holders) {
        for (const match of text.matchAll(new RegExp(`${holder}((?:\\.[A-Za-z0-9_]+)+)`, "g")))
            refs.push(match[1].slice(1).split("."));
    }
    for (const match of text.matchAll(/(?:index|get)\s+\$?\.Values((?:\s+"[^"]+")+)/g)) {
        refs.push([...match[1].matchAll(/"([^"]+)"/g)].map((key) => key[1]));
    }
    for (const match of text.matchAll(
        /"providedValues"\s+\(list((?:\s+"[^"]+")+)\s*\)|getValueFromKey"\s+\(dict\s+"key"\s+("[^"]+")/g,
    )) {
        refs.push(...[...(match[1] ?? match[2]).matchAll(/"([^"]+)"/g)].map((path) => path[1].split(".")));
    }
    return refs;
}

const covers = (ref: string[], path: string[]) => ref.every((part, i) => i >= path.length || path[i] === part);

function globalRefs(chart: ChartRefs): string[][] {
    const own = chart.refs.filter((ref) => ref[0] === "global").map((ref) => ref.slice(1));
    return [...own, ...Object.values(chart.subcharts).flatMap(globalRefs)];
}

function isRead(chart: ChartRefs, path: string[], globals: string[][]): boolean {
    if (path.length === 0) return true;
    if (path[0] === "global") return globals.some((ref) => covers(ref, path.slice(1)));
    if (chart.refs.some((ref) => covers(ref, path))) return true;
    const sub = chart.subcharts[path[0]];
    return sub !== undefined && isRead(sub, path.slice(1), globals);
}

/** The lab's values nothing in the chart reads, as dotted paths. */
export function unreadValues(values: unknown, chart: ChartRefs): string[] {
    const globals = globalRefs(chart);
    return leafPaths(values)
        .filter((path) => !isRead(chart, path, globals))
        .map((path) => path.join("."));
}

function filesUnder(dir: string): string[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir).flatMap((entry) => {
        const path = join(dir, entry);
        return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });
}

/**
 * A chart directory's references: templates, values.yaml (tpl strings), Chart.yaml conditions; sub-charts under
 * charts/ (directories or .tgz).
 */
export function readChartRefs(dir: string): ChartRefs {
    const meta = YAML.parse(readFileSync(join(dir, "Chart.yaml"), "utf8")) as {
        name: string;
        type?: string;
        dependencies?: { name: string; alias?: string; condition?: string }[];
    };
    const texts = [...filesUnder(join(dir, "templates")), join(dir, "values.yaml")]
        .filter(existsSync)
        .map((file) => readFileSync(file, "utf8"));
    const conditions = (meta.dependencies ?? []).flatMap((dependency) =>
        (dependency.condition ?? "")
            .split(",")
            .filter(Boolean)
            .map((condition) => condition.trim().split(".")),
    );
    const subcharts: Record<string, ChartRefs> = {};
    const libraryRefs: string[][] = [];
    for (const sub of subchartDirs(join(dir, "charts"))) {
        const refs = readChartRefs(sub.dir);
        // A library chart's helpers run with the including chart's context: they read its values.
        if (refs.library) libraryRefs.push(...refs.refs);
        const dependency = meta.dependencies?.find((candidate) => candidate.name === refs.name);
        subcharts[dependency?.alias ?? refs.name] = refs;
        sub.cleanup();
    }
    return {
        name: meta.name,
        library: meta.type === "library",
        refs: [...texts.flatMap(templateReferences), ...conditions, ...libraryRefs],
        subcharts,
    };
}

function subchartDirs(charts: string): { dir: string; cleanup(): void }[] {
    if (!existsSync(charts)) return [];
    return readdirSync(charts).flatMap((entry) => {
        const path = join(charts, entry);
        if (statSync(path).isDirectory())
            return existsSync(join(path, "Chart.yaml")) ? [{ dir: path, cleanup: () => undefined }] : [];
        if (!entry.endsWith(".tgz")) return [];
        const into = mkdtempSync(join(tmpdir(), "oncall-lab-subchart-"));
        execFileSync("tar", ["-xzf", path, "-C", into]);
        const [top] = readdirSync(into);
        return [{ dir: join(into, top), cleanup: () => rmSync(into, { recursive: true, force: true }) }];
    });
}
