// The stacks `npm run render` renders: the kind target with its defaults, and the least an existing target
// sets (the program's tests use the same settings: test/support/existing.ts).
export const renderTargets: Record<string, Record<string, string>> = {
    kind: {},
    existing: {
        "oncall-lab:target": "existing",
        "oncall-lab:kubeContext": "team-prod",
        "oncall-lab:grafanaHost": "grafana.example.com",
        "oncall-lab:oncallHost": "oncall.example.com",
        "oncall-lab:smtpHost": "smtp.example.com",
        "oncall-lab:smtpFromEmail": "oncall@example.com",
    },
};
