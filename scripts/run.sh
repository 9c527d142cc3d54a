#!/usr/bin/env bash
# Start Regiebord. On first start the store (data/regiebord.duckdb, or $REGIEBORD_DB) is
# created and filled with clearly marked demo data. Extra arguments go to `streamlit run`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh app
exec .venv/bin/streamlit run streamlit_app.py "$@"
