// scripts/lab.sh (npm run up / preview / destroy / pulumi) against stub pulumi, docker and kind executables,
// run on a copy of the project so that what a run leaves in the project directory can be checked.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const repo = path.join(__dirname, "..");

const PULUMI_STUB = `#!/bin/bash
# Stand-in for the pulumi CLI, with the behaviour scripts/lab.sh depends on. Like pulumi's DIY
# backend and passphrase secrets provider: \`stack init\` writes encryptionsalt to Pulumi.<stack>.yaml
# next to the project file (found from the working directory up); config-reading commands use
# --config-file instead when given (others reject the flag), add a missing salt to the config file
# (from the state with PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER=true, else a new one) and fail with
# "incorrect passphrase" when the salt does not belong to the passphrase.
printf '%s\\n' "pulumi $* | cwd=$PWD backend=$PULUMI_BACKEND_URL passfile=$PULUMI_CONFIG_PASSPHRASE_FILE fallback=$PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER" >> "$STUB_LOG"
fail() { echo "error: $*" >&2; exit 255; }
words=() stack="" config_file="" has_config_file=false create=false
while [ $# -gt 0 ]; do
  case "$1" in
    --stack | -s) stack="$2"; shift ;;
    --config-file) config_file="$2"; has_config_file=true; shift ;;
    --target | --secrets-provider) shift ;;
    --create) create=true ;;
    -*) ;;
    *) words+=("$1") ;;
  esac
  shift
done
command="\${words[0]}"
case "$command" in stack | state) command="$command \${words[1]}" && words=("\${words[@]:1}") ;; esac
case "$command" in
  up | preview | destroy | refresh | config) ;;
  *) [ "$has_config_file" = false ] || fail "unknown flag: --config-file" ;;
esac
[ -n "$stack" ] || stack="\${words[1]}"
backend="\${PULUMI_BACKEND_URL#file://}/stacks"
mkdir -p "$backend"
project_dir="$PWD"
while [ ! -f "$project_dir/Pulumi.yaml" ]; do
  [ -n "$project_dir" ] || fail "no Pulumi.yaml project file found"
  project_dir="\${project_dir%/*}"
done
[ -n "$config_file" ] || config_file="$project_dir/Pulumi.$stack.yaml"
passphrase() {
  if [ -n "\${PULUMI_CONFIG_PASSPHRASE:-}" ]; then printf '%s' "$PULUMI_CONFIG_PASSPHRASE"; else cat "$PULUMI_CONFIG_PASSPHRASE_FILE"; fi
}
salt_of_passphrase() { printf 'v1:%s' "$(passphrase | sha256sum | cut -c1-24)"; }
salt_in() { [ -f "$1" ] && grep '^encryptionsalt: ' "$1" | cut -d' ' -f2; }
exists() { [ -f "$backend/$stack.salt" ]; }
# The salt from the config file, or one added to it; fails unless it belongs to the passphrase.
config_salt() {
  local salt
  salt="$(salt_in "$config_file")"
  if [ -z "$salt" ]; then
    if [ "\${PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER:-}" = true ] && exists; then
      salt="$(cat "$backend/$stack.salt")"
    else
      salt="$(salt_of_passphrase)"
    fi
    printf 'encryptionsalt: %s\\n' "$salt" >> "$config_file"
  fi
  [ "$salt" = "$(salt_of_passphrase)" ] || fail "incorrect passphrase"
  printf '%s' "$salt"
}
# Some of what \`pulumi up\` leaves in the state.
lab_urns=(
  "urn:pulumi:$stack::oncall-lab::oncall-lab:index:KindCluster\\$pulumi-nodejs:dynamic:KindCluster::kind-cluster"
  "urn:pulumi:$stack::oncall-lab::pulumi:providers:kubernetes::kubernetes"
  "urn:pulumi:$stack::oncall-lab::oncall-lab:index:OnCallWiring\\$pulumi-nodejs:dynamic:Resource::oncall-wiring-connection"
  "urn:pulumi:$stack::oncall-lab::oncall-lab:index:OnCallWiring\\$grafana:oncall/integration:Integration::oncall-wiring-integration"
)
init() {
  ! exists || fail "stack '$stack' already exists"
  salt="$(config_salt)" || exit 255
  printf '%s' "$salt" > "$backend/$stack.salt"
  : > "$backend/$stack.resources"
}
case "$command" in
  "stack select")
    exists || { [ "$create" = true ] && init; } || fail "no stack named '$stack' found" ;;
  "stack init")
    init ;;
  "stack export")
    exists || fail "no stack named '$stack' found"
    resources=""
    while IFS= read -r urn; do
      id="\${urn##*::}-id"; [ "$id" != kind-cluster-id ] || id=oncall-lab
      resources+="\${resources:+,}{\\"urn\\":\\"$urn\\",\\"id\\":\\"$id\\"}"
    done < "$backend/$stack.resources"
    printf '{"version":3,"deployment":{"manifest":{}%s}}\\n' "\${resources:+,\\"resources\\":[$resources]}" ;;
  "state delete")
    exists || fail "no stack named '$stack' found"
    # Every resource of the stub's lab depends on the kind cluster.
    [ "\${words[1]}" = "\${lab_urns[0]}" ] || fail "pulumi stub: unexpected state delete \${words[1]}"
    : > "$backend/$stack.resources" ;;
  up | preview | destroy | refresh | config | "stack output")
    exists || fail "no stack named '$stack' found"
    if [ "$command" != "stack output" ]; then
      salt="$(config_salt)" || exit 255
      [ "$salt" = "$(cat "$backend/$stack.salt")" ] || fail "failed to decrypt the stack's secrets"
    fi
    case "$command" in
      up) printf '%s\\n' "\${lab_urns[@]}" > "$backend/$stack.resources" ;;
      destroy) : > "$backend/$stack.resources" ;;
      config) [ "\${words[1]}" != set ] || printf 'config:\\n  %s: %s\\n' "\${words[2]}" "\${words[3]}" >> "$config_file" ;;
    esac ;;
  *) fail "pulumi stub: unexpected command: $command" ;;
esac
`;

