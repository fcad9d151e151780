#!/usr/bin/env bash
# vmcored collect into an HTTPS store (nginx, dav PUT, on 127.0.0.1 with a
# CA of its own): the crash arrives whole with basic auth and with a bearer
# token; a wrong password is one attempt, not a retry loop; an untrusted
# certificate is refused and said so; a store that is down is retried with
# backoff and the crash kept in the spool; plain http is refused unless
# allowed; a second collect sees the crash complete.
# A pipe goes as a chunked PUT (store-put). Objects read back whole and
# from an offset (a Range), and listed from nginx's JSON autoindex
# (store-get), which [upload] dump = unknown counts with; a server that
# does not list says how to enable it, and the dump is then stored.
# Usage: test-collect-https.sh VMCORED SHARED_DIR WORK_DIR STORE_PUT STORE_GET
set -u
vmcored=$1 shared=$2 work=$3 store_put=$4 store_get=$5
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
fixtures=$shared/fixtures/vmcores

if [ ! -d "$fixtures" ]; then
        echo "SKIP: $fixtures is missing: the HTTPS store tests did NOT run" >&2
        exit 77
fi
for tool in nginx openssl makedumpfile xz python3 sha256sum; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed: the HTTPS store tests did NOT run" >&2; exit 77; }
done
rm -rf "$work" && mkdir -p "$work"
srv=$work/server
trap 'bash "$here/https-server.sh" stop "$srv"' EXIT
port=$(bash "$here/https-server.sh" start "$srv" "pw-$$" "T0KEN-$$") || { echo "FAIL: nginx did not start"; exit 1; }

secret() { printf "$1" >"$2" && chmod 0600 "$2"; }

xz -dc "$fixtures/SYSRQ/vmcore.elf.xz" >"$work/sysrq.elf"
printf '[store]\nca_file = %s\n[upload]\nretries = 2\n' "$srv/ca.crt" >"$work/ca.conf"
secret "user = crash\npassword = pw-$$\n" "$work/basic.cred"
secret "token = T0KEN-$$\n" "$work/bearer.cred"
secret 'user = crash\npassword = wrong\n' "$work/wrong.cred"

# ---- basic auth ----
url=https://127.0.0.1:$port/basic/crashes
"$vmcored" collect --config "$work/ca.conf" --credentials "$work/basic.cred" --vmcore "$work/sysrq.elf" \
        --spool "$work/spool" --store "$url" >"$work/basic.out" 2>"$work/basic.err"
check "basic: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/basic.err"
id=$(cat "$work/basic.out")
crash=$srv/www/basic/crashes/v1/crashes/$id
for f in report.json dmesg.txt vmcore MANIFEST.json; do
        check "basic: $f arrived" test -s "$crash/$f"
done
for f in report.json dmesg.txt vmcore; do
        check "basic: $f SHA-256 matches MANIFEST" test "$(sha256sum <"$crash/$f" | cut -d' ' -f1)" = \
                "$(json "$crash/MANIFEST.json" "d['files']['$f']['sha256']")"
done
check "basic: the dump is the spool's" cmp -s "$crash/vmcore" "$work/spool/$id/vmcore"
fp=$(json "$crash/report.json" 'd["fingerprint"]')
check "basic: fingerprint record with the dump" test "$(json "$srv/www/basic/crashes/v1/fingerprints/$fp/$id.json" 'd["dump"]')" = True
check "basic: stored dump analyzes to the same title" test \
        "$("$vmcored" analyze --json "$crash/vmcore" | python3 -c 'import json,sys; print(json.load(sys.stdin)["title"])')" = \
        "$(json "$crash/report.json" 'd["title"]')"
check "basic: no secret in the output" test -z "$(grep -l "pw-$$" "$work/basic.out" "$work/basic.err")"

"$vmcored" collect --config "$work/ca.conf" --credentials "$work/basic.cred" --vmcore "$work/sysrq.elf" \
        --spool "$work/spool" --store "$url" >"$work/again.out" 2>"$work/again.err"
check "again: exit 0" test $? -eq 0
check "again: already complete (HEAD on MANIFEST)" grep -q "already complete" "$work/again.err"

# ---- bearer token ----
"$vmcored" collect --config "$work/ca.conf" --credentials "$work/bearer.cred" --vmcore "$work/sysrq.elf" \
        --spool "$work/spool-bearer" --store "https://127.0.0.1:$port/bearer" >"$work/bearer.out" 2>"$work/bearer.err"
