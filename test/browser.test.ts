// The e2e's browser step in a real headless Chromium, against a local page standing in for the
// e-mail's link, Grafana's login and OnCall's alert-group page (buttons as OnCall 1.16.9 renders them).
// Skipped where no Chromium is installed (test/support/requirements.ts: one line says so; under CI the run fails).
import * as fs from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acknowledgeInBrowser, chromiumArgs, chromiumPath } from "../src/tools/e2e/browser";

const chromium = chromiumPath();

const loginPage = `<!doctype html><form method="post" action="/login">
<label for="user">Email or username</label><input id="user" name="user">
<label for="current-password">Password</label><input id="current-password" name="password" type="password">
<button type="submit">Log in</button></form>`;

const groupPage = (acknowledged: boolean) => `<!doctype html><h1>Alert Group #1</h1>
<form method="post" action="${acknowledged ? "" : "/ack"}">
${acknowledged ? "<button type=button>Unacknowledge</button>" : "<button type=submit>Acknowledge</button>"}
<button type=button>Resolve</button></form>`;

interface Stand {
    server: Server;
    port: number;
    hosts: string[];
    acknowledgedBy?: string;
}

async function startGrafana(password: string): Promise<Stand> {
    const stand: Stand = { server: createServer(), port: 0, hosts: [] };
    let session: string | undefined;
    stand.server.on("request", (request, response) => {
        stand.hosts.push(request.headers.host ?? "");
        let body = "";
        request.on("data", (chunk: Buffer) => (body += chunk.toString()));
        request.on("end", () => {
            const url = new URL(request.url ?? "/", "http://x");
            const loggedIn =
                session !== undefined && (request.headers.cookie ?? "").includes(`grafana_session=${session}`);
            const html = (status: number, text: string, headers: Record<string, string> = {}) =>
                response.writeHead(status, { "content-type": "text/html", ...headers }).end(text);
            if (url.pathname === "/login" && request.method === "POST") {
                const form = new URLSearchParams(body);
                if (form.get("password") !== password) return html(401, loginPage);
                session = `s-${form.get("user")}`;
                return html(302, "", {
                    location: "/a/grafana-oncall-app/alert-groups/I1",
                    "set-cookie": `grafana_session=${session}; Path=/`,
                });
            }
            if (url.pathname === "/login") return html(200, loginPage);
            if (!loggedIn) return html(302, "", { location: "/login" });
            if (url.pathname === "/ack" && request.method === "POST") {
                stand.acknowledgedBy = session;
                return html(302, "", { location: "/a/grafana-oncall-app/alert-groups/I1" });
            }
            if (url.pathname === "/a/grafana-oncall-app/alert-groups/I1")
                return html(200, groupPage(stand.acknowledgedBy !== undefined));
            return html(404, "not found");
        });
    });
    await new Promise<void>((ready) => stand.server.listen(0, "127.0.0.1", ready));
    stand.port = (stand.server.address() as AddressInfo).port;
    return stand;
}

let stand: Stand | undefined;
const dirs: string[] = [];
afterEach(async () => {
    if (stand) {
        stand.server.closeAllConnections();
        await new Promise<void>((done) => stand!.server.close(() => done()));
        stand = undefined;
    }
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the person on call in a browser", () => {
    it("maps the link's *.localhost name to 127.0.0.1 inside Chromium", () => {
        expect(chromiumArgs("http://grafana.oncall-lab.localhost:3000/a/grafana-oncall-app/alert-groups/I1")).toEqual([
            "--no-sandbox",
            "--host-resolver-rules=MAP grafana.oncall-lab.localhost 127.0.0.1",
        ]);
    });

    it.skipIf(!chromium)(
        "opens the e-mail's link, logs in, presses Acknowledge, and screenshots before and after",
        async () => {
            stand = await startGrafana("alice-secret");
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oncall-lab-browser-"));
            dirs.push(dir);
            const link = `http://grafana.oncall-lab.localhost:${stand.port}/a/grafana-oncall-app/alert-groups/I1`;
            const shots = await acknowledgeInBrowser({
                link,
                login: "alice",
                password: "alice-secret",
                screenshotsDir: dir,
                timeoutMs: 15_000,
            });

            expect(stand.acknowledgedBy).toBe("s-alice");
            // Every request reached 127.0.0.1 with the link's own Host.
            expect(new Set(stand.hosts)).toEqual(new Set([`grafana.oncall-lab.localhost:${stand.port}`]));
            for (const shot of [shots.before, shots.after]) expect(fs.statSync(shot).size).toBeGreaterThan(1000);
        },
        60_000,
    );

    it.skipIf(!chromium)(
        "fails, saying what it waited for, when the password is wrong",
        async () => {
            stand = await startGrafana("alice-secret");
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oncall-lab-browser-"));
            dirs.push(dir);
            const link = `http://grafana.oncall-lab.localhost:${stand.port}/a/grafana-oncall-app/alert-groups/I1`;
            await expect(
                acknowledgeInBrowser({
                    link,
                    login: "alice",
                    password: "wrong",
                    screenshotsDir: dir,
                    timeoutMs: 2_000,
                }),
            ).rejects.toThrow(/Acknowledge.*\(screenshot: .*acknowledge-failed\.png\)/s);
            expect(stand.acknowledgedBy).toBeUndefined();
            // What the person saw when it went wrong is kept.
            expect(fs.existsSync(path.join(dir, "acknowledge-failed.png"))).toBe(true);
        },
        60_000,
    );
});
