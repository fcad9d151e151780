/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The crashing task's memory map: its VMAs are walked as the kernel keeps
 * them (a maple tree since 6.1, a vm_next list before) and each link is
 * checked: a node or VMA pointer that is not one (packet bytes, poison), a
 * VMA that belongs to another mm or does not cover the range its slot says.
 * The first bad link is reported: a corrupt memory map makes the task crash
 * later in code that only walks it (exit, /proc/PID/maps, acct_collect).
 *
 * The task is the current one of the crashing CPU: per-CPU current_task
 * (x86_64 up to 6.1 and from 6.15), pcpu_hot.current_task (6.2 to 6.14),
 * or the run queue's curr. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "explain.h"
#include "util.h"

#define MT_MAX_NODES 65536
#define MT_MAX_DEPTH 16
#define LIST_MAX_VMAS 1000000
#define NODE_MASK UINT64_C(0xff)

enum { MT_DENSE, MT_LEAF_64, MT_RANGE_64, MT_ARANGE_64 };

struct task {
        uint64_t addr, mm;
        int pid;
        char comm[17];
};

struct bad_link {
        char where[200];
        uint64_t value;
        char why[320];
};

static int current_task(struct explain *x, unsigned cpu, uint64_t *ret) {
        uint64_t off, var, member;

        if (explain_percpu_offset(x, cpu, &off) < 0)
                return -ENOENT;
        if (explain_symbol(x, EXPLAIN_SYM_CURRENT_TASK, &var) && kmem_read_u64(x->mem, var + off, ret) >= 0 && *ret)
                return 0;
        if (explain_symbol(x, EXPLAIN_SYM_PCPU_HOT, &var) &&
            kbtf_member_offset(x->btf, "pcpu_hot", "current_task", &member) >= 0 &&
            kmem_read_u64(x->mem, var + off + member, ret) >= 0 && *ret)
                return 0;
        if (explain_symbol(x, EXPLAIN_SYM_RUNQUEUES, &var) && kbtf_read_uint(x->btf, x->mem, var + off, "rq", "curr", ret) >= 0 &&
            *ret)
                return 0;
        return -ENOENT;
}

static int find_task(struct explain *x, struct task *t) {
        int cpu = x->r->panic.cpu;
        uint64_t pid;

        if (cpu < 0 && x->vm->n_cpus == 1)
                cpu = 0;
        if (cpu < 0)
                return -ENOENT;
        if (current_task(x, (unsigned) cpu, &t->addr) < 0 ||
            kbtf_read_uint(x->btf, x->mem, t->addr, "task_struct", "pid", &pid) < 0 ||
            kbtf_read_uint(x->btf, x->mem, t->addr, "task_struct", "mm", &t->mm) < 0)
                return -ENOENT;
        t->pid = (int) (uint32_t) pid;
        if (kbtf_read_bytes(x->btf, x->mem, t->addr, "task_struct", "comm", t->comm, 16) < 0)
                snprintf(t->comm, sizeof(t->comm), "?");
        t->comm[16] = '\0';
        return 0;
}

static void explain_value(struct explain *x, uint64_t v, char *buf, size_t len) {
        if (!badptr_what(x, v, buf, len))
                snprintf(buf, len, "a readable kernel address, but no valid entry");
}

/* ---- the maple tree (6.1+) ---- */

struct mt_layout {
        uint64_t r64_pivot, r64_slot, r64_end, r64_pivots, r64_slots;
        uint64_t a64_pivot, a64_slot, a64_end, a64_pivots, a64_slots;
        uint64_t parent;
        uint64_t vm_start, vm_end, vm_mm;
};

