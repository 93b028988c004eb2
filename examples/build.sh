#!/usr/bin/env bash
# Build the example plugins with each language's own tools, into
# target/examples/<language>/<example>.wasm (or $EXAMPLES_OUT):
#
#   examples/build.sh [rust] [python] [js]     # default: all three
#
# Rust: cargo for wasm32-wasip2 over sdk-guest (rustup target add
# wasm32-wasip2). Python: componentize-py (pip install -r
# sdk-python/build-requirements.txt). JavaScript: componentize-js (npm ci in
# sdk-js). Each component is built once, all in parallel.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${EXAMPLES_OUT:-$root/target/examples}"
langs=("$@")
[[ ${#langs[@]} -eq 0 ]] && langs=(rust python js)
# example:world
examples=(mask-route:transform-plugin file-sink:sink-plugin counter-source:source-plugin)
# The outer build's settings are for the host, not for wasm.
unset CARGO_TARGET_DIR CARGO_BUILD_TARGET RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER RUSTFLAGS CARGO_ENCODED_RUSTFLAGS

names=()
pids=()
run() { # name, then the command; its output goes to a log shown on failure
  local log="$out/logs/$1.log"
  mkdir -p "$(dirname "$log")"
  ("${@:2}") >"$log" 2>&1 &
  names+=("$1")
  pids+=($!)
}

for lang in "${langs[@]}"; do
  mkdir -p "$out/$lang"
  case "$lang" in
    rust)
      run rust bash -c "cd '$root/examples/rust' && cargo build --release --target wasm32-wasip2 \
        --target-dir '$root/target/examples-rust' && for e in mask-route file-sink counter-source; do \
        cp \"$root/target/examples-rust/wasm32-wasip2/release/example_\${e//-/_}.wasm\" '$out/rust/'\$e.wasm; done"
      ;;
    python)
      for e in "${examples[@]}"; do
        name="${e%%:*}" world="${e##*:}"
        run "python-$name" bash -c "cd '$root/examples/python/$name' && componentize-py -d '$root/wit' \
          -w $world componentize -p . -p '$root/sdk-python' app -o '$out/python/$name.wasm'"
      done
      ;;
    js)
      for e in "${examples[@]}"; do
        name="${e%%:*}" world="${e##*:}"
        run "js-$name" bash -c "cd '$root/examples/js/$name' && node '$root/sdk-js/build.mjs' app.js $world \
          '$out/js/$name.wasm'"
      done
      ;;
    *)
      echo "unknown language $lang (rust, python or js)" >&2
      exit 2
      ;;
  esac
done

status=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    echo "==> building ${names[$i]} failed:" >&2
    cat "$out/logs/${names[$i]}.log" >&2
    status=1
  fi
done
exit $status
