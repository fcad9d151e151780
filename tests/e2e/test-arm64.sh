#!/usr/bin/env bash
# arm64 crashes, read on arm64 and on this (x86_64) machine. The lab's arm64
# guest (qemu-system-aarch64 -M virt, TCG; Debian 12's arm64 kernel,
# busybox, kexec-tools and makedumpfile unpacked from the archive by
# lab/fetch-arm64.sh) crashes in each KIND; kexec boots the capture kernel,
# where an arm64 vmcored (cross-built here from this source tree) and arm64
# makedumpfile read /proc/vmcore (capture-read.sh). Checks per kind:
#  - in the capture kernel: vmcored's log equals makedumpfile --dump-dmesg
#    byte for byte; analyze gives the expected title, the panic CPU's
#    registers (pc, lr, sp, x0..x30, pstate), the pc named as the kernel
#    named it in its log;
#  - on this machine, from the dump makedumpfile -l -d 31 saved: the log
#    equals arm64 makedumpfile's (run here under qemu-aarch64), and the
#    analysis has the same title, fingerprint and registers as the live one;
#  - SYSRQ also saves an ELF dump (makedumpfile -E -d 31), read here too.
# Then the other way round: the arm64 vmcored reads an x86_64 dump (the
# shared fixtures) as the x86_64 one does. And the broken ELF header of
# Debian 12's kdump on arm64 (the capture kernel loaded without the _text
# workaround): vmcored collect says what is wrong and keeps the log.
# Usage: test-arm64.sh VMCORED SRC_ROOT SHARED_DIR WORK_DIR [KIND...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
vmcored=$1 src=$2 shared=$3 work=$4
shift 4
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(SYSRQ BUG WARNING NULL SOFTLOCKUP)
lab=$here/lab/lab.sh
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }
rcval() { sed -n "s/^$2=//p" "$1/rc.txt"; }
finish() { echo; echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }

if ! "$lab" check arm64; then
	echo "SKIP: no arm64 QEMU lab on this machine: the arm64 crash tests did NOT run" >&2
	exit 77
fi
command -v python3 >/dev/null || { echo "SKIP: python3 missing: the arm64 crash tests did NOT run" >&2; exit 77; }
root=$("$lab" arm64-root)
case $? in
0) ;;
77) echo "SKIP: Debian's archive cannot be reached: the arm64 crash tests did NOT run" >&2; exit 77 ;;
*) bad "fetching the arm64 kernel and userland"; finish ;;
esac

. "$here/titles.sh"
# arm64 names the faulting function as x86_64 does, but a WARN's and a
# sysrq crash's panic go through the same paths: the titles are the same.

rm -rf "$work" && mkdir -p "$work"
vm64=$("$lab" cross-build "$src" "$work/build-arm64") || { bad "cross-building vmcored for arm64"; finish; }
check "vmcored cross-built for arm64 ($vm64)" test "$(readelf -h "$vm64" | sed -n 's/^ *Machine: *//p')" = AArch64
libdir=/usr/lib/aarch64-linux-gnu
if ! "$lab" setup "$work/lab" --arch arm64 --binary "$vm64=/usr/bin/vmcored" \
		--binary "$root$libdir/libcurl.so.4=$libdir/libcurl.so.4" \
		--binary "$root$libdir/libexpat.so.1=$libdir/libexpat.so.1" >"$work/setup.log" 2>&1; then
	cat "$work/setup.log"
	bad "arm64 lab setup"
	finish
fi
ok "arm64 lab: $(tail -1 "$work/setup.log")"

# arm64 makedumpfile on this machine: the reference for saved dumps.
mdf64() { qemu-aarch64 -L "$root" "$root/usr/bin/makedumpfile" "$@"; }
# The arm64 vmcored on this machine.
vmc64() { qemu-aarch64 -L "$root" "$vm64" "$@"; }

# The log's "pc : func+off/size [mod]" (the first oops' register dump).
log_pc() { sed -n 's/^\[ *[0-9.]*\] pc : \(.*\)$/\1/p' "$1" | head -n 1; }

