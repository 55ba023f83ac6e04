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
# pulumi takes an exported empty PULUMI_CONFIG_PASSPHRASE as the passphrase, before any file: refused
# rather than unset, since a stack made with the empty passphrase would then fail to decrypt.
if [ -n "${PULUMI_CONFIG_PASSPHRASE+set}" ] && [ -z "$PULUMI_CONFIG_PASSPHRASE" ]; then
  fail "PULUMI_CONFIG_PASSPHRASE is set but empty, and pulumi would use the empty string as the passphrase: unset it (the lab then uses .pulumi/passphrase) or set it to the stack's passphrase"
fi
# A targeted replace: outside the targets the engine keeps every resource's old inputs (pulumi v3.248.0
# step_generator.go: no Check for untargeted resources, an untargeted provider keeps its old inputs), so the OnCall
# objects of the new lab would be created with the old lab's API token and user ids, and OnCall refuses them.
if [ "$1" = up ]; then
  targeted=false replacing=false
  for arg in "${@:2}"; do
    case "$arg" in
      --target-replace | --target-replace=*) targeted=true replacing=true ;;
      --target | --target=* | -t | -t=*) targeted=true ;;
      --replace | --replace=*) replacing=true ;;
    esac
  done
  if [ "$targeted" = true ] && [ "$replacing" = true ]; then
    fail "a targeted replace (--target with --replace, or --target-replace) would create the lab's OnCall objects from their old inputs (the old lab's API token and user ids), which OnCall refuses: replace without --target, e.g. npm run up -- --replace '<urn>' (the engine then replaces what depends on it too)"
  fi
fi

stack="${PULUMI_STACK:-dev}"
config_file="Pulumi.$stack.yaml"
# The deployment target the settings file names (src/config/target.ts): kind unless it says existing. Read with grep:
# the checks below run before the dependencies (the yaml parser among them) are installed.
target=kind
if [ -f "$config_file" ] && grep -Eq "^[[:space:]]+oncall-lab:target:[[:space:]]*[\"']?existing[\"']?[[:space:]]*(#.*)?$" "$config_file"; then
  target=existing
fi

# Everything this command needs, checked before anything is installed or changed, and reported all at once.
PULUMI_MIN=3.276 # the @pulumi/pulumi SDK package.json pins (test/runtime-pins.test.ts holds them equal)
KIND_MIN=0.33.0  # the default node image is the one kind v0.33.0 ships with
missing=()
# What could not be read (a wrapper or an old tool that does not say): named, without stopping.
unknown=()
# Whether version $1 (v3.248.0, 0.33.0-alpha...) is at least $2.
at_least() {
  local IFS=. i have want
  local -a got=(${1#v}) min=($2)
  for i in 0 1 2; do
    have="${got[i]:-0}" want="${min[i]:-0}"
    have="${have%%[!0-9]*}"
    [ "${have:-0}" -gt "$want" ] && return 0
    [ "${have:-0}" -lt "$want" ] && return 1
  done
  return 0
}
if ! command -v pulumi >/dev/null 2>&1; then
  missing+=("pulumi is not installed: see https://www.pulumi.com/docs/iac/download-install/ ($PULUMI_MIN or later)")
else
  pulumi_version="$(pulumi version 2>/dev/null || true)"
  if [ -z "$pulumi_version" ]; then
    unknown+=("pulumi did not say its version (pulumi version): the lab needs $PULUMI_MIN or later")
  elif ! at_least "$pulumi_version" "$PULUMI_MIN"; then
    missing+=("pulumi $pulumi_version is too old: the lab needs $PULUMI_MIN or later, see https://www.pulumi.com/docs/iac/download-install/")
  fi
fi
# Only up on the kind target needs them: preview and destroy must work on a machine without Docker or kind.
if [ "$1" = up ] && [ "$target" = kind ]; then
  if ! command -v docker >/dev/null 2>&1; then
    missing+=("docker is not installed: kind runs the cluster in Docker")
  elif ! docker info >/dev/null 2>&1; then
    missing+=("docker is installed but not running (or this user may not use it): start Docker and retry")
  else
    cgroup="$(docker info --format '{{.CgroupVersion}}' 2>/dev/null || true)"
    if [ -z "$cgroup" ]; then
      unknown+=("docker info did not say its cgroup version: the lab needs cgroup v2 (README, Prerequisites)")
    elif [ "$cgroup" != 2 ]; then
      missing+=("Docker runs with cgroup version $cgroup, and the lab's Kubernetes refuses to start on cgroup v1 (the cluster would never become ready): use a host with cgroup v2 (README, Prerequisites)")
    fi
  fi
  if ! command -v kind >/dev/null 2>&1; then
    missing+=("kind is not installed: see https://kind.sigs.k8s.io/docs/user/quick-start/#installation (v$KIND_MIN or later)")
  else
    kind_version=""
    read -r _ kind_version _ < <(kind version 2>/dev/null) || true
    if [ -z "$kind_version" ]; then
      unknown+=("kind did not say its version (kind version): the lab needs v$KIND_MIN or later")
    elif ! at_least "$kind_version" "$KIND_MIN"; then
      missing+=("kind $kind_version is too old: the lab needs v$KIND_MIN or later, see https://kind.sigs.k8s.io/docs/user/quick-start/#installation")
    fi
  fi
fi
for problem in "${unknown[@]}"; do echo "oncall-lab: note: $problem" >&2; done
if [ ${#missing[@]} -gt 0 ]; then
  for problem in "${missing[@]}"; do echo "oncall-lab: $problem" >&2; done
  exit 1
fi
if [ "$1" = up ] && ! command -v kubectl >/dev/null 2>&1; then
  echo "oncall-lab: note: kubectl is not installed; the lab does not need it, but npm run smoke, npm run e2e and the README's kubectl commands do" >&2
fi
node scripts/ensure-deps.cjs

# From a settings file: "keys", its top-level config keys; "secure", those holding an encrypted value.
from_settings() {
  node -e 'const fs = require("node:fs"), [file, which] = process.argv.slice(1);
    const config = fs.existsSync(file) ? require("yaml").parse(fs.readFileSync(file, "utf8"))?.config ?? {} : {};
    for (const [key, value] of Object.entries(config)) {
      if (which !== "secure" || JSON.stringify(value).includes("\"secure\":")) console.log(key);
    }' "$1" "$2"
}

# What is wrong with the settings file's secret settings (Pulumi.yaml's `secret: true` keys), which go into the
# tracked file only encrypted: one in plain text is refused, and so is a `config set` that would write one. `config`
# itself still runs, so that `config set --secret` or `config rm` can replace or remove the plain value.
secret_keys="telegramBotToken smtpPassword oncallDatabasePassword" # generated by npm run schema:config from src/config/schema.ts
check_settings() {
  ONCALL_LAB_SECRET_KEYS="$secret_keys" node -e 'const fs = require("node:fs"), yaml = require("yaml"), [file, ...args] = process.argv.slice(1);
    const project = yaml.parse(fs.readFileSync("Pulumi.yaml", "utf8"));
    const config = fs.existsSync(file) ? yaml.parse(fs.readFileSync(file, "utf8"))?.config ?? {} : {};
    const secret = process.env.ONCALL_LAB_SECRET_KEYS.split(" ");
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
    console.log(problem() || "");' "$config_file" "$@"
}
settings_problem="$(check_settings "$@")"
[ -z "$settings_problem" ] || fail "$settings_problem"

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
