// The kind lab under Pulumi's mocks, as a security reviewer reads it: a default deny in every namespace, Pod Security
// labels, restricted OnCall pods, requests and limits, OnCall's own database user and a generated cipher IV that a
// running lab never changes.
import { beforeAll, describe, expect, it } from "vitest";
import { lookups } from "./support/existing";
import { expectDefaultDenyInEachNamespace } from "./support/network-policies";
import { type ProgramRun, reveal, runProgram } from "./support/program";

let run: ProgramRun;
const { get, all, values } = lookups(() => run);

beforeAll(async () => {
    run = await runProgram();
});

describe("network policies on kind", () => {
    it("deny by default in each of the lab's namespaces", () => {
        expect(expectDefaultDenyInEachNamespace(all()).sort()).toEqual(["grafana", "mail", "monitoring", "oncall"]);
    });

    it("wait for their namespace (its name is the namespace's output) and go with the cluster", async () => {
        const deny = get("network-policies-oncall-default-deny");
        expect(reveal(deny.inputs.metadata)).toEqual({ name: "oncall-lab-default-deny", namespace: "oncall" });
        expect(deny.opts.deletedWith).toBeDefined();
    });
});

describe("workloads on kind", () => {
    it("label each namespace with the Pod Security level its pods meet", () => {
        const level = (name: string) =>
            (reveal(get(name).inputs.metadata) as any).labels["pod-security.kubernetes.io/enforce"];
        expect([
            level("oncall-namespace"),
            level("mailpit-namespace"),
            level("grafana-namespace"),
            level("victoria-metrics-namespace"),
        ]).toEqual(["restricted", "restricted", "baseline", "privileged"]);
    });

    it("run OnCall's pods as the image's non-root user, without privilege escalation or capabilities", () => {
        const oncall = values("oncall-release");
        expect(oncall.podSecurityContext).toMatchObject({
            runAsNonRoot: true,
            runAsUser: 1000,
            seccompProfile: { type: "RuntimeDefault" },
        });
        for (const context of [oncall.securityContext, oncall.init.securityContext]) {
            expect(context).toEqual({
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            });
        }
        expect(oncall.postgresql.primary.containerSecurityContext).toMatchObject({
            enabled: true,
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
        });
        expect(oncall.redis.master.podSecurityContext).not.toHaveProperty("runAsGroup");
    });

    it("give every workload the lab sets requests and limits", () => {
        const oncall = values("oncall-release");
        const grafana = values("grafana-release");
        const stack = values("victoria-metrics-release");
        const all = [
            // telegram-polling runs only with a bot token (test/values.test.ts gives it its resources then).
            oncall.engine,
            oncall.celery,
            oncall.migrate,
            oncall.init,
            oncall.postgresql.primary,
            oncall.redis.master,
            grafana,
            grafana.sidecar,
            grafana.initChownData,
            stack.syncJob,
            stack["victoria-metrics-operator"],
            stack["kube-state-metrics"],
            stack["prometheus-node-exporter"],
        ];
        for (const workload of all) expect(Object.keys(workload.resources).sort()).toEqual(["limits", "requests"]);
        const mailpit = (reveal(get("mailpit-deployment").inputs.spec) as any).template.spec;
        expect(Object.keys(mailpit.containers[0].resources).sort()).toEqual(["limits", "requests"]);
        expect(mailpit.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534 });
        expect(mailpit.containers[0].securityContext).toMatchObject({
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
        });
    });
});

describe("OnCall's database user and cipher IV", () => {
    it("connect OnCall as its own user with the credentials secret's password (the superuser gets none), and set a generated 16-character IV", () => {
        const oncall = values("oncall-release");
        // The chart reads DATABASE_PASSWORD from adminPasswordKey whenever the password is in a secret: both keys name it.
        expect(oncall.postgresql.auth).toEqual({
            database: "oncall",
            username: "oncall",
            enablePostgresUser: false,
            existingSecret: "oncall-credentials",
            secretKeys: { adminPasswordKey: "postgres-password", userPasswordKey: "postgres-password" },
        });
        expect(oncall.oncall.mirageCipherIV).toMatch(/^[A-Za-z0-9]{16}$/);
        expect(oncall.oncall.mirageCipherIV).not.toBe("1234567890abcdef");
        expect(get("oncall-mirage-cipher-iv").inputs).toMatchObject({ length: 16, special: false });
    });

    it("are taken by a first install only: a running lab keeps its user and IV (the release ignores their changes)", () => {
        expect(get("oncall-release").opts.ignoreChanges).toEqual([
            "values.oncall.mirageCipherIV",
            "values.postgresql.auth.username",
            "values.postgresql.auth.enablePostgresUser",
        ]);
    });
});
