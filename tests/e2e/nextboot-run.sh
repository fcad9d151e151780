#!/bin/sh
# The boot after a crash whose store was away (lab kind RUN): the guest's
# disk holds /var/crash with vmcored's spool; the network is up now, and
# `vmcored run --once` stores what the capture kernel could not.
# Usage (in the first kernel): nextboot-run.sh OUTDIR
out=$1
i=0; while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done  # the driver probes in the background
mkdir -p /var/crash && mount -t ext4 /dev/vda /var/crash
echo "disk_rc=$?" >>"$out/rc.txt"
ip link set lo up
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0
echo "net_rc=$?" >>"$out/rc.txt"
vmcored run --once --config /mnt/in/vmcored.conf >"$out/run.out" 2>"$out/run.err"
echo "run_rc=$?" >>"$out/rc.txt"
mkdir -p "$out/spool" && cp /var/crash/vmcored/*/state.json "$out/spool/" 2>/dev/null
umount /var/crash
