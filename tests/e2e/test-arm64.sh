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
# The closing line; when all passed, the big files (dumps, the cross build)
# go, as in lib.sh's finish_test.
finish() {
	echo
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ] || exit 1
	[ -n "${VMCORED_KEEP_WORK:-}" ] || find "$work" -xdev -type f -size +1M -not -path '*/rgw/*' -delete 2>/dev/null
	exit 0
}

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
# The same, with the NIC's driver, for the crash-to-store run.
if ! "$lab" setup "$work/lab-net" --arch arm64 --binary "$vm64=/usr/bin/vmcored" \
		--binary "$root$libdir/libcurl.so.4=$libdir/libcurl.so.4" \
		--binary "$root$libdir/libexpat.so.1=$libdir/libexpat.so.1" --module virtio_net >"$work/setup-net.log" 2>&1; then
	cat "$work/setup-net.log"
	bad "arm64 lab setup with virtio_net"
fi

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
	# The crashed kernel's linear map: PHYS_OFFSET from its VMCOREINFO
	# (uncompressed in the kdump header), negative when KASLR moved it.
	phys_offset[$kind]=$(grep -ao 'NUMBER(PHYS_OFFSET)=0x[0-9a-f]*' "$out/vmcore" | head -1 | cut -d= -f2)
	mv "$out/vmcore" "$work/$kind.vmcore"
}

declare -A phys_offset=()

for kind in "${kinds[@]}"; do
	one_kind "$kind"
done
# A negative PHYS_OFFSET (arm64's randomized linear map) is the usual case
# under KASLR; every dump above was read with whatever it was.
neg=0
for kind in "${!phys_offset[@]}"; do
	case ${phys_offset[$kind]} in 0x[89a-f]???????????????) neg=$((neg + 1)) ;; esac
done
if [ "$neg" -gt 0 ]; then
	ok "$neg of ${#phys_offset[@]} dumps had a negative PHYS_OFFSET (${phys_offset[*]}), and were read"
else
	echo "!!! note: no dump had a negative PHYS_OFFSET this time (${phys_offset[*]}): that case was NOT exercised" >&2
fi

# ---- Debian 12's broken header: the capture kernel loaded without _text ----
run=$work/BROKEN out=$work/BROKEN/share/out
if "$lab" run "$work/lab" SYSRQ "$run" --broken-kallsyms --mem 512 --crashkernel 256M --timeout 600 \
		--capture "$here/capture-broken.sh"; then
	ok "broken header: guest crashed, the capture kernel finished ($(cat "$run/result.txt"))"
	check "broken header: /proc/vmcore claims more than 2^63 bytes ($(rcval "$out" vmcore_bytes))" \
		awk -v n="$(rcval "$out" vmcore_bytes)" 'BEGIN { exit !(n + 0 > 9.3e18) }'
	check "broken header: vmcored collect exit 6" test "$(rcval "$out" collect_rc)" = 6
	check "broken header: collect says which segment is impossible and why" \
		grep -q "impossible ELF core header: PT_LOAD 1 of 3 claims 0x[0-9a-f]* bytes at physical 0x[0-9a-f]*, virtual 0xffffffffffffffff" "$out/collect.err"
	check "broken header: collect names the cause and the fix" \
		grep -q "Cause: kexec-tools on arm64 without _text in /proc/kallsyms.*fix: vmcored-kallsyms.service" "$out/collect.err"
	check "broken header: what the notes still tell (kernel, crash time, pc)" \
		grep -q "The notes tell: kernel 6\.1\.[^ ]*-arm64, crashed 20[0-9-]*T[0-9:]*Z; 1 CPU note, the first with pc 0x" "$out/collect.err"
	check "broken header: nothing stored" test -z "$(find "$out/store" -type f 2>/dev/null)"
	check "broken header: analyze exit 1, said" \
		test "$(rcval "$out" analyze_rc)" = 1 -a -n "$(grep 'impossible ELF core header' "$out/analyze.err")"
	check "broken header: the capture kernel lived on (nothing read the segment)" grep -qx "alive=yes" "$out/rc.txt"
	"$vmcored" analyze "$out/vmcore.head" >/dev/null 2>"$run/host.err"
	check "broken header: its headers and notes, here: the same verdict" \
		test $? -eq 1 -a -n "$(grep 'impossible ELF core header: PT_LOAD 1 of 3' "$run/host.err")"
else
	bad "broken header: guest crashed, the capture kernel finished"
fi

