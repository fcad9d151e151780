/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Crash titles: normalization, header detection, skip lists, extractors,
 * and the committed excerpt of the syzkaller corpus (tests/data/titles). */

#include <dirent.h>

#include "test-helpers.h"
#include "title.h"

struct fixture {
        struct title_engine *e;
};

static int setup(void **state) {
        static struct fixture f;
        char err[256] = "";
        if (title_engine_new(&f.e, err, sizeof(err)) < 0) {
                fprintf(stderr, "engine: %s\n", err);
                return -1;
        }
        *state = &f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        title_engine_free(f->e);
        return 0;
}

static void assert_normalized(struct title_engine *e, const char *in, const char *want) {
        char *out = NULL;
        assert_int_equal(title_normalize(e, in, strlen(in), &out), 0);
        assert_string_equal(out, want);
        free(out);
}

static void test_normalize(void **state) {
        struct fixture *f = *state;

        assert_normalized(f->e, "KASAN: slab-out-of-bounds in ip6_fragment at addr ffff88006b6d4e2c",
                          "KASAN: slab-out-of-bounds in ip6_fragment at addr ADDR");
        assert_normalized(f->e, "kernel panic: VFS: Unable to mount root fs on unknown-block(0,0)",
                          "kernel panic: VFS: Unable to mount root fs on unknown-block(NUM,NUM)");
        assert_normalized(f->e, "WARNING in syz-executor.3/1234", "WARNING in syz-executor");
        assert_normalized(f->e, "foo at net/ipv4/tcp.c:123:5 bar", "foo at net/ipv4/tcp.c:LINE bar");
        assert_normalized(f->e, "x lkdtm_WARNING+0x13/0x20 y", "x lkdtm_WARNING y");
        assert_normalized(f->e, "soft lockup - CPU#3 stuck", "soft lockup - CPU stuck");
        assert_normalized(f->e, "from 10.0.2.15 to 10.0.2.2", "from IP to IP");
        /* long numbers look like addresses; inside names they are NUM */
        assert_normalized(f->e, "id 12345678", "id ADDR");
        assert_normalized(f->e, "in bar12345678", "in barNUM");
        assert_normalized(f->e, "  tabs\tand   spaces  ", "tabs and spaces");
        /* bytes outside printable ASCII are dropped, 120 bytes at most */
        assert_normalized(f->e, "a\x01\xff" "b", "ab");
        char long_title[300];
        memset(long_title, 'x', sizeof(long_title) - 1);
        long_title[sizeof(long_title) - 1] = 0;
        char *out = NULL;
        assert_int_equal(title_normalize(f->e, long_title, strlen(long_title), &out), 0);
        assert_int_equal(strlen(out), 120);
        free(out);
}

static void test_types_and_prefixes(void **state) {
        assert_string_equal(title_type("WARNING in foo"), "WARNING");
        assert_string_equal(title_type("KASAN: use-after-free Read in foo"), "KASAN-USE-AFTER-FREE-READ");
        assert_string_equal(title_type("BUG: unable to handle kernel NULL pointer dereference in f"),
                            "NULL-POINTER-DEREFERENCE");
        assert_string_equal(title_type("INFO: task hung in f"), "HANG");
        assert_string_equal(title_type("kernel panic: sysrq triggered crash"), "DoS");
        assert_string_equal(title_type("something else"), "UNKNOWN");

        assert_string_equal(title_strip_syscall_prefix("__x64_sys_rmdir"), "sys_rmdir");
        assert_string_equal(title_strip_syscall_prefix("__se_sys_futex"), "futex");
        assert_string_equal(title_strip_syscall_prefix("ksys_write"), "write");
        assert_string_equal(title_strip_syscall_prefix("vfs_write"), "vfs_write");
}

static void test_skip_list(void **state) {
        struct fixture *f = *state;

        assert_true(title_frame_is_generic(f->e, "dump_stack_lvl"));
        assert_true(title_frame_is_generic(f->e, "_raw_spin_lock_irqsave"));
        assert_true(title_frame_is_generic(f->e, "__kmalloc"));
        assert_true(title_frame_is_generic(f->e, "kfree"));
        assert_true(title_frame_is_generic(f->e, "skb_panic"));
        assert_false(title_frame_is_generic(f->e, "kfree_rcu_work"));
        assert_false(title_frame_is_generic(f->e, "lkdtm_WARNING"));
        assert_false(title_frame_is_generic(f->e, "do_syscall_64"));
        /* answers are stable on repeated (memoized) lookups */
        for (int i = 0; i < 3; i++) {
                assert_true(title_frame_is_generic(f->e, "kfree"));
                assert_false(title_frame_is_generic(f->e, "lkdtm_WARNING"));
        }
}

