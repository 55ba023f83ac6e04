// Loads index.ts the way `pulumi up` does for this project: Pulumi's nodejs runtime registers the
// project's own ts-node and TypeScript with tsconfig.json (see @pulumi/pulumi/cmd/run/run.js), type
// checking included. Run from the repository root; mocks stand in for the engine.
const pulumi = require("@pulumi/pulumi");
const tsutils = require("@pulumi/pulumi/tsutils");

const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
require(tsnodeRequire).register({
    compiler: typescriptRequire,
    project: "tsconfig.json",
    skipProject: false,
    compilerOptions: {
        target: "ES2020",
        module: "nodenext",
        moduleResolution: "nodenext",
        sourceMap: "true",
        ...tsutils.loadTypeScriptCompilerOptions("tsconfig.json"),
    },
});
pulumi.runtime.setMocks(
    { newResource: (args) => ({ id: undefined, state: args.inputs }), call: (args) => args.inputs },
    "oncall-lab",
    "dev",
    true,
);
require(require("node:path").resolve("index.ts"));
console.log(
    `loaded index.ts with ts-node from ${require.resolve(tsnodeRequire)} and TypeScript ${require(typescriptRequire).version}`,
);
