// The config schema is the one place a setting is declared: Pulumi.yaml's config block and the README's tables are
// generated from it, and each key's check accepts its own default.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SECRET_KEYS, SETTING_NAMES, settingOf, TARGETS } from "../src/config/schema";
import { projectConfigText, withProjectConfig, withReadmeTables } from "../src/config/schemaText";

const read = (file: string) => fs.readFileSync(path.join(__dirname, "..", file), "utf8");

describe("config schema", () => {
    const renders = { "Pulumi.yaml": withProjectConfig, "README.md": withReadmeTables } as const;
    it.each(Object.keys(renders) as (keyof typeof renders)[])(
        "is what %s says (run `npm run schema:config` after changing src/config/schema.ts)",
        (file) => {
            const text = read(file);
            expect(renders[file](text)).toBe(text);
        },
    );

    it("declares in Pulumi.yaml only keys with a default, so that a stack without the optional ones runs", () => {
        // pulumi v3.259.0 pkg/workspace/config.go ValidateStackConfigAndApplyProjectConfig: a declared key of the project's
        // namespace with neither a default nor a value, missing from the stack, fails every command with
        // "Stack '<stack>' is missing configuration value '<key>'".
        const declared = parse(read("Pulumi.yaml")).config as Record<string, { default?: unknown }>;
        expect(
            Object.entries(declared)
                .filter(([, type]) => type.default === undefined)
                .map(([name]) => name),
        ).toEqual([]);
        expect(Object.keys(declared).sort()).toEqual(
            SETTING_NAMES.filter((name) => settingOf(name).default !== undefined).sort(),
        );
    });

    it("keeps Pulumi.yaml's other content when it rewrites the config block", () => {
        const project = parse(
            withProjectConfig("name: x\nconfig:\n  old:\n    type: string\n\n  # a comment\nruntime: nodejs\n"),
        );
        expect(project).toMatchObject({ name: "x", runtime: "nodejs" });
        expect(Object.keys(project.config)).not.toContain("old");
        expect(parse(projectConfigText()).config.target).toEqual({
            type: "string",
            default: "kind",
            description: expect.stringContaining("kind"),
        });
    });

    it("marks exactly the three secrets as secret, as strings without a default", () => {
        expect([...SECRET_KEYS].sort()).toEqual(["oncallDatabasePassword", "smtpPassword", "telegramBotToken"]);
        for (const name of SECRET_KEYS) {
            expect(settingOf(name).type, name).toBe("string");
            expect(settingOf(name).default, name).toBeUndefined();
        }
    });

    it.each(SETTING_NAMES.filter((name) => settingOf(name).default !== undefined))(
        "accepts the default of %s as its type",
        (name) => {
            const setting = settingOf(name);
            const parsed = setting.check.safeParse(String(setting.default));
            expect(parsed.success && parsed.data).toBe(setting.default);
            expect(typeof setting.default).toBe(
                { string: "string", integer: "number", boolean: "boolean" }[setting.type],
            );
        },
    );

    it("gives every key a description, and a target that exists", () => {
        for (const name of SETTING_NAMES) {
            expect(settingOf(name).description, name).toMatch(/\S/);
            expect(["both", ...TARGETS], name).toContain(settingOf(name).targets);
        }
    });
});
