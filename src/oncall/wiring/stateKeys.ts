// Labs created before the URL names were unified (oncall-lab 0.1.0, every commit up to 3e0a2b3) hold the providers'
// URL inputs under their first names. The engine hands a provider its old state's outputs (diff's and update's olds,
// read's and delete's props) and keeps them unchanged while diff finds nothing to do, so those names can come back
// on any later run: diff, read and delete look at the state through currentKeys (update takes only the token from it).
const RENAMED_KEYS = {
    grafanaUrl: "grafanaLocalApiUrl",
    onCallApiUrl: "oncallInClusterUrl",
    grafanaInClusterUrl: "grafanaPublicUrl",
    oncallUrl: "oncallPublicUrl",
} as const;

/** The state with every first-version key under its current name; a state with current keys comes back equal. */
export function currentKeys<State extends object>(state: State): State {
    const renamed = { ...state } as Record<string, unknown>;
    for (const [old, current] of Object.entries(RENAMED_KEYS)) {
        if (old in renamed) {
            renamed[current] ??= renamed[old];
            delete renamed[old];
        }
    }
    return renamed as State;
}
