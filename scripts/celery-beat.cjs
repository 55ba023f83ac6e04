#!/usr/bin/env node
// Helm post-renderer of the oncall release (components/OnCall.ts) when celery runs more than one replica: exactly
// one celery beat. Every pod of the chart's celery Deployment starts `celery worker --beat` while
// CELERY_WORKER_BEAT_ENABLED is "True" (grafana/oncall v1.16.9 engine/celery_with_exporter.sh), and chart 1.16.5
// offers no separate beat (templates/celery/deployment.yaml, one Deployment for every replica). The lab renders
// that Deployment with the beat off (celery.worker_beat_enabled "False", one replica fewer) and this adds a copy of
// it, same image and env as the chart renders them, with the beat on: one replica, Recreate (no second beat while
// it is replaced), and its own component label, so that neither Deployment selects the other's pods.
// Helm hands the rendered manifests on stdin and applies what comes out on stdout (pkg/postrender, Exec).
"use strict";
const { parseAllDocuments, stringify } = require("yaml");

const CELERY = "oncall-celery";
const BEAT_ENV = "CELERY_WORKER_BEAT_ENABLED";
const COMPONENT = "app.kubernetes.io/component";

function setBeat(deployment, enabled) {
    for (const container of deployment.spec.template.spec.containers) {
        const env = (container.env = container.env ?? []);
        const entry = env.find((variable) => variable.name === BEAT_ENV);
        if (entry) entry.value = enabled;
        else env.push({ name: BEAT_ENV, value: enabled });
    }
}

/** The manifests with one beat Deployment beside the chart's celery workers. */
function withOneBeat(manifests) {
    const objects = parseAllDocuments(manifests)
        .map((document) => document.toJS())
        .filter((object) => object != null);
    const celery = objects.find((object) => object.kind === "Deployment" && object.metadata?.name === CELERY);
    if (celery === undefined) throw new Error(`celery-beat: no Deployment ${CELERY} in the rendered oncall chart`);
    const beatOn = celery.spec.template.spec.containers.some((container) =>
        (container.env ?? []).some((variable) => variable.name === BEAT_ENV && variable.value === "True"),
    );
    if (beatOn) throw new Error(`celery-beat: ${CELERY} runs a beat itself (set celery.worker_beat_enabled "False")`);
    const beat = structuredClone(celery);
    beat.metadata.name = `${CELERY}-beat`;
    for (const labels of [beat.metadata.labels, beat.spec.selector.matchLabels, beat.spec.template.metadata.labels]) {
        labels[COMPONENT] = "celery-beat";
    }
    beat.spec.replicas = 1;
    beat.spec.strategy = { type: "Recreate" };
    setBeat(beat, "True");
    // The chart's manifests pass through as they are; the copy is written for Kubernetes' YAML 1.1 reader, which
    // would take an unquoted no, yes, on or off for a boolean.
    return `${manifests.replace(/\s*$/, "\n")}---\n${stringify(beat, { version: "1.1" })}`;
}

module.exports = { withOneBeat, CELERY };

if (require.main === module) {
    let input = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk) => (input += chunk));
    process.stdin.on("end", () => {
        try {
            process.stdout.write(withOneBeat(input));
        } catch (error) {
            process.stderr.write(`${error.message}\n`);
            process.exit(1);
        }
    });
}
