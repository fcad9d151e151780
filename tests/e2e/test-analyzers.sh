#!/usr/bin/env bash
# The built-in analyzers on real crashes (tests/e2e/lab): for each kind the
# crash module corrupts memory the way the analyses our users sent describe
# (VMA_PACKET, UAF_POISON, BITFLIP, NULL_MEMBER, WARN_STORM), or QEMU injects
# a fatal machine check (MCE); the kernel dies, the capture kernel runs
# vmcored on /proc/vmcore and saves a filtered dump (makedumpfile -l -d 31).
# The hints and known issues are checked on both.
# Then the saved dump is rewritten without the kernel's BTF (pages dropped,
# and pages zeroed): the analysis must degrade to log-only hints, say so,
# and not fail.
# Usage: test-analyzers.sh VMCORED SOURCE_DIR WORK_DIR [KIND...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
vmcored=$1 src=$2 work=$3
shift 3
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(VMA_PACKET UAF_POISON BITFLIP NULL_MEMBER WARN_STORM MCE)
rules=$src/conf/signatures.d
pass=0 fail=0

if ! "$here/lab/lab.sh" check; then
	echo "SKIP: no QEMU lab on this machine: the analyzer crash tests did NOT run" >&2
	exit 77
fi
command -v python3 >/dev/null || { echo "SKIP: python3 missing: the analyzer crash tests did NOT run" >&2; exit 77; }

ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
# q FILE EXPR: a Python expression over the report d; h(kind) is the first
# hint of that kind (or {}), ev(kind, key) its evidence.
q() {
	python3 - "$1" "$2" <<'EOF' 2>/dev/null
import json, sys
d = json.load(open(sys.argv[1]))
def h(kind):
    return next((x for x in d.get("hints", []) if x["kind"] == kind), {})
def ev(kind, key):
    return h(kind).get("evidence", {}).get(key)
def issues():
    return [k["id"] for k in d.get("known_issues", [])]
def ran(name):
    return next((a.get("ran") for a in d.get("analyzers", []) if a["name"] == name), None)
print(eval(sys.argv[2]))
EOF
}
rcval() { sed -n "s/^$2=//p" "$1/rc.txt"; }

rm -rf "$work" && mkdir -p "$work"
if ! "$here/lab/lab.sh" setup "$work/lab" --binary "$vmcored=/usr/bin/vmcored"; then
	echo "FAIL lab setup"
	echo "0 passed, 1 failed"
	exit 1
fi

# Checks one report of a kind: $1 the report, $2 a label, $3 the kind, $4
# "live" for the analysis in the capture kernel (no rules there: known
# issues are a matter of the host's analysis).
expect() {
	local j=$1 name=$2 kind=$3 live=${4:-}
	case $kind in
	VMA_PACKET)
		check "$name: title is 'general protection fault in acct_collect'" \
			test "$(q "$j" 'd["title"]')" = "general protection fault in acct_collect"
		check "$name: packet-bytes hint on 0x004500087d7dca0b (critical)" \
			test "$(q "$j" 'ev("packet-bytes","value")+" "+h("packet-bytes")["severity"]')" = "0x004500087d7dca0b critical"
		check "$name: the IPv4 Ethernet type is named" test "$(q "$j" 'ev("packet-bytes","ethertype")')" = IPv4
		check "$name: task memory: the corrupt maple slot is found" \
			test "$(q "$j" 'ev("vma-corrupt","value")')" = 0x004500087d7dca0b
		check "$name: task memory: the link is a leaf slot" \
			grep -q '^slot [0-9]* of leaf node 0xffff' <<<"$(q "$j" 'ev("vma-corrupt","link")')"
		check "$name: task memory: the corrupt value is called packet data" \
			grep -q 'network packet data' <<<"$(q "$j" 'ev("vma-corrupt","problem")')"
		check "$name: task memory: the task is sh" test "$(q "$j" 'ev("vma-corrupt","comm")')" = sh
		[ -n "$live" ] || check "$name: known issue nic-dma-task-memory-map first" \
			test "$(q "$j" 'issues()[0] if issues() else None')" = nic-dma-task-memory-map ;;
	UAF_POISON)
		check "$name: slab-poison hint (POISON_FREE)" test "$(q "$j" 'ev("slab-poison","poison")')" = POISON_FREE
		check "$name: the freed object is found free in its slab" \
			test "$(q "$j" 'ev("slab-object-free","state")')" = free
		check "$name: its cache is a kmalloc cache of 32-byte objects" \
			test "$(q "$j" 'ev("slab-object-free","cache")+" "+str(ev("slab-object-free","object_size"))')" = "kmalloc-32 32"
		check "$name: RDI holds the object" grep -qw RDI <<<"$(q "$j" 'ev("slab-object-free","registers")')"
		[ -n "$live" ] || check "$name: known issue slab-use-after-free" \
			test "$(q "$j" '"slab-use-after-free" in issues()')" = True ;;
	BITFLIP)
		check "$name: bit-flip hint (bit 40)" test "$(q "$j" 'ev("bit-flip","bit")')" = 40
		check "$name: the flipped-back address is an allocated slab object" \
			test "$(q "$j" 'ev("bit-flip","mapped")')" != None
		[ -n "$live" ] || check "$name: known issue memory-error-bit-flip" \
			test "$(q "$j" '"memory-error-bit-flip" in issues()')" = True ;;
	NULL_MEMBER)
		check "$name: title names netif_carrier_on" \
			grep -q 'netif_carrier_on' <<<"$(q "$j" 'd["title"]')"
		check "$name: NULL + offset names member state of struct net_device" \
			test "$(q "$j" '[m["struct"]+"."+m["member"] for m in ev("null-pointer","members")][0]')" = net_device.state
		check "$name: argument 1 (dev), its register 0" \
			test "$(q "$j" '[str(m["argument"])+m["argument_name"]+str(m["register_zero"]) for m in ev("null-pointer","members")][0]')" = 1devTrue ;;
	MCE)
		check "$name: the crash is flagged hardware" test "$(q "$j" 'd["hardware_error"]')" = True
		check "$name: the fingerprint is marked fp1-hw-" grep -q '^fp1-hw-[0-9a-f]\{16\}$' <<<"$(q "$j" 'd["fingerprint"]')"
		check "$name: hardware-error hint (critical) quotes the machine check" \
			grep -q 'Machine Check' <<<"$(q "$j" 'h("hardware-error")["severity"]+" "+ev("hardware-error","text")')"
		[ -n "$live" ] || check "$name: known issue hardware-error-crash first" \
			test "$(q "$j" 'issues()[0] if issues() else None')" = hardware-error-crash ;;
	WARN_STORM)
		check "$name: the fatal event is the BUG" \
			test "$(q "$j" 'd["events"][d["fatal_event"]]["kind"]')" = kernel_bug
		check "$name: three earlier reports" test "$(q "$j" 'len(ev("earlier-reports","events"))')" = 3
		check "$name: the first WARN is the lead" test "$(q "$j" 'ev("lead-event","event")')" = 0
		check "$name: the lead is WARNING in crashtest_check_conn" \
			test "$(q "$j" 'ev("lead-event","title")')" = "WARNING in crashtest_check_conn" ;;
	esac
	[ "$kind" = MCE ] || check "$name: culprit: the out-of-tree module's taint is flagged" \
		test "$(q "$j" 'h("taint").get("severity")')" = warning
	check "$name: every analyzer ran" test "$(q "$j" 'all(a["ran"] for a in d["analyzers"])')" = True
}

