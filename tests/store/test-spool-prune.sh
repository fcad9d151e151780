#!/usr/bin/env bash
# The spool does not fill the disk, and loses nothing doing so (file store,
# real dumps):
#  - [capture] keep_days: a crash the store has whole leaves the spool that
#    many days after it was stored; younger ones stay; its .ingested mark
#    stays, so the kdump tool's dump is not ingested again;
#  - a crash the store does not have whole is never removed, however old,
#    given up or not;
#  - [capture] keep_size: over it, the longest stored crashes go first, and
#    links to kdump tools' dumps count nothing;
#  - a crash another vmcored holds (flock) is left alone;
#  - [capture] delete_ingested: the kdump tool's dump and saved log are
#    deleted once the store has the dump, with the directory when it is
#    then empty; other files keep it; a split set's files all go; with
#    [upload] dump = never the dump is kept; the default deletes nothing;
#  - bad values are refused with the file, line and key.
# Usage: test-spool-prune.sh VMCORED SHARED_DIR WORK_DIR
set -u
vmcored=$1 shared=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
fixtures=$shared/fixtures/vmcores

if [ ! -d "$fixtures" ]; then
        echo "SKIP: $fixtures is missing: the spool pruning tests did NOT run" >&2
        exit 77
fi
for tool in python3 flock du; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed: the spool pruning tests did NOT run" >&2; exit 77; }
done
rm -rf "$work" && mkdir -p "$work"

# conf NAME LINES...: a configuration file with [capture] lines.
conf() { local f=$work/$1.conf; shift; printf '[capture]\n' >"$f"; printf '%s\n' "$@" >>"$f"; echo "$f"; }
# age DIR DAYS: the crash in DIR was spooled and stored DAYS days ago.
age() {
        python3 - "$1/state.json" "$2" <<'EOF'
import json, sys, time
p, days = sys.argv[1], float(sys.argv[2])
d = json.load(open(p))
d["updated"] = d["created"] = int(time.time() - days * 86400)
json.dump(d, open(p, "w"))
EOF
}
# collect_into SPOOL STORE KIND: a direct collect of a fixture; prints the id.
collect_into() { "$vmcored" collect --config "$work/empty.conf" --vmcore "$fixtures/$3/vmcore" --spool "$1" --store "$2" 2>/dev/null; }
: >"$work/empty.conf"
store=file://$work/store

# ---- keep_days ----
crash=$work/crash spool=$work/crash/vmcored
ku=$crash/127.0.0.1-2026-11-22-05:11:26 kt=$crash/202611220512
mkdir -p "$ku" "$kt"
cp "$fixtures/BUG/vmcore" "$ku/vmcore"
cp "$fixtures/BUG/dmesg.txt" "$ku/vmcore-dmesg.txt"
cp "$fixtures/OOM/vmcore" "$kt/dump.202611220512"
cp "$fixtures/OOM/dmesg.txt" "$kt/dmesg.202611220512"
"$vmcored" run --once --config "$work/empty.conf" --crash-dir "$crash" --spool "$spool" --store "$store" \
        >"$work/run1.out" 2>"$work/run1.err"
check "run --once: exit 0, both stored" test $? -eq 0 -a "$(wc -l <"$work/run1.out")" -eq 2 || sed 's/^/    /' "$work/run1.err"
check "default keep_days 7: both stay in the spool after they are stored" test "$(ls "$spool" | wc -l)" -eq 2
check "default: the tools' dumps are not deleted" test -s "$ku/vmcore" -a -s "$kt/dump.202611220512"
old=$(sed -n 1p "$work/run1.out") young=$(sed -n 2p "$work/run1.out")
age "$spool/$old" 8
age "$spool/$young" 6.9
"$vmcored" upload --config "$work/empty.conf" --spool "$spool" --store "$store" >/dev/null 2>"$work/up1.err"
check "upload: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/up1.err"
check "stored 8 days ago: removed" test ! -e "$spool/$old"
check "stored 8 days ago: said, with the setting" grep -q "crash $old: removed from the spool (.* MiB), stored 8 days ago (\[capture\] keep_days = 7)" "$work/up1.err"
check "stored 6.9 days ago: kept" test -s "$spool/$young/state.json"
check "the store still has the removed crash whole" test -s "$work/store/v1/crashes/$old/MANIFEST.json" -a -s "$work/store/v1/crashes/$old/vmcore"
check "the .ingested marks stay" test "$(ls "$spool/.ingested" | wc -l)" -eq 2
check "the kdump tools' dumps are untouched (only links were removed)" cmp -s "$ku/vmcore" "$fixtures/BUG/vmcore"
"$vmcored" run --once --config "$work/empty.conf" --crash-dir "$crash" --spool "$spool" --store "$store" \
        >"$work/run2.out" 2>"$work/run2.err"
