#!/usr/bin/env bash
# vmcored's crash lab: real kernel crashes and real kdump captures under QEMU
# (TCG, Debian's kernel, a busybox initramfs). Facts behind it:
# ../shared/docs/crash-lab.md.
#
#   lab.sh check [arm64]
#       exit 0 if this machine can run (arm64) guests, else say what is
#       missing (exit 77)
#   lab.sh setup LAB [--binary FILE[=DST]]... [--kernel-root DIR]
#       build the crash module and the guest initramfs into LAB. With
#       --kernel-root, the kernel is one unpacked from a Debian package
#       (dpkg-deb -x linux-image-*.deb DIR), e.g. of an older release; without
#       its headers there is no crash module, so only SYSRQ, OOM and INIT_EXIT
#       work
#   lab.sh setup ... [--module NAME]...
#       also load these kernel modules at boot (with their dependencies)
#   lab.sh setup LAB --arch arm64 [--binary FILE[=DST]]... [--module NAME]...
#       an arm64 guest (qemu-system-aarch64 -M virt, TCG): Debian's arm64
#       kernel, busybox, kexec-tools and makedumpfile from the archive
#       (fetch-arm64.sh, kept in $VMCORED_LAB_CACHE, default
#       ~/.cache/vmcored-lab), the crash module cross-built against the
#       kernel's headers; --binary FILEs must be arm64 programs (their
#       libraries come from the same root)
#   lab.sh arm64-root
#       fetch (or find) the arm64 root and print its directory; DIR/../cross.ini
#       is a meson cross file for it
#   lab.sh cross-build SRC BUILDDIR
#       build vmcored from SRC for arm64 into BUILDDIR; prints the program
#   lab.sh run LAB KIND OUT [--mem MiB] [--crashkernel SIZE] [--capture SCRIPT]
#              [--timeout SEC] [--append KERNEL_ARGS] [--net GUESTFWD]... [--in DIR]
#              [--disk IMAGE]
#       boot a guest, load the capture kernel, crash it (KIND: SYSRQ, OOM,
#       INIT_EXIT or a vmcored_crashtest kind: WARNING BUG NULL GPF_PACKET
#       LIST_CORRUPT SOFTLOCKUP HUNG_TASK PANIC VMA_PACKET UAF_POISON (boot
#       with --append slub_debug=P) BITFLIP NULL_MEMBER WARN_STORM; MCE: a
#       fatal machine check injected through QEMU's monitor); the capture kernel runs
#       SCRIPT OUTDIR with /proc/vmcore at hand. Results go to OUT/share/out/,
#       the console to OUT/serial.log, timings to OUT/result.txt. With --net,
#       a virtio NIC on QEMU's user-mode network, restricted (no way out)
#       but for each guestfwd=GUESTFWD rule (tcp:10.0.2.100:80-tcp:127.0.0.1:PORT
#       lets the guest reach a server on the host); the guest's address is
#       10.0.2.15/24, set up by the capture script. --in DIR is copied to the share as
#       in/ (the capture script finds it at /mnt/in). --disk IMAGE: a raw
#       image as the guest's virtio disk (/dev/vda), kept from run to run.
#       KIND RUN: no crash; the first kernel runs SCRIPT OUTDIR (a next boot).
#       --first SCRIPT: the first kernel runs SCRIPT OUTDIR once the capture
#       kernel is loaded, before the crash.
#       --capture-initrd IMAGE: the capture kernel boots IMAGE (e.g. one dracut
#       made) instead of the lab's initramfs, with --capture-append ARGS added
#       to its command line; it has no share, so the run succeeds when the
#       guest powers off or reboots by itself (capture_done=n/a).
#       --broken-kallsyms (arm64): load the capture kernel with the kernel's
#       own /proc/kallsyms, which lacks _text, as kdump on Debian 12 arm64
#       does; by default the guest applies vmcored's workaround first
#       (systemd/vmcored-kallsyms-text).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
crashmod=$here/../crashmod

