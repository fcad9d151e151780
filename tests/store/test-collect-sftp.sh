#!/usr/bin/env bash
# vmcored collect into an SFTP store (OpenSSH's sshd on 127.0.0.1, Ed25519
# keys, the host key pinned): check-config --probe writes, reads back and
# deletes; the crash arrives whole, renamed into place from .part; the
# store lists fingerprints for [upload] dump = unknown; a wrong host key
# and a wrong client key are refused at once, not retried; a loose key
# file mode and a missing pin are configuration errors.
# A pipe goes through the same code (store-put). Objects read back whole
# and from an offset, and listed (store-get).
# Usage: test-collect-sftp.sh VMCORED SHARED_DIR WORK_DIR STORE_PUT STORE_GET
set -u
vmcored=$1 shared=$2 work=$3 store_put=$4 store_get=$5
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
fixtures=$shared/fixtures/vmcores

if [ ! -d "$fixtures" ]; then
        echo "SKIP: $fixtures is missing: the SFTP store tests did NOT run" >&2
        exit 77
fi
for tool in /usr/sbin/sshd ssh-keygen makedumpfile xz python3 sha256sum; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed: the SFTP store tests did NOT run" >&2; exit 77; }
done
rm -rf "$work" && mkdir -p "$work"
srv=$work/server
trap 'bash "$here/sshd-server.sh" stop "$srv"' EXIT
bash "$here/sshd-server.sh" start "$srv" >/dev/null || { echo "FAIL: sshd did not start"; exit 1; }
. "$srv/env"

conf() { # conf FILE URL-DIR [extra lines]
        local f=$1 d=$2; shift 2
        printf '[store]\nurl = sftp://%s@%s:%s%s\nssh_key = %s\nssh_host_key = %s\n[upload]\nretries = 2\n%b' \
                "$SFTP_USER" "$SFTP_HOST" "$SFTP_PORT" "$d" "$SFTP_KEY" "$SFTP_HOST_KEY_FINGERPRINT" "$*" >"$f"
}

xz -dc "$fixtures/SYSRQ/vmcore.elf.xz" >"$work/sysrq.elf"
root=$SFTP_ROOT/crashes
conf "$work/sftp.conf" "$root"

# ---- probe ----
"$vmcored" check-config --config "$work/sftp.conf" --probe >/dev/null 2>"$work/probe.err"
check "probe: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/probe.err"
check "probe: says what it did" grep -q "OK: wrote, read back and deleted v1/probe/" "$work/probe.err"
check "probe: leaves nothing behind" test -z "$(find "$root/v1/probe" -type f 2>/dev/null)"

# ---- collect ----
"$vmcored" collect --config "$work/sftp.conf" --vmcore "$work/sysrq.elf" --spool "$work/spool" \
        >"$work/c.out" 2>"$work/c.err"
check "collect: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/c.err"
id=$(cat "$work/c.out")
crash=$root/v1/crashes/$id
for f in report.json dmesg.txt vmcore MANIFEST.json; do
        check "collect: $f arrived" test -s "$crash/$f"
done
for f in report.json dmesg.txt vmcore; do
        check "collect: $f SHA-256 matches MANIFEST" test "$(sha256sum <"$crash/$f" | cut -d' ' -f1)" = \
                "$(json "$crash/MANIFEST.json" "d['files']['$f']['sha256']")"
done
check "collect: no .part file left" test -z "$(find "$root" -name '*.part')"
fp=$(json "$crash/report.json" 'd["fingerprint"]')
check "collect: fingerprint record with the dump" test "$(json "$root/v1/fingerprints/$fp/$id.json" 'd["dump"]')" = True
check "collect: stored dump analyzes to the same title" test \
        "$("$vmcored" analyze --json "$crash/vmcore" | python3 -c 'import json,sys; print(json.load(sys.stdin)["title"])')" = \
        "$(json "$crash/report.json" 'd["title"]')"

