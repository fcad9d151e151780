#!/bin/busybox sh
# /init of the test guests (busybox). The same image boots twice:
#  - first kernel: load the capture kernel with kexec -p, then crash as asked
#    by lab_kind= on the kernel command line (lab_kind=RUN: no crash, run the
#    job script /mnt/capture.sh instead, as on the boot after a crash);
#  - capture kernel (/proc/vmcore exists): run the test's job script
#    /mnt/capture.sh from the host share with the dump at hand, then power off.
# The host share (9p, tag "host0") carries the kernel, this initramfs, the job
# script and the results (out/).
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mkdir -p /proc /sys /dev /mnt /tmp /run
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp

log() { echo "lab-init: $*" > /dev/console; }
arg() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
halt_now() { sync; poweroff -f; sleep 5; echo o > /proc/sysrq-trigger; }

# Modules in dependency order (busybox insmod does not resolve dependencies).
while read -r ko; do
	insmod "/lib/modules/$ko" || log "insmod $ko failed"
done < /lib/modules/load.list

if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 host0 /mnt; then
	log "cannot mount the host share"
	halt_now
fi
mkdir -p /mnt/out

if [ -e /proc/vmcore ]; then
	log "capture kernel: /proc/vmcore is $(stat -c %s /proc/vmcore) bytes"
	start=$(cut -d' ' -f1 /proc/uptime)
	if [ -x /mnt/capture.sh ]; then
		/mnt/capture.sh /mnt/out > /mnt/out/capture.log 2>&1
		rc=$?
	else
		log "no /mnt/capture.sh"
		rc=127
	fi
	end=$(cut -d' ' -f1 /proc/uptime)
	echo "rc=$rc start=$start end=$end" > /mnt/out/capture.done
	free > /mnt/out/capture.free 2>&1
	log "capture job finished: rc=$rc"
	umount /mnt
	halt_now
fi

kind=$(arg lab_kind)
if [ "$kind" = RUN ]; then
	# No crash: the job script runs in the first kernel (a "next boot").
	log "first kernel: running the job script, no crash"
	/mnt/capture.sh /mnt/out > /mnt/out/capture.log 2>&1
	echo "rc=$? start=0 end=$(cut -d' ' -f1 /proc/uptime)" > /mnt/out/capture.done
	umount /mnt
	halt_now
fi
log "first kernel: crash kind '$kind'"
# The capture kernel's own initramfs when the test gives one (lab run
# --capture-initrd), else this one.
cinitrd=/mnt/initrd.img
[ -f /mnt/capture-initrd.img ] && cinitrd=/mnt/capture-initrd.img
# arm64: kexec-tools takes the kernel's start from /proc/kallsyms' _text,
# which Debian's arm64 kernel does not list; vmcored's deployment gives
# kexec a copy that has it (lab run --broken-kallsyms: not).
fixed=no
if [ "$(arg lab_kallsyms_fix)" = 1 ] && [ -x /usr/libexec/vmcored/kallsyms-text ]; then
	mkdir -p /run/vmcored
	if /usr/libexec/vmcored/kallsyms-text /run/vmcored/kallsyms > /mnt/out/kallsyms-text.log 2>&1 &&
			mount --bind /run/vmcored/kallsyms /proc/kallsyms; then
		fixed=yes
		log "kexec gets a kallsyms with _text: $(grep ' _text$' /proc/kallsyms)"
	fi
fi
if ! kexec -p /mnt/vmlinuz --initrd="$cinitrd" \
		--append="$(cat /mnt/capture.cmdline)" > /mnt/out/kexec.log 2>&1; then
	log "kexec -p failed: $(cat /mnt/out/kexec.log)"
	halt_now
fi
[ "$fixed" = yes ] && umount /proc/kallsyms
if [ "$(cat /sys/kernel/kexec_crash_loaded)" != 1 ]; then
	log "capture kernel not loaded"
	halt_now
fi
echo "loaded" > /mnt/out/first.done
# lab run --first SCRIPT: a job for the first kernel, with the capture kernel
# loaded, before the crash (e.g. vmcored check-config --kdump).
if [ -x /mnt/first.sh ]; then
	/mnt/first.sh /mnt/out > /mnt/out/first.log 2>&1
	echo "first_rc=$?" >> /mnt/out/first.done
fi

# lab_kmsg_lines=N: write N debug-level lines to the kernel log first (log-size
# benchmarks; needs printk.devkmsg=on, as writes are rate-limited otherwise).
n=$(arg lab_kmsg_lines)
if [ -n "$n" ]; then
	i=0
	while [ "$i" -lt "$n" ]; do
		echo "<7>lab: filler line $i of $n to grow the kernel log" > /dev/kmsg
		i=$((i + 1))
	done
fi

sysctl -qw kernel.panic_on_oops=1 kernel.softlockup_panic=1 kernel.hung_task_panic=1 \
	kernel.hung_task_timeout_secs=5 kernel.watchdog_thresh=5 vm.panic_on_oom=1
log "triggering $kind"
case "$kind" in
SYSRQ)
	echo c > /proc/sysrq-trigger ;;
OOM)
	mkdir -p /fill && mount -t ramfs ramfs /fill
	dd if=/dev/zero of=/fill/zero bs=1M 2>/dev/null ;;
INIT_EXIT)
	exit 1 ;;
WARNING)
	sysctl -qw kernel.panic_on_warn=1
	echo WARNING > /proc/vmcored_crashtest ;;
MCE)
	# The host injects a fatal machine check into the emulated CPU (QEMU's
	# monitor command mce, lab.sh run sends it on this kind's log line);
	# the kernel's own machine-check handler panics.
	sleep 60 ;;
VMA_PACKET)
	# The writer's memory map is corrupted; it crashes when it exits.
	sh -c 'echo VMA_PACKET > /proc/vmcored_crashtest' ;;
HUNG_TASK)
	# The writer hangs in D state; the hung task detector panics.
	echo HUNG_TASK > /proc/vmcored_crashtest &
	sleep 600 ;;
*)
	echo "$kind" > /proc/vmcored_crashtest ;;
esac
log "the crash did not happen"
sleep 1
halt_now
