#!/usr/bin/env bash
# One command from a fresh Debian machine (as root) to a working banger:
# installs dependencies, builds, links the CLI, and runs the main job.
# Later issues extend the last step to boot a VM and run a command in it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh </dev/null
npm ci --no-audit --no-fund
npm run build
npm link --no-audit --no-fund >/dev/null   # puts banger, bangerd, banger-helper on PATH
echo "+ banger daemon start"; banger daemon start
echo "+ banger vm list";      banger vm list
echo "+ banger image list";   banger image list
