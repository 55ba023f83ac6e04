// npm run render's parts that need no Helm and no internet: which values a chart reads (on a chart tree
// written here, with a sub-chart, a library chart and a .tgz sub-chart), the schema validation of built-in
// kinds (kubernetes-models) and of custom resources (a CRD's openAPIV3Schema, strictly), and the targets.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { manifestObjects, pinnedKubeVersion } from "../src/tools/render/render";
import { crdValidators, type K8sObject, strictSchema, validateObjects } from "../src/tools/render/schemas";
import { renderTargets } from "../src/tools/render/targets";
import { leafPaths, readChartRefs, templateReferences, unreadValues } from "../src/tools/render/valuesRead";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "oncall-lab-render-test-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function writeChart(dir: string, chartYaml: string, templates: Record<string, string>): void {
    fs.mkdirSync(path.join(dir, "templates"), { recursive: true });
    fs.writeFileSync(path.join(dir, "Chart.yaml"), chartYaml);
    for (const [file, text] of Object.entries(templates)) fs.writeFileSync(path.join(dir, "templates", file), text);
}

describe("which values a chart reads", () => {
    it("finds .Values paths, through a variable holding .Values, index/get, and Bitnami's dotted paths", () => {
        const text = [
            `{{ .Values.image.tag }} {{ $.Values.service.port }} {{ toYaml .Values }}`,
            `{{- $Values := (.helm).Values | default .Values }}{{ $Values.fullnameOverride }}`,
            `{{ index .Values "extra-env" "A" }} {{ get $.Values "podLabels" }}`,
            `{{ include "common.secrets.passwords.manage" (dict "providedValues" (list "global.pg.password" "auth.password") "context" $) }}`,
        ].join("\n");
        expect(templateReferences(text)).toEqual([
            ["image", "tag"],
            ["service", "port"],
            ["fullnameOverride"],
            ["extra-env", "A"],
            ["podLabels"],
            ["global", "pg", "password"],
            ["auth", "password"],
        ]);
        expect(leafPaths({ a: { b: 1, c: [1, 2], d: {} }, e: "x" })).toEqual([
            ["a", "b"],
            ["a", "c"],
            ["a", "d"],
            ["e"],
        ]);
    });

    it("flags the values nothing reads, and only those: sub-charts by alias, conditions, globals, library helpers, .tgz sub-charts", () => {
        const chart = path.join(work, "app");
        writeChart(
            chart,
            "name: app\nversion: 1.0.0\ndependencies:\n  - name: db\n    alias: database\n    condition: database.enabled\n  - name: common\n  - name: cache\n",
            {
                "deployment.yaml": "image: {{ .Values.image.tag }}\nini: {{ toYaml .Values.ini }}\n",
            },
        );
        writeChart(path.join(chart, "charts", "db"), "name: db\nversion: 2.0.0\n", {
            "db.yaml": "{{ .Values.auth.password }} {{ .Values.global.storageClass }}",
        });
        writeChart(path.join(chart, "charts", "common"), "name: common\ntype: library\nversion: 3.0.0\n", {
            "_names.tpl": "{{ .Values.fullnameOverride }}",
        });
        const cache = path.join(work, "cache");
        writeChart(cache, "name: cache\nversion: 4.0.0\n", { "cache.yaml": "{{ .Values.maxmemory }}" });
        execFileSync("tar", ["-czf", path.join(chart, "charts", "cache-4.0.0.tgz"), "-C", work, "cache"]);

        const values = {
            image: { tag: "1.2.3", tagg: "typo" },
            ini: { server: { domain: "x" } },
            fullnameOverride: "app",
            database: { enabled: true, auth: { password: "pw", passwrd: "typo" } },
            cache: { maxmemory: "1gb", maxmemmory: "typo" },
            global: { storageClass: "fast", imageRegistry: "nobody-reads-it" },
            replicaCount: 2,
        };
        expect(unreadValues(values, readChartRefs(chart))).toEqual([
            "image.tagg",
            "database.auth.passwrd",
            "cache.maxmemmory",
            "global.imageRegistry",
            "replicaCount",
        ]);
    });
});

const crd: K8sObject = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.example.com" },
    spec: {
        group: "example.com",
        names: { kind: "Widget" },
        versions: [
            {
                name: "v1",
                schema: {
                    openAPIV3Schema: {
                        type: "object",
                        properties: {
                            apiVersion: { type: "string" },
                            kind: { type: "string" },
                            metadata: { type: "object" },
                            spec: {
                                type: "object",
                                properties: {
                                    replicas: { type: "integer" },
                                    extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                                },
                            },
                        },
                    },
                },
            },
        ],
    },
};

describe("schema validation", () => {
    const widget = (spec: Record<string, unknown>): K8sObject => ({
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name: "w", namespace: "lab" },
        spec,
    });

    it("makes a CRD's schema strict where it lists properties and keeps no unknown fields", () => {
        const strict = strictSchema((crd.spec as any).versions[0].schema.openAPIV3Schema) as any;
        expect(strict.additionalProperties).toBe(false);
        expect(strict.properties.spec.additionalProperties).toBe(false);
        expect(strict.properties.spec.properties.extra.additionalProperties).toBeUndefined();
    });

    it("checks custom resources against their CRD and built-in kinds against Kubernetes' schema; an object no schema knows fails", async () => {
        const crds = crdValidators([crd]);
        const deployment = (replicas: unknown): K8sObject => ({
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "d", namespace: "lab" },
            spec: {
                replicas,
                selector: { matchLabels: { a: "b" } },
                template: { spec: { containers: [{ name: "c", image: "x" }] } },
            },
        });
        const good = [widget({ replicas: 1, extra: { anything: true } }), deployment(1)];
        expect(await validateObjects(good, crds)).toEqual([]);
        const problems = await validateObjects(
            [
                widget({ replicas: "1", replicaz: 2 }),
                deployment("2"),
                { apiVersion: "example.com/v9", kind: "Gadget", metadata: { name: "g" } },
            ],
            crds,
        );
        expect(problems).toEqual([
            "Widget lab/w: /spec must NOT have additional properties (replicaz)",
            "Widget lab/w: /spec/replicas must be integer",
            expect.stringMatching(/^Deployment lab\/d: .*replicas must be integer/),
            "Gadget g: no schema for example.com/v9 Gadget",
        ]);
    });

    it("reads every document of a manifest, and the Kubernetes version from the pinned kindest/node", () => {
        expect(
            manifestObjects("---\n# Source: x\n---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n").map(
                (object) => object.kind,
            ),
        ).toEqual(["Service"]);
        expect(pinnedKubeVersion()).toBe("v1.37.0");
    });
});

describe("the targets npm run render renders", () => {
    it("are kind with its defaults and the least existing stack", () => {
        expect(renderTargets.kind).toEqual({});
        expect(renderTargets.existing["oncall-lab:target"]).toBe("existing");
    });
});
