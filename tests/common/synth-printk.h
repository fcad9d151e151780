/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Builds kernel memory images holding a printk buffer, and the VMCOREINFO
 * that describes them, for the printk walker's tests and fuzzer: the
 * lockless ring of Linux >= 5.10 (descriptor ring, info array, text data
 * ring, ids that wrap, blocks that wrap to the start of the ring) and the
 * printk_log buffer of 3.5 - 5.9. Layouts follow the kernel's structures;
 * the offsets are chosen here and published in the VMCOREINFO text, as the
 * kernel does, so the walker must take them from there. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmem.h"
#include "util.h"

#define SYNTH_BASE UINT64_C(0xffff888000000000)
#define SYNTH_PRB_VAR 0x100         /* the "prb" pointer variable */
#define SYNTH_PRB 0x200             /* struct printk_ringbuffer */
#define SYNTH_DESCS 0x1000
#define SYNTH_DESC_SIZE 24
#define SYNTH_INFO_SIZE 88
#define SYNTH_ID_MASK (~(UINT64_C(3) << 62))

struct synth_rec {
        uint64_t id;
        uint64_t begin, next;       /* lpos */
};

struct synth_ring {
        uint8_t *mem;
        size_t len;
        unsigned count_bits, size_bits;
        uint64_t descs, infos, data; /* offsets in mem */
        uint64_t head_id, tail_id, head_lpos, seq;
        struct synth_rec *recs;     /* live records, oldest first */
        size_t n_recs;
        char vmcoreinfo[4096];
};

