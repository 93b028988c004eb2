#!/usr/bin/env bash
# Installs what wasm-connect needs, builds it, and runs a real pipeline:
# lines written to a file travel through Kafka (an embedded in-memory broker,
# so nothing else needs installing) into another file, and you watch them
# arrive. Pass --keep-running to leave the worker up afterwards (REST API on
# http://127.0.0.1:8083); stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

keep_running=false
[[ "${1:-}" == "--keep-running" ]] && keep_running=true

echo "==> Installing the wasm32-wasip2 target (plugins are built for it)"
rustup target add wasm32-wasip2 >/dev/null

echo "==> Building wasm-connect and its built-in plugins (the first build takes a few minutes)"
cargo build -p wasm-connect

dir=/tmp/wasm-connect-quickstart
rm -rf "$dir" && mkdir -p "$dir"
: > "$dir/input.txt"

echo "==> Starting a standalone worker: config/quickstart-*.properties"
./target/debug/wasm-connect standalone \
  config/quickstart-worker.properties \
  config/quickstart-file-source.properties \
  config/quickstart-file-sink.properties >"$dir/worker.log" 2>&1 &
worker=$!
trap 'kill -TERM $worker 2>/dev/null; wait $worker 2>/dev/null || true' EXIT

for _ in $(seq 1 120); do
  curl -fs http://127.0.0.1:8083/ >/dev/null 2>&1 && break
  if ! kill -0 $worker 2>/dev/null; then
    echo "The worker stopped; its log:" && cat "$dir/worker.log" && exit 1
  fi
  sleep 0.5
done
curl -fs http://127.0.0.1:8083/ >/dev/null || { echo "The worker did not come up; its log:"; cat "$dir/worker.log"; exit 1; }

echo "==> Writing lines to $dir/input.txt; they arrive in $dir/output.txt:"
lines=("Hello from a WebAssembly source connector" "through Kafka" "into a WebAssembly sink connector" "$(date)")
seen=0
for line in "${lines[@]}"; do
  printf '%s\n' "$line" >>"$dir/input.txt"
  echo "   wrote:   $line"
  for _ in $(seq 1 100); do
    count=$(wc -l <"$dir/output.txt" 2>/dev/null || echo 0)
    if (( count > seen )); then
      sed -n "$((seen + 1)),${count}p" "$dir/output.txt" | sed 's/^/   arrived: /'
      seen=$count
      break
    fi
    sleep 0.1
  done
done
if (( seen < ${#lines[@]} )); then
  echo "Only $seen of ${#lines[@]} lines arrived; the worker's log:" && cat "$dir/worker.log" && exit 1
fi

echo "==> Connector status over the Kafka Connect REST API:"
curl -s http://127.0.0.1:8083/connectors/quickstart-file-sink/status; echo

if $keep_running; then
  echo "==> The worker keeps running (log: $dir/worker.log). Append to $dir/input.txt and watch $dir/output.txt; Ctrl-C stops it."
  wait $worker
else
  echo "==> Done. Run scripts/quickstart.sh --keep-running to keep the worker up and try the REST API."
fi
