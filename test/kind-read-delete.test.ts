// The kind provider's read and delete: what a refresh or destroy finds and does (create, diff: test/kind.test.ts).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { type KindClusterOutputs, kindClusterProvider } from "../src/kind/provider";
import { inputs, kindStubsPerTest } from "./support/stubs";

describe("kindClusterProvider", () => {
    const stubs = kindStubsPerTest();

    describe("read", () => {
        it("refreshes the kubeconfig of a running cluster", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            const stale: KindClusterOutputs = { ...outs!, kubeconfig: "stale" };

            const result = await kindClusterProvider.read!("oncall-lab", stale);

            expect(result.id).toBe("oncall-lab");
            expect(result.props).toEqual(outs);
        });

        it("reports a cluster deleted out of band as gone", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            stubs.docker.deleteCluster("oncall-lab");

            const result = await kindClusterProvider.read!("oncall-lab", outs);

            expect(result.id).toBeUndefined();
            expect(result.props).toBeUndefined();
        });

        it("gives a cluster deleted and created again by hand under the same name a new cluster ID", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            stubs.docker.deleteCluster("oncall-lab");
            stubs.docker.createCluster("oncall-lab");

            const result = await kindClusterProvider.read!("oncall-lab", outs);

            expect(result.id).toBe("oncall-lab");
            expect(result.props?.clusterId).toMatch(/^container0+2$/);
            expect(result.props?.clusterId).not.toBe(outs!.clusterId);
        });

        it("reports the cluster as gone only when neither kind nor docker is installed", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            fs.rmSync(path.join(stubs.stubDir, "kind"));
            fs.rmSync(path.join(stubs.stubDir, "docker"));

            expect(await kindClusterProvider.read!("oncall-lab", outs)).toEqual({});
        });

        it("does not forget a cluster whose containers still run when kind is missing, and says to install kind", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            fs.rmSync(path.join(stubs.stubDir, "kind"));

            await expect(kindClusterProvider.read!("oncall-lab", outs)).rejects.toThrow(
                /^kind cluster "oncall-lab" still exists \(Docker has its node container oncall-lab-control-plane\), but kind was not found on PATH: install kind/,
            );
            expect(stubs.calls()).toContain(
                "docker ps -a --filter label=io.x-k8s.kind.cluster=oncall-lab --format {{.Names}}",
            );
        });

        it("reports the cluster as gone when kind is missing and Docker has no node container of it", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            stubs.docker.deleteCluster("oncall-lab");
            fs.rmSync(path.join(stubs.stubDir, "kind"));

            expect(await kindClusterProvider.read!("oncall-lab", outs)).toEqual({});
        });

        it("does not forget the cluster when kind is there but docker is not on PATH", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            fs.rmSync(path.join(stubs.stubDir, "docker"));

            await expect(kindClusterProvider.read!("oncall-lab", outs)).rejects.toThrow(
                /^docker was not found on PATH, so whether kind cluster "oncall-lab" still runs in Docker cannot be told: put docker on PATH/,
            );
        });

        it("says to start a stopped node container instead of passing on kind's error", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            stubs.docker.stopNode("oncall-lab");
            fs.writeFileSync(path.join(stubs.stubDir, "calls.log"), "");

            const reading = kindClusterProvider.read!("oncall-lab", outs);

            await expect(reading).rejects.toThrow(
                /^kind cluster "oncall-lab" is stopped: its node container oncall-lab-control-plane is not running .*Run `docker start oncall-lab-control-plane`, then retry\.$/,
            );
            await expect(reading).rejects.not.toThrow(/docker exec/);
            expect(stubs.kindCalls()).not.toContain("kind get kubeconfig --name oncall-lab");
        });

        it("reads the cluster again once its node container is started", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            stubs.docker.stopNode("oncall-lab");
            await expect(kindClusterProvider.read!("oncall-lab", outs)).rejects.toThrow(/is stopped/);
            spawnSync(path.join(stubs.stubDir, "docker"), ["start", "oncall-lab-control-plane"]);

            expect((await kindClusterProvider.read!("oncall-lab", outs)).props).toEqual(outs);
        });

        it("fails, saying to start Docker, when the daemon is not running", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            stubs.docker.setDaemon("stopped");

            await expect(kindClusterProvider.read!("oncall-lab", outs)).rejects.toThrow(
                /^docker is not running .*Cannot connect to the Docker daemon.*: start Docker, then retry\.$/,
            );
        });

        it("gives up on a Docker daemon that does not answer instead of hanging", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            // 15 s unless set: the test waits one second instead.
            process.env.ONCALL_LAB_QUERY_TIMEOUT_MS = "1000";
            stubs.docker.setDaemon("hung");
            expect(
                spawnSync("mkfifo", [path.join(stubs.stubDir, "never")], { env: { PATH: stubs.originalPath } }).status,
            ).toBe(0);

            const started = Date.now();
            await expect(kindClusterProvider.read!("oncall-lab", outs))
                .rejects.toThrow(
                    /^`docker info --format \{\{\.ServerVersion\}\}` did not finish within 1 s: Docker is not responding/,
                )
                .finally(() => delete process.env.ONCALL_LAB_QUERY_TIMEOUT_MS);
            expect(Date.now() - started).toBeLessThan(5_000);
        });
    });

    describe("delete", () => {
        it("deletes the cluster and treats an already deleted cluster as success", async () => {
            const { outs } = await kindClusterProvider.create(inputs);

            await kindClusterProvider.delete!("oncall-lab", outs!);
            await kindClusterProvider.delete!("oncall-lab", outs!);

            expect(stubs.kindCalls()).toContain("kind delete cluster --name oncall-lab");
            expect(stubs.clustersInState()).toEqual([]);
        });

        it("succeeds without doing anything when neither kind nor docker is installed any more", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            fs.rmSync(path.join(stubs.stubDir, "kind"));
            fs.rmSync(path.join(stubs.stubDir, "docker"));

            await kindClusterProvider.delete!("oncall-lab", outs!);

            expect(stubs.kindCalls().some((call) => call.startsWith("kind delete"))).toBe(false);
        });

        it("stops, saying to install kind, when kind is missing but the cluster's containers still hold its ports", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            fs.rmSync(path.join(stubs.stubDir, "kind"));

            await expect(kindClusterProvider.delete!("oncall-lab", outs!)).rejects.toThrow(
                /^kind cluster "oncall-lab" still exists .*install kind/,
            );
            expect(stubs.clustersInState()).toEqual(["oncall-lab"]);
        });

        it("succeeds without kind when Docker has no node container of the cluster", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            stubs.docker.deleteCluster("oncall-lab");
            fs.rmSync(path.join(stubs.stubDir, "kind"));

            await kindClusterProvider.delete!("oncall-lab", outs!);
        });

        it("deletes a cluster whose node container is stopped", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            stubs.docker.stopNode("oncall-lab");

            await kindClusterProvider.delete!("oncall-lab", outs!);

            expect(stubs.clustersInState()).toEqual([]);
        });

        it("stops when Docker is not running and says how to finish the destroy", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            stubs.docker.setDaemon("stopped");

            const deletion = kindClusterProvider.delete!("oncall-lab", outs!);

            await expect(deletion).rejects.toThrow(
                /^docker is not running .*, so kind cluster "oncall-lab" cannot be deleted\./,
            );
            await expect(deletion).rejects.toThrow(/Start Docker and run `npm run destroy` again\./);
            await expect(deletion).rejects.toThrow(/no longer exists.*`npm run pulumi -- state delete`/);
            expect(stubs.kindCalls().some((call) => call.startsWith("kind delete"))).toBe(false);
        });
    });

    it("still works after Pulumi serializes it and Node loads it outside vitest", async () => {
        const serialized = await pulumi.runtime.serializeFunction(() => kindClusterProvider, { allowSecrets: true });
        const moduleDir = fs.mkdtempSync(path.join(os.tmpdir(), "kind-provider-"));
        try {
            // Lets the serialized code resolve `yaml` the way it does from the Pulumi program directory.
            fs.symlinkSync(path.resolve(__dirname, "../node_modules"), path.join(moduleDir, "node_modules"), "dir");
            const moduleFile = path.join(moduleDir, "provider.js");
            fs.writeFileSync(moduleFile, serialized.text);
            const provider: pulumi.dynamic.ResourceProvider = createRequire(moduleFile)(moduleFile).handler();

            const { id, outs } = await provider.create(inputs);
            expect(outs.contextName).toBe("kind-oncall-lab");
            await provider.delete!(id, outs);
            expect(stubs.clustersInState()).toEqual([]);
        } finally {
            fs.rmSync(moduleDir, { recursive: true, force: true });
        }
    });
});
