#!/usr/bin/env bash
# Latency benchmark of the leaderboard website (a benchmark, not a test).
#
# Measures page latency (median and p99) of the leaderboard page with ROWS (default 10,000)
# published result rows in ONE track, under a bounded local load: wrk on loopback with 1 thread
# and 4 connections by default. Steps:
#   1. build leaderboard-web if needed (mvn package -DskipTests, which also compiles the tests),
#   2. write synthetic results documents (org.purifybench.web.bench.SyntheticResults, test scope),
#   3. import and publish them into a fresh H2 file database in a temporary folder,
#   4. start `serve` on a free loopback port, check the page (HTTP 200, every defense, every seed),
#   5. warm up, then run wrk RUNS times against / and once against /api/leaderboard and
#      /defenses/pam, and print per-run p50 / p99 / req/s and the median over runs.
#
# Needs wrk (Debian/Ubuntu: apt-get install -y wrk), curl, java 17+, and mvn for the build.
#
# Usage (from anywhere): leaderboard-web/bench/latency.sh
# Environment overrides:
#   ROWS=10000        result rows to publish in the track
#   SEEDS_PER_RUN=3   seeds per synthetic run document (90 rows per seed)
#   THREADS=1         wrk threads              CONNECTIONS=4   wrk connections
#   DURATION=20s      wrk duration per run     RUNS=3          measured runs against /
#   WARMUP=10s        wrk warm-up duration     PORT=<free>     server port on 127.0.0.1
#   TIMEOUT=30s       wrk request timeout (a request slower than this is a failure, not a latency)
#   JAVA_OPTS=...     extra JVM options for the server
#   FORCE_BUILD=1     always rebuild           SKIP_BUILD=1    never build
#   KEEP=1            keep the temporary folder (database, documents, logs, raw wrk output)
set -euo pipefail

ROWS=${ROWS:-10000}
SEEDS_PER_RUN=${SEEDS_PER_RUN:-3}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-4}
DURATION=${DURATION:-20s}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-10s}
TIMEOUT=${TIMEOUT:-30s}
JAVA_OPTS=${JAVA_OPTS:-}
EXPECTED_DEFENSES=9   # ResultsDocuments.standardLike: none clean ft ep ft-sam fst bti-dbf pam bti-sam

MODULE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=$(cd "$MODULE/.." && pwd)
JAR="$MODULE/target/purifybench-leaderboard-web-0.1.0-SNAPSHOT.jar"
BENCH_CLASS="$MODULE/target/test-classes/org/purifybench/web/bench/SyntheticResults.class"
CP="$JAR:$MODULE/target/lib/*"
TEST_CP="$MODULE/target/test-classes:$MODULE/target/classes:$MODULE/target/lib/*"

die() { echo "latency.sh: $*" >&2; exit 1; }

# --- prerequisites ---------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
    echo "latency.sh: wrk is not installed. Install it with:  apt-get install -y wrk" >&2
    echo "            (Debian/Ubuntu package 'wrk'; see https://github.com/wg/wrk for other systems)" >&2
    exit 1
fi
command -v curl >/dev/null 2>&1 || die "curl is not installed (apt-get install -y curl)"
command -v java >/dev/null 2>&1 || die "java is not on the PATH (Java 17 or newer is needed)"

