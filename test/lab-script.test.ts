// The lab program behind npm run up / preview / destroy / pulumi (scripts/lab.ts, src/tools/lab/main.ts): what it
// checks before `up`, the tools it needs. Its stack, passphrase and settings file: test/lab-script-settings.test.ts.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { KIND_CLUSTER_TARGET, TEAM_USERS_TARGET, targetMatches, WIRING_TARGET } from "../src/tools/lab/resources";
import {
    CLUSTER_URN,
    docker,
    lab,
    machine,
    originalPath,
    project,
    repo,
    stackState,
    stubDir,
    work,
} from "./support/lab-run";

describe("the lab program: looking at the lab before up", () => {
    it("refreshes the kind cluster, the OnCall wiring and the team's Grafana users before updating a stack that has resources", async () => {
        await lab(["up", "--yes"]);
        const { status, calls } = await lab(["up"]);
        expect(status).toBe(0);
        expect(calls).toEqual([
            "pulumi stack select dev",
            "pulumi stack export --stack dev",
            "pulumi refresh --stack dev --target **pulumi-nodejs:dynamic:*::kind-cluster --target **pulumi-nodejs:dynamic:*::oncall-wiring-connection",
            "pulumi refresh --stack dev --target **grafana:oss/user:User::team-users-*",
            "pulumi up --stack dev",
        ]);

        const targets = calls
            .filter((call) => call.startsWith("pulumi refresh"))
            .flatMap((call) => [...call.matchAll(/--target (\S+)/g)].map((m) => m[1]));
        const refreshed = (urn: string) => targets.some((target) => targetMatches(target, urn));
        const urn = (type: string, name: string) => `urn:pulumi:dev::oncall-lab::${type}::${name}`;
        expect(refreshed(urn("oncall-lab:index:KindCluster$pulumi-nodejs:dynamic:KindCluster", "kind-cluster"))).toBe(
            true,
        );
        expect(refreshed(urn("oncall-lab:index:KindCluster$pulumi-nodejs:dynamic:Resource", "kind-cluster"))).toBe(
            true,
        );
        expect(
            refreshed(urn("oncall-lab:index:OnCallWiring$pulumi-nodejs:dynamic:Resource", "oncall-wiring-connection")),
        ).toBe(true);
        // components/TeamUsers.ts names each user `${name}-${login}` under the component "team-users".
        expect(refreshed(urn("oncall-lab:index:TeamUsers$grafana:oss/user:User", "team-users-alice"))).toBe(true);
        expect(refreshed(urn("oncall-lab:index:TeamUsers$grafana:oss/user:User", "team-users-bob"))).toBe(true);
        expect(
            refreshed(
                urn(
                    "oncall-lab:index:TeamUsers$random:index/randomPassword:RandomPassword",
                    "team-users-alice-password",
                ),
            ),
        ).toBe(false);
        expect(refreshed(urn("oncall-lab:index:TeamUsers$pulumi:providers:grafana", "team-users-provider"))).toBe(
            false,
        );
        expect(
            refreshed(
                urn("oncall-lab:index:OnCallTeam$grafana:onCall/integration:Integration", "oncall-team-integration"),
            ),
        ).toBe(false);
        expect(refreshed(urn("pulumi:providers:kubernetes", "kubernetes"))).toBe(false);
        expect(refreshed(urn("oncall-lab:index:KindCluster", "kind"))).toBe(false);
    });

    it("updates anyway, saying so, when Grafana cannot be asked for its users", async () => {
        await lab(["up", "--yes"]);
        const { status, calls, stderr } = await lab(["up", "--yes"], {}, { refreshFails: "grafana:oss/user" });
        expect(status).toBe(0);
        expect(stderr).toContain(
            "oncall-lab: could not check the team's Grafana users (see above); updating without that",
        );
        expect(calls.at(-1)).toBe("pulumi up --yes --stack dev");
    });

    it("stops when the wiring cannot be refreshed, before updating", async () => {
        await lab(["up", "--yes"]);
        const { status, calls, stderr } = await lab(["up", "--yes"], {}, { refreshFails: "oncall-wiring-connection" });
        expect(status).toBe(1);
        expect(stderr).toContain("oncall-lab: refresh failed: connection refused");
        expect(calls.some((call) => call.startsWith("pulumi up"))).toBe(false);
    });

    it("forgets everything that lived in a cluster deleted by hand, then builds the lab again", async () => {
        await lab(["up", "--yes"]);
        docker().deleteCluster("oncall-lab");
        const { status, calls, stdout } = await lab(["up", "--yes"]);
        expect(status).toBe(0);
        expect(stdout).toContain('kind cluster "oncall-lab" no longer exists');
        expect(calls.slice(2)).toEqual([
            `pulumi state delete --target-dependents --stack dev ${CLUSTER_URN}`,
            "pulumi up --yes --stack dev",
        ]);
        expect(stackState().resources[0].outputs!.clusterId).toBe(docker().containerId("oncall-lab"));
    });

    it("forgets everything that lived in a cluster deleted and created again by hand under the same name", async () => {
        await lab(["up", "--yes"]);
        const made = stackState().resources[0].outputs!.clusterId;
        docker().deleteCluster("oncall-lab");
        docker().createCluster("oncall-lab");
        expect(docker().containerId("oncall-lab")).not.toBe(made);

        const { status, calls, stderr } = await lab(["up", "--yes"]);

        expect(status).toBe(1);
        expect(stderr).toContain('kind cluster "oncall-lab" was deleted and created again outside this stack');
        expect(stderr).toContain(
            "delete this one with `kind delete cluster --name oncall-lab`, then run npm run up again",
        );
        expect(calls.slice(2)).toEqual([`pulumi state delete --target-dependents --stack dev ${CLUSTER_URN}`]);
        expect(stackState().resources).toEqual([]);

        // Once that cluster is gone, the next run builds the lab in one of its own.
        docker().deleteCluster("oncall-lab");
        expect((await lab(["up", "--yes"])).status).toBe(0);
        expect(stackState().resources[0].outputs!.clusterId).toBe(docker().containerId("oncall-lab"));
    });

    it("refreshes, forgetting nothing, a cluster whose state is from before the stack recorded its id", async () => {
        await lab(["up", "--yes"]);
        const state = stackState();
        delete state.resources[0].outputs!.clusterId;
        fs.writeFileSync(path.join(project, ".pulumi", "state", "stacks", "dev.json"), JSON.stringify(state));
        const { status, calls } = await lab(["up", "--yes"]);
        expect(status).toBe(0);
        expect(calls.some((call) => call.startsWith("pulumi refresh"))).toBe(true);
        expect(calls.some((call) => call.includes("state delete"))).toBe(false);
    });

    it("refreshes, forgetting nothing, a cluster whose node container is stopped (the refresh says to start it)", async () => {
        await lab(["up", "--yes"]);
        docker().stopNode("oncall-lab");
        const { calls } = await lab(["up", "--yes"]);
        expect(calls.some((call) => call.startsWith("pulumi refresh"))).toBe(true);
        expect(calls.some((call) => call.includes("state delete"))).toBe(false);
    });

    it("stops, forgetting nothing, when Docker cannot list the cluster's containers", async () => {
        await lab(["up", "--yes"]);
        fs.writeFileSync(
            path.join(stubDir(), "docker"),
            `#!/bin/bash\n[ "$1" = info ] && { echo 2; exit 0; }\necho "permission denied" >&2; exit 1\n`,
        );
        const { status, calls, stderr } = await lab(["up", "--yes"]);
        expect(status).not.toBe(0);
        expect(stderr).toContain("permission denied");
        expect(calls.filter((call) => /state delete|pulumi up/.test(call))).toEqual([]);
    });

    it("skips the refresh while the stack has no resources", async () => {
        await lab(["up", "--yes"]);
        await lab(["destroy", "--yes"]);
        const { status, calls } = await lab(["up", "--yes"]);
        expect(status).toBe(0);
        expect(calls).toEqual([
            "pulumi stack select dev",
            "pulumi stack export --stack dev",
            "pulumi up --yes --stack dev",
        ]);
    });
});