"$vmcored" collect --config "$work/sftp.conf" --vmcore "$work/sysrq.elf" --spool "$work/spool" >/dev/null 2>"$work/again.err"
check "again: exit 0, already complete" grep -q "already complete" "$work/again.err"

# ---- [upload] dump = unknown lists the fingerprint's records ----
mkdir -p "$SFTP_ROOT/unknown/v1/fingerprints/$fp"
printf '{"crash_id":"20260101T000000Z-000000000000","dump":true}' \
        >"$SFTP_ROOT/unknown/v1/fingerprints/$fp/20260101T000000Z-000000000000.json"
conf "$work/unknown.conf" "$SFTP_ROOT/unknown" 'dump = unknown\ndumps_per_fingerprint = 1\n'
"$vmcored" collect --config "$work/unknown.conf" --vmcore "$work/sysrq.elf" --spool "$work/spool-unknown" \
        >"$work/unknown.out" 2>"$work/unknown.err"
check "unknown: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/unknown.err"
check "unknown: counted over SFTP, dump not taken" grep -q "holds 1 dumps of fingerprint $fp" "$work/unknown.err"
check "unknown: crash complete without the dump" test -s "$SFTP_ROOT/unknown/v1/crashes/$(cat "$work/unknown.out")/MANIFEST.json"

# ---- a stream of unknown length ----
head -c $(((3 << 20) + 7)) /dev/urandom >"$work/stream.in"
got=$(cat "$work/stream.in" | "$store_put" --config "$work/sftp.conf" s/pipe 2>"$work/stream.err")
check "stream: stored whole" test "$got" = $(((3 << 20) + 7)) || sed 's/^/    /' "$work/stream.err"
check "stream: content equal" cmp -s "$root/s/pipe" "$work/stream.in"
check "stream: no .part left" test -z "$(ls "$root/s" | grep "\.part$")"
check_same_key "same key" t/same "$store_put" "$store_get" --config "$work/sftp.conf"
check "same key: no .part left" test -z "$(ls "$root/t" | grep "\.part$")"

# ---- reading back (resumed at an offset) and listing ----
check_reads "get" "$work/stream.in" s/pipe "$store_get" --config "$work/sftp.conf"
check_list "list a crash" "MANIFEST.json dmesg.txt report.json vmcore" "$store_get" --config "$work/sftp.conf" \
        "v1/crashes/$id"
mkdir -p "$root/s/dir"
touch "$root/s/.hidden" "$root/s/other.part"
check_list "list with a directory, hidden and .part files" "dir pipe" "$store_get" --config "$work/sftp.conf" s
check_list "list a missing prefix: empty" "" "$store_get" --config "$work/sftp.conf" v1/none
check_list "list an empty directory" "" "$store_get" --config "$work/sftp.conf" s/dir

# ---- a stranger's KEY.part is never appended to ----
mkdir -p "$SFTP_ROOT/stranger/v1/crashes/$id"
head -c $((1 << 20)) /dev/urandom >"$SFTP_ROOT/stranger/v1/crashes/$id/vmcore.part"
conf "$work/stranger.conf" "$SFTP_ROOT/stranger"
"$vmcored" collect --config "$work/stranger.conf" --vmcore "$work/sysrq.elf" --spool "$work/spool-stranger" \
        >/dev/null 2>"$work/stranger.err"
check "stranger .part: collect exit 0" test $? -eq 0 || sed 's/^/    /' "$work/stranger.err"
check "stranger .part: removed, the dump stored whole" \
        cmp -s "$SFTP_ROOT/stranger/v1/crashes/$id/vmcore" "$work/spool-stranger/$id/vmcore"
check "stranger .part: not continued" test -z "$(grep "going on from" "$work/stranger.err")"

