/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The printk walkers over damaged kernel memory: a valid synthetic buffer
 * (lockless ring or printk_log, chosen by the first byte) whose memory the
 * input then overwrites from an offset it chooses. Whatever the bytes, the
 * walk must end, stay in bounds and format what it found. */

#include <stdint.h>
#include <stdlib.h>

#include "printk.h"
#include "synth-printk.h"
#include "vmcoreinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const char *info, uint8_t *mem, size_t len) {
        struct kmem_buffer b = { SYNTH_BASE, mem, len };
        struct kmem m = { kmem_buffer_read, &b };
        struct vmcoreinfo *vi = NULL;
        struct printk_log *log = NULL;
        struct strbuf out = STRBUF_INIT;
        char err[256];

        if (vmcoreinfo_parse(info, strlen(info), &vi) < 0)
                return;
        if (printk_read(vi, &m, &log, err, sizeof(err)) >= 0) {
                (void) printk_format(log, 0, &out);
                (void) printk_format(log, PRINTK_FORMAT_KERNEL | PRINTK_FORMAT_CALLER_ID, &out);
                printk_log_free(log);
        }
        strbuf_done(&out);
        vmcoreinfo_free(vi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        size_t off;

        if (size < 3)
                return 0;
        off = ((size_t) data[1] << 8 | data[2]) * 8;
        if (data[0] & 1) {
                struct synth_log l;
                if (synth_log_init(&l, 512) < 0)
                        return 0;
                for (int i = 0; i < 20; i++)
                        synth_log_add(&l, (uint64_t) i * 1000, 1, "a legacy record", 15);
                l.first = 0;
                synth_log_finish(&l);
                off %= l.len;
                memcpy(l.mem + off, data + 3, MIN(size - 3, l.len - off));
                walk(l.vmcoreinfo, l.mem, l.len);
                free(l.mem);
        } else {
                struct synth_ring r;
                if (synth_ring_init(&r, 4, 9, SYNTH_ID_MASK - 5) < 0)
                        return 0;
                for (int i = 0; i < 40; i++)
                        synth_ring_add(&r, (uint64_t) i * 1000, 1, "a lockless record\nwith two lines", 31);
                synth_ring_finish(&r);
                off %= r.len;
                memcpy(r.mem + off, data + 3, MIN(size - 3, r.len - off));
                walk(r.vmcoreinfo, r.mem, r.len);
                synth_ring_free(&r);
        }
        return 0;
}
