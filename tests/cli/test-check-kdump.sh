#!/usr/bin/env bash
# vmcored check-config --kdump: the first kernel's kdump setup, from the
# kernel's own files (kexec_crash_size, kexec_crash_loaded, the command
# line; here stand-ins, named by VMCORED_SYS_KERNEL and VMCORED_PROC_CMDLINE):
# no reservation, no capture kernel loaded, a reservation too small for the
# capture initramfs (the failure a crash would otherwise meet, unannounced),
# and a setup that works.
# Usage: test-check-kdump.sh VMCORED WORK_DIR
set -u
vmcored=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../store/lib.sh"
rm -rf "$work" && mkdir -p "$work/sys"
: >"$work/empty.conf"
export VMCORED_SYS_KERNEL=$work/sys VMCORED_PROC_CMDLINE=$work/cmdline
kernel() { # kernel CMDLINE RESERVED_BYTES LOADED
        echo "$1" >"$work/cmdline"; echo "$2" >"$work/sys/kexec_crash_size"; echo "$3" >"$work/sys/kexec_crash_loaded"
}
run() { "$vmcored" check-config --config "$work/empty.conf" --kdump "$@" >"$work/out" 2>"$work/err"; }
# A capture initramfs the size of the e2e test's (15.2 MiB, with vmcored).
truncate -s 15938355 "$work/initrd.img"

kernel "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet" 0 0
run --capture-initrd "$work/initrd.img"
check "no crashkernel=: exit 1" test $? -eq 1
check "no crashkernel=: says no memory is reserved, and what to do" \
        grep -q "no memory is reserved for a capture kernel (no crashkernel= on the kernel command line): a crash cannot be captured; add crashkernel=" "$work/err"
check "no crashkernel=: the [kdump] section says so" grep -q "^crashkernel = (none)$" "$work/out"

kernel "root=/dev/vda1 crashkernel=512M-:192M quiet" $((192 * 1024 * 1024)) 0
run --capture-initrd "$work/initrd.img"
check "nothing loaded: exit 1, said" test $? -eq 1 -a -n "$(grep 'no capture kernel is loaded (kexec -p)' "$work/err")"
check "nothing loaded: crashkernel= and the reservation shown" \
        test -n "$(grep '^crashkernel = 512M-:192M$' "$work/out")" -a -n "$(grep '^reserved = 192 MiB$' "$work/out")"

kernel "root=/dev/vda1 crashkernel=128M" $((128 * 1024 * 1024)) 1
run --capture-initrd "$work/initrd.img"
check "128M for a 15.2 MiB initramfs: exit 1" test $? -eq 1
check "128M for a 15.2 MiB initramfs: says it would fail, and the size to use" \
        grep -q "crashkernel reserves 128 MiB, but the capture initramfs $work/initrd.img (15.2 MiB) needs about 176 MiB: the capture kernel would fail to unpack it and capture nothing; raise crashkernel= to 176M" "$work/err"

kernel "root=/dev/vda1 crashkernel=256M" $((256 * 1024 * 1024)) 1
run --capture-initrd "$work/initrd.img"
check "256M, loaded, fits: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/err"
check "256M: the estimate shown" test -n "$(grep '^needs_about = 176 MiB$' "$work/out")" -a -n "$(grep '^capture_kernel_loaded = yes$' "$work/out")"
run --capture-initrd "$work/nonexistent.img"
check "an initramfs that is not there: exit 1, said" test $? -eq 1 -a -n "$(grep 'nonexistent.img' "$work/err")"
"$vmcored" check-config --config "$work/empty.conf" >"$work/plain.out" 2>&1
check "without --kdump: no [kdump] section, exit 0" test $? -eq 0 -a -z "$(grep '^\[kdump\]' "$work/plain.out")"

echo "check-kdump: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
