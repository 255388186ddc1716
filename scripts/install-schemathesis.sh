#!/usr/bin/env bash
# Installs schemathesis (PyPI, pinned) into a virtual environment under the repo's .cache/ for ApiFuzzIT
# (docs/security.md, "API fuzzing"). Idempotent: reuses the environment when the pinned version is already there.
# Usage: scripts/install-schemathesis.sh [venv-dir]   (default: <repo>/.cache/schemathesis-<version>)
set -euo pipefail
VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${1:-$ROOT/.cache/schemathesis-$VERSION}"
if [ -x "$VENV/bin/st" ] && "$VENV/bin/st" --version 2>/dev/null | grep -q "$VERSION"; then
  echo "schemathesis $VERSION: $VENV/bin/st"
  exit 0
fi
PYTHON="${PYTHON:-$(command -v python3 || true)}"
if [ -z "$PYTHON" ]; then
  echo "install-schemathesis: python3 (>= 3.9) is needed on the PATH; or leave the fuzz suite out with -DskipApiFuzz" >&2
  exit 1
fi
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$VERSION"
"$VENV/bin/st" --version
