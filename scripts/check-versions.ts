// `npm run check:versions`: asks the chart repositories, Docker Hub and the Grafana plugin catalog whether
// every version the lab pins still exists. Needs internet; prints a table; exits 1 on any miss or
// unreachable source. The reading of the answers is in src/tools/versionCheck.ts.
import { configDefaults } from "../src/config/config";
import { loadValuesFile } from "../src/shared/values";
import { describeError as message } from "../src/tools/http";
import {
    chartIndexUrl,
    type ChartPin,
    type CheckResult,
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

    async function checkPlugin(pin: PluginPin): Promise<CheckResult> {
        const where = pluginVersionsUrl(pin.pluginId);
        try {
            const res = await get(where, { headers: { Accept: "application/json" } });
            if (res.status === 404) return { pin, where, verdict: "MISSING", detail: `the catalog has no plugin ${pin.pluginId} (404)` };
            if (!res.ok) return { pin, where, verdict: "unreachable", detail: `HTTP ${res.status}` };
            return { pin, where, ...judgePlugin(pin, parsePluginVersions(await res.json())) };
        } catch (error) {
            return { pin, where, verdict: "unreachable", detail: message(error) };
        }
    }

    return Promise.all(pins.map((pin) => {
        switch (pin.kind) {
            case "chart": return checkChart(pin);
            case "image": return checkImage(pin);
            case "plugin": return checkPlugin(pin);
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
