#!/usr/bin/env bash
# `make audit`: bandit on our code, then pip-audit on the installed packages.
# pip-audit asks a vulnerability database over the network (PyPI's JSON API by default). When it
# cannot (no answer, or every package "not found"), nothing was audited: that is said plainly
# and fails, unless AUDIT_UNREACHABLE=warn (then it is a warning). Known vulnerabilities always
# fail.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
UNREACHABLE=${AUDIT_UNREACHABLE:-fail}

echo "== bandit (complaints/, skips justified in pyproject.toml) =="
if ! "$BIN/bandit" -r complaints -q -c pyproject.toml; then
  echo "audit: bandit found issues (above)." >&2
  exit 1
fi
echo "bandit: no issues."

echo "== pip-audit (installed packages) =="
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$BIN/pip-audit" --progress-spinner off --skip-editable >"$out" 2>&1
rc=$?
if grep -q "known vulnerabilit" "$out" && ! grep -q "No known vulnerabilities found" "$out"; then
  cat "$out"
  echo "audit: pip-audit found known vulnerabilities (above): upgrade those packages." >&2
  exit 1
fi
unaudited=$(grep -c "could not be audited" "$out")
if [ "$rc" != 0 ] || [ "$unaudited" != 0 ]; then
  grep -m 3 -E "Error|could not be audited" "$out"
  msg="pip-audit could not reach its vulnerability database (PyPI JSON API or OSV)"
  msg="$msg: $unaudited packages not audited, exit code $rc. Nothing was checked."
  if [ "$UNREACHABLE" = warn ]; then
    echo "WARNING: $msg" >&2
    exit 0
  fi
  echo "audit: $msg Run it where pypi.org/pypi/<name>/json or api.osv.dev answers." >&2
  exit 1
fi
cat "$out"
