// Asks the chart repositories, Docker Hub, grafana.com and the npm registry about each pin (`npm run check:versions`);
// the reading of their answers is in src/tools/versions/versionCheck.ts, downloadCheck.ts and npmCheck.ts.
import { execFileSync } from "node:child_process";
import { repoRoot } from "../shared/cli";
import { type DownloadHop, judgeDownload, MAX_REDIRECTS, nextHop, pluginDownloadUrl } from "./downloadCheck";
import { describeError as message } from "../shared/http";
import { judgeNpm, type NpmAnswer, npmRegistryOf, npmVersionUrl } from "./npmCheck";
import { behindDetail, hubTagsUrl, linePrefix, MAX_TAG_PAGES, newerInLine, parseHubTags } from "./patchCheck";
import {
    chartIndexUrl,
    type ChartPin,
    type CheckResult,
    type DownloadPin,
    type Finding,
    type ImagePin,
    judgeChart,
    judgeImage,
    judgePlugin,
    MANIFEST_ACCEPT,
    manifestUrl,
    type NpmPin,
    parseBearerChallenge,
    parseChartIndex,
    parsePluginVersions,
    parseTokenAnswer,
    type Pin,
    type PluginPin,
    pluginVersionsUrl,
    type RegistryAnswer,
    tokenUrl,
} from "./versionCheck";

export type Fetch = typeof fetch;

export interface CheckOptions {
    fetch?: Fetch;
    /** The npm registry to ask about package.json's packages (default: npm's own, npmRegistryOf). */
    npmRegistry?: string;
    /** Per request; index.yaml files run to megabytes. */
    timeoutMs?: number;
}

export function checkPins(pins: readonly Pin[], options: CheckOptions = {}): Promise<CheckResult[]> {
    const checker = new PinChecker(options);
    return Promise.all(pins.map((pin) => checker.check(pin)));
}

class PinChecker {
    private readonly doFetch: Fetch;
    private readonly timeoutMs: number;
    /** One download per repository index, shared by its charts. */
    private readonly indexes = new Map<string, Promise<ReturnType<typeof parseChartIndex>>>();
    /** Anonymous pull tokens, per repository, asked for once and sent with every later request. */
    private readonly tokens = new Map<string, Promise<string>>();

    private readonly npmRegistry: () => string;

    constructor(options: CheckOptions) {
        this.doFetch = options.fetch ?? fetch;
        // Asked for only when there are npm pins to check.
        let registry: string | undefined;
        this.npmRegistry = () =>
            (registry ??=
                options.npmRegistry ??
                npmRegistryOf(process.env, () =>
                    execFileSync("npm", ["config", "get", "registry"], { cwd: repoRoot, encoding: "utf8" }),
                ));
        this.timeoutMs = options.timeoutMs ?? 30_000;
    }

    check(pin: Pin): Promise<CheckResult> {
        switch (pin.kind) {
            case "chart":
                return this.checkChart(pin);
            case "image":
                return this.checkImage(pin);
            case "plugin":
                return this.checkPlugin(pin);
            case "download":
                return this.checkDownload(pin);
            case "npm":
                return this.checkNpm(pin);
        }
    }

    private get(url: string, init: RequestInit = {}): Promise<Response> {
        return this.doFetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    }

    private loadIndex(url: string): Promise<ReturnType<typeof parseChartIndex>> {
        let pending = this.indexes.get(url);
        if (!pending) {
            pending = this.get(url).then(async (res) => {
                if (!res.ok) throw new Error(`HTTP ${res.status}`);
                return parseChartIndex(await res.text());
            });
            this.indexes.set(url, pending);
        }
        return pending;
    }

    private async checkChart(pin: ChartPin): Promise<CheckResult> {
        const where = chartIndexUrl(pin.repoUrl);
        try {
            return { pin, where, ...judgeChart(pin, await this.loadIndex(where), where) };
        } catch (error) {
            return { pin, where, verdict: "unreachable", detail: message(error) };
        }
    }

    private async manifestHead(pin: ImagePin, reference: string): Promise<RegistryAnswer> {
        const url = manifestUrl(pin.image, reference);
        const repoKey = `${pin.image.apiHost}/${pin.image.repository}`;
        const head = async (token?: Promise<string>) =>
            this.get(url, {
                method: "HEAD",
                headers: { Accept: MANIFEST_ACCEPT, ...(token ? { Authorization: `Bearer ${await token}` } : {}) },
            });
        try {
            let res = await head(this.tokens.get(repoKey));
            const challenge =
                res.status === 401 && !this.tokens.has(repoKey)
                    ? parseBearerChallenge(res.headers.get("www-authenticate"))
                    : undefined;
            if (challenge) {
                const tokenAt = tokenUrl(challenge, pin.image.repository);
                const token = this.get(tokenAt).then(async (answer) => {
                    if (!answer.ok) throw new Error(`token request to ${tokenAt} answered HTTP ${answer.status}`);
                    return parseTokenAnswer(await answer.json());
                });
                this.tokens.set(repoKey, token);
                res = await head(token);
            }
            return { status: res.status, digest: res.headers.get("docker-content-digest") ?? undefined };
        } catch (error) {
            return { error: message(error) };
        }
    }

