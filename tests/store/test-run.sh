#!/usr/bin/env bash
# vmcored run (the next-boot service) and vmcored upload's progress bar,
# with the file store and real dumps:
#  - kdump-utils (<ip>-<date>/vmcore + vmcore-dmesg.txt) and Debian
#    kdump-tools (<stamp>/dump.<stamp> + dmesg.<stamp>, here also an ELF
#    dump that makedumpfile filters) layouts are ingested; vmcore-incomplete
#    and log-only directories are ignored; the tools' files are never moved,
#    changed or deleted; a second pass ingests nothing again;
#  - store away during run --once: exit 4, all kept; run --once later stores
#    it, object for object what a direct collect stores;
#  - sd_notify with a real listener socket: READY, STATUS (scanning,
#    uploading N/M), WATCHDOG pings at the rate WATCHDOG_USEC asks;
#  - SIGTERM while a dump is being captured: EXTEND_TIMEOUT_USEC, STOPPING,
#    exit 0, nothing marked ingested; the next run ingests it whole;
#  - SIGTERM to the idle daemon: it stops at once;
#  - vmcored upload on a terminal draws a progress bar;
#  - a crash directory another process holds (flock) is left alone;
#  - fingerprint first (vmcored-kdump-pre, collect --fingerprint-only): the
#    crash waits for its dump, which run attaches on the next boot from the
#    directory kdump-tools saved, or stores it without one, saying why.
# Usage: test-run.sh VMCORED SHARED_DIR WORK_DIR
set -u
vmcored=$1 shared=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
fixtures=$shared/fixtures/vmcores

if [ ! -d "$fixtures" ]; then
        echo "SKIP: $fixtures is missing: the vmcored run tests did NOT run" >&2
        exit 77
fi
for tool in makedumpfile xz python3 sha256sum script flock; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed: the vmcored run tests did NOT run" >&2; exit 77; }
done
rm -rf "$work" && mkdir -p "$work"
listener=
cleanup() { [ -n "$listener" ] && kill "$listener" 2>/dev/null; }
trap cleanup EXIT

listen() { # listen NAME: a notification socket; sets $sock, $msgs
        [ -n "$listener" ] && kill "$listener" 2>/dev/null
        sock=$work/$1.sock msgs=$work/$1.msgs
        rm -f "$sock" "$msgs"
        exec 4< <(python3 "$here/notify-listen.py" "$sock" "$msgs")
        listener=$!
        read -r _ <&4
}
# Every file and directory below DIR but DIR itself (the spool is made in it).
snapshot() { (cd "$1" && find . -mindepth 1 -printf '%p %s %T@ %m\n' | sort && find . -type f -exec sha256sum {} + | sort); }

: >"$work/empty.conf"
crash=$work/crash
ku=$crash/127.0.0.1-2026-11-22-05:11:26
kt=$crash/202611220512
ke=$crash/202611220513
inc=$crash/127.0.0.1-2026-11-22-06:00:00
logonly=$crash/202611220514
mkdir -p "$ku" "$kt" "$ke" "$inc" "$logonly"
cp "$fixtures/BUG/vmcore" "$ku/vmcore"
cp "$fixtures/BUG/dmesg.txt" "$ku/vmcore-dmesg.txt"
cp "$fixtures/OOM/vmcore" "$kt/dump.202611220512"
cp "$fixtures/OOM/dmesg.txt" "$kt/dmesg.202611220512"
xz -dc "$fixtures/SYSRQ/vmcore.elf.xz" >"$ke/dump.202611220513"
cp "$fixtures/SYSRQ/dmesg.txt" "$ke/dmesg.202611220513"
head -c 3000000 "$fixtures/EXCEPTION/vmcore" >"$inc/vmcore-incomplete"
cp "$fixtures/EXCEPTION/dmesg.txt" "$inc/vmcore-dmesg.txt"
cp "$fixtures/WARNING/dmesg.txt" "$logonly/dmesg.202611220514"
snapshot "$crash" >"$work/before.snap"
spool=$crash/vmcored    # the default layout: the spool under the crash directory

