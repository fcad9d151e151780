#!/usr/bin/env bash
# Fetches the newest amd64 kernel of an older Debian release from Debian's
# archive and unpacks it (for lab.sh setup --kernel-root). The chain is
# checked: InRelease signed by the archive keyring (gpgv), Packages.xz by
# its SHA-256 in InRelease, the .deb by its SHA-256 in Packages.
# Usage: fetch-kernel.sh SUITE DIR    (e.g. bullseye /tmp/k510)
# Prints DIR/root on success; exit 77 when the archive cannot be reached.
set -euo pipefail
suite=$1 dir=$2
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$dir"
cd "$dir"
if [ -f root/.complete ]; then
	echo "$dir/root"
	exit 0
fi
fetch() { curl -fsS -m 300 --retry 2 -o "$2" "$1"; }
if ! fetch "$mirror/dists/$suite/InRelease" InRelease; then
	echo "fetch-kernel: cannot fetch $suite's InRelease from $mirror" >&2
	exit 77
fi
gpgv --keyring /usr/share/keyrings/debian-archive-keyring.gpg InRelease 2>/dev/null ||
	{ echo "fetch-kernel: InRelease of $suite has no valid archive signature" >&2; exit 1; }
fetch "$mirror/dists/$suite/main/binary-amd64/Packages.xz" Packages.xz
want=$(awk '/^SHA256:/ {s=1; next} /^[A-Za-z]/ {s=0} s && $3 == "main/binary-amd64/Packages.xz" {print $1}' InRelease)
[ -n "$want" ] && echo "$want  Packages.xz" | sha256sum -c --quiet ||
	{ echo "fetch-kernel: Packages.xz does not match InRelease" >&2; exit 1; }
file="" sha=""
read -r file sha < <(xz -dc Packages.xz | awk '
	/^Package: linux-image-[0-9.]+-[0-9]+-amd64-unsigned$/ { p = 1 }
	/^$/ { p = 0 }
	p && /^Filename:/ { f = $2 }
	p && /^SHA256:/ { print f, $2 }' | sort -V | tail -1) || true
[ -n "$file" ] && [ -n "$sha" ] || { echo "fetch-kernel: no amd64 kernel in $suite" >&2; exit 1; }
fetch "$mirror/$file" kernel.deb
echo "$sha  kernel.deb" | sha256sum -c --quiet || { echo "fetch-kernel: $file does not match Packages" >&2; exit 1; }
rm -rf root
dpkg-deb -x kernel.deb root
rm -f kernel.deb
touch root/.complete
echo "$dir/root"
