#!/usr/bin/env bash
# vmcored collect into S3 (Ceph radosgw from Debian, single node, memstore,
# on 127.0.0.1): check-config --probe; the crash arrives whole and matches
# MANIFEST, the report equals `vmcored analyze` of the same dump, the stored
# dump reads back to the same title, a second collect adds nothing; a dump
# larger than a part goes multipart; [upload] dump = unknown counts the
# fingerprint's dumps with ListObjectsV2; a wrong secret is one refused
# request (403, no retry loop); a store that answers 500 on a part gets the
# part again and completes, and one that always does gets the upload
# aborted, the crash kept in the spool and no parts left behind.
# Streams of unknown length (pipes) go through the same store code with
# store-put: 6 MiB parts sent by two senders, a last short part, an exact
# multiple, and a stream shorter than a part.
# Objects read back whole and from an offset (a Range), also when the
# connection drops midway (the next attempt goes on where it stopped), and
# listed (store-get).
# Usage: test-collect-s3.sh VMCORED SHARED_DIR WORK_DIR STORE_PUT STORE_GET
set -u
vmcored=$1 shared=$2 work=$3 store_put=$4 store_get=$5
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
fixtures=$shared/fixtures/vmcores

if [ ! -d "$fixtures" ]; then
        echo "SKIP: $fixtures is missing: the S3 store tests did NOT run" >&2
        exit 77
fi
for tool in radosgw ceph-mon ceph-osd curl makedumpfile xz python3 sha256sum; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed: the S3 store tests did NOT run" >&2; exit 77; }
done
rm -rf "$work" && mkdir -p "$work"
rgw=$work/rgw
cleanup() {
        [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
        bash "$here/radosgw.sh" stop "$rgw"
}
trap cleanup EXIT
bash "$here/radosgw.sh" start "$rgw" >/dev/null || { echo "FAIL: radosgw did not start"; exit 1; }
. "$rgw/env"


xz -dc "$fixtures/SYSRQ/vmcore.elf.xz" >"$work/sysrq.elf"
printf 'access_key = %s\nsecret_key = %s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$work/s3.cred"
printf 'access_key = %s\nsecret_key = wrong-%s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$work/wrong.cred"
chmod 0600 "$work/s3.cred" "$work/wrong.cred"
printf '[store]\nallow_http = yes\ncredentials = %s\n[upload]\nretries = 2\n' "$work/s3.cred" >"$work/s3.conf"

# ---- probe ----
"$vmcored" check-config --config "$work/s3.conf" --store "$(store fleet)" --probe >/dev/null 2>"$work/probe.err"
check "probe: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/probe.err"
check "probe: wrote, read back, deleted" grep -q "OK: wrote, read back and deleted v1/probe/" "$work/probe.err"
check "probe: leaves nothing behind" test -z "$(s3 GET '?list-type=2&prefix=fleet%2Fv1%2Fprobe' | grep -o '<Key>[^<]*')"

# ---- TLS: verified against [store] ca_file, refused without ----
store_tls() { echo "s3://$S3_BUCKET/tls?endpoint=$S3_TLS_ENDPOINT&region=$S3_REGION"; }
printf '[store]\ncredentials = %s\nca_file = %s\n' "$work/s3.cred" "$S3_CA_FILE" >"$work/tls.conf"
"$vmcored" check-config --config "$work/tls.conf" --store "$(store_tls)" --probe >/dev/null 2>"$work/tls.err"
check "https endpoint with ca_file: probe OK" test $? -eq 0 || sed 's/^/    /' "$work/tls.err"
printf '[store]\ncredentials = %s\n[upload]\nretries = 2\n' "$work/s3.cred" >"$work/notls.conf"
"$vmcored" check-config --config "$work/notls.conf" --store "$(store_tls)" --probe >/dev/null 2>"$work/notls.err"
check "https endpoint, CA not trusted: probe fails" test $? -eq 1
check "https endpoint, CA not trusted: says certificate" grep -qi "certificate" "$work/notls.err"
check "https endpoint, CA not trusted: not retried" test -z "$(grep retrying "$work/notls.err")"

# ---- collect ----
"$vmcored" collect --config "$work/s3.conf" --store "$(store fleet)" --vmcore "$work/sysrq.elf" \
        --spool "$work/spool" >"$work/c.out" 2>"$work/c.err"
check "collect: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/c.err"
id=$(cat "$work/c.out")
mkdir -p "$work/got"
for f in report.json dmesg.txt vmcore MANIFEST.json; do
        check "collect: $f in the bucket" s3 GET "fleet/v1/crashes/$id/$f" -o "$work/got/$f"
done
for f in report.json dmesg.txt vmcore; do
        check "collect: $f SHA-256 matches MANIFEST" test "$(sha256sum <"$work/got/$f" | cut -d' ' -f1)" = \
                "$(json "$work/got/MANIFEST.json" "d['files']['$f']['sha256']")"
done
"$vmcored" analyze --json "$work/sysrq.elf" >"$work/analyze.json"
check "collect: report equals vmcored analyze of the dump" python3 -c '
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for d in (a, b):
    d.pop("analysis", None)    # timings differ between runs
sys.exit(a != b)' "$work/analyze.json" "$work/got/report.json"
fp=$(json "$work/got/report.json" 'd["fingerprint"]')
check "collect: fingerprint record with the dump" test "$(s3 GET "fleet/v1/fingerprints/$fp/$id.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["dump"])')" = True
check "collect: stored dump analyzes to the same title" test \
        "$("$vmcored" analyze --json "$work/got/vmcore" | python3 -c 'import json,sys; print(json.load(sys.stdin)["title"])')" = \
        "$(json "$work/got/report.json" 'd["title"]')"