static int mt_layout(struct explain *x, struct mt_layout *l) {
        uint64_t size;
        struct kbtf *b = x->btf;

        if (kbtf_member(b, "maple_range_64", "pivot", &l->r64_pivot, &size) < 0)
                return -ENOENT;
        l->r64_pivots = size / 8;
        if (kbtf_member(b, "maple_range_64", "slot", &l->r64_slot, &size) < 0)
                return -ENOENT;
        l->r64_slots = size / 8;
        if (kbtf_member(b, "maple_arange_64", "pivot", &l->a64_pivot, &size) < 0)
                return -ENOENT;
        l->a64_pivots = size / 8;
        if (kbtf_member(b, "maple_arange_64", "slot", &l->a64_slot, &size) < 0)
                return -ENOENT;
        l->a64_slots = size / 8;
        if (kbtf_member_offset(b, "maple_range_64", "meta.end", &l->r64_end) < 0 ||
            kbtf_member_offset(b, "maple_arange_64", "meta.end", &l->a64_end) < 0 ||
            kbtf_member_offset(b, "maple_range_64", "parent", &l->parent) < 0 ||
            kbtf_member_offset(b, "vm_area_struct", "vm_start", &l->vm_start) < 0 ||
            kbtf_member_offset(b, "vm_area_struct", "vm_end", &l->vm_end) < 0 ||
            kbtf_member_offset(b, "vm_area_struct", "vm_mm", &l->vm_mm) < 0)
                return -ENOENT;
        if (l->r64_slots != l->r64_pivots + 1 || l->a64_slots != l->a64_pivots + 1 || l->r64_slots > 32 ||
            l->a64_slots > 32)
                return -EBADMSG;
        return 0;
}

struct mt_walk {
        struct explain *x;
        const struct mt_layout *l;
        uint64_t mm;
        size_t nodes, vmas;
        bool bad;
        struct bad_link link;
};

static bool mt_fail(struct mt_walk *w, uint64_t value, const char *why, const char *where) {
        char what[200];

        w->bad = true;
        w->link.value = value;
        snprintf(w->link.where, sizeof(w->link.where), "%s", where);
        explain_value(w->x, value, what, sizeof(what));
        snprintf(w->link.why, sizeof(w->link.why), "%s: %s", why, what);
        return false;
}

static bool check_vma(struct mt_walk *w, uint64_t node, unsigned slot, uint64_t vma, uint64_t lo, uint64_t hi) {
        const struct mt_layout *l = w->l;
        uint64_t start, end, mm;
        const char *why = NULL;
        char where[200];

        if (!explain_kernel_address(w->x, vma) || vma % 8 != 0 || kmem_read_u64(w->x->mem, vma + l->vm_start, &start) < 0 ||
            kmem_read_u64(w->x->mem, vma + l->vm_end, &end) < 0 || kmem_read_u64(w->x->mem, vma + l->vm_mm, &mm) < 0)
                why = "is no vm_area_struct pointer";
        else if (mm != w->mm)
                why = "points to a VMA of another address space (vm_mm differs)";
        else if (start != lo || end != hi + 1)
                why = "points to a VMA whose vm_start/vm_end do not match the slot's range";
        if (!why) {
                w->vmas++;
                return true;
        }
        snprintf(where, sizeof(where), "slot %u of leaf node 0x%016" PRIx64 " (addresses 0x%" PRIx64 "-0x%" PRIx64 ")",
                 slot, node, lo, hi);
        return mt_fail(w, vma, why, where);
}

/* Walks the node `enode` (an encoded pointer: node address, type in bits
 * 3-6) covering [min, max]; `from` says where its link is. */
