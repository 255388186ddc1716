#!/usr/bin/env bash
# Checks that every pin of the GPU worker images exists on PyPI as a wheel for the images' platform (CPython 3.11,
# manylinux x86_64), without downloading the wheels: `pip index versions` for the target platform.
#   images/check-pins.sh              every images/*/requirements.txt
#   images/check-pins.sh --resolve    also resolve each file with its dependencies (pip install --dry-run; downloads
#                                     the wheels, several GB: run it where bandwidth is cheap)
# Exit code 0 when every pin resolves, 1 otherwise (each missing pin is printed).
set -euo pipefail
cd "$(dirname "$0")"
platform=(--python-version 3.11 --implementation cp --only-binary=:all:
          --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64
          --platform manylinux1_x86_64 --platform linux_x86_64)
resolve=false
[ "${1:-}" = "--resolve" ] && resolve=true
failed=0
checked=0
for req in */requirements.txt; do
  while IFS= read -r line; do
    line="${line%%#*}"; line="$(echo "$line" | tr -d '[:space:]')"
    [ -z "$line" ] && continue
    name="${line%%==*}"; version="${line#*==}"
    if [ "$name" = "$line" ]; then echo "$req: '$line' is not pinned with =="; failed=1; continue; fi
    out="$(pip index versions "$name" "${platform[@]}" 2>/dev/null || true)"
    versions="$(echo "$out" | sed -n 's/^Available versions: //p' | tr -d ' ' | tr ',' '\n')"
    checked=$((checked + 1))
    if echo "$versions" | grep -qxF "$version"; then
      echo "ok      $req $name==$version"
    else
      echo "MISSING $req $name==$version (no such wheel for cp311 manylinux x86_64 on the index)"
      failed=1
    fi
  done < "$req"
  if $resolve; then
    tmp="$(mktemp -d)"
    pip install --dry-run --ignore-installed --target "$tmp" "${platform[@]}" -r "$req" || failed=1
    rm -rf "$tmp"
  fi
done
echo "$checked pins checked"
exit $failed
