// Scenario 0, the upgrade: the judge of the head's preview over the base's state, and the scenario
// itself through npm run e2e's entry with stub commands (a real `git archive` of HEAD as the base), a
// stand-in smoke, and a local stand-in for OnCall's alert groups and Grafana's users.
import * as fs from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runE2e } from "../src/tools/e2e/main";
import { allowedBy, judgePreview, previewSteps } from "../src/tools/e2e/upgrade";
import type { SmokeReport } from "../src/tools/smoke/smoke";
import { makeE2eStubs, testWaits } from "./support/stubs/e2e";

const urn = (type: string, name: string) => `urn:pulumi:e2e::oncall-lab::oncall-lab:index:Grafana$${type}::${name}`;
const release = urn("kubernetes:helm.sh/v3:Release", "grafana-release");
const user = urn("grafana:oss/user:User", "team-users-bob");
const preview = (steps: object[]) =>
    `oncall-lab: a line of the lab program\n${JSON.stringify({ steps, changeSummary: {} }, null, 2)}\n`;

describe("the head's preview over the base's state", () => {
    it("reads the steps after what the lab program printed, and flags replacements and deletions once per resource", () => {
        const steps = previewSteps(
            preview([
                { op: "same", urn: user },
                { op: "update", urn: urn("kubernetes:core/v1:Namespace", "ns") },
                { op: "create-replacement", urn: release, replaceReasons: ["chart"] },
                { op: "replace", urn: release, replaceReasons: ["chart"] },
                { op: "delete", urn: urn("grafana:oss/user:User", "team-users-carol") },
            ]),
        );
        const judgement = judgePreview(steps, []);
        expect(judgement.unexpected).toEqual([
            `${release}: create-replacement (chart), replace (chart)`,
            `${urn("grafana:oss/user:User", "team-users-carol")}: delete`,
        ]);
        expect(judgement.counts).toEqual({ same: 1, update: 1, "create-replacement": 1, replace: 1, delete: 1 });
        expect(judgePreview(steps, ["grafana-release", "grafana:oss/user:User"])).toMatchObject({
            unexpected: [],
            allowed: expect.arrayContaining([expect.stringContaining(release)]),
        });
    });

    it("an allowance is a resource's name or its type, not a piece of either", () => {
        expect(allowedBy(release, ["grafana-release"])).toBe(true);
        expect(allowedBy(release, ["kubernetes:helm.sh/v3:Release"])).toBe(true);
        expect(allowedBy(release, ["grafana"])).toBe(false);
        expect(() => previewSteps("error: no stack\n")).toThrow("printed no JSON");
    });
});

const waits = testWaits;
/** What each test started (stub folder, stand-in server), undone after it. */
const started: (() => unknown)[] = [];
afterEach(async () => {
    for (const undo of started.splice(0)) await undo();
});