    private async checkImage(pin: ImagePin): Promise<CheckResult> {
        const { tag, digest } = pin.image;
        const reference = tag ?? digest!;
        const tagAnswer = await this.manifestHead(pin, reference);
        const needDigest =
            tag !== undefined &&
            digest !== undefined &&
            "status" in tagAnswer &&
            tagAnswer.status === 200 &&
            tagAnswer.digest !== digest;
        const digestAnswer = needDigest ? await this.manifestHead(pin, digest) : undefined;
        const where = manifestUrl(pin.image, digestAnswer ? digest! : reference);
        const found = judgeImage(pin, tagAnswer, digestAnswer);
        return { pin, where, ...(found.verdict === "ok" && tag ? await this.judgeLine(pin, tag, found) : found) };
    }

    /** BEHIND when Docker Hub lists a newer tag of the pin's line; unreachable when the listing cannot be read. */
    private async judgeLine(pin: ImagePin, tag: string, found: Finding): Promise<Finding> {
        let next = hubTagsUrl(pin.image, linePrefix(tag, pin.line));
        if (next === undefined) return found;
        const tags: string[] = [];
        try {
            for (let page = 0; next !== undefined && page < MAX_TAG_PAGES; page++) {
                const res = await this.get(next, { headers: { Accept: "application/json" } });
                if (!res.ok)
                    return {
                        verdict: "unreachable",
                        detail: `${found.detail}; Docker Hub's tag listing answered HTTP ${res.status}`,
                    };
                const listed = parseHubTags(await res.json());
                tags.push(...listed.tags);
                next = listed.next;
            }
        } catch (error) {
            return { verdict: "unreachable", detail: `${found.detail}; Docker Hub's tag listing: ${message(error)}` };
        }
        const newer = newerInLine(tag, tags, pin.line);
        return newer ? { verdict: "BEHIND", detail: behindDetail(newer, found.detail) } : found;
    }

    /** Follows redirects one by one, reading only status and headers (the body, a plugin zip, is not downloaded). */
    private async download(url: string): Promise<DownloadHop[]> {
        const hops: DownloadHop[] = [];
        let next: string | undefined = url;
        while (next !== undefined && hops.length <= MAX_REDIRECTS) {
            const current: string = next;
            try {
                const res = await this.get(current, { redirect: "manual" });
                await res.body?.cancel();
                const hop: DownloadHop = {
                    url: current,
                    status: res.status,
                    location: res.headers.get("location") ?? undefined,
                    contentType: res.headers.get("content-type") ?? undefined,
                };
                hops.push(hop);
                next = nextHop(hop);
            } catch (error) {
                hops.push({ url: current, error: message(error) });
                next = undefined;
            }
        }
        return hops;
    }

    /** The catalog's listing, to say more about a version that does not download (e.g. one listed as "v1.x.y"). */
    private async listingHint(pin: PluginPin): Promise<string> {
        try {
            const res = await this.get(pluginVersionsUrl(pin.pluginId), { headers: { Accept: "application/json" } });
            if (!res.ok) return `; its version listing answered HTTP ${res.status}`;
            return `; ${judgePlugin(pin, parsePluginVersions(await res.json())).detail}`;
        } catch (error) {
            return `; its version listing could not be read: ${message(error)}`;
        }
    }

    private async checkPlugin(pin: PluginPin): Promise<CheckResult> {
        const where = pluginDownloadUrl(pin.pluginId, pin.version, pin.platform);
        const finding = judgeDownload(await this.download(where));
        if (finding.verdict === "MISSING") finding.detail += await this.listingHint(pin);
        return { pin, where, ...finding };
    }

    private async checkDownload(pin: DownloadPin): Promise<CheckResult> {
        return { pin, where: pin.url, ...judgeDownload(await this.download(pin.url)) };
    }

    private async npmVersion(name: string, version: string): Promise<NpmAnswer> {
        try {
            const res = await this.get(npmVersionUrl(this.npmRegistry(), name, version), {
                headers: { Accept: "application/json" },
            });
            if (!res.ok) {
                await res.body?.cancel();
                return { status: res.status };
            }
            const { version: found } = (await res.json()) as { version?: unknown };
            return { status: res.status, version: typeof found === "string" ? found : undefined };
        } catch (error) {
            return { error: message(error) };
        }
    }

    private async checkNpm(pin: NpmPin): Promise<CheckResult> {
        const [pinned, latest] = await Promise.all([
            this.npmVersion(pin.name, pin.version),
            this.npmVersion(pin.name, "latest"),
        ]);
        return {
            pin,
            where: npmVersionUrl(this.npmRegistry(), pin.name, pin.version),
            ...judgeNpm(pin, pinned, latest),
        };
    }
}
