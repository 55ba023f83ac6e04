// `npm run check:versions`: asks the chart repositories, Docker Hub and grafana.com whether every version the lab
// pins still exists, and whether the plugin downloads (from grafana.com per platform, and from its release's URL). Needs internet; prints a table; exits 1 on any miss or
// unreachable source. The reading of the answers is in src/tools/versionCheck.ts.
import { configDefaults } from "../src/config/config";
import { loadValuesFile } from "../src/shared/values";
import { type DownloadHop, judgeDownload, MAX_REDIRECTS, nextHop, pluginDownloadUrl } from "../src/tools/downloadCheck";
import { describeError as message } from "../src/tools/http";
import {
    chartIndexUrl,
    type ChartPin,
    type CheckResult,
    type DownloadPin,
    formatTable,
    type ImagePin,
    judgeChart,
    judgeImage,
    judgePlugin,
    MANIFEST_ACCEPT,
    manifestUrl,
    parseBearerChallenge,
    parseChartIndex,
    parsePluginVersions,
    parseTokenAnswer,
    type Pin,
    pinnedArtifacts,
    type PluginPin,
    pluginVersionsUrl,
    type RegistryAnswer,
    summarize,
    tokenUrl,
} from "../src/tools/versionCheck";

export type Fetch = typeof fetch;

export interface CheckOptions {
    fetch?: Fetch;
    /** Per request; index.yaml files run to megabytes. */
    timeoutMs?: number;
}


export async function checkPins(pins: readonly Pin[], options: CheckOptions = {}): Promise<CheckResult[]> {
    const doFetch = options.fetch ?? fetch;
    const timeoutMs = options.timeoutMs ?? 30_000;
    const get = (url: string, init: RequestInit = {}) => doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });

    // One download per repository index, shared by its charts.
    const indexes = new Map<string, Promise<ReturnType<typeof parseChartIndex>>>();
    const loadIndex = (url: string) => {
        let pending = indexes.get(url);
        if (!pending) {
            pending = get(url).then(async (res) => {
                if (!res.ok) throw new Error(`HTTP ${res.status}`);
                return parseChartIndex(await res.text());
            });
            indexes.set(url, pending);
        }
        return pending;
    };

    async function checkChart(pin: ChartPin): Promise<CheckResult> {
        const where = chartIndexUrl(pin.repoUrl);
        try {
            return { pin, where, ...judgeChart(pin, await loadIndex(where), where) };
        } catch (error) {
            return { pin, where, verdict: "unreachable", detail: message(error) };
        }
    }

    // Anonymous pull tokens, per repository, asked for once and sent with every later request.
    const tokens = new Map<string, Promise<string>>();
    async function manifestHead(pin: ImagePin, reference: string): Promise<RegistryAnswer> {
        const url = manifestUrl(pin.image, reference);
        const repoKey = `${pin.image.apiHost}/${pin.image.repository}`;
        const head = async (token?: Promise<string>) => get(url, {
            method: "HEAD",
            headers: { Accept: MANIFEST_ACCEPT, ...(token ? { Authorization: `Bearer ${await token}` } : {}) },
        });
        try {
            let res = await head(tokens.get(repoKey));
            const challenge = res.status === 401 && !tokens.has(repoKey) ? parseBearerChallenge(res.headers.get("www-authenticate")) : undefined;
            if (challenge) {
                const tokenAt = tokenUrl(challenge, pin.image.repository);
                const token = get(tokenAt).then(async (answer) => {
                    if (!answer.ok) throw new Error(`token request to ${tokenAt} answered HTTP ${answer.status}`);
                    return parseTokenAnswer(await answer.json());
                });
                tokens.set(repoKey, token);
                res = await head(token);
            }
            return { status: res.status, digest: res.headers.get("docker-content-digest") ?? undefined };
        } catch (error) {
            return { error: message(error) };
        }
    }

    async function checkImage(pin: ImagePin): Promise<CheckResult> {
        const { tag, digest } = pin.image;
        const reference = tag ?? digest!;
        const tagAnswer = await manifestHead(pin, reference);
        const needDigest = tag !== undefined && digest !== undefined && "status" in tagAnswer && tagAnswer.status === 200 && tagAnswer.digest !== digest;
        const digestAnswer = needDigest ? await manifestHead(pin, digest) : undefined;
        const where = manifestUrl(pin.image, digestAnswer ? digest! : reference);
        return { pin, where, ...judgeImage(pin, tagAnswer, digestAnswer) };
    }

    /** Follows redirects one by one, reading only status and headers (the body, a plugin zip, is not downloaded). */
    async function download(url: string): Promise<DownloadHop[]> {
        const hops: DownloadHop[] = [];
        let next: string | undefined = url;
        while (next !== undefined && hops.length <= MAX_REDIRECTS) {
            const current: string = next;
            try {
                const res = await get(current, { redirect: "manual" });
                await res.body?.cancel();
                const hop: DownloadHop = {
                    url: current, status: res.status,
                    location: res.headers.get("location") ?? undefined, contentType: res.headers.get("content-type") ?? undefined,
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
    async function listingHint(pin: PluginPin): Promise<string> {
        try {
            const res = await get(pluginVersionsUrl(pin.pluginId), { headers: { Accept: "application/json" } });
            if (!res.ok) return `; its version listing answered HTTP ${res.status}`;
            return `; ${judgePlugin(pin, parsePluginVersions(await res.json())).detail}`;
        } catch (error) {
            return `; its version listing could not be read: ${message(error)}`;
        }
    }

    async function checkPlugin(pin: PluginPin): Promise<CheckResult> {
        const where = pluginDownloadUrl(pin.pluginId, pin.version, pin.platform);
        const finding = judgeDownload(await download(where));
        if (finding.verdict === "MISSING") finding.detail += await listingHint(pin);
        return { pin, where, ...finding };
    }

    async function checkDownload(pin: DownloadPin): Promise<CheckResult> {
        return { pin, where: pin.url, ...judgeDownload(await download(pin.url)) };
    }

    return Promise.all(pins.map((pin) => {
        switch (pin.kind) {
            case "chart": return checkChart(pin);
            case "image": return checkImage(pin);
            case "plugin": return checkPlugin(pin);
            case "download": return checkDownload(pin);
        }
    }));
}

async function main(): Promise<void> {
    const pins = pinnedArtifacts(configDefaults, loadValuesFile("oncall.yaml"));
    console.log(`Checking ${pins.length} pinned versions (config defaults and values/oncall.yaml)...\n`);
    const results = await checkPins(pins);
    const summary = summarize(results);
    console.log(`${formatTable(results)}\n\n${summary.text}`);
    process.exitCode = summary.exitCode;
}

if (require.main === module) {
    main().catch((error: unknown) => {
        console.error(message(error));
        process.exitCode = 1;
    });
}
