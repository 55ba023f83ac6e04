// How the stack's vmagent scrapes OnCall's metrics. Pure, so the rendered object is unit-tested as is.

/** OnCall's exporter (engine/engine/urls.py at v1.16.9: `metrics/`, only with FEATURE_PROMETHEUS_EXPORTER_ENABLED). */
export const ONCALL_METRICS_PATH = "/metrics/";

export interface OncallScrapeInput {
    /** Namespace of the scrape object; the operator reads the token's secret from this same namespace. */
    namespace: string;
    /** Engine `host:port` as vmagent reaches it inside the cluster. */
    engineHost: string;
    /** Secret and key holding the token the engine compares with `Authorization: Bearer <token>`. */
    tokenSecret: { name: string; key: string };
    scrapeInterval: string;
}

export const VM_OPERATOR_API_VERSION = "operator.victoriametrics.com/v1beta1";

export interface OncallScrapeConfig {
    apiVersion: typeof VM_OPERATOR_API_VERSION;
    kind: "VMScrapeConfig";
    metadata: { name: string; namespace: string };
    spec: {
        scheme: "http";
        path: string;
        scrape_interval: string;
        bearerTokenSecret: { name: string; key: string };
        staticConfigs: { targets: string[] }[];
    };
}

/**
 * A VMScrapeConfig (operator v0.74.0, bundled by victoria-metrics-k8s-stack 0.91.2) with one static target. A static
 * target, not a VMServiceScrape: the chart's engine Services (internal and `-external`) carry the same labels, and a
 * label selector would scrape the engine twice. `bearerTokenSecret` makes the operator copy the token into vmagent's
 * config as `bearer_token`; the object itself holds only the secret's name.
 */
export function oncallScrapeConfig(input: OncallScrapeInput): OncallScrapeConfig {
    if (/^[a-z]+:\/\//i.test(input.engineHost) || input.engineHost.includes("/")) {
        throw new Error(`OnCall scrape target must be host:port without scheme or path, got "${input.engineHost}"`);
    }
    return {
        apiVersion: VM_OPERATOR_API_VERSION,
        kind: "VMScrapeConfig",
        metadata: { name: "oncall-engine", namespace: input.namespace },
        spec: {
            scheme: "http",
            path: ONCALL_METRICS_PATH,
            scrape_interval: input.scrapeInterval,
            bearerTokenSecret: { name: input.tokenSecret.name, key: input.tokenSecret.key },
            staticConfigs: [{ targets: [input.engineHost] }],
        },
    };
}