# The newest kernel that has both an image and headers (modules must match).
kernel_version() {
	local v
	for v in $(ls -1 /lib/modules 2>/dev/null | sort -rV); do
		if [ -r "/boot/vmlinuz-$v" ] && [ -d "/lib/modules/$v/build" ]; then
			echo "$v"
			return 0
		fi
	done
	return 1
}

cache_dir() { echo "${VMCORED_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcored-lab}"; }

cmd_check_arm64() {
	local missing=() t
	for t in qemu-system-aarch64 qemu-aarch64 aarch64-linux-gnu-gcc apt-get dpkg-deb readelf cpio gzip modinfo depmod make; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "lab: cannot run arm64 guests, missing: ${missing[*]} (.ci/install-deps installs them)" >&2
		return 77
	fi
}

cmd_arm64_root() {
	cmd_check_arm64 || return
	"$here/fetch-arm64.sh" "$(cache_dir)/arm64"
}

cmd_cross_build() {
	local src=$1 build=$2 root
	root=$(cmd_arm64_root) || return
	if [ ! -f "$build/build.ninja" ]; then
		meson setup "$build" "$src" --cross-file "$root/../cross.ini" -Dtests=false -Dsystemd=disabled \
			-Ddracut=disabled -Dbuildtype=release >"$build.setup.log" 2>&1 ||
			{ cat "$build.setup.log" >&2; return 1; }
	fi
	ninja -C "$build" daemon/vmcored >"$build.ninja.log" 2>&1 || { cat "$build.ninja.log" >&2; return 1; }
	echo "$build/daemon/vmcored"
}

setup_arm64() {
	local lab=$1 root kv
	shift
	root=$(cmd_arm64_root) || return
	kv=$(cat "$root/.kernel-abi")
	depmod -b "$root" "$kv"
	mkdir -p "$lab/crashmod"
	cp "$crashmod/Kbuild" "$crashmod/vmcored_crashtest.c" "$lab/crashmod/"
	make -s -C "$root/usr/src/linux-headers-$kv" M="$lab/crashmod" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		modules >"$lab/crashmod/build.log" 2>&1 ||
		{ cat "$lab/crashmod/build.log" >&2; echo "lab: cross-building the crash module failed" >&2; return 1; }
	cp "$root/boot/vmlinuz-$kv" "$lab/vmlinuz"
	"$here/mkinitramfs.sh" "$lab/initrd.img" "$kv" --modroot "$root" --sysroot "$root" \
		--module 9p --module 9pnet_virtio --module virtio_pci \
		--binary "$root/usr/sbin/kexec=/usr/sbin/kexec" --binary "$root/usr/bin/makedumpfile=/usr/bin/makedumpfile" \
		--file "$here/../../../systemd/vmcored-kallsyms-text=/usr/libexec/vmcored/kallsyms-text" \
		--ko "$lab/crashmod/vmcored_crashtest.ko" "$@"
	echo "$kv" >"$lab/kernel-version"
	echo arm64 >"$lab/arch"
	echo "lab: arm64 kernel $kv, initramfs $(stat -c %s "$lab/initrd.img") bytes"
}

