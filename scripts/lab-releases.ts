// The lab's Helm releases as index.ts declares them for one target of `npm run render` (src/tools/render/targets.ts):
// the program runs under Pulumi's mocks, the same run the tests use, and each Release's chart, version, repository,
// name, namespace and values go to stdout as JSON. One target per process: Pulumi's runtime is process-global.
// Run with TS_NODE_COMPILER_OPTIONS={"module":"commonjs",...} (src/tools/render/render.ts does): the program's
// `import("../../index.js")` then is a require, which this hook points at index.ts.
import Module from "node:module";
import { renderTargets } from "../src/tools/render/targets";
import { reveal, runProgram } from "../test/support/program";

// Node's internal resolver (not in @types/node).
const loader = Module as unknown as {
    _resolveFilename: (this: unknown, request: string, ...rest: unknown[]) => string;
};
const resolve = loader._resolveFilename;
loader._resolveFilename = function (request: string, ...rest: unknown[]) {
    return resolve.call(this, request.endsWith("/index.js") ? request.replace(/\.js$/, ".ts") : request, ...rest);
};

/** The inputs of a helm.v3.Release this script reports. */
interface ReleaseInputs {
    name?: string;
    chart?: string;
    version?: string;
    repositoryOpts?: { repo?: string };
    namespace?: string;
    values?: Record<string, unknown>;
}

async function main(target: string): Promise<void> {
    const config = renderTargets[target];
    if (!config) throw new Error(`no render target ${target}: ${Object.keys(renderTargets).join(", ")}`);
    const run = await runProgram({ config });
    const releases = [...run.resources.values()]
        .filter((resource) => resource.type === "kubernetes:helm.sh/v3:Release")
        .map((resource) => {
            const inputs = reveal(resource.inputs) as ReleaseInputs;
            return {
                resource: resource.name,
                name: inputs.name,
                chart: inputs.chart,
                version: inputs.version,
                repo: inputs.repositoryOpts?.repo,
                namespace: inputs.namespace,
                values: inputs.values ?? {},
            };
        });
    process.stdout.write(`${JSON.stringify(releases)}\n`);
}

main(process.argv[2] ?? "").catch((error: unknown) => {
    process.stderr.write(`lab-releases: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
});
