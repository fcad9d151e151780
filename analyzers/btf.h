/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Kernel types from the dump itself: the BTF a kernel built with
 * CONFIG_DEBUG_INFO_BTF carries between __start_BTF and __stop_BTF, found
 * through kallsyms. It answers "where is member X of struct Y" for the
 * kernel that crashed, with no vmlinux or debuginfo, reading the types
 * lazily from the dump (see btf.c for why not all of them). */

#include <stdint.h>
#include <stddef.h>

#include "kmem.h"

struct kbtf;

/* The BTF at [start, stop): the addresses of __start_BTF and __stop_BTF
 * (kallsyms_addresses() finds them). -ENODATA with a message when it cannot
 * be read, -EBADMSG when its header is not BTF's. */
int kbtf_open(const struct kmem *mem, uint64_t start, uint64_t stop, struct kbtf **ret, char *err, size_t errlen);
void kbtf_free(struct kbtf *b);
static inline void kbtf_freep(struct kbtf **b) {
        kbtf_free(*b);
}

/* Byte offset of a member in struct or union `type` (as in "struct module":
 * give "module"). The path may go through nested members, "a.b.c"; an array
 * member stands for its first element. Anonymous structs and unions are
 * looked through, as C does. -ENOENT when the type or a member is not
 * there (or the BTF is damaged where it would be). */
int kbtf_member_offset(struct kbtf *b, const char *type, const char *path, uint64_t *ret);

/* Size in bytes of struct or union `type`; -ENOENT when absent. */
int kbtf_struct_size(struct kbtf *b, const char *type, uint64_t *ret);