check "collect: fingerprint stored before the dump" test \
        "$(grep -n 'fingerprint .* stored in' "$work/c.err" | cut -d: -f1)" -lt \
        "$(grep -n 'dump of crash .* stored' "$work/c.err" | cut -d: -f1)"

"$vmcored" collect --config "$work/s3.conf" --store "$(store fleet)" --vmcore "$work/sysrq.elf" \
        --spool "$work/spool" >/dev/null 2>"$work/again.err"
check "again: already complete" grep -q "already complete" "$work/again.err"
check "again: no second crash" test "$(s3 GET "?delimiter=%2F&list-type=2&prefix=fleet%2Fv1%2Fcrashes%2F" | grep -o "<Prefix>fleet/v1/crashes/[^<][^<]*" | wc -l)" -eq 1

# ---- a dump larger than a part (64 MiB): multipart from the file ----
# A real kdump file with random bytes after its end: collect copies it as
# it is, and the analysis reads only the dump.
{ cat "$fixtures/BUG/vmcore"; head -c $((140 << 20)) /dev/urandom; } >"$work/big.kdump"
cp "$work/s3.conf" "$work/big.conf"
"$vmcored" collect --config "$work/big.conf" --store "$(store big)" --vmcore "$work/big.kdump" \
        --spool "$work/spool-big" >"$work/big.out" 2>"$work/big.err"
check "multipart: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/big.err"
bid=$(cat "$work/big.out")
size=$(stat -c %s "$work/spool-big/$bid/vmcore")
check "multipart: the dump is over two parts (64 MiB)" test "$size" -gt $((128 << 20))
check "multipart: stored as 3 parts (ETag ...-3)" grep -qiE '^etag: "[0-9a-f]{32}-3"' \
        <(s3 HEAD "big/v1/crashes/$bid/vmcore" -I)
check "multipart: content equals the spool's" cmp -s <(s3 GET "big/v1/crashes/$bid/vmcore") "$work/spool-big/$bid/vmcore"
check "multipart: progress logged" grep -q "MiB sent" "$work/big.err"

# ---- streams of unknown length: 6 MiB parts, two senders ----
for n in $(((18 << 20) + 12345)) $((12 << 20)) 1000 0; do
        head -c "$n" /dev/urandom >"$work/stream.in"
        got=$(cat "$work/stream.in" | "$store_put" --config "$work/s3.conf" --store "$(store stream)" "s/$n" 2>"$work/stream.err")
        check "stream of $n bytes: stored whole" test "$got" = "$n" || sed 's/^/    /' "$work/stream.err"
        check "stream of $n bytes: content equal" cmp -s <(s3 GET "stream/s/$n") "$work/stream.in"
done
check "stream: multipart for the long one (ETag ...-4)" grep -qiE '^etag: "[0-9a-f]{32}-4"' \
        <(s3 GET "stream/s/$(((18 << 20) + 12345))" -I)
