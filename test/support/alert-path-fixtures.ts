// What the real alert-path test files share: the lab's builders with seconds instead of minutes, and how to
// read the webhooks a local receiver got. Two files, so that vitest runs the outage case beside the others.
import { randomBytes } from "node:crypto";
import { type AlertingSettings, defaultAlertingSettings, durationSeconds } from "../../src/monitoring/alerting";
import { installCommand, missingBinaries, type ReceivedWebhook, type WebhookReceiver } from "./alert-path";

// Same builders as the lab, with seconds instead of minutes so the suite stays fast.
export const fastSettings: AlertingSettings = {
    ...defaultAlertingSettings,
    scrapeInterval: "1s",
    evaluationInterval: "1s",
    targetDownFor: "2s",
    groupWait: "1s",
    groupInterval: "2s",
    repeatInterval: "1h",
    heartbeatTimeoutSeconds: 60,
    heartbeatInterval: "2s",
};
export const scrapeIntervalMs = durationSeconds(fastSettings.scrapeInterval) * 1000;
export const heartbeatIntervalMs = durationSeconds(fastSettings.heartbeatInterval) * 1000;
export const deliveryTimeoutMs = 30_000;

export const missing = missingBinaries();
export const suiteTitle =
    missing.length === 0
        ? "alert path through vmalert and Alertmanager"
        : `alert path (SKIPPED: ${missing.join(", ")} not on PATH; install with: ${installCommand})`;

export function integrationPath(): string {
    return `/integrations/v1/alertmanager/${randomBytes(8).toString("hex")}/`;
}

export function alertNames(webhooks: ReceivedWebhook[]): string[] {
    return webhooks.flatMap((webhook) => webhook.payload.alerts.map((alert) => alert.labels.alertname));
}

export function carries(webhook: ReceivedWebhook, labels: Record<string, string>): boolean {
    return webhook.payload.alerts.some((alert) =>
        Object.entries(labels).every(([name, value]) => alert.labels[name] === value),
    );
}

export function webhookWith(
    receiver: WebhookReceiver,
    path: string,
    labels: Record<string, string>,
): ReceivedWebhook | undefined {
    return receiver.received.find((webhook) => webhook.path === path && carries(webhook, labels));
}

export function targetDownWebhook(
    receiver: WebhookReceiver,
    status: "firing" | "resolved",
    instance: string,
): ReceivedWebhook | undefined {
    return receiver.received.find(
        (webhook) =>
            webhook.payload.status === status &&
            webhook.payload.alerts.some(
                (alert) => alert.labels.alertname === "TargetDown" && alert.labels.instance === instance,
            ),
    );
}
