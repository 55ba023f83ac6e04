// What a failed (or interrupted) e2e leaves in its diagnostics folder, besides pulumi.log and the
// screenshots: the cluster's pods and events, a describe of every pod that is not ready, the logs of
// the pieces an alert passes through, kind's own log export, OnCall's alert groups and Alertmanager's
// alerts as JSON, the host's disk and containers, and the Pulumi CLI's version and plugins. Everything
// runs at once (a SIGTERM leaves seconds), each command bounded; a failure is written to its file, and
// every file is redacted as it is written (the final pass in main.ts catches kind's own files).
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { isRecord } from "../../shared/records";
import { namespaces, releaseNames } from "../../shared/topology";
import { describeError } from "../shared/http";
import { AlertGroupsClient } from "../shared/oncallAlertGroups";
import { alertmanagerName, alertmanagerService } from "../smoke/settings";
import { type CommandResult, commandTimeoutsMs, type E2eLab } from "./lab";
import { redactSecrets } from "./redact";

const oncallRelease = releaseNames.oncall;
const tail = ["--all-containers", "--tail=2000"];

/** Files and the kubectl arguments that fill them. */
export const fixedDiagnostics: [file: string, args: string[]][] = [
    ["pods.txt", ["get", "pods", "-A", "-o", "wide"]],
    ["events.txt", ["get", "events", "-A", "--sort-by=.lastTimestamp"]],
    ["logs-oncall-engine.txt", ["logs", "-n", namespaces.oncall, `deployment/${oncallRelease}-engine`, ...tail]],
    ["logs-oncall-celery.txt", ["logs", "-n", namespaces.oncall, `deployment/${oncallRelease}-celery`, ...tail]],
    ["logs-grafana.txt", ["logs", "-n", namespaces.grafana, `deployment/${releaseNames.grafana}`, ...tail]],
    ["logs-vmalertmanager.txt", ["logs", "-n", namespaces.monitoring, `statefulset/${alertmanagerName}`, ...tail]],
    // Operator v0.74.0 names the VMAlert deployment vmalert-<name>, like vmalertmanager-<name>.
    ["logs-vmalert.txt", ["logs", "-n", namespaces.monitoring, `deployment/vmalert-${releaseNames.vmStack}`, ...tail]],
    [
        "logs-vm-operator.txt",
        ["logs", "-n", namespaces.monitoring, "-l", "app.kubernetes.io/name=victoria-metrics-operator", ...tail],
    ],
    // Through the API server's service proxy: no port-forward needed (Alertmanager api/v2/openapi.yaml).
    [
        "alertmanager-alerts.json",
        [
            "get",
            "--raw",
            `/api/v1/namespaces/${alertmanagerService.namespace}/services/${alertmanagerName}:${alertmanagerService.port}/proxy/api/v2/alerts`,
        ],
    ],
];

/** Host-side commands: file, command, arguments. */
export const hostDiagnostics: [file: string, command: string, args: string[]][] = [
    ["host-df.txt", "df", ["-h"]],
    ["host-docker-stats.txt", "docker", ["stats", "--no-stream", "--all"]],
    ["pulumi-version.txt", "pulumi", ["version"]],
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

// Not appended to kubectl.log and the like: each goes to its own file, redacted as it is written.
const collecting = {
    allowFailure: true,
    afterStop: true,
    timeoutMs: commandTimeoutsMs.collect,
    log: undefined,
} as const;

/** Collects what it can into the diagnostics folder, all at once; returns the folder. */
export async function collectDiagnostics(lab: E2eLab, clusterNames: string[]): Promise<string> {
    const folder = lab.options.diagnosticsDir;
    const write = (file: string, shown: string, result: CommandResult) =>
        writeFileSync(
            join(folder, file),
            redactSecrets(`$ ${shown}\n${result.stdout}${result.stderr ? `\n${result.stderr}` : ""}`, [
                ...lab.knownSecrets,
            ]),
        );
    const failed = (error: Error): CommandResult => ({ code: 1, stdout: "", stderr: error.message });
    const save = async (file: string, args: string[]) => {
        const result = await lab.kubectl(args, collecting).catch(failed);
        write(file, `kubectl --context ${lab.kubectlContext} ${args.join(" ")}`, result);
        return result;
    };
    await Promise.all([
        ...fixedDiagnostics.map(([file, args]) => save(file, args)),
        ...hostDiagnostics.map(async ([file, command, args]) =>
            write(file, `${command} ${args.join(" ")}`, await lab.run(command, args, collecting).catch(failed)),
        ),
        // Through the lab program: the plugins this stack's state folder has.
        lab
            .pulumi(["plugin", "ls"], collecting)
            .catch(failed)
            .then((result) => write("pulumi-plugins.txt", "pulumi plugin ls", result)),
        ...clusterNames.map((name) =>
            lab
                .run("kind", ["export", "logs", join(folder, `kind-logs-${name}`), "--name", name], {
                    ...collecting,
                    log: "kind.log",
                })
                .catch(failed),
        ),
        saveAlertGroups(lab, folder),
        describeNotReady(lab, save),
        migrateLogs(lab, save),
    ]);
    return folder;
}

/** OnCall's alert groups as its public API lists them (the first page, newest first). */
async function saveAlertGroups(lab: E2eLab, folder: string): Promise<void> {
    const file = join(folder, "oncall-alert-groups.json");
    try {
        const outputs = await lab.outputs({ afterStop: true });
        const { oncallUrl, oncallApiToken } = outputs;
        if (typeof oncallUrl !== "string" || typeof oncallApiToken !== "string")
            throw new Error("the stack has no output oncallUrl or oncallApiToken");
        const page = await new AlertGroupsClient(oncallUrl, oncallApiToken).listPage();
        writeFileSync(file, redactSecrets(`${JSON.stringify(page, null, 2)}\n`, [...lab.knownSecrets]));
    } catch (error) {
        writeFileSync(file, `${JSON.stringify({ error: describeError(error) })}\n`);
    }
}

type Save = (file: string, args: string[]) => Promise<CommandResult>;

async function describeNotReady(lab: E2eLab, save: Save): Promise<void> {
    const pods = await lab.kubectl(["get", "pods", "-A", "-o", "json"], collecting).catch(() => undefined);
    let notReady: string[] = [];
    try {
        notReady = pods?.code === 0 ? podsNotReady(JSON.parse(pods.stdout)) : [];
    } catch {
        // Not JSON: pods.txt says what kubectl answered.
    }
    await Promise.all(
        notReady.map((pod) => {
            const [namespace, name] = pod.split("/");
            return save(`describe-${namespace}-${name}.txt`, ["describe", "pod", "-n", namespace, name]);
        }),
    );
}

/** The chart's migrate job has a generated suffix: found by name. */
async function migrateLogs(lab: E2eLab, save: Save): Promise<void> {
    const jobs = await lab
        .kubectl(["get", "jobs", "-n", namespaces.oncall, "-o", "name"], collecting)
        .catch(() => undefined);
    const migrate = (jobs?.stdout ?? "")
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line.includes("migrate"));
    await Promise.all(
        migrate.map((job) =>
            save(`logs-${job.replace("/", "-")}.txt`, ["logs", "-n", namespaces.oncall, job, ...tail]),
        ),
    );
}