static bool mt_walk_node(struct mt_walk *w, uint64_t enode, uint64_t parent, const char *from, uint64_t min,
                         uint64_t max, unsigned depth) {
        const struct mt_layout *l = w->l;
        uint64_t node = enode & ~NODE_MASK, pivots[32], slots[32], lo = min, p;
        unsigned type = (unsigned) (enode >> 3) & 0xf, n_piv, n_slot, end;
        uint8_t meta_end;
        char where[200];
        bool arange;

        if (depth > MT_MAX_DEPTH || ++w->nodes > MT_MAX_NODES)
                return mt_fail(w, enode, "leads deeper or further than any real tree", from);
        if ((type != MT_LEAF_64 && type != MT_RANGE_64 && type != MT_ARANGE_64) || !explain_readable(w->x, node))
                return mt_fail(w, enode, "is no maple node pointer", from);
        if (parent && kmem_read_u64(w->x->mem, node + l->parent, &p) >= 0 && (p & ~NODE_MASK) != parent)
                return mt_fail(w, enode, "points to a node whose parent link does not point back", from);
        arange = type == MT_ARANGE_64;
        n_piv = (unsigned) (arange ? l->a64_pivots : l->r64_pivots);
        n_slot = n_piv + 1;
        if (kmem_read(w->x->mem, node + (arange ? l->a64_pivot : l->r64_pivot), pivots, 8 * n_piv) < 0 ||
            kmem_read(w->x->mem, node + (arange ? l->a64_slot : l->r64_slot), slots, 8 * n_slot) < 0 ||
            kmem_read(w->x->mem, node + (arange ? l->a64_end : l->r64_end), &meta_end, 1) < 0)
                return mt_fail(w, enode, "points to a node that is not in the dump", from);
        for (unsigned i = 0; i < n_piv; i++)
                pivots[i] = kmem_le64(&pivots[i]);
        for (unsigned i = 0; i < n_slot; i++)
                slots[i] = kmem_le64(&slots[i]);
        /* How many slots are used, as the kernel's ma_data_end() decides. */
        if (arange || pivots[n_piv - 1] == 0)
                end = meta_end;
        else if (pivots[n_piv - 1] == max)
                end = n_piv - 1;
        else
                end = n_piv;
        if (end >= n_slot)
                return mt_fail(w, enode, "points to a node whose slot count is impossible", from);
        for (unsigned i = 0; i <= end; i++) {
                /* The slot's last index, as mas_logical_pivot() has it. */
                uint64_t hi = i < n_piv ? pivots[i] : max;
                if (hi == 0 && i > 0)
                        hi = max;
                if (hi < lo || hi > max) {
                        snprintf(where, sizeof(where), "pivot %u of node 0x%016" PRIx64, i, node);
                        return mt_fail(w, hi, "is out of order", where);
                }
                if (slots[i]) {
                        bool ok;
                        if (type == MT_LEAF_64)
                                ok = check_vma(w, node, i, slots[i], lo, hi);
                        else {
                                snprintf(where, sizeof(where),
                                         "slot %u of node 0x%016" PRIx64 " (addresses 0x%" PRIx64 "-0x%" PRIx64 ")", i,
                                         node, lo, hi);
                                ok = mt_walk_node(w, slots[i], node, where, lo, hi, depth + 1);
                        }
                        if (!ok)
                                return false;
                }
                if (hi >= max)
                        break;
                lo = hi + 1;
        }
        return true;
}

static int walk_maple(struct explain *x, const struct task *t, struct mt_walk *w) {
        uint64_t mt, root;
        int r;

        r = kbtf_member_offset(x->btf, "mm_struct", "mm_mt", &mt);
        if (r < 0)
                return r;
        r = kbtf_read_uint(x->btf, x->mem, t->mm + mt, "maple_tree", "ma_root", &root);
        if (r < 0)
                return r;
        if (root == 0)
                return 0;
        if ((root & 3) != 2 || root <= 4096) {
                char what[200];
                w->bad = true;
                w->link.value = root;
                snprintf(w->link.where, sizeof(w->link.where), "the root of the maple tree (mm_struct.mm_mt.ma_root)");
                explain_value(x, root, what, sizeof(what));
                snprintf(w->link.why, sizeof(w->link.why), "is no node pointer: %s", what);
                return 0;
        }
        (void) mt_walk_node(w, root, 0, "the root of the maple tree (mm_struct.mm_mt.ma_root)", 0, UINT64_MAX, 0);
        return 0;
}

/* ---- the VMA list (before 6.1) ---- */

