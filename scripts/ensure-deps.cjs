// Installs the project's dependencies with `npm ci` when node_modules is missing or older than
// package-lock.json, so `npm test` and `npm run up` work on a fresh clone and after a pull that changed
// the lock file. Plain Node without dependencies: it runs before any are installed.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");

function mtimeMs(file) {
    try {
        return fs.statSync(file).mtimeMs;
    } catch {
        return undefined;
    }
}

// npm writes node_modules/.package-lock.json at the end of every install: older than the lock file
// means the lock file changed since.
const installed = mtimeMs(path.join(root, "node_modules", ".package-lock.json"));
const locked = mtimeMs(path.join(root, "package-lock.json"));
if (installed !== undefined && locked !== undefined && installed >= locked) {
    process.exit(0);
}

console.log(
    installed === undefined
        ? "oncall-lab: installing dependencies (npm ci)"
        : "oncall-lab: package-lock.json is newer than node_modules: reinstalling dependencies (npm ci)",
);
const npm = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
if (npm.error) {
    console.error(`oncall-lab: could not run npm: ${npm.error.message}`);
    process.exit(1);
}
process.exit(npm.status ?? 1);