# ---- store away: everything ingested into the spool, exit 4 ----
"$vmcored" run --once --config "$work/empty.conf" --crash-dir "$crash" --spool "$spool" \
        --store "file://$work/empty.conf/store" >"$work/away.out" 2>"$work/away.err"
check "store away: exit 4" test $? -eq 4 || sed 's/^/    /' "$work/away.err"
check "store away: three crashes in the spool" test "$(ls "$spool" | wc -l)" -eq 3
check "store away: incomplete dump ignored, said" grep -q "$inc: the dump is incomplete (vmcore-incomplete); ignored" "$work/away.err"
check "store away: log-only directory ignored, said" grep -q "$logonly: no dump, only a saved log; ignored" "$work/away.err"
check "store away: kdump-utils dump linked, not copied" test -L "$spool/$(ls "$spool" | head -1)/vmcore"

# ---- the store back: run --once stores all, object for object a direct collect's ----
"$vmcored" run --once --config "$work/empty.conf" --crash-dir "$crash" --spool "$spool" \
        --store "file://$work/store" >"$work/later.out" 2>"$work/later.err"
check "store back: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/later.err"
check "store back: three crash ids printed" test "$(wc -l <"$work/later.out")" -eq 3
check "store back: nothing ingested twice" test -z "$(grep ingesting "$work/later.err")"
for d in "$ku/vmcore" "$kt/dump.202611220512" "$ke/dump.202611220513"; do
        name=$(basename "$(dirname "$d")")
        "$vmcored" collect --config "$work/empty.conf" --vmcore "$d" --spool "$work/direct-spool-$name" \
                --store "file://$work/direct" >"$work/direct-$name.out" 2>/dev/null
        id=$(cat "$work/direct-$name.out")
        check "$name: same objects as a direct collect" diff -r "$work/direct/v1/crashes/$id" "$work/store/v1/crashes/$id"
        fp=$(json "$work/store/v1/crashes/$id/report.json" 'd["fingerprint"]')
        check "$name: same fingerprint record" cmp -s "$work/direct/v1/fingerprints/$fp/$id.json" "$work/store/v1/fingerprints/$fp/$id.json"
done
id=$(cat "$work/direct-202611220513.out")
check "ELF dump of kdump-tools: filtered by makedumpfile" \
        test "$(json "$work/store/v1/crashes/$id/MANIFEST.json" '(d["dump"]["format"], d["dump"]["dump_level"])')" = "('kdump-compressed', 31)"
snapshot "$crash" | grep -v '^\./vmcored' | grep -v ' \./vmcored/' >"$work/after.snap"
grep -v '^\./vmcored' "$work/before.snap" | grep -v ' \./vmcored/' >"$work/before-tools.snap"
check "the tools' files are untouched (names, sizes, times, modes, contents)" cmp -s "$work/before-tools.snap" "$work/after.snap"
"$vmcored" run --once --config "$work/empty.conf" --crash-dir "$crash" --spool "$spool" \
        --store "file://$work/store" >"$work/again.out" 2>"$work/again.err"
check "again: exit 0, nothing ingested, nothing printed" test $? -eq 0 -a ! -s "$work/again.out" -a -z "$(grep -E 'ingesting|ignored' "$work/again.err")"

# ---- sd_notify: READY, STATUS, WATCHDOG ----
crash2=$work/crash2 spool2=$work/spool2
mkdir -p "$crash2/127.0.0.1-2026-11-22-07:00:00"
cp "$fixtures/BUG/vmcore" "$crash2/127.0.0.1-2026-11-22-07:00:00/vmcore"
"$vmcored" run --once --config "$work/empty.conf" --crash-dir "$crash2" --spool "$spool2" \
        --store "file://$work/empty.conf/x" >/dev/null 2>&1  # spooled, the store away
listen notify
NOTIFY_SOCKET=$sock WATCHDOG_USEC=200000 sh -c 'WATCHDOG_PID=$$ exec "$0" "$@"' "$vmcored" run --once \
        --config "$work/empty.conf" --crash-dir "$crash2" --spool "$spool2" --store "file://$work/store2" \
        >/dev/null 2>"$work/notify.err"
