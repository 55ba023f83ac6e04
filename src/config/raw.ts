// The config as Pulumi hands it over, the same parsed by each key's check, and how validation asks about files: what
// config.ts and target.ts both read (a file of its own, so that neither imports the other back).
import type { Parsed, SettingName } from "./schema";

export type RawConfig = Readonly<Record<string, string | undefined>>;

/** Where validation looks for files the config names (a parameter, so that tests need no such file). */
export type FileExists = (file: string) => boolean;

/**
 * The raw config as read by the rules: each key's parsed value (its default when unset; undefined when it has none
 * or its value is bad, which is then a problem already), whether it was given, and whether a secret is present.
 */
export interface Settings {
    values: Partial<Parsed>;
    raw: RawConfig;
    presentSecrets: ReadonlySet<string>;
    /** A key counts as set when it differs from its default: the Pulumi CLI passes Pulumi.yaml's defaults as set. */
    isSet(name: SettingName): boolean;
}
