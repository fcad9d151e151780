#!/usr/bin/env bash
# vmcored collect into the file:// store, on the real fixtures: the SYSRQ
# ELF dump stands in for /proc/vmcore (makedumpfile filters it), the BUG
# kdump-compressed dump for a dump kdump already saved (copied as it is).
# The store layout, the report equal to `vmcored analyze` of the same dump,
# the stored dump read back with the same title, every SHA-256 against
# MANIFEST, no duplicate on a second collect, the dump policies, and what
# is kept when makedumpfile or the store fails. Objects read back whole and
# from an offset, and listed, through the store code (store-get).
# Usage: test-collect-file.sh VMCORED SHARED_DIR WORK_DIR STORE_GET
set -u
vmcored=$1 shared=$2 work=$3 store_get=$4 store_put=$5
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
fixtures=$shared/fixtures/vmcores

if [ ! -d "$fixtures" ]; then
        echo "SKIP: $fixtures is missing: the collect tests did NOT run" >&2
        exit 77
fi
for tool in makedumpfile xz python3 sha256sum; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed: the collect tests did NOT run" >&2; exit 77; }
done
rm -rf "$work" && mkdir -p "$work"


xz -dc "$fixtures/SYSRQ/vmcore.elf.xz" >"$work/sysrq.elf"
printf '# defaults\n' >"$work/empty.conf"

# collect NAME EXPECTED_STATUS ARGS...: output in $work/NAME.{out,err}
collect() {
        local name=$1 want=$2 got
        shift 2
        "$vmcored" collect --config "$work/empty.conf" "$@" >"$work/$name.out" 2>"$work/$name.err"
        got=$?
        if [ "$got" -eq "$want" ]; then ok "$name: exit $want"; else bad "$name: exit $got, want $want"; sed 's/^/    /' "$work/$name.err"; fi
}

# ---- the ELF dump: filtered by makedumpfile ----
store=$work/store spool=$work/spool
collect elf 0 --vmcore "$work/sysrq.elf" --spool "$spool" --store "file://$store"
id=$(cat "$work/elf.out")
check "elf: crash id printed ($id)" grep -qE '^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{12}$' "$work/elf.out"
crash=$store/v1/crashes/$id
for f in report.json dmesg.txt vmcore MANIFEST.json; do
        check "elf: $f stored" test -s "$crash/$f"
done
"$vmcored" analyze --json "$work/sysrq.elf" >"$work/elf.analyze.json"
fp=$(json "$work/elf.analyze.json" 'd["fingerprint"]')
record=$store/v1/fingerprints/$fp/$id.json
check "elf: fingerprint record v1/fingerprints/$fp/$id.json" test -s "$record"
check "elf: record says the dump is stored" test "$(json "$record" 'd["dump"]')" = True
check "elf: record title" test "$(json "$record" 'd["title"]')" = "$(json "$work/elf.analyze.json" 'd["title"]')"
check "elf: record kernel" test "$(json "$record" 'd["kernel"]')" = 6.1.0-56-amd64
check "elf: record host id is a hash" grep -qE '"host":"[0-9a-f]{16}"' "$record"
check "elf: report equals analyze of the same dump (title, fingerprint, panic)" test \
        "$(json "$crash/report.json" '(d["title"], d["fingerprint"], d["panic"]["registers"]["rip"], d["dump"]["crash_time"])')" = \
        "$(json "$work/elf.analyze.json" '(d["title"], d["fingerprint"], d["panic"]["registers"]["rip"], d["dump"]["crash_time"])')"
"$vmcored" dmesg --kernel "$work/sysrq.elf" >"$work/elf.dmesg"
check "elf: dmesg.txt is the dump's log" cmp -s "$crash/dmesg.txt" "$work/elf.dmesg"
"$vmcored" analyze --json "$crash/vmcore" >"$work/elf.stored.json"
check "elf: stored dump is kdump-compressed" test "$(json "$work/elf.stored.json" 'd["dump"]["format"]')" = kdump-compressed
check "elf: stored dump gives the same title" test "$(json "$work/elf.stored.json" 'd["title"]')" = "$(json "$work/elf.analyze.json" 'd["title"]')"
for f in report.json dmesg.txt vmcore; do
        check "elf: $f SHA-256 and size match MANIFEST" test \
                "$(sha256sum <"$crash/$f" | cut -d' ' -f1) $(stat -c %s "$crash/$f")" = \
                "$(json "$crash/MANIFEST.json" "d['files']['$f']['sha256'] + ' ' + str(d['files']['$f']['size'])")"
