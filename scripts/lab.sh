#!/usr/bin/env bash
# Runs a pulumi command for the lab with state in ./.pulumi and a passphrase generated on this
# machine, so no Pulumi Cloud account is needed. Usage: scripts/lab.sh <pulumi command> [flags...]
# (npm run up / preview / destroy / pulumi -- <command> call it).
#
# The stack's config file, Pulumi.<stack>.yaml, lives in the state directory too, not in the
# repository: it holds the encryptionsalt that goes with the passphrase, so state, passphrase and
# salt are created and deleted together, and removing .pulumi starts the lab over cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "oncall-lab: $*" >&2; exit 1; }
[ $# -ge 1 ] || fail "usage: scripts/lab.sh <pulumi command> [flags...]"
command -v pulumi >/dev/null 2>&1 || fail "pulumi is not installed: see https://www.pulumi.com/docs/iac/download-install/"
# Only up needs them: preview and destroy must work on a machine without Docker or kind.
if [ "$1" = up ]; then
  command -v docker >/dev/null 2>&1 || fail "docker is not installed: kind runs the cluster in Docker"
  docker info >/dev/null 2>&1 || fail "docker is installed but not running (or this user may not use it): start Docker and retry"
  command -v kind >/dev/null 2>&1 || fail "kind is not installed: see https://kind.sigs.k8s.io/docs/user/quick-start/#installation (v0.33.0 or later)"
fi
node scripts/ensure-deps.cjs

state_dir="${ONCALL_LAB_STATE_DIR:-$PWD/.pulumi}"
mkdir -p "$state_dir/state"
state_dir="$(cd "$state_dir" && pwd)"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$state_dir/state}"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  passphrase_file="$state_dir/passphrase"
  if [ ! -s "$passphrase_file" ]; then
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$passphrase_file")
    echo "oncall-lab: generated the stack passphrase in $passphrase_file (it decrypts the stack's secrets: keep it)"
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$passphrase_file"
elif [[ "${PULUMI_CONFIG_PASSPHRASE_FILE:-/}" != /* ]]; then
  # Stack creation below runs in another directory.
  export PULUMI_CONFIG_PASSPHRASE_FILE="$PWD/$PULUMI_CONFIG_PASSPHRASE_FILE"
fi
# The salt is in the state as well: should the config file go missing, pulumi (3.134 or later) takes
# it from there instead of starting a new one that no longer matches the stack's secrets.
export PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER=true

stack="${PULUMI_STACK:-dev}"
config_file="$state_dir/Pulumi.$stack.yaml"
created=false
if ! pulumi stack select "$stack" >/dev/null 2>&1; then
  # `pulumi stack init` has no --config-file flag: it writes the new salt to Pulumi.<stack>.yaml next
  # to the project file. So it runs on a copy of Pulumi.yaml in the state directory, and the config
  # file it writes moves next to the state. A config file left from an earlier stack of this name is
  # used the way pulumi uses one found before `stack init`: its salt and settings are kept.
  scratch="$state_dir/new-stack"
  rm -rf "$scratch"
  mkdir "$scratch"
  cp Pulumi.yaml "$scratch/"
  [ ! -f "$config_file" ] || cp "$config_file" "$scratch/Pulumi.$stack.yaml"
  (cd "$scratch" && pulumi stack init "$stack" --secrets-provider passphrase --no-select >/dev/null)
  mv "$scratch/Pulumi.$stack.yaml" "$config_file"
  rm -rf "$scratch"
  created=true
fi

args=("$@" --stack "$stack")
# The commands that read or write stack config (and their aliases); others reject --config-file.
case "$1" in
  up | update | preview | pre | destroy | down | dn | refresh | config | import | watch | logs)
    args+=(--config-file "$config_file") ;;
esac

# The Kind cluster this stack created, as "<urn> <cluster name>"; nothing for a new or empty stack.
stack_cluster() {
  pulumi stack export --stack "$stack" |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const cluster = (JSON.parse(s).deployment?.resources ?? []).find((r) => /pulumi-nodejs:dynamic:[^:]*::kind-cluster$/.test(r.urn));
      if (cluster?.id) console.log(`${cluster.urn} ${cluster.id}`);
    });'
}

# Before updating, look at the lab as it is. A cluster deleted by hand took everything in it along
# (Grafana's users, OnCall's objects and tokens): the state forgets all of that, and `up` builds it
# again, instead of trying to update or delete objects that exist nowhere. Otherwise only the kind
# cluster and the OnCall wiring are refreshed: their reads are quick, and the wiring's notices a
# plugin that lost its connection, while the Grafana OnCall resources' reads need a running lab.
if [ "$1" = up ] && [ "$created" = false ]; then
  read -r cluster_urn cluster_name < <(stack_cluster) || true
  if [ -n "${cluster_urn:-}" ]; then
    clusters="$(kind get clusters)"
    if ! grep -qxF "$cluster_name" <<<"$clusters"; then
      echo "oncall-lab: kind cluster \"$cluster_name\" no longer exists: forgetting what lived in it, then building it again"
      pulumi state delete --yes --target-dependents --stack "$stack" "$cluster_urn"
    else
      pulumi refresh --yes --skip-preview --stack "$stack" --config-file "$config_file" \
        --target '**pulumi-nodejs:dynamic:*::kind-cluster' \
        --target '**pulumi-nodejs:dynamic:*::oncall-wiring-connection'
    fi
  fi
fi
exec pulumi "${args[@]}"
