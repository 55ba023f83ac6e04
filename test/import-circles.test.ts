// No module of the program or the tools imports itself back through others (type imports count: they tie the files
// together all the same). None is left; a new one fails here.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.join(__dirname, "..");

function sources(dir: string): string[] {
    return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
        const relative = path.join(dir, entry.name);
        return entry.isDirectory() ? sources(relative) : entry.name.endsWith(".ts") ? [relative] : [];
    });
}

function importsOf(file: string): string[] {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((match) => match[1]);
    return specs.flatMap((spec) => {
        const target = path.normalize(path.join(path.dirname(file), spec.replace(/\.js$/, "")));
        return [`${target}.ts`, path.join(target, "index.ts")]
            .filter((candidate) => fs.existsSync(path.join(root, candidate)))
            .slice(0, 1);
    });
}

/** Every circle, each written from its alphabetically first file. */
function circles(files: string[]): string[] {
    const graph = new Map(files.map((file) => [file, importsOf(file)]));
    const found = new Set<string>();
    const walk = (stack: string[]) => {
        for (const next of graph.get(stack[stack.length - 1]) ?? []) {
            const at = stack.indexOf(next);
            if (at >= 0) {
                const circle = stack.slice(at);
                const first = circle.indexOf([...circle].sort()[0]);
                found.add([...circle.slice(first), ...circle.slice(0, first)].join(" -> "));
            } else if (stack.length < 12) walk([...stack, next]);
        }
    };
    for (const file of graph.keys()) walk([file]);
    return [...found].sort();
}

describe("import circles", () => {
    it("config.ts and target.ts, versionCheck.ts and downloadCheck.ts no longer import each other; no new circle", () => {
        const found = circles(["index.ts", ...sources("components"), ...sources("src"), ...sources("scripts")]);
        expect(
            found.filter((circle) => /config\/(config|target)\.ts.*config\/(config|target)\.ts/.test(circle)),
        ).toEqual([]);
        expect(
            found.filter((circle) => /(versionCheck|downloadCheck)\.ts.*(versionCheck|downloadCheck)\.ts/.test(circle)),
        ).toEqual([]);
        expect(found).toEqual([]);
    });
});

// src/ holds the builders, providers and types; components/ builds on src/; components/targets/ creates the cluster (KindCluster,
// ClusterDns) and hands out parts of the components' Args; index.ts takes all of them. An import the other way ties
// the layers back together (src/target/kind.ts once imported components/, which import src/).
const LAYERS = ["src/", "components/", "components/targets/", "index.ts"];
// The longest prefix names the layer (components/targets/ lies inside components/).
const layerOf = (file: string) => LAYERS.reduce((found, layer, at) => (file.startsWith(layer) ? at : found), -1);

describe("layers", () => {
    it("no module under src/ imports components/ or index.ts, and no component imports components/targets/", () => {
        const files = [...sources("src"), ...sources("components")];
        const upward = files.flatMap((file) =>
            importsOf(file)
                .filter((target) => layerOf(target) > layerOf(file))
                .map((target) => `${file} -> ${target}`),
        );
        expect(upward).toEqual([]);
    });
});
