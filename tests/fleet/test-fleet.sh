#!/usr/bin/env bash
# The fleet commands (vmcored top, list, show, fetch, index) on one store
# backend, filled by real `vmcored collect` runs on the fixtures (one of them
# streamed without a spool: a flattened dump) and by synthetic records
# (populate.py: N crashes over F fingerprints, default 10,000 / 500):
#  - top and list, with and without the index, with the inbox tail, against
#    an independent computation (check-fleet.py): counts, grouping, hosts,
#    first/last seen, kernels, known issues, dumps, ordering, the JSON
#    members; filters --since, --kernel, --host, --fingerprint, --limit; TSV;
#  - index: the inbox emptied into one segment per day; records added later
#    are read from the inbox, then compacted; two indexers and a writer at
#    once lose nothing, and a reader running meanwhile never misses a record;
#  - show of a crash and of a fingerprint; fetch: verified files, a second
#    fetch that downloads nothing, a download continued from NAME.part, the
#    flattened dump reassembled (equal to makedumpfile -R), a damaged stored
#    object reported (exit 1, NAME.damaged) and never passed as good.
# Usage: test-fleet.sh VMCORED SHARED_DIR WORK_DIR file|s3|https|sftp [CRASHES]
set -u
vmcored=$1 shared=$2 work=$3 backend=$4 crashes=${5:-10000}
here=$(cd "$(dirname "$0")" && pwd)
stores=$(cd "$here/../store" && pwd)
. "$stores/lib.sh"
fixtures=$shared/fixtures/vmcores
if [ ! -d "$fixtures" ]; then
        echo "SKIP: $fixtures is missing: the fleet tests ($backend) did NOT run" >&2
        exit 77
fi
need="python3 makedumpfile xz"
case $backend in
s3) need="$need radosgw ceph-mon ceph-osd curl" ;;
https) need="$need nginx openssl" ;;
sftp) need="$need /usr/sbin/sshd ssh-keygen" ;;
esac
for tool in $need; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed: the fleet tests ($backend) did NOT run" >&2; exit 77; }
done
rm -rf "$work" && mkdir -p "$work"
populate() { python3 "$here/populate.py" "$@"; }
server_cleanup=:
trap 'eval "$server_cleanup"' EXIT

# ---- the store: URL for vmcored ($url, $conf), and where populate.py writes ($fill) ----
conf=$work/store.conf
case $backend in
file)
        url=file://$work/store fill=$url
        printf '[store]\nurl = %s\n' "$url" >"$conf"
        ;;
s3)
        bash "$stores/radosgw.sh" start "$work/rgw" >/dev/null || { echo "FAIL: radosgw did not start"; exit 1; }
        server_cleanup='bash "$stores/radosgw.sh" stop "$work/rgw"'
        . "$work/rgw/env"
        url=$(store fleet)
        fill=$url
        export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY
        printf '[store]\nurl = %s\n' "$url" >"$conf"
        printf 'access_key = %s\nsecret_key = %s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$work/s3.cred"
        chmod 0600 "$work/s3.cred"
        printf 'credentials = %s\nallow_http = yes\n' "$work/s3.cred" >>"$conf"
        ;;
https)
        port=$(bash "$stores/https-server.sh" start "$work/srv" "pw-$$" "T0KEN-$$") ||
                { echo "FAIL: nginx did not start"; exit 1; }
        server_cleanup='bash "$stores/https-server.sh" stop "$work/srv"'
        url=https://127.0.0.1:$port/basic/fleet fill=file://$work/srv/www/basic/fleet
        printf 'user = crash\npassword = pw-%s\n' "$$" >"$work/https.cred" && chmod 0600 "$work/https.cred"
        printf '[store]\nurl = %s\nca_file = %s\ncredentials = %s\n' "$url" "$work/srv/ca.crt" "$work/https.cred" >"$conf"
        ;;
