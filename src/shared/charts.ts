// Helm repositories of the three charts (versions are config: src/config/config.ts).
export const chartRepositories = {
    victoriaMetrics: "https://victoriametrics.github.io/helm-charts/",
    // The grafana chart moved here in 2026; the old grafana/helm-charts copy is no longer updated.
    grafana: "https://grafana-community.github.io/helm-charts",
    // grafana/oncall is archived; its last chart is still served from Grafana's repository.
    oncall: "https://grafana.github.io/helm-charts",
} as const;
