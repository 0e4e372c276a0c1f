#!/usr/bin/env bash
# Installs the Debian packages named as arguments that are missing (as root), or says
# which are missing and how to install them (otherwise). Quiet when all are there.
set -euo pipefail
missing=""
for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "installing:$missing"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
else
  echo "missing packages:$missing (run: sudo apt-get install$missing)" >&2
  exit 1
fi
