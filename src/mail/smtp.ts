// How OnCall reaches the lab's own mailbox.
import { type SmtpSettings } from "../config/config";
import { mailpitPorts, mailpitSmtpHost } from "../shared/topology";

/** OnCall's SMTP settings for the lab's own mailbox (Mailpit): plain SMTP inside the cluster, no login. */
export const localMailboxSmtp: SmtpSettings = {
    host: mailpitSmtpHost,
    port: mailpitPorts.smtp,
    fromEmail: "oncall@oncall-lab.test",
    tls: false,
    ssl: false,
};
