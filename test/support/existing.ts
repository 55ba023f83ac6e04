/** The least an existing-target stack sets (target, context, the two hosts, a real SMTP server). */
export const EXISTING_CONFIG = {
    "oncall-lab:target": "existing",
    "oncall-lab:kubeContext": "team-prod",
    "oncall-lab:grafanaHost": "grafana.example.com",
    "oncall-lab:oncallHost": "oncall.example.com",
    "oncall-lab:smtpHost": "smtp.example.com",
    "oncall-lab:smtpFromEmail": "oncall@example.com",
};
