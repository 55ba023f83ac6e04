import { describe, expect, it } from "vitest";
import { MAX_API_TOKENS_PER_USER } from "../src/oncall/vocabulary";
import { type FakeLab, TOKENS } from "./support/fake-grafana-oncall";
import { createWiring, failure, fakeLabPerTest, wiringProvider } from "./support/wiring-providers";

const provider = wiringProvider;

describe("the OnCall API token of oncallWiringProvider", () => {
    let lab: FakeLab;
    fakeLabPerTest((started) => (lab = started));

    /** Index in the recorded requests of the first request with this method and path prefix. */
    const firstIndex = (method: string, path: string) =>
        lab.requests.findIndex((request) => request.method === method && request.path.startsWith(path));

    it("stops at once when OnCall's public API rejects a freshly issued token, and revokes it", async () => {
        lab.rejectsEveryToken = true;
        const started = Date.now();

        const error = await failure(provider.create(lab.inputs({ userLogins: ["admin"] })));

        expect(Date.now() - started).toBeLessThan(2_000);
        expect(error.message).toContain("failed while checking the OnCall API token");
        expect(error.message).toContain("HTTP 403");
        expect(error.message).toContain('rejected a freshly issued API token: user "admin" must be an OnCall admin');
        expect(lab.requestsTo("POST", TOKENS)).toHaveLength(1);
        expect(lab.tokens.size).toBe(0);
    });

    it("on update, replaces a rejected token once and then stops, keeping the token it started with", async () => {
        const created = await createWiring(lab.inputs({ userLogins: ["admin"] }));
        lab.rejectsEveryToken = true;
        const started = Date.now();

        const error = await failure(provider.update(created.id, created.outs, lab.inputs({ userLogins: ["admin"] })));

        expect(Date.now() - started).toBeLessThan(2_000);
        expect(error.message).toContain("rejected a freshly issued API token");
        expect(lab.requestsTo("POST", TOKENS)).toHaveLength(2);
        expect([...lab.tokens.keys()]).toEqual([created.outs.apiTokenId]);
    });

    it("revokes a leftover that carries the lab's token name before issuing, and never touches tokens of other names", async () => {
        lab.connectedAlready();
        // A leftover: issued by an earlier POST whose answer never came back, so nobody holds its value.
        lab.tokens.set(7, { name: "pulumi oncall-lab", token: "leftover-token" });
        lab.tokens.set(8, { name: "grafana-terraform", token: "someone-elses-token" });

        const { outs } = await createWiring(lab.inputs());

        expect(lab.requestsTo("DELETE", TOKENS).map((request) => request.path)).toEqual([`${TOKENS}7/`]);
        expect(firstIndex("DELETE", TOKENS)).toBeLessThan(firstIndex("POST", TOKENS));
        expect([...lab.tokens.keys()].sort()).toEqual([8, outs.apiTokenId].sort());
        expect(lab.tokens.get(8)).toEqual({ name: "grafana-terraform", token: "someone-elses-token" });
    });

    it("issues once more after a POST that issued a token but lost its answer, and leaves only the token it holds", async () => {
        lab.connectedAlready();
        lab.lostTokenAnswersLeft = 1;

        const { outs } = await createWiring(lab.inputs());

        expect(lab.requestsTo("POST", TOKENS)).toHaveLength(2);
        expect([...lab.tokens.keys()]).toEqual([outs.apiTokenId]);
        expect(lab.tokens.get(outs.apiTokenId)?.token).toBe(outs.apiToken);
    });

    it(`stops before posting, naming the tokens, when the admin holds ${MAX_API_TOKENS_PER_USER} tokens of other names`, async () => {
        lab.connectedAlready();
        for (let i = 0; i < MAX_API_TOKENS_PER_USER; i++) {
            lab.tokens.set(100 + i, { name: `someone else's ${i}`, token: `other-${i}` });
        }
        const started = Date.now();

        const error = await failure(provider.create(lab.inputs()));

        expect(Date.now() - started).toBeLessThan(2_000);
        expect(error.message).toContain("failed while issuing an OnCall API token");
        expect(error.message).toContain(
            `user "admin" already holds ${MAX_API_TOKENS_PER_USER} OnCall API tokens, OnCall's maximum`,
        );
        expect(error.message).toContain(`"someone else's 0"`);
        expect(error.message).toContain("revoke one in OnCall's settings (API tokens), then run again");
        expect(error.message).not.toContain("other-0");
        expect(lab.requestsTo("POST", TOKENS)).toHaveLength(0);
        expect(lab.tokens.size).toBe(MAX_API_TOKENS_PER_USER);
    });

    it("counts a leftover of the lab's name as room: at the maximum with one leftover, it still issues", async () => {
        lab.connectedAlready();
        for (let i = 0; i < MAX_API_TOKENS_PER_USER - 1; i++) {
            lab.tokens.set(100 + i, { name: `someone else's ${i}`, token: `other-${i}` });
        }
        lab.tokens.set(200, { name: "pulumi oncall-lab", token: "leftover-token" });

        const { outs } = await createWiring(lab.inputs());

        expect(lab.tokens.size).toBe(MAX_API_TOKENS_PER_USER);
        expect(lab.tokens.has(200)).toBe(false);
        expect(lab.tokens.get(outs.apiTokenId)?.token).toBe(outs.apiToken);
    });

    it("deletes only the token it issued, and only while it still authenticates", async () => {
        const { id, outs } = await createWiring(lab.inputs());
        lab.tokens.set(100, { name: "pulumi oncall-lab", token: "someone-elses-token" });

        await provider.delete(id, outs);
        expect([...lab.tokens.keys()]).toEqual([100]);

        // Revoked already: OnCall rejects it, so nothing is deleted by id.
        await provider.delete(id, outs);
        expect(lab.requestsTo("DELETE", TOKENS)).toHaveLength(1);
    });

    it("after a cluster replacement, the old resource's delete leaves the new lab's token with the same id alone", async () => {
        const old = await createWiring(lab.inputs({ clusterId: "cluster-1" }));
        lab.becomeNewCluster();
        const current = await createWiring(lab.inputs({ clusterId: "cluster-2" }));
        expect(current.outs.apiTokenId).toBe(old.outs.apiTokenId);

        await provider.delete(old.id, old.outs);

        expect([...lab.tokens.values()].map((token) => token.token)).toEqual([current.outs.apiToken]);
        expect(lab.requestsTo("DELETE", TOKENS)).toHaveLength(0);
    });
});
