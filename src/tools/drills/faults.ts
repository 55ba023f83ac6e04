// The one fault library: what `npm run drill` and the e2e scenarios break on purpose, and how each is undone.
// Every fault is real (a pod, a scrape target, Alertmanager's replicas): the page comes through the lab's own
// vmalert rule, Alertmanager and OnCall, never from an alert posted by hand. `remove` is safe to call twice
// and after a failed `inject` (the cleanup after Ctrl-C calls it whatever happened).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DRILL_TARGET_PORT, namespaces } from "../../shared/topology";
import { alertmanagerName } from "../smoke/settings";

/** kubectl on the lab's context: resolves with what it printed, throws when it fails. */
export type Kubectl = (args: string[]) => Promise<string>;

export interface Fault {
    /** One line: what is broken. */
    description: string;
    /** Text the page carries (a pod or target name, an alert name): how the alert group is told from others. */
    mark: string;
    inject(): Promise<void>;
    remove(): Promise<void>;
}

/** What Pod Security's "restricted" level asks, so that a team's cluster that enforces it admits the drills' pods. */
const restricted = {
    pod: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
    container: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
};

/** busybox as the e2e has always run it: small, and `sh -c "exit 1"` crashes at once. */
export const faultImage = "busybox:1.36";

/**
 * `kubectl run`'s --overrides for the crash-looping pod: Pod Security's "restricted" securityContext (a team's
 * cluster may enforce it). kubectl merges it into the pod it makes (a strategic merge: containers by name, and
 * `kubectl run <pod>` names its one container after the pod).
 */
export function crashLoopOverrides(pod: string): string {
    return JSON.stringify({
        apiVersion: "v1",
        spec: { securityContext: restricted.pod, containers: [{ name: pod, securityContext: restricted.container }] },
    });
}

/** A pod whose only container exits 1 at once: the kubelet restarts it into CrashLoopBackOff. */
export function crashLoopingPod(kubectl: Kubectl, namespace: string, pod: string): Fault {
    return {
        description: `pod ${namespace}/${pod} exits 1 at every start`,
        mark: pod,
        inject: async () =>
            void (await kubectl([
                "run",
                pod,
                "-n",
                namespace,
                `--image=${faultImage}`,
                "--restart=Always",
                `--overrides=${crashLoopOverrides(pod)}`,
                "--",
                "sh",
                "-c",
                "exit 1",
            ])),
        remove: async () =>
            void (await kubectl(["delete", "pod", pod, "-n", namespace, "--wait=false", "--ignore-not-found"])),
    };
}

/**
 * Alertmanager scaled to 0: the Watchdog's pings to OnCall's heartbeat stop. The VictoriaMetrics operator would
 * scale it back at once, so it goes first and comes back last.
 */
export function alertmanagerStopped(kubectl: Kubectl): Fault {
    const operator = (replicas: number) => [
        "scale",
        "deployment",
        "-n",
        namespaces.monitoring,
        "-l",
        "app.kubernetes.io/name=victoria-metrics-operator",
        `--replicas=${replicas}`,
    ];
    const alertmanager = (replicas: number) => [
        "scale",
        "statefulset",
        "-n",
        namespaces.monitoring,
        alertmanagerName,
        `--replicas=${replicas}`,
    ];
    return {
        description: `Alertmanager (${namespaces.monitoring}/${alertmanagerName}) and the VictoriaMetrics operator scaled to 0`,
        mark: "OnCallHeartBeatMissing",
        inject: async () => {
            await kubectl(operator(0));
            await kubectl(alertmanager(0));
        },
        // Both, whatever the first answers: the operator back alone would bring Alertmanager back too.
        remove: async () => {
            const results = await Promise.allSettled([kubectl(alertmanager(1))]);
            results.push(...(await Promise.allSettled([kubectl(operator(1))])));
            const failed = results.find((result) => result.status === "rejected");
            if (failed) throw failed.reason;
        },
    };
}

const targetPort = DRILL_TARGET_PORT;

/**
 * A scrape target of the drill's own: a Deployment serving /metrics (busybox httpd), its Service and a
 * VMStaticScrape (operator.victoriametrics.com/v1beta1: spec.jobName, spec.targetEndpoints[].targets) that
 * vmagent scrapes by the Service's name. Scaled to 0, the name stays and every scrape fails: up == 0, TargetDown.
 * (Deleting the pod behind a discovered target would drop the target itself, and `up` with it.)
 */
export function targetManifests(namespace: string, name: string): Record<string, unknown> {
    const labels = { app: name };
    const serve = `mkdir -p /w && echo "oncall_lab_drill_target 1" > /w/metrics && exec httpd -f -p ${targetPort} -h /w`;
    return {
        apiVersion: "v1",
        kind: "List",
        items: [
            {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name, namespace, labels },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels },
                        spec: {
                            securityContext: restricted.pod,
                            containers: [
                                {
                                    name: "target",
                                    image: faultImage,
                                    command: ["sh", "-c", serve],
                                    ports: [{ containerPort: targetPort }],
                                    securityContext: restricted.container,
                                },
                            ],
                        },
                    },
                },
            },
            {
                apiVersion: "v1",
                kind: "Service",
                metadata: { name, namespace, labels },
                spec: { selector: labels, ports: [{ port: targetPort, targetPort }] },
            },
            {
                apiVersion: "operator.victoriametrics.com/v1beta1",
                kind: "VMStaticScrape",
                metadata: { name, namespace, labels },
                spec: {
                    jobName: name,
                    targetEndpoints: [{ targets: [targetAddress(namespace, name)], path: "/metrics" }],
                },
            },
        ],
    };
}

export const targetAddress = (namespace: string, name: string) => `${name}.${namespace}.svc:${targetPort}`;

/** The drill's own target, up first (`inject` waits for its rollout), then scaled to 0. `remove` deletes all three objects. */
export function disappearingTarget(kubectl: Kubectl, namespace: string, name: string): Fault {
    const folder = mkdtempSync(join(tmpdir(), "oncall-lab-drill-"));
    const file = join(folder, `${name}.json`);
    writeFileSync(file, JSON.stringify(targetManifests(namespace, name), null, 2));
    return {
        description: `scrape target ${targetAddress(namespace, name)} (deployment ${namespace}/${name}) scaled to 0`,
        mark: name,
        inject: async () => {
            await kubectl(["apply", "-f", file]);
            await kubectl(["rollout", "status", "-n", namespace, `deployment/${name}`, "--timeout=120s"]);
            await kubectl(["scale", "deployment", name, "-n", namespace, "--replicas=0"]);
        },
        remove: async () => {
            if (!existsSync(file)) return;
            await kubectl(["delete", "-f", file, "--ignore-not-found", "--wait=false"]);
            rmSync(folder, { recursive: true, force: true });
        },
    };
}