# Copies of a saved dump without the kernel's BTF, everything else as it
# was (kdump-edit.py): its pages not dumped (a copy that crashed
# libkdumpfile 0.5.1's page cache before vmcored read pages itself), or
# kept and zeroed.
no_btf() {
	local dump=$1 name=$2 j=$work/$2.btf.json start size rc
	start=$(q "$j" 'd["dump"]["btf"]["address"]')
	size=$(q "$j" 'd["dump"]["btf"]["size"]')
	for how in drop zero; do
		local copy=$work/$name.no-btf-$how
		python3 "$here/kdump-edit.py" "$dump" "$copy" --$how "$start:$size" >/dev/null ||
			{ bad "$name: dump without BTF ($how) made"; continue; }
		"$vmcored" analyze --json --rules "$rules" "$copy" >"$copy.json" 2>"$copy.err"
		rc=$?
		check "$name: BTF $how: analyze exit 0 (not an error)" test $rc -eq 0
		check "$name: BTF $how: same title" test "$(q "$copy.json" 'd["title"]')" = "$(q "$j" 'd["title"]')"
		check "$name: BTF $how: the reason in the dump's warnings" \
			grep -q "kernel types: .*BTF" <<<"$(q "$copy.json" '" ".join(d["dump"]["warnings"])')"
		check "$name: BTF $how: no kernel types, and said so" \
			test "$(q "$copy.json" '(d["dump"]["btf"], h("no-kernel-types")["severity"])')" = "(None, 'info')"
		check "$name: BTF $how: slab and task memory skipped with the reason" \
			test "$(q "$copy.json" '(ran("slab"), ran("task-memory"))')" = "(False, False)"
		check "$name: BTF $how: log and register hints still there" \
			test "$(q "$copy.json" 'ev("packet-bytes","value")')" = 0x004500087d7dca0b
		check "$name: BTF $how: known issue still matched" \
			test "$(q "$copy.json" '"nic-dma-task-memory-map" in issues()')" = True
	done
}

for kind in "${kinds[@]}"; do
	append=""
	[ "$kind" = UAF_POISON ] && append="slub_debug=P"
	run=$work/$kind out=$work/$kind/share/out
	if ! "$here/lab/lab.sh" run "$work/lab" "$kind" "$run" --capture "$here/capture-read.sh" \
		${append:+--append "$append"}; then
		bad "$kind: guest crashed and the capture kernel finished"
		continue
	fi
	ok "$kind: guest crashed and the capture kernel finished ($(cat "$run/result.txt"))"
	check "$kind: vmcored analyze /proc/vmcore exit 0" test "$(rcval "$out" vmcored_analyze_rc)" = 0
	check "$kind: makedumpfile -l -d 31 in the capture kernel" test "$(rcval "$out" makedumpfile_rc)" = 0
	# The capture kernel has no rules installed: known issues from the host.
	"$vmcored" analyze --json --rules "$rules" "$out/vmcore" >"$work/$kind.btf.json" 2>"$work/$kind.err"
	check "$kind: saved dump: analyze exit 0" test $? -eq 0
	cp "$out/analyze.json" "$work/$kind.live.json"
	expect "$work/$kind.btf.json" "$kind (saved dump)" "$kind"
	# Live: the same analyzers on /proc/vmcore (ELF, unfiltered).
	expect "$work/$kind.live.json" "$kind (/proc/vmcore)" "$kind" live
	[ "$kind" = VMA_PACKET ] && no_btf "$out/vmcore" "$kind"
	[ -n "${VMCORED_E2E_KEEP:-}" ] || rm -f "$out/vmcore"
done

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
