#!/usr/bin/env bash
# Runs a pulumi command for the lab with state in ./.pulumi and a passphrase generated on this
# machine, so no Pulumi Cloud account is needed. Usage: scripts/lab.sh <pulumi command> [flags...]
# (npm run up / preview / destroy / pulumi -- <command> call it).
#
# The stack's settings are in Pulumi.<stack>.yaml next to Pulumi.yaml, a tracked file. Its encryption
# salt belongs to the passphrase in .pulumi/, so it stays in the state there: pulumi writes it into the
# settings file on every command (PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER takes it from the state
# when the file has none), and this script takes it out again, so no commit carries it.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "oncall-lab: $*" >&2; exit 1; }
[ $# -ge 1 ] || fail "usage: scripts/lab.sh <pulumi command> [flags...]"
command -v pulumi >/dev/null 2>&1 || fail "pulumi is not installed: see https://www.pulumi.com/docs/iac/download-install/"
# pulumi takes an exported empty PULUMI_CONFIG_PASSPHRASE as the passphrase, before any file: refused
# rather than unset, since a stack made with the empty passphrase would then fail to decrypt.
if [ -n "${PULUMI_CONFIG_PASSPHRASE+set}" ] && [ -z "$PULUMI_CONFIG_PASSPHRASE" ]; then
  fail "PULUMI_CONFIG_PASSPHRASE is set but empty, and pulumi would use the empty string as the passphrase: unset it (the lab then uses .pulumi/passphrase) or set it to the stack's passphrase"
fi
node scripts/ensure-deps.cjs

stack="${PULUMI_STACK:-dev}"
config_file="Pulumi.$stack.yaml"
# From a settings file: "keys", its top-level config keys; "secure", those holding an encrypted value.
from_settings() {
  node -e 'const fs = require("node:fs"), [file, which] = process.argv.slice(1);
    const config = fs.existsSync(file) ? require("yaml").parse(fs.readFileSync(file, "utf8"))?.config ?? {} : {};
    for (const [key, value] of Object.entries(config)) {
      if (which !== "secure" || JSON.stringify(value).includes("\"secure\":")) console.log(key);
    }' "$1" "$2"
}

# One look at the settings file before anything runs. Its first line: the deployment target it names
# (src/config/target.ts), kind unless it says existing. Its second: what is wrong with its secret settings
# (Pulumi.yaml's `secret: true` keys), which go into the tracked file only encrypted: one in plain text is refused,
# and so is a `config set` that would write one. `config` itself still runs, so that `config set --secret` or
# `config rm` can replace or remove the plain value.
check_settings() {
  node -e 'const fs = require("node:fs"), yaml = require("yaml"), [file, ...args] = process.argv.slice(1);
    const project = yaml.parse(fs.readFileSync("Pulumi.yaml", "utf8"));
    const config = fs.existsSync(file) ? yaml.parse(fs.readFileSync(file, "utf8"))?.config ?? {} : {};
    const secret = Object.keys(project.config).filter((key) => project.config[key].secret);
    const named = (key) => secret.find((name) => key === name || key === `${project.name}:${name}`);
    const fix = (name) => `npm run pulumi -- config set --secret ${project.name}:${name} <value>`;
    const problem = () => {
      if (args[0] === "config") {
        const [action, key] = args.slice(1).filter((arg) => !arg.startsWith("-"));
        const plainPairs = args.flatMap((arg, i) => (args[i - 1] === "--plaintext" ? [arg.split("=")[0]] : []));
        const name = action === "set" && !args.includes("--secret") ? named(key ?? "") : plainPairs.map(named).find(Boolean);
        return name && `${project.name}:${name} is a secret: set it with --secret (${fix(name)}), so that ${file}, a tracked file, holds it encrypted`;
      }
      const key = Object.keys(config).find((key) => named(key) && !JSON.stringify(config[key]).includes("\"secure\":"));
      return key && `${key} is in plain text in ${file}, a tracked file: set it again with ${fix(named(key))} (if the file was committed with it, change that password or token too)`;
    };
    console.log(config["oncall-lab:target"] ?? "kind");
    console.log(problem() || "");' "$config_file" "$@"
}
settings_check="$(check_settings "$@")"
target="${settings_check%%$'\n'*}"
problem="${settings_check#"$target"}"
[ -z "$problem" ] || fail "${problem#$'\n'}"
# Only up on the kind target needs them: preview and destroy must work on a machine without Docker or kind.
if [ "$1" = up ] && [ "$target" = kind ]; then
  command -v docker >/dev/null 2>&1 || fail "docker is not installed: kind runs the cluster in Docker"
  docker info >/dev/null 2>&1 || fail "docker is installed but not running (or this user may not use it): start Docker and retry"
  command -v kind >/dev/null 2>&1 || fail "kind is not installed: see https://kind.sigs.k8s.io/docs/user/quick-start/#installation (v0.33.0 or later)"
fi

state_dir="${ONCALL_LAB_STATE_DIR:-$PWD/.pulumi}"
mkdir -p "$state_dir/state"
# The passphrase and the state's secrets: for this user only.
chmod 700 "$state_dir"
state_dir="$(cd "$state_dir" && pwd)"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$state_dir/state}"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  passphrase_file="$state_dir/passphrase"
  if [ ! -s "$passphrase_file" ]; then
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$passphrase_file")
    echo "oncall-lab: generated the stack passphrase in $passphrase_file (it decrypts the stack's secrets: keep it)"
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$passphrase_file"
fi
# pulumi (3.134 or later) then takes the salt from the state when the settings file has none,
# instead of making a new one that no longer matches the stack's secrets.
export PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER=true