done
check "elf: MANIFEST dump level and compression" test "$(json "$crash/MANIFEST.json" '(d["dump"]["dump_level"], d["dump"]["compression"])')" = "(31, 'lzo')"
check "elf: spool keeps the crash" test -s "$spool/$id/vmcore" -a -s "$spool/$id/report.json"
check "elf: makedumpfile's output kept" test -f "$spool/$id/makedumpfile.log"
check "elf: fingerprint stored before the dump" grep -q "fingerprint $fp of crash $id stored" "$work/elf.err"

# A second collect of the same dump adds nothing.
collect again 0 --vmcore "$work/sysrq.elf" --spool "$spool" --store "file://$store"
check "again: says the crash is already complete" grep -q "already complete" "$work/again.err"
check "again: prints the crash id" test "$(cat "$work/again.out")" = "$id"
check "again: still one crash" test "$(ls "$store/v1/crashes" | wc -l)" -eq 1
# The spool directory gone (cleaned by hand), the same dump collected again:
# the crash is complete in the store, and a later upload must not store its
# record or MANIFEST over again (they would say "no dump").
cp "$record" "$work/record.before"
rm -rf "${spool:?}/$id"
collect again-fresh 0 --vmcore "$work/sysrq.elf" --spool "$spool" --store "file://$store"
check "again, spool gone: already complete" grep -q "already complete" "$work/again-fresh.err"
check "again, spool gone: the state says complete" test "$(json "$spool/$id/state.json" 'd["complete"]')" = True
"$vmcored" upload --config "$work/empty.conf" --spool "$spool" --store "file://$store" >"$work/again-upload.out" 2>"$work/again-upload.err"
check "again, spool gone, then upload: nothing stored over" \
        test $? -eq 0 -a ! -s "$work/again-upload.out"
check "again, spool gone, then upload: the record unchanged (dump stored)" cmp -s "$record" "$work/record.before"
check "again: still one record" test "$(ls "$store/v1/fingerprints/$fp" | wc -l)" -eq 1

# ---- a saved kdump-compressed dump: stored as it is ----
collect saved 0 --vmcore "$fixtures/BUG/vmcore" --spool "$spool" --store "file://$store"
id2=$(cat "$work/saved.out")
check "saved: the dump stored byte for byte" cmp -s "$store/v1/crashes/$id2/vmcore" "$fixtures/BUG/vmcore"
check "saved: MANIFEST says kdump-compressed, not refiltered" test \
        "$(json "$store/v1/crashes/$id2/MANIFEST.json" '(d["dump"]["format"], d["dump"]["source_format"], d["dump"]["dump_level"])')" = \
        "('kdump-compressed', 'kdump-compressed', None)"
check "saved: report from the dump names the module RIP" test \
        "$(json "$store/v1/crashes/$id2/report.json" 'd["panic"]["ip_symbol"]')" = "lkdtm_BUG+0x5/0x10 [lkdtm]"

# ---- reading back and listing (store-get) ----
head -c $(((5 << 20) + 7)) /dev/urandom >"$work/get.in"
mkdir -p "$store/s" && cp "$work/get.in" "$store/s/get"
check_reads "get" "$work/get.in" s/get "$store_get" --config "$work/empty.conf" --store "file://$store"
check_list "list a crash" "MANIFEST.json dmesg.txt report.json vmcore" \
        "$store_get" --config "$work/empty.conf" --store "file://$store" "v1/crashes/$id"
check_list "list a fingerprint's records" "$id.json" "$store_get" --config "$work/empty.conf" --store "file://$store" \
        "v1/fingerprints/$fp"
check_list "list a missing prefix: empty" "" "$store_get" --config "$work/empty.conf" --store "file://$store" v1/none
check_same_key "same key" t/same "$store_put" "$store_get" --config "$work/empty.conf" --store "file://$store"
check "same key: no temporary file left" test -z "$(ls -A "$store/t" | grep tmp)"

