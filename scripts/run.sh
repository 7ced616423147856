#!/usr/bin/env bash
# Installs everything FoleyDesk needs on Debian/Ubuntu and starts the app on its embedded
# defaults: the offline provider and a demo project (no key, no network needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh app
bash scripts/venv.sh
exec .venv/bin/foleydesk "$@"
