/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The printk walkers on synthetic kernel memory: formats, wrapped rings,
 * ids that wrap, damaged descriptors, legacy buffers with cycles. */

#include <errno.h>

#include "printk.h"
#include "synth-printk.h"
#include "test-helpers.h"
#include "vmcoreinfo.h"

static char *walk(const char *vmcoreinfo, uint8_t *mem, size_t len, unsigned flags, struct printk_log **keep) {
        struct kmem_buffer b = { SYNTH_BASE, mem, len };
        struct kmem m = { kmem_buffer_read, &b };
        struct vmcoreinfo *vi = NULL;
        struct printk_log *log = NULL;
        struct strbuf out = STRBUF_INIT;
        char err[256] = "";

        assert_int_equal(vmcoreinfo_parse(vmcoreinfo, strlen(vmcoreinfo), &vi), 0);
        if (printk_read(vi, &m, &log, err, sizeof(err)) < 0) {
                vmcoreinfo_free(vi);
                return NULL;
        }
        assert_int_equal(printk_format(log, flags, &out), 0);
        vmcoreinfo_free(vi);
        if (keep)
                *keep = log;
        else
                printk_log_free(log);
        return strbuf_steal(&out);
}

static void test_vmcoreinfo(void **state) {
        const char *text = "OSRELEASE=6.1.0-56-amd64\nPAGESIZE=4096\nSYMBOL(prb)=ffffffffa3e643e0\n"
                           "OFFSET(printk_info.seq)=0\nSIZE(printk_info)=88\nNUMBER(phys_base)=-333447168\n"
                           "KERNELOFFSET=21400000\nLENGTH(printk_info_subsystem)=16\nCRASHTIME=1\ngarbage\n"
                           "CRASHTIME=1795324286\n";
        struct vmcoreinfo *vi;
        uint64_t v;
        int64_t n;

        assert_int_equal(vmcoreinfo_parse(text, strlen(text), &vi), 0);
        assert_string_equal(vmcoreinfo_get(vi, "OSRELEASE"), "6.1.0-56-amd64");
        assert_true(vmcoreinfo_symbol(vi, "prb", &v));
        assert_true(v == UINT64_C(0xffffffffa3e643e0));
        assert_true(vmcoreinfo_offset(vi, "printk_info.seq", &v) && v == 0);
        assert_true(vmcoreinfo_size(vi, "printk_info", &v) && v == 88);
        assert_true(vmcoreinfo_length(vi, "printk_info_subsystem", &v) && v == 16);
        assert_true(vmcoreinfo_number(vi, "phys_base", &n) && n == -333447168);
        assert_true(vmcoreinfo_kernel_offset(vi) == 0x21400000);
        assert_int_equal(vmcoreinfo_version_code(vi), (6 << 16) | (1 << 8));
        /* The last of duplicate keys wins (the kernel appends CRASHTIME). */
        assert_string_equal(vmcoreinfo_get(vi, "CRASHTIME"), "1795324286");
        assert_false(vmcoreinfo_symbol(vi, "nothing", &v));
        vmcoreinfo_free(vi);
        assert_int_equal(vmcoreinfo_parse("\0\0", 2, &vi), -ENODATA);
        (void) state;
}