cmd_check() {
	local missing=() t
	for t in qemu-system-x86_64 busybox kexec makedumpfile cpio gzip modinfo make; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	kernel_version >/dev/null || missing+=("a kernel image with matching headers (linux-image-amd64 linux-headers-amd64)")
	if [ ${#missing[@]} -gt 0 ]; then
		echo "lab: cannot run guests, missing: ${missing[*]} (.ci/install-deps installs them)" >&2
		return 77
	fi
}

cmd_setup() {
	local lab=$1
	shift
	local kv extra=() kroot="" arch=x86_64
	while [ $# -gt 0 ]; do
		case $1 in
		--binary) extra+=(--binary "$2"); shift 2 ;;
		--module) extra+=(--module "$2"); shift 2 ;;
		--kernel-root) kroot=$(cd "$2" && pwd); shift 2 ;;
		--arch) arch=$2; shift 2 ;;
		*) echo "lab setup: unknown option $1" >&2; return 2 ;;
		esac
	done
	case $arch in
	x86_64) ;;
	arm64) mkdir -p "$lab"; setup_arm64 "$lab" "${extra[@]}"; return ;;
	*) echo "lab setup: unknown architecture $arch (x86_64, arm64)" >&2; return 2 ;;
	esac
	cmd_check
	mkdir -p "$lab"
	if [ -n "$kroot" ]; then
		kv=$(ls -1 "$kroot/lib/modules" | sort -V | tail -1)
		[ -n "$kv" ] && [ -r "$kroot/boot/vmlinuz-$kv" ] ||
			{ echo "lab: no kernel in $kroot (boot/vmlinuz-* and lib/modules/*)" >&2; return 1; }
		depmod -b "$kroot" "$kv"
		cp "$kroot/boot/vmlinuz-$kv" "$lab/vmlinuz"
		extra+=(--modroot "$kroot")
	else
		kv=$(kernel_version)
		mkdir -p "$lab/crashmod"
		cp "$crashmod/Kbuild" "$crashmod/vmcored_crashtest.c" "$lab/crashmod/"
		make -s -C "/lib/modules/$kv/build" M="$lab/crashmod" modules >"$lab/crashmod/build.log" 2>&1 ||
			{ cat "$lab/crashmod/build.log" >&2; echo "lab: building the crash module failed" >&2; return 1; }
		cp "/boot/vmlinuz-$kv" "$lab/vmlinuz"
		extra+=(--ko "$lab/crashmod/vmcored_crashtest.ko")
	fi
	"$here/mkinitramfs.sh" "$lab/initrd.img" "$kv" \
		--module 9p --module 9pnet_virtio --module virtio_pci \
		--binary "$(command -v kexec)" --binary "$(command -v makedumpfile)" \
		"${extra[@]}"
	echo "$kv" > "$lab/kernel-version"
	echo "lab: kernel $kv, initramfs $(stat -c %s "$lab/initrd.img") bytes"
}

