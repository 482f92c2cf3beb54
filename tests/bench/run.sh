#!/bin/sh
# Runs every benchmark in tests/bench (from the checkout root; `make bench`
# calls it after building):
#   tests/bench/*.lua   with $BUILD/gazelab run FILE
#   tests/bench/*.sh    with sh FILE (except this runner)
# Each benchmark prints its own table; this script prints a closing line
# with the benchmarks that failed (missed a target or exited non-zero) and
# exits 1 when any did. Pass names to run a subset: sh tests/bench/run.sh similarity
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
GAZELAB=${GAZELAB:-$BUILD/gazelab}
export BUILD PYTHON GAZELAB
failed=""
ran=0
ARGS="$*"
for f in tests/bench/*.lua tests/bench/*.sh; do
    [ -f "$f" ] || continue
    name=$(basename "$f"); name=${name%.*}
    [ "$name" = run ] && continue
    if [ -n "$ARGS" ]; then
        case " $ARGS " in *" $name "*) ;; *) continue ;; esac
    fi
    echo "== $f"
    case "$f" in
        *.lua) "$GAZELAB" run "$f" ;;
        *.sh) sh "$f" ;;
    esac
    rc=$?
    ran=$((ran + 1))
    [ $rc -ne 0 ] && failed="$failed $name"
done
if [ -n "$failed" ]; then
    echo "benchmarks: $ran run, failed:$failed"
    exit 1
fi
echo "benchmarks: $ran run, all met their targets"