# ---- dump policies ----
printf '[upload]\ndump = never\n' >"$work/never.conf"
"$vmcored" collect --config "$work/never.conf" --vmcore "$work/sysrq.elf" --spool "$work/spool-never" --store "file://$work/store-never" >"$work/never.out" 2>"$work/never.err"
check "never: exit 0" test $? -eq 0
id3=$(cat "$work/never.out")
check "never: no dump stored or captured" test ! -e "$work/store-never/v1/crashes/$id3/vmcore" -a ! -e "$work/spool-never/$id3/vmcore"
check "never: MANIFEST without a dump" test "$(json "$work/store-never/v1/crashes/$id3/MANIFEST.json" 'd["dump"]')" = None
check "never: record says no dump" test "$(json "$work/store-never/v1/fingerprints/$fp/$id3.json" 'd["dump"]')" = False
# unknown: another crash of this fingerprint already has its dump stored.
mkdir -p "$work/store-unknown/v1/fingerprints/$fp"
printf '{"crash_id":"20260101T000000Z-000000000000","dump":true}' >"$work/store-unknown/v1/fingerprints/$fp/20260101T000000Z-000000000000.json"
printf '[upload]\ndump = unknown\ndumps_per_fingerprint = 1\n' >"$work/unknown.conf"
"$vmcored" collect --config "$work/unknown.conf" --vmcore "$work/sysrq.elf" --spool "$work/spool-unknown" --store "file://$work/store-unknown" >"$work/unknown.out" 2>"$work/unknown.err"
check "unknown: exit 0" test $? -eq 0
check "unknown: a known fingerprint's dump is not taken" test ! -e "$work/store-unknown/v1/crashes/$(cat "$work/unknown.out")/vmcore"
check "unknown: says why" grep -q "holds 1 dumps of fingerprint $fp" "$work/unknown.err"
mkdir -p "$work/store-unknown2/v1/fingerprints/$fp"
cp "$work/store-unknown/v1/fingerprints/$fp/20260101T000000Z-000000000000.json" "$work/store-unknown2/v1/fingerprints/$fp/"
printf '[upload]\ndump = unknown\ndumps_per_fingerprint = 2\n' >"$work/unknown2.conf"
"$vmcored" collect --config "$work/unknown2.conf" --vmcore "$work/sysrq.elf" --spool "$work/spool-unknown2" --store "file://$work/store-unknown2" >"$work/unknown2.out" 2>/dev/null
check "unknown: below the limit the dump is taken" test -s "$work/store-unknown2/v1/crashes/$(cat "$work/unknown2.out")/vmcore"

# ---- failures: clear message, exit code, the spool keeps what was made ----
PATH=/nonexistent "$vmcored" collect --config "$work/empty.conf" --vmcore "$work/sysrq.elf" --spool "$work/spool-nomdf" --store "file://$work/store-nomdf" >"$work/nomdf.out" 2>"$work/nomdf.err"
check "no makedumpfile: exit 5" test $? -eq 5
check "no makedumpfile: says so" grep -q "makedumpfile is not installed" "$work/nomdf.err"
nid=$(ls "$work/spool-nomdf")
check "no makedumpfile: fingerprint and report stored anyway" test -s "$work/store-nomdf/v1/crashes/$nid/report.json" -a -s "$work/store-nomdf/v1/fingerprints/$fp/$nid.json"
# The dump cannot come later (/proc/vmcore is gone after the reboot): the
# crash is stored complete, and MANIFEST says it has no dump.
check "no makedumpfile: MANIFEST says there is no dump" \
        test "$(json "$work/store-nomdf/v1/crashes/$nid/MANIFEST.json" 'd["dump"]')" = None
check "no makedumpfile: no dump stored" test ! -e "$work/store-nomdf/v1/crashes/$nid/vmcore"
collect nostore 4 --vmcore "$work/sysrq.elf" --spool "$work/spool-nostore" --store "file://$work/sysrq.elf/store"
sid=$(ls "$work/spool-nostore")
check "store away: everything kept in the spool" test -s "$work/spool-nostore/$sid/vmcore" -a -s "$work/spool-nostore/$sid/report.json"
check "store away: says where it stays" grep -q "everything stays in $work/spool-nostore/$sid" "$work/nostore.err"
check "store away: the state records the attempt" test \
        "$(json "$work/spool-nostore/$sid/state.json" '(d["complete"], d["captured"], d["attempts"] >= 1, bool(d["last_error"]))')" = \
        "(False, True, True, True)"
# ... and a later `vmcored upload` stores it: the same objects as a direct collect.
"$vmcored" upload --config "$work/empty.conf" --spool "$work/spool-nostore" --store "file://$work/store-later" \
        >"$work/later.out" 2>"$work/later.err"
