#!/usr/bin/env bash
# Installs Debian's chromium (and CJK fonts for the dashboard's Chinese text) for DashboardBrowserIT.
# Idempotent: does nothing when chromium is already there. Needs root (apt-get); CI runs it from .ci/run.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  echo "chromium: $(command -v chromium || echo /usr/bin/chromium)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium fonts-noto-cjk
command -v chromium