describe("the lab program's targets, by the names the components and index.ts give", () => {
    const users = ["team-users-alice", "team-users-bob"];
    const expected: Record<string, [string, string[]][]> = {
        "kind-graph": [
            [KIND_CLUSTER_TARGET, ["kind-cluster"]],
            [WIRING_TARGET, ["oncall-wiring-connection"]],
            [TEAM_USERS_TARGET, users],
        ],
        "existing-graph": [
            [KIND_CLUSTER_TARGET, []],
            [WIRING_TARGET, ["oncall-wiring-connection"]],
            [TEAM_USERS_TARGET, users],
        ],
    };
    it.each(Object.keys(expected))(
        "match exactly the resources they name in the program's graph (test/fixtures/%s.json)",
        (fixture) => {
            const graph = JSON.parse(
                fs.readFileSync(path.join(repo, "test", "fixtures", `${fixture}.json`), "utf8"),
            ) as { urn: string }[];
            for (const [target, names] of expected[fixture]) {
                expect(
                    graph.filter(({ urn }) => targetMatches(target, urn)).map(({ urn }) => urn.split("::").at(-1)),
                    target,
                ).toEqual(names);
            }
        },
    );
});

describe("the lab program on an existing cluster (oncall-lab:target existing)", () => {
    const onExistingCluster = () =>
        fs.writeFileSync(
            path.join(project, "Pulumi.dev.yaml"),
            "config:\n  oncall-lab:target: existing\n  oncall-lab:kubeContext: team\n",
        );

    it("runs up without docker or kind, and then refreshes only the OnCall wiring and the team's Grafana users", async () => {
        onExistingCluster();
        Object.assign(machine, { docker: undefined, kindVersion: undefined });
        expect((await lab(["up", "--yes"])).status).toBe(0);
        const { status, calls, checks } = await lab(["up", "--yes"]);
        expect(status).toBe(0);
        expect(checks).toEqual(["pulumi version"]);
        expect(calls).toEqual([
            "pulumi stack select dev",
            "pulumi stack export --stack dev",
            "pulumi refresh --stack dev --target **pulumi-nodejs:dynamic:*::oncall-wiring-connection",
            "pulumi refresh --stack dev --target **grafana:oss/user:User::team-users-*",
            "pulumi up --yes --stack dev",
        ]);
    });

    it("skips the refresh while the stack has no resources", async () => {
        onExistingCluster();
        await lab(["up", "--yes"]);
        await lab(["destroy", "--yes"]);
        const { status, calls } = await lab(["up", "--yes"]);
        expect(status).toBe(0);
        expect(calls).toEqual([
            "pulumi stack select dev",
            "pulumi stack export --stack dev",
            "pulumi up --yes --stack dev",
        ]);
    });
});

