import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface MailpitArgs {
    namespace: string;
    /** Service name, so OnCall can be given the SMTP host before the service exists. */
    serviceName: string;
    /** A pinned axllent/mailpit image. */
    image: pulumi.Input<string>;
    smtpPort: number;
    httpPort: number;
    /** NodePort of the web UI and API, which Kind publishes on 127.0.0.1. */
    nodePort: number;
    /** URL people open (the Kind host port). */
    publicUrl: pulumi.Input<string>;
}

/** A local mailbox: OnCall sends its e-mail here over plain SMTP, and people read it in the browser. */
export class Mailpit extends pulumi.ComponentResource {
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: MailpitArgs, opts?: pulumi.ComponentResourceOptions) {
        super("oncall-lab:index:Mailpit", name, args, opts);
        const childOpts = { parent: this, deletedWith: opts?.deletedWith };

        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: { name: args.namespace },
        }, childOpts);

        const labels = { "app.kubernetes.io/name": "mailpit" };
        new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: { name: args.serviceName, namespace: namespace.metadata.name, labels },
            spec: {
                replicas: 1,
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: {
                        containers: [{
                            name: "mailpit",
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
                            resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                        }],
                    },
                },
            },
        }, childOpts);

        new k8s.core.v1.Service(`${name}-service`, {
            metadata: { name: args.serviceName, namespace: namespace.metadata.name, labels },
            spec: {
                type: "NodePort",
                selector: labels,
                ports: [
                    { name: "smtp", port: args.smtpPort, targetPort: "smtp" },
                    { name: "http", port: args.httpPort, targetPort: "http", nodePort: args.nodePort },
                ],
            },
        }, childOpts);

        this.url = pulumi.output(args.publicUrl);
        this.registerOutputs({ url: this.url });
    }
}