cmd_run() {
	local lab=$1 kind=$2 out=$3
	shift 3
	local mem=512 ck=192M capture="" timeout=300 append="" net=() input="" disk="" cinitrd="" cappend="" first=""
	local arch=x86_64 console=ttyS0 kallsyms_fix=1
	[ -f "$lab/arch" ] && arch=$(cat "$lab/arch")
	[ "$arch" = arm64 ] && console=ttyAMA0
	while [ $# -gt 0 ]; do
		case $1 in
		--broken-kallsyms) kallsyms_fix=0; shift ;;
		--net) net+=("$2"); shift 2 ;;
		--in) input=$2; shift 2 ;;
		--disk) disk=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
		--mem) mem=$2; shift 2 ;;
		--crashkernel) ck=$2; shift 2 ;;
		--capture) capture=$2; shift 2 ;;
		--timeout) timeout=$2; shift 2 ;;
		--append) append=$2; shift 2 ;;
		--capture-initrd) cinitrd=$2; shift 2 ;;
		--first) first=$2; shift 2 ;;
		--capture-append) cappend=$2; shift 2 ;;
		*) echo "lab run: unknown option $1" >&2; return 2 ;;
		esac
	done
	rm -rf "$out"
	mkdir -p "$out/share/out"
	cp "$lab/vmlinuz" "$lab/initrd.img" "$out/share/"
	echo "console=$console irqpoll nr_cpus=1 reset_devices panic=-1 oops=panic no_timer_check $cappend" \
		> "$out/share/capture.cmdline"
	[ -n "$cinitrd" ] && cp "$cinitrd" "$out/share/capture-initrd.img"
	[ -n "$capture" ] && install -m 755 "$capture" "$out/share/capture.sh"
	[ -n "$first" ] && install -m 755 "$first" "$out/share/first.sh"
	[ -n "$input" ] && cp -a "$input" "$out/share/in"

	local netargs=()
	if [ ${#net[@]} -gt 0 ]; then
		local spec="user,id=n0,restrict=on" fwd
		for fwd in "${net[@]}"; do spec="$spec,guestfwd=$fwd"; done
		netargs=(-netdev "$spec" -device virtio-net-pci,netdev=n0)
	fi
	[ -n "$disk" ] && netargs+=(-drive "file=$disk,if=virtio,format=raw")
	# MCE: QEMU's monitor injects an uncorrected machine check (bank 1,
	# MCi_STATUS valid|uncorrected|enabled|misc|addr|processor context
	# corrupt; MCG_STATUS MCIP without RIPV) once the guest says it waits.
	local injector=""
	if [ "$kind" = MCE ]; then
		netargs+=(-monitor "unix:$out/monitor.sock,server=on,wait=off")
		(
			for _ in $(seq 1 600); do
				grep -q 'lab-init: triggering MCE' "$out/serial.log" 2>/dev/null && break
				sleep 0.1
			done
			python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(0.5)
s.sendall(b"mce 0 1 0xbe00000000800400 0x4 0x1234000 0x86\n"); time.sleep(1)' "$out/monitor.sock" \
				>"$out/monitor.log" 2>&1
		) &
		injector=$!
	fi
	local start end rc=0
	start=$(date +%s.%N)
	# arm64: Debian's kernel under -M virt (no pvpanic there: a panic
	# reboots, which -no-reboot turns into QEMU's exit).
	local machine=(qemu-system-x86_64 -M pc -accel tcg -cpu max,la57=off)
	[ "$arch" = arm64 ] && machine=(qemu-system-aarch64 -M virt -accel tcg -cpu cortex-a57)
	timeout -k 10 "$timeout" "${machine[@]}" -smp 1 \
		-m "$mem" -nodefaults -display none -no-reboot \
		-kernel "$lab/vmlinuz" -initrd "$lab/initrd.img" \
		-append "console=$console panic=-1 oops=panic crashkernel=$ck loglevel=7 no_timer_check lab_kind=$kind lab_kallsyms_fix=$kallsyms_fix $append" \
		-serial "file:$out/serial.log" \
		-virtfs "local,path=$out/share,mount_tag=host0,security_model=none" \
		"${netargs[@]}" </dev/null >"$out/qemu.log" 2>&1 || rc=$?
	end=$(date +%s.%N)
	if [ -n "$injector" ]; then kill "$injector" 2>/dev/null || true; wait "$injector" 2>/dev/null || true; fi
	rm -f "$out/share/vmlinuz" "$out/share/initrd.img" "$out/share/capture-initrd.img"
	local capture_done=no
	[ -f "$out/share/out/capture.done" ] && capture_done=yes
	[ -n "$cinitrd" ] && [ -f "$out/share/out/first.done" ] && capture_done=n/a
	printf 'kind=%s mem=%s crashkernel=%s qemu_rc=%s wall_s=%.1f capture_done=%s %s\n' \
		"$kind" "$mem" "$ck" "$rc" "$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')" "$capture_done" \
		"$(cat "$out/share/out/capture.done" 2>/dev/null)" | tee "$out/result.txt"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "lab: guest timed out after ${timeout}s; last console lines:" >&2
		tail -20 "$out/serial.log" >&2
		return 1
	fi
	if [ "$capture_done" = no ]; then
		echo "lab: the capture kernel did not finish; last console lines:" >&2
		tail -20 "$out/serial.log" >&2
		return 1
	fi
}

case ${1:-} in
check) if [ "${2:-}" = arm64 ]; then cmd_check_arm64; else cmd_check; fi ;;
arm64-root) cmd_arm64_root ;;
cross-build) shift; cmd_cross_build "$@" ;;
setup) shift; cmd_setup "$@" ;;
run) shift; cmd_run "$@" ;;
*) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
