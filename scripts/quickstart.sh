#!/usr/bin/env bash
# One command from a fresh Debian machine (as root) to a working banger:
# installs dependencies, builds, links the CLI, then runs the main job: a
# throwaway VM boots (building the default image on first use), runs a
# command, and is deleted.
#
# Run it with sudo from your own account and it also sets banger up for you
# the way you will use it every day: the root helper is installed for you
# (banger system install --owner "$SUDO_USER") and the VM is run as you, by
# your own bangerd, with no root. Run as plain root (a fresh CI machine) and
# the VM is run as root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh </dev/null
npm ci --no-audit --no-fund
npm run build
npm link --no-audit --no-fund >/dev/null   # puts banger, bangerd, banger-helper on PATH

owner="${SUDO_USER:-}"
if [[ -z "$owner" || "$owner" == root ]]; then
  echo "+ banger doctor"
  banger doctor || echo "(doctor found problems above; continuing)"
  echo "+ banger vm run --rm -- uname -a"
  banger vm run --rm -- uname -a
  echo "+ banger vm list"
  banger vm list
  exit 0
fi

# Owner mode: the helper as root, everything else as $owner.
uid="$(id -u "$owner")"
if ! banger system status --json | grep -q '"installed":true'; then
  echo "+ banger system install --owner $owner"
  banger system install --owner "$owner"
fi
if [[ ! -S /run/banger/helper.sock ]]; then
  # systemd started the units if it is PID 1; in a container nothing did, so start the helper as its unit would.
  exec_start="$(sed -n 's/^ExecStart=//p' /etc/systemd/system/banger-helper.service)"
  echo "+ starting banger-helper (no systemd here): $exec_start"
  # shellcheck disable=SC2086 # the unit's ExecStart is an argument list without quoting
  nohup $exec_start >>/var/log/banger-helper.log 2>&1 &
  for _ in $(seq 50); do [[ -S /run/banger/helper.sock ]] && break; sleep 0.2; done
fi
# logind makes /run/user/UID at login; a container has none.
install -d -m 0700 -o "$owner" -g "$(id -g "$owner")" "/run/user/$uid"
as_owner() { runuser -u "$owner" -- env -i HOME="$(getent passwd "$owner" | cut -d: -f6)" USER="$owner" PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="/run/user/$uid" "$@"; }
echo "+ (as $owner) banger doctor"
as_owner banger doctor || echo "(doctor found problems above; continuing)"
echo "+ (as $owner) banger vm run --rm -- uname -a"
as_owner banger vm run --rm -- uname -a
echo "+ (as $owner) banger vm list"
as_owner banger vm list