check "notify: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/notify.err"
sleep 0.3
check "notify: READY=1 first" test "$(head -1 "$msgs" | cut -d'|' -f1)" = READY=1
check "notify: STATUS scanning" grep -q "^STATUS=scanning $crash2 for crashes" "$msgs"
check "notify: STATUS uploading 1/1" grep -q "^STATUS=uploading 1/1, 0%" "$msgs"
check "notify: STATUS done" grep -q "^STATUS=done: 1 stored, 0 left" "$msgs"

# WATCHDOG: the ingest of a slow capture pings while it waits.
mkdir -p "$work/slowbin" "$crash2/202611220800"
real=$(command -v makedumpfile)
printf '#!/bin/sh\nsleep "${SLOW:-2}"\nexec "%s" "$@"\n' "$real" >"$work/slowbin/makedumpfile"
chmod +x "$work/slowbin/makedumpfile"
cp "$ke/dump.202611220513" "$crash2/202611220800/dump.202611220800"
listen watchdog
SLOW=2 PATH=$work/slowbin:$PATH NOTIFY_SOCKET=$sock WATCHDOG_USEC=400000 sh -c 'WATCHDOG_PID=$$ exec "$0" "$@"' \
        "$vmcored" run --once --config "$work/empty.conf" --crash-dir "$crash2" --spool "$spool2" \
        --store "file://$work/store2" >/dev/null 2>"$work/watchdog.err"
check "watchdog: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/watchdog.err"
sleep 0.3
pings=$(grep -c '^WATCHDOG=1' "$msgs")
check "watchdog: pinged during a 2 s capture at 0.4 s WATCHDOG_USEC (got $pings)" test "$pings" -ge 5
check "watchdog: STATUS analyzing the dump" grep -q "^STATUS=analyzing $crash2/202611220800/dump.202611220800" "$msgs"

# ---- SIGTERM during a capture: safe stop, the next run does it whole ----
listen term
spool2=$work/spool2-term  # a spool that has not captured this dump yet
SLOW=30 PATH=$work/slowbin:$PATH NOTIFY_SOCKET=$sock "$vmcored" run --config "$work/empty.conf" --crash-dir "$crash2" \
        --spool "$spool2" --store "file://$work/store3" >/dev/null 2>"$work/term.err" &
pid=$!
for _ in $(seq 100); do grep -q "^STATUS=analyzing $crash2/202611220800" "$msgs" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
t0=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"
rc=$? t1=$(date +%s%N)
check "SIGTERM during capture: exit 0" test "$rc" -eq 0 || sed 's/^/    /' "$work/term.err"
check "SIGTERM during capture: stopped within 5 s ($(( (t1 - t0) / 1000000 )) ms)" test $(( (t1 - t0) / 1000000 )) -lt 5000
sleep 0.3
check "SIGTERM during capture: EXTEND_TIMEOUT_USEC sent" grep -q "^EXTEND_TIMEOUT_USEC=" "$msgs"
check "SIGTERM during capture: STOPPING=1 sent" grep -q "^STOPPING=1" "$msgs"
check "SIGTERM during capture: not marked ingested" test ! -e "$spool2/.ingested/202611220800"
"$vmcored" run --once --config "$work/empty.conf" --crash-dir "$crash2" --spool "$spool2" \
        --store "file://$work/store3" >"$work/term2.out" 2>"$work/term2.err"
check "after SIGTERM: the next run ingests and stores it (exit 0)" test $? -eq 0 || sed 's/^/    /' "$work/term2.err"
check "after SIGTERM: its crash complete" test -n "$(grep -l '"format": "kdump-compressed"' "$work"/store3/v1/crashes/*/MANIFEST.json 2>/dev/null)"

# ---- SIGTERM to the idle daemon ----
listen idle
NOTIFY_SOCKET=$sock "$vmcored" run --config "$work/empty.conf" --crash-dir "$crash2" --spool "$spool2" \
        --store "file://$work/store3" >/dev/null 2>"$work/idle.err" &
pid=$!
for _ in $(seq 100); do grep -q "^STATUS=idle" "$msgs" 2>/dev/null && break; sleep 0.1; done
check "idle: says so" grep -q "^STATUS=idle: every crash is stored" "$msgs"
kill -TERM "$pid"
wait "$pid"
check "idle: SIGTERM exits 0" test $? -eq 0

