/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A small BTF writer for unit tests: types and strings appended in order
 * (ids from 1), then btfw_finish() lays out header, types and strings as
 * the kernel's .BTF section holds them. Kinds are BTF_KIND_* numbers. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void put16(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t) v;
        p[1] = (uint8_t) (v >> 8);
}

static inline void put32(uint8_t *p, uint32_t v) {
        for (unsigned i = 0; i < 4; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

static inline void put64(uint8_t *p, uint64_t v) {
        for (unsigned i = 0; i < 8; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

struct btfw {
        uint8_t types[4096];
        size_t tlen;
        char strs[1024];
        size_t slen;
        uint32_t next_id;
};

#define BTFW_INIT { .slen = 1, .next_id = 1 }

static inline uint32_t btfw_str(struct btfw *w, const char *s) {
        uint32_t off = (uint32_t) w->slen;
        if (!*s)
                return 0;
        memcpy(w->strs + w->slen, s, strlen(s) + 1);
        w->slen += strlen(s) + 1;
        return off;
}

static inline void btfw_u32(struct btfw *w, uint32_t v) {
        put32(w->types + w->tlen, v);
        w->tlen += 4;
}

/* A type record; its kind-specific data follows with btfw_u32/btfw_member. */
static inline uint32_t btfw_type(struct btfw *w, const char *name, uint32_t kind, uint32_t vlen, uint32_t size_or_type) {
        btfw_u32(w, btfw_str(w, name));
        btfw_u32(w, kind << 24 | vlen);
        btfw_u32(w, size_or_type);
        return w->next_id++;
}

static inline void btfw_member(struct btfw *w, const char *name, uint32_t type_id, uint32_t bit_off) {
        btfw_u32(w, btfw_str(w, name));
        btfw_u32(w, type_id);
        btfw_u32(w, bit_off);
}

/* Header, types, strings into out; returns the size. */
static inline size_t btfw_finish(const struct btfw *w, uint8_t *out) {
        put16(out, 0xeb9f);
        out[2] = 1;
        out[3] = 0;
        put32(out + 4, 24);
        put32(out + 8, 0);
        put32(out + 12, (uint32_t) w->tlen);
        put32(out + 16, (uint32_t) w->tlen);
        put32(out + 20, (uint32_t) w->slen);
        memcpy(out + 24, w->types, w->tlen);
        memcpy(out + 24 + w->tlen, w->strs, w->slen);
        return 24 + w->tlen + w->slen;
}