static int walk_list(struct explain *x, const struct task *t, struct mt_walk *w) {
        uint64_t vma, prev = 0, prev_end = 0, next_off, start_off, end_off, mm_off;
        char what[200];
        int r;

        if (kbtf_member_offset(x->btf, "vm_area_struct", "vm_next", &next_off) < 0 ||
            kbtf_member_offset(x->btf, "vm_area_struct", "vm_start", &start_off) < 0 ||
            kbtf_member_offset(x->btf, "vm_area_struct", "vm_end", &end_off) < 0 ||
            kbtf_member_offset(x->btf, "vm_area_struct", "vm_mm", &mm_off) < 0)
                return -ENOENT;
        r = kbtf_read_uint(x->btf, x->mem, t->mm, "mm_struct", "mmap", &vma);
        if (r < 0)
                return r;
        for (size_t n = 0; vma && n < LIST_MAX_VMAS; n++) {
                uint64_t start, end, mm;
                const char *why = NULL;

                if (!explain_kernel_address(x, vma) || vma % 8 != 0 || kmem_read_u64(x->mem, vma + start_off, &start) < 0 ||
                    kmem_read_u64(x->mem, vma + end_off, &end) < 0 || kmem_read_u64(x->mem, vma + mm_off, &mm) < 0)
                        why = "is no vm_area_struct pointer";
                else if (mm != t->mm)
                        why = "points to a VMA of another address space (vm_mm differs)";
                else if (start >= end || start < prev_end)
                        why = "points to a VMA out of order (vm_start/vm_end)";
                if (why) {
                        w->bad = true;
                        w->link.value = vma;
                        if (prev)
                                snprintf(w->link.where, sizeof(w->link.where), "vm_next of VMA #%zu (0x%016" PRIx64 ")",
                                         n - 1, prev);
                        else
                                snprintf(w->link.where, sizeof(w->link.where), "mm_struct.mmap");
                        explain_value(x, vma, what, sizeof(what));
                        snprintf(w->link.why, sizeof(w->link.why), "%s: %s", why, what);
                        return 0;
                }
                w->vmas++;
                prev = vma;
                prev_end = end;
                if (kmem_read_u64(x->mem, vma + next_off, &vma) < 0)
                        return -EFAULT;
        }
        return 0;
}

int analyze_task_memory(struct explain *x) {
        struct mt_layout layout;
        struct mt_walk w = { .x = x, .l = &layout };
        struct task t = {};
        const char *kind;
        json_object *ev;
        char hex[24];
        int r;

        if (find_task(x, &t) < 0)
                return hints_add(x->out, "task-memory", "task-memory-skipped", HINT_INFO, NULL,
                                 "the crashing task's memory map was not checked: its task_struct cannot be found "
                                 "(no data symbols such as current_task/__per_cpu_offset in kallsyms)");
        if (x->r->panic.pid >= 0 && t.pid != x->r->panic.pid)
                return hints_add(x->out, "task-memory", "task-memory-skipped", HINT_INFO, NULL,
                                 "the crashing task's memory map was not checked: the CPU's current task (pid %d) is "
                                 "not the crashing one (pid %d)",
                                 t.pid, x->r->panic.pid);
        if (t.mm == 0)
                return 0;       /* a kernel thread: no user memory map */
        w.mm = t.mm;
        if (mt_layout(x, &layout) >= 0) {
                kind = "maple tree";
                r = walk_maple(x, &t, &w);
        } else {
                kind = "VMA list";
                r = walk_list(x, &t, &w);
        }
        if (r < 0 && !w.bad)
                return hints_add(x->out, "task-memory", "task-memory-skipped", HINT_INFO, NULL,
                                 "the memory map of %s (pid %d) could not be read (%s)", t.comm, t.pid, strerror(-r));

        ev = json_object_new_object();
        if (!ev)
                return -ENOMEM;
        snprintf(hex, sizeof(hex), "0x%016" PRIx64, t.addr);
        json_object_object_add(ev, "task", json_object_new_string(hex));
        json_object_object_add(ev, "pid", json_object_new_int(t.pid));
        json_object_object_add(ev, "comm", json_object_new_string(t.comm));
        snprintf(hex, sizeof(hex), "0x%016" PRIx64, t.mm);
        json_object_object_add(ev, "mm", json_object_new_string(hex));
        json_object_object_add(ev, "structure", json_object_new_string(kind));
        json_object_object_add(ev, "vmas_checked", json_object_new_int64((int64_t) w.vmas));
        if (!w.bad)
                return hints_add(x->out, "task-memory", "task-memory-ok", HINT_INFO, ev,
                                 "the memory map of %s (pid %d) is consistent: %zu VMAs in its %s", t.comm, t.pid,
                                 w.vmas, kind);
        snprintf(hex, sizeof(hex), "0x%016" PRIx64, w.link.value);
        json_object_object_add(ev, "value", json_object_new_string(hex));
        json_object_object_add(ev, "link", json_object_new_string(w.link.where));
        json_object_object_add(ev, "problem", json_object_new_string(w.link.why));
        return hints_add(x->out, "task-memory", "vma-corrupt", HINT_CRITICAL, ev,
                         "the memory map of %s (pid %d) is corrupt: %s holds 0x%016" PRIx64 ", which %s (after %zu "
                         "good VMAs)",
                         t.comm, t.pid, w.link.where, w.link.value, w.link.why, w.vmas);
}
