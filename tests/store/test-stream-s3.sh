#!/usr/bin/env bash
# No disk for the dump, into S3 (Ceph radosgw on 127.0.0.1):
#  - [capture] spool = none: report and log go to the spool in memory
#    ($RUNTIME_DIRECTORY), makedumpfile -F streams into a multipart upload;
#    MANIFEST says flattened and streamed, its SHA-256 and size are those of
#    the stored object, and vmcored analyze reads the stored dump to the
#    same title (makedumpfile -R restores a kdump-compressed file).
#  - a part answered 500 while streaming is sent again from memory;
#  - makedumpfile failing in the middle leaves no dump object and no open
#    multipart upload, and the crash is stored as "no dump";
#  - disk full (a small tmpfs spool): during capture the dump is streamed
#    instead; at a lower dump level it is first retried at level 31 and the
#    state says what was lost; with the store away too, the report and log
#    are kept and the state says the dump was lost; a spool already full
#    before the crash moves report and log to the spool in memory.
# Usage: test-stream-s3.sh VMCORED SHARED_DIR WORK_DIR
set -u
vmcored=$1 shared=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
fixtures=$shared/fixtures/vmcores

if [ ! -d "$fixtures" ]; then
        echo "SKIP: $fixtures is missing: the streaming tests did NOT run" >&2
        exit 77
fi
for tool in radosgw ceph-mon ceph-osd curl makedumpfile xz python3 sha256sum; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed: the streaming tests did NOT run" >&2; exit 77; }
done
rm -rf "$work" && mkdir -p "$work"
rgw=$work/rgw
mounts=()
cleanup() {
        [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
        for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
        bash "$here/radosgw.sh" stop "$rgw"
}
trap cleanup EXIT
bash "$here/radosgw.sh" start "$rgw" >/dev/null || { echo "FAIL: radosgw did not start"; exit 1; }
. "$rgw/env"


xz -dc "$fixtures/SYSRQ/vmcore.elf.xz" >"$work/sysrq.elf"
printf 'access_key = %s\nsecret_key = %s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$work/s3.cred"
chmod 0600 "$work/s3.cred"
base="[store]\nallow_http = yes\ncredentials = $work/s3.cred\n[upload]\nretries = 2\n"
printf "$base[capture]\nspool = none\n" >"$work/none.conf"
printf "$base" >"$work/disk.conf"
printf "$base[capture]\ndump_level = 1\n" >"$work/level1.conf"
"$vmcored" analyze --json "$work/sysrq.elf" >"$work/sysrq.json"
title=$(json "$work/sysrq.json" 'd["title"]')

# ---- [capture] spool = none ----
RUNTIME_DIRECTORY=$work/rt "$vmcored" collect --config "$work/none.conf" --store "$(store none)" \
        --vmcore "$work/sysrq.elf" >"$work/none.out" 2>"$work/none.err"
check "spool = none: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/none.err"
id=$(cat "$work/none.out")
check "spool = none: says it streams" grep -q "streaming the dump to s3://" "$work/none.err"
check "spool = none: report and log in the spool in memory" test -s "$work/rt/spool/$id/report.json" -a -s "$work/rt/spool/$id/dmesg.txt"
check "spool = none: no dump written locally" test -z "$(find "$work/rt" -name 'vmcore*')"
for f in MANIFEST.json vmcore report.json; do s3 GET "none/v1/crashes/$id/$f" -o "$work/none-$f"; done
check "spool = none: MANIFEST says flattened, streamed" \
        test "$(json "$work/none-MANIFEST.json" '(d["dump"]["format"], d["dump"]["streamed"], d["dump"]["dump_level"])')" = "('flattened', True, 31)"
check "spool = none: stored dump matches MANIFEST SHA-256 and size" test \
        "$(json "$work/none-MANIFEST.json" '(d["files"]["vmcore"]["sha256"], d["files"]["vmcore"]["size"])')" = \
        "('$(sha256sum <"$work/none-vmcore" | cut -d' ' -f1)', $(stat -c %s "$work/none-vmcore"))"
check "spool = none: the dump went as a multipart upload" grep -q "vmcore: 16 MiB sent\|parts\|MiB/s" "$work/none.err"
"$vmcored" analyze --json "$work/none-vmcore" >"$work/none-analyze.json" 2>/dev/null
check "spool = none: analyze reads the stored flattened dump" \
        test "$(json "$work/none-analyze.json" '(d["dump"]["format"], d["title"])')" = "('flattened', '$title')"
makedumpfile -R "$work/none-restored" <"$work/none-vmcore" >/dev/null 2>&1
check "spool = none: makedumpfile -R restores it" \
        test "$("$vmcored" analyze --json "$work/none-restored" | python3 -c 'import json,sys; print(json.load(sys.stdin)["title"])')" = "$title"
check "spool = none: record says the dump is stored" \
        test "$(s3 GET "none/v1/fingerprints/$(json "$work/sysrq.json" 'd["fingerprint"]')/$id.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["dump"])')" = True
