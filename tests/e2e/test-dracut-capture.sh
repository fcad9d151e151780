#!/usr/bin/env bash
# The capture initramfs made by the real dracut, booted as a real capture
# kernel: dracut -m "systemd systemd-initrd ... vmcored" builds an initrd
# that runs systemd, into which the module "vmcored" (systemd/dracut/
# 99vmcored) puts vmcored and enables vmcored-capture.service. The lab
# guest crashes (kexec -p with that image), systemd brings the network up
# (systemd-networkd, ip= on the command line), the unit runs vmcored collect
# into Ceph radosgw on the host (QEMU guestfwd), and reboots the machine.
# The host checks that the crash arrived complete, with the expected title,
# and that the guest ended by itself.
# Usage: test-dracut-capture.sh VMCORED WORK_DIR [KIND]
set -u
vmcored=$1 work=$2 kind=${3:-BUG}
here=$(cd "$(dirname "$0")" && pwd)
store_dir=$here/../store
. "$store_dir/lib.sh"
. "$here/titles.sh"

if ! "$here/lab/lab.sh" check; then
        echo "SKIP: no QEMU lab on this machine: the dracut capture test did NOT run" >&2
        exit 77
fi
for tool in dracut radosgw curl python3 sha256sum; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed: the dracut capture test did NOT run" >&2; exit 77; }
done
[ -d /usr/lib/dracut/modules.d/01systemd-networkd ] ||
        { echo "SKIP: dracut's systemd-networkd module is missing: the dracut capture test did NOT run" >&2; exit 77; }

rm -rf "$work" && mkdir -p "$work"
work=$(cd "$work" && pwd)
rgw=$work/rgw
cleanup() { bash "$store_dir/radosgw.sh" stop "$rgw"; }
trap cleanup EXIT
bash "$store_dir/radosgw.sh" start "$rgw" >/dev/null || { echo "FAIL: radosgw did not start"; echo "0 passed, 1 failed"; exit 1; }
. "$rgw/env"

# The lab: its kernel and first-kernel initramfs (busybox; it loads the
# capture kernel and crashes).
if ! "$here/lab/lab.sh" setup "$work/lab" --module virtio_net >"$work/setup.log" 2>&1; then
        cat "$work/setup.log"; echo "FAIL lab setup"; echo "0 passed, 1 failed"; exit 1
fi
kv=$(sed -n 's/^lab: kernel \([^,]*\),.*/\1/p' "$work/setup.log")
[ -n "$kv" ] || kv=$(ls -1 /lib/modules | sort -V | tail -1)

# dracut with our module beside its own, as the package installs it; the
# store's settings and secrets go to /etc/vmcored in the image.
cp -a /usr/lib/dracut "$work/dracut"
cp -a "$here/../../systemd/dracut/99vmcored" "$work/dracut/modules.d/"
# The guest's one NIC driver instead of every wired NIC driver (44 MiB of
# modules that would need a crashkernel= twice as large).
printf '#!/bin/bash\ncheck() { return 255; }\ndepends() { return 0; }\ninstallkernel() { instmods virtio_net virtio_pci; }\n' \
        >"$work/dracut/modules.d/90kernel-network-modules/module-setup.sh"
mkdir -p "$work/bin" "$work/etc-vmcored"
cp "$vmcored" "$work/bin/vmcored"
printf 'access_key = %s\nsecret_key = %s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$work/etc-vmcored/store.cred"
chmod 0600 "$work/etc-vmcored/store.cred"
printf '[store]\nurl = s3://%s/e2e-dracut?endpoint=http://10.0.2.100:8080&region=%s\nallow_http = yes\ncredentials = /etc/vmcored/store.cred\n' \
        "$S3_BUCKET" "$S3_REGION" >"$work/etc-vmcored/vmcored.conf"
