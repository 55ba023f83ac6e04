// How the lab refuses input it cannot use (the config, the team file): every problem at once, one per line.
import { RunError } from "@pulumi/pulumi";

/** A RunError: Pulumi's runner (cmd/run/run.js) prints it as its message alone, any other error with a stack trace. */
export class ProblemsError extends RunError {
    constructor(
        what: string,
        readonly problems: string[],
        hint?: string,
    ) {
        super(`invalid ${what}:\n  - ${problems.join("\n  - ")}${hint ? `\n${hint}` : ""}`);
        this.name = "ProblemsError";
    }
}
