#!/usr/bin/env bash
# Installs what the tests need (system packages included) and runs the whole suite:
# lint, types, the Qt import contract, then pytest. `--quick` skips the frozen-app build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh test
bash scripts/venv.sh dev
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"
ruff check .
ruff format --check .
echo "== mypy (strict, the whole package: the Qt-free layers and the UI)"
mypy foleydesk
echo "== import contract (no Qt outside foleydesk/ui)"
lint-imports
echo "== pytest"
markers=()
[ "${1:-}" = "--quick" ] && markers=(-m "not installer")
python -m pytest -q "${markers[@]}"