sftp)
        bash "$stores/sshd-server.sh" start "$work/srv" >/dev/null || { echo "FAIL: sshd did not start"; exit 1; }
        server_cleanup='bash "$stores/sshd-server.sh" stop "$work/srv"'
        . "$work/srv/env"
        url=sftp://$SFTP_USER@$SFTP_HOST:$SFTP_PORT$SFTP_ROOT/fleet fill=file://$SFTP_ROOT/fleet
        printf '[store]\nurl = %s\nssh_key = %s\nssh_host_key = %s\n' "$url" "$SFTP_KEY" \
                "$SFTP_HOST_KEY_FINGERPRINT" >"$conf"
        ;;
*)
        echo "usage: $0 VMCORED SHARED_DIR WORK_DIR file|s3|https|sftp [CRASHES]" >&2
        exit 2
        ;;
esac
printf '[upload]\nretries = 2\n' >>"$conf"
v() { "$vmcored" "$@" --config "$conf"; }
# The store's objects under a prefix (populate's view, or the server's files).
count_under() {
        if [ "$backend" = s3 ]; then
                python3 - "$1" <<'PY'
import os, subprocess, sys, re, urllib.parse
prefix = urllib.parse.quote("fleet/" + sys.argv[1] + "/", safe="")
n, token = 0, None
while True:
    q = "list-type=2&prefix=" + prefix + ("&continuation-token=" + urllib.parse.quote(token, safe="") if token else "")
    out = subprocess.run(["curl", "-sS", "--fail", "--aws-sigv4", "aws:amz:%s:s3" % os.environ["S3_REGION"],
                          "--user", os.environ["S3_ACCESS_KEY"] + ":" + os.environ["S3_SECRET_KEY"],
                          "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-G",
                          os.environ["S3_ENDPOINT"] + "/" + os.environ["S3_BUCKET"] + "?" + q],
                         capture_output=True, text=True, check=True).stdout
    n += len(re.findall("<Key>", out))
    m = re.search("<NextContinuationToken>([^<]*)<", out)
    if "<IsTruncated>true" not in out or not m:
        break
    token = m.group(1)
print(n)
PY
        else
                find "${fill#file://}/$1" -type f ! -name '.*' 2>/dev/null | wc -l
        fi
}
export S3_REGION S3_ACCESS_KEY S3_SECRET_KEY S3_ENDPOINT S3_BUCKET 2>/dev/null

# ---- real crashes ----
xz -dc "$fixtures/SYSRQ/vmcore.elf.xz" >"$work/sysrq.elf"
ids=()
for kind in BUG WARNING OOM; do
        id=$(v collect --vmcore "$fixtures/$kind/vmcore" --spool "$work/spool" 2>"$work/collect-$kind.err")
        check "collect $kind: exit 0" test $? -eq 0 -a -n "$id" || sed 's/^/    /' "$work/collect-$kind.err"
        ids+=("$id")
done
# Streamed without a spool: the store gets makedumpfile's flattened file.
printf '[capture]\nspool = none\n' >"$work/none.conf"
cat "$conf" >>"$work/none.conf"
flat_id=$(RUNTIME_DIRECTORY=$work/rt "$vmcored" collect --config "$work/none.conf" --vmcore "$work/sysrq.elf" \
        2>"$work/collect-flat.err")
check "collect streamed: exit 0" test $? -eq 0 -a -n "$flat_id" || sed 's/^/    /' "$work/collect-flat.err"
python3 -c '
import json, sys
print(json.dumps([json.load(open(p)) for p in sys.argv[1:]]))' "$work"/spool/*/fingerprint.json \
        "$work"/rt/spool/*/fingerprint.json >"$work/real.json"
check "collect: 4 records kept for the checks" test "$(json "$work/real.json" 'len(d)')" = 4
check "collect: each crash copied into the inbox" test "$(count_under v1/inbox)" -ge 4