check "run again: nothing ingested again, nothing stored again" \
        test $? -eq 0 -a ! -s "$work/run2.out" -a -z "$(grep -E 'ingesting' "$work/run2.err")" -a ! -e "$spool/$old"
# keep_size counts a crash's own files (report, log, state: some KiB), not
# the 16 MiB dump of kdump-tools its vmcore links to.
"$vmcored" upload --config "$(conf links "keep_size = 1M")" --spool "$spool" --store "$store" >/dev/null 2>"$work/links.err"
check "keep_size = 1M: an ingested crash stays (a link to the tool's dump counts nothing)" \
        test -s "$spool/$young/state.json" -a -L "$spool/$young/vmcore"
"$vmcored" upload --config "$(conf links2 "keep_size = 1K")" --spool "$spool" --store "$store" >/dev/null 2>"$work/links2.err"
check "keep_size = 1K: its own files do not fit, it goes; the tool's dump stays" \
        test ! -e "$spool/$young" -a -s "$kt/dump.202611220512"

# ---- never a crash the store does not have whole ----
spool2=$work/spool2
away=$(collect_into "$spool2" "file://$work/empty.conf/x" WARNING)
check "store away: the crash is spooled" test -s "$spool2/$away/vmcore"
age "$spool2/$away" 100
"$vmcored" upload --config "$(conf zero keep_days=0 keep_size=1)" --spool "$spool2" \
        --store "file://$work/empty.conf/x" >/dev/null 2>"$work/away.err"
check "store away, 100 days old, keep_days = 0, keep_size = 1: still there whole" \
        test -s "$spool2/$away/vmcore" -a -s "$spool2/$away/report.json"
check "store away: not said to be removed" test -z "$(grep 'removed from the spool' "$work/away.err")"

# ---- keep_size: the longest stored go first ----
spool3=$work/spool3 store=file://$work/store3   # a store without them: each has its dump in the spool
a=$(collect_into "$spool3" "$store" BUG)
b=$(collect_into "$spool3" "$store" WARNING)
c=$(collect_into "$spool3" "$store" SOFTLOCKUP)
check "three crashes collected and stored, each with its dump in the spool" \
        test -n "$a" -a -n "$b" -a -n "$c" -a "$(ls "$spool3" | wc -l)" -eq 3 -a -s "$spool3/$a/vmcore" -a -s "$spool3/$b/vmcore" -a -s "$spool3/$c/vmcore"
age "$spool3/$a" 3
age "$spool3/$b" 5
age "$spool3/$c" 1
kib() { du -sk "$1" | cut -f1; }
ka=$(kib "$spool3/$a") kb=$(kib "$spool3/$b") kc=$(kib "$spool3/$c")
# Room for the two youngest only: b (5 days) goes, a and c stay.
limit=$(( ka + kc + 64 ))
"$vmcored" upload --config "$(conf size "keep_size = ${limit}K")" --spool "$spool3" --store "$store" >/dev/null 2>"$work/size.err"
check "keep_size: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/size.err"
check "keep_size: the longest stored is removed" test ! -e "$spool3/$b"
check "keep_size: the two others fit and stay" test -d "$spool3/$a" -a -d "$spool3/$c"
check "keep_size: the summary says what was freed" grep -q "spool $spool3: 1 stored crash removed, .* MiB freed" "$work/size.err"
check "keep_size: said, with the sizes" grep -q "crash $b: removed from the spool (.* MiB), the stored crashes in the spool took .* MiB (\[capture\] keep_size = .* MiB)" "$work/size.err"
limit=$(( kc + 64 ))
"$vmcored" upload --config "$(conf size2 "keep_size = $(( limit * 1024 ))")" --spool "$spool3" --store "$store" >/dev/null 2>"$work/size2.err"
check "keep_size in bytes: then a goes, c (the youngest) stays" test ! -e "$spool3/$a" -a -d "$spool3/$c"

