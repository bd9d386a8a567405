#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs one libFuzzer target for a bounded time on the generator's seeds.
#   run-fuzzer.sh FUZZER SEEDS_TOOL kling|kirin WORKDIR DICT [SECONDS]
# FUZZ_SECONDS in the environment overrides SECONDS (default 60).
set -eu
fuzzer=$1 seeds=$2 dialect=$3 dir=$4 dict=$5
seconds=${FUZZ_SECONDS:-${6:-60}}
mkdir -p "$dir/corpus" "$dir/artifacts"
"$seeds" "$dialect" "$dir/seeds" 400
echo "fuzzing $dialect for $seconds s; corpus $dir/corpus, crashes in $dir/artifacts"
exec "$fuzzer" -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=2048 -timeout=10 \
  -dict="$dict" -artifact_prefix="$dir/artifacts/" -print_final_stats=1 "$dir/corpus" "$dir/seeds"
