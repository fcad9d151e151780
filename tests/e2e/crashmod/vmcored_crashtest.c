// SPDX-License-Identifier: GPL-2.0
/*
 * vmcored_crashtest: crashes the kernel on request, for vmcored's QEMU tests.
 *
 * Write a kind name to /proc/vmcored_crashtest, e.g.
 *     echo BUG > /proc/vmcored_crashtest
 * The write itself crashes (or hangs) in a function named after the kind, so
 * titles and fingerprints are stable. Built out of tree against the running
 * distribution's linux-headers; needs no kernel source.
 */
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>

struct crashtest_conn {
	unsigned long flags;
	struct crashtest_conn *next;	/* at offset 8 */
	unsigned long cookie;
	unsigned long rx_bytes;		/* at offset 24 */
};

/* Keep the compiler from proving what the pointers hold. */
static struct crashtest_conn *volatile crashtest_null;
static struct crashtest_conn crashtest_victim;

static noinline void crashtest_warning(void)
{
	WARN(1, "vmcored_crashtest: WARNING requested");
}

static noinline void crashtest_bug(void)
{
	BUG();
}

/* A read through a NULL struct pointer: faults at NULL + offsetof(rx_bytes). */
static noinline unsigned long crashtest_null_deref(void)
{
	return crashtest_null->rx_bytes;
}

/*
 * The kind of corruption seen on real hosts: a list pointer overwritten by
 * network packet bytes (little-endian 0b ca 7d 7d 08 00 45 00, an Ethernet
 * type 0x0800 and the start of an IPv4 header). The value is non-canonical,
 * so following it raises a general protection fault.
 */
static noinline unsigned long crashtest_walk_conns(struct crashtest_conn *c)
{
	unsigned long sum = 0;

	while (c) {
		sum += c->rx_bytes;
		c = c->next;
	}
	return sum;
}

static noinline unsigned long crashtest_gpf_packet(void)
{
	crashtest_victim.rx_bytes = 1;
	crashtest_victim.next = (struct crashtest_conn *)0x004500087d7dca0bUL;
	return crashtest_walk_conns(&crashtest_victim);
}

/* CONFIG_DEBUG_LIST (Debian has it) turns this into "list_add corruption". */
static noinline void crashtest_list_corrupt(void)
{
	static LIST_HEAD(head);
	static struct list_head a, b;

	list_add(&a, &head);
	a.prev = &b;	/* head.next->prev no longer points back at head */
	list_add(&b, &head);
}

/* Spins without scheduling; softlockup_panic=1 turns it into a panic. */
static noinline void crashtest_softlockup(void)
{
	preempt_disable();
	for (;;)
		cpu_relax();
}

/* Sleeps uninterruptibly forever; hung_task_panic=1 turns it into a panic. */
static noinline void crashtest_hung_task(void)
{
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule();
	}
}

static noinline void crashtest_panic(void)
{
	panic("vmcored_crashtest: panic requested");
}

static const struct {
	const char *name;
	void (*fn)(void);
} crashtest_kinds[] = {
	{ "WARNING", crashtest_warning },
	{ "BUG", crashtest_bug },
	{ "NULL", (void (*)(void))crashtest_null_deref },
	{ "GPF_PACKET", (void (*)(void))crashtest_gpf_packet },
	{ "LIST_CORRUPT", crashtest_list_corrupt },
	{ "SOFTLOCKUP", crashtest_softlockup },
	{ "HUNG_TASK", crashtest_hung_task },
	{ "PANIC", crashtest_panic },
};

static ssize_t crashtest_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[32];
	size_t n = min(count, sizeof(buf) - 1);
	size_t i;

	if (copy_from_user(buf, ubuf, n))
		return -EFAULT;
	buf[n] = '\0';
	strim(buf);

	for (i = 0; i < ARRAY_SIZE(crashtest_kinds); i++) {
		if (strcmp(buf, crashtest_kinds[i].name) == 0) {
			pr_info("vmcored_crashtest: triggering %s\n", buf);
			crashtest_kinds[i].fn();
			return count;
		}
	}
	pr_err("vmcored_crashtest: unknown kind '%s'\n", buf);
	return -EINVAL;
}

static const struct proc_ops crashtest_proc_ops = {
	.proc_write = crashtest_write,
	.proc_lseek = noop_llseek,
};

static int __init crashtest_init(void)
{
	if (!proc_create("vmcored_crashtest", 0200, NULL, &crashtest_proc_ops))
		return -ENOMEM;
	return 0;
}

static void __exit crashtest_exit(void)
{
	remove_proc_entry("vmcored_crashtest", NULL);
}

module_init(crashtest_init);
module_exit(crashtest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Crash the kernel on request, for vmcored's tests");
