/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The log model: console prefixes, printk contexts, normalization. */

#include <errno.h>

#include "test-helpers.h"

static struct klog *load(const char *text) {
        struct klog *log = NULL;
        assert_int_equal(klog_from_buffer(text, strlen(text), &log), 0);
        return log;
}

static void assert_body(const struct klog_line *l, const char *want) {
        size_t n;
        const char *b = klog_body(l, &n);
        assert_int_equal(n, strlen(want));
        assert_memory_equal(b, want, n);
}

static void test_prefix_forms(void **state) {
        struct klog_line l;

        /* dmesg / vmcore-dmesg / makedumpfile --dump-dmesg */
        assert_true(klog_parse_prefix("[    1.965123] WARNING: x", 25, &l));
        assert_int_equal(l.ctx_kind, KLOG_CTX_CONSOLE);
        assert_true(l.has_ts);
        assert_true(l.ts > 1.965 && l.ts < 1.966);
        assert_int_equal(l.body, 15);

        /* CONFIG_PRINTK_CALLER: task and CPU ids, padded or not */
        const char *t = "[  492.198014][T24950] ======";
        assert_true(klog_parse_prefix(t, strlen(t), &l));
        assert_int_equal(l.ctx_kind, KLOG_CTX_TASK);
        assert_int_equal(l.ctx_id, 24950);
        assert_int_equal(l.ctx_len, 8);
        assert_memory_equal(l.ctx, "[T24950]", 8);

        const char *c = "[  457.126909][    C1] Kernel panic";
        assert_true(klog_parse_prefix(c, strlen(c), &l));
        assert_int_equal(l.ctx_kind, KLOG_CTX_CPU);
        assert_int_equal(l.ctx_id, 1);
        assert_memory_equal(l.ctx, "[    C1]", 8);

        /* <N> level before the timestamp */
        const char *lv = "<4>[   12.000001] foo";
        assert_true(klog_parse_prefix(lv, strlen(lv), &l));
        assert_int_equal(l.level, 4);
        assert_int_equal(l.ctx_kind, KLOG_CTX_CONSOLE);

        /* a console login prompt glued to the line */
        const char *lg = "syzkaller login: [   40.1] BUG: foo";
        assert_true(klog_parse_prefix(lg, strlen(lg), &l));
        assert_int_equal(l.ctx_kind, KLOG_CTX_CONSOLE);

        /* dropped-messages marker */
        const char *dr = "** 12 printk messages dropped ** [  1.5][ T7] x";
        assert_true(klog_parse_prefix(dr, strlen(dr), &l));
        assert_int_equal(l.ctx_kind, KLOG_CTX_TASK);

        /* dmesg -T wall-clock stamps count as a console prefix */
        const char *wc = "[Sun Nov 22 06:03:00 2026] WARNING: x";
        assert_true(klog_parse_prefix(wc, strlen(wc), &l));
        assert_int_equal(l.ctx_kind, KLOG_CTX_CONSOLE);
        assert_false(l.has_ts);

        /* not prefixes */
        assert_false(klog_parse_prefix("WARNING: x", 10, &l));
        assert_false(klog_parse_prefix("[1.2]x", 6, &l));
        assert_false(klog_parse_prefix("[ 1.2][T1]x", 11, &l));
        assert_false(klog_parse_prefix("", 0, &l));
        assert_int_equal(l.ctx_kind, KLOG_CTX_NONE);
}

static void test_questionable(void **state) {
        struct klog_line l;
        const char *q = "[    1.971264]  ? exit_to_user_mode_prepare+0x44/0x240";
        const char *e = "[    1.971264]  <EOI> ? foo+0x1/0x2";
        const char *u = "[    1.0] [c0000] [c0001] dump_stack+0xb0/0xf4 (unreliable)";

        assert_true(klog_parse_prefix(q, strlen(q), &l));
        assert_true(l.questionable);
        assert_true(klog_parse_prefix(e, strlen(e), &l));
        assert_false(l.questionable);
        assert_true(klog_parse_prefix(u, strlen(u), &l));
        assert_true(l.questionable);
}

static void test_contexts(void **state) {
        struct klog *log = load("[ 1.0][ T100] a\n"
                                "[ 1.1][ T200] b\n"
                                "[ 1.2][ T100] c\n"
                                "[ 1.3][   C1] d\n"
                                "[ 1.4] e\n"
                                "f\n");

        assert_int_equal(log->n_lines, 6);
        assert_true(klog_same_ctx(&log->lines[0], &log->lines[2]));
        assert_false(klog_same_ctx(&log->lines[0], &log->lines[1]));
        assert_false(klog_same_ctx(&log->lines[0], &log->lines[3]));
        assert_false(klog_same_ctx(&log->lines[4], &log->lines[5]));
        assert_int_equal(log->lines[5].ctx_kind, KLOG_CTX_NONE);
        assert_body(&log->lines[5], "f");
        assert_body(&log->lines[2], "c");
        klog_free(log);
}