check "spool = none: state complete, streamed" \
        test "$(json "$work/rt/spool/$id/state.json" '(d["complete"], d["streamed"])')" = "(True, True)"
check "spool = none: no upload left open" no_uploads_open

# ---- a part answered 500 while streaming: sent again from memory ----
start_proxy 'PUT:partNumber=2&:500:1'
RUNTIME_DIRECTORY=$work/rt500 "$vmcored" collect --config "$work/none.conf" --store "$(store s500 "$proxy")" \
        --vmcore "$work/sysrq.elf" >"$work/s500.out" 2>"$work/s500.err"
check "stream, 500 on part 2: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/s500.err"
check "stream, 500 on part 2: part sent again" grep -q "part 2): attempt 1 of 3: HTTP 500" "$work/s500.err"
check "stream, 500 on part 2: stored dump equals the other stream" \
        cmp -s <(s3 GET "s500/v1/crashes/$(cat "$work/s500.out")/vmcore") "$work/none-vmcore"

# ---- makedumpfile fails in the middle: nothing of the dump is kept ----
mkdir -p "$work/badbin"
real=$(command -v makedumpfile)
# The real makedumpfile, cut off after 20 MB and failing, as a crashed one would.
printf '#!/bin/sh\n"%s" "$@" | head -c 20000000\nexit 1\n' "$real" >"$work/badbin/makedumpfile"
chmod +x "$work/badbin/makedumpfile"
RUNTIME_DIRECTORY=$work/rtbad PATH=$work/badbin:$PATH "$vmcored" collect --config "$work/none.conf" \
        --store "$(store bad)" --vmcore "$work/sysrq.elf" >"$work/bad.out" 2>"$work/bad.err"
check "makedumpfile fails mid-stream: exit 5 (no dump)" test $? -eq 5 || sed 's/^/    /' "$work/bad.err"
bid=$(ls "$work/rtbad/spool")
check "makedumpfile fails mid-stream: no dump object" test -z "$(s3 GET "?list-type=2&prefix=bad%2Fv1%2Fcrashes%2F$bid%2Fvmcore" | grep -o '<Key>[^<]*')"
check "makedumpfile fails mid-stream: no upload left open" no_uploads_open
s3 GET "bad/v1/crashes/$bid/MANIFEST.json" -o "$work/bad-MANIFEST.json"
check "makedumpfile fails mid-stream: crash stored without the dump" test "$(json "$work/bad-MANIFEST.json" 'd["dump"]')" = None
check "makedumpfile fails mid-stream: state says what was lost" grep -q '"lost": "the dump' "$work/rtbad/spool/$bid/state.json"

# ---- disk full ----
tmpfs() { # tmpfs DIR SIZE: a small disk for the spool
        mkdir -p "$1" && mount -t tmpfs -o "size=$2" tmpfs "$1" && mounts+=("$1")
}
if ! tmpfs "$work/probe-mount" 1m; then
        echo "SKIP: cannot mount a tmpfs (not root?): the disk-full tests did NOT run" >&2