static char *title_of(struct title_engine *e, const char *text, bool *corrupted) {
        struct klog *log = NULL;
        struct title_scan scan;
        struct title_result r;
        char *t;

        assert_int_equal(klog_from_buffer(text, strlen(text), &log), 0);
        assert_int_equal(title_scan_log(e, log, &scan), 0);
        assert_int_equal(title_find(e, log, &scan, 0, log->n_lines, &r), 0);
        t = r.title ? strdup(r.title) : NULL;
        if (corrupted)
                *corrupted = r.corrupted;
        title_result_done(&r);
        title_scan_done(&scan);
        klog_free(log);
        return t;
}

static void test_headers(void **state) {
        struct fixture *f = *state;
        char *t;

        /* suppressed lines start no report */
        t = title_of(f->e, "[ 1.0] ODEBUG: Out of memory. ODEBUG disabled\n", NULL);
        assert_null(t);
        t = title_of(f->e, "[ 1.0] WARNING: /etc/ssh/moduli does not exist, using fixed modulus\n", NULL);
        assert_null(t);
        /* a truncated line replayed on the next one is skipped */
        t = title_of(f->e,
                     "[ 1.0] BUG: unable to handle ker\n"
                     "[ 1.0] ** replaying previous printk message **\n"
                     "[ 1.0] WARNING: CPU: 0 PID: 1 at a/b.c:1 foo+0x1/0x2\n"
                     "[ 1.0] RIP: 0010:foo+0x1/0x2\n",
                     NULL);
        assert_string_equal(t, "WARNING in foo");
        free(t);
        /* the first header wins, whatever comes later */
        t = title_of(f->e,
                     "[ 1.0] WARNING: CPU: 0 PID: 1 at a/b.c:1 first_fn+0x1/0x2\n"
                     "[ 1.0] RIP: 0010:first_fn+0x1/0x2\n"
                     "[ 2.0] general protection fault: 0000 [#1] SMP\n"
                     "[ 2.0] RIP: 0010:second_fn+0x1/0x2\n",
                     NULL);
        assert_string_equal(t, "WARNING in first_fn");
        free(t);
        /* an unknown WARNING: line titles as itself, not corrupted */
        bool corrupted = true;
        t = title_of(f->e, "[ 1.0] WARNING: ath10k USB support is incomplete, don't expect anything to work!\n",
                     &corrupted);
        assert_string_equal(t, "WARNING: ath10k USB support is incomplete, don't expect anything to work!");
        assert_false(corrupted);
        free(t);
        /* a GPF with no RIP line names no frame */
        t = title_of(f->e, "[ 1.0] general protection fault: 0000 [#1] SMP\n", &corrupted);
        assert_string_equal(t, "general protection fault in corrupted");
        assert_true(corrupted);
        free(t);
        /* no crash at all */
        assert_null(title_of(f->e, "[ 0.0] Linux version 6.1.0\n[ 1.0] random: crng init done\n", NULL));
}

static void test_contexts_are_separated(void **state) {
        struct fixture *f = *state;
        /* the WARNING of T100 is interleaved with lines of T200 */
        char *t = title_of(f->e,
                           "[ 1.0][ T100] WARNING: CPU: 0 PID: 100 at a/b.c:1 __might_fault+0x1/0x2\n"
                           "[ 1.0][ T200] RIP: 0010:wrong_one+0x1/0x2\n"
                           "[ 1.0][ T100] RIP: 0010:__might_fault+0x1/0x2\n"
                           "[ 1.0][ T100] Call Trace:\n"
                           "[ 1.0][ T200]  not_this+0x1/0x2\n"
                           "[ 1.0][ T100]  ? unreliable_one+0x1/0x2\n"
                           "[ 1.0][ T100]  the_caller+0x1/0x2\n"
                           "[ 1.0][ T100]  do_syscall_64+0x1/0x2\n",
                           NULL);
        assert_string_equal(t, "WARNING in the_caller");
        free(t);
}

static void test_extractors(void **state) {
        struct fixture *f = *state;
        /* stall: the frame above the first dispatcher */
        char *t = title_of(f->e,
                           "[ 1.0] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [a:1]\n"
                           "[ 1.0] RIP: 0010:spinner+0x1/0x2\n"
                           "[ 1.0] Call Trace:\n"
                           "[ 1.0]  helper+0x1/0x2\n"
                           "[ 1.0]  __x64_sys_rmdir+0x1/0x2\n"
                           "[ 1.0]  do_syscall_64+0x1/0x2\n",
                           NULL);
        assert_string_equal(t, "BUG: soft lockup in sys_rmdir");
        free(t);
        /* hang: rtnl_lock wins, then the first non-waiting frame */
        t = title_of(f->e,
                     "[ 1.0] INFO: task kworker/0:1:42 blocked for more than 143 seconds.\n"
                     "[ 1.0] Call Trace:\n"
                     "[ 1.0]  __schedule+0x1/0x2\n"
                     "[ 1.0]  schedule+0x1/0x2\n"
                     "[ 1.0]  mutex_lock_nested+0x1/0x2\n"
                     "[ 1.0]  rtnl_lock+0x1/0x2\n"
                     "[ 1.0]  netdev_run_todo+0x1/0x2\n",
                     NULL);
        assert_string_equal(t, "INFO: task hung in rtnl_lock");
        free(t);
}

