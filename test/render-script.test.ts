// npm run render's wiring, without Helm or the internet: the program's real releases for the kind target
// (index.ts under mocks, in a child process), a stub `helm` on PATH that records its arguments and answers
// with a small manifest per release, and chart folders that only carry the pinned versions.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chartDir, runRender } from "../src/tools/render/render";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "oncall-lab-render-script-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const manifests: Record<string, string> = {
    vmks: `---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget}
  versions:
    - name: v1
      schema:
        openAPIV3Schema:
          type: object
          properties: {apiVersion: {type: string}, kind: {type: string}, metadata: {type: object}, spec: {type: object, properties: {replicas: {type: integer}}}}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: monitoring}
spec: {replicas: 1, replicaz: 2}
`,
    grafana:
        "apiVersion: v1\nkind: Service\nmetadata: {name: grafana, namespace: grafana}\nspec:\n  ports: [{port: 80}]\n",
    oncall: "apiVersion: example.com/v9\nkind: Gadget\nmetadata: {name: g, namespace: oncall}\n",
};

/** Chart folders at the given versions, templates reading `image.tag` only; a stub helm answering `template`. */
function setUp(versions: Record<string, string>) {
    const charts = path.join(work, `charts-${Object.values(versions).join("-")}`);
    for (const [chart, version] of Object.entries(versions)) {
        fs.mkdirSync(path.join(charts, chart, "templates"), { recursive: true });
        fs.writeFileSync(path.join(charts, chart, "Chart.yaml"), `name: ${chart}\nversion: ${version}\n`);
        fs.writeFileSync(path.join(charts, chart, "templates", "x.yaml"), "{{ .Values.image.tag }}\n");
    }
    const bin = path.join(work, "bin");
    fs.mkdirSync(bin, { recursive: true });
    for (const [name, text] of Object.entries(manifests)) fs.writeFileSync(path.join(work, `${name}.yaml`), text);
    fs.writeFileSync(
        path.join(bin, "helm"),
        `#!/bin/bash
echo "helm $*" >> "${work}/helm.log"
[ "$1" = template ] || exit 3
values=""; prev=""; for arg in "$@"; do [ "$prev" = --values ] && values="$arg"; prev="$arg"; done
cp "$values" "${work}/$2.values.json"
cat "${work}/$2.yaml"
`,
        { mode: 0o755 },
    );
    return { charts, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } };
}

describe("npm run render, wired", () => {
    it("renders the program's releases with their values at the pinned Kubernetes, and reports schema problems and values nothing reads", async () => {
        const { charts, env } = setUp({ grafana: "12.11.1", oncall: "1.16.5", "victoria-metrics-k8s-stack": "0.91.2" });
        const out = path.join(work, "out");
        const lines: string[] = [];
        const code = await runRender(["--target", "kind", "--charts", charts, "--out", out], env, (line) =>
            lines.push(line),
        );
        expect(code, lines.join("\n")).toBe(1);
        const calls = fs.readFileSync(path.join(work, "helm.log"), "utf8").trim().split("\n");
        expect(calls).toContain(
            `helm template vmks ${charts}/victoria-metrics-k8s-stack --namespace monitoring --values ${
                calls
                    .find((call) => call.startsWith("helm template vmks"))!
                    .split("--values ")[1]
                    .split(" ")[0]
            } --kube-version v1.37.0 --include-crds`,
        );
        expect(JSON.parse(fs.readFileSync(path.join(work, "vmks.values.json"), "utf8")).fullnameOverride).toBe("vmks");
        expect(fs.readFileSync(path.join(out, "kind", "victoria-metrics-release.yaml"), "utf8")).toBe(manifests.vmks);
        const report = lines.join("\n");
        expect(report).toMatch(
            /^kind: victoria-metrics-k8s-stack 0\.91\.2 \(vmks in monitoring\): 2 objects, 1 schema problems, \d+ values nothing reads$/m,
        );
        expect(report).toContain("  schema: Widget monitoring/w: /spec must NOT have additional properties (replicaz)");
        expect(report).toContain("  schema: Gadget oncall/g: no schema for example.com/v9 Gadget");
        expect(report).toMatch(
            /^kind: grafana 12\.11\.1 \(grafana in grafana\): 1 objects, 0 schema problems, \d+ values nothing reads$/m,
        );
        expect(report).toContain("  not read by the chart: fullnameOverride");
        expect(report).not.toContain("not read by the chart: image.tag");
        expect(lines.at(-1)).toBe("FAILED: see above.");
    }, 180_000);

    it("refuses a chart folder at another version than the pinned one", async () => {
        const { charts, env } = setUp({ grafana: "12.0.0" });
        const release = {
            resource: "grafana-release",
            name: "grafana",
            chart: "grafana",
            version: "12.11.1",
            repo: "https://example.com",
            namespace: "grafana",
            values: {},
        };
        await expect(chartDir(release, charts, work, env)).rejects.toThrow(
            `${charts}/grafana holds grafana 12.0.0, not the pinned 12.11.1`,
        );
    });
});
