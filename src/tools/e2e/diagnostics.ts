// What a failed e2e leaves in its diagnostics folder, besides pulumi.log and the screenshots: the
// cluster's pods and events, a describe of every pod that is not ready, and the logs of the pieces
// an alert passes through.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { isRecord } from "../../shared/records";
import { namespaces, releaseNames } from "../../shared/topology";
import { alertmanagerName } from "../smokeSettings";
import type { E2eLab } from "./lab";

const oncallRelease = releaseNames.oncall;

/** Files and the kubectl arguments that fill them. */
export const fixedDiagnostics: [file: string, args: string[]][] = [
    ["pods.txt", ["get", "pods", "-A", "-o", "wide"]],
    ["events.txt", ["get", "events", "-A", "--sort-by=.lastTimestamp"]],
    ["logs-oncall-engine.txt", ["logs", "-n", namespaces.oncall, `deployment/${oncallRelease}-engine`, "--all-containers", "--tail=2000"]],
    ["logs-oncall-celery.txt", ["logs", "-n", namespaces.oncall, `deployment/${oncallRelease}-celery`, "--all-containers", "--tail=2000"]],
    ["logs-grafana.txt", ["logs", "-n", namespaces.grafana, `deployment/${releaseNames.grafana}`, "--all-containers", "--tail=2000"]],
    ["logs-vmalertmanager.txt", ["logs", "-n", namespaces.monitoring, `statefulset/${alertmanagerName}`, "--all-containers", "--tail=2000"]],
];

/** namespace/name of the pods whose Ready condition is not True (completed job pods excluded). */
export function podsNotReady(podList: unknown): string[] {
    const items = isRecord(podList) && Array.isArray(podList.items) ? podList.items.filter(isRecord) : [];
    return items
        .filter((pod) => {
            const status = isRecord(pod.status) ? pod.status : {};
            if (status.phase === "Succeeded") return false;
            const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isRecord) : [];
            return !conditions.some((condition) => condition.type === "Ready" && condition.status === "True");
        })
        .map((pod) => (isRecord(pod.metadata) ? `${pod.metadata.namespace}/${pod.metadata.name}` : ""))
        .filter(Boolean);
}

/** Collects what it can; each command's failure is written to its file instead. Returns the folder. */
export async function collectDiagnostics(lab: E2eLab): Promise<string> {
    const folder = lab.options.diagnosticsDir;
    const save = async (file: string, args: string[]) => {
        const result = await lab.kubectl(args, { allowFailure: true }).catch((error: Error) => ({ code: 1, stdout: "", stderr: error.message }));
        writeFileSync(join(folder, file), `$ kubectl --context ${lab.kubectlContext} ${args.join(" ")}\n${result.stdout}${result.stderr ? `\n${result.stderr}` : ""}`);
        return result;
    };
    for (const [file, args] of fixedDiagnostics) await save(file, args);

    const pods = await lab.kubectl(["get", "pods", "-A", "-o", "json"], { allowFailure: true }).catch(() => undefined);
    const notReady = pods?.code === 0 ? podsNotReady(JSON.parse(pods.stdout)) : [];
    for (const pod of notReady) {
        const [namespace, name] = pod.split("/");
        await save(`describe-${namespace}-${name}.txt`, ["describe", "pod", "-n", namespace, name]);
    }
    // The chart's migrate job has a generated suffix: find it by name.
    const jobs = await lab.kubectl(["get", "jobs", "-n", namespaces.oncall, "-o", "name"], { allowFailure: true }).catch(() => undefined);
    for (const job of (jobs?.stdout ?? "").split("\n").filter((line) => line.includes("migrate"))) {
        await save(`logs-${job.replace("/", "-")}.txt`, ["logs", "-n", namespaces.oncall, job.trim(), "--all-containers", "--tail=2000"]);
    }
    return folder;
}
