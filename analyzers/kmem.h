/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading the crashed kernel's memory, whatever holds it: a dump through
 * libkdumpfile, our own flattened-dump reader, or (in tests and fuzzers) a
 * plain buffer. The walkers (printk, kallsyms) only see this interface.
 * Targets are little-endian with 64-bit pointers (x86_64, arm64). */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct kmem {
        /* Reads len bytes at kernel virtual address addr into buf. Returns 0,
         * or a negative errno: -EFAULT when the address is not in the dump
         * (unmapped, filtered out), -EIO on a read or decode error. */
        int (*read)(void *userdata, uint64_t addr, void *buf, size_t len);
        void *userdata;
};

static inline int kmem_read(const struct kmem *m, uint64_t addr, void *buf, size_t len) {
        return m->read(m->userdata, addr, buf, len);
}

static inline uint64_t kmem_le64(const void *p) {
        const uint8_t *b = p;
        return (uint64_t) b[0] | (uint64_t) b[1] << 8 | (uint64_t) b[2] << 16 | (uint64_t) b[3] << 24 |
               (uint64_t) b[4] << 32 | (uint64_t) b[5] << 40 | (uint64_t) b[6] << 48 | (uint64_t) b[7] << 56;
}

static inline uint32_t kmem_le32(const void *p) {
        const uint8_t *b = p;
        return (uint32_t) b[0] | (uint32_t) b[1] << 8 | (uint32_t) b[2] << 16 | (uint32_t) b[3] << 24;
}

static inline uint16_t kmem_le16(const void *p) {
        const uint8_t *b = p;
        return (uint16_t) (b[0] | b[1] << 8);
}

static inline int kmem_read_u64(const struct kmem *m, uint64_t addr, uint64_t *ret) {
        uint8_t b[8];
        int r = kmem_read(m, addr, b, sizeof(b));
        if (r < 0)
                return r;
        *ret = kmem_le64(b);
        return 0;
}

static inline int kmem_read_u32(const struct kmem *m, uint64_t addr, uint32_t *ret) {
        uint8_t b[4];
        int r = kmem_read(m, addr, b, sizeof(b));
        if (r < 0)
                return r;
        *ret = kmem_le32(b);
        return 0;
}

/* A kmem over a buffer that stands for [base, base + len): for tests and
 * fuzzers. */
struct kmem_buffer {
        uint64_t base;
        const uint8_t *data;
        size_t len;
};

static inline int kmem_buffer_read(void *userdata, uint64_t addr, void *buf, size_t len) {
        const struct kmem_buffer *b = userdata;
        if (addr < b->base || addr - b->base > b->len || len > b->len - (addr - b->base))
                return -EFAULT;
        memcpy(buf, b->data + (addr - b->base), len);
        return 0;
}