/** OnCall keeps group I1 and Grafana lists its users; `usersAfter` is what Grafana lists from the second look on. */
async function lab(usersAfter: string[]) {
    let looks = 0;
    const server: Server = createServer((request, response) => {
        const url = new URL(request.url ?? "/", "http://x");
        const admin = `Basic ${Buffer.from("admin:pw").toString("base64")}`;
        let body: unknown;
        if (url.pathname === "/api/v1/alert_groups/" && request.headers.authorization === "token-1")
            body = { results: [{ id: "I1", state: "resolved" }] };
        if (url.pathname === "/api/v1/alert_groups/I1/") body = { id: "I1", state: "resolved" };
        if (url.pathname === "/api/users" && request.headers.authorization === admin) {
            looks += 1;
            body = (looks === 1 ? ["admin", "alice", "bob"] : usersAfter).map((login) => ({ login }));
        }
        if (body === undefined) response.writeHead(404).end();
        else response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    started.push(() => new Promise<void>((done) => server.close(() => done())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
        oncallUrl: base,
        mailUrl: base,
        grafanaUrl: base,
        oncallApiToken: "token-1",
        grafanaAdminUser: "admin",
        grafanaAdminPassword: "pw",
    };
}

async function upgrade(previewJson: string, options: { usersAfter?: string[]; allow?: string } = {}) {
    const stubs = makeE2eStubs();
    started.push(() => stubs.cleanup());
    // pulumi answers `preview --json` with the plan given, and `preview --diff` with a diff, after the stub records the call.
    const overrides = path.join(stubs.work, "overrides");
    fs.mkdirSync(overrides);
    fs.writeFileSync(path.join(stubs.work, "preview.json"), previewJson);
    fs.writeFileSync(
        path.join(overrides, "pulumi"),
        `#!/bin/bash
"${stubs.bin}/pulumi" "$@" || exit $?
case "$1 $2" in
  "preview --json") cat "${stubs.work}/preview.json" ;;
  "preview --diff") echo "~ kubernetes:helm.sh/v3:Release grafana-release [diff: ~chart]" ;;
esac
`,
        { mode: 0o755 },
    );
    // The base copy's npm ci is the stub's: the copy then uses this repository's node_modules (its lab program needs them).
    fs.writeFileSync(
        path.join(overrides, "npm"),
        `#!/bin/bash
"${stubs.bin}/npm" "$@" || exit $?
if [ "$1" = --prefix ] && [ "$3" = ci ]; then ln -sfn "${path.join(__dirname, "..", "node_modules")}" "$2/node_modules"; fi
`,
        { mode: 0o755 },
    );
    const outputs = path.join(stubs.work, "outputs.json");
    fs.writeFileSync(outputs, JSON.stringify(await lab(options.usersAfter ?? ["admin", "alice", "bob"])));
    const env = {
        ...stubs.env,
        PATH: `${overrides}:${stubs.env.PATH}`,
        E2E_OUTPUTS: outputs,
        E2E_BASE_REF: "HEAD",
        E2E_ALLOW_REPLACE: options.allow ?? "",
    };
    const smokes: string[] = [];
    const smoke = async (): Promise<SmokeReport> => {
        smokes.push("smoke");
        return { runId: `run${smokes.length}`, steps: [{ step: "alertGroup", afterMs: 1000, detail: "" }] };
    };
    const lines: string[] = [];
    const diagnostics = path.join(stubs.work, "diag");
    const args = ["--only", "0", "--state-dir", path.join(stubs.work, "state"), "--diagnostics", diagnostics, "--keep"];
    const code = await runE2e(args, env, { context: { waits, smoke }, out: (text) => lines.push(text) });
    const calls = stubs.calls().map((call) => call.replace(/ --stack e2e$/, ""));
    return { code, table: lines[0], calls, smokes, diagnostics };
}

describe("scenario 0: the upgrade", () => {
    const quiet = preview([
        { op: "same", urn: release },
        { op: "update", urn: user },
    ]);

    it("builds the base from its own copy, smokes, previews the head, runs up over the same state, keeps groups and users, smokes, destroys", async () => {
        const { code, table, calls, smokes } = await upgrade(quiet);
        expect(code, table).toBe(0);
        const ups = calls.filter((call) => call === "pulumi up --yes --skip-preview");
        expect(ups).toHaveLength(2);
        expect(calls).toContain("npm run check:versions");
        expect(
            calls.some((call) => /^npm --prefix \S+oncall-lab-base-[0-9a-f]+-\S+ ci --no-audit --no-fund$/.test(call)),
        ).toBe(true);
        const order = [
            "pulumi config set oncall-lab:clusterName oncall-lab-e2e",
            "pulumi preview --json",
            "pulumi destroy --yes --skip-preview",
        ].map((call) => calls.indexOf(call));
        expect(order[0]).toBeLessThan(calls.indexOf(ups[0]));
        expect(order[1]).toBeGreaterThan(calls.indexOf(ups[0]));
        expect(order[1]).toBeLessThan(calls.lastIndexOf(ups[1]));
        expect(order[2]).toBeGreaterThan(calls.lastIndexOf(ups[1]));
        expect(calls).not.toContain("pulumi preview --diff");
        expect(smokes).toHaveLength(2);
        expect(table).toMatch(
            /^0\. upgrade: base commit, then head over the same state\s+ok\s+\d+\s+\d+\s+base HEAD \([0-9a-f]+\): smoke group 1\.0 s.*; preview: same 1, update 1; kept 1 alert groups and 3 Grafana users; smoke group 1\.0 s.*; destroyed$/m,
        );
    }, 60_000);

    it("fails on an unexpected replacement before the head's up, printing the preview --diff into the diagnostics", async () => {
        const { code, table, calls, diagnostics } = await upgrade(
            preview([{ op: "replace", urn: release, replaceReasons: ["chart"] }]),
        );
        expect(code).toBe(1);
        expect(table).toContain(`FAILED`);
        expect(table).toContain(`the upgrade would replace or delete ${release}: replace (chart)`);
        expect(calls.filter((call) => call === "pulumi up --yes --skip-preview")).toHaveLength(1);
        expect(fs.readFileSync(path.join(diagnostics, "upgrade-preview-diff.txt"), "utf8")).toContain(
            "grafana-release [diff: ~chart]",
        );
    }, 60_000);

    it("passes a replacement the change means (E2E_ALLOW_REPLACE), and names it", async () => {
        const { code, table } = await upgrade(preview([{ op: "replace", urn: release }]), { allow: "grafana-release" });
        expect(code, table).toBe(0);
        expect(table).toContain(`allowed: ${release}: replace`);
    }, 60_000);

    it("fails when a Grafana user is gone after the head's up", async () => {
        const { code, table, smokes } = await upgrade(quiet, { usersAfter: ["admin", "alice"] });
        expect(code).toBe(1);
        expect(table).toContain("the upgrade lost Grafana user bob");
        expect(smokes).toHaveLength(1);
    }, 60_000);
});
