# Shared by the store test scripts (sourced, after $work is set): checks
# counted in $pass and $fail, a JSON field reader, and for the S3 scripts
# (after radosgw.sh's env is sourced) signed requests to the bucket, store
# URLs and the fault proxy.
pass=0 fail=0
proxy_pid=

ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
# check NAME COMMAND...: one check, passed when COMMAND succeeds.
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
# finish_test LABEL: the closing line "LABEL: N passed, N failed", and the
# exit status. When every check passed, the big files the test made (dumps,
# spools) are deleted: a whole CI run keeps the work directories of two
# builds and would otherwise need many GiB. VMCORED_KEEP_WORK=1 keeps them;
# a failed test keeps them anyway. Files under rgw/ stay for the EXIT trap
# that stops radosgw.
finish_test() {
        echo "$1: $pass passed, $fail failed"
        [ "$fail" -eq 0 ] || exit 1
        if [ -z "${VMCORED_KEEP_WORK:-}" ] && [ -d "${work:-}" ]; then
                find "$work" -xdev -type f -size +1M -not -path '*/rgw/*' -delete 2>/dev/null
        fi
        exit 0
}
# json FILE EXPR: EXPR (Python, on d) of the JSON document in FILE.
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# s3 METHOD KEY [curl args]: a signed request to the bucket, as a check.
s3() {
        local m=$1 k=$2; shift 2
        curl -sS --fail --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
                -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -X "$m" "$S3_ENDPOINT/$S3_BUCKET/$k" "$@"
}
# store PREFIX [ENDPOINT]: the s3:// URL of a prefix of the bucket.
store() { echo "s3://$S3_BUCKET/$1?endpoint=${2:-$S3_ENDPOINT}&region=$S3_REGION"; }
no_uploads_open() { test -z "$(s3 GET '?uploads=' | grep -o '<UploadId>[^<]*')"; }
# start_proxy RULE...: fault-proxy.py in front of radosgw; sets $proxy and $proxy_pid.
start_proxy() {
        [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
        exec 3< <(python3 "$here/fault-proxy.py" "${S3_ENDPOINT##*:}" "$@" 2>"$work/proxy.log")
        proxy_pid=$!
        read -r port <&3
        proxy=http://127.0.0.1:$port
}

# check_reads NAME ORIGINAL KEY STORE_GET ARGS...: KEY, stored from
# ORIGINAL (a few MiB: more than any buffer), read back with store-get
# (vmc_store_get_fd) and ARGS: whole, in one request; from an offset, also
# appended to a partial copy as a resumed download is; from its end
# (nothing, exit 0); beyond its end and a missing key (errors that say so).
check_reads() {
        local name=$1 orig=$2 key=$3 get=$4 size off=$(((1 << 20) + 4321)) req
        shift 4
        size=$(stat -c %s "$orig")
        "$get" "$@" --requests "$key" >"$work/$name.whole" 2>"$work/$name.err"
        check "$name: read back whole, equal" cmp -s "$work/$name.whole" "$orig"
        req=$(sed -n 's/^requests //p' "$work/$name.err")
        check "$name: a whole read is one request ($req)" test "$req" = 1
        "$get" "$@" --offset "$off" "$key" >"$work/$name.tail" 2>"$work/$name.err"
        check "$name: from offset $off: the tail" cmp -s "$work/$name.tail" <(tail -c +$((off + 1)) "$orig")
        head -c "$off" "$orig" >"$work/$name.resumed"
        "$get" "$@" --offset "$off" "$key" >>"$work/$name.resumed" 2>"$work/$name.err"
        check "$name: from offset $off appended to the first $off bytes: the whole" \
                cmp -s "$work/$name.resumed" "$orig"
        "$get" "$@" --offset "$size" "$key" >"$work/$name.end" 2>"$work/$name.err"
        check "$name: from its end ($size): exit 0, nothing" test $? -eq 0 -a ! -s "$work/$name.end"
        "$get" "$@" --offset $((size + 1)) "$key" >"$work/$name.beyond" 2>"$work/$name.err"
        check "$name: beyond its end: exit 1, nothing written" test $? -eq 1 -a ! -s "$work/$name.beyond"
        check "$name: beyond its end: says so" \
                grep -qF "offset $((size + 1)) is beyond its end ($size bytes)" "$work/$name.err"
        "$get" "$@" "$key.missing" >"$work/$name.missing" 2>"$work/$name.err"
        check "$name: a missing key: exit 1, nothing written" test $? -eq 1 -a ! -s "$work/$name.missing"
        check "$name: a missing key: says not found" grep -qF "$key.missing: not found" "$work/$name.err"
}

# check_list NAME 'WANT...' STORE_GET ARGS... PREFIX: store-get --list
# (vmc_store_list) exits 0, prints the names WANT (sorted, one a line) and
# made one request.
check_list() {
        local name=$1 want=$2 get=$3 got rc req
        shift 3
        got=$("$get" --list --requests "$@" 2>"$work/$name.err")
        rc=$?
        got=$(printf '%s' "$got" | tr '\n' ' ')
        check "$name: lists '$want'" test "$rc" -eq 0 -a "$got" = "$want"
        [ "$rc" -eq 0 ] || sed 's/^/    /' "$work/$name.err"
        req=$(sed -n 's/^requests //p' "$work/$name.err")
        check "$name: one request ($req)" test "$req" = 1
}

# check_same_key NAME KEY STORE_PUT STORE_GET ARGS...: six writers store
# different contents under one key at once (two indexers writing
# catalog.json): each exits 0 and the object is whole, one of the six.
check_same_key() {
        local name=$1 key=$2 put=$3 get=$4 pids=() rc=0 i match=no n=6
        shift 4
        for i in $(seq $n); do
                head -c $((2000000 + i)) /dev/urandom >"$work/$name.in$i"
                "$put" "$@" --no-stat "$key" <"$work/$name.in$i" >/dev/null 2>"$work/$name.err$i" &
                pids+=($!)
        done
        for i in $(seq $n); do
                wait "${pids[$((i - 1))]}" || { rc=1; sed 's/^/    /' "$work/$name.err$i"; }
        done
        check "$name: $n writers of one key at once all exit 0" test $rc -eq 0
        "$get" "$@" "$key" >"$work/$name.got" 2>"$work/$name.geterr"
        for i in $(seq $n); do
                cmp -s "$work/$name.got" "$work/$name.in$i" && match=yes
        done
        check "$name: the object is one writer's, whole" test $match = yes
}
