#!/usr/bin/env bash
# Real crashes under QEMU (tests/e2e/lab): for each kind a Debian kernel
# crashes, kexec boots the capture kernel, and there vmcored reads the live
# /proc/vmcore. Checks: vmcored's log equals makedumpfile --dump-dmesg byte
# for byte; the analysis of /proc/vmcore is complete and has the expected
# title; the filtered dump the capture kernel saved gives the same log, title
# and fingerprint on the host; so does the log text itself.
# Usage: test-kdump-read.sh VMCORED WORK_DIR [KIND...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
vmcored=$1 work=$2
shift 2
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(SYSRQ BUG GPF_PACKET WARNING)
pass=0 fail=0

if ! "$here/lab/lab.sh" check; then
	echo "SKIP: no QEMU lab on this machine: the e2e crash tests did NOT run" >&2
	exit 77
fi
command -v python3 >/dev/null || { echo "SKIP: python3 missing: the e2e crash tests did NOT run" >&2; exit 77; }

. "$here/titles.sh"

ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }
rcval() { sed -n "s/^$2=//p" "$1/rc.txt"; }

rm -rf "$work" && mkdir -p "$work"
if ! "$here/lab/lab.sh" setup "$work/lab" --binary "$vmcored=/usr/bin/vmcored"; then
	echo "FAIL lab setup"
	echo "0 passed, 1 failed"
	exit 1
fi

