#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# dracut module "vmcored": vmcored in the kdump initramfs (kdump-utils), so
# that kdump_pre (/usr/libexec/vmcored-kdump-pre) stores the crash's
# fingerprint from the capture kernel and kdump_post
# (/usr/libexec/vmcored-kdump-post) the dump kdump saved. Only on request: kdump's
# dracut.conf.d (/usr/lib/kdump/dracut.conf.d/99-vmcored.conf) adds it to
# the kdump initramfs, never to the host's own. In an image without
# kdump-utils that runs systemd (dracut -a vmcored), vmcored-capture.service
# is the whole capture job.

check() {
        require_binaries vmcored makedumpfile || return 1
        return 255
}

depends() {
        # The capture kernel has no network unless a module brings it up.
        echo network
}

installkernel() {
        # The usual NICs of the hosts kdump runs on come with network's
        # kernel-network-modules; nothing of our own.
        return 0
}

# The first of the given shared libraries found in the library path.
inst_lib_named() {
        local name=$1 path
        path=$(ldconfig -p 2>/dev/null | awk -v n="$name" '$1 == n && /x86-64|64bit|lib64|aarch64/ { print $NF; exit }')
        [ -n "$path" ] || path=$(ldconfig -p 2>/dev/null | awk -v n="$name" '$1 == n { print $NF; exit }')
        [ -n "$path" ] || return 1
        # dracut-install resolves the dependencies of executables only, and
        # libraries are not executable: ldd gives the whole closure.
        inst_library "$path"
        local dep
        for dep in $(ldd "$path" 2>/dev/null | awk '/=> \// { print $3 }'); do
                inst_library "$dep"
        done
}

install() {
        # In /usr/bin whatever the host's prefix: the hook and the units
        # name that path.
        inst_binary "$(find_binary vmcored)" /usr/bin/vmcored
        inst_binary makedumpfile
        # The kdump_pre and kdump_post hooks are vmcored under other names.
        local hook
        inst_dir /usr/libexec
        for hook in vmcored-kdump-pre vmcored-kdump-post; do
                ln_r /usr/bin/vmcored "/usr/libexec/$hook"
        done
        # vmcored loads these with dlopen for network stores: no ldd entry.
        inst_lib_named libcurl.so.4
        inst_lib_named libexpat.so.1
        # Its settings, the store's secrets and key, and the CAs TLS needs.
        inst_multiple -o /etc/vmcored/vmcored.conf /etc/vmcored/store.cred /etc/vmcored/ssh_key \
                /etc/vmcored/ssh_key.pub
        local f
        for f in /etc/vmcored/vmcored.conf.d/*.conf /etc/vmcored/*.cred; do
                [ -e "$f" ] && inst_simple "$f"
        done
        # Known-issue rules: the crash's fingerprint record names its known
        # issues, and it is written here. The site's rules come from
        # $vmcored_site_rules (a dracut.conf variable; default
        # /etc/vmcored/signatures.d) and go to /etc/vmcored/signatures.d.
        for f in /usr/share/vmcored/signatures.d/*.rules /usr/local/share/vmcored/signatures.d/*.rules; do
                [ -e "$f" ] && inst_simple "$f"
        done
        for f in "${vmcored_site_rules:-/etc/vmcored/signatures.d}"/*.rules; do
                [ -e "$f" ] && inst_simple "$f" "/etc/vmcored/signatures.d/${f##*/}"
        done
        inst_multiple -o /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt \
                /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem
        # Names and addresses for the store's host.
        inst_multiple -o /etc/hosts /etc/resolv.conf /etc/nsswitch.conf
        inst_libdir_file "libnss_dns.so.*" "libnss_files.so.*" "libresolv.so.*"
        # Without kdump-utils (whose hooks do the work) in an initrd that
        # runs systemd, vmcored is the whole capture job.
        if ! dracut_module_included "kdumpbase" && dracut_module_included "systemd"; then
                inst_simple "$moddir/vmcored-capture.service" "$systemdsystemunitdir/vmcored-capture.service"
                $SYSTEMCTL -q --root "$initdir" add-wants initrd.target vmcored-capture.service
        fi
}
