#!/usr/bin/env bash
# kdump-utils' hooks as kdump.sh calls them (kdump_pre with no argument,
# kdump_post with the exit status of kdump's dump), with the file store and
# a real dump, laid out as kdump-utils saves it (<path>/<ip>-<date>/vmcore,
# vmcore-dmesg.txt):
#  - kdump_post 0 finds the dump kdump saved in this boot under kdump.conf's
#    path on a mounted file system (not an older one, not an incomplete one)
#    and completes the crash kdump_pre started, with kdump's file as the dump,
#    which stays untouched;
#  - the store away: both hooks exit 0, and the next boot's vmcored run
#    stores the crash from kdump's directory (the capture kernel's spool in
#    memory is gone);
#  - kdump could not save (status 1): vmcored captures the dump itself;
#  - no dump found (an ssh target): exit 0, said; bad settings: exit 0, said.
# Usage: test-kdump-post.sh VMCORED WORK_DIR SAMPLE_DUMP
set -u
vmcored=$1 work=$2 sample=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

for tool in makedumpfile python3 sha256sum; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed: the kdump_post tests did NOT run" >&2; exit 77; }
done
rm -rf "$work" && mkdir -p "$work/hook"
work=$(cd "$work" && pwd)
bin=$(cd "$(dirname "$vmcored")" && pwd)/$(basename "$vmcored")
ln -s "$bin" "$work/hook/vmcored-kdump-pre"
ln -s "$bin" "$work/hook/vmcored-kdump-post"
pre=$work/hook/vmcored-kdump-pre post=$work/hook/vmcored-kdump-post
: >"$work/empty.conf"
snapshot() { (cd "$1" && find . -mindepth 1 -printf '%p %s %T@ %m\n' | sort && find . -type f -exec sha256sum {} + | sort); }

# kdump.conf's path, absolute: reached through the / mount, as /var/crash is
# on a real host (kdump-utils mounts the dump target, e.g. /sysroot).
crash=$work/crash
printf '# kdump.conf\next4 UUID=1234\npath %s   # where dumps go\ncore_collector makedumpfile -l -d 31\n' "$crash" >"$work/kdump.conf"
save() { # save DIR: kdump-utils saved the sample in DIR
        mkdir -p "$1" && cp "$sample" "$1/vmcore" && "$vmcored" dmesg "$sample" >"$1/vmcore-dmesg.txt" 2>/dev/null
}
old=$crash/127.0.0.1-2026-01-01-00:00:00 new=$crash/127.0.0.1-2026-11-22-12:00:00 half=$crash/127.0.0.1-2026-11-22-12:30:00
save "$old" && touch -d '2000-01-01' "$old/vmcore"        # an earlier boot's: already stored then
save "$new"
mkdir -p "$half" && cp "$sample" "$half/vmcore-incomplete"  # kdump did not finish this one
before=$(snapshot "$crash")

# ---- kdump_pre, then kdump saves, then kdump_post 0 ----
"$pre" --config "$work/empty.conf" --vmcore "$sample" --spool "$work/spool" --store "file://$work/store" \
        >"$work/pre.out" 2>"$work/pre.err"
check "kdump_pre: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/pre.err"
id=$(cat "$work/pre.out")
check "kdump_pre: the fingerprint and report stored, not the dump" \
        test -s "$work/store/v1/crashes/$id/report.json" -a ! -e "$work/store/v1/crashes/$id/MANIFEST.json"
"$post" 0 --config "$work/empty.conf" --kdump-conf "$work/kdump.conf" --spool "$work/spool" \
        --store "file://$work/store" >"$work/post.out" 2>"$work/post.err"
check "kdump_post 0: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/post.err"
check "kdump_post 0: it took the dump of this boot (not the older one, not the incomplete one)" \
        grep -q "storing the dump kdump saved, $new/vmcore" "$work/post.err"
check "kdump_post 0: the crash kdump_pre started is complete, no second crash" \
        test "$(ls "$work/store/v1/crashes")" = "$id" -a -s "$work/store/v1/crashes/$id/MANIFEST.json"
check "kdump_post 0: the stored dump is kdump's file" cmp -s "$work/store/v1/crashes/$id/vmcore" "$new/vmcore"
check "kdump_post 0: MANIFEST's SHA-256 is the dump's" test \
        "$(json "$work/store/v1/crashes/$id/MANIFEST.json" 'd["files"]["vmcore"]["sha256"]')" = "$(sha256sum <"$new/vmcore" | cut -d' ' -f1)"
