// The newest patch of a pin's line (src/tools/versions/patchCheck.ts), as check:versions judges it.
import { describe, expect, it } from "vitest";
import { hubTagsUrl, linePrefix, newerInLine, parseHubTags } from "../src/tools/versions/patchCheck";
import { parseImageRef } from "../src/tools/versions/imageRef";

describe("newerInLine", () => {
    it("finds the newest patch of major.minor among versions of the pin's shape", () => {
        expect(newerInLine("11.6.0", ["12.0.0", "11.6.16-ubuntu", "11.6.9", "11.6.16", "11.5.20", "11.6.1"])).toBe(
            "11.6.16",
        );
        expect(newerInLine("11.6.16", ["12.0.0", "11.6.16-ubuntu", "11.6.9", "11.7.0"])).toBeUndefined();
        expect(newerInLine("v1.30.4", ["v1.30.5", "1.30.9", "v1.31.0", "latest"])).toBe("v1.30.5");
        expect(newerInLine("0.91.2", ["0.91.10", "0.92.0", "0.91.3"])).toBe("0.91.10");
    });

    it("takes a line of the first number only, and build numbers after the version (bitnami's -debian-N-rN)", () => {
        const tags = [
            "15.10.0-debian-12-r2",
            "14.18.0-debian-12-r0",
            "14.18.0-debian-12-r3",
            "14.8.0",
            "14.5.0-debian-11-r30",
        ];
        expect(newerInLine("14.5.0-debian-11-r30", tags, 1)).toBe("14.18.0-debian-12-r3");
        expect(newerInLine("14.5.0-debian-11-r30", tags)).toBeUndefined();
        expect(newerInLine("6.2.7-debian-11-r11", ["6.2.16-debian-12-r1", "7.4.1-debian-12-r2"])).toBe(
            "6.2.16-debian-12-r1",
        );
    });

    it("cuts the pin at the end of its line for Docker Hub's name filter", () => {
        expect(linePrefix("11.6.16")).toBe("11.6.");
        expect(linePrefix("v1.16.9")).toBe("v1.16.");
        expect(linePrefix("14.18.0-debian-12-r0", 1)).toBe("14.");
    });
});

describe("Docker Hub's tag listing", () => {
    it("is asked only for Docker Hub images, by namespace, repository and name", () => {
        expect(hubTagsUrl(parseImageRef("grafana/grafana:11.6.16"), "11.6.")).toBe(
            "https://hub.docker.com/v2/namespaces/grafana/repositories/grafana/tags?page_size=100&name=11.6.",
        );
        expect(hubTagsUrl(parseImageRef("ghcr.io/org/image:v1.0.0"), "v1.0.")).toBeUndefined();
    });

    it("reads the names and the next page", () => {
        expect(
            parseHubTags({
                count: 2,
                next: "https://hub.docker.com/x?page=2",
                results: [{ name: "a" }, { name: "b" }],
            }),
        ).toEqual({ tags: ["a", "b"], next: "https://hub.docker.com/x?page=2" });
        expect(parseHubTags({ next: null, results: [] })).toEqual({ tags: [], next: undefined });
        expect(() => parseHubTags({ detail: "object not found" })).toThrow("without a `results` list");
    });
});
