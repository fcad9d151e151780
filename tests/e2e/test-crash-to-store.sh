#!/usr/bin/env bash
# A real kernel crash reaches the store: for each kind a Debian kernel
# crashes under QEMU, kexec boots the capture kernel with an initramfs
# holding the installed vmcored (and libcurl, which it loads for network
# stores), and there `vmcored collect` is the whole capture job: it analyzes
# /proc/vmcore, stores the fingerprint record, report and log, captures the
# dump with makedumpfile and stores it, through QEMU's restricted user-mode
# network (guestfwd) into Ceph radosgw on the host.
# The host checks, per kind: the fingerprint record and report arrived, the
# title is the expected one, the dump is complete (MANIFEST, SHA-256) and
# analyzes to the same title, the capture kernel's spool says complete. It
# measures the seconds from the crash to the fingerprint record and to the
# complete crash in the store (host clock: the console's "triggering" line,
# and the store polled every 0.2 s), the capture kernel's lowest
# MemAvailable while vmcored ran, and the initramfs size with and without
# vmcored. The store unreachable from the capture kernel: the spool stays
# on the guest's virtio disk, and the next boot of the same guest stores the
# crash with vmcored run.
# Fault cases: the store unreachable (the dump kept on the guest's disk, the
# next boot stores it) and crashkernel= too small (no hang, the failure said).
# Usage: test-crash-to-store.sh VMCORED SHARED_DIR WORK_DIR [KIND...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
vmcored=$1 work=$3
shift 3
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(SYSRQ BUG GPF_PACKET WARNING)
store_dir=$here/../store
. "$store_dir/lib.sh"

if ! "$here/lab/lab.sh" check; then
        echo "SKIP: no QEMU lab on this machine: the crash-to-store tests did NOT run" >&2
        exit 77
fi
for tool in radosgw ceph-mon ceph-osd curl python3 sha256sum; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed: the crash-to-store tests did NOT run" >&2; exit 77; }
done

. "$here/titles.sh"

rm -rf "$work" && mkdir -p "$work"
rgw=$work/rgw
cleanup() { bash "$store_dir/radosgw.sh" stop "$rgw"; }
trap cleanup EXIT
bash "$store_dir/radosgw.sh" start "$rgw" >/dev/null || { echo "FAIL: radosgw did not start"; echo "0 passed, 1 failed"; exit 1; }
. "$rgw/env"

# The capture initramfs: the lab's, plus vmcored with the libraries it
# loads with dlopen for network stores, and the NIC driver. Built once
# without vmcored too, for the size it adds.
libdir=$(dirname "$(ldconfig -p | awk '/libcurl\.so\.4 .*x86-64/ { print $NF; exit }')")
mods=(--module virtio_net --module virtio_blk --module crc32c_generic --module ext4)
if ! "$here/lab/lab.sh" setup "$work/lab" "${mods[@]}" \
                --binary "$vmcored=/usr/bin/vmcored" --binary "$libdir/libcurl.so.4" \
                --binary "$libdir/libexpat.so.1" >"$work/setup.log" 2>&1 ||
        ! "$here/lab/lab.sh" setup "$work/lab-base" "${mods[@]}" >"$work/setup-base.log" 2>&1; then
        cat "$work/setup.log" "$work/setup-base.log"
        echo "FAIL lab setup"
        echo "0 passed, 1 failed"
        exit 1
fi
size=$(stat -c %s "$work/lab/initrd.img") base=$(stat -c %s "$work/lab-base/initrd.img")
echo "capture initramfs: $((size / 1024)) KiB with vmcored and libcurl, $((base / 1024)) KiB without (+$(((size - base) / 1024)) KiB)"

