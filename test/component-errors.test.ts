// An error inside a component's apply reaches Pulumi as a ResourceError on that component (src/shared/resourceError.ts),
// so the CLI prints it under the component instead of as the program's unhandled exception with a stack trace.
import * as pulumi from "@pulumi/pulumi";
import { afterAll, expect, it } from "vitest";
import { localMailboxSmtp } from "../src/mail/smtp";

// A failed input rejects the child's registration, which no caller awaits: the runtime reports it as unhandled.
const rejections: unknown[] = [];
const record = (reason: unknown) => rejections.push(reason);
process.on("unhandledRejection", record);
afterAll(() => {
    process.off("unhandledRejection", record);
});

it("OnCall's values with a public URL that is no URL fail as a ResourceError on the OnCall component", async () => {
    await pulumi.runtime.setMocks(
        { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs },
        "oncall-lab",
        "test",
        false,
    );
    const { OnCall } = await import("../components/OnCall.js");
    const oncall = new OnCall("oncall", {
        namespace: "oncall",
        chartVersion: "1.16.5",
        imageTag: "v1.16.9",
        nodePort: 30081,
        publicUrl: "not a url",
        grafanaPublicUrl: "http://grafana.oncall-lab.localhost:3000",
        smtp: localMailboxSmtp,
    });
    await expect
        .poll(() => rejections.find((reason) => pulumi.ResourceError.isInstance(reason)), { timeout: 10_000 })
        .toMatchObject({ resource: oncall, message: expect.stringContaining("Invalid URL") });
});
