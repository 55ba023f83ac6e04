// `npm run smoke` without a cluster: its logic against local stand-ins for Alertmanager, OnCall and Mailpit (the
// script itself, with stub `pulumi` and `kubectl`: test/smoke-script.test.ts).
import { describe, expect, it } from "vitest";
import { reachedThroughLoopback } from "../src/tools/shared/http";
import { freePort } from "../src/tools/shared/processes";
import { formatReport, runSmoke } from "../src/tools/smoke/smoke";
import { alertGroupLink, findAlertGroup, runLabel, sortMessages } from "../src/tools/smoke/matching";
import {
    buildSmokeSettings,
    needsStackOutputs,
    parseSmokeInputs,
    portForwardArgs,
    type SmokeSettings,
} from "../src/tools/smoke/settings";
import { type StandIns } from "./support/stubs/servers";
import { alice, fast, standInsForTest, token } from "./support/smoke-run";

function settingsFor(ins: StandIns, overrides: Partial<SmokeSettings> = {}): SmokeSettings {
    return {
        oncallUrl: ins.oncallUrl,
        oncallApiToken: token,
        mailUrl: ins.mailUrl,
        grafanaUrl: ins.grafanaUrl,
        alertSeverity: "critical",
        teamEmails: [alice, "bob@example.com"],
        alertmanagerUrl: ins.alertmanagerUrl,
        alertGroupTimeoutMs: 3_000,
        emailTimeoutMs: 3_000,
        resolveTimeoutMs: 3_000,
        pollIntervalMs: 30,
        ...overrides,
    };
}

function smoke(ins: StandIns, settings: SmokeSettings, runId = "smoketest1") {
    const lines: string[] = [];
    const report = runSmoke(settings, {
        alertmanagerUrl: ins.alertmanagerUrl,
        runId,
        log: (line) => lines.push(line),
        signal: new AbortController().signal,
    });
    return { report, lines };
}

describe("smoke settings", () => {
    const outputs = {
        oncallUrl: "http://127.0.0.1:8080",
        oncallApiToken: "from-stack",
        mailUrl: "http://127.0.0.1:8025",
        grafanaUrl: "http://grafana.oncall-lab.localhost:3000",
        kubectlContext: "kind-oncall-lab",
        alertSeverity: "critical",
        oncallTeamEmails: ["alice@example.com", "bob@example.com"],
    };

    it("takes flags over SMOKE_* variables over stack outputs, and durations in Prometheus units", () => {
        const inputs = parseSmokeInputs(
            ["--oncall-api-token", "from-flag", "--mail-url=http://127.0.0.1:9025", "--poll-interval", "250ms"],
            { SMOKE_ONCALL_API_TOKEN: "from-env", SMOKE_ALERT_SEVERITY: "page", SMOKE_EMAIL_TIMEOUT: "1m" },
        );
        if (inputs === "help") throw new Error("unexpected help");
        expect(needsStackOutputs(inputs)).toBe(true);
        const settings = buildSmokeSettings(inputs, outputs);
        expect(settings).toMatchObject({
            oncallUrl: "http://127.0.0.1:8080",
            oncallApiToken: "from-flag",
            mailUrl: "http://127.0.0.1:9025",
            alertSeverity: "page",
            teamEmails: ["alice@example.com", "bob@example.com"],
            kubectlContext: "kind-oncall-lab",
            alertmanagerUrl: undefined,
            emailTimeoutMs: 60_000,
            pollIntervalMs: 250,
        });
        // Defaults follow the lab's group_wait (30s) and group_interval (1m).
        expect(settings.alertGroupTimeoutMs).toBe(180_000);
        expect(settings.resolveTimeoutMs).toBe(180_000);
    });

    it("needs no stack outputs (nor a kubectl context) when everything is given, with --alertmanager-url", () => {
        const inputs = parseSmokeInputs(
            [
                "--oncall-url",
                "http://127.0.0.1:1",
                "--oncall-api-token",
                "t",
                "--mail-url",
                "http://127.0.0.1:2",
                "--grafana-url",
                "http://grafana.oncall-lab.localhost:3000",
                "--alert-severity",
                "critical",
                "--team-emails",
                " alice@example.com, bob@example.com ",
                "--alertmanager-url",
                "http://127.0.0.1:3",
            ],
            {},
        );
        if (inputs === "help") throw new Error("unexpected help");
        expect(needsStackOutputs(inputs)).toBe(false);
        expect(buildSmokeSettings(inputs, {}).teamEmails).toEqual(["alice@example.com", "bob@example.com"]);
    });

    it("takes a stack without a mailbox (smtpHost) and the dashboard's URL", () => {
        const { mailUrl: _absent, ...withoutMailbox } = outputs;
        const settings = buildSmokeSettings(
            {},
            { ...withoutMailbox, dashboardUrl: "https://grafana.example.com/d/oncall-lab-alert-to-person" },
        );
        expect(settings.mailUrl).toBeUndefined();
        expect(settings.dashboardUrl).toBe("https://grafana.example.com/d/oncall-lab-alert-to-person");
    });

    it("names every missing or bad value and where it comes from", () => {
        const inputs = parseSmokeInputs(["--mail-url", "ftp://x", "--resolve-timeout", "soon"], {});
        if (inputs === "help") throw new Error("unexpected help");
        const error = (() => {
            try {
                buildSmokeSettings(inputs, {});
            } catch (thrown) {
                return (thrown as Error).message;
            }
            return "";
        })();
        expect(error).toContain(
            "OnCall public API token is missing: set stack output oncallApiToken, --oncall-api-token or SMOKE_ONCALL_API_TOKEN",
        );
        expect(error).toContain("kubectl context for the port-forward is missing");
        expect(error).toContain("stack output oncallTeamEmails");
        expect(error).toContain('--mail-url must be an http(s) URL, got "ftp://x"');
        expect(error).toContain('--resolve-timeout must be a duration above zero like 30s, 5m or 500ms, got "soon"');
        expect(() => parseSmokeInputs(["--bogus", "1"], {})).toThrow('unknown argument "--bogus"');
        expect(parseSmokeInputs(["--help"], {})).toBe("help");
    });

    it("port-forwards to the lab's Alertmanager service", () => {
        expect(portForwardArgs("kind-oncall-lab", 40123)).toEqual([
            "--context",
            "kind-oncall-lab",
            "-n",
            "monitoring",
            "port-forward",
            "svc/vmalertmanager-vmks",
            "40123:9093",
        ]);
    });
});

