#!/usr/bin/env bash
# Runs the jit-core JMH suite and the three measurement programs, writes JSON results and RESULTS.md.
#   jit-core/src/jmh/run-benchmarks.sh [results-dir]      (default: jit-core/target/bench-results)
# SKIP_BUILD=1 reuses target/benchmarks.jar. QUICK=1 runs one short fork of everything (a smoke test, not results).
# Settings are sized for a 2-core machine and ~30 minutes: 2 forks, 3 warmup and 3 measurement iterations of
# 0.3 to 1 s (see each class); -prof gc everywhere for B/op.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
module=$(cd "$here/../.." && pwd)
root=$(cd "$module/.." && pwd)
out=${1:-$module/target/bench-results}
mkdir -p "$out"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$root" && mvn -B -ntp -q -Pbench -DskipTests package -pl jit-core,jit-spring -am)
fi
# Copies, so the modules can be rebuilt while the suite runs.
cp "$module/target/benchmarks.jar" "$out/benchmarks.jar"
cp "$root/jit-spring/target/benchmarks.jar" "$out/spring-benchmarks.jar"
jar=$out/benchmarks.jar
extra=()
if [ "${QUICK:-0}" = 1 ]; then
  extra=(-f 1 -wi 1 -i 1 -w 200ms -r 200ms)
fi

jmh() {
  local name=$1
  shift
  echo "$(date +%T) $name"
  local tries=0
  # JMH allows one run per machine (/tmp/jmh.lock): wait for another one to finish rather than share the cores.
  until java -jar "$jar" "$@" "${extra[@]}" -prof gc -rf json -rff "$out/$name.json" > "$out/$name.log" 2>&1; do
    if grep -q "Unable to acquire the JMH lock" "$out/$name.log" && [ $((tries += 1)) -le 120 ]; then
      sleep 30
    else
      echo "  $name failed: see $out/$name.log"
      break
    fi
  done
}

jmh check 'Check'
jmh schedule-cancel 'TimerBenchmark.scheduleCancel' -p impl=jit,jitScheduler,stpe,netty,agrona
jmh schedule-cancel-peers 'TimerBenchmark.scheduleCancel' -p impl=nettyDefault,stpeKeep -p live=1000000
jmh schedule-cancel-delayqueue 'TimerBenchmark.scheduleCancel' -p impl=delayQueue -p live=1000,100000
jmh reschedule 'TimerBenchmark.reschedule' -p impl=jit,jitScheduler,stpe,netty,agrona -p live=1000000 -p dist=uniform
jmh reschedule-delayqueue 'TimerBenchmark.reschedule' -p impl=jit,jitScheduler,stpe,netty,agrona,delayQueue \
  -p live=100000 -p dist=uniform
# Includes engineBurst: 1e5 grants due in one tick through the whole engine, in-memory and hash-chained file sinks.
jmh expire 'ExpireBenchmark'
jmh request 'RequestBenchmark'
# request (pending, then cancelled) and an approver's listing against 1e2..1e5 waiting requests: flat is the target.
jmh request-backlog 'RequestBacklogBenchmark'
# The Spring adapter: an annotated call against Spring Security's @PreAuthorize (jit-spring/src/jmh).
jar=$out/spring-benchmarks.jar jmh spring 'AnnotatedCallBenchmark' -f 2

main() {
  local name=$1
  shift
  echo "$(date +%T) $name"
  java -Xms8g -Xmx8g -Xlog:gc:file="$out/$name-gc.log" -cp "$jar" "$@" > "$out/$name.md" 2> "$out/$name.log" \
    || echo "  $name failed: see $out/$name.log"
}
if [ "${QUICK:-0}" = 1 ]; then
  main lateness dev.jitaccess.bench.ExpiryLateness 100000 10 60
  main lateness-stress dev.jitaccess.bench.ExpiryLateness 100000 10 10
  main lateness-burst dev.jitaccess.bench.ExpiryLateness burst 10000
  main idle dev.jitaccess.bench.IdleCpu 100000 5
  main footprint dev.jitaccess.bench.Footprint 100000 1 classes
  main footprint-10 dev.jitaccess.bench.Footprint 100000 10
  main footprint-timers dev.jitaccess.bench.Footprint 100000 timers
else
  # 1e6 pending grants of about an hour: the first 60 s of expiries (the target row).
  main lateness dev.jitaccess.bench.ExpiryLateness 1000000 60 3600
  # Stress: all 1e6 expire within 60 s; again with ZGC to separate the engine from G1's young pauses.
  main lateness-stress dev.jitaccess.bench.ExpiryLateness 1000000 60 60
  main lateness-stress-zgc -XX:+UseZGC dev.jitaccess.bench.ExpiryLateness 1000000 60 60
  # A burst of 1e4 grants due in the same tick (after three warm-up bursts): the lateness target of a burst; then
  # one more burst with a thread checking an unrelated grant, quiet window against burst (rows in the same table).
  main lateness-burst dev.jitaccess.bench.ExpiryLateness burst 10000
  main idle dev.jitaccess.bench.IdleCpu
  main footprint dev.jitaccess.bench.Footprint 1000000 1 classes
  main footprint-10 dev.jitaccess.bench.Footprint 1000000 10 classes
  main footprint-timers dev.jitaccess.bench.Footprint 1000000 timers
fi

{
  echo "## Performance"
  echo
  echo "Machine: $(nproc) cores ($(lscpu 2>/dev/null | sed -n 's/^Model name: *//p'), shared, noisy), $(free -g | awk '/Mem:/ {print $2}') GiB;"
  echo "JDK: $(java -version 2>&1 | head -n 1); JMH 1.37; netty-common 4.1.137.Final; agrona 2.6.0. Date: $(date -u +%F)."
  echo "Command: \`jit-core/src/jmh/run-benchmarks.sh\` (JSON in \`$(basename "$out")/*.json\`). Load average at the end:"
  echo "$(cut -d' ' -f1-3 /proc/loadavg) (other sessions share the machine). Scores are medians of all measurement iterations."
  echo
  python3 "$here/ratios.py" "$out"
} > "$out/RESULTS.md"
echo "$(date +%T) done: $out/RESULTS.md"