# ---- crash to fingerprint in the store: arm64 vmcored collect, radosgw ----
store_dir=$here/../store
if command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v curl >/dev/null; then
	rgw=$work/rgw
	trap 'bash "$store_dir/radosgw.sh" stop "$rgw"' EXIT
	if bash "$store_dir/radosgw.sh" start "$rgw" >"$work/rgw.log" 2>&1; then
		. "$rgw/env"
		# lib.sh's s3 helper: the S3_* variables of the store.
		pass_=$pass fail_=$fail
		. "$store_dir/lib.sh"
		pass=$pass_ fail=$fail_
		port=${S3_ENDPOINT##*:}
		mkdir -p "$work/in"
		printf 'access_key = %s\nsecret_key = %s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$work/in/s3.cred"
		chmod 0600 "$work/in/s3.cred"
		printf '[store]\nurl = s3://%s/arm64?endpoint=http://10.0.2.100:8080&region=%s\nallow_http = yes\ncredentials = /mnt/in/s3.cred\n' \
			"$S3_BUCKET" "$S3_REGION" >"$work/in/vmcored.conf"
		poll_until() { local file=$1; shift; while ! "$@" >/dev/null 2>&1; do sleep 0.2; done; date +%s.%N >"$file"; }
		listed() { test -n "$(s3 GET "?list-type=2&prefix=$1" | grep -o '<Key>[^<]*')"; }
		has_manifest() { s3 GET "?list-type=2&prefix=arm64%2Fv1%2Fcrashes%2F" | grep -q 'MANIFEST\.json</Key>'; }
		run=$work/STORE
		mkdir -p "$run"
		"$lab" run "$work/lab-net" BUG "$run/guest" --mem 512 --crashkernel 256M --timeout 600 \
			--capture "$here/capture-collect.sh" --net "tcp:10.0.2.100:8080-tcp:127.0.0.1:$port" --in "$work/in" \
			>"$run/lab.log" 2>&1 &
		lab_pid=$!
		poll_until "$run/t-crash" grep -q "lab-init: triggering" "$run/guest/serial.log" &
		p1=$!
		poll_until "$run/t-fingerprint" listed "arm64%2Fv1%2Ffingerprints%2F" &
		p2=$!
		poll_until "$run/t-complete" has_manifest &
		p3=$!
		wait "$lab_pid"
		lab_rc=$?
		sleep 0.5
		kill "$p1" "$p2" "$p3" 2>/dev/null
		wait "$p1" "$p2" "$p3" 2>/dev/null
		out=$run/guest/share/out
		check "store: guest crashed, the capture kernel ran the arm64 vmcored collect ($(cat "$run/guest/result.txt" 2>/dev/null))" \
			test "$lab_rc" -eq 0 || sed 's/^/    /' "$run/lab.log"
		check "store: collect exit 0 ($(sed -n 's/^collect_s=//p' "$out/rc.txt" 2>/dev/null) s in the capture kernel)" \
			grep -qx "collect_rc=0" "$out/rc.txt" || sed 's/^/    /' "$out/collect.err"
		id=$(tail -1 "$out/collect.out" 2>/dev/null)
		s3 GET "arm64/v1/crashes/$id/report.json" -o "$run/report.json" 2>/dev/null
		check "store: report stored, title '${title[BUG]}'" test "$(json "$run/report.json" 'd["title"]')" = "${title[BUG]}"
		if [ -s "$run/t-crash" ] && [ -s "$run/t-fingerprint" ] && [ -s "$run/t-complete" ]; then
			fp_s=$(awk -v a="$(cat "$run/t-crash")" -v b="$(cat "$run/t-fingerprint")" 'BEGIN { printf "%.1f", b - a }')
			all_s=$(awk -v a="$(cat "$run/t-crash")" -v b="$(cat "$run/t-complete")" 'BEGIN { printf "%.1f", b - a }')
			ok "store: crash to fingerprint in the store ${fp_s} s, to the complete crash ${all_s} s (arm64, TCG)"
			echo "arm64_crash_to_fingerprint_s=$fp_s arm64_crash_to_complete_s=$all_s" >"$work/timing.txt"
		else
			bad "store: crash, fingerprint and complete crash all seen in the store"
		fi
	else
		bad "radosgw did not start"
		sed 's/^/    /' "$work/rgw.log"
	fi
else
	echo "!!! SKIP: radosgw or curl is missing: arm64 crash-to-store NOT run" >&2
fi

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
