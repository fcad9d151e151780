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
