#!/usr/bin/env bash
# Fetches the Kafka broker's jars (infra/kafka/pom.xml) from Maven Central into
# infra/kafka/.broker/libs, through the ~/.m2 cache. Idempotent: does nothing when the jars of the
# current pom.xml are already there (a stamp holds the pom's hash, so editing the pom refetches).
# Safe to run concurrently: jars land in a temporary folder that is renamed into place.
set -euo pipefail
kafka_dir="$(cd "$(dirname "$0")/.." && pwd)"
broker_dir="$kafka_dir/.broker"
libs="$broker_dir/libs"
stamp="$libs/.pom-sha256"

for tool in java mvn; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "kafka: '$tool' is not on PATH; the broker needs Java 17+ and Maven (apt-get install openjdk-17-jre-headless maven)" >&2
    exit 1
  fi
done

want="$(sha256sum "$kafka_dir/pom.xml" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && compgen -G "$libs/kafka_2.13-*.jar" >/dev/null; then
  echo "kafka: broker jars already in ${libs#"$PWD"/} (skipped)"
  exit 0
fi

started_ms=$(date +%s%3N)
mkdir -p "$broker_dir"
tmp="$(mktemp -d "$broker_dir/libs.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# -q: only errors; Debian's Maven prints colour resets even with -B, so strip escape codes.
mvn -q -B -Dstyle.color=never -f "$kafka_dir/pom.xml" dependency:copy-dependencies "-Dbroker.libs=$tmp" 2>&1 |
  sed 's/\x1b\[[0-9;]*m//g'
chmod 755 "$tmp"
echo "$want" >"$tmp/.pom-sha256"

# Replace whatever was there (a partial or older set) in one rename; a concurrent fetch that won the
# race leaves complete jars too, so losing it is harmless.
old="$broker_dir/libs.old.$$"
if [ -d "$libs" ]; then mv "$libs" "$old"; fi
mv "$tmp" "$libs" 2>/dev/null || true
rm -rf "$old"
trap - EXIT
rm -rf "$tmp"

count=$(find "$libs" -name '*.jar' | wc -l)
elapsed_ms=$(( $(date +%s%3N) - started_ms ))
printf 'kafka: fetched %s jars into %s in %d.%01ds\n' "$count" "${libs#"$PWD"/}" $((elapsed_ms / 1000)) $(((elapsed_ms % 1000) / 100))
