// Stand-ins for `npm run e2e` (test/e2e*.test.ts): kind and docker are the shared stubs beside this file over one
// fake Docker (in the bin folder, their $STUB_DIR); pulumi, kubectl and npm are the e2e's own, answering the few things
// the e2e reads. Each records its arguments in the calls log. pulumi: `up` makes the kind cluster the stack's
// clusterName names in the fake Docker (deleting the one it made before, as a replace does) and `destroy` deletes it;
// E2E_UP_CODE makes `up` fail; E2E_UP_HANG names a file: `up` starts a sleep, writes its pid there and waits (a stuck
// up); E2E_OUTPUTS names a JSON file of stack outputs. The engine's log carries an integration token (for the
// redaction); `kubectl port-forward` is test/support/smoke-kubectl.cjs; KIND_STUB_EXPORT_HANG makes `kind export logs`
// hang after writing a log with a token.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { E2eWaits } from "../../../src/tools/e2e/steps";
import { repoRoot, tsNodeProgram } from "../../../src/tools/shared/cli";
import { freePort } from "../../../src/tools/shared/processes";
import { FakeDocker, installStubs } from ".";

const stubs: Record<string, string> = {
    pulumi: `case "$1 $2" in
  "stack output") if [ -n "\${E2E_OUTPUTS:-}" ]; then cat "$E2E_OUTPUTS"; else echo '{"kubectlContext":"kind-oncall-lab-e2e"}'; fi ;;
  "stack export") echo '{"deployment":{"resources":[]}}' ;;
  "version ") echo v3.276.0 ;;
  "config set") [ "$3" != oncall-lab:clusterName ] || printf '%s' "$4" > "$STUB_DIR/pulumi-cluster-name" ;;
esac
if [ "$1" = up ] && [ -n "\${E2E_UP_HANG:-}" ]; then sleep 60 & echo $! > "$E2E_UP_HANG"; wait; exit 1; fi
if [ "$1" = up ] && [ "\${E2E_UP_CODE:-0}" != 0 ]; then echo "error: kind create cluster failed" >&2; exit "$E2E_UP_CODE"; fi
made="$STUB_DIR/pulumi-cluster-made"
if [ "$1" = up ]; then
  name="$(cat "$STUB_DIR/pulumi-cluster-name" 2>/dev/null || echo oncall-lab-e2e)"
  if [ "$(cat "$made" 2>/dev/null)" != "$name" ]; then
    [ ! -f "$made" ] || STUB_LOG=/dev/null kind delete cluster --name "$(cat "$made")" 2>/dev/null
    STUB_LOG=/dev/null kind create cluster --name "$name" && printf '%s' "$name" > "$made"
  fi
fi
if [ "$1" = destroy ] && [ -f "$made" ]; then STUB_LOG=/dev/null kind delete cluster --name "$(cat "$made")" 2>/dev/null; rm "$made"; fi
exit 0`,
    kubectl: `case "$*" in
  *port-forward*) exec "${process.execPath}" "${path.join(__dirname, "..", "smoke-kubectl.cjs")}" "$@" ;;
  *"get pods -A -o json"*) echo '{"items":[{"metadata":{"namespace":"oncall","name":"oncall-engine-x"},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"False"}]}},{"metadata":{"namespace":"oncall","name":"oncall-migrate-abc-1"},"status":{"phase":"Succeeded"}}]}' ;;
  *"get jobs"*) echo "job.batch/oncall-migrate-abc" ;;
  *"logs -n oncall deployment/oncall-engine"*) echo "POST /integrations/v1/alertmanager/Zx9SecretTok/ 200 integration_token=Zx9SecretTok" ;;
  *"get pods -n oncall -o name"*) printf 'pod/oncall-engine-1\npod/oncall-celery-2\npod/oncall-engine-migrate-2026-12-01-08-00-00-x\npod/oncall-redis-master-0\n' ;;
  *) echo "kubectl output for: $*" ;;
esac`,
    npm: `exit \${E2E_NPM_CODE:-0}`,
};

export interface E2eStubs {
    work: string;
    bin: string;
    env: Record<string, string>;
    /** The fake Docker the kind and docker stubs share. */
    docker: FakeDocker;
    /** A lab an earlier run kept: the kind cluster the stack made, in the fake Docker. */
    keptLab(clusterName?: string): void;
    /** "<command> <args>" per call, in order. */
    calls(): string[];
    cleanup(): void;
}

export function makeE2eStubs(): E2eStubs {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "oncall-lab-e2e-"));
    const bin = path.join(work, "bin");
    fs.mkdirSync(bin);
    const log = path.join(work, "calls.log");
    for (const [name, body] of Object.entries(stubs)) {
        fs.writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >> "${log}"\n${body}\n`, {
            mode: 0o755,
        });
    }
    installStubs(bin, ["kind", "docker"]);
    const docker = new FakeDocker(bin);
    return {
        work,
        bin,
        docker,
        keptLab: (clusterName = "oncall-lab-e2e") => {
            docker.createCluster(clusterName);
            fs.writeFileSync(path.join(bin, "pulumi-cluster-made"), clusterName);
        },
        env: {
            PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
            HOME: work,
            PULUMI_CONFIG_PASSPHRASE: "test",
            STUB_DIR: bin,
            STUB_LOG: log,
        },
        calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []),
        cleanup: () => fs.rmSync(work, { recursive: true, force: true }),
    };
}

/** `npm run e2e` as the tests start it: scripts/e2e.ts over these stubs, on free host ports, with these folders. */
export async function startE2eScript(
    stubs: E2eStubs,
    dirs: { diagnostics: string; state: string },
    args: string[],
    env: NodeJS.ProcessEnv,
): Promise<ChildProcessWithoutNullStreams> {
    const [grafanaPort, oncallPort, mailPort] = [await freePort(), await freePort(), await freePort()];
    const [command, scriptArgs] = tsNodeProgram(repoRoot, "scripts/e2e.ts", [
        "--diagnostics",
        dirs.diagnostics,
        "--state-dir",
        dirs.state,
        "--grafana-port",
        String(grafanaPort),
        "--oncall-port",
        String(oncallPort),
        "--mail-port",
        String(mailPort),
        ...args,
    ]);
    return spawn(command, scriptArgs, { cwd: repoRoot, env: { ...stubs.env, ...env } });
}

/** The e2e's waits in milliseconds instead of minutes: the stand-ins answer at once. */
export const testWaits: E2eWaits = {
    pollMs: 5,
    crashLoopMs: 2_000,
    resolveMs: 2_000,
    heartbeatMs: 2_000,
    rolloutMs: 10_000,
    nextEscalationMs: 50,
    acknowledgeMs: 300,
};
