// What check:versions says about one pin: read by versionCheck.ts and downloadCheck.ts alike (a file of its own, so
// that neither imports the other back).

/**
 * "outdated": an npm package found, with a newer release out (reported, not a failure); "BEHIND": an image or chart pin
 * with a newer patch of its line (a failure: security fixes come in patches).
 */
export type Verdict = "ok" | "outdated" | "BEHIND" | "MISSING" | "unreachable";
export interface Finding {
    verdict: Verdict;
    detail: string;
}
