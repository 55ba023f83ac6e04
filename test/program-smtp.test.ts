// With a real SMTP server configured, the lab deploys no mailbox of its own and OnCall sends through that server.
import { beforeAll, describe, expect, it } from "vitest";
import { isSecretValue, ProgramRun, reveal, runProgram } from "./support/program";

let run: ProgramRun;
beforeAll(async () => {
    run = await runProgram({
        config: {
            "oncall-lab:smtpHost": "smtp.example.com",
            "oncall-lab:smtpFromEmail": "oncall@example.com",
            "oncall-lab:smtpUsername": "mailer",
            "oncall-lab:smtpPassword": "S3cret-Smtp-Pass",
        },
    });
});

describe("with smtpHost set", () => {
    it("deploys no Mailpit and exports no mailbox URL", () => {
        expect([...run.resources.values()].filter(r => r.type === "oncall-lab:index:Mailpit")).toEqual([]);
        expect(run.program.mailUrl).toBeUndefined();
    });

    it("gives OnCall the configured server and its password, inside the secret values only", () => {
        const release = run.resources.get("oncall-release")!;
        expect(isSecretValue(release.inputs.values)).toBe(true);
        expect((reveal(release.inputs.values) as any).oncall.smtp).toEqual({
            enabled: true, host: "smtp.example.com", port: 587, username: "mailer", password: "S3cret-Smtp-Pass", tls: "True",
            fromEmail: "oncall@example.com",
        });
    });
});
