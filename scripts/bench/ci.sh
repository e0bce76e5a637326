#!/usr/bin/env bash
# CI: a small `make bench` (5,000 cases, short throughput levels) so the benchmark keeps working.
# Ratios are printed, not asserted: a shared CI machine's timings say little. Needs DATABASE_URL
# (PostgreSQL; the benchmark creates its own database catalogue_bench_5000 beside it).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${DATABASE_URL:?set DATABASE_URL to the CI PostgreSQL}"
export BENCH_CASES=${BENCH_CASES:-5000} BENCH_ROUNDS=${BENCH_ROUNDS:-5} BENCH_SECONDS=${BENCH_SECONDS:-2}
export BENCH_OUR_PORT=${BENCH_OUR_PORT:-8201} BENCH_DATASETTE_PORT=${BENCH_DATASETTE_PORT:-8202}
make bench