one_kind() {
	local kind=$1 run=$work/$1 out=$work/$1/share/out live in=$work/$1.in pc
	mkdir -p "$in"
	[ "$kind" = SYSRQ ] && touch "$in/elf"
	if ! "$lab" run "$work/lab" "$kind" "$run" --mem 512 --crashkernel 256M --timeout 600 \
			--capture "$here/capture-read.sh" --in "$in"; then
		bad "$kind: guest crashed and the capture kernel finished"
		return
	fi
	ok "$kind: guest crashed and the capture kernel finished ($(cat "$run/result.txt"))"
	check "$kind: makedumpfile --dump-dmesg /proc/vmcore exit 0" test "$(rcval "$out" makedumpfile_dmesg_rc)" = 0
	check "$kind: vmcored dmesg /proc/vmcore exit 0" test "$(rcval "$out" vmcored_dmesg_rc)" = 0
	check "$kind: live log byte-identical to arm64 makedumpfile's" \
		cmp -s "$out/dmesg.vmcored.txt" "$out/dmesg.makedumpfile.txt"
	check "$kind: vmcored analyze /proc/vmcore exit 0 ($(rcval "$out" analyze_s)s in the capture kernel)" \
		test "$(rcval "$out" vmcored_analyze_rc)" = 0
	live=$out/analyze.json
	check "$kind: title '${title[$kind]:-?}'" test "$(json "$live" 'd["title"]')" = "${title[$kind]:-?}"
	check "$kind: arch arm64" test "$(json "$live" 'd["kernel"]["arch"], d["dump"]["arch"]')" = "('arm64', 'aarch64')"
	check "$kind: log from the printk ring" test "$(json "$live" 'd["dump"]["log"]["buffer"]')" = printk_ringbuffer
	check "$kind: not partial" test "$(json "$live" 'd["partial"]')" = False
	check "$kind: panic registers: pc, lr, sp, pstate, x0..x30" \
		test "$(json "$live" 'all(k in d["panic"]["registers"] for k in ["pc","lr","sp","pstate"]+["x%d" % i for i in range(31)])')" = True
	check "$kind: lr is x30" test "$(json "$live" 'd["panic"]["registers"]["lr"] == d["panic"]["registers"]["x30"]')" = True
	check "$kind: KASLR offset read" test -n "$(json "$live" 'd["dump"]["kernel_offset"] or ""')"
	case $kind in
	BUG | NULL)
		# Oopses in the crash module: the saved registers are the
		# oops', and pc must be named as the kernel named it.
		pc=$(log_pc "$out/dmesg.makedumpfile.txt")
		check "$kind: pc named as in the log ($pc)" test "$(json "$live" 'd["panic"]["ip_symbol"]')" = "$pc" ;;
	*)
		check "$kind: pc named from the dump's kallsyms ($(json "$live" 'd["panic"]["ip_symbol"]'))" \
			test -n "$(json "$live" 'd["panic"]["ip_symbol"] or ""')" ;;
	esac
	check "$kind: makedumpfile -l -d 31 in the capture kernel" test "$(rcval "$out" makedumpfile_rc)" = 0

	# This machine, from the saved dump.
	"$vmcored" dmesg "$out/vmcore" >"$run/host.dmesg" 2>"$run/host.err"
	check "$kind: saved dump, read here: log byte-identical to the live one" \
		cmp -s "$run/host.dmesg" "$out/dmesg.makedumpfile.txt"
	mdf64 --dump-dmesg "$out/vmcore" "$run/mdf64.dmesg" >"$run/mdf64.log" 2>&1
	check "$kind: saved dump: arm64 makedumpfile --dump-dmesg here gives the same log" \
		cmp -s "$run/host.dmesg" "$run/mdf64.dmesg"
	"$vmcored" analyze --json "$out/vmcore" >"$run/host.json" 2>>"$run/host.err"
	check "$kind: saved dump: analyze exit 0" test $? -eq 0
	check "$kind: saved dump: same title and fingerprint" \
		test "$(json "$run/host.json" 'd["title"], d["fingerprint"]')" = "$(json "$live" 'd["title"], d["fingerprint"]')"
	check "$kind: saved dump: same panic registers and pc symbol" \
		test "$(json "$run/host.json" 'd["panic"]["registers"], d["panic"]["ip_symbol"]')" = \
		"$(json "$live" 'd["panic"]["registers"], d["panic"]["ip_symbol"]')"
	"$vmcored" analyze --json "$out/dmesg.makedumpfile.txt" >"$run/log.json" 2>>"$run/host.err"
	check "$kind: the log text gives the same fingerprint" \
		test "$(json "$run/log.json" 'd["fingerprint"]')" = "$(json "$live" 'd["fingerprint"]')"
	if [ -e "$in/elf" ]; then
		check "$kind: makedumpfile -E -d 31 (ELF) in the capture kernel" test "$(rcval "$out" makedumpfile_elf_rc)" = 0
		"$vmcored" analyze --json "$out/vmcore.elf" >"$run/elf.json" 2>>"$run/host.err"
		check "$kind: saved ELF dump: read as ELF, same title, fingerprint and registers" \
			test "$(json "$run/elf.json" 'd["dump"]["format"], d["fingerprint"], d["panic"]["registers"]')" = \
			"$(json "$live" '"elf", d["fingerprint"], d["panic"]["registers"]')"
		"$vmcored" dmesg "$out/vmcore.elf" >"$run/elf.dmesg" 2>>"$run/host.err"
		check "$kind: saved ELF dump: log byte-identical" cmp -s "$run/elf.dmesg" "$out/dmesg.makedumpfile.txt"
		mv "$out/vmcore.elf" "$work/$kind.vmcore.elf"
	fi
	mv "$out/vmcore" "$work/$kind.vmcore"
}

for kind in "${kinds[@]}"; do
	one_kind "$kind"
done

# ---- the other way round: arm64 vmcored, x86_64 dumps ----
if [ -d "$shared/fixtures/vmcores" ]; then
	for k in BUG WARNING; do
		f=$shared/fixtures/vmcores/$k/vmcore
		[ -f "$f" ] || continue
		"$vmcored" analyze --json "$f" >"$work/x86-$k.json" 2>/dev/null
		vmc64 analyze --json "$f" >"$work/x86-$k.arm64.json" 2>"$work/x86-$k.arm64.err"
		check "x86_64 $k dump read by the arm64 vmcored: same title, fingerprint, registers" \
			test "$(json "$work/x86-$k.arm64.json" 'd["title"], d["fingerprint"], d["panic"]["registers"]')" = \
			"$(json "$work/x86-$k.json" 'd["title"], d["fingerprint"], d["panic"]["registers"]')"
		vmc64 dmesg "$f" >"$work/x86-$k.arm64.dmesg" 2>/dev/null
		check "x86_64 $k dump: the arm64 vmcored's log equals makedumpfile's" \
			cmp -s "$work/x86-$k.arm64.dmesg" "$shared/fixtures/vmcores/$k/dmesg.txt"
	done
else
	echo "!!! SKIP: $shared/fixtures is absent: x86_64 dumps read by the arm64 vmcored NOT checked" >&2
fi

finish
