// The pieces the scripts share (src/tools/shared/cli, polling, http, processes; src/shared/records), without a lab.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { isRecord } from "../src/shared/records";
import { formatTable, parseOptions } from "../src/tools/shared/cli";
import { withoutTrailingSlash, withTrailingSlash } from "../src/shared/urls";
import { describeError, getJson, getThroughLoopback, isPermanentHttpError } from "../src/tools/shared/http";
import { type Clock, Interrupted, poll, waitFor } from "../src/tools/shared/polling";
import { acceptsConnections, freePort } from "../src/tools/shared/processes";

function fakeClock(): Clock {
    let now = 0;
    return { now: () => now, sleep: async (ms) => void (now += ms) };
}

describe("options", () => {
    const specs = {
        url: { flag: "--url", env: "X_URL", help: "a URL" },
        keep: { flag: "--keep", boolean: true, help: "keep" },
    };
    it("takes flags (both --flag value and --flag=value) over variables", () => {
        expect(parseOptions(specs, ["--url", "a"], { X_URL: "b" }, "usage")).toEqual({ url: "a" });
        expect(parseOptions(specs, ["--url=a", "--keep"], {}, "usage")).toEqual({ url: "a", keep: "true" });
        expect(parseOptions(specs, [], { X_URL: "b" }, "usage")).toEqual({ url: "b" });
        expect(parseOptions(specs, ["-h"], {}, "usage")).toBe("help");
    });
    it("names an unknown flag, a stray word and a missing value", () => {
        expect(() => parseOptions(specs, ["--nope"], {}, "usage")).toThrow('unknown argument "--nope"\nusage');
        expect(() => parseOptions(specs, ["stray"], {}, "usage")).toThrow('unknown argument "stray"');
        expect(() => parseOptions(specs, ["--url"], {}, "usage")).toThrow("--url needs a value");
    });
});

describe("tables, records, URLs and errors", () => {
    it("pads columns to the widest cell, numbers to the right", () => {
        expect(
            formatTable(
                ["a", "n"],
                [
                    ["long cell", "1"],
                    ["x", "100"],
                ],
                [1],
            ),
        ).toBe("a            n\nlong cell    1\nx          100");
    });
    it("knows a mapping from a list or null", () => {
        expect([{}, [], null, "x"].map(isRecord)).toEqual([true, false, false, false]);
    });
    it("adds or drops the trailing slash once", () => {
        expect([
            withTrailingSlash("http://h/a"),
            withTrailingSlash("http://h/a/"),
            withoutTrailingSlash("http://h/a//"),
        ]).toEqual(["http://h/a/", "http://h/a/", "http://h/a"]);
    });
    it("shows fetch's hidden reason", () => {
        expect(describeError(new Error("fetch failed", { cause: new Error("connect ECONNREFUSED") }))).toBe(
            "fetch failed: connect ECONNREFUSED",
        );
        expect(describeError("plain")).toBe("plain");
    });
});

describe("polling on a fake clock", () => {
    it("returns the first value, retrying passing errors", async () => {
        let calls = 0;
        const result = await poll({ timeoutMs: 10_000, intervalMs: 1_000, clock: fakeClock() }, () => {
            calls += 1;
            if (calls < 3) throw new Error(`not yet ${calls}`);
            return calls === 4 ? "done" : undefined;
        });
        expect(result).toEqual({ value: "done" });
        expect(calls).toBe(4);
    });
    it("gives up at the deadline with the last error, and at once on a permanent one", async () => {
        const clock = fakeClock();
        expect(
            await poll({ timeoutMs: 5_000, intervalMs: 1_000, clock }, () => Promise.reject(new Error("down"))),
        ).toEqual({ lastError: "down" });
        expect(clock.now()).toBe(5_000);
        let calls = 0;
        const permanent = await poll({ timeoutMs: 5_000, intervalMs: 1_000, clock, isPermanent: () => true }, () => {
            calls += 1;
            throw new Error("401");
        });
        expect([permanent.lastError, calls]).toEqual(["401", 1]);
    });
    it("stops on abort, and waitFor throws on timeout or the probe's own error", async () => {
        const controller = new AbortController();
        controller.abort();
        await expect(
            poll({ timeoutMs: 1, intervalMs: 1, signal: controller.signal }, () => undefined),
        ).rejects.toBeInstanceOf(Interrupted);
        await expect(waitFor("x", () => undefined, 3_000, 1_000, fakeClock())).rejects.toThrow(
            "timed out after 3000 ms waiting for x",
        );
        const own = new TypeError("bad");
        await expect(waitFor("x", () => Promise.reject(own), 3_000, 1_000, fakeClock())).rejects.toBe(own);
    });
});

describe("HTTP through 127.0.0.1", () => {
    it("sends the URL's Host, tells 4xx permanent, and finds free ports", async () => {
        const hosts: string[] = [];
        const server = createServer((request, response) => {
            hosts.push(request.headers.host ?? "");
            response.writeHead(request.url === "/missing" ? 404 : 302, { location: "/login" }).end("{}");
        });
        await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
        const { port } = server.address() as AddressInfo;
        try {
            expect(await getThroughLoopback(`http://grafana.lab.localhost:${port}/a/x?y=1`)).toEqual({
                status: 302,
                location: "/login",
            });
            expect(hosts).toEqual([`grafana.lab.localhost:${port}`]);
            const error = await getJson(`http://127.0.0.1:${port}/missing`, {}).catch((thrown: unknown) => thrown);
            expect(isPermanentHttpError(error)).toBe(true);
            expect(await acceptsConnections(port)).toBe(true);
        } finally {
            await new Promise<void>((done) => server.close(() => done()));
        }
        expect(await acceptsConnections(await freePort())).toBe(false);
    });
});
