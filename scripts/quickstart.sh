#!/usr/bin/env bash
# One command from a fresh Debian machine (as root) to a working banger:
# installs dependencies, builds, links the CLI, checks the host, then runs the
# main job: a throwaway VM boots (building the default image on first use),
# runs a command, and is deleted.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh </dev/null
npm ci --no-audit --no-fund
npm run build
npm link --no-audit --no-fund >/dev/null   # puts banger, bangerd, banger-helper on PATH
echo "+ banger doctor"
banger doctor || echo "(doctor found problems above; continuing)"
echo "+ banger vm run --rm -- uname -a"
banger vm run --rm -- uname -a
echo "+ banger vm list"
banger vm list