else
        # Room for report and log (and more than 4 MiB free), not for the dump.
        tmpfs "$work/full" 8m
        "$vmcored" collect --config "$work/disk.conf" --store "$(store full)" --vmcore "$work/sysrq.elf" \
                --spool "$work/full" >"$work/full.out" 2>"$work/full.err"
        check "disk full during capture: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/full.err"
        fid=$(cat "$work/full.out")
        check "disk full during capture: says so" grep -q "no space left on device" "$work/full.err"
        check "disk full during capture: streamed instead" grep -q "the spool's disk is full: streaming the dump" "$work/full.err"
        check "disk full during capture: report and log kept" test -s "$work/full/$fid/report.json" -a -s "$work/full/$fid/dmesg.txt"
        check "disk full during capture: no partial dump left" test -z "$(ls "$work/full/$fid" | grep vmcore)"
        s3 GET "full/v1/crashes/$fid/vmcore" -o "$work/full-vmcore"
        check "disk full during capture: the stored dump is the stream's" cmp -s "$work/full-vmcore" "$work/none-vmcore"
        check "disk full during capture: state complete, streamed" \
                test "$(json "$work/full/$fid/state.json" '(d["complete"], d["streamed"])')" = "(True, True)"

        # Dump level 1 does not fit, level 31 does: retried, and the state
        # says so. A 1 GiB guest made from the fixture (its free and cache
        # pages filled): 475 MB at level 1, 66 MB at level 31.
        python3 "$here/../bench/make-big-elf.py" "$work/sysrq.elf" "$work/big1.elf" --size-gib 1 >/dev/null
        tmpfs "$work/level" 100m
        "$vmcored" collect --config "$work/level1.conf" --store "$(store level)" --vmcore "$work/big1.elf" \
                --spool "$work/level" >"$work/level.out" 2>"$work/level.err"
        check "disk full at level 1: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/level.err"
        lid=$(cat "$work/level.out")
        check "disk full at level 1: retried at 31" grep -q "trying again at dump level 31" "$work/level.err"
        check "disk full at level 1: state says the level lost" \
                test "$(json "$work/level/$lid/state.json" '(d["dump_level"], d["lost"])')" = \
                "(31, \"the spool's disk was full: the dump was captured at dump level 31, not 1\")"
        s3 GET "level/v1/crashes/$lid/MANIFEST.json" -o "$work/level-MANIFEST.json"
        check "disk full at level 1: MANIFEST says so too" \
                test "$(json "$work/level-MANIFEST.json" '(d["dump"]["dump_level"], d["lost"] is not None)')" = "(31, True)"
        rm -f "$work/big1.elf"

        # Disk full and the store away: report and log kept, the dump lost, said.
        tmpfs "$work/away" 8m
        "$vmcored" collect --config "$work/disk.conf" --store "$(store away http://127.0.0.1:9)" \
                --vmcore "$work/sysrq.elf" --spool "$work/away" >"$work/away.out" 2>"$work/away.err"
        check "disk full, store away: exit 4" test $? -eq 4 || sed 's/^/    /' "$work/away.err"
        aid=$(ls "$work/away" | head -1)
        check "disk full, store away: report and log kept" test -s "$work/away/$aid/report.json" -a -s "$work/away/$aid/dmesg.txt"
        check "disk full, store away: the user is told what was lost" \
                grep -q "lost: the dump: the spool's disk is full and the store was away" "$work/away.err"
        check "disk full, store away: state says so" \
                test "$(json "$work/away/$aid/state.json" '(d["dump"], d["lost"])')" = \
                "('failed', \"the dump: the spool's disk is full and the store was away\")"
        "$vmcored" upload --config "$work/disk.conf" --store "$(store away)" --spool "$work/away" \
                >/dev/null 2>"$work/away-upload.err"
        check "disk full, store away: vmcored upload later stores the crash" test $? -eq 0 || sed 's/^/    /' "$work/away-upload.err"
        s3 GET "away/v1/crashes/$aid/MANIFEST.json" -o "$work/away-MANIFEST.json"
        check "disk full, store away: MANIFEST says no dump, and why" \
                test "$(json "$work/away-MANIFEST.json" '(d["dump"], d["lost"])')" = \
                "(None, \"the dump: the spool's disk is full and the store was away\")"

        # Full before the crash: report and log go to the spool in memory.
        tmpfs "$work/before" 2m
        head -c 1500000 /dev/zero >"$work/before/filler"
        RUNTIME_DIRECTORY=$work/rtbefore "$vmcored" collect --config "$work/disk.conf" --store "$(store before)" \
                --vmcore "$work/sysrq.elf" --spool "$work/before" >"$work/before.out" 2>"$work/before.err"
        check "disk full before: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/before.err"
        check "disk full before: says so" grep -q "spool $work/before: the disk is full; report and log kept in $work/rtbefore/spool" "$work/before.err"
        check "disk full before: crash complete in the store" \
                test "$(s3 GET "before/v1/crashes/$(cat "$work/before.out")/MANIFEST.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["dump"]["format"])')" = flattened
fi
check "no upload left open at the end" no_uploads_open

finish_test "stream-s3"
