/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Everything vmcored takes from a crash dump before the log analysis: the
 * facts of the dump and kernel (VMCOREINFO, uname), the kernel log from
 * the printk buffer, every CPU's registers with symbols from the dump's own
 * kallsyms, and which CPU panicked. What cannot be read is recorded as a
 * warning and the rest is kept: a damaged dump gives a partial result, not
 * none. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "btf.h"
#include "dump.h"
#include "kallsyms.h"
#include "modules.h"
#include "printk.h"
#include "strbuf.h"
#include "util.h"

struct vmc_cpu_facts {
        struct vmc_cpu_regs regs;
        char *ip_symbol;                /* "func+0x1a/0x40", NULL unresolved */
        char *reg_symbols[VMC_MAX_REGS]; /* for register values that are kernel symbols */
};

struct vmc_vmcore {
        struct vmc_dump *dump;
        struct vmc_dump_info info;
        char *osrelease;
        char *build_id;
        int64_t crash_time;             /* seconds since the epoch, -1 unknown */
        bool has_kernel_offset;
        uint64_t kernel_offset;
        char *uts_sysname, *uts_nodename, *uts_version, *uts_machine;

        struct printk_log *printk;      /* NULL when the log could not be read */
        char *log_error;
        struct kallsyms *kallsyms;      /* NULL without usable kallsyms */
        char *symbols_error;
        /* Loaded on first use: vmc_vmcore_btf(). */
        struct kbtf *btf;
        bool btf_tried;
        uint64_t btf_start, btf_stop;
        /* Loaded when an address to name lies where modules live. */
        struct kmodules *modules;
        bool modules_tried;
        unsigned modules_scans;         /* addresses looked at for a struct module */

        struct vmc_cpu_facts *cpus;
        size_t n_cpus;
        int panic_cpu;                  /* see vmc_vmcore_panic_cpu() */
        bool panic_cpu_read;

        char **warnings;
        size_t n_warnings;
};

/* Opens the dump (see vmc_dump_open) and reads it. Fails only when the
 * files are not a readable dump at all. */
int vmc_vmcore_read(unsigned n_paths, const char *const *paths, struct vmc_vmcore **ret, char *err, size_t errlen);
void vmc_vmcore_free(struct vmc_vmcore *vm);

/* The kernel log in the kernel's own console format, for the analyzer. */
int vmc_vmcore_kernel_log(const struct vmc_vmcore *vm, struct strbuf *out);

/* Records what could not be read (shown in the report). */
int vmc_vmcore_warn(struct vmc_vmcore *vm, const char *fmt, ...) _printf_(2, 3);

/* The kernel's panic_cpu variable (-1 unknown), read on first call. */
int vmc_vmcore_panic_cpu(struct vmc_vmcore *vm);

/* The kernel's types (BTF) from the dump, read on first call; NULL (with a
 * warning recorded) when the kernel has none or they cannot be read. */
struct kbtf *vmc_vmcore_btf(struct vmc_vmcore *vm);

/* A damaged dump: some of the log, symbols or registers are missing. */
bool vmc_vmcore_partial(const struct vmc_vmcore *vm);
