import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labNamespaceArgs, restrictedContainer, restrictedPod, workloadResources } from "../src/security/workloads";
import { childOptions } from "../src/shared/childOptions";

export interface MailpitArgs {
    namespace: string;
    /** Name of the Deployment and of the web UI's Service. */
    serviceName: string;
    /** Name of the SMTP Service, so OnCall can be given the SMTP host before the Service exists. */
    smtpServiceName: string;
    /** A pinned axllent/mailpit image. */
    image: pulumi.Input<string>;
    smtpPort: number;
    httpPort: number;
    /** NodePort of the web UI and API, which Kind publishes on 127.0.0.1. */
    nodePort: number;
    /** URL people open (the Kind host port). */
    publicUrl: pulumi.Input<string>;
}

const MAILPIT_USER = 65534;

/** A local mailbox: OnCall sends its e-mail here over plain SMTP, and people read it in the browser. */
export class Mailpit extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;
    public readonly publicUrl: pulumi.Output<string>;

    constructor(name: string, args: MailpitArgs, opts?: pulumi.ComponentResourceOptions) {
        super("oncall-lab:index:Mailpit", name, args, opts);
        const childOpts = childOptions(this, opts);

        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, labNamespaceArgs(args.namespace), childOpts);
        this.namespace = namespace;

        const labels = { "app.kubernetes.io/name": "mailpit" };
        new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: { name: args.serviceName, namespace: namespace.metadata.name, labels },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels },
                        spec: {
                            // Mailpit needs no root: its ports are above 1024, its image lets any user run the binary
                            // (axllent/mailpit Dockerfile: chgrp 0, g=u) and, without a data file, it keeps mail in a
                            // temporary file under /tmp (internal/storage/database.go InitDB). 65534 is `nobody`.
                            securityContext: restrictedPod(MAILPIT_USER, MAILPIT_USER),
                            containers: [
                                {
                                    name: "mailpit",
                                    securityContext: restrictedContainer,
                                    image: args.image,
                                    ports: [
                                        { name: "smtp", containerPort: args.smtpPort },
                                        { name: "http", containerPort: args.httpPort },
                                    ],
                                    env: [
                                        // OnCall logs in only when it has a username; accept whatever it sends, over plain SMTP.
                                        { name: "MP_SMTP_AUTH_ACCEPT_ANY", value: "true" },
                                        { name: "MP_SMTP_AUTH_ALLOW_INSECURE", value: "true" },
                                        { name: "MP_MAX_MESSAGES", value: "5000" },
                                    ],
                                    readinessProbe: { httpGet: { path: "/readyz", port: "http" } },
                                    livenessProbe: { httpGet: { path: "/livez", port: "http" } },
                                    resources: workloadResources.mailpit,
                                },
                            ],
                        },
                    },
                },
            },
            childOpts,
        );

        // SMTP only inside the cluster: a NodePort Service gives every port a NodePort, and one left unpinned is drawn at
        // random from 30086 upward first (Kubernetes 1.27+), where the lab's fixed NodePorts sit.
        new k8s.core.v1.Service(
            `${name}-smtp`,
            {
                metadata: { name: args.smtpServiceName, namespace: namespace.metadata.name, labels },
                spec: {
                    type: "ClusterIP",
                    selector: labels,
                    ports: [{ name: "smtp", port: args.smtpPort, targetPort: "smtp" }],
                },
            },
            childOpts,
        );
        // The web UI and API on the NodePort that Kind publishes (the public URL). It carried SMTP too before SMTP got
        // its own ClusterIP Service above; it keeps its resource name, so an update changes it in place.
        new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name: args.serviceName, namespace: namespace.metadata.name, labels },
                spec: {
                    type: "NodePort",
                    selector: labels,
                    ports: [{ name: "http", port: args.httpPort, targetPort: "http", nodePort: args.nodePort }],
                },
            },
            childOpts,
        );

        this.publicUrl = pulumi.output(args.publicUrl);
        this.registerOutputs({ publicUrl: this.publicUrl });
    }
}