# ---- vmcored upload on a terminal: a progress bar ----
crash3=$work/crash3 spool3=$work/spool3
mkdir -p "$crash3/202611221000"
cp "$fixtures/BUG/vmcore" "$crash3/202611221000/dump.202611221000"
"$vmcored" run --once --config "$work/empty.conf" --crash-dir "$crash3" --spool "$spool3" \
        --store "file://$work/empty.conf/x" >/dev/null 2>&1
script -qec "$vmcored upload --config $work/empty.conf --spool $spool3 --store file://$work/store4" /dev/null \
        >"$work/tty.out" 2>&1
check "upload on a terminal: progress bar" grep -q "uploading 1/1 \[\.*\]   0%" "$work/tty.out"
"$vmcored" upload --config "$work/empty.conf" --spool "$spool3" --store "file://$work/store5" >/dev/null 2>"$work/notty.err"
check "upload without a terminal: no bar" test -z "$(grep -F '[' "$work/notty.err")"

# ---- one vmcored per crash: a crash another process holds is left alone ----
crash4=$work/crash4 spool4=$work/spool4
mkdir -p "$crash4/202611221100"
cp "$fixtures/OOM/vmcore" "$crash4/202611221100/dump.202611221100"
"$vmcored" run --once --config "$work/empty.conf" --crash-dir "$crash4" --spool "$spool4" \
        --store "file://$work/empty.conf/x" >/dev/null 2>&1
lid=$(ls "$spool4")
flock -x "$spool4/$lid" sleep 3 &
holder=$!
sleep 0.3
"$vmcored" upload --config "$work/empty.conf" --spool "$spool4" --store "file://$work/store6" >/dev/null 2>"$work/busy.err"
check "locked crash: upload exit 4" test $? -eq 4
check "locked crash: says another vmcored has it" grep -q "crash $lid: another vmcored is storing it; skipped" "$work/busy.err"
check "locked crash: nothing stored" test ! -e "$work/store6/v1/crashes/$lid"
wait "$holder"
"$vmcored" upload --config "$work/empty.conf" --spool "$spool4" --store "file://$work/store6" >/dev/null 2>"$work/busy2.err"
check "lock released: upload stores it" test $? -eq 0 -a -s "$work/store6/v1/crashes/$lid/MANIFEST.json"

# ---- fingerprint first (kdump_pre, or the kdump-tools capture unit), the dump by the kdump tool ----
crash5=$work/crash5 spool5=$work/spool5
mkdir -p "$work/hook" "$crash5"
ln -sf "$(cd "$(dirname "$vmcored")" && pwd)/$(basename "$vmcored")" "$work/hook/vmcored-kdump-pre"
"$work/hook/vmcored-kdump-pre" --config "$work/empty.conf" --vmcore "$ke/dump.202611220513" --spool "$spool5" \
        --store "file://$work/store7" >"$work/pre.out" 2>"$work/pre.err"
check "kdump_pre: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/pre.err"
pid5=$(cat "$work/pre.out")
check "kdump_pre: fingerprint, report and log stored at once" \
        test -s "$work/store7/v1/crashes/$pid5/report.json" -a -s "$work/store7/v1/crashes/$pid5/dmesg.txt" \
        -a -n "$(ls "$work/store7/v1/fingerprints/"*/"$pid5.json" 2>/dev/null)"
check "kdump_pre: no dump captured, not complete" \
        test ! -e "$spool5/$pid5/vmcore" -a ! -e "$work/store7/v1/crashes/$pid5/MANIFEST.json"
check "kdump_pre: the state says the kdump tool has the dump" \
        test "$(json "$spool5/$pid5/state.json" '(d["dump_elsewhere"], d["captured"])')" = "(True, False)"
PATH=/nonexistent "$work/hook/vmcored-kdump-pre" --config "$work/nonexistent.conf" --vmcore "$ke/dump.202611220513" \
        --spool "$spool5" >/dev/null 2>"$work/pre-bad.err"