static void test_crlf_nul_junk(void **state) {
        static const char text[] = "[ 1.0] a\r\n[ 1.1] b\0c\r\r\n[ 1.2] \xff\xfe junk\n[ 1.3] last";
        struct klog *log = NULL;

        assert_int_equal(klog_from_buffer(text, sizeof(text) - 1, &log), 0);
        assert_int_equal(log->n_lines, 4);
        assert_body(&log->lines[0], "a");
        /* NUL bytes stay part of the line; lengths are explicit */
        assert_int_equal(log->lines[1].len - log->lines[1].body, 3);
        assert_memory_equal(log->lines[1].text + log->lines[1].body, "b\0c", 3);
        assert_body(&log->lines[3], "last");
        assert_int_equal(log->lines[3].lineno, 4);
        klog_free(log);
}

static void test_syslog_and_journal(void **state) {
        struct klog *log = load("Nov 22 06:02:59 host1 systemd[1]: Started foo.\n"
                                "Nov 22 06:03:00 host1 kernel: WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2\n"
                                "Nov 22 06:03:00 host1 kernel: [  12.5] with stamp\n"
                                "2026-11-22T06:03:00.123456+00:00 host1 kernel:  ? foo+0x1/0x2\n"
                                "Nov 22 06:03:01 host1 sshd[77]: Accepted\n");

        /* other programs' lines are dropped, kernel lines keep their text */
        assert_int_equal(log->n_lines, 3);
        assert_body(&log->lines[0], "WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2");
        assert_int_equal(log->lines[0].lineno, 2);
        assert_int_equal(log->lines[1].ctx_kind, KLOG_CTX_CONSOLE);
        assert_body(&log->lines[1], "with stamp");
        assert_body(&log->lines[2], " ? foo+0x1/0x2");
        klog_free(log);

        /* journalctl -o short-monotonic */
        log = load("[    1.000000] host1 kernel: Linux version 6.1.0\n"
                   "[    2.000000] host1 kernel: BUG: x\n"
                   "[    3.000000] host1 kernel:  foo+0x1/0x2\n");
        assert_int_equal(log->n_lines, 3);
        assert_body(&log->lines[1], "BUG: x");
        assert_body(&log->lines[2], " foo+0x1/0x2");
        assert_true(log->lines[2].has_ts);
        klog_free(log);

        /* ... but a dmesg that merely mentions "kernel:" once is left alone */
        log = load("[    1.0] Booting kernel: foo\n[    2.0] BUG: x\n[    3.0] y\n");
        assert_body(&log->lines[0], "Booting kernel: foo");
        klog_free(log);
}

static void test_dmesg_decode_and_levels(void **state) {
        struct klog *log = load("kern  :warn  : [    1.0] WARNING: a\n"
                                "<4>BUG: no stamp\n"
                                "<6>[    2.0] with stamp\n");

        assert_int_equal(log->n_lines, 3);
        assert_body(&log->lines[0], "WARNING: a");
        assert_int_equal(log->lines[0].ctx_kind, KLOG_CTX_CONSOLE);
        assert_body(&log->lines[1], "BUG: no stamp");
        assert_int_equal(log->lines[2].level, 6);
        assert_body(&log->lines[2], "with stamp");
        klog_free(log);
}

static void test_empty_and_errors(void **state) {
        struct klog *log = NULL;
        char *dir = test_path("");

        assert_int_equal(klog_from_buffer("", 0, &log), 0);
        assert_int_equal(log->n_lines, 0);
        klog_free(log);

        assert_int_equal(klog_from_file("/nonexistent/vmcore-dmesg.txt", &log), -ENOENT);
        assert_int_equal(klog_from_file(dir, &log), -EISDIR);
        free(dir);
}

static void test_real_log(void **state) {
        struct klog *log = NULL;
        char *path = test_path("x86_64-6.1-warning-panic_on_warn.log");

        assert_int_equal(klog_from_file(path, &log), 0);
        assert_int_equal(log->n_lines, 450);
        for (size_t i = 0; i < log->n_lines; i++)
                assert_int_equal(log->lines[i].ctx_kind, KLOG_CTX_CONSOLE);
        assert_body(&log->lines[367],
                    "WARNING: CPU: 0 PID: 1 at /usr/src/lkdtm/bugs.c:85 lkdtm_WARNING+0x13/0x20 [lkdtm]");
        free(path);
        klog_free(log);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_prefix_forms),
                cmocka_unit_test(test_questionable),
                cmocka_unit_test(test_contexts),
                cmocka_unit_test(test_crlf_nul_junk),
                cmocka_unit_test(test_syslog_and_journal),
                cmocka_unit_test(test_dmesg_decode_and_levels),
                cmocka_unit_test(test_empty_and_errors),
                cmocka_unit_test(test_real_log),
        };
        return cmocka_run_group_tests_name("klog", tests, NULL, NULL);
}