check "stream: an exact multiple of the part size (ETag ...-2)" grep -qiE '^etag: "[0-9a-f]{32}-2"' \
        <(s3 GET "stream/s/$((12 << 20))" -I)

# ---- reading back (GET with a Range) and listing ----
head -c $(((5 << 20) + 7)) /dev/urandom >"$work/get.in"
"$store_put" --config "$work/s3.conf" --store "$(store get)" s/get <"$work/get.in" >/dev/null 2>"$work/get-put.err"
echo x | "$store_put" --config "$work/s3.conf" --store "$(store get)" s/dir/x >/dev/null 2>>"$work/get-put.err"
check_reads "get" "$work/get.in" s/get "$store_get" --config "$work/s3.conf" --store "$(store get)"
check_list "list a crash" "MANIFEST.json dmesg.txt report.json vmcore" "$store_get" --config "$work/s3.conf" \
        --store "$(store fleet)" "v1/crashes/$id"
check_list "list with a common prefix" "dir get" "$store_get" --config "$work/s3.conf" --store "$(store get)" s
check_list "list a missing prefix: empty" "" "$store_get" --config "$work/s3.conf" --store "$(store get)" v1/none
check_same_key "same key" t/same "$store_put" "$store_get" --config "$work/s3.conf" --store "$(store get)"
# A proxy that cuts its first two answers to a GET after a third of the
# body, as a connection that drops midway.
cat >"$work/cut-proxy.py" <<'PY'
import http.client, http.server, socket, sys
upstream, cuts = int(sys.argv[1]), 2
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def do_GET(self):
        global cuts
        conn = http.client.HTTPConnection("127.0.0.1", upstream, timeout=60)
        conn.request("GET", self.path, headers={k: v for k, v in self.headers.items() if k.lower() != "connection"})
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection"):
                self.send_header(k, v)
        self.end_headers()
        cut = cuts > 0 and len(data) > 2
        cuts -= cut
        print(f"GET {self.path} {self.headers.get('Range')} -> {resp.status}{' cut' if cut else ''}", file=sys.stderr,
              flush=True)
        self.wfile.write(data[:len(data) // 3] if cut else data)
        if cut:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
exec 5< <(python3 "$work/cut-proxy.py" "${S3_ENDPOINT##*:}" 2>"$work/cut-proxy.log")
proxy_pid=$! # stopped by cleanup too
read -r cut_port <&5
"$store_get" --config "$work/s3.conf" --store "$(store get "http://127.0.0.1:$cut_port")" --offset 1000 --requests \
        s/get >"$work/cut.out" 2>"$work/cut.err"
check "connection cut twice mid-download: exit 0" test $? -eq 0
check "connection cut twice mid-download: the tail from offset 1000, no byte twice" \
        cmp -s "$work/cut.out" <(tail -c +1001 "$work/get.in")
check "connection cut twice mid-download: each attempt logged" \
        test "$(grep -c "GET s/get: attempt [12] of 3: .*retrying" "$work/cut.err")" -eq 2
check "connection cut twice mid-download: the attempts went on where the last stopped" test \
        "$(sed -n 's/.* bytes=\([0-9]*\)- .*/\1/p' "$work/cut-proxy.log" | awk 'NR > 1 && $1 <= prev { bad = 1 } { prev = $1 } END { print NR, !bad }')" = "3 1"
check "connection cut twice mid-download: three requests" grep -qx "requests 3" "$work/cut.err"
kill "$proxy_pid" 2>/dev/null; proxy_pid=

# ---- [upload] dump = unknown: ListObjectsV2 ----
printf '{"crash_id":"20260101T000000Z-000000000000","dump":true}' >"$work/rec.json"
s3 PUT "unknown/v1/fingerprints/$fp/20260101T000000Z-000000000000.json" -T "$work/rec.json" >/dev/null
printf '[store]\nallow_http = yes\ncredentials = %s\n[upload]\ndump = unknown\ndumps_per_fingerprint = 1\n' \
        "$work/s3.cred" >"$work/unknown.conf"
"$vmcored" collect --config "$work/unknown.conf" --store "$(store unknown)" --vmcore "$work/sysrq.elf" \
        --spool "$work/spool-unknown" >"$work/unknown.out" 2>"$work/unknown.err"
check "unknown: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/unknown.err"
check "unknown: counted in the bucket, dump not taken" grep -q "holds 1 dumps of fingerprint $fp" "$work/unknown.err"
check "unknown: no dump object" test -z "$(s3 GET "?list-type=2&prefix=unknown%2Fv1%2Fcrashes%2F$(cat "$work/unknown.out")%2Fvmcore" | grep -o '<Key>[^<]*')"

# ---- failures ----
"$vmcored" collect --config "$work/s3.conf" --credentials "$work/wrong.cred" --store "$(store wrong)" \
        --vmcore "$work/sysrq.elf" --spool "$work/spool-wrong" >/dev/null 2>"$work/wrong.err"
check "wrong secret: exit 4 (kept in the spool)" test $? -eq 4
check "wrong secret: says 403 and what to check" grep -q "HTTP 403 (check \[store\] credentials)" "$work/wrong.err"
check "wrong secret: no retry loop" test -z "$(grep retrying "$work/wrong.err")"
check "wrong secret: no secret in the messages" test -z "$(grep -F "$S3_SECRET_KEY" "$work/wrong.err")"
check "wrong secret: dump kept in the spool" test -s "$work/spool-wrong/$(ls "$work/spool-wrong")/vmcore"

"$vmcored" check-config --config "$work/s3.conf" --credentials "$work/wrong.cred" --store "$(store probe)" \
        --probe >/dev/null 2>"$work/probe-wrong.err"
check "wrong secret: probe says the server's reason" grep -q "HTTP 403 SignatureDoesNotMatch" "$work/probe-wrong.err"

"$vmcored" check-config --config "$work/s3.conf" --store "s3://no-such-bucket-$$/x?endpoint=$S3_ENDPOINT&region=$S3_REGION" \
        --probe >/dev/null 2>"$work/nobucket.err"
check "missing bucket: probe exit 1, says NoSuchBucket" grep -q "NoSuchBucket" "$work/nobucket.err"

start_proxy 'PUT:partNumber=2&:500:1'
"$vmcored" collect --config "$work/big.conf" --store "$(store retry "$proxy")" --vmcore "$work/big.kdump" \
        --spool "$work/spool-retry" >"$work/retry.out" 2>"$work/retry.err"
check "500 on a part: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/retry.err"
check "500 on a part: the part was sent again" grep -q "part 2): attempt 1 of 3: HTTP 500 InjectedFault" "$work/retry.err"
check "500 on a part: content complete" cmp -s <(s3 GET "retry/v1/crashes/$(cat "$work/retry.out")/vmcore") \
        "$work/spool-retry/$(cat "$work/retry.out")/vmcore"

start_proxy 'POST:uploadId=:200error:1'
"$vmcored" collect --config "$work/big.conf" --store "$(store complete "$proxy")" --vmcore "$work/big.kdump" \
        --spool "$work/spool-complete" >"$work/complete.out" 2>"$work/complete.err"
check "Complete answered 200 with <Error>: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/complete.err"
check "Complete answered 200 with <Error>: sent again" \
        grep -q "completing the upload of .*: attempt 1 of 3: InternalError; retrying" "$work/complete.err"
check "Complete answered 200 with <Error>: content complete" \
        cmp -s <(s3 GET "complete/v1/crashes/$(cat "$work/complete.out")/vmcore") "$work/big.kdump"

start_proxy 'PUT:partNumber=3&:500:0'
"$vmcored" collect --config "$work/big.conf" --store "$(store broken "$proxy")" --vmcore "$work/big.kdump" \
        --spool "$work/spool-broken" >/dev/null 2>"$work/broken.err"
check "500 always: exit 4" test $? -eq 4
check "500 always: gives up on the part" grep -q "part 3): HTTP 500 InjectedFault: fault-proxy, giving up" "$work/broken.err"
check "500 always: dump kept in the spool" test -s "$work/spool-broken/$(ls "$work/spool-broken")/vmcore"
check "500 always: no MANIFEST" test -z "$(s3 GET '?list-type=2&prefix=broken%2F' | grep -o '<Key>[^<]*MANIFEST')"
bsid=$(ls "$work/spool-broken")
bupload=$(json "$work/spool-broken/$bsid/state.json" 'd["upload_id"]')
check "500 always: the upload is kept open for the next run, in the state" \
        grep -q "<UploadId>$bupload</UploadId>" <(s3 GET '?uploads=')
# The store is well again: vmcored upload goes on with the same upload and
# sends only the part that failed.
start_proxy
"$vmcored" upload --config "$work/big.conf" --store "$(store broken "$proxy")" --spool "$work/spool-broken" \
        >"$work/broken-upload.out" 2>"$work/broken-upload.err"
check "500 always, then upload: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/broken-upload.err"
check "500 always, then upload: went on with the earlier upload" \
        grep -q "going on with the upload of an earlier run: 2 parts (128 MiB) already stored" "$work/broken-upload.err"
check "500 always, then upload: parts 1 and 2 not sent again" test -z "$(grep -E 'PUT .*partNumber=(1|2)&' "$work/proxy.log")"
check "500 always, then upload: content complete" \
        cmp -s <(s3 GET "broken/v1/crashes/$bsid/vmcore") "$work/spool-broken/$bsid/vmcore"
check "500 always, then upload: no upload left open" test -z "$(s3 GET '?uploads=' | grep -o '<UploadId>[^<]*')"

# ---- kill -9 in the middle of a part: the next run goes on ----
start_proxy 'PUT:partNumber=2&:hang:1'
"$vmcored" collect --config "$work/big.conf" --store "$(store killed "$proxy")" --vmcore "$work/big.kdump" \
        --spool "$work/spool-killed" >/dev/null 2>"$work/killed.err" &
cpid=$!
for _ in $(seq 600); do grep -q "partNumber=2&.* -> hanging" "$work/proxy.log" && break; sleep 0.1; done
kill -9 "$cpid"
wait "$cpid" 2>/dev/null
ksid=$(ls "$work/spool-killed")
check "kill -9 during part 2: the state knows the open upload" \
        test -n "$(json "$work/spool-killed/$ksid/state.json" 'd["upload_id"] or ""')"
start_proxy
"$vmcored" upload --config "$work/big.conf" --store "$(store killed "$proxy")" --spool "$work/spool-killed" \
        >"$work/killed-upload.out" 2>"$work/killed-upload.err"
check "kill -9, then upload: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/killed-upload.err"
check "kill -9, then upload: part 1 not sent again (at most one part re-sent)" \
        test -z "$(grep -E 'PUT .*partNumber=1&' "$work/proxy.log")"
check "kill -9, then upload: content complete" \
        cmp -s <(s3 GET "killed/v1/crashes/$ksid/vmcore") "$work/spool-killed/$ksid/vmcore"
check "kill -9, then upload: MANIFEST last, crash complete" \
        test "$(json "$work/spool-killed/$ksid/state.json" 'd["complete"]')" = True
check "kill -9, then upload: no upload left open" test -z "$(s3 GET '?uploads=' | grep -o '<UploadId>[^<]*')"

start_proxy 'PUT:partNumber=2&:corrupt:0'
"$vmcored" collect --config "$work/big.conf" --store "$(store damaged "$proxy")" --vmcore "$work/big.kdump" \
        --spool "$work/spool-damaged" >/dev/null 2>"$work/damaged.err"
check "part damaged on the way: exit 4" test $? -eq 4
check "part damaged on the way: the server's check refused it, not retried" \
        grep -q "part 2): HTTP 400 XAmzContentSHA256Mismatch" "$work/damaged.err"
check "part damaged on the way: upload aborted" test -z "$(s3 GET '?uploads=' | grep -o '<UploadId>[^<]*')"

# ---- giving up: recorded, said, the open upload aborted, the files kept ----
start_proxy 'PUT:partNumber=2&:500:0'
"$vmcored" collect --config "$work/big.conf" --store "$(store giveup "$proxy")" --vmcore "$work/big.kdump" \
        --spool "$work/spool-giveup" >/dev/null 2>&1
gsid=$(ls "$work/spool-giveup")
gupload=$(json "$work/spool-giveup/$gsid/state.json" 'd["upload_id"]')
check "give up: an upload is open before" grep -q "<UploadId>$gupload</UploadId>" <(s3 GET '?uploads=')
{ cat "$work/big.conf"; printf 'give_up_attempts = 1\n'; } >"$work/giveup.conf"
"$vmcored" upload --config "$work/giveup.conf" --store "$(store giveup)" --spool "$work/spool-giveup" \
        >/dev/null 2>"$work/giveup.err"
check "give up: exit 4" test $? -eq 4
check "give up: said, with the last error" grep -q "crash $gsid: given up after 1 failed runs .*last error: .*HTTP 500" "$work/giveup.err"
check "give up: recorded in the state" test -n "$(json "$work/spool-giveup/$gsid/state.json" 'd["gave_up"] or ""')"
check "give up: the multipart upload aborted" test -z "$(s3 GET '?uploads=' | grep -o "<UploadId>$gupload")"
check "give up: the files stay in the spool" test -s "$work/spool-giveup/$gsid/vmcore"
"$vmcored" upload --config "$work/giveup.conf" --store "$(store giveup)" --spool "$work/spool-giveup" \
        >/dev/null 2>"$work/giveup2.err"
check "give up: later runs exit 0 and say it in one line" \
        test $? -eq 0 -a "$(grep -c "was given up" "$work/giveup2.err")" -eq 1

# ---- kill -9 at other points: the next run stores only what is missing ----
# kill_at NAME RULE: collect into prefix NAME through a proxy that hangs on
# RULE, kill -9 it there, then vmcored upload through a clean proxy.
kill_at() {
        local name=$1 rule=$2 pid sid
        start_proxy "$rule"
        "$vmcored" collect --config "$work/big.conf" --store "$(store "$name" "$proxy")" --vmcore "$work/big.kdump" \
                --spool "$work/spool-$name" >/dev/null 2>"$work/$name.err" &
        pid=$!
        for _ in $(seq 600); do grep -q -- "-> hanging" "$work/proxy.log" && break; sleep 0.1; done
        kill -9 "$pid"
        wait "$pid" 2>/dev/null
        start_proxy
        "$vmcored" upload --config "$work/big.conf" --store "$(store "$name" "$proxy")" --spool "$work/spool-$name" \
                >"$work/$name-upload.out" 2>"$work/$name-upload.err"
        check "kill -9 $name, then upload: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/$name-upload.err"
        sid=$(ls "$work/spool-$name")
        check "kill -9 $name, then upload: crash complete" \
                test "$(json "$work/spool-$name/$sid/state.json" 'd["complete"]')" = True
        check "kill -9 $name, then upload: objects equal a direct collect's" \
                cmp -s <(s3 GET "$name/v1/crashes/$sid/MANIFEST.json") <(s3 GET "big/v1/crashes/$sid/MANIFEST.json")
}
kill_at before-dump 'POST:uploads=:hang:1'
check "kill -9 before the dump: fingerprint, report, log not sent again" \
        test -z "$(grep -E 'PUT .*(report.json|dmesg.txt) ' "$work/proxy.log")"
check "kill -9 before the dump: the dump sent" grep -qE 'PUT .*vmcore\?partNumber=3&' "$work/proxy.log"
kill_at before-manifest 'PUT:MANIFEST.json:hang:1'
check "kill -9 before MANIFEST: the dump not sent again" test -z "$(grep -E 'crashes/[^/]*/vmcore' "$work/proxy.log")"
check "kill -9 before MANIFEST: MANIFEST and the record stored" \
        test "$(grep -cE 'PUT .*(MANIFEST.json|fingerprints/.*json) -> 200' "$work/proxy.log")" -eq 2
# ---- the store answers 503 twice: backoff, then stored ----
start_proxy 'PUT:partNumber=2&:503:2'
"$vmcored" collect --config "$work/big.conf" --store "$(store s503 "$proxy")" --vmcore "$work/big.kdump" \
        --spool "$work/spool-503" >"$work/503.out" 2>"$work/503.err"
check "503 twice: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/503.err"
check "503 twice: two attempts with growing waits" test \
        "$(grep -oE 'part 2\): attempt [12] of 3: HTTP 503 InjectedFault: fault-proxy; retrying in [0-9.]+ s' "$work/503.err" | wc -l)" -eq 2
check "503 twice: content complete" cmp -s <(s3 GET "s503/v1/crashes/$(cat "$work/503.out")/vmcore") "$work/big.kdump"

# ---- 403: stopped at once, recorded in the state ----
wid=$(ls "$work/spool-wrong")
check "403: recorded in the state (attempt and error)" test \
        "$(json "$work/spool-wrong/$wid/state.json" '(d["attempts"], "HTTP 403" in d["last_error"], d["complete"])')" = "(1, True, False)"

# ---- a store that stops answering mid-part: the stall is detected, the part sent again ----
printf '[store]\nallow_http = yes\ncredentials = %s\nstall_timeout = 2\n[upload]\nretries = 2\n' "$work/s3.cred" >"$work/stall.conf"
start_proxy 'PUT:partNumber=2&:hang:1'
"$vmcored" collect --config "$work/stall.conf" --store "$(store stall "$proxy")" --vmcore "$work/big.kdump" \
        --spool "$work/spool-stall" >"$work/stall.out" 2>"$work/stall.err"
check "stalled store: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/stall.err"
check "stalled store: the stall detected, the part sent again" \
        grep -qE "part 2\): attempt 1 of 3: (Timeout was reached|Operation too slow).*; retrying" "$work/stall.err"
check "stalled store: content complete" cmp -s <(s3 GET "stall/v1/crashes/$(cat "$work/stall.out")/vmcore") "$work/big.kdump"
kill "$proxy_pid" 2>/dev/null; proxy_pid=

# ---- radosgw killed in the middle of a multipart upload; vmcored run --once later ----
"$vmcored" collect --config "$work/big.conf" --store "$(store rgwdown http://127.0.0.1:9)" --vmcore "$work/big.kdump" \
        --spool "$work/spool-rgwdown" >/dev/null 2>&1
printf '[store]\nallow_http = yes\ncredentials = %s\n[upload]\nretries = 1\n' "$work/s3.cred" >"$work/once.conf"
"$vmcored" upload --config "$work/once.conf" --store "$(store rgwdown)" --spool "$work/spool-rgwdown" \
        >/dev/null 2>"$work/rgwdown.err" &
upid=$!
for _ in $(seq 400); do grep -q "MiB sent" "$work/rgwdown.err" && break; sleep 0.02; done
kill -KILL "$(cat "$rgw/run/client.rgw.a.pid")"
wait "$upid"
check "radosgw killed mid-upload: exit 4" test $? -eq 4 || sed 's/^/    /' "$work/rgwdown.err"
rid=$(ls "$work/spool-rgwdown")
check "radosgw killed mid-upload: the open upload kept in the state" \
        test -n "$(json "$work/spool-rgwdown/$rid/state.json" 'd["upload_id"] or ""')"
bash "$here/radosgw.sh" rgw-start "$rgw" >/dev/null 2>"$work/rgw-restart.err" || sed 's/^/    /' "$work/rgw-restart.err"
mkdir -p "$work/empty-crash"
exec 4< <(python3 "$here/notify-listen.py" "$work/notify.sock" "$work/notify.msgs")
listener=$!
read -r _ <&4
NOTIFY_SOCKET=$work/notify.sock "$vmcored" run --once --config "$work/once.conf" --store "$(store rgwdown)" \
        --spool "$work/spool-rgwdown" --crash-dir "$work/empty-crash" >"$work/rgwdown-run.out" 2>"$work/rgwdown-run.err"
check "radosgw back: run --once exit 0" test $? -eq 0 || sed 's/^/    /' "$work/rgwdown-run.err"
sleep 0.3
kill "$listener" 2>/dev/null
check "radosgw back: STATUS tells the dump's progress (uploading 1/1, N%)" \
        grep -qE '^STATUS=uploading 1/1, ([4-9][0-9]|100)%' "$work/notify.msgs"
check "radosgw back: went on with the same upload" grep -q "going on with the upload of an earlier run" "$work/rgwdown-run.err"
check "radosgw back: objects equal a direct collect's" \
        cmp -s <(s3 GET "rgwdown/v1/crashes/$rid/MANIFEST.json") <(s3 GET "big/v1/crashes/$rid/MANIFEST.json")
check "radosgw back: dump equal" cmp -s <(s3 GET "rgwdown/v1/crashes/$rid/vmcore") "$work/big.kdump"
check "radosgw back: one crash, no duplicate" test "$(s3 GET "?delimiter=%2F&list-type=2&prefix=rgwdown%2Fv1%2Fcrashes%2F" | grep -o "<Prefix>rgwdown/v1/crashes/[^<][^<]*" | wc -l)" -eq 1

check "no upload left open at the end" test -z "$(s3 GET '?uploads=' | grep -o '<UploadId>[^<]*')"

finish_test "collect-s3"
