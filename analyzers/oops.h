/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The oops parser: every crash report ("event") in a kernel log, with what
 * can be read off it: kind, title, CPU, PID, comm, taint, kernel release and
 * build, hardware name, the RIP/PC frame and the call trace, registers and
 * the module list; and the choice of the fatal event (the one that led to
 * the panic or the capture).
 *
 * Events start at the header lines of the title rules (crash-titles.md §3)
 * and at a few kdump-relevant messages the title rules do not know: hard
 * lockups, the OOM killer, machine checks and other hardware errors, and an
 * "Oops:" line with no report header before it. Lines that continue a report
 * ("invalid opcode: 0000", "Internal error:" after a fault, "Oops:" after
 * "BUG: unable to handle ...") do not start a new event. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "frames.h"
#include "klog.h"
#include "title.h"

enum oops_kind {
        OOPS_WARNING,
        OOPS_BUG,               /* BUG: other */
        OOPS_KERNEL_BUG,        /* BUG()/BUG_ON(): kernel BUG at ... */
        OOPS_OOPS,              /* a bare Oops / Internal error */
        OOPS_PAGE_FAULT,        /* unable to handle paging request / page fault */
        OOPS_NULL_DEREF,
        OOPS_GPF,               /* general protection fault, stack segment */
        OOPS_KASAN,
        OOPS_KFENCE,
        OOPS_KMSAN,
        OOPS_KCSAN,
        OOPS_UBSAN,
        OOPS_SOFT_LOCKUP,
        OOPS_HARD_LOCKUP,
        OOPS_RCU_STALL,
        OOPS_HUNG_TASK,
        OOPS_LOCKDEP,
        OOPS_LIST_CORRUPTION,
        OOPS_REFCOUNT,
        OOPS_STACK_PROTECTOR,
        OOPS_STACK_OVERFLOW,
        OOPS_ATOMIC_SLEEP,      /* scheduling while atomic, sleeping in atomic context */
        OOPS_OOM,
        OOPS_PANIC,
        OOPS_HARDWARE_ERROR,
        OOPS_SYSRQ,
        OOPS_DOUBLE_FAULT,
        OOPS_DIVIDE_ERROR,
        OOPS_INVALID_OPCODE,
        OOPS_MEMORY_LEAK,
        OOPS_BAD_PAGE,
        OOPS_BAD_USERCOPY,
        OOPS_OTHER,
        _OOPS_KIND_MAX,
};

const char *oops_kind_name(enum oops_kind k);

struct oops_module {
        char *name;
        char *flags;            /* taint flags in parentheses, e.g. "OE", or NULL */
};

struct oops_event {
        enum oops_kind kind;
        bool crash;             /* false for informational events (OOM kill, corrected errors) */
        bool panic;             /* a "Kernel panic - not syncing" line */

        char *title;            /* normalized, syzkaller-style */
        char **alts;
        size_t n_alts;
        char *frame;            /* the guilty function named in the title, or NULL */
        const char *type;       /* syzkaller crash type */
        bool corrupted;
        const char *corrupted_reason;

        char *header;           /* the message of the header line */
        size_t line;            /* index of the header line in the log */
        size_t end_line;        /* last line considered part of the event */
        bool has_ts;
        double ts;
        uint8_t ctx_kind;       /* enum klog_ctx of the header line */
        uint32_t ctx_id;

        int cpu;                /* -1 when unknown */
        int pid;                /* -1 when unknown */
        char *comm;
        char *taint;            /* flag letters ("GWOE"), "" when not tainted, NULL unknown */
        char *release;
        char *build;
        char *hardware;
        char *location;         /* source location of WARN/BUG, e.g. "lib/list_debug.c:62" */
        int die_count;          /* N of "[#N]" on the Oops/die line, 0 when none */

        bool has_rip;
        struct frame rip;
        bool has_lr;
        struct frame lr;        /* link register (arm64 "lr :", arm "LR is at") */
        struct frame *frames;
        size_t n_frames;
        struct reg *regs;
        size_t n_regs;
        struct oops_module *modules;
        size_t n_modules;
        bool has_modules;
};

struct oops_engine;

int oops_engine_new(struct oops_engine **ret, char *errbuf, size_t errlen);
void oops_engine_free(struct oops_engine *o);

/* Finds all events of a log. The first crash event takes its title from
 * `first`, the result of title_find() over the whole log (pass NULL to
 * compute it here). */
int oops_find_events(struct oops_engine *o, struct title_engine *te, const struct klog *log,
                     const struct title_scan *scan, const struct title_result *first,
                     struct oops_event **ret, size_t *n_ret);

void oops_events_free(struct oops_event *ev, size_t n);

/* The fatal event: the event that led to the panic (the last WARN before a
 * panic_on_warn panic, the oops before "Fatal exception", the lockup before
 * "softlockup: hung tasks", ...), the panic itself when it has no such
 * cause, or, without a panic line (normal when kdump captures an oops), the
 * last oops-like crash event. -1 when the log holds no crash event. */
ssize_t oops_fatal_event(const struct oops_event *ev, size_t n);

/* The kernel's "Linux version ..." banner, if the log has it. */
int oops_linux_version(const struct klog *log, char **ret);