# one_kind LAB KIND NAME [old]: crash, capture, check.
one_kind() {
	local lab=$1 kind=$2 name=$3 old=${4:-}
	local run=$work/$name out=$work/$name/share/out live
	if ! "$here/lab/lab.sh" run "$lab" "$kind" "$run" --capture "$here/capture-read.sh"; then
		bad "$name: guest crashed and the capture kernel finished"
		return
	fi
	ok "$name: guest crashed and the capture kernel finished ($(cat "$run/result.txt"))"
	check "$name: makedumpfile --dump-dmesg /proc/vmcore exit 0" test "$(rcval "$out" makedumpfile_dmesg_rc)" = 0
	check "$name: vmcored dmesg /proc/vmcore exit 0" test "$(rcval "$out" vmcored_dmesg_rc)" = 0
	check "$name: live log byte-identical to makedumpfile's" cmp -s "$out/dmesg.vmcored.txt" "$out/dmesg.makedumpfile.txt"
	check "$name: vmcored analyze /proc/vmcore exit 0 ($(rcval "$out" analyze_s)s in the capture kernel)" \
		test "$(rcval "$out" vmcored_analyze_rc)" = 0
	live=$out/analyze.json
	check "$name: title '${title[$kind]:-?}'" test "$(json "$live" 'd["title"]')" = "${title[$kind]:-?}"
	check "$name: /proc/vmcore read as ELF" test "$(json "$live" 'd["dump"]["format"]')" = elf
	check "$name: log from the printk ring" test "$(json "$live" 'd["dump"]["log"]["buffer"]')" = printk_ringbuffer
	check "$name: CRASHTIME present" test -n "$(json "$live" 'd["dump"]["crash_time"] or ""')"
	check "$name: panic registers present" test -n "$(json "$live" 'd["panic"]["registers"]["rip"]')"
	check "$name: not partial" test "$(json "$live" 'd["partial"]')" = False
	check "$name: makedumpfile -l -d 31 in the capture kernel" test "$(rcval "$out" makedumpfile_rc)" = 0

	"$vmcored" dmesg "$out/vmcore" >"$run/host.dmesg" 2>"$run/host.err"
	check "$name: saved dump: log byte-identical" cmp -s "$run/host.dmesg" "$out/dmesg.makedumpfile.txt"
	"$vmcored" analyze --json "$out/vmcore" >"$run/host.json" 2>>"$run/host.err"
	check "$name: saved dump: analyze exit 0" test $? -eq 0
	check "$name: saved dump: kdump-compressed" test "$(json "$run/host.json" 'd["dump"]["format"]')" = kdump-compressed
	check "$name: saved dump: same fingerprint as /proc/vmcore" \
		test "$(json "$run/host.json" 'd["fingerprint"]')" = "$(json "$live" 'd["fingerprint"]')"
	check "$name: saved dump: same panic registers" \
		test "$(json "$run/host.json" 'd["panic"]["registers"]')" = "$(json "$live" 'd["panic"]["registers"]')"
	"$vmcored" analyze --json "$out/dmesg.makedumpfile.txt" >"$run/log.json" 2>>"$run/host.err"
	check "$name: the log text gives the same fingerprint" \
		test "$(json "$run/log.json" 'd["fingerprint"]')" = "$(json "$live" 'd["fingerprint"]')"
	if [ -n "$old" ]; then
		check "$name: kernel $(json "$live" 'd["dump"]["osrelease"]') without kallsyms in VMCOREINFO: said, not fatal" \
			grep -q 'no kallsyms tables' <<<"$(json "$live" 'd["dump"]["symbols"]["error"]')"
		# Without kallsyms no BTF either: the analyzers fall back to the
		# log and registers, and say so.
		check "$name: analyzers: no kernel types, said in a hint" \
			test "$(json "$live" '[h["kind"] for h in d["hints"]].count("no-kernel-types")')" = 1
		check "$name: analyzers: slab and task memory skipped, with the reason" \
			test "$(json "$live" '[a.get("skipped","")[:40] for a in d["analyzers"] if a["name"] in ("slab","task-memory")]')" = \
			"['the dump has no kernel symbols (kallsyms', 'the dump has no kernel symbols (kallsyms']"
		check "$name: analyzers: log-based ones ran" \
			test "$(json "$live" '[a["ran"] for a in d["analyzers"] if a["name"] in ("hardware","culprit","event-chain","bad-pointer")]')" = \
			"[True, True, True, True]"
		rm -f "$out/vmcore"
		return
	fi
	case $kind in
	SYSRQ | WARNING | PANIC)
		# Through panic(): the crash note was written in __crash_kexec.
		check "$name: panic IP symbolized from the dump's kallsyms" \
			test "$(json "$live" 'd["panic"]["ip_symbol"].split("+")[0]')" = __crash_kexec ;;
	BUG | GPF_PACKET)
		# Oopses in our crash module: the saved registers are the
		# oops', and the dump's BTF and module list must name the RIP
		# as the kernel did in its log, live and from the saved dump.
		local rip_line
		rip_line=$(sed -n 's/^\[ *[0-9.]*\] RIP: 0010:\(.*\[[a-z_0-9]*\]\)$/\1/p' "$out/dmesg.makedumpfile.txt" | head -n 1)
		check "$name: module RIP named as in the log ($rip_line)" \
			test "$(json "$live" 'd["panic"]["ip_symbol"]')" = "$rip_line"
		check "$name: saved dump: module RIP named the same" \
			test "$(json "$run/host.json" 'd["panic"]["ip_symbol"]')" = "$rip_line" ;;
	esac
	rm -f "$out/vmcore"
}

for kind in "${kinds[@]}"; do
	one_kind "$work/lab" "$kind" "$kind"
done

suite=${VMCORED_E2E_OLD_SUITE:-bullseye}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/vmcored-lab/kernels/$suite
if kroot=$("$here/lab/fetch-kernel.sh" "$suite" "$cache"); then
	if "$here/lab/lab.sh" setup "$work/lab-$suite" --kernel-root "$kroot" --binary "$vmcored=/usr/bin/vmcored"; then
		one_kind "$work/lab-$suite" SYSRQ "SYSRQ-$suite" old
	else
		bad "lab setup with the $suite kernel"
	fi
else
	echo "!!! SKIP: no $suite kernel from Debian's archive: the older-kernel crash test did NOT run" >&2
fi

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