let work: string;
let project: string;
let stubs: string;
let tools: string;
let log: string;

function stub(name: string, body: string): void {
    const file = path.join(stubs, name);
    fs.writeFileSync(file, body.startsWith("#!") ? body : `#!/bin/bash\n${body}\n`);
    fs.chmodSync(file, 0o755);
}

/** Runs scripts/lab.sh of the project copy with only the stubs and a few basic tools on PATH. */
function lab(args: string[], env: Record<string, string> = {}) {
    fs.writeFileSync(log, "");
    const result = spawnSync("/bin/bash", [path.join(project, "scripts", "lab.sh"), ...args], {
        encoding: "utf8",
        env: { PATH: `${stubs}:${tools}`, HOME: work, STUB_LOG: log, ...env },
    });
    const lines = fs.readFileSync(log, "utf8").trim().split("\n").filter((line) => line !== "");
    // Each pulumi call is logged as "pulumi <args> | <environment>"; the tests mostly look at the arguments.
    const calls = lines.map((line) => line.split(" | ")[0]);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls, lines };
}

/** Every file under dir with its content, except the state directory and node_modules. */
function snapshot(dir: string): Record<string, string> {
    const files: Record<string, string> = {};
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
        const file = path.join(entry.parentPath, entry.name);
        const relative = path.relative(dir, file);
        if (entry.isFile() && !/^(\.pulumi|node_modules)(\/|$)/.test(relative)) {
            files[relative] = fs.readFileSync(file, "base64");
        }
    }
    return files;
}

/** Pulumi's --target glob: `**` matches anything, `*` anything but a colon. */
function targetMatches(glob: string, urn: string): boolean {
    const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pattern = glob
        .split("**")
        .map((part) => part.split("*").map(quote).join("[^:]*"))
        .join(".*");
    return new RegExp(`^${pattern}$`).test(urn);
}

beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "oncall-lab-script-"));
    project = path.join(work, "project");
    stubs = path.join(work, "bin");
    tools = path.join(work, "tools");
    log = path.join(work, "calls.log");
    for (const dir of [path.join(project, "scripts"), path.join(project, "node_modules"), stubs, tools]) {
        fs.mkdirSync(dir, { recursive: true });
    }
    for (const file of ["scripts/lab.sh", "scripts/ensure-deps.cjs", "Pulumi.yaml", "package.json", "package-lock.json", ".gitignore"]) {
        fs.copyFileSync(path.join(repo, file), path.join(project, file));
    }
    // Installed after the lock file was written, so scripts/ensure-deps.cjs has nothing to do.
    fs.writeFileSync(path.join(project, "node_modules", ".package-lock.json"), "{}");
    // Only these from the system: a real docker, kind or pulumi elsewhere on PATH is never reached.
    for (const tool of ["bash", "od", "tr", "dirname", "mkdir", "cp", "mv", "rm", "cat", "sha256sum", "cut", "grep"]) {
        const found = ["/usr/bin", "/bin"].map((dir) => path.join(dir, tool)).find((file) => fs.existsSync(file));
        fs.symlinkSync(found!, path.join(tools, tool));
    }
    fs.symlinkSync(process.execPath, path.join(tools, "node"));
    stub("pulumi", PULUMI_STUB);
    stub("docker", `echo "docker $*" >> "$STUB_LOG"`);
    // The stack's cluster exists unless a test says otherwise.
    stub("kind", `echo "kind $*" >> "$STUB_LOG"; [ "$1 $2" != "get clusters" ] || printf '%s\\n' \${STUB_KIND_CLUSTERS-oncall-lab}`);
});

afterEach(() => {
    fs.rmSync(work, { recursive: true, force: true });
});

