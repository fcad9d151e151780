/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Kernel symbols without vmlinux: the kallsyms tables the kernel carries in
 * its own memory, located through VMCOREINFO (Linux >= 6.0 exports them).
 * Addresses resolve to "name+0xoff/0xsize" like the kernel's %pS. Only the
 * core kernel's symbols are there; modules.h names module addresses. */

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

/* The address of a symbol by name; false when there is none. Searching by
 * name reads the whole name table: ask for all names at once. */
bool kallsyms_address(struct kallsyms *ks, const char *name, uint64_t *ret);

/* The addresses of n symbols in one pass: addrs[k] is set for each name
 * found. Returns how many were found (names must differ), or a negative
 * errno when the name table cannot be read. */
int kallsyms_addresses(struct kallsyms *ks, const char *const *names, size_t n, uint64_t *addrs);

/* The same for symbols known to lie at or above min_addr: the name table is
 * in address order, so only its part from there on is read (with the
 * kernel's kallsyms_markers; without them, all of it). */
int kallsyms_addresses_above(struct kallsyms *ks, uint64_t min_addr, const char *const *names, size_t n,
                             uint64_t *addrs);

/* The next two neighbouring symbols at or above `from` that lie at least
 * min_gap apart, [*lo, *hi]: a stretch of memory with no symbol inside,
 * found from the address table alone. Start with *lo = *hi = 0; call again
 * with the result to go on after it. -ENOENT when there is no such gap. */
int kallsyms_next_gap(struct kallsyms *ks, uint64_t from, uint64_t min_gap, uint64_t *lo, uint64_t *hi);

/* The last such gap in [from, below]: searched downwards from below. */
int kallsyms_gap_below(struct kallsyms *ks, uint64_t from, uint64_t below, uint64_t min_gap, uint64_t *lo,
                       uint64_t *hi);

/* "name+0x1a/0x40", or NULL (caller frees) when addr does not resolve. */
char *kallsyms_format(struct kallsyms *ks, uint64_t addr);