/* ---- the committed corpus excerpt ---- */

struct corpus_case {
        char *title;
        char *alts[16];
        size_t n_alts;
        bool corrupted;
        const char *log;
        size_t log_len;
};

static bool parse_case(char *buf, size_t len, struct corpus_case *c) {
        char *p = buf, *end = buf + len;

        memset(c, 0, sizeof(*c));
        while (p < end && *p != '\n') {
                char *nl = memchr(p, '\n', (size_t) (end - p));
                if (!nl)
                        return false;
                *nl = 0;
                if (strncmp(p, "TITLE: ", 7) == 0)
                        c->title = p + 7;
                else if (strncmp(p, "ALT: ", 5) == 0 && c->n_alts < 16)
                        c->alts[c->n_alts++] = p + 5;
                else if (strcmp(p, "CORRUPTED: Y") == 0)
                        c->corrupted = true;
                p = nl + 1;
        }
        if (p >= end)
                return false;
        p++; /* the blank separator */
        c->log = p;
        c->log_len = (size_t) (end - p);
        /* "REPORT:" right after a blank line ends the log */
        bool prev_empty = true;
        for (const char *q = p; q < end;) {
                const char *nl = memchr(q, '\n', (size_t) (end - q));
                size_t ll = nl ? (size_t) (nl - q) : (size_t) (end - q);
                if (prev_empty && ll == 7 && memcmp(q, "REPORT:", 7) == 0) {
                        c->log_len = (size_t) (q - p);
                        break;
                }
                prev_empty = ll == 0;
                q += ll + 1;
        }
        if (c->title && !*c->title)
                c->title = NULL;
        return true;
}

static int cmp_names(const void *a, const void *b) {
        return atoi(*(char *const *) a) - atoi(*(char *const *) b);
}

static void test_corpus_excerpt(void **state) {
        struct fixture *f = *state;
        char *dir = test_path("titles");
        char *names[512];
        size_t n = 0, failed = 0, corrupted_disagree = 0;
        struct dirent *de;
        DIR *d = opendir(dir);

        assert_non_null(d);
        while ((de = readdir(d)) && n < 512)
                if (strstr(de->d_name, ".txt"))
                        names[n++] = strdup(de->d_name);
        closedir(d);
        qsort(names, n, sizeof(char *), cmp_names);
        assert_true(n >= 150);

        for (size_t i = 0; i < n; i++) {
                char name[300];
                struct corpus_case c;
                size_t len = 0;
                char *buf, *got;
                bool corrupted = false, ok;

                snprintf(name, sizeof(name), "titles/%s", names[i]);
                buf = test_read(name, &len);
                assert_non_null(buf);
                assert_true(parse_case(buf, len, &c));

                char *log = strndup(c.log, c.log_len);
                got = title_of(f->e, log, &corrupted);
                free(log);
                ok = (!got && !c.title) || (got && c.title && strcmp(got, c.title) == 0);
                for (size_t k = 0; !ok && got && k < c.n_alts; k++)
                        ok = strcmp(got, c.alts[k]) == 0;
                if (!ok) {
                        fprintf(stderr, "%s: want '%s', got '%s'\n", names[i], c.title ? c.title : "(none)",
                                got ? got : "(none)");
                        failed++;
                }
                if (c.title && corrupted != c.corrupted) {
                        fprintf(stderr, "%s: corrupted flag %d, want %d\n", names[i], corrupted, c.corrupted);
                        corrupted_disagree++;
                }
                free(got);
                free(buf);
                free(names[i]);
        }
        printf("corpus excerpt: %zu cases, %zu title mismatches, %zu corrupted-flag mismatches\n", n, failed,
               corrupted_disagree);
        free(dir);
        assert_int_equal(failed, 0);
        assert_int_equal(corrupted_disagree, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_normalize),
                cmocka_unit_test(test_types_and_prefixes),
                cmocka_unit_test(test_skip_list),
                cmocka_unit_test(test_headers),
                cmocka_unit_test(test_contexts_are_separated),
                cmocka_unit_test(test_extractors),
                cmocka_unit_test(test_corpus_excerpt),
        };
        return cmocka_run_group_tests_name("title", tests, setup, teardown);
}