describe("matching", () => {
    it("finds the alert group whose newest alert carries the run label, not another one", () => {
        const group = (id: string, run: string) => ({
            id,
            title: "OnCallLabSmoke (oncall-lab-smoke)",
            state: "firing",
            created_at: "2026-01-01T00:00:00Z",
            last_alert: { payload: { alerts: [{ labels: { alertname: "OnCallLabSmoke", [runLabel]: run } }] } },
        });
        const page = { results: [{ id: "IX", last_alert: null }, group("I1", "older"), group("I2", "mine")] };
        expect(findAlertGroup(page, "mine")?.id).toBe("I2");
        expect(findAlertGroup(page, "absent")).toBeUndefined();
        expect(findAlertGroup({ detail: "Invalid token." }, "mine")).toBeUndefined();
    });

    it("finds the alert group's link among the e-mail's links (OnCall's email_notification.html)", () => {
        const html =
            '<a href="http://grafana.oncall-lab.localhost:3000/a/grafana-oncall-app/alert-groups/IAB12?x=1&amp;y=2">Alert Group #3</a>' +
            '<a href="http://grafana.oncall-lab.localhost:3000">http://grafana.oncall-lab.localhost:3000</a>';
        expect(alertGroupLink(html, "IAB12")).toBe(
            "http://grafana.oncall-lab.localhost:3000/a/grafana-oncall-app/alert-groups/IAB12?x=1&y=2",
        );
        expect(alertGroupLink(html, "IOTHER")).toBeUndefined();
    });

    it("reaches only the kind lab's .localhost names through 127.0.0.1, an Ingress host as it is", () => {
        expect(
            reachedThroughLoopback("http://grafana.oncall-lab.localhost:3000/a/grafana-oncall-app/alert-groups/I1"),
        ).toBe(true);
        expect(reachedThroughLoopback("https://grafana.example.com/a/grafana-oncall-app/alert-groups/I1")).toBe(false);
        expect(reachedThroughLoopback("http://127.0.0.1:3000/")).toBe(false);
    });

    it("tells e-mails to the team from e-mails to others, ignoring case", () => {
        const result = {
            messages: [
                { ID: "1", Subject: "s", To: [{ Name: "", Address: "carol@example.com" }] },
                { ID: "2", Subject: "s", To: [{ Name: "Alice", Address: "Alice@Example.com" }] },
            ],
        };
        expect(sortMessages(result, ["alice@example.com"])).toEqual({
            toTeam: result.messages[1],
            toOthers: ["carol@example.com"],
        });
        expect(sortMessages({ messages: [] }, ["alice@example.com"])).toEqual({ toTeam: undefined, toOthers: [] });
    });
});

