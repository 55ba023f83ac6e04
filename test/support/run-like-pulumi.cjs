// Runs a program through @pulumi/pulumi's own runner (cmd/run: its exit handlers and run.js's error reporting), as
// the Pulumi CLI's nodejs language host starts it, with Pulumi's mocks in place of the engine's resource monitor:
// what the runner prints when the program throws is what `pulumi up` shows. From the repository root:
//   node test/support/run-like-pulumi.cjs '<config as JSON>' [program, default: the project's main]
process.env.PULUMI_NODEJS_TYPESCRIPT = "true";
// Type checking is test/runtime.test.ts's: here only the runner's handling of errors matters.
process.env.PULUMI_NODEJS_TRANSPILE_ONLY = "true";
const pulumi = require("@pulumi/pulumi");

const [config = "{}", program = "."] = process.argv.slice(2);
process.argv = [process.argv[0], "run", "--monitor=mocks", "--project=oncall-lab", "--stack=dev", "--dry-run", program];
// Starts the runner: it parses the arguments and, once its hooks are ready (asynchronously), runs the program.
require("@pulumi/pulumi/cmd/run");
// In place before the program runs: the mocks stand in for the monitor the runner would connect to.
pulumi.runtime.setMocks(
    { newResource: (args) => ({ id: undefined, state: args.inputs }), call: (args) => args.inputs },
    "oncall-lab",
    "dev",
    true,
);
for (const [key, value] of Object.entries(JSON.parse(config))) pulumi.runtime.setConfig(key, value);