# ---- a held crash is left alone ----
flock -x "$spool3/$c" sleep 2 &
holder=$!
sleep 0.3
"$vmcored" upload --config "$(conf zero2 keep_days=0)" --spool "$spool3" --store "$store" >/dev/null 2>&1
check "held by another vmcored: not removed" test -d "$spool3/$c"
wait "$holder"
"$vmcored" upload --config "$(conf zero3 keep_days=0)" --spool "$spool3" --store "$store" >/dev/null 2>"$work/zero.err"
check "released, keep_days = 0: removed at the next pass" test ! -e "$spool3/$c"
check "the spool directory itself stays" test -d "$spool3"

# ---- delete_ingested ----
crash4=$work/crash4 spool4=$work/crash4/vmcored
ku4=$crash4/127.0.0.1-2026-11-22-07:00:00 kt4=$crash4/202611220700 kn4=$crash4/202611220701
mkdir -p "$ku4" "$kt4" "$kn4"
cp "$fixtures/BUG/vmcore" "$ku4/vmcore"
cp "$fixtures/BUG/dmesg.txt" "$ku4/vmcore-dmesg.txt"
cp "$fixtures/OOM/vmcore" "$kt4/dump.202611220700"
cp "$fixtures/OOM/dmesg.txt" "$kt4/dmesg.202611220700"
echo "kexec -p ..." >"$kt4/kexec_cmd"   # a file vmcored does not know
del=$(conf del "delete_ingested = yes")
"$vmcored" run --once --config "$del" --crash-dir "$crash4" --spool "$spool4" --store "file://$work/store4" \
        >"$work/del.out" 2>"$work/del.err"
check "delete_ingested: run --once exit 0, two stored" test $? -eq 0 -a "$(wc -l <"$work/del.out")" -eq 2 || sed 's/^/    /' "$work/del.err"
for id in $(cat "$work/del.out"); do
        check "delete_ingested: the store has $id's dump whole first" \
                test "$(json "$work/store4/v1/crashes/$id/MANIFEST.json" 'd["files"]["vmcore"]["sha256"]')" = \
                "$(sha256sum <"$work/store4/v1/crashes/$id/vmcore" | cut -d' ' -f1)"
done
check "delete_ingested: kdump-utils' directory (dump and log) is gone" test ! -e "$ku4"
check "delete_ingested: kdump-tools' dump and log are gone" test ! -e "$kt4/dump.202611220700" -a ! -e "$kt4/dmesg.202611220700"
check "delete_ingested: a file it does not know keeps the directory" test -s "$kt4/kexec_cmd"
check "delete_ingested: said" test "$(grep -c 'which the store has (\[capture\] delete_ingested)' "$work/del.err")" -eq 2
check "delete_ingested: the stored dump is the tool's (equal to the fixture)" \
        cmp -s "$work/store4/v1/crashes/$(sed -n 1p "$work/del.out")/vmcore" "$fixtures/BUG/vmcore"
