#!/bin/sh
# Capture-kernel job of the broken-header case (the capture kernel loaded
# without the _text workaround): vmcored collect and analyze meet an
# impossible /proc/vmcore. The headers and notes (the first 8 KiB, before
# the first segment's data: reading that crashes this kernel) are kept
# for the host to check against.
# Usage (in the capture kernel): capture-broken.sh OUTDIR
out=$1
echo "vmcore_bytes=$(stat -c %s /proc/vmcore)" >>"$out/rc.txt"
dd if=/proc/vmcore of="$out/vmcore.head" bs=4096 count=2 2>/dev/null
vmcored collect --store "file://$out/store" --spool /tmp/spool >"$out/collect.out" 2>"$out/collect.err"
echo "collect_rc=$?" >>"$out/rc.txt"
vmcored analyze --json /proc/vmcore >"$out/analyze.json" 2>"$out/analyze.err"
echo "analyze_rc=$?" >>"$out/rc.txt"
# Still alive: nothing read the impossible segment.
echo "alive=yes" >>"$out/rc.txt"
