/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Loaded kernel modules and their symbols, from the dump: the `modules`
 * list, each module's memory and its own symbol table (struct mod_kallsyms),
 * with struct layouts from the kernel's BTF. This is what names an address
 * "func+0x5/0x10 [module]" where the core kernel's kallsyms do not know it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "btf.h"
#include "kmem.h"

struct kmodules;

/* Walks the list at head (the address of the kernel's `modules`). -ENODATA
 * with a message when the BTF lacks struct module's members, -EBADMSG when
 * the list is damaged. A module whose symbols cannot be read is kept, and
 * its addresses are not named. */
int kmodules_load(const struct kmem *mem, uint64_t head, struct kbtf *btf, struct kmodules **ret, char *err,
                  size_t errlen);
void kmodules_free(struct kmodules *m);

/* The address of `modules` when kallsyms does not list it (kernels without
 * CONFIG_KALLSYMS_ALL): the struct module of the module whose code holds
 * addr is looked for in that module's memory after addr (up to 6.3 it is
 * in the same allocation), and its list followed round to the node that is
 * no module. -ENOENT when none is found there. */
int kmodules_find_head(const struct kmem *mem, struct kbtf *btf, uint64_t addr, uint64_t *head, char *err,
                       size_t errlen);

size_t kmodules_count(const struct kmodules *m);
/* Name of module i (i < kmodules_count()). */
const char *kmodules_name(const struct kmodules *m, size_t i);

/* The module whose memory holds addr, or NULL. */
const char *kmodules_owner(struct kmodules *m, uint64_t addr);

/* "func+0x5/0x10 [module]" like the kernel's %pS, or NULL (caller frees)
 * when no module symbol holds addr. */
char *kmodules_format(struct kmodules *m, uint64_t addr);

/* Where a kernel may put module code: true when addr could be in a module
 * on arch ("x86_64", "aarch64"), which is when loading modules is worth it. */
bool kmodules_area(const char *arch, uint64_t addr, uint64_t stext);
