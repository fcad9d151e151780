#!/usr/bin/env bash
# Real kdump captures (../shared/fixtures/vmcores, Debian 6.1 x86_64, made by
# makedumpfile in a real capture kernel): the log read from each dump must
# equal makedumpfile --dump-dmesg byte for byte, the facts must match
# info.txt, the title must equal the one from dmesg.txt. Also the ELF dump,
# flattened dumps made from it, a --split set, kdump directories, and
# damaged dumps, which must end in a clear error or a partial report, never
# a signal.
# Usage: test-vmcore.sh VMCORED SHARED_DIR WORK_DIR
set -u
vmcored=$1 shared=$2 work=$3
fixtures=$shared/fixtures/vmcores
pass=0 fail=0

if [ ! -d "$fixtures" ]; then
        echo "SKIP: $fixtures is missing: the real-dump tests did NOT run" >&2
        exit 77
fi
for tool in makedumpfile xz python3; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed: the real-dump tests did NOT run" >&2; exit 77; }
done
rm -rf "$work" && mkdir -p "$work"

ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

json() { # json FILE EXPR: a value of the report, printed by python
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
info() { sed -n "s/^$2: //p" "$1"; }

# One dump against the expected log and facts.
check_dump() { # NAME DUMP DMESG INFO [FORMAT]
        local name=$1 dump=$2 dmesg=$3 infof=$4 format=${5:-}
        "$vmcored" dmesg "$dump" >"$work/$name.dmesg" 2>"$work/$name.err"
        check "$name: dmesg exit 0" test $? -eq 0
        check "$name: dmesg byte-identical to makedumpfile --dump-dmesg" cmp -s "$work/$name.dmesg" "$dmesg"
        "$vmcored" analyze --json "$dump" >"$work/$name.json" 2>"$work/$name.aerr"
        check "$name: analyze exit 0" test $? -eq 0
        "$vmcored" analyze --json "$dmesg" >"$work/$name.log.json"
        check "$name: title equals the title of dmesg.txt" \
                test "$(json "$work/$name.json" 'd["title"]')" = "$(json "$work/$name.log.json" 'd["title"]')"
        check "$name: fingerprint equals the one of dmesg.txt" \
                test "$(json "$work/$name.json" 'd["fingerprint"]')" = "$(json "$work/$name.log.json" 'd["fingerprint"]')"
        check "$name: OSRELEASE" test "$(json "$work/$name.json" 'd["dump"]["osrelease"]')" = "$(info "$infof" 'vmcoreinfo OSRELEASE')"
        check "$name: CRASHTIME" test "$(json "$work/$name.json" 'd["dump"]["crash_time"]')" = "$(info "$infof" 'vmcoreinfo CRASHTIME')"
        check "$name: KERNELOFFSET" test "$(json "$work/$name.json" 'd["dump"]["kernel_offset"]')" = "0x$(info "$infof" 'vmcoreinfo KERNELOFFSET')"
        local rip
        rip=$(sed -n 's/^cpu0: rip=\(0x[0-9a-f]*\).*/\1/p' "$infof")
        check "$name: panic CPU registers (rip $rip)" test "$(json "$work/$name.json" 'd["panic"]["registers"]["rip"]')" = "$rip"
        check "$name: uname version from init_uts_ns" \
                test "$(json "$work/$name.json" 'd["dump"]["uname"]["version"]')" = "$(sed -n 's/^  uts.version = //p' "$infof")"
        check "$name: not partial" test "$(json "$work/$name.json" 'd["partial"]')" = False
        if [ -n "$format" ]; then
                check "$name: format $format" test "$(json "$work/$name.json" 'd["dump"]["format"]')" = "$format"
        fi
}

for dir in "$fixtures"/*/; do
        kind=$(basename "$dir")
        [ -f "$dir/vmcore" ] || continue
        check_dump "$kind" "$dir/vmcore" "$dir/dmesg.txt" "$dir/info.txt" kdump-compressed
done

# Register symbols from kallsyms: the panic()-path dumps stop in __crash_kexec.
check "WARNING: RIP symbolized from the dump's kallsyms" \
        test "$(json "$work/WARNING.json" 'd["panic"]["ip_symbol"].split("+")[0]')" = "__crash_kexec"
# Module symbols (struct module from the dump's BTF, each module's own
# symbol table): where the oops regs are saved the panic RIP is in lkdtm,
# and it must read as the kernel printed it in the RIP line of its log.
for kind in BUG EXCEPTION; do
        [ -f "$work/$kind.json" ] || continue
        rip_line=$(sed -n 's/^\[ *[0-9.]*\] RIP: 0010:\(.*\[[a-z_0-9]*\]\)$/\1/p' "$fixtures/$kind/dmesg.txt" | head -n 1)
        check "$kind: RIP in a module named as in the log ($rip_line)" \
                test "$(json "$work/$kind.json" 'd["panic"]["ip_symbol"]')" = "$rip_line"
        check "$kind: no warnings about module symbols" \
                test "$(json "$work/$kind.json" '[w for w in d["dump"]["warnings"] if "module" in w]')" = "[]"
done
check "BUG: the modules read from the dump are those of 'Modules linked in:'" \
        test "$(json "$work/BUG.json" 'sorted(d["dump"]["symbols"]["modules"]) == sorted(d["kernel"]["modules"])')" = True
check "OOM: no module addresses, no modules read" \
        test "$(json "$work/OOM.json" 'd["dump"]["symbols"]["modules"]')" = None
check "WARNING: a register into lkdtm's code named with [lkdtm]" \
        test "$(json "$work/WARNING.json" 'd["panic"]["register_symbols"]["r12"].endswith(" [lkdtm]")')" = True
check "BUG: panic task pid and comm" test "$(json "$work/BUG.json" 'd["panic"]["pid"], d["panic"]["comm"]')" = "(1, 'init')"

# The ELF dump and flattened dumps made from it.
if [ -f "$fixtures/SYSRQ/vmcore.elf.xz" ]; then
        s=$fixtures/SYSRQ
        xz -dc "$s/vmcore.elf.xz" >"$work/sysrq.elf"
        check_dump SYSRQ-elf "$work/sysrq.elf" "$s/dmesg.txt" "$s/info.txt" elf
        makedumpfile -F -l -d 31 "$work/sysrq.elf" >"$work/sysrq.flat-lzo" 2>/dev/null
        check_dump SYSRQ-flat-lzo "$work/sysrq.flat-lzo" "$s/dmesg.txt" "$s/info.txt" flattened
        makedumpfile -F -c -d 31 "$work/sysrq.elf" >"$work/sysrq.flat-zlib" 2>/dev/null
        check_dump SYSRQ-flat-zlib "$work/sysrq.flat-zlib" "$s/dmesg.txt" "$s/info.txt" flattened
        makedumpfile -c -d 31 "$work/sysrq.elf" "$work/sysrq.zlib" >/dev/null 2>&1
        check_dump SYSRQ-zlib "$work/sysrq.zlib" "$s/dmesg.txt" "$s/info.txt" kdump-compressed

        # A --split set, any order, as a kdump directory.
        mkdir -p "$work/split"
        makedumpfile --split -l -d 31 "$work/sysrq.elf" "$work/split/vmcore-1" "$work/split/vmcore-2" >/dev/null 2>&1
        "$vmcored" dmesg "$work/split/vmcore-2" "$work/split/vmcore-1" >"$work/split.dmesg" 2>/dev/null
        check "split set: dmesg identical" cmp -s "$work/split.dmesg" "$s/dmesg.txt"
        "$vmcored" analyze --json "$work/split" >"$work/split.json" 2>/dev/null
        check "split set directory: analyzed with 2 files" test "$(json "$work/split.json" 'd["dump"]["files"]')" = 2

        # Debian kdump-tools layout: flattened dump.<stamp> + dmesg.<stamp>.
        mkdir -p "$work/debian/202611220511"
        ln -sf "$work/sysrq.flat-zlib" "$work/debian/202611220511/dump.202611220511"
        cp "$s/dmesg.txt" "$work/debian/202611220511/dmesg.202611220511"
        "$vmcored" analyze --json "$work/debian/202611220511" >"$work/debian.json" 2>/dev/null
        check "kdump-tools directory: log from the dump" test "$(json "$work/debian.json" 'd["dump"]["log"]["source"]')" = dump
        check "kdump-tools directory: title" test "$(json "$work/debian.json" 'd["title"]')" = "kernel panic: sysrq triggered crash"
fi

# kdump-utils layout: vmcore + vmcore-dmesg.txt; a dump whose log is
# damaged falls back to the saved vmcore-dmesg.txt.
mkdir -p "$work/rhel"
ln -sf "$fixtures/BUG/vmcore" "$work/rhel/vmcore"
cp "$fixtures/BUG/dmesg.txt" "$work/rhel/vmcore-dmesg.txt"
"$vmcored" analyze --json "$work/rhel" >"$work/rhel.json" 2>/dev/null
check "kdump-utils directory: analyzed" test "$(json "$work/rhel.json" 'd["title"]')" = "kernel BUG in lkdtm_BUG"

# kdump-utils' name for a dump it could not finish: a partial report.
mkdir -p "$work/rhel-incomplete"
ln -sf "$fixtures/BUG/vmcore" "$work/rhel-incomplete/vmcore-incomplete"
"$vmcored" analyze --json "$work/rhel-incomplete" >"$work/rhel-incomplete.json" 2>/dev/null
check "kdump-utils vmcore-incomplete: exit 3" test $? -eq 3
check "kdump-utils vmcore-incomplete: partial, says why" \
        test "$(json "$work/rhel-incomplete.json" 'd["partial"], "incomplete" in " ".join(d["dump"]["warnings"])')" = "(True, True)"

# A flattened stream cut short (no end marker) is read, and flagged.
if [ -f "$work/sysrq.flat-lzo" ]; then
        head -c $(( $(stat -c %s "$work/sysrq.flat-lzo") * 9 / 10 )) "$work/sysrq.flat-lzo" >"$work/flat-cut"
        "$vmcored" analyze --json "$work/flat-cut" >"$work/flat-cut.json" 2>/dev/null
        rc=$?
        check "flattened stream cut short: exit 1 or 3 ($rc)" test $rc -eq 1 -o $rc -eq 3
        if [ $rc -eq 3 ]; then
                check "flattened stream cut short: partial" test "$(json "$work/flat-cut.json" 'd["partial"]')" = True
        fi
fi

# Damaged dumps: a clear error (exit 1) or a partial report (exit 3),
# never a crash, within a time bound.
damaged() { # NAME FILE
        local name=$1 f=$2 rc
        timeout 20 "$vmcored" analyze --json "$f" >"$work/damaged.json" 2>"$work/damaged.err"
        rc=$?
        if [ $rc -eq 0 ] || [ $rc -eq 1 ] || [ $rc -eq 3 ]; then
                ok "$name: exit $rc"
        else
                bad "$name: exit $rc ($(head -c 300 "$work/damaged.err"))"
        fi
}
for src in "$fixtures/BUG/vmcore" "$work/sysrq.elf" "$work/sysrq.flat-lzo"; do
        [ -f "$src" ] || continue
        size=$(stat -c %s "$src")
        b=$(basename "$src")
        for cut in 16 100 4096 8192 65536 $((size / 3)) $((size / 2)) $((size - 4096)); do
                head -c "$cut" "$src" >"$work/cut"
                damaged "$b truncated at $cut" "$work/cut"
        done
        # Flip bytes in the headers and across the file.
        for off in 8 40 300 1000 4100 5000 $((size / 7)) $((size / 5)) $((size / 2)); do
                cp "$src" "$work/flip"
                printf '\xff\xff\xff\xff\xff\xff\xff\xff' | dd of="$work/flip" bs=1 seek="$off" conv=notrunc status=none
                damaged "$b with 8 bytes flipped at $off" "$work/flip"
        done
done
head -c 1048576 /dev/zero >"$work/zeros" && damaged "zero-filled file" "$work/zeros"
head -c 1048576 /dev/urandom >"$work/random" && damaged "random file" "$work/random"
{ printf 'KDUMP   '; head -c 1048576 /dev/urandom; } >"$work/kdump-random" && damaged "KDUMP magic + random" "$work/kdump-random"
{ printf '\177ELF\002\001\001'; head -c 1048576 /dev/urandom; } >"$work/elf-random" && damaged "ELF magic + random" "$work/elf-random"
{ printf 'makedumpfile\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0\1'; head -c 1048576 /dev/urandom; } >"$work/flat-random" && damaged "flattened magic + random" "$work/flat-random"

# Damage in the printk ring itself (the text data ring of the BUG dump's
# ELF twin is not at a known file offset, so damage the VMCOREINFO instead):
# a dump without usable VMCOREINFO offsets is a clear error, not a crash.
if [ -f "$work/sysrq.elf" ]; then
        python3 - "$work/sysrq.elf" "$work/badinfo.elf" <<'PY'
import sys
data = bytearray(open(sys.argv[1], 'rb').read(1 << 20))
rest = open(sys.argv[1], 'rb').read()[1 << 20:]
i = data.find(b'OFFSET(prb_desc_ring.descs)=')
if i >= 0:
    data[i + len('OFFSET(prb_desc_ring.descs)='):i + len('OFFSET(prb_desc_ring.descs)=') + 1] = b'9'
open(sys.argv[2], 'wb').write(data + rest)
PY
        "$vmcored" analyze --json "$work/badinfo.elf" >"$work/badinfo.json" 2>/dev/null
        rc=$?
        check "VMCOREINFO with a wrong offset: partial report (exit 3), not a crash" test $rc -eq 3
fi

echo "vmcore: $pass passed, $fail failed"
[ "$fail" -eq 0 ] || exit 1
# All passed: the dumps made here go (VMCORED_KEEP_WORK=1 keeps them).
[ -n "${VMCORED_KEEP_WORK:-}" ] || find "$work" -xdev -type f -size +1M -delete 2>/dev/null
exit 0
