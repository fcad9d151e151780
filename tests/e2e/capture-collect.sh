#!/bin/sh
# Capture-kernel job of the e2e store test: vmcored collect is the whole
# capture job. The guest reaches radosgw on the host through QEMU's
# guestfwd (10.0.2.100:8080); the settings and the store's secrets come in
# /mnt/in. MemAvailable is sampled while vmcored runs.
# Usage (in the capture kernel): capture-collect.sh OUTDIR
out=$1
up() { cut -d' ' -f1 /proc/uptime; }
# /mnt/in/disk: the spool goes on the guest's disk (/dev/vda), which the
# next boot (nextboot-run.sh) finds again.
spool=/tmp/spool
if [ -e /mnt/in/disk ]; then
	i=0; while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done  # the driver probes in the background
	mkdir -p /var/crash && mount -t ext4 /dev/vda /var/crash && spool=/var/crash/vmcored
	echo "disk_rc=$?" >>"$out/rc.txt"
fi
ip link set lo up
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0
echo "net_rc=$?" >>"$out/rc.txt"
grep MemAvailable /proc/meminfo | awk '{ print "memavail_before_kib=" $2 }' >>"$out/rc.txt"
( while :; do awk '/^MemAvailable/ { print $2 }' /proc/meminfo; sleep 0.1; done ) >"$out/memavail.txt" &
sampler=$!
t0=$(up)
vmcored collect --config /mnt/in/vmcored.conf --spool "$spool" >"$out/collect.out" 2>"$out/collect.err"
rc=$?
echo "collect_rc=$rc" >>"$out/rc.txt"
# vmcored missing (127) or cut short (126, ETXTBSY: the failed unpacker
# still holds it open): the capture kernel ran out of memory unpacking its
# initramfs (crashkernel= too small). Say so where the host (the console,
# on a real machine) sees it.
if dmesg | grep -q "Initramfs unpacking failed"; then
	echo "initramfs_unpack=failed" >>"$out/rc.txt"
	[ $rc -eq 126 ] || [ $rc -eq 127 ] &&
		echo "capture_failure=vmcored could not start (exit $rc): the capture kernel's memory is too small for its initramfs ($(dmesg | grep -o 'Initramfs unpacking failed.*' | head -1))" >>"$out/rc.txt"
fi
t1=$(up)
kill "$sampler"
echo "collect_s=$(echo "$t1 $t0" | awk '{ printf "%.2f", $1 - $2 }')" >>"$out/rc.txt"
# What the spool kept, for the host to check that nothing was left half-done.
mkdir -p "$out/spool" && cp "$spool"/*/state.json "$out/spool/" 2>/dev/null
ls -la "$spool"/* >"$out/spool.ls" 2>&1
[ "$spool" = /tmp/spool ] || umount /var/crash
