#!/usr/bin/env bash
# meson install puts the binary, the unit, the tmpfiles.d entry, the
# configuration and the man pages in place; the unit passes
# systemd-analyze verify, the tmpfiles.d entry makes what it says, and the
# man pages render without warnings.
# Usage: test-install.sh BUILD_DIR WORK_DIR
set -u
build=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../store/lib.sh"

rm -rf "$work" && mkdir -p "$work"
meson install -C "$build" --destdir "$work/dest" --no-rebuild --quiet >"$work/install.log" 2>&1
check "meson install --destdir: exit 0" test $? -eq 0 || sed 's/^/    /' "$work/install.log"
find "$work/dest" -type f -o -type l | sed "s|^$work/dest||" | sort >"$work/files"
has() { grep -qE "$1" "$work/files"; }
check "installed: the binary" has '/bin/vmcored$'
check "installed: vmcored(8)" has '/man8/vmcored\.8$'
check "installed: vmcored.conf(5)" has '/man5/vmcored\.conf\.5$'
check "installed: the configuration" has '/vmcored/vmcored\.conf$'
check "installed: the shipped known-issue rules" has '/share/vmcored/signatures\.d/network\.rules$'
if pkg-config --exists dracut; then
        check "installed: the dracut module" has "^$(pkg-config --variable=dracutmodulesdir dracut)/99vmcored/module-setup\.sh$"
        check "installed: kdump's dracut.conf.d snippet" has '/kdump/dracut\.conf\.d/99-vmcored\.conf$'
        check "installed: the capture-kernel unit beside the dracut module" has "^$(pkg-config --variable=dracutmodulesdir dracut)/99vmcored/vmcored-capture\.service$"
fi
for hook in pre post; do
        link=$(grep "/vmcored-kdump-$hook\$" "$work/files")
        check "installed: the kdump_$hook hook, a link to the installed vmcored" \
                test -n "$link" -a "$(readlink "$work/dest$link")" = "$(grep '/bin/vmcored$' "$work/files")"
done
if command -v systemd-analyze >/dev/null && pkg-config --exists systemd; then
        unitdir=$(pkg-config --variable=systemdsystemunitdir systemd)
        tmpfilesdir=$(pkg-config --variable=tmpfilesdir systemd)
        check "installed: the unit in systemd's unit directory" has "^$unitdir/vmcored\.service$"
        check "installed: the tmpfiles.d entry" has "^$tmpfilesdir/vmcored\.conf$"
        unit=$work/dest$unitdir/vmcored.service
        bin=$(grep '/bin/vmcored$' "$work/files")
        check "unit: ExecStart is the installed binary" grep -q "^ExecStart=$bin run$" "$unit"
        # Verified as installed, with ExecStart pointing at the binary in DESTDIR.
        sed "s|^ExecStart=$bin|ExecStart=$work/dest$bin|" "$unit" >"$work/vmcored.service"
        systemd-analyze verify "$work/vmcored.service" >"$work/verify.log" 2>&1
        check "unit: systemd-analyze verify has nothing to say about it" \
                test -z "$(grep -v "man vmcored" "$work/verify.log")" || sed 's/^/    /' "$work/verify.log"
        check "unit: Type=notify, hardened, loads the store credential" \
                grep -qxF "Type=notify" "$unit" -a -n "$(grep -xF ProtectSystem=strict "$unit")" \
                -a -n "$(grep -xF LoadCredential=vmcored-store:/etc/vmcored/store.cred "$unit")"
        kt=$work/dest$unitdir/vmcored-kdump-tools.service
        sed "s|$bin|$work/dest$bin|" "$kt" >"$work/vmcored-kdump-tools.service"
        systemd-analyze verify "$work/vmcored-kdump-tools.service" >"$work/verify-kt.log" 2>&1
        check "kdump-tools unit: systemd-analyze verify has nothing to say about it" \
                test -z "$(grep -v "man vmcored" "$work/verify-kt.log")" || sed 's/^/    /' "$work/verify-kt.log"
        check "kdump-tools unit: fingerprint only, before kdump-tools-dump, never failing it" \
                grep -qx "ExecStart=-$bin collect --fingerprint-only" "$kt" -a -n "$(grep -x Before=kdump-tools-dump.service "$kt")"
        check "kdump-tools drop-in pulls the unit in" \
                grep -qx "Wants=vmcored-kdump-tools.service" "$work/dest$unitdir/kdump-tools-dump.service.d/vmcored.conf"
        # arm64: kexec gets a kallsyms with _text, in kdump-tools' and
        # kdump-utils' own mount namespace.
        ks=$work/dest$unitdir/vmcored-kallsyms.service
        helper=$(grep '/libexec/vmcored/kallsyms-text$' "$work/files")
        check "installed: the kallsyms helper, executable" test -n "$helper" -a -x "$work/dest$helper"
        check "kallsyms unit: runs the installed helper, arm64 only, before both kdump units" \
                grep -qx "ExecStart=$helper /run/vmcored/kallsyms" "$ks" -a -n "$(grep -x ConditionArchitecture=arm64 "$ks")" \
                -a -n "$(grep -x 'Before=kdump-tools.service kdump.service' "$ks")"
        sed "s|$helper|$work/dest$helper|" "$ks" >"$work/vmcored-kallsyms.service"
        systemd-analyze verify "$work/vmcored-kallsyms.service" >"$work/verify-ks.log" 2>&1
        check "kallsyms unit: systemd-analyze verify has nothing to say about it" \
                test -z "$(grep -v "man vmcored" "$work/verify-ks.log")" || sed 's/^/    /' "$work/verify-ks.log"
        for u in kdump-tools kdump; do
                d=$work/dest$unitdir/$u.service.d/vmcored-kallsyms.conf
                check "$u.service drop-in: binds the copy over /proc/kallsyms, after the unit that writes it" \
                        grep -qx "BindReadOnlyPaths=-/run/vmcored/kallsyms:/proc/kallsyms" "$d" \
                        -a -n "$(grep -x After=vmcored-kallsyms.service "$d")"
        done
        mkdir -p "$work/root"
        systemd-tmpfiles --create --root="$work/root" "$work/dest$tmpfilesdir/vmcored.conf" >"$work/tmpfiles.log" 2>&1
        check "tmpfiles.d: applies cleanly" test $? -eq 0 || sed 's/^/    /' "$work/tmpfiles.log"
        check "tmpfiles.d: an empty store credential, mode 0600" \
                test "$(stat -c '%s %a' "$work/root/etc/vmcored/store.cred")" = "0 600"
        check "tmpfiles.d: /var/crash left empty (the unit's condition)" test -d "$work/root/var/crash" -a -z "$(ls -A "$work/root/var/crash")"
else
        echo "SKIP: systemd-analyze or systemd.pc missing: the unit checks did NOT run" >&2
fi
command -v man >/dev/null || echo "SKIP: man is not installed: the man pages were NOT rendered" >&2
command -v man >/dev/null && for m in $(grep -E '/man[0-9]/' "$work/files"); do
        LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -l "$work/dest$m" >/dev/null 2>"$work/man.err"
        check "man page $(basename "$m") renders without warnings" test ! -s "$work/man.err" || sed 's/^/    /' "$work/man.err"
done

echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