check "upload later: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/later.err"
check "upload later: prints the crash id" test "$(cat "$work/later.out")" = "$sid"
check "upload later: same crash id as the direct collect" test "$sid" = "$id"
check "upload later: same objects as a direct collect" diff -r "$store/v1/crashes/$id" "$work/store-later/v1/crashes/$sid"
check "upload later: same fingerprint record" cmp -s "$store/v1/fingerprints/$fp/$id.json" \
        "$work/store-later/v1/fingerprints/$fp/$sid.json"
check "upload later: state complete" test "$(json "$work/spool-nostore/$sid/state.json" 'd["complete"]')" = True
"$vmcored" upload --config "$work/empty.conf" --spool "$work/spool-nostore" --store "file://$work/store-later" \
        >"$work/later2.out" 2>"$work/later2.err"
check "upload again: nothing left, nothing printed" test $? -eq 0 -a ! -s "$work/later2.out"
"$vmcored" upload --config "$work/empty.conf" --spool "$work/spool-nostore" --store "file://$work/sysrq.elf/x" \
        >/dev/null 2>&1
check "upload with the store away: nothing to do is still exit 0" test $? -eq 0
# ---- kill -9 during the capture ----
mkdir -p "$work/slowbin"
# The real makedumpfile, then a wait: collect is killed with the capture
# written but not yet known to be whole.
printf '#!/bin/sh\n"%s" "$@"\nsleep 30\n' "$(command -v makedumpfile)" >"$work/slowbin/makedumpfile"
chmod +x "$work/slowbin/makedumpfile"
for then in collect upload; do
        PATH=$work/slowbin:$PATH "$vmcored" collect --config "$work/empty.conf" --vmcore "$work/sysrq.elf" \
                --spool "$work/spool-kc-$then" --store "file://$work/store-kc-$then" >/dev/null 2>"$work/kc-$then.err" &
        kpid=$!
        for _ in $(seq 200); do ls "$work/spool-kc-$then"/*/vmcore-incomplete >/dev/null 2>&1 && break; sleep 0.05; done
        sleep 1
        kill -9 "$kpid"; wait "$kpid" 2>/dev/null
        pkill -f "$work/slowbin/makedumpfile"
        kid=$(ls "$work/spool-kc-$then")
        check "kill -9 during capture: state says not captured" test "$(json "$work/spool-kc-$then/$kid/state.json" 'd["captured"]')" = False
done
"$vmcored" collect --config "$work/empty.conf" --vmcore "$work/sysrq.elf" --spool "$work/spool-kc-collect" \
        --store "file://$work/store-kc-collect" >/dev/null 2>"$work/kc-collect2.err"
check "kill -9 during capture, collect again: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/kc-collect2.err"
check "kill -9 during capture, collect again: captured again, same objects as a direct collect" \
        diff -r "$store/v1/crashes/$id" "$work/store-kc-collect/v1/crashes/$id"
check "kill -9 during capture, collect again: no partial file left" test ! -e "$work/spool-kc-collect/$id/vmcore-incomplete"
"$vmcored" upload --config "$work/empty.conf" --spool "$work/spool-kc-upload" --store "file://$work/store-kc-upload" \
        >/dev/null 2>"$work/kc-upload2.err"
check "kill -9 during capture, upload on the next boot: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/kc-upload2.err"
check "kill -9 during capture, upload on the next boot: stored without the dump, saying why" test \
        "$(json "$work/store-kc-upload/v1/crashes/$id/MANIFEST.json" '(d["dump"], d["lost"])')" = \
        "(None, 'the dump: collect was stopped before its capture finished')"
check "kill -9 during capture, upload on the next boot: no partial dump stored" test ! -e "$work/store-kc-upload/v1/crashes/$id/vmcore"

printf '[capture]\ndump_level = 99\n' >"$work/bad.conf"
"$vmcored" collect --config "$work/bad.conf" --vmcore "$work/sysrq.elf" >/dev/null 2>"$work/badconf.err"
check "bad config: exit 1" test $? -eq 1
check "bad config: names file, line and key" grep -q "bad.conf:2: \[capture\] dump_level" "$work/badconf.err"
head -c 65536 /dev/urandom >"$work/random"
collect notadump 1 --vmcore "$work/random" --spool "$work/spool-random" --store "file://$work/store-random"
check "not a dump: says so" grep -q "not a crash dump" "$work/notadump.err"
collect nofile 1 --vmcore "$work/no-such-file" --spool "$work/spool-random" --store "file://$work/store-random"
"$vmcored" collect --bogus >/dev/null 2>&1
check "usage error: exit 2" test $? -eq 2

finish_test "collect-file"
