#!/usr/bin/env bash
# Scores vmcored's crash titles on syzkaller's corpus of 747 real kernel
# logs with shared/tools/score-titles, and fails below the floor.
# Usage: score-corpus.sh VMCORED SHARED_DIR OUT_DIR
#
# The floor only goes up: it is the score reached so far (747/747).
set -u

FLOOR=100.0
vmcored=$1
shared=${VMCORED_SHARED_DIR:-$2}
out=$3

if [ ! -x "$shared/tools/score-titles" ] || [ ! -d "$shared/corpus/syzkaller-linux" ]; then
        echo "************************************************************************"
        echo "SKIP: $shared/corpus/syzkaller-linux not found."
        echo "      The syzkaller title corpus is NOT scored in this run."
        echo "************************************************************************"
        exit 77
fi
if ! command -v python3 >/dev/null; then
        echo "SKIP: python3 is needed to run score-titles" >&2
        exit 77
fi

mkdir -p "$out"
"$shared/tools/score-titles" \
        --cmd "$vmcored analyze --json {}" \
        --jobs "$(nproc)" \
        --mismatches "$out/score-titles-mismatches.tsv" \
        --summary-json "$out/score-titles-summary.json" \
        --min-exact "$FLOOR"
status=$?
if [ "$status" -ne 0 ]; then
        echo "corpus: exact-title score is below the floor of $FLOOR%; mismatches:"
        head -40 "$out/score-titles-mismatches.tsv"
        echo "corpus: 0 passed, 1 failed"
else
        echo "corpus: 1 passed, 0 failed"
fi
exit "$status"