static inline void synth_put64(uint8_t *p, uint64_t v) {
        for (int i = 0; i < 8; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

static inline void synth_put32(uint8_t *p, uint32_t v) {
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t) (v >> (8 * i));
}

static inline uint8_t *synth_desc(struct synth_ring *r, uint64_t id) {
        return r->mem + r->descs + (id & ((UINT64_C(1) << r->count_bits) - 1)) * SYNTH_DESC_SIZE;
}

static inline uint8_t *synth_info(struct synth_ring *r, uint64_t id) {
        return r->mem + r->infos + (id & ((UINT64_C(1) << r->count_bits) - 1)) * SYNTH_INFO_SIZE;
}

static inline void synth_set_state(struct synth_ring *r, uint64_t id, unsigned state) {
        synth_put64(synth_desc(r, id), (id & SYNTH_ID_MASK) | ((uint64_t) state << 62));
}

/* first_id lets tests start near the id wrap, as the kernel does. */
static inline int synth_ring_init(struct synth_ring *r, unsigned count_bits, unsigned size_bits, uint64_t first_id) {
        uint64_t count = UINT64_C(1) << count_bits, size = UINT64_C(1) << size_bits;

        memset(r, 0, sizeof(*r));
        r->count_bits = count_bits;
        r->size_bits = size_bits;
        r->descs = SYNTH_DESCS;
        r->infos = r->descs + count * SYNTH_DESC_SIZE;
        r->data = r->infos + count * SYNTH_INFO_SIZE;
        r->len = r->data + size;
        r->mem = calloc(1, r->len);
        r->recs = calloc(count + 1, sizeof(*r->recs));
        if (!r->mem || !r->recs)
                return -1;
        /* Every slot starts reusable with an id one lap behind. */
        for (uint64_t i = 0; i < count; i++)
                synth_set_state(r, (first_id + i - count) & SYNTH_ID_MASK, 3);
        r->head_id = (first_id - 1) & SYNTH_ID_MASK;
        r->tail_id = first_id & SYNTH_ID_MASK;
        /* lpos starts one lap below zero, as in the kernel. */
        r->head_lpos = -(uint64_t) size;
        snprintf(r->vmcoreinfo, sizeof(r->vmcoreinfo),
                 "OSRELEASE=6.1.0-synthetic\n"
                 "SYMBOL(prb)=%llx\n"
                 "SIZE(printk_ringbuffer)=80\n"
                 "OFFSET(printk_ringbuffer.desc_ring)=0\n"
                 "OFFSET(printk_ringbuffer.text_data_ring)=40\n"
                 "OFFSET(printk_ringbuffer.fail)=72\n"
                 "SIZE(prb_desc_ring)=40\n"
                 "OFFSET(prb_desc_ring.count_bits)=0\n"
                 "OFFSET(prb_desc_ring.descs)=8\n"
                 "OFFSET(prb_desc_ring.infos)=16\n"
                 "OFFSET(prb_desc_ring.head_id)=24\n"
                 "OFFSET(prb_desc_ring.tail_id)=32\n"
                 "SIZE(prb_desc)=24\n"
                 "OFFSET(prb_desc.state_var)=0\n"
                 "OFFSET(prb_desc.text_blk_lpos)=8\n"
                 "SIZE(prb_data_blk_lpos)=16\n"
                 "OFFSET(prb_data_blk_lpos.begin)=0\n"
                 "OFFSET(prb_data_blk_lpos.next)=8\n"
                 "SIZE(printk_info)=88\n"
                 "OFFSET(printk_info.seq)=0\n"
                 "OFFSET(printk_info.ts_nsec)=8\n"
                 "OFFSET(printk_info.text_len)=16\n"
                 "OFFSET(printk_info.caller_id)=20\n"
                 "OFFSET(printk_info.dev_info)=24\n"
                 "SIZE(prb_data_ring)=32\n"
                 "OFFSET(prb_data_ring.size_bits)=0\n"
                 "OFFSET(prb_data_ring.data)=8\n"
                 "OFFSET(prb_data_ring.head_lpos)=16\n"
                 "OFFSET(prb_data_ring.tail_lpos)=24\n"
                 "SIZE(atomic_long_t)=8\n"
                 "OFFSET(atomic_long_t.counter)=0\n",
                 (unsigned long long) (SYNTH_BASE + SYNTH_PRB_VAR));
        return 0;
}

/* Writes the ring's header fields into memory (after the records). */
static inline void synth_ring_finish(struct synth_ring *r) {
        uint8_t *rb = r->mem + SYNTH_PRB;
        synth_put64(r->mem + SYNTH_PRB_VAR, SYNTH_BASE + SYNTH_PRB);
        synth_put32(rb + 0, r->count_bits);
        synth_put64(rb + 8, SYNTH_BASE + r->descs);
        synth_put64(rb + 16, SYNTH_BASE + r->infos);
        synth_put64(rb + 24, r->head_id);
        synth_put64(rb + 32, r->tail_id);
        synth_put32(rb + 40, r->size_bits);
        synth_put64(rb + 48, SYNTH_BASE + r->data);
}

static inline void synth_drop_oldest(struct synth_ring *r) {
        synth_set_state(r, r->recs[0].id, 3);
        memmove(r->recs, r->recs + 1, (r->n_recs - 1) * sizeof(*r->recs));
        r->n_recs--;
        r->tail_id = r->n_recs > 0 ? r->recs[0].id : (r->head_id + 1) & SYNTH_ID_MASK;
}

/* Appends a finalized record; old records are dropped as the kernel does
 * when their descriptor slot or text space is needed. */
static inline void synth_ring_add(struct synth_ring *r, uint64_t ts_nsec, uint32_t caller, const char *text,
                                  size_t len) {
        uint64_t size = UINT64_C(1) << r->size_bits, count = UINT64_C(1) << r->count_bits;
        uint64_t need = (8 + len + 7) & ~UINT64_C(7), begin = r->head_lpos, next, at;
        uint64_t id = (r->head_id + 1) & SYNTH_ID_MASK;

        if (need > size / 2)
                return;
        /* A block that does not fit before the end of the ring goes to 0. */
        if ((begin & (size - 1)) + need > size)
                next = (begin | (size - 1)) + 1 + need;
        else
                next = begin + need;
        while (r->n_recs > 0 && (r->n_recs >= count || next - r->recs[0].begin > size))
                synth_drop_oldest(r);
        at = (next - need) & (size - 1);
        synth_put64(r->mem + r->data + at, id);
        memcpy(r->mem + r->data + at + 8, text, len);

        synth_put64(synth_desc(r, id) + 8, begin);
        synth_put64(synth_desc(r, id) + 16, next);
        synth_set_state(r, id, 2);
        memset(synth_info(r, id), 0, SYNTH_INFO_SIZE);
        synth_put64(synth_info(r, id), r->seq++);
        synth_put64(synth_info(r, id) + 8, ts_nsec);
        synth_info(r, id)[16] = (uint8_t) len;
        synth_info(r, id)[17] = (uint8_t) (len >> 8);
        synth_put32(synth_info(r, id) + 20, caller);
        r->recs[r->n_recs++] = (struct synth_rec){ id, begin, next };
        r->head_id = id;
        r->head_lpos = next;
}

static inline void synth_ring_free(struct synth_ring *r) {
        free(r->mem);
        free(r->recs);
}

/* The 3.11 - 5.9 buffer: records {u64 ts_nsec; u16 len, text_len, dict_len;
 * u8 facility, flags:5 level:3; u32 caller_id} + text, 4-byte aligned; a
 * zero len marks the wrap. Memory: log_buf pointer at 0x100, log_buf_len at
 * 0x108, log_first_idx at 0x110, log_next_idx at 0x118, buffer at 0x1000. */
struct synth_log {
        uint8_t *mem;
        size_t len;
        uint32_t buf_len, first, next;
        char vmcoreinfo[1024];
};

static inline int synth_log_init(struct synth_log *l, uint32_t buf_len) {
        memset(l, 0, sizeof(*l));
        l->buf_len = buf_len;
        l->len = 0x1000 + buf_len;
        l->mem = calloc(1, l->len);
        if (!l->mem)
                return -1;
        snprintf(l->vmcoreinfo, sizeof(l->vmcoreinfo),
                 "OSRELEASE=5.4.0-synthetic\nSYMBOL(log_buf)=%llx\nSYMBOL(log_buf_len)=%llx\n"
                 "SYMBOL(log_first_idx)=%llx\nSYMBOL(clear_idx)=%llx\nSYMBOL(log_next_idx)=%llx\n"
                 "SIZE(printk_log)=20\nOFFSET(printk_log.ts_nsec)=0\nOFFSET(printk_log.len)=8\n"
                 "OFFSET(printk_log.text_len)=10\nOFFSET(printk_log.dict_len)=12\n"
                 "OFFSET(printk_log.caller_id)=16\n",
                 (unsigned long long) (SYNTH_BASE + 0x100), (unsigned long long) (SYNTH_BASE + 0x108),
                 (unsigned long long) (SYNTH_BASE + 0x110), (unsigned long long) (SYNTH_BASE + 0x114),
                 (unsigned long long) (SYNTH_BASE + 0x118));
        return 0;
}

/* Appends a record after next (wrapping with a zero-length marker). The
 * caller keeps first pointing at the oldest record it wants read. */
static inline void synth_log_add(struct synth_log *l, uint64_t ts, uint32_t caller, const char *text, uint16_t len) {
        uint32_t rec = (uint32_t) ((20 + len + 3) & ~3U);
        uint8_t *b = l->mem + 0x1000;

        /* The kernel wraps early enough to leave room for a whole zeroed
         * header as the marker. */
        if (l->next + rec + 20 > l->buf_len) {
                memset(b + l->next, 0, 20);
                l->next = 0;
        }
        synth_put64(b + l->next, ts);
        b[l->next + 8] = (uint8_t) rec;
        b[l->next + 9] = (uint8_t) (rec >> 8);
        b[l->next + 10] = (uint8_t) len;
        b[l->next + 11] = (uint8_t) (len >> 8);
        synth_put32(b + l->next + 16, caller);
        memcpy(b + l->next + 20, text, len);
        l->next += rec;
}

static inline void synth_log_finish(struct synth_log *l) {
        synth_put64(l->mem + 0x100, SYNTH_BASE + 0x1000);
        synth_put32(l->mem + 0x108, l->buf_len);
        synth_put32(l->mem + 0x110, l->first);
        synth_put32(l->mem + 0x118, l->next);
}