mkdir -p "$work/confdir"
DRACUT_PATH="$work/bin /sbin /bin /usr/sbin /usr/bin" dracutbasedir=$work/dracut dracut --force --no-hostonly \
        --conf /dev/null --confdir "$work/confdir" \
        -m "systemd systemd-initrd systemd-udevd systemd-networkd base vmcored" \
        --omit "kernel-modules kernel-modules-extra" \
        --include "$work/etc-vmcored" /etc/vmcored --kver "$kv" "$work/capture.img" >"$work/dracut.log" 2>&1
check "dracut made the capture image ($(($(stat -c %s "$work/capture.img" 2>/dev/null || echo 0) / 1024)) KiB)" \
        test -s "$work/capture.img" || tail -20 "$work/dracut.log" | sed 's/^/    /'

# The crash: the capture kernel boots the dracut image. No root file system:
# the unit reboots the machine before the initrd would switch to one. The
# initrd's file system has no room for the dump, so vmcored streams it, on
# two connections at once: the guestfwd starts one nc per connection (a
# tcp: guestfwd is one host connection that all guest connections share).
# 1 GiB of guest memory: in 512 MiB the first kernel cannot always reserve
# 256M in one piece ("Memory for crashkernel is not reserved", seen once in
# CI): KASLR may put the kernel image in the middle of it.
"$here/lab/lab.sh" run "$work/lab" "$kind" "$work/run" --mem 1024 --crashkernel 256M --capture-initrd "$work/capture.img" \
        --capture-append "net.ifnames=0 rd.neednet=1 ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off rd.shell=0 systemd.show_status=1" \
        --net "tcp:10.0.2.100:8080-cmd:busybox nc 127.0.0.1 ${S3_ENDPOINT##*:}" --timeout 400 >"$work/run.log" 2>&1
check "the guest crashed, the capture kernel ran and ended by itself ($(cat "$work/run/result.txt" 2>/dev/null))" \
        grep -q "qemu_rc=0 .*capture_done=n/a" "$work/run/result.txt" || tail -30 "$work/run/serial.log" | sed 's/^/    /'
check "the capture kernel ran vmcored-capture.service (systemd started it, vmcored logged the crash)" \
        test -n "$(grep "Starting .*vmcored-capture" "$work/run/serial.log")" -a \
        -n "$(grep -E "vmcored\[[0-9]+\]: vmcored: fingerprint .* stored in s3://" "$work/run/serial.log")"
check "the unit rebooted the machine when collect was done" \
        test -n "$(sed -n '/vmcored-capture/,$p' "$work/run/serial.log" | grep 'systemd-shutdown\[1\]: Rebooting')"
ids=$(s3 GET "?list-type=2&prefix=e2e-dracut%2Fv1%2Fcrashes%2F" | grep -o '<Key>[^<]*MANIFEST.json' | sed 's|<Key>e2e-dracut/v1/crashes/||; s|/MANIFEST.json||')
check "one crash complete in the store (MANIFEST)" test "$(echo "$ids" | grep -c .)" -eq 1
id=$(echo "$ids" | head -1)
mkdir -p "$work/got"
for f in report.json dmesg.txt MANIFEST.json vmcore; do s3 GET "e2e-dracut/v1/crashes/$id/$f" -o "$work/got/$f" 2>/dev/null; done
check "title '${title[$kind]}'" test "$(json "$work/got/report.json" 'd["title"]' 2>/dev/null)" = "${title[$kind]}"
check "the stored dump matches MANIFEST (SHA-256)" test -s "$work/got/vmcore" -a \
        "$(json "$work/got/MANIFEST.json" "d['files']['vmcore']['sha256']" 2>/dev/null)" = "$(sha256sum <"$work/got/vmcore" | cut -d' ' -f1)"
"$vmcored" analyze --json "$work/got/vmcore" >"$work/stored.json" 2>/dev/null
check "the stored dump analyzes to the same title" test "$(json "$work/stored.json" 'd["title"]' 2>/dev/null)" = "${title[$kind]}"
check "no multipart upload left open" no_uploads_open

finish_test "dracut-capture"
