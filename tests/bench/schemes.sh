#!/bin/sh
# Builds and runs tests/bench/schemes_bench.c: moments, dhash, tima full
# N x N matrices through the relation engine, and per-record / per-pair
# times against the numpy peer tests/bench/schemes_peer.py.
# Usage: sh tests/bench/schemes.sh [N] [THREADS] [M] [K] [CASES]   (from the checkout root)
set -e
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
make -s BUILD="$BUILD" all >/dev/null
cc -std=c11 -D_GNU_SOURCE -O2 -g -ffp-contract=off -pthread -Iruntime/core \
   tests/bench/schemes_bench.c "$BUILD"/obj/runtime/core/*.o \
   -lyaml -lpng16 -ljpeg -lcjson -lcairo -ldnnl -lm -lpthread -o "$BUILD/schemes_bench"
exec "$BUILD/schemes_bench" "${1:-700}" "${2:-2}" "${3:-100}" "${4:-2000}" "$PYTHON" \
     "${5:-moments-heat,dhash-heat,moments-raw,dhash-raw,tima-raw}"
