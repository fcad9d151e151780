#!/usr/bin/env bash
# Fetches an arm64 world for the crash lab from Debian's archive, with a
# private apt (its own sources, lists and empty dpkg status under DIR/apt:
# nothing foreign is installed on this machine), and unpacks it with
# dpkg-deb -x into DIR/root:
#  - Debian 12's newest arm64 kernel (linux-image-*-arm64) and its headers,
#    with this machine's architecture's linux-kbuild of the same version
#    (fixdep, modpost: tools that run here when the crash module is
#    cross-built);
#  - the guest's userland: busybox-static, kexec-tools, makedumpfile, with
#    every library they need;
#  - the -dev packages (and so the libraries) vmcored builds against, a
#    sysroot for aarch64-linux-gnu-gcc; DIR/cross.ini is the meson cross
#    file that uses it.
# apt checks the archive's signatures (InRelease against Debian's keyring)
# and every package's SHA-256, as for any apt-get download.
# Usage: fetch-arm64.sh DIR      prints DIR/root; exit 77 when the archive
#                                cannot be reached
set -euo pipefail
dir=$(mkdir -p "$1" && cd "$1" && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
suite=${DEBIAN_SUITE:-bookworm}
root=$dir/root

if [ -f "$root/.complete" ]; then
	echo "$root"
	exit 0
fi

# The private apt: arm64 first, this machine's architecture for kbuild.
host_arch=$(dpkg --print-architecture)
a=$dir/apt
mkdir -p "$a"/{lists/partial,cache/archives/partial,etc/apt.conf.d,etc/preferences.d,etc/sources.list.d,dpkg}
touch "$a/dpkg/status"
{
	echo "deb [arch=arm64,$host_arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main"
	echo "deb [arch=arm64,$host_arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite-updates main"
	echo "deb [arch=arm64,$host_arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $security $suite-security main"
} >"$a/etc/sources.list"
apt_opts=(
	-o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o "APT::Architectures::=$host_arch"
	-o "Dir::State=$a" -o "Dir::State::Lists=$a/lists" -o "Dir::State::status=$a/dpkg/status"
	-o "Dir::Cache=$a/cache" -o "Dir::Etc=$a/etc" -o "Dir::Etc::SourceList=$a/etc/sources.list"
	-o "Dir::Etc::SourceParts=$a/etc/sources.list.d" -o "Dir::Etc::Parts=$a/etc/apt.conf.d"
	-o "Dir::Etc::Preferences=$a/etc/preferences" -o "Dir::Etc::PreferencesParts=$a/etc/preferences.d"
	-o Debug::NoLocking=1 -o APT::Sandbox::User=root -q
)
if ! apt-get "${apt_opts[@]}" update >"$dir/apt-update.log" 2>&1 || grep -q '^[EW]: ' "$dir/apt-update.log"; then
	cat "$dir/apt-update.log" >&2
	echo "fetch-arm64: cannot read Debian's archive ($mirror)" >&2
	exit 77
fi

# The kernel the metapackage points at today, and its headers.
kpkg=$(apt-cache "${apt_opts[@]}" depends linux-image-arm64 | awk '/Depends: linux-image-/ { print $2; exit }')
[ -n "$kpkg" ] || { echo "fetch-arm64: no arm64 kernel in $suite" >&2; exit 1; }
abi=${kpkg#linux-image-}
kver=$(apt-cache "${apt_opts[@]}" policy "$kpkg" | awk '/Candidate:/ { print $2 }')
kbuild=$(apt-cache "${apt_opts[@]}" show "linux-headers-$abi=$kver" |
	sed -n 's/^Depends:.*\(linux-kbuild-[0-9.]*\).*/\1/p' | head -1)

debs=$a/cache/archives
# Without their dependencies: the kernel needs no userland, and the
# headers' compiler is this machine's cross compiler.
(cd "$debs" && apt-get "${apt_opts[@]}" download "$kpkg=$kver" "linux-headers-$abi=$kver" \
	"linux-headers-${abi%-arm64}-common=$kver" "$kbuild:$host_arch=$kver") >"$dir/apt-download.log" 2>&1 ||
	{ cat "$dir/apt-download.log" >&2; exit 1; }
# The userland and the sysroot, with everything they depend on.
apt-get "${apt_opts[@]}" install --download-only -y --no-install-recommends \
	busybox-static kexec-tools makedumpfile libc6-dev \
	libjson-c-dev libssl-dev libpcre2-dev libkdumpfile-dev libbpf-dev zlib1g-dev liblzo2-dev \
	libzstd-dev libsnappy-dev libinih-dev libcurl4-openssl-dev libexpat1-dev libsystemd-dev \
	>"$dir/apt-install.log" 2>&1 || { cat "$dir/apt-install.log" >&2; exit 1; }

rm -rf "$root"
mkdir -p "$root"
for deb in "$debs"/*.deb; do
	dpkg-deb -x "$deb" "$root"
done
# Debian 12 is merged-/usr: /lib, /bin and /sbin are links into /usr.
for d in lib bin sbin; do
	if [ -d "$root/$d" ] && [ ! -L "$root/$d" ]; then
		cp -a "$root/$d/." "$root/usr/$d/"
		rm -rf "${root:?}/$d"
	fi
	ln -sfn "usr/$d" "$root/$d"
done
# Absolute links (libfoo.so -> /lib/...) point into the root instead,
# relatively: the root can move.
find "$root" -type l -lname '/*' | while read -r l; do
	ln -sfnr "$root$(readlink "$l")" "$l"
done
echo "$abi" >"$root/.kernel-abi"

cat >"$dir/cross.ini" <<EOF
# meson cross file for aarch64-linux-gnu-gcc with the sysroot $root
[binaries]
c = 'aarch64-linux-gnu-gcc'
ar = 'aarch64-linux-gnu-ar'
strip = 'aarch64-linux-gnu-strip'
pkgconfig = 'pkg-config'

[properties]
sys_root = '$root'
pkg_config_libdir = '$root/usr/lib/aarch64-linux-gnu/pkgconfig:$root/usr/share/pkgconfig'

[built-in options]
c_args = ['--sysroot=$root']
c_link_args = ['--sysroot=$root']

[host_machine]
system = 'linux'
cpu_family = 'aarch64'
cpu = 'aarch64'
endian = 'little'
EOF
touch "$root/.complete"
echo "$root"