check "kdump_pre: exit 0 even when collect fails (kdump must still save the dump)" test $? -eq 0
"$vmcored" upload --config "$work/empty.conf" --spool "$spool5" --store "file://$work/store7" >/dev/null 2>"$work/pre-upload.err"
check "upload before run: the crash waits for its dump (exit 4)" test $? -eq 4
check "upload before run: says so, stores nothing more" \
        test -n "$(grep "waiting for vmcored run to attach the dump" "$work/pre-upload.err")" -a ! -e "$work/store7/v1/crashes/$pid5/MANIFEST.json"
# kdump-tools saves the dump (makedumpfile -l -d 31, as its default
# core_collector) into /var/crash/<stamp>/.
mkdir -p "$crash5/202611221200"
makedumpfile -l -d 31 "$ke/dump.202611220513" "$crash5/202611221200/dump.202611221200" >/dev/null 2>&1
"$vmcored" run --once --config "$work/empty.conf" --crash-dir "$crash5" --spool "$spool5" \
        --store "file://$work/store7" >"$work/pre-run.out" 2>"$work/pre-run.err"
check "next boot: run --once attaches the kdump-tools dump to the crash (exit 0)" test $? -eq 0 || sed 's/^/    /' "$work/pre-run.err"
check "next boot: the same crash, no second one" test "$(ls "$work/store7/v1/crashes")" = "$pid5"
check "next boot: complete, with the dump kdump-tools saved" test \
        "$(json "$work/store7/v1/crashes/$pid5/MANIFEST.json" '(d["dump"]["format"], d["dump"]["source_format"])')" = \
        "('kdump-compressed', 'kdump-compressed')"
check "next boot: the stored report is the first one, and MANIFEST matches it" test \
        "$(json "$work/store7/v1/crashes/$pid5/MANIFEST.json" 'd["files"]["report.json"]["sha256"]')" = \
        "$(sha256sum <"$work/store7/v1/crashes/$pid5/report.json" | cut -d' ' -f1)"
check "next boot: the stored dump is kdump-tools' file" cmp -s "$work/store7/v1/crashes/$pid5/vmcore" "$crash5/202611221200/dump.202611221200"
# The kdump tool saved nothing: the next boot stores the crash without a dump, and says why.
crash6=$work/crash6 spool6=$work/spool6
mkdir -p "$crash6"
"$work/hook/vmcored-kdump-pre" --config "$work/empty.conf" --vmcore "$ku/vmcore" --spool "$spool6" \
        --store "file://$work/store8" >"$work/pre6.out" 2>/dev/null
"$vmcored" run --once --config "$work/empty.conf" --crash-dir "$crash6" --spool "$spool6" \
        --store "file://$work/store8" >/dev/null 2>"$work/pre6-run.err"
check "no dump saved by the tool: run --once exit 0" test $? -eq 0 || sed 's/^/    /' "$work/pre6-run.err"
check "no dump saved by the tool: stored without it, saying why" test \
        "$(json "$work/store8/v1/crashes/$(cat "$work/pre6.out")/MANIFEST.json" '(d["dump"], d["lost"])')" = \
        "(None, 'the dump: the kdump tool saved none that vmcored run found')"

# ---- a split set (makedumpfile --split): reassembled into the spool, the tool's files untouched ----
crash7=$work/crash7 spool7=$work/spool7
sp=$crash7/127.0.0.1-2026-11-22-13:00:00
mkdir -p "$sp" "$work/split-ref"
parts=()
for i in $(seq 1 11); do parts+=("$sp/vmcore-$i"); done
makedumpfile --split -l -d 31 "$fixtures/OOM/vmcore" "${parts[@]}" >/dev/null 2>&1
check "split set: makedumpfile --split made 11 files" test "$(ls "$sp" | wc -l)" -eq 11
cp "$fixtures/OOM/dmesg.txt" "$sp/vmcore-dmesg.txt"
makedumpfile --reassemble "${parts[@]}" "$work/split-ref/vmcore" >/dev/null 2>&1
snapshot "$crash7" >"$work/split-before.snap"
"$vmcored" run --once --config "$work/empty.conf" --crash-dir "$crash7" --spool "$spool7" \
        --store "file://$work/store9" >"$work/split.out" 2>"$work/split.err"
