#!/bin/sh
# make demo: the main job on the built-in synthetic reader study.
# Runs recipes/quickstart.lua when it exists; until then the end-to-end
# gaze part of the pipeline: synthetic study -> gaze relations -> pair
# diagnostics -> pictures.
set -e
BUILD=${1:-build}
G="$BUILD/gazelab"
if [ -f recipes/quickstart.lua ]; then
    exec "$G" run recipes/quickstart.lua
fi
OUT=runs/demo
mkdir -p "$OUT"
"$G" synth mammo --n 300 --seed 1 --out "$OUT/data"
for scheme in multimatch tima; do
    case $scheme in multimatch) keys="preset=mcgip" ;; *) keys="" ;; esac
    # shellcheck disable=SC2086
    "$G" sim $scheme --manifest "$OUT/data/manifest.yaml" -o "$OUT/R_$scheme.npy" $keys
    echo "== $scheme: pair diagnostics at 600 pairs"
    "$G" pairs "$OUT/R_$scheme.npy" --count 600 --manifest "$OUT/data/manifest.yaml"
    "$G" viz relation "$OUT/R_$scheme.npy" -o "$OUT/R_$scheme.png"
done
"$G" viz scanpath "$OUT/data/images/0000.png" "$OUT/data/gaze/0000.json" -o "$OUT/scanpath_0000.png"
echo "demo: results in $OUT"