check "bearer: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/bearer.err"
check "bearer: MANIFEST arrived" test -s "$srv/www/bearer/v1/crashes/$(cat "$work/bearer.out")/MANIFEST.json"

# ---- probe ----
"$vmcored" check-config --config "$work/ca.conf" --credentials "$work/basic.cred" --store "$url" --probe \
        >/dev/null 2>"$work/probe.err"
check "probe: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/probe.err"
check "probe: wrote, read back, deleted" grep -q "OK: wrote, read back and deleted v1/probe/" "$work/probe.err"
check "probe: leaves nothing behind" test -z "$(find "$srv/www/basic/crashes/v1/probe" -type f 2>/dev/null)"
"$vmcored" check-config --config "$work/ca.conf" --credentials "$work/wrong.cred" --store "$url" --probe \
        >/dev/null 2>"$work/probe-wrong.err"
check "probe with a wrong password: exit 1, says 401" grep -q "store probe failed: .*HTTP 401" "$work/probe-wrong.err"

# ---- a path that needs percent-encoding ----
"$vmcored" collect --config "$work/ca.conf" --credentials "$work/basic.cred" --vmcore "$work/sysrq.elf" \
        --spool "$work/spool-space" --store "https://127.0.0.1:$port/basic/with%20space" >"$work/space.out" 2>"$work/space.err"
check "encoded path: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/space.err"
check "encoded path: stored under 'with space'" test -s "$srv/www/basic/with space/v1/crashes/$(cat "$work/space.out")/MANIFEST.json"

# ---- a redirect is not the object ----
"$vmcored" collect --config "$work/ca.conf" --credentials "$work/basic.cred" --vmcore "$work/sysrq.elf" \
        --spool "$work/spool-moved" --store "https://127.0.0.1:$port/moved" >/dev/null 2>"$work/moved.err"
check "redirect: exit 4, not 'already complete'" test $? -eq 4
check "redirect: says so" grep -q "HTTP 301 (a redirect" "$work/moved.err"

# ---- a stream of unknown length: chunked PUT ----
head -c $(((3 << 20) + 7)) /dev/urandom >"$work/stream.in"
got=$(cat "$work/stream.in" | "$store_put" --config "$work/ca.conf" --credentials "$work/basic.cred" --store "$url" \
        s/pipe 2>"$work/stream.err")
check "stream: stored whole" test "$got" = $(((3 << 20) + 7)) || sed 's/^/    /' "$work/stream.err"
check "stream: content equal" cmp -s "$srv/www/basic/crashes/s/pipe" "$work/stream.in"

# ---- reading back (GET with a Range) and listing (autoindex in JSON) ----
basic=(--config "$work/ca.conf" --credentials "$work/basic.cred" --store "$url")
check_reads "get" "$work/stream.in" s/pipe "$store_get" "${basic[@]}"
check_list "list a crash" "MANIFEST.json dmesg.txt report.json vmcore" "$store_get" "${basic[@]}" "v1/crashes/$id"
# Directories without their slash; hidden files and uploads in progress left out.
mkdir -p "$srv/www/basic/crashes/s/dir"
touch "$srv/www/basic/crashes/s/.hidden" "$srv/www/basic/crashes/s/other.part" "$srv/www/basic/crashes/s/a b"
check_list "list with a directory, a space, hidden and .part files" "a b dir pipe" "$store_get" "${basic[@]}" s
check_list "list a missing prefix: empty" "" "$store_get" "${basic[@]}" v1/none
check_same_key "same key" t/same "$store_put" "$store_get" "${basic[@]}"
check_list "list an empty directory" "" "$store_get" "${basic[@]}" s/dir
check_list "list with a bearer token" "$(cat "$work/bearer.out")" "$store_get" --config "$work/ca.conf" \
        --credentials "$work/bearer.cred" --store "https://127.0.0.1:$port/bearer" v1/crashes
mkdir -p "$srv/www/nolist/v1"
"$store_get" --config "$work/ca.conf" --store "https://127.0.0.1:$port/nolist" --list v1 >"$work/nolist.out" \
        2>"$work/nolist.err"
check "no listing on the server: exit 1" test $? -eq 1 -a ! -s "$work/nolist.out"
check "no listing on the server: says how to enable it" \
        grep -qF "the server offers no listing (HTTP 403); enable it where the store is served (nginx: autoindex on; autoindex_format json;)" \
        "$work/nolist.err"

# ---- [upload] dump = unknown counts the fingerprint's records in the listing ----
mkdir -p "$srv/www/basic/unknown/v1/fingerprints/$fp" "$srv/www/nolist/unknown/v1/fingerprints/$fp"
printf '{"crash_id":"20260101T000000Z-000000000000","dump":true}' \
        >"$srv/www/basic/unknown/v1/fingerprints/$fp/20260101T000000Z-000000000000.json"