describe("runSmoke against stand-ins", () => {
    it("times firing, the alert group, the e-mail, the clear and the resolve", async () => {
        const standIns = await standInsForTest(fast);
        const { report: running, lines } = smoke(standIns, settingsFor(standIns));
        const report = await running;

        expect(report.failure).toBeUndefined();
        expect(report.steps.map((step) => step.step)).toEqual([
            "fired",
            "source",
            "alertGroup",
            "email",
            "link",
            "cleared",
            "resolved",
        ]);
        const times = report.steps.map((step) => step.afterMs ?? -1);
        expect(times).toEqual([...times].sort((a, b) => a - b));
        expect(times[2]).toBeGreaterThanOrEqual(fast.alertGroupDelayMs);
        // The stand-in starts its delay when the clearing post arrives, a moment before the step is timed.
        expect(times[6] - times[5]).toBeGreaterThan(fast.resolveDelayMs - 50);
        // The link was asked through 127.0.0.1 with grafanaUrl's own Host, as on a laptop that cannot resolve *.localhost.
        expect(standIns.grafanaHosts).toEqual([new URL(standIns.grafanaUrl).host]);
        expect(standIns.grafanaUserAgents).toEqual([""]);
        expect(report.alertGroupLink).toBe(`${standIns.grafanaUrl}/a/grafana-oncall-app/alert-groups/ISMOKE1`);

        // What Alertmanager received: the alert, then the same alert with endsAt now.
        expect(standIns.posted).toHaveLength(2);
        const [fired, cleared] = standIns.posted;
        expect(fired.alert.labels).toEqual({
            alertname: "OnCallLabSmoke",
            severity: "critical",
            namespace: "oncall-lab-smoke",
            smoke_run: "smoketest1",
        });
        expect(Date.parse(fired.alert.startsAt ?? "")).toBeLessThanOrEqual(fired.at);
        expect(Date.parse(fired.alert.endsAt)).toBeGreaterThan(fired.at + 60_000);
        expect(cleared.alert.labels).toEqual(fired.alert.labels);
        expect(cleared.alert.startsAt).toBe(fired.alert.startsAt);
        expect(Date.parse(cleared.alert.endsAt)).toBeLessThanOrEqual(cleared.at);
        // OnCall's API token goes in the Authorization header as is, without "Bearer".
        expect(new Set(standIns.oncallAuthorizations)).toEqual(new Set([token]));

        const table = formatReport(report).split("\n");
        expect(table[0]).toBe("smoke run smoketest1 (smoke_run=smoketest1)");
        expect(table[1]).toMatch(/^step\s+after firing {2}detail$/);
        expect(table[2]).toMatch(
            /^alert accepted by Alertmanager\s+\d+\.\d s {2}OnCallLabSmoke severity=critical namespace=oncall-lab-smoke$/,
        );
        expect(table[3]).toMatch(
            /^vmalert's source link is Grafana's\s+\d+\.\d s {2}http:\/\/grafana\.oncall-lab\.localhost:\d+\/explore\?left=%7B%7D$/,
        );
        expect(table[4]).toMatch(
            /^alert group in OnCall\s+\d+\.\d s {2}ISMOKE1 "OnCallLabSmoke \(oncall-lab-smoke\)", firing$/,
        );
        expect(table[5]).toMatch(
            /^e-mail to a person on call\s+\d+\.\d s {2}to alice@example\.com: "OnCallLabSmoke \(oncall-lab-smoke\)"$/,
        );
        expect(table[6]).toMatch(
            /^e-mail's link opens Grafana\s+\d+\.\d s {2}http:\/\/grafana\.oncall-lab\.localhost:\d+\/a\/grafana-oncall-app\/alert-groups\/ISMOKE1 answered HTTP 302$/,
        );
        expect(table[7]).toMatch(/^alert cleared in Alertmanager\s+\d+\.\d s {2}endsAt=now$/);
        expect(table[8]).toMatch(/^alert group resolved in OnCall\s+\d+\.\d s {2}\d+\.\d s after clearing$/);
        expect(table[9]).toBe(
            "OK: the alert paged a person on call by e-mail, its link opens Grafana, and it resolved.",
        );
        expect(lines.some((line) => line.startsWith("waiting up to 3.0 s for the e-mail to alice@example.com"))).toBe(
            true,
        );
    });

    it("without a mailbox, skips the e-mail and its link, names the team's e-mails, resolves, and prints the dashboard", async () => {
        const standIns = await standInsForTest(fast);
        const dashboardUrl = "https://grafana.example.com/d/oncall-lab-alert-to-person";
        const { report: running, lines } = smoke(standIns, settingsFor(standIns, { mailUrl: undefined, dashboardUrl }));
        const report = await running;

        expect(report.failure).toBeUndefined();
        expect(report.steps.filter((step) => step.skipped).map((step) => step.step)).toEqual(["email", "link"]);
        expect(standIns.posted).toHaveLength(2);
        expect(standIns.grafanaHosts).toEqual([]);
        const skipped = "no lab mailbox on this stack: check alice@example.com, bob@example.com for OnCall's e-mail";
        expect(lines).toContain(`e-mail to a person on call skipped: ${skipped}`);

        const table = formatReport(report).split("\n");
        expect(table[4]).toMatch(/^alert group in OnCall\s+\d+\.\d s {2}ISMOKE1 /);
        expect(table[5]).toMatch(
            new RegExp(`^e-mail to a person on call\\s+skipped {2}${skipped.replace(/\./g, "\\.")}$`),
        );
        expect(table[6]).toMatch(/^e-mail's link opens Grafana\s+skipped {2}no e-mail to take the link from$/);
        expect(table[7]).toMatch(/^alert cleared in Alertmanager\s+\d+\.\d s {2}endsAt=now$/);
        expect(table[8]).toMatch(/^alert group resolved in OnCall\s+\d+\.\d s/);
        expect(table[9]).toBe(
            "OK: the alert opened an alert group in OnCall and it resolved; the e-mail and its link were not checked (no lab mailbox).",
        );
        expect(table[10]).toBe(`Dashboard: ${dashboardUrl}`);
        // Without the stack output, no dashboard line.
        expect(formatReport({ ...report, dashboardUrl: undefined }).split("\n")).toHaveLength(10);
    });

    it("asks a Grafana URL outside .localhost as it is (an Ingress host), a redirect to the login page counting as an answer", async () => {
        const standIns = await standInsForTest({ ...fast, grafanaDirect: true });
        const report = await smoke(standIns, settingsFor(standIns)).report;

        expect(report.failure).toBeUndefined();
        expect(standIns.grafanaUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(report.alertGroupLink).toBe(`${standIns.grafanaUrl}/a/grafana-oncall-app/alert-groups/ISMOKE1`);
        expect(report.steps.find((step) => step.step === "link")?.detail).toBe(
            `${report.alertGroupLink} answered HTTP 302`,
        );
        // fetch asked it (it sends a User-Agent; the request through 127.0.0.1 sends none), once: no redirect followed.
        expect(standIns.grafanaUserAgents).toHaveLength(1);
        expect(standIns.grafanaUserAgents[0]).not.toBe("");
    });

    it("fails at the link step when a Grafana URL outside .localhost does not answer, saying what to check", async () => {
        const grafanaUrl = `http://127.0.0.1:${await freePort()}`;
        const standIns = await standInsForTest({ ...fast, linkBase: grafanaUrl, sourceBase: grafanaUrl });
        const report = await smoke(standIns, settingsFor(standIns, { grafanaUrl })).report;
        expect(report.failure?.step).toBe("link");
        expect(report.failure?.message).toContain(
            `${grafanaUrl}/a/grafana-oncall-app/alert-groups/ISMOKE1 did not answer (fetch failed: connect ECONNREFUSED`,
        );
        expect(report.failure?.message).toContain(`does ${new URL(grafanaUrl).host} resolve from this machine`);
        expect(standIns.posted).toHaveLength(2);
    });

    it("fails at the e-mail step when no e-mail comes, says where to look, and still clears the alert", async () => {
        const standIns = await standInsForTest({ ...fast, recipient: undefined });
        const settings = settingsFor(standIns, { emailTimeoutMs: 400 });
        const report = await smoke(standIns, settings).report;

        expect(report.failure?.step).toBe("email");
        const message = report.failure?.message ?? "";
        expect(message).toContain(
            "no e-mail mentioning smoketest1 to alice@example.com, bob@example.com in Mailpit within 0.4 s",
        );
        expect(message).toContain(`${standIns.mailUrl}/api/v1/search?query=smoketest1`);
        expect(message).toContain("Check alert group ISMOKE1 in OnCall: its route's escalation chain");
        expect(message).toContain(`Mailbox: ${standIns.mailUrl}`);
        expect(standIns.posted).toHaveLength(2);
        expect(Date.parse(standIns.posted[1].alert.endsAt)).toBeLessThanOrEqual(standIns.posted[1].at);

        const table = formatReport(report).split("\n");
        expect(table[5]).toMatch(/^e-mail to a person on call\s+FAILED$/);
        expect(table[6]).toMatch(/^e-mail's link opens Grafana\s+-$/);
        expect(table[7]).toMatch(/^alert cleared in Alertmanager\s+-$/);
        expect(table[9]).toBe(`FAILED at "e-mail to a person on call": ${message}`);
    });

    it("fails at the source step when vmalert links its alerts' source outside grafanaUrl, and still clears the alert", async () => {
        // Without -external.url, vmalert builds generatorURL on its pod's own address.
        const standIns = await standInsForTest({ ...fast, sourceBase: "http://vmalert-vmks-0:8080" });
        const report = await smoke(standIns, settingsFor(standIns)).report;
        expect(report.failure?.step).toBe("source");
        expect(report.failure?.message).toContain(
            `vmalert links its alerts' source at http://vmalert-vmks-0:8080/explore?left=%7B%7D, not under grafanaUrl ${standIns.grafanaUrl}`,
        );
        expect(standIns.posted).toHaveLength(2);
    });

    it("fails at the source step when Alertmanager holds no Watchdog from vmalert", async () => {
        const standIns = await standInsForTest({ ...fast, sourceBase: null });
        const report = await smoke(standIns, settingsFor(standIns, { alertGroupTimeoutMs: 300 })).report;
        expect(report.failure?.step).toBe("source");
        expect(report.failure?.message).toContain("no Watchdog alert from vmalert in Alertmanager within 0.3 s");
    });

    it("names the recipients when the e-mail went to someone outside the team", async () => {
        const standIns = await standInsForTest({ ...fast, recipient: "carol@example.com" });
        const report = await smoke(standIns, settingsFor(standIns, { emailTimeoutMs: 400 })).report;
        expect(report.failure?.message).toContain("It went to carol@example.com instead, not in the team's e-mails.");
    });

    it("fails at the link step when the e-mail's link is not under grafanaUrl, and still clears the alert", async () => {
        const standIns = await standInsForTest({ ...fast, linkBase: "http://grafana.grafana.svc.cluster.local" });
        const report = await smoke(standIns, settingsFor(standIns)).report;
        expect(report.failure?.step).toBe("link");
        expect(report.failure?.message).toContain(
            `the e-mail links the alert group at http://grafana.grafana.svc.cluster.local/a/grafana-oncall-app/alert-groups/ISMOKE1, not under grafanaUrl ${standIns.grafanaUrl}`,
        );
        expect(standIns.posted).toHaveLength(2);
    });

    it("fails at the link step when Grafana does not answer for the link's host through 127.0.0.1", async () => {
        const port = await freePort();
        const standIns = await standInsForTest({
            ...fast,
            linkBase: `http://grafana.other.localhost:${port}`,
            sourceBase: `http://grafana.other.localhost:${port}`,
        });
        const ins = standIns;
        const grafanaUrl = `http://grafana.other.localhost:${port}`;
        const report = await smoke(ins, settingsFor(ins, { grafanaUrl })).report;
        expect(report.failure?.step).toBe("link");
        expect(report.failure?.message).toContain(
            `${grafanaUrl}/a/grafana-oncall-app/alert-groups/ISMOKE1 did not answer through 127.0.0.1:${port}`,
        );
    });

    it("stops waiting at once on a rejected OnCall token", async () => {
        const standIns = await standInsForTest(fast);
        const started = Date.now();
        const report = await smoke(
            standIns,
            settingsFor(standIns, { oncallApiToken: "wrong", alertGroupTimeoutMs: 20_000 }),
        ).report;
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(report.failure?.step).toBe("alertGroup");
        expect(report.failure?.message).toContain("answered HTTP 401");
        expect(report.failure?.message).toContain("Grafana (Alerts & IRM > OnCall > Integrations)");
    });

    it("fails at the first step when Alertmanager is unreachable", async () => {
        const standIns = await standInsForTest(fast);
        const closedPort = await freePort();
        const report = await runSmoke(settingsFor(standIns, { kubectlContext: "kind-oncall-lab" }), {
            alertmanagerUrl: `http://127.0.0.1:${closedPort}`,
            runId: "smoketest2",
            log: () => undefined,
            signal: new AbortController().signal,
        });
        expect(report.failure?.step).toBe("fired");
        expect(report.failure?.message).toContain(
            `POST http://127.0.0.1:${closedPort}/api/v2/alerts failed (fetch failed: connect ECONNREFUSED`,
        );
        expect(report.failure?.message).toContain(
            "Is Alertmanager running? kubectl --context kind-oncall-lab -n monitoring get pods",
        );
    });
});
