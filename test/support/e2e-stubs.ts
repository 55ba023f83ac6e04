// Stub pulumi, kind, kubectl, docker and npm for `npm run e2e` in test/e2e.test.ts: each records its
// arguments in $E2E_LOG and answers the few things the e2e reads. E2E_UP_CODE makes `up` fail; E2E_OUTPUTS names a JSON file of stack outputs;
// E2E_KIND_EXPORT_HANG makes `kind export logs` hang after writing a log with a token; E2E_UP_HANG names a file: `up` starts a sleep, writes its pid there and waits (a stuck up);
// the engine's log carries an integration token (for the redaction); `kubectl port-forward` is test/support/smoke-kubectl.cjs; E2E_KIND_CLUSTERS lists what `kind get clusters` answers; `docker ps` answers E2E_NODES (default one node container).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const stubs: Record<string, string> = {
    pulumi: `case "$1 $2" in
  "stack output") if [ -n "\${E2E_OUTPUTS:-}" ]; then cat "$E2E_OUTPUTS"; else echo '{"kubectlContext":"kind-oncall-lab-e2e"}'; fi ;;
  "stack export") echo '{"deployment":{"resources":[]}}' ;;
  "version ") echo v3.276.0 ;;
esac
if [ "$1" = up ] && [ -n "\${E2E_UP_HANG:-}" ]; then sleep 60 & echo $! > "$E2E_UP_HANG"; wait; exit 1; fi
if [ "$1" = up ] && [ "\${E2E_UP_CODE:-0}" != 0 ]; then echo "error: kind create cluster failed" >&2; exit "$E2E_UP_CODE"; fi
exit 0`,
    kind: `[ "$1 $2" = "get clusters" ] && for c in \${E2E_KIND_CLUSTERS:-}; do echo "$c"; done
[ "$1" = version ] && echo "kind v0.33.0 go1.24.0 linux/amd64"
if [ "$1 $2" = "export logs" ]; then mkdir -p "$3"; echo "kubelet: token=Zx9SecretTok" > "$3/kubelet.log"; [ -n "\${E2E_KIND_EXPORT_HANG:-}" ] && sleep 60; fi
exit 0`,
    kubectl: `case "$*" in
  *port-forward*) exec "${process.execPath}" "${path.join(__dirname, "smoke-kubectl.cjs")}" "$@" ;;
  *"get pods -A -o json"*) echo '{"items":[{"metadata":{"namespace":"oncall","name":"oncall-engine-x"},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"False"}]}},{"metadata":{"namespace":"oncall","name":"oncall-migrate-abc-1"},"status":{"phase":"Succeeded"}}]}' ;;
  *"get jobs"*) echo "job.batch/oncall-migrate-abc" ;;
  *"logs -n oncall deployment/oncall-engine"*) echo "POST /integrations/v1/alertmanager/Zx9SecretTok/ 200 integration_token=Zx9SecretTok" ;;
  *"get pods -n oncall -o name"*) printf 'pod/oncall-engine-1\npod/oncall-celery-2\npod/oncall-engine-migrate-2026-12-01-08-00-00-x\npod/oncall-redis-master-0\n' ;;
  *) echo "kubectl output for: $*" ;;
esac`,
    docker: `[ "$1" = ps ] && echo "\${E2E_NODES-oncall-lab-e2e-control-plane}"
[ "$*" = "info --format {{.CgroupVersion}}" ] && echo 2
exit 0`,
    npm: `exit \${E2E_NPM_CODE:-0}`,
};

export interface E2eStubs {
    work: string;
    bin: string;
    env: Record<string, string>;
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
        fs.writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >> "${log}"\n${body}\n`, { mode: 0o755 });
    }
    return {
        work,
        bin,
        env: {
            PATH: `${bin}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
            HOME: work,
            PULUMI_CONFIG_PASSPHRASE: "test",
        },
        calls: () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []),
        cleanup: () => fs.rmSync(work, { recursive: true, force: true }),
    };
}
