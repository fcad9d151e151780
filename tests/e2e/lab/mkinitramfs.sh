#!/usr/bin/env bash
# Builds the busybox initramfs of the test guests.
# Usage: mkinitramfs.sh OUT.cpio.gz KERNEL_VERSION [options]
#   --module NAME   kernel module to load at boot (dependencies added from
#                   modules.dep, loaded in order)
#   --ko FILE       an out-of-tree module file, loaded last
#   --binary FILE[=DST]  a program, copied to DST (default: the same path)
#                   with the shared libraries ldd names
#   --file SRC=DST  any file
#   --modroot DIR   take modules from DIR/lib/modules (a kernel package
#                   unpacked with dpkg-deb -x) instead of /lib/modules
#   --sysroot DIR   a foreign architecture's root (fetch-arm64.sh): busybox
#                   comes from there, and the libraries of --binary programs
#                   are found there (ELF DT_NEEDED, as ldd cannot run them)
# The /init is guest-init.sh beside this script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1 kv=$2
shift 2
modroot="" sysroot=""
modules=() kos=() binaries=() files=()
while [ $# -gt 0 ]; do
	case $1 in
	--module) modules+=("$2"); shift 2 ;;
	--ko) kos+=("$2"); shift 2 ;;
	--binary) binaries+=("$2"); shift 2 ;;
	--file) files+=("$2"); shift 2 ;;
	--modroot) modroot=$2; shift 2 ;;
	--sysroot) sysroot=$2; shift 2 ;;
	*) echo "mkinitramfs: unknown option $1" >&2; exit 2 ;;
	esac
done

moddir=$modroot/lib/modules/$kv
modinfo_() { modinfo ${modroot:+-b "$modroot"} -k "$kv" "$@"; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/modules,lib64,etc,proc,sys,dev,mnt,tmp,run}

# busybox-static: the guest has no libc of its own for busybox.
if [ -n "$sysroot" ]; then
	cp "$sysroot/usr/bin/busybox" "$root/bin/busybox"
else
	cp "$(command -v busybox)" "$root/bin/busybox"
fi
cp "$here/guest-init.sh" "$root/init"
chmod 755 "$root/init"

# add_module NAME: the module and (first) everything it depends on.
declare -A seen=()
order=()
add_module() {
	local name=$1 path deps dep
	path=$(modinfo_ -n "$name" 2>/dev/null) || { echo "mkinitramfs: no module $name for $kv" >&2; exit 1; }
	case $path in (builtin) return ;; esac
	[ -n "${seen[$path]:-}" ] && return
	seen[$path]=1
	deps=$(modinfo_ -F depends "$name" | tr ',' ' ')
	for dep in $deps; do add_module "$dep"; done
	local rel=${path#"$moddir"/}
	mkdir -p "$root/lib/modules/$(dirname "$rel")"
	case $path in
	*.ko.xz) xz -dc "$path" > "$root/lib/modules/${rel%.xz}"; rel=${rel%.xz} ;;
	*.ko.zst) zstd -qdc "$path" > "$root/lib/modules/${rel%.zst}"; rel=${rel%.zst} ;;
	*) cp "$path" "$root/lib/modules/$rel" ;;
	esac
	order+=("$rel")
}
for m in "${modules[@]}"; do add_module "$m"; done
for ko in "${kos[@]}"; do
	cp "$ko" "$root/lib/modules/"
	order+=("$(basename "$ko")")
done
printf '%s\n' "${order[@]}" > "$root/lib/modules/load.list"

# add_binary FILE[=DST]: the program and its shared libraries, without
# their debug information (as dracut installs them).
# In a --sysroot, the libraries are the program's DT_NEEDED entries and
# theirs, from the multiarch directory, and its interpreter.
foreign_libs() {
	local f=$1 todo=("$1") seen_libs=" " name path interp
	local libdir
	libdir=$(ls -d "$sysroot"/usr/lib/*-linux-gnu | head -1)
	interp=$(readelf -lW "$f" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	[ -n "$interp" ] && echo "$interp"
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		for name in $(readelf -dW "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case $seen_libs in (*" $name "*) continue ;; esac
			seen_libs="$seen_libs$name "
			path=$libdir/$name
			[ -e "$path" ] || { echo "mkinitramfs: $name (needed by $f) is not in $libdir" >&2; exit 1; }
			echo "${path#"$sysroot"}"
			todo+=("$path")
		done
	done
}

add_binary() {
	local f=${1%%=*} dst=${1#*=} lib libs
	mkdir -p "$root$(dirname "$dst")"
	cp -L "$f" "$root$dst"
	if [ -n "$sysroot" ]; then
		command -v aarch64-linux-gnu-strip >/dev/null && aarch64-linux-gnu-strip --strip-debug "$root$dst" 2>/dev/null || true
		libs=$(foreign_libs "$f") || exit 1
		for lib in $libs; do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$sysroot$lib" "$root$lib"
		done
		return
	fi
	if command -v strip >/dev/null; then strip --strip-debug "$root$dst" 2>/dev/null || true; fi
	for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
for b in "${binaries[@]}"; do add_binary "$b"; done
for f in "${files[@]}"; do
	mkdir -p "$root$(dirname "${f#*=}")"
	cp -L "${f%%=*}" "$root${f#*=}"
done

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -6) > "$out.tmp"
mv "$out.tmp" "$out"
