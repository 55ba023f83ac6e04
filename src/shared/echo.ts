// A value quoted back in a message (config keys, the team file): as JSON, so that line breaks and other control
// characters show, and cut short, so that a value of a megabyte does not become a message of a megabyte.

/** How many characters of a value a message repeats. */
export const ECHO_MAX = 60;

/** The text itself, cut to ECHO_MAX characters, saying how long it was. */
export function cut(text: string): string {
    return text.length <= ECHO_MAX ? text : `${text.slice(0, ECHO_MAX)}… (${text.length} characters)`;
}

/** The value as JSON, cut. */
export function echo(value: unknown): string {
    return cut(JSON.stringify(value) ?? String(value));
}
