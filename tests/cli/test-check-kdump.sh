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

# ---- arm64: a kallsyms without _text (Debian 12's arm64 kernel) ----
# Stand-ins: VMCORED_ARCH for uname, VMCORED_PROC_KALLSYMS, the workaround's
# copy VMCORED_KALLSYMS_COPY, and a kexec that says its version.
helper=$here/../../systemd/vmcored-kallsyms-text
printf '%s\n' "ffff800008000000 t _head_stub" "ffff800008010000 T _stext" "ffff800008010000 T __exception_text_start" \
        "ffff800009a10000 T _etext" "ffff80000a000000 D jiffies" >"$work/kallsyms.arm64"
printf '#!/bin/sh\necho "kexec-tools 2.0.25"\n' >"$work/kexec" && chmod +x "$work/kexec"
export VMCORED_KEXEC=$work/kexec VMCORED_PROC_KALLSYMS=$work/kallsyms.arm64 VMCORED_KALLSYMS_COPY=$work/run/kallsyms
VMCORED_ARCH=aarch64 run --capture-initrd "$work/initrd.img"
check "arm64, no _text, capture kernel loaded: exit 1" test $? -eq 1
check "arm64, no _text: says why /proc/vmcore would be unreadable, names kexec-tools and the fix" \
        grep -q "lists no _text.*kexec-tools 2.0.25 takes the kernel's start from _text.*p_vaddr 0xffffffffffffffff.*Enable vmcored-kallsyms.service" "$work/err"
check "arm64, no _text: the [kdump] section says so" grep -qx "kallsyms_text = missing" "$work/out"
VMCORED_ARCH=aarch64 "$vmcored" check-config --config "$work/empty.conf" >"$work/plain.out" 2>"$work/plain.err"
check "arm64, no _text, without --kdump: a warning, exit 0" test $? -eq 0 -a -n "$(grep 'lists no _text' "$work/plain.err")"
VMCORED_ARCH=x86_64 run --capture-initrd "$work/initrd.img"
check "x86_64 with the same kallsyms: no word about it, exit 0" test $? -eq 0 -a -z "$(grep -i '_text' "$work/err" "$work/out")"

# The workaround: the helper writes the copy with _text = _stext - 0x10000.
VMCORED_ARCH=aarch64 VMCORED_KALLSYMS=$work/kallsyms.arm64 sh "$helper" "$work/run/kallsyms" >"$work/helper.out" 2>&1
check "kallsyms-text: exit 0, the copy written" test $? -eq 0 -a -f "$work/run/kallsyms"
check "kallsyms-text: _text = _stext - 0x10000, then the kernel's lines" \
        test "$(head -1 "$work/run/kallsyms")" = "ffff800008000000 T _text" -a \
        "$(tail -n +2 "$work/run/kallsyms" | cmp - "$work/kallsyms.arm64" && echo same)" = same
VMCORED_ARCH=aarch64 run --capture-initrd "$work/initrd.img"
check "arm64, no _text, the copy in place: exit 0, said" \
        test $? -eq 0 -a -n "$(grep -x "kallsyms_text = missing; kexec is given $work/run/kallsyms (vmcored-kallsyms.service)" "$work/out")"
VMCORED_ARCH=aarch64 VMCORED_KALLSYMS=$work/run/kallsyms sh "$helper" "$work/run/again" >/dev/null 2>&1
check "kallsyms-text: _text listed already: exit 1, nothing written" test $? -eq 1 -a ! -e "$work/run/again"
VMCORED_ARCH=x86_64 VMCORED_KALLSYMS=$work/kallsyms.arm64 sh "$helper" "$work/run/again" >/dev/null 2>&1
check "kallsyms-text: not arm64: exit 1, nothing written" test $? -eq 1 -a ! -e "$work/run/again"
sed 's/^ffff[0-9a-f]*/0000000000000000/' "$work/kallsyms.arm64" >"$work/kallsyms.hidden"
VMCORED_ARCH=aarch64 VMCORED_KALLSYMS=$work/kallsyms.hidden sh "$helper" "$work/run/again" >/dev/null 2>"$work/helper.err"
check "kallsyms-text: addresses hidden (not root): exit 2, said, nothing written" \
        test $? -eq 2 -a ! -e "$work/run/again" -a -n "$(grep 'run as root' "$work/helper.err")"
# The borrow between the halves: _stext at a 4 GiB boundary.
printf '%s\n' "ffff800100000000 T _stext" >"$work/kallsyms.borrow"
VMCORED_ARCH=aarch64 VMCORED_KALLSYMS=$work/kallsyms.borrow sh "$helper" "$work/run/borrow" >/dev/null 2>&1
check "kallsyms-text: the subtraction borrows across 32 bits" test "$(head -1 "$work/run/borrow")" = "ffff8000ffff0000 T _text"

echo "check-kdump: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
