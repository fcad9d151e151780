#!/usr/bin/env bash
# The dracut module (systemd/dracut/99vmcored) with the real dracut: kdump's
# dracut.conf.d snippet adds it, and the initramfs it makes holds vmcored,
# makedumpfile, the libraries vmcored loads with dlopen (libcurl, libexpat),
# the settings, the store's secrets, the CA bundle and network support.
# Unpacked, the image runs vmcored (chroot): it analyzes a real dump and
# loads libcurl there, and kdump-utils' hooks store a crash from there. Without the snippet, the module stays out.
# Usage: test-dracut.sh VMCORED WORK_DIR SAMPLE_DUMP
set -u
vmcored=$1 work=$2 sample=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../store/lib.sh"
src=$here/../../systemd

for tool in dracut lsinitrd cpio; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (dracut-core): the dracut module test did NOT run" >&2; exit 77; }
done
[ -d /usr/lib/dracut/modules.d/40network ] ||
        { echo "SKIP: dracut's network module is missing (dracut-network): the dracut module test did NOT run" >&2; exit 77; }
kv=$(ls -1 /lib/modules | sort -V | tail -1)
rm -rf "$work" && mkdir -p "$work"

# dracut with our module beside its own, as the package installs it.
cp -a /usr/lib/dracut "$work/dracut"
cp -a "$src/dracut/99vmcored" "$work/dracut/modules.d/"
# kdump-utils' own dracut module (not packaged in Debian), as far as ours
# cares: it is there and included in the kdump image.
mkdir -p "$work/dracut/modules.d/99kdumpbase"
printf '#!/bin/bash\ncheck() { return 255; }\ndepends() { return 0; }\ninstall() { return 0; }\n' \
        >"$work/dracut/modules.d/99kdumpbase/module-setup.sh"
mkdir -p "$work/confdir" "$work/empty-confdir" "$work/bin"
cp "$src/kdump/99-vmcored.conf" "$work/confdir/"
printf 'vmcored_site_rules="%s"\n' "$work/rules" >"$work/confdir/98-test-rules.conf"
cp "$vmcored" "$work/bin/vmcored"
# The settings and secrets the module takes from /etc/vmcored, made for the
# test when this host has none (and removed afterwards).
made=() made_mounts=()
cleanup() {
        for m in "${made_mounts[@]}"; do umount "$m"; done
        for f in "${made[@]}"; do rm -f "$f"; done
        rmdir /etc/vmcored 2>/dev/null
        true
}
trap cleanup EXIT
mkdir -p /etc/vmcored
for f in vmcored.conf store.cred; do
        if [ ! -e "/etc/vmcored/$f" ]; then
                printf '# test-dracut.sh\n' >"/etc/vmcored/$f" && chmod 0600 "/etc/vmcored/$f" && made+=("/etc/vmcored/$f")
        fi
done

# The site's rules from a directory of the test's (not the host's /etc,
# which the tests running beside this one read).
mkdir -p "$work/rules"
printf '[test-dracut]\nsummary = a rule of test-dracut.sh\ntitle = *\n' >"$work/rules/test-dracut.rules"

build() { # build IMAGE CONFDIR MODULES: a non-hostonly image with MODULES and what the conf dir adds
        DRACUT_PATH="$work/bin /sbin /bin /usr/sbin /usr/bin" dracutbasedir=$work/dracut dracut --quiet --force --no-hostonly --no-compress \
                --conf /dev/null --confdir "$2" -m "$3" --kver "$kv" "$1" >"$1.log" 2>&1
}
build "$work/kdump.img" "$work/confdir" "base kdumpbase"
check "dracut with kdump's conf dir: exit 0" test $? -eq 0 || tail -20 "$work/kdump.img.log" | sed 's/^/    /'
lsinitrd "$work/kdump.img" >"$work/kdump.list" 2>&1
has() { grep -qE "$1" "$work/kdump.list"; }
check "image: vmcored" has ' usr/(s?bin|local/bin)/vmcored$'
check "image: makedumpfile" has '/makedumpfile$'
check "image: libcurl (dlopen)" has 'libcurl\.so\.4'
check "image: libexpat (dlopen)" has 'libexpat\.so\.1'
check "image: the settings" has ' etc/vmcored/vmcored\.conf$'
check "image: the store's secrets, mode 0600" grep -qE '^-rw------- .* etc/vmcored/store\.cred$' "$work/kdump.list"
check "image: the site's known-issue rules" has ' etc/vmcored/signatures\.d/test-dracut\.rules$'
check "image: the CA bundle" has 'ca-certificates\.crt$|ca-bundle\.crt$|tls-ca-bundle\.pem$'
check "image: network support (dracut's network module)" has 'usr/lib/dracut/hooks/.*|sbin/ip$|ifup|network'
mkdir -p "$work/root"
(cd "$work/root" && cpio -id --quiet <"$work/kdump.img")
# /proc for the chroot (a sanitizer build reads /proc/self/maps).
mkdir -p "$work/root/proc" && mount -t proc proc "$work/root/proc" && made_mounts+=("$work/root/proc")
vm=$(cd "$work/root" && ls usr/bin/vmcored usr/sbin/vmcored 2>/dev/null | head -1)
# A sanitizer build's suppressions file, where LSAN_OPTIONS names it.
supp=$(printf '%s' "${LSAN_OPTIONS:-}" | sed -n 's/.*suppressions=\([^:]*\).*/\1/p')
[ -n "$supp" ] && [ -f "$supp" ] && mkdir -p "$work/root$(dirname "$supp")" && cp "$supp" "$work/root$supp"
cp "$sample" "$work/root/sample.kdump"
chroot "$work/root" "/$vm" analyze --json /sample.kdump >"$work/chroot-analyze.json" 2>"$work/chroot-analyze.err"
check "image: vmcored runs there and analyzes a real dump" test $? -eq 0 -a -s "$work/chroot-analyze.json" ||
        sed 's/^/    /' "$work/chroot-analyze.err"
