#!/usr/bin/env bash
# Installs the Debian packages in scripts/debian-packages.txt (as root, non-interactive)
# and checks that Node is new enough. Shared by .ci/run and scripts/quickstart.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: run as root (apt-get needs it)" >&2
  exit 1
fi
mapfile -t pkgs < <(grep -v '^\s*#' "$here/debian-packages.txt" | grep -v '^\s*$')
# Keep a Node that is already installed (e.g. from NodeSource); Debian's nodejs is only the fallback.
if command -v node >/dev/null 2>&1; then
  pkgs=("${pkgs[@]/#nodejs/}")
  pkgs=("${pkgs[@]/#npm/}")
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2068 # empty entries from the filter above must vanish
apt-get install -y --no-install-recommends ${pkgs[@]}
major="$(node -p 'process.versions.node.split(".")[0]')"
if (( major < 20 )); then
  echo "install-deps: Node $(node --version) is too old; banger needs Node >= 20 (https://github.com/nodesource/distributions)" >&2
  exit 1
fi