static void test_lockless_formats(void **state) {
        struct synth_ring r;
        char *out;

        assert_int_equal(synth_ring_init(&r, 4, 10, 0), 0);
        synth_ring_add(&r, 1500000, 1, "Linux version 6.1.0", 19);
        synth_ring_add(&r, 2000001000, 0x80000002U, "two\nlines", 9);
        synth_ring_add(&r, 3000000000, 5, "bytes \x01\xc3\xa9 end", 13);
        synth_ring_finish(&r);

        /* makedumpfile 1.7.2: continuation lines indented, bytes escaped as
         * printf("\\x%02x") of a signed char does. */
        out = walk(r.vmcoreinfo, r.mem, r.len, 0, NULL);
        assert_non_null(out);
        assert_string_equal(out, "[    0.001500] Linux version 6.1.0\n"
                                 "[    2.000001] two\n"
                                 "               lines\n"
                                 "[    3.000000] bytes \\x01\\xffffffc3\\xffffffa9 end\n");
        free(out);
        out = walk(r.vmcoreinfo, r.mem, r.len, PRINTK_FORMAT_CALLER_ID, NULL);
        assert_string_equal(out, "[    0.001500] [      T1] Linux version 6.1.0\n"
                                 "[    2.000001] [      C2] two\n"
                                 "                          lines\n"
                                 "[    3.000000] [      T5] bytes \\x01\\xffffffc3\\xffffffa9 end\n");
        free(out);
        out = walk(r.vmcoreinfo, r.mem, r.len, PRINTK_FORMAT_KERNEL, NULL);
        assert_string_equal(out, "[    0.001500] Linux version 6.1.0\n"
                                 "[    2.000001] two\n"
                                 "[    2.000001] lines\n"
                                 "[    3.000000] bytes \x01\xc3\xa9 end\n");
        free(out);
        out = walk(r.vmcoreinfo, r.mem, r.len, PRINTK_FORMAT_KERNEL | PRINTK_FORMAT_CALLER_ID, NULL);
        assert_non_null(strstr(out, "[    2.000001][    C2] lines\n"));
        free(out);
        synth_ring_free(&r);
        (void) state;
}

/* Many more records than slots and text space: only the newest survive, in
 * order, across the id wrap and blocks that wrap to the ring start. */
static void test_lockless_wrap(void **state) {
        struct synth_ring r;
        struct printk_log *log;
        char *out, line[64];
        int first;

        assert_int_equal(synth_ring_init(&r, 5, 10, SYNTH_ID_MASK - 40), 0);
        for (int i = 0; i < 300; i++) {
                int n = snprintf(line, sizeof(line), "message %d %.*s", i, i % 23, "xxxxxxxxxxxxxxxxxxxxxxxxxxx");
                synth_ring_add(&r, (uint64_t) i * 1000000, 1, line, (size_t) n);
        }
        synth_ring_finish(&r);
        out = walk(r.vmcoreinfo, r.mem, r.len, 0, &log);
        assert_non_null(out);
        assert_int_equal(log->n_records, r.n_recs);
        assert_false(printk_log_partial(log));
        /* Consecutive messages ending with the last one. */
        first = 300 - (int) r.n_recs;
        for (size_t i = 0; i < log->n_records; i++) {
                snprintf(line, sizeof(line), "message %d ", first + (int) i);
                assert_true(log->records[i].text_len >= strlen(line));
                assert_memory_equal(log->records[i].text, line, strlen(line));
        }
        assert_non_null(strstr(out, "message 299 "));
        printk_log_free(log);
        free(out);
        synth_ring_free(&r);
        (void) state;
}

struct counting_reader {
        struct kmem_buffer b;
        size_t bytes;
};

static int counting_read(void *userdata, uint64_t addr, void *buf, size_t len) {
        struct counting_reader *c = userdata;
        c->bytes += len;
        return kmem_buffer_read(&c->b, addr, buf, len);
}

/* A log that fills a small part of its buffer costs what it holds: only the
 * slots from tail to head and the text they name are read, not the 4096
 * descriptors (24 + 88 bytes each) and 128 KiB of text of a 6.1 kernel. */
static void test_lockless_reads_what_is_used(void **state) {
        struct synth_ring r;
        struct counting_reader c;
        struct kmem m = { counting_read, &c };
        struct vmcoreinfo *vi;
        struct printk_log *log;
        struct strbuf out = STRBUF_INIT;
        char err[256];

        assert_int_equal(synth_ring_init(&r, 12, 17, 0), 0);
        for (int i = 0; i < 20; i++)
                synth_ring_add(&r, (uint64_t) i * 1000, 1, "a short boot message", 20);
        synth_ring_finish(&r);
        c = (struct counting_reader){ { SYNTH_BASE, r.mem, r.len }, 0 };
        assert_int_equal(vmcoreinfo_parse(r.vmcoreinfo, strlen(r.vmcoreinfo), &vi), 0);
        assert_int_equal(printk_read(vi, &m, &log, err, sizeof(err)), 0);
        assert_int_equal(log->n_records, 20);
        assert_int_equal(printk_format(log, 0, &out), 0);
        assert_non_null(strstr(out.buf, "[    0.000019] a short boot message\n"));
        assert_true(c.bytes < 8192);
        strbuf_done(&out);
        printk_log_free(log);
        vmcoreinfo_free(vi);
        synth_ring_free(&r);
        (void) state;
}

