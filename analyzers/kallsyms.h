/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Kernel symbols without vmlinux: the kallsyms tables the kernel carries in
 * its own memory, located through VMCOREINFO (Linux >= 6.0 exports them).
 * Addresses resolve to "name+0xoff/0xsize" like the kernel's %pS. Only the
 * core kernel's symbols are there; module symbols need struct module, which
 * VMCOREINFO does not describe. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmem.h"
#include "vmcoreinfo.h"

struct kallsyms;

struct ksym {
        char name[128];
        char type;              /* nm-style: 'T', 't', 'D', ... */
        uint64_t address;
        uint64_t offset;        /* of the looked-up address from the symbol */
        uint64_t size;          /* distance to the next symbol */
};

/* -ENODATA with a message when the dump has no usable kallsyms tables (a
 * kernel before 6.0, or tables that do not decode). */
int kallsyms_load(const struct vmcoreinfo *vi, const struct kmem *mem, struct kallsyms **ret, char *err,
                  size_t errlen);
void kallsyms_free(struct kallsyms *ks);

size_t kallsyms_count(const struct kallsyms *ks);

/* The symbol containing addr; false when addr is outside the core kernel's
 * symbols (a module, user space, or not an address at all). */
bool kallsyms_lookup(struct kallsyms *ks, uint64_t addr, struct ksym *ret);

/* The address of a symbol by name; false when there is none. */
bool kallsyms_address(struct kallsyms *ks, const char *name, uint64_t *ret);

/* "name+0x1a/0x40", or NULL (caller frees) when addr does not resolve. */
char *kallsyms_format(struct kallsyms *ks, uint64_t addr);