mkdir -p "$work/in"
printf 'access_key = %s\nsecret_key = %s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$work/in/s3.cred"
chmod 0600 "$work/in/s3.cred"
port=${S3_ENDPOINT##*:}

# poll_until FILE CMD...: the host time (s since the epoch) when CMD first succeeds, into FILE.
poll_until() {
        local file=$1; shift
        while ! "$@" >/dev/null 2>&1; do sleep 0.2; done
        date +%s.%N >"$file"
}
listed() { test -n "$(s3 GET "?list-type=2&prefix=$1" | grep -o '<Key>[^<]*')"; }
has_manifest() { s3 GET "?list-type=2&prefix=$1%2Fv1%2Fcrashes%2F" | grep -q 'MANIFEST\.json</Key>'; }

# The first kernel, the capture kernel loaded: vmcored check-config --kdump.
printf '#!/bin/sh\nvmcored check-config --config /dev/null --kdump --capture-initrd /mnt/initrd.img >"$1/kdump-check.out" 2>"$1/kdump-check.err"\necho "kdump_check_rc=$?" >>"$1/kdump-check.out"\n' \
        >"$work/first.sh"
for kind in "${kinds[@]}"; do
        run=$work/$kind prefix=e2e-$kind
        mkdir -p "$run"
        printf '[store]\nurl = s3://%s/%s?endpoint=http://10.0.2.100:8080&region=%s\nallow_http = yes\ncredentials = /mnt/in/s3.cred\n' \
                "$S3_BUCKET" "$prefix" "$S3_REGION" >"$work/in/vmcored.conf"
        rm -f "$run"/t-*
        "$here/lab/lab.sh" run "$work/lab" "$kind" "$run/guest" --capture "$here/capture-collect.sh" \
                --first "$work/first.sh" \
                --net "tcp:10.0.2.100:8080-tcp:127.0.0.1:$port" --in "$work/in" --timeout 400 >"$run/lab.log" 2>&1 &
        lab_pid=$!
        poll_until "$run/t-crash" grep -q "lab-init: triggering" "$run/guest/serial.log" &
        p1=$!
        poll_until "$run/t-fingerprint" listed "$prefix%2Fv1%2Ffingerprints%2F" &
        p2=$!
        poll_until "$run/t-complete" has_manifest "$prefix" &
        p3=$!
        wait "$lab_pid"
        lab_rc=$?
        sleep 0.5
        kill "$p1" "$p2" "$p3" 2>/dev/null
        wait "$p1" "$p2" "$p3" 2>/dev/null
        out=$run/guest/share/out
        check "$kind: guest crashed, the capture kernel ran vmcored and finished ($(cat "$run/guest/result.txt" 2>/dev/null))" \
                test "$lab_rc" -eq 0 || sed 's/^/    /' "$run/lab.log"
        check "$kind: first kernel: vmcored check-config --kdump says a crash would be captured ($(sed -n 's/^needs_about = //p' "$out/kdump-check.out" 2>/dev/null) needed, $(sed -n 's/^reserved = //p' "$out/kdump-check.out" 2>/dev/null) reserved)" \
                test -n "$(grep -x 'kdump_check_rc=0' "$out/kdump-check.out" 2>/dev/null)" -a \
                -n "$(grep -x 'capture_kernel_loaded = yes' "$out/kdump-check.out" 2>/dev/null)" ||
                cat "$out/kdump-check".* 2>/dev/null | sed 's/^/    /'
        check "$kind: network up in the capture kernel" grep -qx "net_rc=0" "$out/rc.txt"
        check "$kind: vmcored collect exit 0 ($(sed -n 's/^collect_s=//p' "$out/rc.txt") s in the capture kernel)" \
                grep -qx "collect_rc=0" "$out/rc.txt" || sed 's/^/    /' "$out/collect.err"
        id=$(tail -1 "$out/collect.out" 2>/dev/null)
        mkdir -p "$run/got"
        for f in report.json dmesg.txt MANIFEST.json vmcore; do
                s3 GET "$prefix/v1/crashes/$id/$f" -o "$run/got/$f" 2>/dev/null
        done
        if [ -n "${title[$kind]:-}" ]; then
                check "$kind: report stored, title '${title[$kind]}'" \
                        test "$(json "$run/got/report.json" 'd["title"]' 2>/dev/null)" = "${title[$kind]}"
        else
                # A kind without an expected title (titles.sh): it must have one.
                title[$kind]=$(json "$run/got/report.json" 'd["title"]' 2>/dev/null)
                check "$kind: report stored, title '${title[$kind]}' (none expected in titles.sh)" test -n "${title[$kind]}"
        fi
        fp=$(json "$run/got/report.json" 'd["fingerprint"]' 2>/dev/null)
        check "$kind: fingerprint record stored" test -n "$fp" -a -n "$(s3 GET "$prefix/v1/fingerprints/$fp/$id.json" 2>/dev/null)"
        for f in report.json dmesg.txt vmcore; do
                check "$kind: $f matches MANIFEST (size, SHA-256)" test \
                        "$(json "$run/got/MANIFEST.json" "(d['files']['$f']['size'], d['files']['$f']['sha256'])" 2>/dev/null)" = \
                        "($(stat -c %s "$run/got/$f" 2>/dev/null), '$(sha256sum <"$run/got/$f" | cut -d' ' -f1)')"
        done
        "$vmcored" analyze --json "$run/got/vmcore" >"$run/stored.json" 2>/dev/null
        check "$kind: the stored dump analyzes to the same title and fingerprint" test \
                "$(json "$run/stored.json" '(d["title"], d["fingerprint"])' 2>/dev/null)" = "('${title[$kind]}', '$fp')"
        check "$kind: the capture kernel's spool says complete, nothing half-done" \
                test "$(json "$out/spool/state.json" '(d["complete"], d["upload_id"], d["last_error"])' 2>/dev/null)" = \
                "(True, None, None)"
        if [ -s "$run/t-crash" ] && [ -s "$run/t-fingerprint" ] && [ -s "$run/t-complete" ]; then
                t_fp=$(awk -v a="$(cat "$run/t-crash")" -v b="$(cat "$run/t-fingerprint")" 'BEGIN { printf "%.1f", b - a }')
                t_all=$(awk -v a="$(cat "$run/t-crash")" -v b="$(cat "$run/t-complete")" 'BEGIN { printf "%.1f", b - a }')
                minavail=$(sort -n "$out/memavail.txt" | head -1)
                echo "figures $kind: crash to fingerprint in the store ${t_fp} s, to the complete crash ${t_all} s;" \
                     "capture kernel MemAvailable before vmcored $(( $(sed -n 's/^memavail_before_kib=//p' "$out/rc.txt") / 1024 )) MiB," \
                     "lowest while it ran $((minavail / 1024)) MiB; dump $(stat -c %s "$run/got/vmcore") bytes" | tee -a "$work/figures.txt"
        fi
done

# ---- the store unreachable from the capture kernel: the spool stays on the
# guest's disk, and the next boot of the same guest stores it with vmcored run ----
if command -v mkfs.ext4 >/dev/null; then
        away=$work/away disk=$work/away/disk.img
        mkdir -p "$away/in"
        cp -a "$work/in/s3.cred" "$away/in/"
        : >"$away/in/disk"
        truncate -s 256M "$disk"
        mkfs.ext4 -q -F -O ^metadata_csum,^has_journal "$disk"
        printf '[store]\nurl = s3://%s/e2e-away?endpoint=http://10.0.2.100:8080&region=%s\nallow_http = yes\ncredentials = /mnt/in/s3.cred\n[upload]\nretries = 1\n' \
                "$S3_BUCKET" "$S3_REGION" >"$away/in/vmcored.conf"
        "$here/lab/lab.sh" run "$work/lab" BUG "$away/crash" --capture "$here/capture-collect.sh" --in "$away/in" \
                --disk "$disk" --timeout 400 >"$away/crash.log" 2>&1
        check "store away: the capture kernel finished" test $? -eq 0 || sed 's/^/    /' "$away/crash.log"
        out=$away/crash/share/out
        check "store away: the guest's disk mounted in the capture kernel" grep -qx "disk_rc=0" "$out/rc.txt"
        check "store away: collect exit 4 (kept in the spool on the disk)" grep -qx "collect_rc=4" "$out/rc.txt" ||
                sed 's/^/    /' "$out/collect.err"
        aid=$(tail -1 "$out/collect.out" 2>/dev/null)
        check "store away: nothing in the store yet" test -z "$(s3 GET '?list-type=2&prefix=e2e-away%2F' | grep -o '<Key>[^<]*')"
        check "store away: the spool on the disk holds the captured dump" \
                test "$(json "$out/spool/state.json" '(d["captured"], d["complete"])' 2>/dev/null)" = "(True, False)"
        "$here/lab/lab.sh" run "$work/lab" RUN "$away/next" --capture "$here/nextboot-run.sh" --in "$away/in" \
                --disk "$disk" --net "tcp:10.0.2.100:8080-tcp:127.0.0.1:$port" --timeout 400 >"$away/next.log" 2>&1
        check "next boot: the guest ran vmcored run --once and finished" test $? -eq 0 || sed 's/^/    /' "$away/next.log"
        out=$away/next/share/out
        check "next boot: the guest's disk mounted" grep -qx "disk_rc=0" "$out/rc.txt"
        check "next boot: vmcored run --once exit 0" grep -qx "run_rc=0" "$out/rc.txt" || sed 's/^/    /' "$out/run.err"
        check "next boot: the same crash, complete in the store" test "$(cat "$out/run.out" 2>/dev/null)" = "$aid"
        mkdir -p "$away/got"
        for f in report.json dmesg.txt MANIFEST.json vmcore; do s3 GET "e2e-away/v1/crashes/$aid/$f" -o "$away/got/$f" 2>/dev/null; done
        check "next boot: the stored dump matches MANIFEST" test \
                "$(json "$away/got/MANIFEST.json" "d['files']['vmcore']['sha256']" 2>/dev/null)" = "$(sha256sum <"$away/got/vmcore" | cut -d' ' -f1)"
        check "next boot: title '${title[BUG]}'" test "$(json "$away/got/report.json" 'd["title"]' 2>/dev/null)" = "${title[BUG]}"
        check "next boot: the spool says complete" test "$(json "$out/spool/state.json" 'd["complete"]' 2>/dev/null)" = True
else
        echo "SKIP: mkfs.ext4 missing: the store-away case did NOT run" >&2
fi

# ---- the capture kernel's memory too small (crashkernel=128M, where the
# initramfs with vmcored needs about 152M): the capture kernel cannot unpack
# its initramfs whole. It must not hang: the job says why and powers off,
# and the store holds nothing half-done. ----
small=$work/small
mkdir -p "$small/in" && cp -a "$work/in/s3.cred" "$small/in/"
printf '[store]\nurl = s3://%s/e2e-small?endpoint=http://10.0.2.100:8080&region=%s\nallow_http = yes\ncredentials = /mnt/in/s3.cred\n' \
        "$S3_BUCKET" "$S3_REGION" >"$small/in/vmcored.conf"
# Before the crash, on the first kernel: vmcored check-config --kdump, with
# the capture kernel loaded, must say the reservation is too small.
"$here/lab/lab.sh" run "$work/lab" SYSRQ "$small/run" --crashkernel 128M --capture "$here/capture-collect.sh" \
        --first "$work/first.sh" \
        --in "$small/in" --net "tcp:10.0.2.100:8080-tcp:127.0.0.1:$port" --timeout 200 >"$small/run.log" 2>&1
check "crashkernel too small: vmcored check-config --kdump on the first kernel said so before the crash (exit 1)" \
        test -n "$(grep -x 'kdump_check_rc=1' "$small/run/share/out/kdump-check.out" 2>/dev/null)" -a \
        -n "$(grep 'crashkernel reserves 128 MiB, but the capture initramfs /mnt/initrd.img .* needs about' "$small/run/share/out/kdump-check.err" 2>/dev/null)" ||
        cat "$small/run/share/out/kdump-check".* 2>/dev/null | sed 's/^/    /' 
check "crashkernel too small: the guest did not hang (the capture kernel powered off by itself: $(cat "$small/run/result.txt" 2>/dev/null))" \
        grep -q "capture_done=yes" "$small/run/result.txt"
check "crashkernel too small: the capture kernel says its initramfs did not unpack" \
        grep -q "Initramfs unpacking failed" "$small/run/serial.log"
check "crashkernel too small: recorded as such ($(sed -n 's/^capture_failure=//p' "$small/run/share/out/rc.txt" 2>/dev/null))" \
        grep -q "^capture_failure=vmcored could not start (exit 12[67]): the capture kernel's memory is too small" \
        "$small/run/share/out/rc.txt"
check "crashkernel too small: nothing half-done in the store" \
        test -z "$(s3 GET '?list-type=2&prefix=e2e-small%2F' | grep -o '<Key>[^<]*')"
check "crashkernel too small: no multipart upload left open" no_uploads_open

finish_test "crash-to-store"
