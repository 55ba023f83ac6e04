// `npm run up | preview | destroy | pulumi -- <pulumi command> [flags...]`: the lab's pulumi, with its local backend
// and passphrase in .pulumi/ (see src/tools/lab/main.ts).
import { resolve } from "node:path";
import { exec } from "../src/tools/lab/host";
import { runLab } from "../src/tools/lab/main";
import { onPath } from "../src/tools/shared/processes";
import type * as LabStackModule from "../src/tools/lab/stack";
import type * as KindProviderModule from "../src/kind/provider";

const root = resolve(__dirname, "..");
// The Pulumi SDK loads on first use (a third of the program's start): a refusal or a missing tool answers without it.
runLab(process.argv.slice(2), {
    root,
    env: process.env,
    exec,
    onPath,
    openStack: (name, env) =>
        (require("../src/tools/lab/stack") as typeof LabStackModule).automationStack(root, name, env),
    clusterNode: (clusterName) =>
        (require("../src/kind/provider") as typeof KindProviderModule).findControlPlaneNode(clusterName),
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
