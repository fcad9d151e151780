#!/bin/sh
# Capture-kernel job of bench-dumpsize.py: time vmcored on the live
# /proc/vmcore (best of 3; /proc/uptime counts in 10 ms steps), then save
# the dump as ELF and as lzo (makedumpfile -d 31) for the host measurements.
out=$1
up() { cut -d' ' -f1 /proc/uptime; }
best=
for _ in 1 2 3; do
	t0=$(up)
	vmcored analyze --json /proc/vmcore >"$out/analyze.json" 2>"$out/analyze.err" || echo "analyze_rc=$?" >>"$out/rc.txt"
	t1=$(up)
	best=$(echo "$t1 $t0 ${best:-999}" | awk '{ d = $1 - $2; print (d < $3) ? d : $3 }')
done
echo "live_analyze_s=$best" >>"$out/rc.txt"
echo "vmcore_bytes=$(stat -c %s /proc/vmcore)" >>"$out/rc.txt"
makedumpfile -E -d 31 /proc/vmcore "$out/vmcore.elf" >"$out/makedumpfile-elf.log" 2>&1
echo "elf_rc=$?" >>"$out/rc.txt"
makedumpfile -l -d 31 /proc/vmcore "$out/vmcore.lzo" >"$out/makedumpfile-lzo.log" 2>&1
echo "lzo_rc=$?" >>"$out/rc.txt"