describe("the lab program: tools", () => {
    it.each([["preview"], ["destroy", "--yes"]])("runs %s without docker or kind", async (...args) => {
        await lab(["up", "--yes"]);
        Object.assign(machine, { docker: undefined, kindVersion: undefined });
        const { status, calls, checks } = await lab(args);
        expect(status).toBe(0);
        expect(checks).toEqual(["pulumi version"]);
        expect(calls.at(-1)).toBe(`pulumi ${args.join(" ")} --stack dev`);
    });

    it.each([
        ["pulumiVersion", "pulumi is not installed"],
        ["kindVersion", "kind is not installed"],
        ["docker", "docker is not installed"],
    ] as const)("says what is missing when %s is absent", async (missing, message) => {
        machine[missing] = undefined;
        const { status, stderr } = await lab(["up"]);
        expect(status).toBe(1);
        expect(stderr).toContain(`oncall-lab: ${message}`);
    });

    it("checks every tool first and reports all that is missing at once, before changing anything", async () => {
        Object.assign(machine, { pulumiVersion: "v3.275.0", docker: undefined, kindVersion: undefined });
        const { status, stdout, stderr, calls } = await lab(["up"]);
        expect(status).toBe(1);
        expect(stderr.trim().split("\n")).toEqual([
            "oncall-lab: pulumi v3.275.0 is too old: the lab needs 3.276 or later, see https://www.pulumi.com/docs/iac/download-install/",
            "oncall-lab: docker is not installed: kind runs the cluster in Docker",
            "oncall-lab: kind is not installed: see https://kind.sigs.k8s.io/docs/user/quick-start/#installation (v0.33.0 or later)",
        ]);
        expect(stdout).toBe("");
        expect(calls).toEqual([]);
        expect(fs.existsSync(path.join(project, ".pulumi"))).toBe(false);
    });

    it.each([["v3.276.0"], ["v3.280.1"], ["v3.1000.0-alpha.1"], ["v4.0.0"]])("accepts pulumi %s", async (version) => {
        machine.pulumiVersion = version;
        expect((await lab(["preview"])).status).toBe(0);
    });

    it("refuses a Docker on cgroup v1, where the cluster would never become ready", async () => {
        machine.cgroupVersion = "1";
        const { status, stderr, checks, calls } = await lab(["up"]);
        expect(status).toBe(1);
        expect(stderr).toContain(
            "oncall-lab: Docker runs with cgroup version 1, and the lab's Kubernetes refuses to start on cgroup v1",
        );
        expect(checks).toContain("docker info --format {{.CgroupVersion}}");
        expect(calls).toEqual([]);
    });

    it("refuses a kind older than the one whose node image the lab pins", async () => {
        machine.kindVersion = "v0.29.0";
        const { status, stderr } = await lab(["up"]);
        expect(status).toBe(1);
        expect(stderr).toContain("oncall-lab: kind v0.29.0 is too old: the lab needs v0.33.0 or later");
    });

    it("goes on, naming it, when a tool does not say its version or Docker its cgroup version", async () => {
        Object.assign(machine, { pulumiVersion: "", kindVersion: "", cgroupVersion: "" });
        const { status, stderr, calls } = await lab(["up", "--yes"]);
        expect(status).toBe(0);
        expect(stderr).toContain(
            "oncall-lab: note: pulumi did not say its version (pulumi version): the lab needs 3.276 or later",
        );
        expect(stderr).toContain(
            "oncall-lab: note: docker info did not say its cgroup version: the lab needs cgroup v2",
        );
        expect(stderr).toContain(
            "oncall-lab: note: kind did not say its version (kind version): the lab needs v0.33.0 or later",
        );
        expect(calls.at(-1)).toBe("pulumi up --yes --stack dev");
    });

    it("runs up without kubectl, saying what needs it", async () => {
        machine.kubectl = false;
        const { status, stderr } = await lab(["up", "--yes"]);
        expect(status).toBe(0);
        expect(stderr).toContain(
            "oncall-lab: note: kubectl is not installed; the lab does not need it, but npm run smoke, npm run e2e",
        );
    });

    it("says Docker is not running", async () => {
        machine.docker = "stopped";
        const { status, stderr, calls } = await lab(["up"]);
        expect(status).toBe(1);
        expect(stderr).toContain("docker is installed but not running");
        expect(calls).toEqual([]);
    });
});

