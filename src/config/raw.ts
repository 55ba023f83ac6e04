// The config as Pulumi hands it over, and how validation asks about files: what config.ts and target.ts both read
// (a file of its own, so that neither imports the other back).

export type RawConfig = Readonly<Record<string, string | undefined>>;

/** Where validation looks for files the config names (a parameter, so that tests need no such file). */
export type FileExists = (file: string) => boolean;
