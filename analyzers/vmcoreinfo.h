/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* VMCOREINFO: the "KEY=value" note the crashed kernel leaves for dump
 * readers (kernel/vmcore_info.c). Parsed once from its raw text; lookups are
 * by the exact key ("OSRELEASE", "SYMBOL(prb)", "OFFSET(printk_info.seq)").
 * Only what the note says is returned: nothing is guessed. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vmcoreinfo;

/* Parses raw (need not be NUL-terminated). Lines without '=' are ignored; an
 * empty or lineless note gives -ENODATA. */
int vmcoreinfo_parse(const char *raw, size_t len, struct vmcoreinfo **ret);
void vmcoreinfo_free(struct vmcoreinfo *vi);

/* The raw text as parsed (NUL-terminated). */
const char *vmcoreinfo_raw(const struct vmcoreinfo *vi);

/* The value of key, or NULL. */
const char *vmcoreinfo_get(const struct vmcoreinfo *vi, const char *key);

/* Typed lookups: SYMBOL(name) is hex, the others decimal (or 0x-prefixed).
 * Return false when the key is missing or its value does not parse. */
bool vmcoreinfo_symbol(const struct vmcoreinfo *vi, const char *name, uint64_t *ret);
bool vmcoreinfo_size(const struct vmcoreinfo *vi, const char *type, uint64_t *ret);
bool vmcoreinfo_offset(const struct vmcoreinfo *vi, const char *type_member, uint64_t *ret);
bool vmcoreinfo_number(const struct vmcoreinfo *vi, const char *name, int64_t *ret);
bool vmcoreinfo_length(const struct vmcoreinfo *vi, const char *name, uint64_t *ret);

/* KERNELOFFSET (hex without 0x), 0 when absent. */
uint64_t vmcoreinfo_kernel_offset(const struct vmcoreinfo *vi);

/* Linux version code KERNEL_VERSION(a,b,c) from OSRELEASE, 0 when unknown. */
uint32_t vmcoreinfo_version_code(const struct vmcoreinfo *vi);