# ---- kill -9 in the middle of the dump: the next run goes on from what the server has ----
{ cat "$fixtures/BUG/vmcore"; head -c $((300 << 20)) /dev/urandom; } >"$work/big.kdump"
conf "$work/killed.conf" "$SFTP_ROOT/killed"
"$vmcored" collect --config "$work/killed.conf" --vmcore "$work/big.kdump" --spool "$work/spool-killed" \
        >/dev/null 2>"$work/killed.err" &
cpid=$!
part=
for _ in $(seq 1200); do
        part=$(find "$SFTP_ROOT/killed" -name vmcore.part 2>/dev/null)
        [ -n "$part" ] && [ "$(stat -c %s "$part")" -gt $((50 << 20)) ] && break
        sleep 0.05
done
kill -9 "$cpid"
wait "$cpid" 2>/dev/null
sleep 0.5 # the server writes what it had received
had=$(stat -c %s "$part" 2>/dev/null || echo 0)
check "kill -9 mid-dump: a partial KEY.part is left ($((had >> 20)) MiB), no vmcore" \
        test "$had" -gt 0 -a ! -e "${part%.part}"
"$vmcored" upload --config "$work/killed.conf" --spool "$work/spool-killed" >/dev/null 2>"$work/killed-upload.err"
check "kill -9 mid-dump, then upload: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/killed-upload.err"
check "kill -9 mid-dump, then upload: went on from the server's size" \
        grep -q "going on from [0-9]* MiB that an earlier run sent" "$work/killed-upload.err"
kid=$(ls "$work/spool-killed")
check "kill -9 mid-dump, then upload: content complete" \
        cmp -s "$SFTP_ROOT/killed/v1/crashes/$kid/vmcore" "$work/spool-killed/$kid/vmcore"
check "kill -9 mid-dump, then upload: no .part left" test -z "$(find "$SFTP_ROOT/killed" -name '*.part')"

# ---- failures ----
conf "$work/badhost.conf" "$SFTP_ROOT/badhost"
sed -i 's|^ssh_host_key = .*|ssh_host_key = SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA|' "$work/badhost.conf"
"$vmcored" collect --config "$work/badhost.conf" --vmcore "$work/sysrq.elf" --spool "$work/spool-badhost" \
        >/dev/null 2>"$work/badhost.err"
check "wrong host key: exit 4 (kept in the spool)" test $? -eq 4
check "wrong host key: says what to check" grep -q "ssh_host_key" "$work/badhost.err"
check "wrong host key: not retried" test -z "$(grep retrying "$work/badhost.err")"
check "wrong host key: nothing written" test ! -e "$SFTP_ROOT/badhost"
check "wrong host key: dump in the spool" test -s "$work/spool-badhost/$(ls "$work/spool-badhost")/vmcore"

ssh-keygen -q -t ed25519 -N '' -f "$work/other_key"
conf "$work/badkey.conf" "$SFTP_ROOT/badkey"
sed -i "s|^ssh_key = .*|ssh_key = $work/other_key|" "$work/badkey.conf"
"$vmcored" check-config --config "$work/badkey.conf" --probe >/dev/null 2>"$work/badkey.err"
check "wrong client key: probe fails (exit 1)" test $? -eq 1
check "wrong client key: says what to check" grep -q "ssh_key" "$work/badkey.err"
check "wrong client key: not retried" test -z "$(grep retrying "$work/badkey.err")"

chmod 0644 "$work/other_key"
"$vmcored" check-config --config "$work/badkey.conf" --probe >/dev/null 2>"$work/mode.err"
check "key readable by others: refused" grep -q "chmod 600" "$work/mode.err"

printf '[store]\nurl = sftp://%s@%s:%s%s\nssh_key = %s\n' "$SFTP_USER" "$SFTP_HOST" "$SFTP_PORT" "$root" "$SFTP_KEY" \
        >"$work/nopin.conf"
"$vmcored" check-config --config "$work/nopin.conf" --probe >/dev/null 2>"$work/nopin.err"
check "no pinned host key: refused" grep -q "needs \[store\] ssh_host_key" "$work/nopin.err"

finish_test "collect-sftp"