check "split set: run --once exit 0" test $? -eq 0 || sed 's/^/    /' "$work/split.err"
sid=$(cat "$work/split.out")
check "split set: said" grep -q "ingesting $sp: a split set of 11 files" "$work/split.err"
check "split set: one crash stored, complete" test -n "$sid" -a -s "$work/store9/v1/crashes/$sid/MANIFEST.json"
check "split set: the stored dump is the reassembled one, byte for byte" cmp -s "$work/store9/v1/crashes/$sid/vmcore" "$work/split-ref/vmcore"
"$vmcored" analyze --json "$fixtures/OOM/vmcore" >"$work/split-fixture.json" 2>/dev/null
"$vmcored" analyze --json "$work/store9/v1/crashes/$sid/vmcore" >"$work/split-stored.json" 2>/dev/null
split_want=$(json "$work/split-fixture.json" '(d["title"], d["fingerprint"], d["lines"])')
check "split set: the stored dump reads as the original (title, fingerprint, log lines: $split_want)" test \
        -n "$(json "$work/split-fixture.json" 'd["title"]')" -a \
        "$(json "$work/split-stored.json" '(d["title"], d["fingerprint"], d["lines"])')" = \
        "$(json "$work/split-fixture.json" '(d["title"], d["fingerprint"], d["lines"])')"
check "split set: the same crash id as the original dump's" test "$sid" = "$(cat "$work/direct-202611220512.out")"
check "split set: the spool holds its own dump (moved there, not a link)" test -f "$spool7/$sid/vmcore" -a ! -L "$spool7/$sid/vmcore"
check "split set: no reassembly left behind" test -z "$(ls -A "$spool7/.ingested" | grep -v '^127.0.0.1-2026-11-22-13:00:00$')"
check "split set: the state names the tool's directory" test "$(json "$spool7/$sid/state.json" 'd["tool_dir"]')" = "$sp"
snapshot "$crash7" >"$work/split-after.snap"
check "split set: the tool's files are untouched" cmp -s "$work/split-before.snap" "$work/split-after.snap"
# A damaged set: makedumpfile --reassemble fails; said once, with its output kept.
bs=$crash7/202611221301
mkdir -p "$bs"
cp "$sp/vmcore-1" "$bs/dump.202611221301-1"
head -c 4096 "$sp/vmcore-2" >"$bs/dump.202611221301-2"
"$vmcored" run --once --config "$work/empty.conf" --crash-dir "$crash7" --spool "$spool7" \
        --store "file://$work/store9" >"$work/split-bad.out" 2>"$work/split-bad.err"
check "damaged split set: run --once exit 0, nothing stored" test $? -eq 0 -a ! -s "$work/split-bad.out"
check "damaged split set: makedumpfile's failure said, with its output" \
        grep -q "makedumpfile --reassemble failed (exit status [0-9]*; its output is in $spool7/.ingested/.202611221301.makedumpfile.log)" "$work/split-bad.err"
check "damaged split set: could not be ingested, said how to try again" grep -q "could not be ingested (collect exit status 1); remove $spool7/.ingested/202611221301 to try again" "$work/split-bad.err"
check "damaged split set: no partial dump left" test ! -e "$spool7/.ingested/.202611221301.reassembled"
# Without a spool on disk there is nowhere to reassemble it.
crash8=$work/crash8
mkdir -p "$crash8/202611221400"
cp "$sp/vmcore-1" "$crash8/202611221400/dump.202611221400-1"
cp "$sp/vmcore-2" "$crash8/202611221400/dump.202611221400-2"
RUNTIME_DIRECTORY=$work/runtime "$vmcored" run --once --config "$work/empty.conf" --crash-dir "$crash8" --spool none \
        --store "file://$work/store10" >/dev/null 2>"$work/split-none.err"
check "split set, spool = none: ignored, said why" grep -q "$crash8/202611221400: a split dump set needs a spool on disk to be reassembled in (\[capture\] spool = none); ignored" "$work/split-none.err"

finish_test "run"
