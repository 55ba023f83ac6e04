// The real LabStack (src/tools/lab/stack.ts): the Automation API's LocalWorkspace and Stack driving a recording
// pulumi on PATH, so that each method is seen as the CLI command it becomes, with the lab's environment.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { automationStack } from "../src/tools/lab/stack";

let work: string;
let log: string;
let savedPath: string | undefined;

beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "oncall-lab-stack-"));
    log = path.join(work, "calls.log");
    const bin = path.join(work, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(work, "Pulumi.yaml"), "name: oncall-lab\nruntime: nodejs\n");
    // Records "<args> | <backend> <passphrase file>"; answers what the Automation API parses.
    fs.writeFileSync(
        path.join(bin, "pulumi"),
        `#!/bin/bash
echo "$* | $PULUMI_BACKEND_URL $PULUMI_CONFIG_PASSPHRASE_FILE" >> "${log}"
case "$1 $2" in
  "version ") echo v3.276.0 ;;
  "stack export") echo '{"version":3,"deployment":{"secrets_providers":{"type":"passphrase","state":{"salt":"v1:salt"}},"resources":[{"urn":"u1","id":"i1"}]}}' ;;
  "stack history") echo '[]' ;;
  "stack select") [ "$4" = missing ] && { echo "error: no stack named 'missing' found" >&2; exit 255; } ;;
  "state delete") exit \${STATE_DELETE_CODE:-0} ;;
esac
[ "$1" != preview ] || exit 3
[ "$1" != destroy ] || { echo started > "${work}/destroying"; exec sleep 30; }
exit 0
`,
        { mode: 0o755 },
    );
    savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${process.env.PATH}`;
});

afterEach(() => {
    process.env.PATH = savedPath;
    fs.rmSync(work, { recursive: true, force: true });
});

const env = { PATH: "", PULUMI_BACKEND_URL: "file:///lab/state", PULUMI_CONFIG_PASSPHRASE_FILE: "/lab/passphrase" };
const calls = () =>
    fs
        .readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .filter((line) => !line.startsWith("version "));

describe("the lab's stack on the Automation API", () => {
    it("selects, creates, exports, removes a setting, refreshes by target and forgets, each as the CLI command it is", async () => {
        const stack = await automationStack(work, "dev", { ...env, PATH: process.env.PATH });
        expect(await stack.select()).toBe(true);
        await stack.create();
        expect(await stack.exportDeployment()).toEqual({
            secrets_providers: { type: "passphrase", state: { salt: "v1:salt" } },
            resources: [{ urn: "u1", id: "i1" }],
        });
        await stack.removeConfig("oncall-lab:smtpPassword");
        await stack.refresh(["**a", "**b"]);
        await stack.forget("urn:x");
        const lab = "| file:///lab/state /lab/passphrase";
        expect(calls().filter((call) => !call.startsWith("stack history"))).toEqual([
            `stack select --stack dev --non-interactive ${lab}`,
            `stack init dev --secrets-provider passphrase --non-interactive ${lab}`,
            `stack export --show-secrets --stack dev --non-interactive ${lab}`,
            `config rm oncall-lab:smtpPassword --stack dev --non-interactive ${lab}`,
            `refresh --skip-preview --yes --target **a --target **b --exec-kind auto.local --stack dev --non-interactive ${lab}`,
            `state delete --yes --target-dependents urn:x --stack dev ${lab}`,
        ]);
    });

    it("says when there is no stack to select, and when state delete fails", async () => {
        const missing = await automationStack(work, "missing", { ...env, PATH: process.env.PATH });
        expect(await missing.select()).toBe(false);
        process.env.STATE_DELETE_CODE = "1";
        try {
            await expect(missing.forget("urn:x")).rejects.toThrow("pulumi state delete urn:x failed (exit code 1)");
        } finally {
            delete process.env.STATE_DELETE_CODE;
        }
    });

    it("runs the user's command with its own flags, interactively (no --non-interactive), and hands back its exit code", async () => {
        const stack = await automationStack(work, "dev", { ...env, PATH: process.env.PATH });
        expect(await stack.run(["up", "--replace", "urn:x"])).toBe(0);
        expect(await stack.run(["preview"])).toBe(3);
        expect(calls()).toEqual([
            "up --replace urn:x --stack dev | file:///lab/state /lab/passphrase",
            "preview --stack dev | file:///lab/state /lab/passphrase",
        ]);
    });

    it("passes SIGTERM on to the user's command, and stops listening once it ended", async () => {
        const stack = await automationStack(work, "dev", { ...env, PATH: process.env.PATH });
        const listening = [process.listenerCount("SIGTERM"), process.listenerCount("SIGINT")];
        const running = stack.run(["destroy", "--yes"]);
        while (!fs.existsSync(path.join(work, "destroying"))) await new Promise((tick) => setTimeout(tick, 20));
        process.emit("SIGTERM");
        expect(await running).toBe(1);
        expect([process.listenerCount("SIGTERM"), process.listenerCount("SIGINT")]).toEqual(listening);
    }, 20_000);
});
