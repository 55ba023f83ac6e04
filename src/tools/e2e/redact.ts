// The diagnostics folder is uploaded as a CI artifact: before that, every token and password in it is
// replaced. OnCall's logs carry integration URLs (the token is a path segment) and `token=` query
// strings, a `describe` shows env values, Alertmanager's config holds the webhook URLs; the stack's
// own secret outputs are replaced wherever they appear.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isRecord } from "../../shared/records";

export const redacted = "[redacted]";

const secretKey = String.raw`[\w.-]*(?:token|password|passwd|secret|api[_-]?key|passphrase)[\w.-]*`;

const patterns: [RegExp, string][] = [
    // key=value, key: value, "key": "value", KEY=value in env dumps.
    [
        new RegExp(String.raw`(${secretKey}["']?[ \t]*[:=][ \t]*["']?)(?!\[redacted\])[^\s"'&,;}]+`, "gi"),
        `$1${redacted}`,
    ],
    [
        /(authorization["']?[ \t]*[:=][ \t]*["']?(?:(?:bearer|basic|token)[ \t]+)?)(?!\[redacted\])[^\s"',}]+/gi,
        `$1${redacted}`,
    ],
    // OnCall v1.16.9 integration URLs: /integrations/v1/<type>/<token>/ (the token is the secret).
    [/(\/integrations\/v1\/[\w-]+\/)(?!\[redacted\])[A-Za-z0-9]+/g, `$1${redacted}`],
    // user:password@ in URLs.
    [/([a-z][\w+.-]*:\/\/[^\s:/@]+:)(?!\[redacted\])[^\s@/]+@/gi, `$1${redacted}@`],
];

/** Replaces the known secrets, then anything that looks like one. */
export function redactSecrets(text: string, known: readonly string[] = []): string {
    let out = text;
    for (const secret of [...known].filter((value) => value.length >= 6).sort((a, b) => b.length - a.length))
        out = out.split(secret).join(redacted);
    for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
    return out;
}

/** The string values of outputs whose name says they are secret (oncallApiToken, teamPasswords.*, ...). */
export function secretOutputValues(outputs: unknown, secretParent = false): string[] {
    if (typeof outputs === "string") return secretParent ? [outputs] : [];
    if (Array.isArray(outputs)) return outputs.flatMap((item) => secretOutputValues(item, secretParent));
    if (!isRecord(outputs)) return [];
    return Object.entries(outputs).flatMap(([key, value]) =>
        secretOutputValues(value, secretParent || /token|password|secret|passphrase/i.test(key)),
    );
}

/** Rewrites every text file under `folder` redacted; images and other binaries are left alone. Returns the files changed. */
export function redactFolder(folder: string, known: readonly string[]): string[] {
    const changed: string[] = [];
    const walk = (dir: string) => {
        for (const entry of readdirSync(dir)) {
            const path = join(dir, entry);
            if (statSync(path).isDirectory()) {
                walk(path);
                continue;
            }
            const bytes = readFileSync(path);
            if (bytes.includes(0)) continue;
            const text = bytes.toString("utf8");
            const clean = redactSecrets(text, known);
            if (clean !== text) {
                writeFileSync(path, clean);
                changed.push(path);
            }
        }
    };
    walk(folder);
    return changed;
}