describe("the lab program: a targeted replace", () => {
    const urn = CLUSTER_URN;
    it.each([
        [["--target", urn, "--replace", urn]],
        [["--target-replace", urn]],
        [[`--target-replace=${urn}`]],
        [["-t", urn, `--replace=${urn}`]],
    ])("refuses up %j, naming the command that works", async (flags) => {
        const { status, stderr, calls, checks } = await lab(["up", ...flags]);
        expect(status).toBe(1);
        expect(stderr).toContain(
            "a targeted replace (--target with --replace, or --target-replace) would create the lab's OnCall objects from their old inputs",
        );
        expect(stderr).toContain("npm run up -- --replace '<urn>'");
        expect([...checks, ...calls]).toEqual([]);
    });

    it("passes an untargeted replace, a plain targeted up and a targeted preview on to pulumi", async () => {
        expect((await lab(["up", "--yes", "--replace", urn])).calls.at(-1)).toBe(
            `pulumi up --yes --replace ${urn} --stack dev`,
        );
        expect((await lab(["up", "--yes", "--target", urn])).calls.at(-1)).toBe(
            `pulumi up --yes --target ${urn} --stack dev`,
        );
        expect((await lab(["preview", "--target-replace", urn])).calls.at(-1)).toBe(
            `pulumi preview --target-replace ${urn} --stack dev`,
        );
    });
});

describe("npm run pulumi (the npm script, ts-node and scripts/lab.ts for real)", () => {
    it("names the missing pulumi CLI, before changing anything", () => {
        const npm = spawnSync("/bin/sh", ["-c", "command -v npm"], {
            encoding: "utf8",
            env: { ...process.env, PATH: originalPath },
        }).stdout.trim();
        const stateDir = path.join(work, "state");
        // Node and npm, and no pulumi: a real one elsewhere on PATH is never reached.
        const result = spawnSync(npm, ["run", "--silent", "pulumi", "--", "preview"], {
            cwd: repo,
            encoding: "utf8",
            env: {
                PATH: `${path.dirname(process.execPath)}:${path.dirname(npm)}:/usr/bin:/bin`,
                HOME: work,
                ONCALL_LAB_STATE_DIR: stateDir,
            },
        });
        expect(result.stderr).toContain(
            "oncall-lab: pulumi is not installed: see https://www.pulumi.com/docs/iac/download-install/ (3.276 or later)",
        );
        expect(result.status).toBe(1);
        expect(fs.existsSync(stateDir)).toBe(false);
    }, 60_000);
});
