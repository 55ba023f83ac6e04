// The machine as scripts/lab.ts sees it: programs on PATH and their answers.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Exec } from "./tools";

/** Runs a program without a shell, its output captured; undefined when it is not on PATH. */
export const exec: Exec = (command, args) =>
    new Promise((resolve) => {
        execFile(command, args, { encoding: "utf8", timeout: 30_000 }, (error, stdout) => {
            if (error?.code === "ENOENT") return resolve(undefined);
            resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout });
        });
    });

/** Whether an executable of that name is on PATH. */
export function onPath(command: string, pathVariable = process.env.PATH ?? ""): boolean {
    return pathVariable.split(path.delimiter).some((dir) => {
        try {
            fs.accessSync(path.join(dir || ".", command), fs.constants.X_OK);
            return true;
        } catch {
            return false;
        }
    });
}
