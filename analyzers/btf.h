/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Kernel types from the dump itself: the BTF a kernel built with
 * CONFIG_DEBUG_INFO_BTF carries between __start_BTF and __stop_BTF (found
 * through kallsyms), parsed with libbpf. It answers "where is member X of
 * struct Y", "which member lies at offset N", "what does function F take",
 * and reads typed members, for the kernel that crashed, with no vmlinux or
 * debuginfo.
 *
 *     kbtf_open(mem, start, stop, &b, err, sizeof(err));
 *     kbtf_member_offset(b, "task_struct", "mm", &off);
 *     kbtf_read_uint(b, mem, task, "task_struct", "pid", &pid);
 */

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "kmem.h"

struct kbtf;

/* The BTF at [start, stop): the addresses of __start_BTF and __stop_BTF
 * (stop may lie past the end of the BTF; its own header gives the size).
 * -ENODATA with a message when it cannot be read, -EBADMSG when it is not
 * BTF or libbpf rejects it. */
int kbtf_open(const struct kmem *mem, uint64_t start, uint64_t stop, struct kbtf **ret, char *err, size_t errlen);

/* The same over raw BTF bytes (e.g. /sys/kernel/btf/vmlinux); copied. */
int kbtf_from_bytes(const void *data, size_t size, struct kbtf **ret, char *err, size_t errlen);

void kbtf_free(struct kbtf *b);
static inline void kbtf_freep(struct kbtf **b) {
        kbtf_free(*b);
}

/* Bytes of BTF read from the dump (for reports and benchmarks). */
size_t kbtf_size(const struct kbtf *b);

/* Byte offset of a member in struct or union `type` (as in "struct module":
 * give "module"). The path may go through nested members, "a.b.c"; an array
 * member stands for its first element. Anonymous structs and unions are
 * looked through, as C does. -ENOENT when the type or a member is not
 * there. */
int kbtf_member_offset(struct kbtf *b, const char *type, const char *path, uint64_t *ret);

/* The same, with the member's size in bytes (0 for a bit-field). */
int kbtf_member(struct kbtf *b, const char *type, const char *path, uint64_t *off, uint64_t *size);

/* Size in bytes of struct or union `type`; -ENOENT when absent. */
int kbtf_struct_size(struct kbtf *b, const char *type, uint64_t *ret);

/* The member of struct or union `type` that holds byte `off`, as a path
 * ("sk_common.skc_daddr", "cb[8]", "tail"), going into nested structs as far
 * as they go; *inside is off's distance from that member's start. -ENOENT
 * when off is past the type's end or in padding. */
int kbtf_member_at(struct kbtf *b, const char *type, uint64_t off, char *path, size_t len, uint64_t *inside);

struct kbtf_param {
        unsigned index;                 /* 0 for the first argument */
        char name[64];                  /* "" when BTF does not say */
        char composite[64];             /* for a pointer to struct/union: "sk_buff", else "" */
        bool is_union;
};

/* The parameters of kernel function `fn` (as kallsyms names it, without a
 * ".isra.0" style suffix). Returns how many were stored in params (up to
 * max), -ENOENT when BTF has no such function. */
int kbtf_func_params(struct kbtf *b, const char *fn, struct kbtf_param *params, size_t max);

/* Typed reads of member `path` of the `type` at kernel address addr. The
 * uint read takes the member's own size (1, 2, 4 or 8 bytes; -EINVAL for
 * other sizes and bit-fields). */
int kbtf_read_uint(struct kbtf *b, const struct kmem *mem, uint64_t addr, const char *type, const char *path,
                   uint64_t *ret);
int kbtf_read_bytes(struct kbtf *b, const struct kmem *mem, uint64_t addr, const char *type, const char *path,
                    void *buf, size_t len);