# ---- synthetic records at scale ----
end=$(date -u +%Y-%m-%d)
populate --store "$fill" --crashes "$crashes" --fingerprints 500 --days 30 --end "$end" --seed 8 \
        --expect-records "$work/synth.json" >"$work/populate.out" 2>&1
check "populate: $crashes synthetic crashes" test $? -eq 0 || sed 's/^/    /' "$work/populate.out"
recs="$work/real.json $work/synth.json"

top_check() { # NAME EXTRA-ARGS...: top --json against the records
        local name=$1; shift
        local checkargs=()
        for a in "$@"; do case $a in --no-index|--stats) ;; *) checkargs+=("$a") ;; esac; done
        v top --json "$@" >"$work/top.json" 2>"$work/top.err"
        check "$name: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/top.err"
        python3 "$here/check-fleet.py" top "$work/top.json" $recs "${checkargs[@]}" >"$work/check.out"
        checked "$name"
}
# checked NAME: check-fleet.py's verdict ($? and its output) as a check.
checked() {
        local rc=$? name=$1
        check "$name: $(tail -1 "$work/check.out")" test $rc -eq 0 || sed 's/^/    /' "$work/check.out"
}
requests() { sed -n 's/.* \([0-9][0-9]*\) requests in .*/\1/p' "$work/top.err"; }

# ---- before any index: the inbox, and the full scan ----
top_check "top, inbox only" --limit 0 --stats
check "top, inbox only: read from the inbox" grep -q "0 index segments and $((crashes + 4)) inbox records" "$work/top.err"
top_check "top --no-index" --limit 0 --no-index --stats
check "top --no-index: one request per record at least" test "$(requests)" -gt "$crashes"

# ---- index ----
v index --json >"$work/index.json" 2>"$work/index.err"
check "index: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/index.err"
check "index: took every crash in" test "$(json "$work/index.json" 'd["indexed"]')" = $((crashes + 4))
check "index: the inbox is empty" test "$(count_under v1/inbox)" = 0
days=$(json "$work/index.json" 'd["days"]')
check "index: one segment per day ($days) and the catalog" test "$(count_under v1/index)" = $((days + 1))
top_check "top, index" --limit 0 --stats
check "top, index: read segments, no inbox" grep -q "$days index segments and 0 inbox records" "$work/top.err"
check "top, index: few requests ($(requests))" test "$(requests)" -le $((days + 5))
v top --json >"$work/top.json" 2>"$work/top.err"
python3 "$here/check-fleet.py" top "$work/top.json" $recs --limit 20 >"$work/check.out"
checked "top, index, no --limit: the first 20"
check "top: default limit 20" test "$(json "$work/top.json" 'len(d)')" = 20
check "top: the most frequent first" test "$(json "$work/top.json" 'all(a["count"] >= b["count"] for a, b in zip(d, d[1:]))')" = True

# ---- filters ----
since=$(date -u -d '7 days ago' +%Y-%m-%dT00:00:00Z)
top_check "top --since $since" --since "$since" --limit 0 --stats
check "top --since: fewer segments read" test "$(sed -n 's/.* read \([0-9]*\) index segments.*/\1/p' "$work/top.err")" -le 9
top_check "top --kernel '6.1.0-2*'" --kernel '6.1.0-2*' --limit 0
host=$(json "$work/synth.json" 'd[0]["host"]')
top_check "top --host" --host "$host" --limit 0
top_check "top --since --kernel --limit 5" --since "$since" --kernel '5.10*' --limit 5
fp=$(json "$work/top.json" 'd[0]["fingerprint"]' 2>/dev/null)
v list --json --fingerprint "$fp" >"$work/list.json" 2>"$work/list.err"
check "list --fingerprint: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/list.err"
python3 "$here/check-fleet.py" list "$work/list.json" $recs --fingerprint "$fp" >"$work/check.out"
checked "list --fingerprint"
v list --json --host "$host" --since "$since" >"$work/list.json" 2>"$work/list.err"
python3 "$here/check-fleet.py" list "$work/list.json" $recs --host "$host" --since "$since" >"$work/check.out"
checked "list --host --since"
v list --json --limit 7 >"$work/list.json" 2>"$work/list.err"
python3 "$here/check-fleet.py" list "$work/list.json" $recs --limit 7 >"$work/check.out"
checked "list --limit 7: newest first"
v top --tsv --limit 3 >"$work/top.tsv" 2>/dev/null
check "top --tsv: a header and 3 rows of 9 tab-separated columns" \
        test "$(awk -F'\t' '{print NF}' "$work/top.tsv" | sort -u | tr '\n' ' ')" = "9 " -a "$(wc -l <"$work/top.tsv")" = 4
