#!/usr/bin/env bash
# Runs a pulumi command for the lab with state in ./.pulumi and a passphrase generated on this
# machine, so no Pulumi Cloud account is needed. Usage: scripts/lab.sh <pulumi command> [flags...]
# (npm run up / preview / destroy / pulumi -- <command> call it).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "oncall-lab: $*" >&2; exit 1; }
[ $# -ge 1 ] || fail "usage: scripts/lab.sh <pulumi command> [flags...]"
command -v pulumi >/dev/null 2>&1 || fail "pulumi is not installed: see https://www.pulumi.com/docs/iac/download-install/"
if [ "$1" = up ]; then
  command -v docker >/dev/null 2>&1 || fail "docker is not installed: kind runs the cluster in Docker"
  docker info >/dev/null 2>&1 || fail "docker is installed but not running (or this user may not use it): start Docker and retry"
  command -v kind >/dev/null 2>&1 || fail "kind is not installed: see https://kind.sigs.k8s.io/docs/user/quick-start/#installation (v0.33.0 or later)"
fi
[ -d node_modules ] || npm ci

state_dir="${ONCALL_LAB_STATE_DIR:-$PWD/.pulumi}"
mkdir -p "$state_dir/state"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$state_dir/state}"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  passphrase_file="$state_dir/passphrase"
  if [ ! -s "$passphrase_file" ]; then
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$passphrase_file")
    echo "oncall-lab: generated the stack passphrase in $passphrase_file (it decrypts the stack's secrets: keep it)"
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$passphrase_file"
fi

stack="${PULUMI_STACK:-dev}"
pulumi stack select --create "$stack" --secrets-provider passphrase >/dev/null
exec pulumi "$@" --stack "$stack"