check "kdump_post 0: the spool links to kdump's file, no copy" test "$(readlink "$work/spool/$id/vmcore")" = "$new/vmcore"
check "kdump_post 0: kdump's directories are untouched" test "$(snapshot "$crash")" = "$before"
"$vmcored" upload --config "$work/empty.conf" --spool "$work/spool" --store "file://$work/store" >/dev/null 2>&1
check "kdump_post 0: nothing left in the spool (upload exit 0)" test $? -eq 0

# ---- the store away from the capture kernel: the next boot stores it ----
away=https://127.0.0.1:9/x
printf '[upload]\nretries = 0\n' >"$work/away.conf"
"$pre" --config "$work/away.conf" --vmcore "$sample" --spool "$work/spool-ram" --store "$away" >/dev/null 2>"$work/pre-away.err"
check "store away: kdump_pre exit 0" test $? -eq 0 || sed 's/^/    /' "$work/pre-away.err"
"$post" 0 --config "$work/away.conf" --kdump-conf "$work/kdump.conf" --spool "$work/spool-ram" --store "$away" \
        >/dev/null 2>"$work/post-away.err"
check "store away: kdump_post exit 0" test $? -eq 0 || sed 's/^/    /' "$work/post-away.err"
check "store away: says the next boot's vmcored run stores it" \
        grep -q "the store is away: the dump stays in $new/vmcore, and the next boot's vmcored run stores it" "$work/post-away.err" ||
        sed 's/^/    /' "$work/post-away.err"
check "store away: kdump's directories are untouched" test "$(snapshot "$crash")" = "$before"
# The next boot: the capture kernel's spool was in memory and is gone.
rm -rf "$work/spool-ram"
"$vmcored" run --once --config "$work/empty.conf" --crash-dir "$crash" --spool "$work/spool-next" \
        --store "file://$work/store2" >/dev/null 2>"$work/next.err"
check "next boot: vmcored run --once stores it (exit 0)" test $? -eq 0 || sed 's/^/    /' "$work/next.err"
check "next boot: complete, with kdump's file as the dump" \
        test -s "$work/store2/v1/crashes/$id/MANIFEST.json" -a -n "$(cmp "$work/store2/v1/crashes/$id/vmcore" "$new/vmcore" && echo same)"

# ---- kdump could not save the dump: vmcored captures it ----
"$post" 1 --config "$work/empty.conf" --kdump-conf "$work/kdump.conf" --vmcore "$sample" --spool "$work/spool3" \
        --store "file://$work/store3" >/dev/null 2>"$work/post-failed.err"
check "kdump failed (status 1): kdump_post exit 0" test $? -eq 0 || sed 's/^/    /' "$work/post-failed.err"
check "kdump failed: says vmcored captures the dump itself" \
        grep -q "kdump could not save the dump (status 1); vmcored captures $sample itself" "$work/post-failed.err"
check "kdump failed: the crash is complete with the dump vmcored captured" test \
        "$(json "$work/store3/v1/crashes/$id/MANIFEST.json" '(d["dump"]["format"], d["files"]["vmcore"]["size"])' 2>/dev/null)" = \
        "('kdump-compressed', $(stat -c %s "$sample"))"
check "kdump failed: kdump's directories are untouched" test "$(snapshot "$crash")" = "$before"

# ---- nothing to find, bad settings ----
printf 'ssh kdump@backup.example\npath /nonexistent-vmcored-test\n' >"$work/kdump-ssh.conf"
"$post" 0 --config "$work/empty.conf" --kdump-conf "$work/kdump-ssh.conf" --spool "$work/spool4" \
        --store "file://$work/store4" >/dev/null 2>"$work/post-ssh.err"
check "no dump on a mounted file system (ssh target): exit 0" test $? -eq 0
check "no dump on a mounted file system: says so" grep -q "no dump kdump saved in this boot under /nonexistent-vmcored-test" "$work/post-ssh.err"
check "no dump on a mounted file system: nothing stored" test ! -e "$work/store4/v1/crashes"
"$post" 0 --config "$work/nonexistent.conf" --kdump-conf "$work/kdump.conf" >/dev/null 2>"$work/post-bad.err"
check "bad settings: exit 0 (kdump goes on), said" test $? -eq 0 -a -s "$work/post-bad.err"
"$post" 0 --no-such-option >/dev/null 2>"$work/post-usage.err"
check "bad option: exit 0 (kdump goes on), said" test $? -eq 0 -a -s "$work/post-usage.err"
"$post" --help >"$work/post-help.out"
check "--help: exit 0, names kdump.conf's line" grep -q "kdump_post /usr/libexec/vmcored-kdump-post" "$work/post-help.out"

finish_test "kdump-post"
