// The machine as scripts/lab.ts sees it: the answers of programs on PATH.
import { execFile } from "node:child_process";
import type { Exec } from "./tools";

/** Runs a program without a shell, its output captured; undefined when it is not on PATH. */
export const exec: Exec = (command, args) =>
    new Promise((resolve) => {
        execFile(command, args, { encoding: "utf8", timeout: 30_000 }, (error, stdout) => {
            if (error?.code === "ENOENT") return resolve(undefined);
            resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout });
        });
    });
