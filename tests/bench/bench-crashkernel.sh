#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The smallest crashkernel= with which the capture kernel still does its job,
# with the capture initramfs of the e2e test (busybox, kexec, makedumpfile,
# NIC and disk drivers) without vmcored (the job: makedumpfile -l -d 31),
# and with vmcored and libcurl (the job: vmcored collect into radosgw on the
# host). Tries sizes from large to small and stops at the first failure.
# Usage: tests/bench/bench-crashkernel.sh [WORK_DIR] [SIZES...]  (MiB; default 192 176 160 152 144 128 112 96)
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
work=${1:-/var/tmp/vmcored-bench-crashkernel}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(192 176 160 152 144 128 112 96)
lab=$root/tests/e2e/lab/lab.sh
vmcored=$root/build/daemon/vmcored
"$lab" check || exit 77
rm -rf "$work" && mkdir -p "$work/in"
bash "$root/tests/store/radosgw.sh" start "$work/rgw" >/dev/null || exit 1
trap 'bash "$root/tests/store/radosgw.sh" stop "$work/rgw"' EXIT
. "$work/rgw/env"
libdir=$(dirname "$(ldconfig -p | awk '/libcurl\.so\.4 .*x86-64/ { print $NF; exit }')")
mods=(--module virtio_net --module virtio_blk --module crc32c_generic --module ext4)
"$lab" setup "$work/lab" "${mods[@]}" --binary "$vmcored=/usr/bin/vmcored" --binary "$libdir/libcurl.so.4" \
        --binary "$libdir/libexpat.so.1" >/dev/null || exit 1
"$lab" setup "$work/lab-base" "${mods[@]}" >/dev/null || exit 1
printf 'access_key = %s\nsecret_key = %s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$work/in/s3.cred"
chmod 0600 "$work/in/s3.cred"
printf '[store]\nurl = s3://%s/ck?endpoint=http://10.0.2.100:8080&region=%s\nallow_http = yes\ncredentials = /mnt/in/s3.cred\n' \
        "$S3_BUCKET" "$S3_REGION" >"$work/in/vmcored.conf"
printf '#!/bin/sh\nmakedumpfile -l -d 31 /proc/vmcore /tmp/vmcore >"$1/mdf.log" 2>&1\necho "mdf_rc=$?" >>"$1/rc.txt"\n' \
        >"$work/mdf.sh"
chmod +x "$work/mdf.sh"
echo "capture initramfs: $(($(stat -c %s "$work/lab/initrd.img") / 1024)) KiB with vmcored and libcurl," \
     "$(($(stat -c %s "$work/lab-base/initrd.img") / 1024)) KiB without"
for what in base vmcored; do
        smallest=
        for mib in "${sizes[@]}"; do
                out=$work/$what-$mib
                if [ "$what" = base ]; then
                        "$lab" run "$work/lab-base" SYSRQ "$out" --crashkernel "${mib}M" --capture "$work/mdf.sh" \
                                --timeout 200 >/dev/null 2>&1
                        grep -qx mdf_rc=0 "$out/share/out/rc.txt" 2>/dev/null || break
                else
                        "$lab" run "$work/lab" SYSRQ "$out" --crashkernel "${mib}M" \
                                --capture "$root/tests/e2e/capture-collect.sh" --in "$work/in" \
                                --net "tcp:10.0.2.100:8080-tcp:127.0.0.1:${S3_ENDPOINT##*:}" --timeout 200 >/dev/null 2>&1
                        grep -qx collect_rc=0 "$out/share/out/rc.txt" 2>/dev/null || break
                        echo "  crashkernel=${mib}M: vmcored collect OK; lowest MemAvailable while it ran" \
                             "$(($(sort -n "$out/share/out/memavail.txt" | head -1) / 1024)) MiB"
                fi
                smallest=$mib
        done
        echo "smallest crashkernel that works, $what: ${smallest:-none of ${sizes[*]}} MiB"
done