check "top --tsv: header" test "$(head -1 "$work/top.tsv" | cut -f1,9)" = "$(printf 'COUNT\tTITLE')"
v top --since yesterday-ish >/dev/null 2>"$work/bad.err"
check "top --since garbage: exit 2, says what is expected" test $? -eq 2 -a -n "$(grep -F '7d, 12h' "$work/bad.err")"

# ---- the tail: records added after the index ----
populate --store "$fill" --crashes 300 --start-index "$crashes" --fingerprints 500 --days 30 --end "$end" --seed 8 \
        --expect-records "$work/synth2.json" >/dev/null 2>&1
recs="$recs $work/synth2.json"
top_check "top, index + 300 in the inbox" --limit 0 --stats
check "top: read the tail from the inbox" grep -q "and 300 inbox records" "$work/top.err"
v index >/dev/null 2>&1
python3 "$here/check-fleet.py" top "$work/top.json" $work/real.json $work/synth.json --limit 0 >/dev/null
check "the checker itself fails when 300 crashes are missing" test $? -eq 1
check "index again: still one segment per day" test "$(count_under v1/index)" = $((days + 1))
top_check "top, index after compaction" --limit 0

# ---- two indexers and a writer at once; readers meanwhile ----
populate --store "$fill" --crashes 1500 --start-index $((crashes + 300)) --fingerprints 500 --days 30 --end "$end" \
        --seed 8 --expect-records "$work/synth3.json" >/dev/null 2>&1
before=$(v top --json --limit 0 2>/dev/null | python3 -c 'import json,sys; print(sum(g["count"] for g in json.load(sys.stdin)))')
v index >"$work/index-a.out" 2>&1 &
a=$!
v index >"$work/index-b.out" 2>&1 &
b=$!
populate --store "$fill" --crashes 700 --start-index $((crashes + 1800)) --fingerprints 500 --days 30 --end "$end" \
        --seed 8 --expect-records "$work/synth4.json" >/dev/null 2>&1 &
w=$!
min=$before readers=0 missed=0
while kill -0 $a 2>/dev/null || kill -0 $b 2>/dev/null; do
        n=$(v top --json --limit 0 2>>"$work/reader.err" | python3 -c 'import json,sys; print(sum(g["count"] for g in json.load(sys.stdin)))')
        readers=$((readers + 1))
        [ "${n:-0}" -lt "$before" ] && missed=$((missed + 1))
done
wait $a; ra=$?
wait $b; rb=$?
wait $w
check "two indexers at once: both exit 0" test $ra -eq 0 -a $rb -eq 0 || cat "$work/index-a.out" "$work/index-b.out"
check "readers during indexing ($readers runs) never saw fewer than $before crashes" test $missed -eq 0
recs="$recs $work/synth3.json $work/synth4.json"
top_check "top after concurrent indexing (inbox and index)" --limit 0
v index >/dev/null 2>&1
check "a final index empties the inbox" test "$(count_under v1/inbox)" = 0
check "a final index leaves one segment per day" test "$(count_under v1/index)" = $((days + 1))
top_check "top, index, every record of every writer" --limit 0
top_check "top --no-index agrees" --limit 0 --no-index
v index --rebuild --json >"$work/rebuild.json" 2>"$work/rebuild.err"
check "index --rebuild: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/rebuild.err"
top_check "top after index --rebuild" --limit 0