printf "[upload]\nretries = 0\n" >"$work/root/empty.conf"
chroot "$work/root" "/$vm" check-config --config /empty.conf --store "https://127.0.0.1:9/x" --probe \
        >/dev/null 2>"$work/chroot-probe.err"
check "image: vmcored loads libcurl there (the probe reaches the network code)" \
        grep -q "Couldn't connect\|Connection refused\|connect" "$work/chroot-probe.err" ||
        sed 's/^/    /' "$work/chroot-probe.err"
# kdump-utils' hooks, as kdump.sh runs them in this image: kdump_pre, then
# kdump saves the dump under the dump target it mounted (/sysroot for the
# root file system), then kdump_post with the status of the save.
for hook in pre post; do
        check "image: the kdump_$hook hook links to vmcored" \
                test "$(readlink -f "$work/root/usr/libexec/vmcored-kdump-$hook" | sed "s|^$work/root||")" = "/$vm"
done
mkdir -p "$work/root/sysroot" && mount -t tmpfs tmpfs "$work/root/sysroot" && made_mounts=("$work/root/sysroot" "${made_mounts[@]}")
printf 'ext4 /dev/vda1\npath /var/crash\n' >"$work/root/etc/kdump.conf"
printf '[capture]\nspool = /var/crash/vmcored\n' >"$work/root/hooks.conf"
chroot "$work/root" /usr/libexec/vmcored-kdump-pre --config /hooks.conf --vmcore /sample.kdump --store file:///store \
        >"$work/hook-pre.out" 2>"$work/hook-pre.err"
check "image: kdump_pre exit 0, the fingerprint stored" \
        test $? -eq 0 -a -n "$(ls "$work/root/store/v1/fingerprints/"*/*.json 2>/dev/null)" || sed 's/^/    /' "$work/hook-pre.err"
saved=$work/root/sysroot/var/crash/192.168.122.10-2026-11-22-12:00:00
mkdir -p "$saved" && cp "$sample" "$saved/vmcore"
chroot "$work/root" /usr/libexec/vmcored-kdump-post 0 --config /hooks.conf --store file:///store \
        >"$work/hook-post.out" 2>"$work/hook-post.err"
check "image: kdump_post 0 exit 0, the dump kdump saved in /sysroot/var/crash stored" \
        test $? -eq 0 -a -s "$work/root/store/v1/crashes/$(cat "$work/hook-pre.out")/MANIFEST.json" ||
        sed 's/^/    /' "$work/hook-post.err"
check "image: the stored dump is kdump's file" cmp -s "$work/root/store/v1/crashes/$(cat "$work/hook-pre.out")/vmcore" "$saved/vmcore"
check "kdump image (kdump-utils' kdumpbase in it): no capture unit of vmcored's, the hooks do the work" \
        test ! -e "$work/root/usr/lib/systemd/system/vmcored-capture.service"
# Without kdump-utils, in an initrd that runs systemd, vmcored is the whole
# capture job: vmcored-capture.service, wanted by initrd.target.
DRACUT_PATH="$work/bin /sbin /bin /usr/sbin /usr/bin" dracutbasedir=$work/dracut dracut --quiet --force --no-hostonly \
        --no-compress --conf /dev/null --confdir "$work/empty-confdir" -m "systemd systemd-initrd base vmcored" \
        --kver "$kv" "$work/systemd.img" >"$work/systemd.img.log" 2>&1
check "dracut -m 'systemd systemd-initrd base vmcored': exit 0" test $? -eq 0 || tail -20 "$work/systemd.img.log" | sed 's/^/    /'
mkdir -p "$work/sroot" && (cd "$work/sroot" && cpio -id --quiet <"$work/systemd.img")
unit=usr/lib/systemd/system/vmcored-capture.service
check "systemd image: vmcored-capture.service" test -s "$work/sroot/$unit"
check "systemd image: wanted by initrd.target" \
        test "$(basename "$(readlink "$work/sroot/etc/systemd/system/initrd.target.wants/vmcored-capture.service")")" = \
        vmcored-capture.service -a -s "$work/sroot$(readlink "$work/sroot/etc/systemd/system/initrd.target.wants/vmcored-capture.service")"
check "systemd image: the unit runs the vmcored in the image" test -x "$work/sroot/usr/bin/vmcored" -a \
        "$(sed -n 's/^ExecStart=//p' "$work/sroot/$unit")" = "/usr/bin/vmcored collect"
systemd-analyze verify --man=no --root="$work/sroot" "/$unit" >"$work/verify-capture.log" 2>&1
check "systemd image: systemd-analyze verify has nothing to say about the unit" \
        test $? -eq 0 -a -z "$(grep -v '^$' "$work/verify-capture.log")" || sed 's/^/    /' "$work/verify-capture.log"
build "$work/plain.img" "$work/empty-confdir" "base"
lsinitrd "$work/plain.img" >"$work/plain.list" 2>&1
check "without kdump's conf dir, the module stays out (check returns 255)" \
        test -s "$work/plain.img" -a -n "$(grep -E ' usr/bin/dracut-lib\.sh$| usr/lib/dracut-lib\.sh$| init$' "$work/plain.list")" \
        -a -z "$(grep -E '/vmcored$' "$work/plain.list")"

finish_test "dracut"