# --- 1. build if needed ------------------------------------------------------------------------
needs_build() {
    [[ "${FORCE_BUILD:-0}" == 1 ]] && return 0
    [[ -f "$JAR" && -f "$BENCH_CLASS" && -d "$MODULE/target/lib" ]] || return 0
    # Any source or the pom newer than the jar: rebuild.
    [[ -n "$(find "$MODULE/src" "$MODULE/pom.xml" -newer "$JAR" -type f -print -quit)" ]] && return 0
    return 1
}
if [[ "${SKIP_BUILD:-0}" != 1 ]] && needs_build; then
    command -v mvn >/dev/null 2>&1 || die "mvn is not on the PATH and the module is not built"
    echo "# building leaderboard-web (mvn package -DskipTests, test-compile) ..."
    BUILD_LOG=$(mktemp "${TMPDIR:-/tmp}/purifybench-latency-build.XXXXXX")
    (cd "$ROOT" && mvn -B -q -Dstyle.color=never -f leaderboard-web/pom.xml package -DskipTests) >"$BUILD_LOG" 2>&1 \
        || { tail -40 "$BUILD_LOG" >&2; die "the build failed (log: $BUILD_LOG)"; }
    if [[ ! -f "$BENCH_CLASS" ]]; then
        (cd "$ROOT" && mvn -B -q -Dstyle.color=never -f leaderboard-web/pom.xml test-compile) >"$BUILD_LOG" 2>&1 \
            || { tail -40 "$BUILD_LOG" >&2; die "test-compile failed (log: $BUILD_LOG)"; }
    fi
    rm -f "$BUILD_LOG"
fi
[[ -f "$JAR" ]] || die "no $JAR - the build failed?"
[[ -f "$BENCH_CLASS" ]] || die "no $BENCH_CLASS - run mvn -f leaderboard-web/pom.xml test-compile"

# --- temporary folder and cleanup --------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/purifybench-latency.XXXXXX")
SERVER_PID=""
cleanup() {
    local rc=$?
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ "${KEEP:-0}" == 1 || $rc -ne 0 ]]; then
        echo "# temporary files kept in $TMP" >&2
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export PURIFYBENCH_DB_URL="jdbc:h2:file:$TMP/db/leaderboard;DATABASE_TO_LOWER=TRUE"
export PURIFYBENCH_ADMIN_PASSWORD="${PURIFYBENCH_ADMIN_PASSWORD:-latency-bench-$$}"

# --- 2. synthetic documents --------------------------------------------------------------------
echo "# generating >= $ROWS rows ($SEEDS_PER_RUN seeds per run document) ..."
GEN=$(java -cp "$TEST_CP" org.purifybench.web.bench.SyntheticResults "$TMP/docs" "$ROWS" "$SEEDS_PER_RUN")
echo "# $GEN"
GEN_ROWS=$(sed -n 's/.*rows=\([0-9]*\).*/\1/p' <<<"$GEN")
GEN_RUNS=$(sed -n 's/.*runs=\([0-9]*\).*/\1/p' <<<"$GEN")
GEN_SEEDS=$(sed -n 's/.*seeds=\([0-9]*\).*/\1/p' <<<"$GEN")
[[ -n "$GEN_ROWS" && "$GEN_ROWS" -ge "$ROWS" ]] || die "SyntheticResults wrote too few rows: $GEN"

