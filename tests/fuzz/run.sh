#!/bin/sh
# Runs libFuzzer harnesses one after the other (called by `make fuzz`):
#   sh tests/fuzz/run.sh BUILD SECONDS TARGET...
# Each target fuzz_NAME starts from a corpus in BUILD/corpus/NAME seeded
# with tests/fuzz/seeds/NAME and the matching files of tests/data and
# ../shared/testdata, plus tests/fuzz/regressions/NAME; crashes go to BUILD/artifacts/NAME/. One job,
# one worker (the machine is shared). The last "#N DONE cov: ... ft: ..."
# line of each run is collected in BUILD/fuzz-summary.txt.
set -u
build=$1; secs=$2; shift 2
shared=${GZ_SHARED:-../shared}
summary="$build/fuzz-summary.txt"
: >"$summary"
seed() { # seed NAME PATTERN...
    name=$1; shift
    dir="$build/corpus/$name"
    mkdir -p "$dir"
    [ -d "tests/fuzz/seeds/$name" ] && cp tests/fuzz/seeds/"$name"/* "$dir/" 2>/dev/null
    for pat in "$@"; do
        find tests/data "$shared/testdata" -type f -name "$pat" -size -256k 2>/dev/null |
            while read -r f; do cp "$f" "$dir/seed-$(echo "$f" | tr '/' '_')"; done
    done
}
status=0
for t in "$@"; do
    name=${t#fuzz_}
    case $name in
        image) seed image '*.png' '*.jpg' ;;
        npy) seed npy '*.npy' ;;
        yaml) seed yaml '*.yaml' '*.json' ;;
        manifest) seed manifest '*.yaml' ;;
        gaze_json) seed gaze_json '*.json' ;;
        gaze_table) seed gaze_table '*.tsv' '*.csv' '*.txt' ;;
        gaze_lines) seed gaze_lines 'mcgip*.txt' '*lines*' ;;
        recipe) seed recipe '*.lua'; cp recipes/*.lua "$build/corpus/recipe/" 2>/dev/null ;;
        *) mkdir -p "$build/corpus/$name" ;;
    esac
    mkdir -p "$build/artifacts/$name" "tests/fuzz/regressions/$name"
    log="$build/fuzz-$name.log"
    echo "fuzz $name: ${secs}s"
    # run inside BUILD so that libFuzzer's job log (fuzz-0.log) lands there
    top=$(pwd)
    (cd "$build" && "./fuzz/$t" "corpus/$name" "$top/tests/fuzz/regressions/$name" \
        -max_total_time="$secs" -jobs=1 -workers=1 -timeout=20 -rss_limit_mb=4096 \
        -artifact_prefix="artifacts/$name/" -print_final_stats=1 \
        >"fuzz-$name.log.out" 2>&1)
    rc=$?
    [ -f "$build/fuzz-0.log" ] && mv "$build/fuzz-0.log" "$log"
    [ -f "$log" ] || mv "$log.out" "$log"
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    execs=$(grep -E '^stat::number_of_executed_units' "$log" | tail -n 1 | awk '{print $2}')
    echo "$name: rc=$rc execs=${execs:-?} last: $last" | tee -a "$summary"
    [ $rc -eq 0 ] || status=1
    ls "$build/artifacts/$name" 2>/dev/null | sed "s/^/    artifact: /"
done
exit $status
