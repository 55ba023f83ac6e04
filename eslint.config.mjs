// ESLint for the mistakes the type checker lets through; Prettier (.prettierrc.json) owns the layout, so no style
// rule here (eslint-config-prettier switches off any that would fight it).
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import stylistic from "@stylistic/eslint-plugin";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
    // What git ignores (.gitignore) and what is generated or not ours.
    {
        ignores: [
            "node_modules/",
            "bin/",
            ".pulumi/",
            ".pulumi-e2e/",
            "drill-reports/",
            "e2e-diagnostics/",
            "test/__snapshots__/",
        ],
    },
    js.configs.recommended,
    tseslint.configs.recommended,
    {
        files: ["**/*.ts", "**/*.mts"],
        languageOptions: {
            // Type-aware rules through tsconfig.json (the files it includes are the ones linted here).
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            // A promise nobody awaits loses its rejection: a test that passes before its assertion runs, a provider
            // call whose failure never reaches Pulumi.
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-misused-promises": "error",
            "@typescript-eslint/await-thenable": "error",
            // `import type` for what only the type checker needs: the emitted require()s are the real dependencies
            // (what a dynamic provider's serialized closure and the import-circle test see).
            "@typescript-eslint/consistent-type-imports": [
                "error",
                { fixStyle: "inline-type-imports", disallowTypeAnnotations: false },
            ],
            // An Output in a plain template literal becomes the text "Calling [toString] on an [Output<T>]...".
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            // tsc's noUnusedLocals/noUnusedParameters already report these, with the project's own exceptions.
            "@typescript-eslint/no-unused-vars": "off",
            // Dynamic providers are serialized: their methods load modules with require() (src/kind/provider.ts).
            "@typescript-eslint/no-require-imports": "off",
            // The control characters in the few regular expressions that have them are the point (refusing them in a
            // setting, a NUL placeholder).
            "no-control-regex": "off",
        },
    },
    {
        // The tests read mocked resources' inputs and parsed YAML/JSON as they come.
        files: ["test/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
    {
        // CommonJS scripts (the post-renderer, ensure-deps, the test loaders): Node globals, no type information.
        files: ["**/*.cjs"],
        languageOptions: {
            sourceType: "commonjs",
            globals: {
                require: "readonly",
                module: "writable",
                process: "readonly",
                console: "readonly",
                __dirname: "readonly",
                Buffer: "readonly",
                structuredClone: "readonly",
            },
        },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    prettier,
    // Prettier wraps code at 120 columns but leaves comments and strings alone: comments may run to 140, and a message
    // stays on one line, so that what a user sees can be found with grep. After eslint-config-prettier, which turns
    // max-len off (its README: a special rule, to be enabled after it).
    {
        files: ["**/*.ts", "**/*.mts", "**/*.cjs", "**/*.mjs"],
        plugins: { "@stylistic": stylistic },
        rules: {
            "@stylistic/max-len": [
                "error",
                {
                    code: 120,
                    comments: 140,
                    tabWidth: 4,
                    ignoreStrings: true,
                    ignoreTemplateLiterals: true,
                    ignoreRegExpLiterals: true,
                    ignoreUrls: true,
                },
            ],
        },
    },
);
