// Whether a pin is the newest patch of its line (`npm run check:versions`): a chart version or image tag that is behind
// misses fixes its line already has. Pure: src/tools/versions/pinCheck.ts asks the chart index and Docker Hub's tag listing.
import type { ImageRef } from "./imageRef";

/**
 * A version's shape: its numbers, and the text around them. Versions of one shape differ only in their numbers
 * ("11.6.16" but not "11.6.16-ubuntu" or "11.6.1-security-01"; "14.18.0-debian-12-r0" and "14.5.0-debian-11-r30").
 */
function shapeOf(version: string): { pattern: RegExp; numbers: number[] } {
    const text = version.split(/\d+/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    return { pattern: new RegExp(`^${text.join("(\\d+)")}$`), numbers: (version.match(/\d+/g) ?? []).map(Number) };
}

function compare(a: number[], b: number[]): number {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
    }
    return 0;
}

/**
 * The newest of `candidates` in the pin's line: same shape, same first `lineLength` numbers (2: major.minor, whose
 * newest patch is wanted; 1 for Postgres, whose major is the line). Undefined when the pin is the newest.
 */
export function newerInLine(pinned: string, candidates: readonly string[], lineLength = 2): string | undefined {
    const pin = shapeOf(pinned);
    let newest: { version: string; numbers: number[] } | undefined;
    for (const version of candidates) {
        const match = version.match(pin.pattern);
        if (!match) continue;
        const numbers = match.slice(1).map(Number);
        if (compare(numbers.slice(0, lineLength), pin.numbers.slice(0, lineLength)) !== 0) continue;
        if (compare(numbers, pin.numbers) > 0 && (!newest || compare(numbers, newest.numbers) > 0))
            newest = { version, numbers };
    }
    return newest?.version;
}

/** The pinned text up to the end of its line ("11.6." for 11.6.16, "14." for 14.18.0-debian-12-r0 with line 1). */
export function linePrefix(pinned: string, lineLength = 2): string {
    const match = pinned.match(new RegExp(`^\\D*(\\d+\\D+){${lineLength}}`));
    return match ? match[0] : pinned;
}

export const DOCKER_HUB_TAGS_API = "https://hub.docker.com/v2/namespaces";
/** Pages of Docker Hub's tag listing read at most (100 tags each): a line has far fewer tags. */
export const MAX_TAG_PAGES = 20;

/** Docker Hub's tag listing filtered by name (a substring), or undefined for an image on another registry. */
export function hubTagsUrl(image: ImageRef, namePrefix: string): string | undefined {
    if (image.apiHost !== "registry-1.docker.io") return undefined;
    const [namespace, ...rest] = image.repository.split("/");
    return `${DOCKER_HUB_TAGS_API}/${namespace}/repositories/${rest.join("/")}/tags?page_size=100&name=${encodeURIComponent(namePrefix)}`;
}

/** One page of Docker Hub's listing: `{ next, results: [{ name }] }`. */
export function parseHubTags(body: unknown): { tags: string[]; next?: string } {
    const { next, results } = (body ?? {}) as { next?: unknown; results?: unknown };
    if (!Array.isArray(results)) throw new Error("Docker Hub answered without a `results` list");
    return {
        tags: results.map((r: { name?: unknown }) => String(r.name)),
        next: typeof next === "string" && next ? next : undefined,
    };
}

export function behindDetail(newer: string, found: string): string {
    return `newer in its line: ${newer} (pinned one ${found})`;
}
