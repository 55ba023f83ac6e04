// scripts/ensure-deps.cjs (npm's pretest and every other pre<script>) on a copy of the project, with a stub npm.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

let work: string;
let project: string;
let stubs: string;
let log: string;

const lockFile = () => path.join(project, "package-lock.json");
const installMarker = () => path.join(project, "node_modules", ".package-lock.json");

/** A stand-in for npm that logs its arguments and directory and, like `npm ci`, writes node_modules/.package-lock.json. */
function writeNpmStub(exitCode = 0): void {
    const file = path.join(stubs, "npm");
    fs.writeFileSync(
        file,
        `#!/bin/bash
printf '%s\\n' "npm $* in $PWD" >> '${log}'
[ ${exitCode} -eq 0 ] || exit ${exitCode}
mkdir -p node_modules && printf '{}' > node_modules/.package-lock.json
`,
    );
    fs.chmodSync(file, 0o755);
}

function ensureDeps() {
    const result = spawnSync(process.execPath, [path.join(project, "scripts", "ensure-deps.cjs")], {
        encoding: "utf8",
        env: { PATH: `${stubs}:/usr/bin:/bin` },
    });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
    return { ...result, calls };
}

/** Sets a file's modification time, in seconds relative to now. */
function age(file: string, secondsFromNow: number): void {
    const time = new Date(Date.now() + secondsFromNow * 1000);
    fs.utimesSync(file, time, time);
}

beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "oncall-lab-deps-"));
    project = path.join(work, "project");
    stubs = path.join(work, "bin");
    log = path.join(work, "calls.log");
    fs.mkdirSync(path.join(project, "scripts"), { recursive: true });
    fs.mkdirSync(stubs);
    fs.copyFileSync(
        path.join(__dirname, "..", "scripts", "ensure-deps.cjs"),
        path.join(project, "scripts", "ensure-deps.cjs"),
    );
    fs.writeFileSync(lockFile(), "{}");
    writeNpmStub();
});

afterEach(() => {
    fs.rmSync(work, { recursive: true, force: true });
});

describe("scripts/ensure-deps.cjs", () => {
    it("runs npm ci in the project when node_modules is missing", () => {
        const { status, calls, stdout } = ensureDeps();

        expect(status).toBe(0);
        expect(calls).toEqual([`npm ci --no-audit --no-fund in ${project}`]);
        expect(stdout).toContain("installing dependencies");
        expect(fs.existsSync(installMarker())).toBe(true);
    });

    it("does nothing when node_modules was installed after the lock file was written", () => {
        ensureDeps();
        fs.rmSync(log);

        const { status, calls, stdout } = ensureDeps();

        expect(status).toBe(0);
        expect(calls).toEqual([]);
        expect(stdout).toBe("");
    });

    it("reinstalls when package-lock.json is newer than node_modules", () => {
        ensureDeps();
        fs.rmSync(log);
        age(installMarker(), -60);

        const { status, calls, stdout } = ensureDeps();

        expect(status).toBe(0);
        expect(calls).toEqual([`npm ci --no-audit --no-fund in ${project}`]);
        expect(stdout).toContain("package-lock.json is newer than node_modules");
    });

    it("reinstalls a node_modules that npm did not finish (no .package-lock.json)", () => {
        fs.mkdirSync(path.join(project, "node_modules"));

        expect(ensureDeps().calls).toEqual([`npm ci --no-audit --no-fund in ${project}`]);
    });

    it("fails with npm's exit code when npm ci fails", () => {
        writeNpmStub(7);

        expect(ensureDeps().status).toBe(7);
    });

    it("says so when npm cannot be run", () => {
        fs.rmSync(path.join(stubs, "npm"));

        const result = spawnSync(process.execPath, [path.join(project, "scripts", "ensure-deps.cjs")], {
            encoding: "utf8",
            env: { PATH: stubs },
        });

        expect(result.status).toBe(1);
        expect(result.stderr).toContain("oncall-lab: could not run npm");
    });
});

describe("every npm script on a fresh clone (no node_modules)", () => {
    const scripts: Record<string, string> = JSON.parse(
        fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"),
    ).scripts;
    // Every script but the hooks themselves (pre<script>, post<script>) needs them, scripts/lab.ts's up and preview too.
    const needingDeps = Object.keys(scripts).filter(
        (name) => !/^(pre|post)./.test(name) || !(name.replace(/^(pre|post)/, "") in scripts),
    );
    const realNpm = spawnSync("/bin/sh", ["-c", "command -v npm"], { encoding: "utf8" }).stdout.trim();
    // The programs the scripts start (ts-node, tsc, vitest...): `npm ci` puts them in node_modules/.bin.
    const programs = [
        ...new Set(
            Object.values(scripts).flatMap((command) => command.split("&&").map((part) => part.trim().split(" ")[0])),
        ),
    ].filter((program) => !["node", "bash"].includes(program));

    beforeEach(() => {
        fs.copyFileSync(path.join(__dirname, "..", "package.json"), path.join(project, "package.json"));
        const bins = programs.map(
            (program) =>
                `printf '#!/bin/sh\\necho "${program} ran"\\n' > node_modules/.bin/${program} && chmod +x node_modules/.bin/${program}`,
        );
        fs.writeFileSync(
            path.join(stubs, "npm"),
            `#!/bin/bash
printf '%s\\n' "npm $* in $PWD" >> '${log}'
mkdir -p node_modules/.bin && printf '{}' > node_modules/.package-lock.json
${bins.join("\n")}
`,
            { mode: 0o755 },
        );
    });

    it("lists the scripts that need the dependencies", () => {
        expect(needingDeps).toEqual(
            expect.arrayContaining([
                "smoke",
                "check:versions",
                "e2e",
                "typecheck",
                "test",
                "up",
                "preview",
                "destroy",
                "pulumi",
            ]),
        );
    });

    it.each(needingDeps)("npm run %s installs them first", (name) => {
        const result = spawnSync(realNpm, ["run", "--silent", name, "--", "--list"], {
            cwd: project,
            encoding: "utf8",
            env: { PATH: `${stubs}:${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: work },
        });
        expect(result.stderr).not.toContain("not found");
        expect(result.status, result.stderr).toBe(0);
        expect(fs.readFileSync(log, "utf8")).toContain(`npm ci --no-audit --no-fund in ${project}`);
        expect(result.stdout).toContain("ran");
    });
});