describe("scripts/lab.sh", () => {
    const stateDir = () => path.join(project, ".pulumi");
    const configFile = () => path.join(stateDir(), "Pulumi.dev.yaml");
    const withConfig = () => `--stack dev --config-file ${configFile()}`;

    it("creates the stack with a local backend and a generated passphrase, no Pulumi Cloud login", () => {
        const { status, calls, lines, stdout } = lab(["up", "--yes"]);
        expect(status).toBe(0);
        expect(calls).toEqual([
            "docker info",
            "pulumi stack select dev",
            "pulumi stack init dev --secrets-provider passphrase --no-select",
            `pulumi up --yes ${withConfig()}`,
        ]);
        const passphraseFile = path.join(stateDir(), "passphrase");
        for (const line of lines.filter((call) => call.startsWith("pulumi "))) {
            expect(line).toContain(`backend=file://${stateDir()}/state passfile=${passphraseFile} fallback=true`);
        }
        expect(fs.readFileSync(passphraseFile, "utf8")).toMatch(/^[0-9a-f]{64}$/);
        expect(fs.statSync(passphraseFile).mode & 0o777).toBe(0o600);
        expect(stdout).toContain("generated the stack passphrase");
    });

    it("creates the stack on a copy of Pulumi.yaml in the state directory and keeps its config file there", () => {
        const { lines } = lab(["up", "--yes"]);
        const init = lines.find((line) => line.startsWith("pulumi stack init"));
        expect(init).toContain(`cwd=${path.join(stateDir(), "new-stack")} `);
        expect(fs.readFileSync(configFile(), "utf8")).toMatch(/^encryptionsalt: v1:/m);
        expect(fs.existsSync(path.join(stateDir(), "new-stack"))).toBe(false);
        expect(fs.existsSync(path.join(project, "Pulumi.dev.yaml"))).toBe(false);
    });

    it("leaves the project's files byte-identical, whatever the commands", () => {
        // As left by earlier versions of the lab, with the salt of a passphrase that is long gone.
        fs.writeFileSync(path.join(project, "Pulumi.dev.yaml"), "config: {}\nencryptionsalt: v1:stale\n");
        const before = snapshot(project);

        for (const args of [
            ["up", "--yes"],
            ["config", "set", "oncall-lab:clusterName", "lab2"],
            ["preview"],
            ["up", "--yes"],
            ["stack", "output"],
            ["destroy", "--yes"],
        ]) {
            const { status, stderr } = lab(args);
            expect({ args, status, stderr }).toEqual({ args, status: 0, stderr: "" });
        }

        expect(snapshot(project)).toEqual(before);
        expect(fs.readFileSync(configFile(), "utf8")).toContain("oncall-lab:clusterName: lab2");
    });

    it("starts over after the state directory is deleted", () => {
        expect(lab(["up", "--yes"]).status).toBe(0);
        const firstPassphrase = fs.readFileSync(path.join(stateDir(), "passphrase"), "utf8");

        fs.rmSync(stateDir(), { recursive: true });
        const again = lab(["up", "--yes"]);

        expect(again.stderr).toBe("");
        expect(again.status).toBe(0);
        expect(again.stdout).toContain("generated the stack passphrase");
        expect(again.calls).toContain("pulumi stack init dev --secrets-provider passphrase --no-select");
        expect(fs.readFileSync(path.join(stateDir(), "passphrase"), "utf8")).not.toBe(firstPassphrase);
    });

    it("keeps the settings and salt of a config file whose stack was removed", () => {
        lab(["up", "--yes"]);
        lab(["config", "set", "oncall-lab:clusterName", "lab2"]);
        fs.rmSync(path.join(stateDir(), "state"), { recursive: true });

        expect(lab(["up", "--yes"]).status).toBe(0);
        expect(fs.readFileSync(configFile(), "utf8")).toContain("oncall-lab:clusterName: lab2");
    });

    it("refreshes only the kind cluster and the OnCall wiring before updating a stack that has resources", () => {
        lab(["up", "--yes"]);
        const { status, calls } = lab(["up"]);
        expect(status).toBe(0);
        expect(calls.slice(1)).toEqual([
            "pulumi stack select dev",
            "pulumi stack export --stack dev",
            "kind get clusters",
            `pulumi refresh --yes --skip-preview ${withConfig()} ` +
                "--target **pulumi-nodejs:dynamic:*::kind-cluster --target **pulumi-nodejs:dynamic:*::oncall-wiring-connection",
            `pulumi up ${withConfig()}`,
        ]);

        const refresh = calls.find((call) => call.startsWith("pulumi refresh"))!;
        const targets = [...refresh.matchAll(/--target (\S+)/g)].map((match) => match[1]);
        const refreshed = (urn: string) => targets.some((target) => targetMatches(target, urn));
        const urn = (type: string, name: string) => `urn:pulumi:dev::oncall-lab::${type}::${name}`;
        expect(refreshed(urn("oncall-lab:index:KindCluster$pulumi-nodejs:dynamic:KindCluster", "kind-cluster"))).toBe(true);
        expect(refreshed(urn("oncall-lab:index:KindCluster$pulumi-nodejs:dynamic:Resource", "kind-cluster"))).toBe(true);
        expect(refreshed(urn("oncall-lab:index:OnCallWiring$pulumi-nodejs:dynamic:Resource", "oncall-wiring-connection"))).toBe(true);
        expect(refreshed(urn("oncall-lab:index:OnCallWiring$grafana:oncall/integration:Integration", "oncall-wiring-integration"))).toBe(false);
        expect(refreshed(urn("pulumi:providers:kubernetes", "kubernetes"))).toBe(false);
        expect(refreshed(urn("oncall-lab:index:KindCluster", "kind"))).toBe(false);
    });

    it("forgets everything that lived in a cluster deleted by hand, then builds the lab again", () => {
        lab(["up", "--yes"]);
        const { status, calls, stdout } = lab(["up", "--yes"], { STUB_KIND_CLUSTERS: "someone-elses" });
        expect(status).toBe(0);
        expect(stdout).toContain('kind cluster "oncall-lab" no longer exists');
        expect(calls.slice(1)).toEqual([
            "pulumi stack select dev",
            "pulumi stack export --stack dev",
            "kind get clusters",
            "pulumi state delete --yes --target-dependents --stack dev " +
                "urn:pulumi:dev::oncall-lab::oncall-lab:index:KindCluster$pulumi-nodejs:dynamic:KindCluster::kind-cluster",
            `pulumi up --yes ${withConfig()}`,
        ]);
    });

    it("stops, forgetting nothing, when kind cannot list its clusters", () => {
        lab(["up", "--yes"]);
        stub("kind", `echo "kind $*" >> "$STUB_LOG"; echo "failed to list clusters" >&2; exit 1`);
        const { status, calls } = lab(["up", "--yes"]);
        expect(status).not.toBe(0);
        expect(calls.filter(call => /state delete|pulumi up/.test(call))).toEqual([]);
    });

    it("skips the refresh while the stack has no resources", () => {
        lab(["up", "--yes"]);
        lab(["destroy", "--yes"]);
        const { status, calls } = lab(["up", "--yes"]);
        expect(status).toBe(0);
        expect(calls.slice(1)).toEqual(["pulumi stack select dev", "pulumi stack export --stack dev", `pulumi up --yes ${withConfig()}`]);
    });

    it("keeps the passphrase across runs", () => {
        lab(["up"]);
        const first = fs.readFileSync(path.join(stateDir(), "passphrase"), "utf8");
        const second = lab(["destroy", "--yes"]);
        expect(second.status).toBe(0);
        expect(second.stdout).not.toContain("generated");
        expect(fs.readFileSync(path.join(stateDir(), "passphrase"), "utf8")).toBe(first);
        expect(second.calls.at(-1)).toBe(`pulumi destroy --yes ${withConfig()}`);
    });

    it("passes the config file only to commands that take it", () => {
        lab(["up", "--yes"]);
        expect(lab(["config", "set", "oncall-lab:grafanaHostPort", "3001"]).calls.at(-1)).toBe(
            `pulumi config set oncall-lab:grafanaHostPort 3001 ${withConfig()}`,
        );
        const output = lab(["stack", "output"]);
        expect(output.status).toBe(0);
        expect(output.calls.at(-1)).toBe("pulumi stack output --stack dev");
    });

    it("uses the caller's backend and passphrase when set, and PULUMI_STACK", () => {
        const elsewhere = `file://${work}/elsewhere`;
        const { status, lines } = lab(["preview"], { PULUMI_BACKEND_URL: elsewhere, PULUMI_CONFIG_PASSPHRASE: "x", PULUMI_STACK: "ci" });
        expect(status).toBe(0);
        expect(lines.at(-1)).toMatch(
            new RegExp(`^pulumi preview --stack ci --config-file ${stateDir()}/Pulumi\\.ci\\.yaml \\| .* backend=${elsewhere} passfile= `),
        );
        expect(fs.existsSync(path.join(stateDir(), "passphrase"))).toBe(false);
    });

    it("finds a passphrase file given relative to the project", () => {
        fs.writeFileSync(path.join(project, "my-passphrase"), "from a file");
        const { status, stderr, lines } = lab(["up", "--yes"], { PULUMI_CONFIG_PASSPHRASE_FILE: "my-passphrase" });
        expect(stderr).toBe("");
        expect(status).toBe(0);
        expect(lines.at(-1)).toContain(`passfile=${project}/my-passphrase `);
    });

    it.each([["preview"], ["destroy", "--yes"]])("runs %s without docker or kind", (...args) => {
        lab(["up", "--yes"]);
        fs.rmSync(path.join(stubs, "docker"));
        fs.rmSync(path.join(stubs, "kind"));
        const { status, calls } = lab(args);
        expect(status).toBe(0);
        expect(calls.at(-1)).toBe(`pulumi ${args.join(" ")} ${withConfig()}`);
    });

    it.each([
        ["pulumi", "pulumi is not installed"],
        ["kind", "kind is not installed"],
        ["docker", "docker is not installed"],
    ])("says what is missing when %s is absent", (missing, message) => {
        fs.rmSync(path.join(stubs, missing));
        const { status, stderr } = lab(["up"]);
        expect(status).toBe(1);
        expect(stderr).toContain(`oncall-lab: ${message}`);
    });

    it("says Docker is not running", () => {
        stub("docker", "exit 1");
        const { status, stderr, calls } = lab(["up"]);
        expect(status).toBe(1);
        expect(stderr).toContain("docker is installed but not running");
        expect(calls).toEqual([]);
    });
});

describe("the pulumi stub", () => {
    // What made the lab fail before: a salt kept in the project outlived the passphrase in .pulumi.
    it("refuses a config file whose salt belongs to another passphrase, as pulumi does", () => {
        const run = (args: string[], passphrase: string) =>
            spawnSync(path.join(stubs, "pulumi"), args, {
                cwd: project,
                encoding: "utf8",
                env: { PATH: tools, STUB_LOG: log, PULUMI_BACKEND_URL: `file://${work}/state`, PULUMI_CONFIG_PASSPHRASE: passphrase },
            });
        expect(run(["stack", "init", "dev"], "first").status).toBe(0);
        expect(fs.readFileSync(path.join(project, "Pulumi.dev.yaml"), "utf8")).toMatch(/^encryptionsalt: v1:/);
        fs.rmSync(path.join(work, "state"), { recursive: true });

        const retry = run(["stack", "init", "dev"], "second");
        expect(retry.status).toBe(255);
        expect(retry.stderr).toContain("incorrect passphrase");
    });
});
