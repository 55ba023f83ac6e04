// `npm run smoke`, the script itself, with stub `pulumi` (stack outputs) and `kubectl` (port-forward) in front of
// local stand-ins for Alertmanager, OnCall and Mailpit.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { tsNodeProgram } from "../src/tools/shared/cli";
import { waitFor } from "../src/tools/shared/polling";
import { type StandIns } from "./support/stubs/servers";
import { afterThisTest, alice, fast, standInsForTest, token } from "./support/smoke-run";

describe("npm run smoke (the script) with stub pulumi and kubectl", () => {
    const root = path.join(__dirname, "..");

    interface KubectlRecord {
        args?: string[];
        pid?: number;
        stoppedBy?: string;
    }

    function stubs(ins: StandIns, options: { outputs?: Record<string, unknown> } = {}) {
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "oncall-lab-smoke-"));
        afterThisTest(() => fs.rmSync(work, { recursive: true, force: true }));
        const bin = path.join(work, "bin");
        fs.mkdirSync(bin);
        const outputs = {
            oncallUrl: ins.oncallUrl,
            oncallApiToken: token,
            mailUrl: ins.mailUrl,
            kubectlContext: "kind-oncall-lab",
            alertSeverity: "critical",
            oncallTeamEmails: [alice],
            grafanaUrl: ins.grafanaUrl,
            ...options.outputs,
        };
        fs.writeFileSync(path.join(work, "outputs.json"), JSON.stringify(outputs));
        const script = (name: string, body: string) =>
            fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
        script(
            "pulumi",
            `echo "pulumi $*" >> "${work}/pulumi.log"\n[ "$1 $2" = "stack output" ] && cat "${work}/outputs.json"\nexit 0`,
        );
        script("kubectl", `exec "${process.execPath}" "${path.join(__dirname, "support", "smoke-kubectl.cjs")}" "$@"`);
        const record = path.join(work, "kubectl.jsonl");
        return {
            env: {
                PATH: `${bin}:/usr/bin:/bin`,
                HOME: work,
                ONCALL_LAB_STATE_DIR: path.join(work, "state"),
                PULUMI_CONFIG_PASSPHRASE: "test",
                SMOKE_KUBECTL_RECORD: record,
                SMOKE_KUBECTL_UPSTREAM: new URL(ins.alertmanagerUrl).host,
                SMOKE_POLL_INTERVAL: "30ms",
                SMOKE_ALERT_GROUP_TIMEOUT: "5s",
                SMOKE_EMAIL_TIMEOUT: "5s",
                SMOKE_RESOLVE_TIMEOUT: "5s",
            },
            pulumiCalls: () => fs.readFileSync(path.join(work, "pulumi.log"), "utf8").trim().split("\n"),
            kubectl: (): KubectlRecord[] =>
                fs.existsSync(record)
                    ? fs
                          .readFileSync(record, "utf8")
                          .trim()
                          .split("\n")
                          .map((line) => JSON.parse(line) as KubectlRecord)
                    : [],
        };
    }

    function runScript(env: Record<string, string>) {
        const child = spawn(...tsNodeProgram(root, "scripts/smoke.ts", []), { cwd: root, env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
            child.once("exit", (code) => done({ code, stdout, stderr })),
        );
        return { child, exited };
    }

    function isAlive(pid: number): boolean {
        try {
            process.kill(pid, 0);
            return true;
        } catch {
            return false;
        }
    }

    function expectPortForwardStartedAndStopped(records: KubectlRecord[]): void {
        expect(records).toHaveLength(2);
        const [started, stopped] = records;
        expect(started.args?.slice(0, 6)).toEqual([
            "--context",
            "kind-oncall-lab",
            "-n",
            "monitoring",
            "port-forward",
            "svc/vmalertmanager-vmks",
        ]);
        expect(started.args?.[6]).toMatch(/^\d+:9093$/);
        expect(stopped).toEqual({ stoppedBy: "SIGTERM" });
        expect(isAlive(started.pid ?? 0)).toBe(false);
    }

    it("reads the stack outputs, fires through the port-forward, prints the table and stops kubectl", async () => {
        const standIns = await standInsForTest(fast);
        const stub = stubs(standIns);
        const { code, stdout, stderr } = await runScript(stub.env).exited;

        expect(stderr).toContain(
            "kubectl --context kind-oncall-lab -n monitoring port-forward svc/vmalertmanager-vmks",
        );
        expect(code, stderr).toBe(0);
        expect(stub.pulumiCalls()).toContain("pulumi stack output --json --show-secrets --stack dev");
        expect(stdout).toMatch(/alert group resolved in OnCall\s+\d+\.\d s/);
        expect(stdout).toContain(
            "OK: the alert paged a person on call by e-mail, its link opens Grafana, and it resolved.",
        );
        expect(standIns.posted).toHaveLength(2);
        expectPortForwardStartedAndStopped(stub.kubectl());
    }, 60_000);

    it("on a stack without a mailbox, skips the e-mail steps, exits 0 and prints the dashboard", async () => {
        const standIns = await standInsForTest(fast);
        const dashboardUrl = "https://grafana.example.com/d/oncall-lab-alert-to-person";
        const stub = stubs(standIns, { outputs: { mailUrl: undefined, dashboardUrl } });
        const { code, stdout, stderr } = await runScript(stub.env).exited;

        expect(code, stderr).toBe(0);
        expect(stdout).toMatch(
            /e-mail to a person on call\s+skipped {2}no lab mailbox on this stack: check alice@example\.com for OnCall's e-mail/,
        );
        expect(stdout).toMatch(/alert group resolved in OnCall\s+\d+\.\d s/);
        expect(stdout.trimEnd().split("\n").at(-1)).toBe(`Dashboard: ${dashboardUrl}`);
        expectPortForwardStartedAndStopped(stub.kubectl());
    }, 60_000);

    it("exits 1 naming the e-mail step when no e-mail comes, and still stops kubectl", async () => {
        const standIns = await standInsForTest({ ...fast, recipient: undefined });
        const stub = stubs(standIns);
        const { code, stdout } = await runScript({ ...stub.env, SMOKE_EMAIL_TIMEOUT: "500ms" }).exited;

        expect(code).toBe(1);
        expect(stdout).toMatch(/e-mail to a person on call\s+FAILED/);
        expect(stdout).toContain('FAILED at "e-mail to a person on call": no e-mail mentioning smoke');
        expectPortForwardStartedAndStopped(stub.kubectl());
    }, 60_000);

    it("on Ctrl-C clears the alert, stops kubectl and exits 1", async () => {
        // The alert group never comes, so the script is still waiting for it when interrupted.
        const standIns = await standInsForTest({ ...fast, alertGroupDelayMs: 600_000 });
        const stub = stubs(standIns);
        const { child, exited } = runScript({ ...stub.env, SMOKE_ALERT_GROUP_TIMEOUT: "60s" });
        const ins = standIns;
        await waitFor(
            "the wait for the alert group",
            () => (ins.oncallAuthorizations.length > 0 ? true : undefined),
            30_000,
        );
        child.kill("SIGINT");
        const { code, stdout, stderr } = await exited;

        expect(code).toBe(1);
        expect(stderr).toContain("SIGINT: clearing the alert and stopping the port-forward");
        expect(stdout).toContain('FAILED at "alert group in OnCall": interrupted');
        expect(standIns.posted).toHaveLength(2);
        expect(Date.parse(standIns.posted[1].alert.endsAt)).toBeLessThanOrEqual(standIns.posted[1].at);
        expectPortForwardStartedAndStopped(stub.kubectl());
    }, 60_000);

    it("says so when kubectl port-forward cannot start", async () => {
        const standIns = await standInsForTest(fast);
        const stub = stubs(standIns);
        fs.writeFileSync(
            path.join(stub.env.PATH.split(":")[0], "kubectl"),
            '#!/bin/sh\necho "error: context \\"$2\\" does not exist" >&2\nexit 1\n',
        );
        const { code, stderr } = await runScript(stub.env).exited;

        expect(code).toBe(1);
        expect(stderr).toContain(
            'smoke: kubectl port-forward exited (1): error: context "kind-oncall-lab" does not exist',
        );
        expect(standIns.posted).toHaveLength(0);
    }, 60_000);
});
