#!/bin/sh
# Builds and runs tests/bench/multimatch_bench.c (multimatch, McGIP mode,
# full N x N matrix + per-pair time against the numpy peer).
# Usage: sh tests/bench/multimatch.sh [N] [THREADS] [PEER_PAIRS]   (from the checkout root)
set -e
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
make -s BUILD="$BUILD" all >/dev/null
cc -std=c11 -D_GNU_SOURCE -O2 -g -ffp-contract=off -pthread -Iruntime/core \
   -I/usr/include/cjson tests/bench/multimatch_bench.c "$BUILD"/obj/runtime/core/*.o \
   -lyaml -lpng16 -ljpeg -lcjson -lcairo -ldnnl -lm -lpthread -o "$BUILD/multimatch_bench"
exec "$BUILD/multimatch_bench" "${1:-700}" "${2:-2}" "${3:-2000}" "$PYTHON"
