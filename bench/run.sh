#!/usr/bin/env bash
# Runboard benchmarks: bench/run.sh [memory|latency|ingest|read|growth|purge|cluster|all] [--smoke] [--jfr]
# Builds the server jar (if older than the sources) and the bench classes, starts Runboard with a durable embedded
# PostgreSQL on 127.0.0.1 plus the baselines, drives them, stops everything and prints Markdown tables
# (also written to bench/target/results-*.md). See docs/benchmarks.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"

# The server is built from a private copy of pom.xml, src/main and webroot under bench/target/build, so that a
# concurrent build in the working tree (other engineers, CI) and the benchmark never race on target/.
build=bench/target/build
jar="$build/target/runboard.jar"
mkdir -p "$build"
if [ ! -f "$jar" ] || [ -n "$(find pom.xml src/main webroot -newer "$jar" -print -quit 2>/dev/null)" ]; then
  echo "bench: building the server jar (mvn package, tests skipped) in $build…" >&2
  rm -rf "$build/src" "$build/webroot"
  mkdir -p "$build/src"
  cp -r pom.xml "$build/"
  cp -r src/main "$build/src/main"
  if [ -d webroot ]; then cp -r webroot "$build/webroot"; else mkdir -p "$build/webroot"; fi
  # clean: a migration or resource renamed or removed in src/main must not linger in target/classes.
  (cd "$build" && mvn -q -B -DskipTests clean package)
fi
mkdir -p bench/target/classes
cp "$jar" bench/target/runboard.jar

sources=$(find bench/src -name '*.java')
if [ ! -f bench/target/classes/.built ] || [ -n "$(find bench/src bench/target/runboard.jar -newer bench/target/classes/.built -print -quit)" ]; then
  rm -rf bench/target/classes && mkdir -p bench/target/classes
  # shellcheck disable=SC2086
  javac --release 17 -Xlint:all,-classfile -Werror -cp bench/target/runboard.jar -d bench/target/classes $sources
  touch bench/target/classes/.built
fi

# 10,000 idle SSE connections need 10,000 descriptors in the load generator and in each server.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 12000 ]; then
  echo "bench: warning: open-file limit $(ulimit -n) is below 12,000; the memory scenario needs more" >&2
fi

cp="bench/target/classes:bench/target/runboard.jar"
exec java -Xmx3g -XX:+UseG1GC -cp "$cp" dev.runboard.bench.Bench "$repo" bench/target/runboard.jar "$repo/$cp" \
  "${@:-all}"
