// `npm run up | preview | destroy | pulumi -- <pulumi command> [flags...]`: the lab's pulumi, with its local backend
// and passphrase in .pulumi/ (see src/tools/lab/main.ts).
import { resolve } from "node:path";
import { findControlPlaneNode } from "../src/kind/provider";
import { exec, onPath } from "../src/tools/lab/host";
import { runLab } from "../src/tools/lab/main";
import { automationStack } from "../src/tools/lab/stack";

const root = resolve(__dirname, "..");
runLab(process.argv.slice(2), {
    root,
    env: process.env,
    exec,
    onPath: (command) => onPath(command),
    openStack: (name, env) => automationStack(root, name, env),
    clusterNode: findControlPlaneNode,
    out: { log: (line) => console.log(line), error: (line) => console.error(line) },
}).then(
    (code) => {
        process.exitCode = code;
    },
    // What runLab does not turn into a message of its own (a pulumi that cannot start, a state it cannot read).
    (error: unknown) => {
        console.error(`oncall-lab: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
    },
);
