#!/usr/bin/env bash
# Does the token endpoint tell an unknown client id from a known one by its timing?
# Sends client_credentials requests alternately with an unknown client id and with the demo
# app's id and a wrong secret, over one kept-alive connection each, and compares the two
# latency distributions (median, trimmed mean, quartiles). Loopback only, bounded by TRIES.
#
#   scripts/timing-client-ids.sh [TRIES]        (default 500 of each)
#
# Same setup as bench-load.sh: release build (or NEWLEDGER_BENCH_BIN), `serve --demo` on a
# fresh SQLite database, rate limits raised (said so).
set -euo pipefail
tries=${1:-500}
root=$(cd "$(dirname "$0")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
if [ -n "${NEWLEDGER_BENCH_BIN:-}" ]; then
    bin=$NEWLEDGER_BENCH_BIN
else
    (cd "$root" && cargo build --release -p newledger --quiet)
    bin=$target_dir/release/newledger
fi
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
limits=(--token-rate-per-client 100000000 --token-rate-per-ip 100000000)
echo "== serve --demo on 127.0.0.1:$port; rate limits raised: ${limits[*]}"
"$bin" --database-url "sqlite://$work/t.db" serve --demo --listen "127.0.0.1:$port" "${limits[@]}" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 600); do
    grep -q "is serving on" "$work/server.log" && break
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.2
done
client_id=$(grep -o 'client_id [^ ]*' "$work/server.log" | head -1 | cut -d' ' -f2)
python3 - "$port" "$client_id" "$tries" <<'PY'
import http.client, secrets, statistics, sys, time
port, known, tries = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
def make():
    return http.client.HTTPConnection("127.0.0.1", port)
conns = {"unknown id": make(), "wrong secret": make()}
times = {k: [] for k in conns}
def once(kind):
    cid = known if kind == "wrong secret" else "nlci_" + secrets.token_hex(13)
    body = f"grant_type=client_credentials&client_id={cid}&client_secret=nlcs_{secrets.token_hex(24)}"
    c = conns[kind]
    t = time.perf_counter()
    c.request("POST", "/oauth/token", body, {"Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse(); r.read()
    dt = time.perf_counter() - t
    assert r.status in (400, 401), r.status
    return dt
for _ in range(50):  # warm both paths
    once("unknown id"); once("wrong secret")
for i in range(tries):
    for kind in (("unknown id", "wrong secret") if i % 2 else ("wrong secret", "unknown id")):
        times[kind].append(once(kind))
def trimmed(xs):
    xs = sorted(xs); k = len(xs) // 10
    return statistics.mean(xs[k:len(xs) - k])
for kind, xs in times.items():
    q = statistics.quantiles(xs, n=4)
    print(f"{kind:>12}: median {statistics.median(xs)*1e3:.3f} ms, trimmed mean {trimmed(xs)*1e3:.3f} ms, "
          f"quartiles {q[0]*1e3:.3f}–{q[2]*1e3:.3f} ms ({len(xs)} requests)")
d = statistics.median(times["unknown id"]) - statistics.median(times["wrong secret"])
t = trimmed(times["unknown id"]) - trimmed(times["wrong secret"])
print(f"difference (unknown − wrong secret): median {d*1e3:+.3f} ms, trimmed mean {t*1e3:+.3f} ms")
PY