file_salt() {
  local key value
  [ -f "$config_file" ] || return 0
  while read -r key value; do [ "$key" != encryptionsalt: ] || echo "$value" | tr -d "\"'"; done < "$config_file"
}
strip_salt() {
  [ -f "$config_file" ] && grep -q '^encryptionsalt:' "$config_file" || return 0
  grep -v '^encryptionsalt:' "$config_file" > "$config_file.tmp" || true
  cat "$config_file.tmp" > "$config_file"
  rm -f "$config_file.tmp"
}
# From the stack's state: "salt", its passphrase salt; "cluster", "<urn> <name> <node container id>" of
# the kind cluster it created; "wiring", the OnCall wiring's urn (nothing for a new or empty stack).
from_state() {
  pulumi stack export --stack "$stack" |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const deployment = JSON.parse(s).deployment ?? {};
      if (process.argv[1] === "salt") return console.log(deployment.secrets_providers?.state?.salt ?? "");
      if (process.argv[1] === "wiring") {
        const wiring = (deployment.resources ?? []).find((r) => /pulumi-nodejs:dynamic:[^:]*::oncall-wiring-connection$/.test(r.urn));
        return console.log(wiring?.urn ?? "");
      }
      const cluster = (deployment.resources ?? []).find((r) => /pulumi-nodejs:dynamic:[^:]*::kind-cluster$/.test(r.urn));
      if (cluster?.id) console.log(`${cluster.urn} ${cluster.id} ${cluster.outputs?.clusterId ?? ""}`);
    });' "$1"
}

# Earlier versions kept the settings file in the state directory.
old_config_file="$state_dir/Pulumi.$stack.yaml"
if [ -f "$old_config_file" ]; then
  [ -z "$(from_settings "$config_file" keys)" ] ||
    fail "both $config_file and $old_config_file hold settings: merge them into $config_file, delete $old_config_file, and retry"
  mv "$old_config_file" "$config_file"
  echo "oncall-lab: moved the stack settings from $old_config_file to $config_file"
fi