# A split set: its files and log go once the store has the reassembled dump.
if command -v makedumpfile >/dev/null; then
        ks4=$crash4/127.0.0.1-2026-11-22-07:30:00
        mkdir -p "$ks4"
        makedumpfile --split -l -d 31 "$fixtures/EXCEPTION/vmcore" "$ks4/vmcore-1" "$ks4/vmcore-2" "$ks4/vmcore-3" >/dev/null 2>&1
        cp "$fixtures/EXCEPTION/dmesg.txt" "$ks4/vmcore-dmesg.txt"
        "$vmcored" run --once --config "$del" --crash-dir "$crash4" --spool "$spool4" --store "file://$work/store4" \
                >"$work/delsplit.out" 2>"$work/delsplit.err"
        sid=$(cat "$work/delsplit.out")
        check "delete_ingested, split set: stored whole" test -n "$sid" -a -s "$work/store4/v1/crashes/$sid/vmcore" \
                -a -s "$work/store4/v1/crashes/$sid/MANIFEST.json" || sed 's/^/    /' "$work/delsplit.err"
        check "delete_ingested, split set: its 3 files, log and directory are gone" test ! -e "$ks4"
        check "delete_ingested, split set: said" grep -q "crash $sid: deleted $ks4, its dump (3 files) and log" "$work/delsplit.err"
        check "delete_ingested, split set: the spool keeps its own copy" test -s "$spool4/$sid/vmcore"
else
        echo "SKIP: makedumpfile is not installed: the split-set deletion was NOT tested" >&2
fi
# [upload] dump = never: the store has no dump, so the tool's is kept.
cp "$fixtures/WARNING/vmcore" "$kn4/dump.202611220701"
printf '[capture]\ndelete_ingested = yes\n[upload]\ndump = never\n' >"$work/never.conf"
"$vmcored" run --once --config "$work/never.conf" --crash-dir "$crash4" --spool "$spool4" --store "file://$work/store4" \
        >"$work/never.out" 2>"$work/never.err"
check "dump = never: stored without the dump" test $? -eq 0 -a -s "$work/store4/v1/crashes/$(cat "$work/never.out")/MANIFEST.json" \
        -a ! -e "$work/store4/v1/crashes/$(cat "$work/never.out")/vmcore"
check "dump = never: the tool's dump is kept" cmp -s "$kn4/dump.202611220701" "$fixtures/WARNING/vmcore"

# ---- bad values ----
printf '[capture]\nkeep_size = 12X\n' >"$work/bad1.conf"
"$vmcored" check-config --config "$work/bad1.conf" >/dev/null 2>"$work/bad1.err"
check "keep_size = 12X: exit 1, file, line and key named" \
        test $? -eq 1 -a -n "$(grep -F "$work/bad1.conf:2: [capture] keep_size: '12X' is not a size" "$work/bad1.err")"
printf '[capture]\nkeep_days = -1\n' >"$work/bad2.conf"
"$vmcored" check-config --config "$work/bad2.conf" >/dev/null 2>"$work/bad2.err"
check "keep_days = -1: refused" test $? -eq 1 -a -n "$(grep -F "[capture] keep_days: '-1' is not a number" "$work/bad2.err")"
printf '[capture]\nkeep_size = 1.5G\n' >"$work/bad3.conf"
"$vmcored" check-config --config "$work/bad3.conf" >/dev/null 2>&1
check "keep_size = 1.5G: refused" test $? -eq 1
printf '[capture]\nkeep_size = 3GiB\nkeep_days = 0\ndelete_ingested = yes\n' >"$work/good.conf"
"$vmcored" check-config --config "$work/good.conf" >"$work/good.out" 2>&1
check "check-config shows the settings in effect" \
        test -n "$(grep -x 'keep_size = 3221225472' "$work/good.out")" -a -n "$(grep -x 'keep_days = 0' "$work/good.out")" \
        -a -n "$(grep -x 'delete_ingested = yes' "$work/good.out")"
"$vmcored" check-config --config "$work/empty.conf" >"$work/defaults.out" 2>&1
check "check-config: the defaults (7 days, 2 GiB, no)" \
        test -n "$(grep -x 'keep_size = 2147483648' "$work/defaults.out")" -a -n "$(grep -x 'keep_days = 7' "$work/defaults.out")" \
        -a -n "$(grep -x 'delete_ingested = no' "$work/defaults.out")"

finish_test "spool-prune"
