/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Opening a crash dump, whatever its format: /proc/vmcore and other ELF
 * cores, kdump-compressed files and split sets (through libkdumpfile), and
 * makedumpfile's flattened format (read in place by flatdump.c, because
 * libkdumpfile 0.5.1 cannot). The format is told by content.
 *
 *     struct vmc_dump *d;
 *     r = vmc_dump_open(1, &path, &d, err, sizeof(err));
 *     vmcoreinfo_get(vmc_dump_vmcoreinfo(d), "OSRELEASE");
 *     kmem_read(vmc_dump_kmem(d), addr, buf, len);
 *
 * A corrupt or truncated file gives an error (or reads that fail), never a
 * signal: files are read with pread(), never mapped. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmem.h"
#include "vmcoreinfo.h"

#define VMC_DUMP_MAX_CPUS 8192
#define VMC_MAX_REGS 34

/* The registers of one NT_PRSTATUS note (one CPU at crash time). */
struct vmc_cpu_regs {
        unsigned note;                  /* order of the note in the dump */
        uint32_t pid;                   /* task current on that CPU, 0: idle */
        unsigned n_regs;
        const char *const *names;       /* the architecture's register names */
        uint64_t regs[VMC_MAX_REGS];
        uint64_t ip, sp;
};

struct vmc_dump_info {
        const char *format;             /* "elf", "kdump-compressed", "flattened" */
        const char *arch;               /* "x86_64", "aarch64", or NULL */
        uint64_t page_size;
        unsigned n_files;               /* > 1 for a split set */
        bool incomplete;                /* cut short, or marked unfinished by makedumpfile */
};

struct vmc_dump;

/* Opens one dump file, or the files of a makedumpfile --split set (any
 * order). Errors: -EMEDIUMTYPE not a dump, -EPROTONOSUPPORT a dump we cannot
 * read (format, architecture), -EBADMSG corrupt, -ENODATA no VMCOREINFO; err
 * says which in words. */
int vmc_dump_open(unsigned n_paths, const char *const *paths, struct vmc_dump **ret, char *err, size_t errlen);
void vmc_dump_free(struct vmc_dump *d);

const struct vmc_dump_info *vmc_dump_info(const struct vmc_dump *d);
const struct vmcoreinfo *vmc_dump_vmcoreinfo(const struct vmc_dump *d);

/* Reads kernel virtual memory; valid while d is open. */
const struct kmem *vmc_dump_kmem(struct vmc_dump *d);

/* The physical address of kernel virtual address addr; -EFAULT when it
 * does not translate. */
int vmc_dump_vtop(struct vmc_dump *d, uint64_t addr, uint64_t *paddr);

/* The NT_PRSTATUS notes, in file order. */
size_t vmc_dump_n_cpus(const struct vmc_dump *d);
const struct vmc_cpu_regs *vmc_dump_cpu(const struct vmc_dump *d, size_t i);

/* Parses an NT_PRSTATUS payload of arch ("x86_64", "aarch64"). */
int vmc_prstatus_parse(const void *desc, size_t len, const char *arch, struct vmc_cpu_regs *ret);
