// `npm run render`: what the lab installs, for each target. The three releases as the program declares
// them (scripts/lab-releases.ts) are rendered by `helm template` at the pinned charts with the lab's
// values; every object is validated (schemas.ts) and every value the lab sets must be read by the chart
// (valuesRead.ts). Needs Helm on PATH, and the internet to pull the charts unless --charts names a
// folder holding them (<folder>/<chart name>/Chart.yaml at the pinned version).
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import YAML from "yaml";
import { configDefaults } from "../../config/config";
import { type OptionSpec, optionLines, parseOptions, repoRoot, tsNodeProgram } from "../shared/cli";
import { crdValidators, type K8sObject, validateObjects } from "./schemas";
import { renderTargets } from "./targets";
import { readChartRefs, unreadValues } from "./valuesRead";

const run = promisify(execFile);

export interface LabRelease {
    resource: string;
    name: string;
    chart: string;
    version: string;
    repo: string;
    namespace: string;
    values: Record<string, unknown>;
}

const specs = {
    target: { flag: "--target", help: `render one target: ${Object.keys(renderTargets).join(" or ")} (default both)` },
    charts: {
        flag: "--charts",
        env: "RENDER_CHARTS_DIR",
        help: "folder with the charts (<folder>/<chart>/Chart.yaml) instead of pulling them",
    },
    out: { flag: "--out", help: "folder the rendered manifests are written to (default a temporary folder)" },
} satisfies Record<string, OptionSpec>;

export function renderUsage(): string {
    return [
        "usage: npm run render [-- options]",
        "Renders the lab's three Helm releases for each target, validates every object and checks every value is read.",
        ...optionLines(specs),
    ].join("\n");
}

/** The Kubernetes version the lab runs: the kindest/node tag it pins (v1.37.0). */
export function pinnedKubeVersion(image = configDefaults.kindNodeImage): string {
    const tag = /:(v\d+\.\d+\.\d+)/.exec(image)?.[1];
    if (!tag) throw new Error(`no Kubernetes version in ${image}`);
    return tag;
}

/** Objects of a multi-document manifest (empty documents left out). */
export function manifestObjects(text: string): K8sObject[] {
    return YAML.parseAllDocuments(text)
        .map((document) => document.toJSON() as K8sObject | null)
        .filter((object): object is K8sObject => object !== null && typeof object === "object");
}

async function labReleases(target: string, env: NodeJS.ProcessEnv): Promise<LabRelease[]> {
    const compilerOptions = JSON.stringify({
        module: "commonjs",
        moduleResolution: "node10",
        ignoreDeprecations: "6.0",
    });
    const { stdout } = await run(...tsNodeProgram(repoRoot, "scripts/lab-releases.ts", [target]), {
        cwd: repoRoot,
        env: { ...env, TS_NODE_COMPILER_OPTIONS: compilerOptions },
        maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(stdout.trim().split("\n").at(-1) ?? "[]") as LabRelease[];
}

/** The chart's folder: under --charts, else pulled into the cache; either way at the pinned version. */
export async function chartDir(
    release: LabRelease,
    chartsDir: string | undefined,
    cache: string,
    env: NodeJS.ProcessEnv,
): Promise<string> {
    const dir = join(chartsDir ?? cache, release.chart);
    if (!chartsDir && !existsSync(dir)) {
        await run(
            "helm",
            [
                "pull",
                release.chart,
                "--repo",
                release.repo,
                "--version",
                release.version,
                "--untar",
                "--untardir",
                cache,
            ],
            { env },
        );
    }
    const version = (YAML.parse(readFileSync(join(dir, "Chart.yaml"), "utf8")) as { version?: string }).version;
    if (version !== release.version)
        throw new Error(`${dir} holds ${release.chart} ${version}, not the pinned ${release.version}`);
    return dir;
}

interface Rendered {
    release: LabRelease;
    objects: K8sObject[];
    unread: string[];
}

async function renderRelease(
    release: LabRelease,
    dir: string,
    work: string,
    out: string,
    env: NodeJS.ProcessEnv,
): Promise<Rendered> {
    const valuesFile = join(work, `${release.resource}.values.json`);
    writeFileSync(valuesFile, JSON.stringify(release.values));
    const { stdout } = await run(
        "helm",
        [
            "template",
            release.name,
            dir,
            "--namespace",
            release.namespace,
            "--values",
            valuesFile,
            "--kube-version",
            pinnedKubeVersion(),
            "--include-crds",
        ],
        { env, maxBuffer: 256 * 1024 * 1024 },
    );
    writeFileSync(join(out, `${release.resource}.yaml`), stdout);
    return { release, objects: manifestObjects(stdout), unread: unreadValues(release.values, readChartRefs(dir)) };
}

/** Renders one target's releases; returns the report's lines and whether everything passed. */
async function renderTarget(
    target: string,
    chartsDir: string | undefined,
    cache: string,
    outRoot: string,
    env: NodeJS.ProcessEnv,
): Promise<{ lines: string[]; ok: boolean }> {
    const work = mkdtempSync(join(tmpdir(), "oncall-lab-render-"));
    const out = join(outRoot, target);
    mkdirSync(out, { recursive: true });
    try {
        const rendered: Rendered[] = [];
        for (const release of await labReleases(target, env)) {
            rendered.push(await renderRelease(release, await chartDir(release, chartsDir, cache, env), work, out, env));
        }
        const all = rendered.flatMap((item) => item.objects);
        const crds = crdValidators(all.filter((object) => object.kind === "CustomResourceDefinition"));
        const lines: string[] = [];
        let ok = true;
        for (const { release, objects, unread } of rendered) {
            const problems = await validateObjects(
                objects.filter((object) => object.kind !== "CustomResourceDefinition"),
                crds,
            );
            ok &&= problems.length === 0 && unread.length === 0;
            lines.push(
                `${target}: ${release.chart} ${release.version} (${release.name} in ${release.namespace}): ${objects.length} objects, ${problems.length} schema problems, ${unread.length} values nothing reads`,
            );
            lines.push(
                ...problems.map((problem) => `  schema: ${problem}`),
                ...unread.map((path) => `  not read by the chart: ${path}`),
            );
        }
        return { lines, ok };
    } finally {
        rmSync(work, { recursive: true, force: true });
    }
}

export async function runRender(
    argv: string[],
    env: NodeJS.ProcessEnv,
    out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
    const parsed = parseOptions(specs, argv, env, renderUsage());
    if (parsed === "help") {
        out(renderUsage());
        return 0;
    }
    const targets = parsed.target ? [parsed.target] : Object.keys(renderTargets);
    for (const target of targets)
        if (!renderTargets[target])
            throw new Error(`--target: ${target} is not ${Object.keys(renderTargets).join(" or ")}`);
    const cache = mkdtempSync(join(tmpdir(), "oncall-lab-charts-"));
    const outRoot = parsed.out ?? mkdtempSync(join(tmpdir(), "oncall-lab-rendered-"));
    let ok = true;
    try {
        out(`Kubernetes ${pinnedKubeVersion()}; manifests in ${outRoot}`);
        for (const target of targets) {
            const result = await renderTarget(target, parsed.charts, cache, outRoot, env);
            result.lines.forEach((line) => out(line));
            ok &&= result.ok;
        }
    } finally {
        rmSync(cache, { recursive: true, force: true });
    }
    out(
        ok ? "OK: every object matches its schema and the charts read every value the lab sets." : "FAILED: see above.",
    );
    return ok ? 0 : 1;
}
