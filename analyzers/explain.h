/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The built-in analyzers: the first steps a kernel engineer takes in
 * `crash`, done without vmlinux or debuginfo. Each looks at the report (and
 * the dump and its kernel types when there are some) and adds hints:
 *
 *   hardware.c    machine checks and other hardware errors
 *   culprit.c     taint, out-of-tree and proprietary modules in the stack
 *   eventchain.c  the WARNs and oopses before the fatal one; the likely lead
 *   badptr.c      what the fault address and the registers hold
 *   slab.c        which slab object a register points into, free or not
 *   taskmem.c     the crashing task's memory map, first corrupt link
 *
 * This header is what they share; vmc_report_explain() (report.h) runs
 * them. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "btf.h"
#include "hint.h"
#include "kallsyms.h"
#include "kmem.h"
#include "report.h"
#include "vmcore.h"

#define EXPLAIN_MAX_REGS 64

struct explain_reg {
        char name[16];
        uint64_t value;
};

enum explain_sym {
        EXPLAIN_SYM_PER_CPU_OFFSET,
        EXPLAIN_SYM_NR_CPU_IDS,
        EXPLAIN_SYM_CURRENT_TASK,
        EXPLAIN_SYM_PCPU_HOT,
        EXPLAIN_SYM_RUNQUEUES,
        _EXPLAIN_SYM_MAX,
};

struct explain {
        struct vmc_report *r;
        struct vmc_vmcore *vm;          /* NULL: a log only */
        const struct kmem *mem;         /* NULL: a log only */
        struct kbtf *btf;               /* NULL: no kernel types */
        struct kallsyms *ks;            /* NULL: no kernel symbols */
        const char *arch;               /* "x86_64", "arm64", ... or NULL */
        const struct oops_event *fatal; /* the crash, NULL: none */
        bool la57;                      /* x86_64 with 5-level paging */

        /* General-purpose registers of the crash, from its report in the
         * log or else from the dump's note of that CPU. */
        struct explain_reg regs[EXPLAIN_MAX_REGS];
        size_t n_regs;
        const char *regs_from;          /* "log", "dump", NULL */

        /* The address the CPU could not access, when the log says. */
        bool has_fault;
        uint64_t fault;
        const char *fault_from;         /* "page fault", "general protection fault", "KASAN", ... */

        uint64_t syms[_EXPLAIN_SYM_MAX];        /* see explain_symbol() */
        bool syms_loaded;

        struct hints *out;
};

/* Each analyzer adds its hints to x->out. They return 0, or -ENOMEM; what
 * they cannot read is not an error. */
int analyze_hardware(struct explain *x);
int analyze_culprit(struct explain *x);
int analyze_event_chain(struct explain *x);
int analyze_bad_pointers(struct explain *x);
int analyze_slab(struct explain *x);
int analyze_task_memory(struct explain *x);

/* Kernel-space address forms. */
bool explain_canonical(const struct explain *x, uint64_t v);
bool explain_kernel_address(const struct explain *x, uint64_t v);
/* Readable in the dump (never true for a log). */
bool explain_readable(const struct explain *x, uint64_t v);

/* What a value that should be a pointer is instead ("network packet data:
 * ...", "slab poison ...", "not a valid address"), in buf; NULL when it
 * looks like a good kernel pointer. */
const char *badptr_what(const struct explain *x, uint64_t v, char *buf, size_t len);

/* Registers of the crash that hold v, as "RAX, RDX" (caller frees), or
 * NULL when none does. */
char *explain_regs_holding(const struct explain *x, uint64_t v);

/* Data symbols (need CONFIG_KALLSYMS_ALL), looked up once. */
bool explain_symbol(struct explain *x, enum explain_sym which, uint64_t *ret);

/* __per_cpu_offset[cpu]: added to a per-CPU variable's address or a
 * __percpu pointer, gives that CPU's copy. */
int explain_percpu_offset(struct explain *x, unsigned cpu, uint64_t *ret);

/* nr_cpu_ids, or the number of CPUs with registers in the dump. */
unsigned explain_n_cpus(struct explain *x);
