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
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/slab.h>
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

/*
 * The first analysis our users sent: packet bytes written over the pointer
 * to a VMA in a task's memory map (a NIC's DMA into memory that had been
 * freed and reused). The writer's own memory map gets a fresh mapping whose
 * slot in the maple tree is overwritten; the task dies when it exits and
 * acct_collect() walks its VMAs: "general protection fault in acct_collect".
 * The trigger must come from a process that exits (sh -c '...').
 */
static noinline int crashtest_vma_packet(void)
{
	struct mm_struct *mm = current->mm;
	unsigned long addr;
	struct maple_node *node;
	void *entry;
	MA_STATE(mas, &mm->mm_mt, 0, 0);

	addr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	mas_set(&mas, addr);
	mmap_write_lock(mm);
	entry = mas_walk(&mas);
	/* A leaf node (not the root entry): its slot holds the VMA. */
	if (entry && (unsigned long)mas.node > MAPLE_RESERVED_RANGE &&
	    (((unsigned long)mas.node >> MAPLE_NODE_TYPE_SHIFT) & MAPLE_NODE_TYPE_MASK) == maple_leaf_64) {
		node = (struct maple_node *)((unsigned long)mas.node & ~MAPLE_NODE_MASK);
		node->mr64.slot[mas.offset] = (void *)0x004500087d7dca0bUL;
	}
	mmap_write_unlock(mm);
	return 0;
}

/*
 * A use after free: with slub_debug=P the freed object is filled with 0x6b
 * (POISON_FREE), so the pointer read from it is 0x6b6b6b6b6b6b6b6b. The
 * freed object stays in a register (the argument).
 */
static noinline unsigned long crashtest_read_next(struct crashtest_conn *c)
{
	/* Keeps GCC from passing c->next instead of c (IPA-SRA). */
	OPTIMIZER_HIDE_VAR(c);
	return c->next->rx_bytes;
}

static noinline unsigned long crashtest_uaf_poison(void)
{
	struct crashtest_conn *c = kmalloc(sizeof(*c), GFP_KERNEL);
	struct crashtest_conn *volatile stale;

	if (!c)
		return 0;
	c->next = c;
	stale = c;
	kfree(c);
	return crashtest_read_next(stale);
}

/*
 * A pointer with one bit flipped, as a memory error leaves it: bit 40 of a
 * direct-map address lands far beyond the guest's memory (a page fault).
 */
static noinline unsigned long crashtest_bitflip(void)
{
	struct crashtest_conn *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return 0;
	crashtest_victim.rx_bytes = 1;
	crashtest_victim.next = (struct crashtest_conn *)((unsigned long)c ^ (1UL << 40));
	return crashtest_walk_conns(&crashtest_victim);
}

/*
 * A NULL struct pointer passed into the kernel: netif_carrier_on() touches
 * dev->state first, so the fault address is offsetof(struct net_device,
 * state), which vmcored names from the kernel's BTF.
 */
static struct net_device *volatile crashtest_null_dev;

static noinline void crashtest_null_member(void)
{
	netif_carrier_on(crashtest_null_dev);
}

/*
 * A WARN storm before the crash: the same object is reported three times,
 * then a BUG_ON on it brings the kernel down. The first WARN is the lead.
 */
static noinline void crashtest_check_conn(struct crashtest_conn *c)
{
	WARN(c->rx_bytes != 0, "vmcored_crashtest: connection %px still holds %lu bytes", c, c->rx_bytes);
}

static noinline void crashtest_release_conn(struct crashtest_conn *c)
{
	BUG_ON(c->flags != 0);
}

static noinline void crashtest_warn_storm(void)
{
	struct crashtest_conn *c = kzalloc(sizeof(*c), GFP_KERNEL);
	int i;

	if (!c)
		return;
	c->rx_bytes = 100;
	c->flags = 1;
	for (i = 0; i < 3; i++) {
		crashtest_check_conn(c);
		msleep(200);
	}
	crashtest_release_conn(c);
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
	{ "VMA_PACKET", (void (*)(void))crashtest_vma_packet },
	{ "UAF_POISON", (void (*)(void))crashtest_uaf_poison },
	{ "BITFLIP", (void (*)(void))crashtest_bitflip },
	{ "NULL_MEMBER", crashtest_null_member },
	{ "WARN_STORM", crashtest_warn_storm },
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