# ---- a server that cannot list: readers use the index's catalog ----
if [ "$backend" = https ]; then
        nol=$work/srv/www/nolist/fleet
        cp -a "${fill#file://}" "$nol"
        printf '[store]\nurl = https://127.0.0.1:%s/nolist/fleet\nca_file = %s\n' "$port" "$work/srv/ca.crt" \
                >"$work/nolist.conf"
        "$vmcored" top --config "$work/nolist.conf" --json --limit 0 --stats >"$work/top.json" 2>"$work/top.err"
        python3 "$here/check-fleet.py" top "$work/top.json" $recs --limit 0 >"$work/check.out"
        checked "no listing: top reads the segments the catalog names"
        check "no listing: top says it used the catalog only" grep -q "the store cannot list: the index catalog only" "$work/top.err"
        populate --store "file://$nol" --crashes 40 --start-index $((crashes + 5000)) --fingerprints 500 --days 30 \
                --end "$end" --seed 8 >/dev/null 2>&1
        "$vmcored" top --config "$work/nolist.conf" --json --limit 0 >"$work/top.json" 2>/dev/null
        python3 "$here/check-fleet.py" top "$work/top.json" $recs --limit 0 >"$work/check.out"
        checked "no listing: the inbox is not seen until indexed where the store lists"
        "$vmcored" index --config "$work/nolist.conf" >/dev/null 2>"$work/index-nolist.err"
        check "no listing: index refuses, exit 1, says why" test $? -eq 1 -a \
                -n "$(grep -F 'the index needs a store that can be listed' "$work/index-nolist.err")"
        "$vmcored" index --store "file://$nol" >/dev/null 2>&1
        "$vmcored" top --config "$work/nolist.conf" --json --limit 0 >"$work/top.json" 2>/dev/null
        known=$(python3 -c 'import json,sys; print(len({r["crash_id"] for p in sys.argv[1:] for r in json.load(open(p))}))' $recs)
        check "no listing: after an index on the server, top sees the 40 new crashes" \
                test "$(json "$work/top.json" 'sum(g["count"] for g in d)')" = $((known + 40))
        rm -rf "$nol"
fi

# ---- show ----
id=${ids[0]}
v show "$id" >"$work/show.txt" 2>"$work/show.err"
check "show CRASH_ID: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/show.err"
for want in "kernel BUG in lkdtm_BUG" "Call trace:" "lkdtm_BUG+0x5/0x10 \[lkdtm\]" "In the store:" "vmcore" "fingerprint   fp1-"; do
        check "show CRASH_ID: has '$want'" grep -q "$want" "$work/show.txt"
done
rfp=$(json "$work/real.json" 'd[0]["fingerprint"]')
v show "$rfp" >"$work/show-fp.txt" 2>"$work/show.err"
check "show FP: exit 0, summary, crash list, newest report" test $? -eq 0 -a \
        -n "$(grep -E '^  crashes +1 on 1 host' "$work/show-fp.txt")" -a -n "$(grep -F 'Crashes (newest first' "$work/show-fp.txt")" -a \
        -n "$(grep -F 'Call trace:' "$work/show-fp.txt")"
v show 20000101T000000Z-000000000000 >/dev/null 2>"$work/show.err"
check "show of an unknown crash: exit 1, says so" test $? -eq 1 -a -n "$(grep -F 'no crash' "$work/show.err")"
v show not-an-id >/dev/null 2>&1
check "show of garbage: exit 2" test $? -eq 2

# ---- fetch ----
v fetch "$id" -o "$work/got" >"$work/fetch.out" 2>"$work/fetch.err"
check "fetch: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/fetch.err"
for f in report.json dmesg.txt vmcore; do
        check "fetch: $f equals the spool's" cmp -s "$work/got/$f" "$work/spool/$id/$f"
