// With a real SMTP server configured, the lab deploys no mailbox of its own and OnCall sends through that server.
import { beforeAll, describe, expect, it } from "vitest";
import { isSecretValue, type ProgramRun, reveal, runProgram } from "./support/program";

let run: ProgramRun;
beforeAll(async () => {
    run = await runProgram({
        config: {
            "oncall-lab:smtpHost": "smtp.example.com",
            "oncall-lab:smtpFromEmail": "oncall@example.com",
            "oncall-lab:smtpUsername": "mailer",
            "oncall-lab:smtpPassword": "S3cret-Smtp-Pass",
            "oncall-lab:telegramBotToken": "123456:Telegram-Bot-Tok3n",
        },
    });
});

describe("with smtpHost set", () => {
    it("deploys no Mailpit and exports no mailbox URL", () => {
        expect([...run.resources.values()].filter((r) => r.type === "oncall-lab:index:Mailpit")).toEqual([]);
        expect(run.program.mailUrl).toBeUndefined();
    });

    it("gives OnCall the configured server, its password in the secret the chart's env reads", () => {
        const release = run.resources.get("oncall-release")!;
        expect((reveal(release.inputs.values) as any).oncall.smtp).toEqual({
            enabled: true,
            host: "smtp.example.com",
            port: 587,
            username: "mailer",
            tls: "True",
            ssl: "False",
            fromEmail: "oncall@example.com",
        });
        const secret = run.resources.get("oncall-smtp-password")!.inputs as any;
        expect(secret.metadata).toEqual({ name: "oncall-smtp", namespace: "oncall" });
        expect(isSecretValue(secret.stringData)).toBe(true);
        expect(reveal(secret.stringData)).toEqual({ "smtp-password": "S3cret-Smtp-Pass" });
    });

    it("renders no credential of the lab into OnCall's release values, even wrapped as a secret", () => {
        const credentials = ["S3cret-Smtp-Pass", "123456:Telegram-Bot-Tok3n"];
        for (const resource of run.resources.values()) {
            if (resource.type === "random:index/randomPassword:RandomPassword")
                credentials.push(`generated-${resource.name}`);
        }
        const values = JSON.stringify(reveal(run.resources.get("oncall-release")!.inputs.values));
        expect(credentials.filter((credential) => values.includes(credential))).toEqual([]);
        // They are in the lab's credentials secret, which the chart reads by name and key.
        const secret = reveal(run.resources.get("oncall-credentials")!.inputs) as any;
        expect(secret.stringData).toEqual({
            "postgres-password": expect.stringMatching(/^generated-oncall-postgres-password/),
            "redis-password": expect.stringMatching(/^generated-oncall-redis-password/),
            "telegram-token": "123456:Telegram-Bot-Tok3n",
        });
        expect(isSecretValue((run.resources.get("oncall-credentials")!.inputs as any).stringData)).toBe(true);
        expect((reveal(run.resources.get("oncall-release")!.inputs.values) as any).oncall.telegram).toEqual({
            existingSecret: "oncall-credentials",
            tokenKey: "telegram-token",
        });
    });
});
