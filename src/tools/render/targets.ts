// The stacks `npm run render` renders: the kind target with its defaults, and the least an existing target
// sets (the program's tests use the same settings: test/support/existing.ts), with the ingress controller's default
// certificate as its TLS (the one way that copies nothing; the existing target refuses plain http).
/** The least an existing-target stack sets but its TLS, which each stack picks. */
export const EXISTING_LEAST: Record<string, string> = {
    "oncall-lab:target": "existing",
    "oncall-lab:kubeContext": "team-prod",
    "oncall-lab:grafanaHost": "grafana.example.com",
    "oncall-lab:oncallHost": "oncall.example.com",
    "oncall-lab:smtpHost": "smtp.example.com",
    "oncall-lab:smtpFromEmail": "oncall@example.com",
};

export const renderTargets: Record<string, Record<string, string>> = {
    kind: {},
    existing: { ...EXISTING_LEAST, "oncall-lab:tlsDefaultCertificate": "true" },
};