/* Records in other states and broken descriptors are skipped, never read
 * out of bounds; corrupt geometry is an error. */
static void test_lockless_damage(void **state) {
        struct synth_ring r;
        struct printk_log *log;
        char *out;

        assert_int_equal(synth_ring_init(&r, 4, 10, 7), 0);
        for (int i = 0; i < 6; i++)
                synth_ring_add(&r, (uint64_t) i, 1, "record", 6);
        synth_set_state(&r, r.recs[1].id, 0);           /* reserved: writer busy */
        synth_set_state(&r, r.recs[2].id, 3);           /* reusable */
        synth_set_state(&r, r.recs[3].id + 16, 2);      /* slot holds another id */
        synth_put64(synth_desc(&r, r.recs[4].id) + 16, r.recs[4].begin + 3); /* block too short */
        synth_ring_finish(&r);
        out = walk(r.vmcoreinfo, r.mem, r.len, 0, &log);
        assert_non_null(out);
        assert_int_equal(log->n_records, 2);
        assert_int_equal(log->n_corrupt, 1);
        printk_log_free(log);
        free(out);

        /* head far from tail: bounded walk, flagged. */
        synth_put64(r.mem + SYNTH_PRB + 24, r.tail_id + 1000);
        out = walk(r.vmcoreinfo, r.mem, r.len, 0, &log);
        assert_non_null(out);
        assert_true(log->truncated);
        printk_log_free(log);
        free(out);

        /* Impossible geometry. */
        synth_put32(r.mem + SYNTH_PRB, 60);
        assert_null(walk(r.vmcoreinfo, r.mem, r.len, 0, NULL));
        /* Arrays outside memory. */
        synth_ring_finish(&r);
        synth_put64(r.mem + SYNTH_PRB + 8, SYNTH_BASE + r.len);
        assert_null(walk(r.vmcoreinfo, r.mem, r.len, 0, NULL));
        synth_ring_free(&r);
        (void) state;
}

static void test_legacy(void **state) {
        struct synth_log l;
        struct printk_log *log;
        char *out;

        assert_int_equal(synth_log_init(&l, 128), 0);
        synth_log_add(&l, 1000, 1, "old one", 7);
        l.first = l.next;
        synth_log_add(&l, 2000000, 1, "first", 5);
        synth_log_add(&l, 3000000, 1, "second line", 11);
        synth_log_add(&l, 4000000, 1, "3rd", 3);
        synth_log_finish(&l);
        out = walk(l.vmcoreinfo, l.mem, l.len, 0, &log);
        assert_non_null(out);
        assert_int_equal(log->buffer, PRINTK_STRUCTURED);
        assert_string_equal(out, "[    0.002000] first\n[    0.003000] second line\n[    0.004000] 3rd\n");
        assert_false(printk_log_partial(log));
        printk_log_free(log);
        free(out);

        /* A record whose length points back at itself: a cycle, stopped. */
        l.mem[0x1000 + l.first + 8] = 0xff;
        l.mem[0x1000 + l.first + 9] = 0xff;
        synth_log_finish(&l);
        out = walk(l.vmcoreinfo, l.mem, l.len, 0, &log);
        assert_non_null(out);
        assert_true(log->truncated);
        printk_log_free(log);
        free(out);
        free(l.mem);
        (void) state;
}

static void test_missing_vmcoreinfo(void **state) {
        uint8_t mem[64] = {};
        assert_null(walk("OSRELEASE=6.1.0\nSYMBOL(prb)=ffff888000000000\n", mem, sizeof(mem), 0, NULL));
        assert_null(walk("OSRELEASE=6.1.0\n", mem, sizeof(mem), 0, NULL));
        (void) state;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_vmcoreinfo),
                cmocka_unit_test(test_lockless_formats),
                cmocka_unit_test(test_lockless_wrap),
                cmocka_unit_test(test_lockless_reads_what_is_used),
                cmocka_unit_test(test_lockless_damage),
                cmocka_unit_test(test_legacy),
                cmocka_unit_test(test_missing_vmcoreinfo),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
