#!/bin/sh
# Capture-kernel job of the e2e read test: the kernel log of /proc/vmcore by
# makedumpfile and by vmcored, vmcored's analysis of /proc/vmcore, and a
# filtered dump (makedumpfile -l -d 31; with /mnt/in/elf also -E -d 31) for
# the host to read again.
# Usage (in the capture kernel): capture-read.sh OUTDIR
out=$1
up() { cut -d' ' -f1 /proc/uptime; }
makedumpfile --dump-dmesg /proc/vmcore "$out/dmesg.makedumpfile.txt" >"$out/makedumpfile-dmesg.log" 2>&1
echo "makedumpfile_dmesg_rc=$?" >>"$out/rc.txt"
vmcored dmesg /proc/vmcore >"$out/dmesg.vmcored.txt" 2>"$out/vmcored-dmesg.err"
echo "vmcored_dmesg_rc=$?" >>"$out/rc.txt"
t0=$(up)
vmcored analyze --json /proc/vmcore >"$out/analyze.json" 2>"$out/analyze.err"
echo "vmcored_analyze_rc=$?" >>"$out/rc.txt"
t1=$(up)
echo "analyze_s=$(echo "$t1 $t0" | awk '{ printf "%.2f", $1 - $2 }')" >>"$out/rc.txt"
makedumpfile -l -d 31 /proc/vmcore "$out/vmcore" >"$out/makedumpfile.log" 2>&1
echo "makedumpfile_rc=$?" >>"$out/rc.txt"
t2=$(up)
echo "makedumpfile_s=$(echo "$t2 $t1" | awk '{ printf "%.2f", $1 - $2 }')" >>"$out/rc.txt"
echo "vmcore_bytes=$(stat -c %s /proc/vmcore)" >>"$out/rc.txt"
# /mnt/in/elf: also a filtered ELF dump.
if [ -e /mnt/in/elf ]; then
	makedumpfile -E -d 31 /proc/vmcore "$out/vmcore.elf" >"$out/makedumpfile-elf.log" 2>&1
	echo "makedumpfile_elf_rc=$?" >>"$out/rc.txt"
fi