done
check "fetch: MANIFEST.json last" test -s "$work/got/MANIFEST.json"
v fetch "$id" -o "$work/got" >/dev/null 2>"$work/fetch2.err"
check "fetch again: nothing downloaded, each file verified" test "$(grep -c 'is there and verified' "$work/fetch2.err")" = 3
size=$(stat -c %s "$work/got/vmcore")
head -c $((size / 3)) "$work/got/vmcore" >"$work/got/vmcore.part" && rm "$work/got/vmcore"
v fetch "$id" -o "$work/got" >/dev/null 2>"$work/fetch3.err"
check "fetch continues a partial download: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/fetch3.err"
check "fetch continues a partial download: from its size" grep -q "continuing at $((size / 3)) of $size bytes" "$work/fetch3.err"
check "fetch continues a partial download: the dump is whole" cmp -s "$work/got/vmcore" "$work/spool/$id/vmcore"
# A damaged start of a partial download: the digest fails, it is fetched whole again.
head -c 1000 /dev/urandom >"$work/got/vmcore.part" && rm "$work/got/vmcore"
v fetch "$id" -o "$work/got" >/dev/null 2>"$work/fetch4.err"
check "fetch with a damaged partial download: fetched whole again" test $? -eq 0 -a \
        -n "$(grep -F 'fetching it whole again' "$work/fetch4.err")"
check "fetch with a damaged partial download: the dump is whole" cmp -s "$work/got/vmcore" "$work/spool/$id/vmcore"

v fetch "$flat_id" -o "$work/flat" >/dev/null 2>"$work/fetch-flat.err"
check "fetch of a flattened dump: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/fetch-flat.err"
check "fetch of a flattened dump: says it reassembled it" grep -q "reassembled into" "$work/fetch-flat.err"
v fetch "$flat_id" -o "$work/flat-kept" --keep-flattened >/dev/null 2>&1
makedumpfile -R "$work/flat-R.kdump" <"$work/flat-kept/vmcore.flat" >/dev/null 2>&1
check "fetch of a flattened dump: equals makedumpfile -R" cmp -s "$work/flat/vmcore" "$work/flat-R.kdump"
check "fetch of a flattened dump: analyze reads it" test \
        "$("$vmcored" analyze --json "$work/flat/vmcore" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["dump"]["format"], d["title"])')" = \
        "kdump-compressed $(json "$work/flat/report.json" 'd["title"]')"

# A damaged object in the store: one byte of the dump changed there.
case $backend in
s3)
        s3 GET "fleet/v1/crashes/$id/vmcore" -o "$work/stored.vmcore"
        printf 'X' | dd of="$work/stored.vmcore" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
        s3 PUT "fleet/v1/crashes/$id/vmcore" -T "$work/stored.vmcore" >/dev/null
        ;;
*)
        printf 'X' | dd of="${fill#file://}/v1/crashes/$id/vmcore" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
        ;;
esac
v fetch "$id" -o "$work/bad" >/dev/null 2>"$work/fetch-bad.err"
check "fetch of a damaged object: exit 1" test $? -eq 1
check "fetch of a damaged object: says the SHA-256 does not match" \
        grep -q "v1/crashes/$id/vmcore does not match MANIFEST.json: .* with SHA-256 .*, expected $size bytes with SHA-256" "$work/fetch-bad.err"
check "fetch of a damaged object: kept aside as vmcore.damaged, no vmcore, no MANIFEST" \
        test -s "$work/bad/vmcore.damaged" -a ! -e "$work/bad/vmcore" -a ! -e "$work/bad/MANIFEST.json"
check "fetch of a damaged object: the other files are there" cmp -s "$work/bad/report.json" "$work/spool/$id/report.json"
v fetch 20000101T000000Z-000000000000 -o "$work/none" >/dev/null 2>"$work/fetch-none.err"
check "fetch of an unknown crash: exit 1, says so" test $? -eq 1 -a -n "$(grep -F 'not in the store' "$work/fetch-none.err")"

finish_test "fleet ($backend)"
