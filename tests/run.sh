#!/bin/sh
# Runs every C test (build/tests/test_*) and Lua test (tests/lua/test_*.lua)
# and prints the closing line "N passed, M failed, K skipped".
# A test program that dies or exits non-zero without reporting a failure
# counts as one failure. Exit status 1 when anything failed.
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
GAZELAB=${GAZELAB:-$BUILD/gazelab}
export BUILD PYTHON GAZELAB
export GZ_SHARED=${GZ_SHARED:-../shared}
log=$(mktemp)
tmpout=$(mktemp)
failed_programs=0
run_one() {
    name=$1; shift
    "$@" >"$tmpout" 2>"$tmpout.err"
    rc=$?
    cat "$tmpout" >>"$log"
    grep -E '^(ok|FAIL|skip) ' "$tmpout"
    if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$tmpout"; then
        echo "FAIL $name: exited with status $rc"
        echo "FAIL $name: exited with status $rc" >>"$log"
        sed 's/^/    /' "$tmpout.err" | tail -n 20
    elif [ -s "$tmpout.err" ] && [ -n "$GZ_TEST_VERBOSE" ]; then
        sed 's/^/    /' "$tmpout.err"
    fi
    if grep -q '^FAIL ' "$tmpout"; then
        sed 's/^/    stderr: /' "$tmpout.err" | tail -n 10
    fi
}
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "$t" "$t"
done
for t in tests/lua/test_*.lua; do
    [ -f "$t" ] || continue
    run_one "$t" "$GAZELAB" run "$t"
done
passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^FAIL ' "$log")
skipped=$(grep -c '^skip ' "$log")
rm -f "$log" "$tmpout" "$tmpout.err"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
