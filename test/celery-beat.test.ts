// Exactly one celery beat whatever the replica count: the values that turn the chart's beat off, and the Helm
// post-renderer (run as Helm runs it: manifests on stdin, the result on stdout) that adds the one beat.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { CELERY_BEAT_POSTRENDER, oncallValues } from "../src/oncall/values";
import { oncallValuesInput } from "./support/oncall-values";

const rendered = fs.readFileSync(path.join(__dirname, "fixtures", "oncall-chart", "celery-deployment.yaml"), "utf8");
const service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: oncall-engine\n";

function postRender(manifests: string) {
    const result = spawnSync(CELERY_BEAT_POSTRENDER, [], { input: manifests, encoding: "utf8" });
    return {
        ...result,
        objects: parseAllDocuments(result.stdout)
            .map((document) => document.toJS())
            .filter(Boolean),
    };
}

const beatOf = (deployment: any) =>
    deployment.spec.template.spec.containers[0].env.find(
        (variable: any) => variable.name === "CELERY_WORKER_BEAT_ENABLED",
    )?.value;

describe("one celery beat", () => {
    const input = {
        ...oncallValuesInput,
        publicHost: "oncall.example.com",
        grafanaPublicUrl: "https://grafana.example.com",
    };
    const cluster = (celeryReplicas: number) => ({
        tls: true,
        engineReplicas: 2,
        celeryReplicas,
        postgresVolume: { size: "20Gi" },
        redisVolume: { size: "8Gi" },
    });

    it("runs the chart's workers without the beat, one fewer, when celery has more than one replica", () => {
        expect((oncallValues({ ...input, cluster: cluster(3) }) as any).celery).toMatchObject({
            replicaCount: 2,
            worker_beat_enabled: "False",
        });
        // One replica: the chart's own pod runs the beat (its default "True").
        expect((oncallValues({ ...input, cluster: cluster(1) }) as any).celery).toEqual(
            expect.not.objectContaining({ worker_beat_enabled: expect.anything() }),
        );
    });

    it("adds one beat Deployment, a copy of the chart's celery with the beat on, that selects only its own pod", () => {
        const { status, stderr, objects } = postRender(`${service}---\n${rendered}`);
        expect(stderr).toBe("");
        expect(status).toBe(0);
        const [kept, celery, beat] = objects as any[];
        expect(kept).toEqual({ apiVersion: "v1", kind: "Service", metadata: { name: "oncall-engine" } });
        expect(celery.metadata.name).toBe("oncall-celery");
        expect(beatOf(celery)).toBe("False");
        expect(beat.metadata.name).toBe("oncall-celery-beat");
        expect(beat.spec.replicas).toBe(1);
        expect(beat.spec.strategy).toEqual({ type: "Recreate" });
        expect(beatOf(beat)).toBe("True");
        // Neither Deployment's selector matches the other's pods.
        const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
            Object.entries(selector).every(([name, value]) => labels[name] === value);
        expect(matches(celery.spec.selector.matchLabels, beat.spec.template.metadata.labels)).toBe(false);
        expect(matches(beat.spec.selector.matchLabels, celery.spec.template.metadata.labels)).toBe(false);
        expect(matches(beat.spec.selector.matchLabels, beat.spec.template.metadata.labels)).toBe(true);
        // Same pod otherwise: image, command, every other variable as the chart renders them.
        const withoutBeat = (deployment: any) =>
            deployment.spec.template.spec.containers.map((container: any) => ({
                ...container,
                env: container.env.filter((variable: any) => variable.name !== "CELERY_WORKER_BEAT_ENABLED"),
            }));
        expect(withoutBeat(beat)).toEqual(withoutBeat(celery));
        expect(beat.spec.template.spec.initContainers).toEqual(celery.spec.template.spec.initContainers);
    });

    it("passes the chart's manifests through as they are, and writes the copy for a YAML 1.1 reader", () => {
        // bitnami postgresql 11.9.10 renders POSTGRESQL_ENABLE_TLS as "no": unquoted, Kubernetes would read a boolean.
        const input = `${service}---\n${rendered.replaceAll(/(DETACHED_INTEGRATIONS_SERVER\s+value: )"False"/g, '$1"no"')}`;
        const { stdout } = postRender(input);
        expect(stdout.startsWith(input.trimEnd())).toBe(true);
        const beat = parseAllDocuments(stdout, { version: "1.1" })
            .map((document) => document.toJS())
            .at(-1);
        expect(beat.metadata.name).toBe("oncall-celery-beat");
        const values = beat.spec.template.spec.containers.flatMap((container: any) =>
            container.env.map((variable: any) => variable.value),
        );
        expect(values).toContain("no");
        expect(values.filter((value: unknown) => value !== undefined && typeof value !== "string")).toEqual([]);
    });

    it("refuses a chart whose celery runs the beat itself, which would make two", () => {
        const { status, stderr } = postRender(
            rendered.replace(/(CELERY_WORKER_BEAT_ENABLED\s+value: )"False"/, '$1"True"'),
        );
        expect(status).toBe(1);
        expect(stderr).toContain(
            'celery-beat: oncall-celery runs a beat itself (set celery.worker_beat_enabled "False")',
        );
    });

    it("is an executable file, as Helm runs a post-renderer", () => {
        expect(() => fs.accessSync(CELERY_BEAT_POSTRENDER, fs.constants.X_OK)).not.toThrow();
    });
});