cp "$srv/www/basic/unknown/v1/fingerprints/$fp/20260101T000000Z-000000000000.json" "$srv/www/nolist/unknown/v1/fingerprints/$fp/"
{ cat "$work/ca.conf"; printf 'dump = unknown\ndumps_per_fingerprint = 1\n'; } >"$work/unknown.conf"
"$vmcored" collect --config "$work/unknown.conf" --credentials "$work/basic.cred" --vmcore "$work/sysrq.elf" \
        --spool "$work/spool-unknown" --store "https://127.0.0.1:$port/basic/unknown" >"$work/unknown.out" 2>"$work/unknown.err"
check "unknown: exit 0" test $? -eq 0
check "unknown: counted in the listing, dump not taken" grep -q "holds 1 dumps of fingerprint $fp" "$work/unknown.err"
check "unknown: crash complete without the dump" test -s "$srv/www/basic/unknown/v1/crashes/$(cat "$work/unknown.out")/MANIFEST.json" \
        -a ! -e "$srv/www/basic/unknown/v1/crashes/$(cat "$work/unknown.out")/vmcore"
"$vmcored" collect --config "$work/unknown.conf" --vmcore "$work/sysrq.elf" --spool "$work/spool-unknown-nolist" \
        --store "https://127.0.0.1:$port/nolist/unknown" >"$work/unknown-nolist.out" 2>"$work/unknown-nolist.err"
check "unknown, server without listing: exit 0" test $? -eq 0
check "unknown, server without listing: says it cannot count, stores the dump" \
        grep -qF "autoindex_format json;); [upload] dump = unknown cannot count dumps there: storing this one" \
        "$work/unknown-nolist.err"
check "unknown, server without listing: the dump stored" \
        test -s "$srv/www/nolist/unknown/v1/crashes/$(cat "$work/unknown-nolist.out")/vmcore"

# ---- failures ----
before=$(grep -c ' 401 ' "$srv/access.log")
"$vmcored" collect --config "$work/ca.conf" --credentials "$work/wrong.cred" --vmcore "$work/sysrq.elf" \
        --spool "$work/spool-wrong" --store "https://127.0.0.1:$port/basic/other" >/dev/null 2>"$work/wrong.err"
check "wrong password: exit 4 (kept in the spool)" test $? -eq 4
check "wrong password: says 401 and what to check" grep -q "HTTP 401 (check \[store\] credentials)" "$work/wrong.err"
check "wrong password: one attempt, no retry loop" test "$(( $(grep -c ' 401 ' "$srv/access.log") - before ))" -eq 1
check "wrong password: no retry said" test -z "$(grep retrying "$work/wrong.err")"
check "wrong password: dump kept in the spool" test -s "$work/spool-wrong/$(ls "$work/spool-wrong")/vmcore"

printf '[upload]\nretries = 2\n' >"$work/noca.conf"
"$vmcored" collect --config "$work/noca.conf" --credentials "$work/basic.cred" --vmcore "$work/sysrq.elf" \
        --spool "$work/spool-noca" --store "$url" >/dev/null 2>"$work/noca.err"
check "untrusted certificate: exit 4" test $? -eq 4
check "untrusted certificate: said" grep -qi "certificate" "$work/noca.err"
check "untrusted certificate: not retried" test -z "$(grep retrying "$work/noca.err")"

down=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$vmcored" collect --config "$work/ca.conf" --credentials "$work/basic.cred" --vmcore "$work/sysrq.elf" \
        --spool "$work/spool-down" --store "https://127.0.0.1:$down/x" >/dev/null 2>"$work/down.err"
check "store down: exit 4" test $? -eq 4
check "store down: each attempt logged, with backoff" grep -q "attempt 2 of 3: .*retrying in" "$work/down.err"
check "store down: gives up after the retries" grep -q "giving up" "$work/down.err"
check "store down: everything stays in the spool" test -s "$work/spool-down/$(ls "$work/spool-down")/vmcore"

"$vmcored" collect --config "$work/ca.conf" --vmcore "$work/sysrq.elf" --spool "$work/spool-http" \
        --store "http://127.0.0.1:$port/basic" >/dev/null 2>"$work/http.err"
check "plain http: refused (exit 1)" test $? -eq 1
check "plain http: says allow_http" grep -q allow_http "$work/http.err"

finish_test "collect-https"