# A salt in the file is this stack's own (left by an interrupted run, or by pulumi run directly) or
# another passphrase's (a fresh clone of a commit that carried one, a deleted .pulumi, another machine).
stray_salt="$(file_salt)"
strip_salt
trap strip_salt EXIT
created=false
if ! pulumi stack select "$stack" >/dev/null 2>&1; then
  pulumi stack init "$stack" --secrets-provider passphrase --no-select >/dev/null
  strip_salt
  created=true
fi
# Secure values encrypted with another salt cannot be decrypted by this stack: pulumi would fail on them.
stale=$created
if [ "$created" = false ] && [ -n "$stray_salt" ]; then
  state_salt="$(from_state salt)"
  [ "$stray_salt" = "$state_salt" ] || stale=true
fi
if [ "$stale" = true ]; then
  lost=()
  while read -r key; do [ -z "$key" ] || lost+=("$key"); done < <(from_settings "$config_file" secure)
  if [ ${#lost[@]} -gt 0 ]; then
    for key in "${lost[@]}"; do pulumi config rm "$key" --stack "$stack" >/dev/null; done
    echo "oncall-lab: removed ${lost[*]} from $config_file (encrypted with another passphrase's salt): set them again with npm run pulumi -- config set --secret <key> <value>"
  fi
fi

# The quick reads that notice what a lab loses by itself: the OnCall wiring (a plugin that lost its
# connection) and the team's Grafana users (a Grafana that lost its database lost them too, and OnCall's
# sync then drops them: the provider's read forgets a missing user, so this update creates it again).
# Grafana not answering yet must not stop an update that may be what repairs it.
refresh_lab() {
  pulumi refresh --yes --skip-preview --stack "$stack" "$@" --target '**pulumi-nodejs:dynamic:*::oncall-wiring-connection'
  pulumi refresh --yes --skip-preview --stack "$stack" --target '**grafana:oss/user:User::team-users-*' ||
    echo "oncall-lab: could not check the team's Grafana users (see above); updating without that" >&2
}

# Before updating, look at the lab as it is. A kind cluster deleted by hand took everything in it along
# (Grafana's users, OnCall's objects and tokens): the state forgets all of that, and `up` builds it
# again, instead of trying to update or delete objects that exist nowhere. Otherwise the kind cluster
# is refreshed with the quick reads above, while the other OnCall resources' reads need a running lab.
if [ "$1" = up ] && [ "$created" = false ] && [ "$target" = kind ]; then
  read -r cluster_urn cluster_name cluster_id < <(from_state cluster) || true
  if [ -n "${cluster_urn:-}" ]; then
    # The control-plane node container kind labelled for this cluster, running or stopped (its own query).
    node_id="$(docker ps -a --no-trunc --filter "label=io.x-k8s.kind.cluster=$cluster_name" \
      --filter label=io.x-k8s.kind.role=control-plane --format '{{.ID}}')"
    if [ -z "$node_id" ]; then
      echo "oncall-lab: kind cluster \"$cluster_name\" no longer exists: forgetting what lived in it, then building it again"
      pulumi state delete --yes --target-dependents --stack "$stack" "$cluster_urn"
    elif [ -n "$cluster_id" ] && [ "$node_id" != "$cluster_id" ]; then
      # Not the stack's cluster: its Grafana and OnCall are empty, and the old releases' kubeconfig is dead.
      # (A state from before the cluster had an id has none: the refresh below records it.)
      pulumi state delete --yes --target-dependents --stack "$stack" "$cluster_urn"
      fail "kind cluster \"$cluster_name\" was deleted and created again outside this stack (its node container is not the one the stack made), so the stack forgot what lived in the old one. The lab needs a cluster of its own: delete this one with \`kind delete cluster --name $cluster_name\`, then run npm run up again"
    else
      refresh_lab --target '**pulumi-nodejs:dynamic:*::kind-cluster'
    fi
  fi
elif [ "$1" = up ] && [ "$created" = false ] && [ -n "$(from_state wiring)" ]; then
  # On an existing cluster the cluster is not the lab's to check: only what lives in it.
  refresh_lab
fi
pulumi "$@" --stack "$stack"