# --- 3. import and publish into a fresh H2 database --------------------------------------------
echo "# importing $GEN_RUNS documents into $TMP/db ..."
IMPORT_START=$(date +%s.%N)
(cd "$TMP" && java -Djava.awt.headless=true -cp "$CP" org.purifybench.web.LeaderboardMain import --publish "$TMP"/docs/*.json) \
    >"$TMP/import.log" 2>&1 || { tail -20 "$TMP/import.log" >&2; die "import failed (log: $TMP/import.log)"; }
IMPORT_END=$(date +%s.%N)
IMPORTED_ROWS=$(grep -o '^imported .*(published, [0-9]* rows' "$TMP/import.log" | sed 's/.*published, \([0-9]*\) rows/\1/' \
    | awk '{s += $1} END {print s + 0}')
[[ "$IMPORTED_ROWS" -eq "$GEN_ROWS" ]] || die "imported $IMPORTED_ROWS rows, expected $GEN_ROWS (log: $TMP/import.log)"
echo "# imported and published $IMPORTED_ROWS rows in $(awk -v a="$IMPORT_START" -v b="$IMPORT_END" 'BEGIN {printf "%.1f", b - a}') s"

# --- 4. serve on a free loopback port ----------------------------------------------------------
if [[ -z "${PORT:-}" ]]; then
    if command -v python3 >/dev/null 2>&1; then
        PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    else
        PORT=""
        for _ in $(seq 1 50); do
            p=$((20000 + RANDOM % 20000))
            if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then PORT=$p; break; fi
        done
        [[ -n "$PORT" ]] || die "no free port found; set PORT"
    fi
fi
BASE="http://127.0.0.1:$PORT"
echo "# starting the server on $BASE ..."
# shellcheck disable=SC2086
(cd "$TMP" && exec java -Djava.awt.headless=true $JAVA_OPTS -cp "$CP" org.purifybench.web.LeaderboardMain serve --port "$PORT") \
    >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for i in $(seq 1 120); do
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -30 "$TMP/server.log" >&2; die "the server exited during start"; }
    if curl -s -o /dev/null --max-time 2 "$BASE/about"; then break; fi
    [[ $i -eq 120 ]] && { tail -30 "$TMP/server.log" >&2; die "the server did not answer within 60 s"; }
    sleep 0.5
done

# --- check the pages before measuring: a broken page must not produce fast "latency" -----------
check_page() { # url -> body in $TMP/check.out; fails unless HTTP 200
    local code
    code=$(curl -s -o "$TMP/check.out" -w '%{http_code}' --max-time 60 "$1")
    [[ "$code" == 200 ]] || { head -c 2000 "$TMP/check.out" >&2; echo >&2; die "GET $1 answered HTTP $code, not 200"; }
}
check_page "$BASE/"
DEFENSES_ON_PAGE=$(grep -o 'data-defense="[^"]*"' "$TMP/check.out" | sort -u | wc -l)
[[ "$DEFENSES_ON_PAGE" -eq "$EXPECTED_DEFENSES" ]] \
    || die "the leaderboard page shows $DEFENSES_ON_PAGE defenses, expected $EXPECTED_DEFENSES"
# The Seeds column: every defense's P-ASR must rest on all generated seeds (all rows counted).
SEED_CELLS=$(grep -c "<td class=\"num\">$GEN_SEEDS</td>" "$TMP/check.out" || true)
[[ "$SEED_CELLS" -ge "$EXPECTED_DEFENSES" ]] \
    || die "the leaderboard page does not show $GEN_SEEDS seeds for every defense (found $SEED_CELLS cells)"
PAGE_BYTES=$(wc -c <"$TMP/check.out")
check_page "$BASE/api/leaderboard"
grep -q '"standings"' "$TMP/check.out" || die "/api/leaderboard has no standings"
check_page "$BASE/defenses/pam"
grep -q 'pam' "$TMP/check.out" || die "/defenses/pam does not mention pam"
echo "# pages OK: / is HTTP 200 with $DEFENSES_ON_PAGE defenses x $GEN_SEEDS seeds ($PAGE_BYTES bytes)"

# A few single requests (cold-ish, no concurrency) for orientation.
CURL_TIMES=""
for _ in 1 2 3 4 5; do
    CURL_TIMES+=$(curl -s -o /dev/null -w '%{time_total} ' "$BASE/")
done
echo "# single curl requests to / (s, sequential, before warm-up): $CURL_TIMES"

# --- 5. measure ---------------------------------------------------------------------------------
to_ms() { # wrk latency like 812.34us / 1.23ms / 1.05s / 2.00m -> milliseconds
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
        printf "%.2f", n }'
}
run_wrk() { # label url duration -> sets P50 P99 RPS REQS; fails on non-2xx, socket errors or timeouts
    local label=$1 url=$2 duration=$3 out="$TMP/wrk-$1.txt"
    wrk --latency -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --timeout "$TIMEOUT" "$url" >"$out" 2>&1 \
        || { cat "$out" >&2; die "wrk failed"; }
    if grep -q 'Non-2xx or 3xx responses' "$out"; then
        cat "$out" >&2; die "wrk saw non-2xx responses on $url ($label) - the numbers would be meaningless"
    fi
    # "Socket errors: connect 0, read 0, write 0, timeout N" is printed only when one is non-zero.
    if grep -q 'Socket errors' "$out"; then
        cat "$out" >&2
        die "wrk saw socket errors or requests slower than TIMEOUT=$TIMEOUT on $url ($label) - latency unknown"
    fi
    P50=$(to_ms "$(awk '/Latency Distribution/ {d = 1} d && $1 == "50%" {print $2; exit}' "$out")")
    P99=$(to_ms "$(awk '/Latency Distribution/ {d = 1} d && $1 == "99%" {print $2; exit}' "$out")")
    RPS=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    REQS=$(awk '/requests in/ {print $1}' "$out")
    [[ -n "$P50" && -n "$P99" && -n "$RPS" ]] || { cat "$out" >&2; die "cannot parse the wrk output"; }
}
median() { # numbers... -> median
    printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END { if (NR % 2) printf "%.2f", a[(NR + 1) / 2];
        else printf "%.2f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

LOAD_BEFORE=$(uptime | sed 's/.*load average: //')
echo "# warm-up: wrk -t$THREADS -c$CONNECTIONS -d$WARMUP $BASE/ (and the other two pages) ..."
run_wrk warmup "$BASE/" "$WARMUP"
run_wrk warmup-api "$BASE/api/leaderboard" 3s
run_wrk warmup-defense "$BASE/defenses/pam" 3s

P50S=(); P99S=(); RPSS=(); LINES=()
for r in $(seq 1 "$RUNS"); do
    echo "# run $r/$RUNS: wrk --latency -t$THREADS -c$CONNECTIONS -d$DURATION $BASE/ ..."
    run_wrk "run$r" "$BASE/" "$DURATION"
    P50S+=("$P50"); P99S+=("$P99"); RPSS+=("$RPS")
    LINES+=("$(printf '%-22s %-6s %10s %10s %10s %10s' / "$r" "$P50" "$P99" "$RPS" "$REQS")")
done
echo "# once: /api/leaderboard and /defenses/pam ..."
run_wrk api "$BASE/api/leaderboard" "$DURATION"
LINE_API=$(printf '%-22s %-6s %10s %10s %10s %10s' /api/leaderboard 1 "$P50" "$P99" "$RPS" "$REQS")
run_wrk defense "$BASE/defenses/pam" "$DURATION"
LINE_DEF=$(printf '%-22s %-6s %10s %10s %10s %10s' /defenses/pam 1 "$P50" "$P99" "$RPS" "$REQS")
LOAD_AFTER=$(uptime | sed 's/.*load average: //')

# --- report -------------------------------------------------------------------------------------
echo
echo "PurifyBench leaderboard latency  ($(date -u '+%Y-%m-%dT%H:%M:%SZ'))"
echo "  data      : $IMPORTED_ROWS published result rows in ONE track (fashion-mnist / cnn-small / 0.05),"
echo "              $GEN_RUNS runs x $SEEDS_PER_RUN seeds ($GEN_SEEDS seeds), $EXPECTED_DEFENSES defenses x 2 attacks, H2 file DB"
echo "  load      : wrk --latency -t$THREADS -c$CONNECTIONS -d$DURATION --timeout $TIMEOUT on loopback (bounded: $CONNECTIONS connections),"
echo "              after a $WARMUP warm-up; $RUNS measured runs against /"
echo "  machine   : nproc=$(nproc), $(java -version 2>&1 | head -1)"
echo "  load avg  : before $LOAD_BEFORE | after $LOAD_AFTER  (wrk and the server share these cores)"
echo "  page size : / = $PAGE_BYTES bytes"
echo
printf '%-22s %-6s %10s %10s %10s %10s\n' page run "p50 (ms)" "p99 (ms)" "req/s" requests
printf '%s\n' "${LINES[@]}"
printf '%-22s %-6s %10s %10s\n' "/  MEDIAN over $RUNS runs" "" "$(median "${P50S[@]}")" "$(median "${P99S[@]}")"
echo "$LINE_API"
echo "$LINE_DEF"
