/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fingerprints: stable across hosts, boots and rebuilds of the same bug,
 * different for different crash sites; and the koops duphash. */

#include "fingerprint.h"
#include "test-helpers.h"

static int setup(void **state) {
        *state = test_analyzer();
        return 0;
}

static int teardown(void **state) {
        vmc_analyzer_free(*state);
        return 0;
}

static char *fp_of_buf(struct vmc_analyzer *a, const char *text) {
        struct vmc_report *r = test_analyze_buf(a, text, strlen(text));
        char *fp = r->fingerprint ? strdup(r->fingerprint) : NULL;
        vmc_report_free(r);
        return fp;
}

static char *fp_of_file(struct vmc_analyzer *a, const char *name) {
        struct vmc_report *r = test_analyze_file(a, name);
        char *fp = r->fingerprint ? strdup(r->fingerprint) : NULL;
        vmc_report_free(r);
        return fp;
}

static bool well_formed(const char *fp) {
        if (!fp || strlen(fp) != 20 || strncmp(fp, "fp1-", 4) != 0)
                return false;
        for (const char *p = fp + 4; *p; p++)
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                        return false;
        return true;
}

/* Two boots of one kernel (different KASLR offsets, timestamps, register
 * values), one captured on the host and one by kdump. */
static void test_same_crash_two_boots(void **state) {
        static const char *const kinds[] = { "warning", "bug", "exception", "oom", "softlockup", "sysrq" };

        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
                char a_name[128], b_name[128];
                if (strcmp(kinds[i], "warning") == 0)
                        snprintf(a_name, sizeof(a_name), "x86_64-6.1-warning-panic_on_warn.log");
                else
                        snprintf(a_name, sizeof(a_name), "x86_64-6.1-%s.log", kinds[i]);
                snprintf(b_name, sizeof(b_name), "x86_64-6.1-%s-boot2.log", kinds[i]);

                struct vmc_report *a = test_analyze_file(*state, a_name);
                struct vmc_report *b = test_analyze_file(*state, b_name);
                assert_true(well_formed(a->fingerprint));
                assert_string_equal(a->fingerprint, b->fingerprint);
                assert_string_equal(a->title.title, b->title.title);
                if (a->duphash || b->duphash)
                        assert_string_equal(a->duphash, b->duphash);
                vmc_report_free(a);
                vmc_report_free(b);
        }
}

static void test_different_crashes_differ(void **state) {
        static const char *const files[] = {
                "x86_64-6.1-warning-panic_on_warn.log", "x86_64-6.1-bug.log", "x86_64-6.1-exception.log",
                "x86_64-6.1-oom.log", "x86_64-6.1-softlockup.log", "x86_64-6.1-sysrq.log",
                "x86_64-6.1-access-null.log", "x86_64-6.1-corrupt-list-del.log", "x86_64-6.1-corrupt-stack.log",
                "x86_64-6.1-exhaust-stack.log", "x86_64-6.1-init-exit.log",
                "x86_64-6.1-refcount-inc-overflow.log", "x86_64-6.1-spinlockup.log",
        };
        char *fps[sizeof(files) / sizeof(files[0])];

        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                fps[i] = fp_of_file(*state, files[i]);
                assert_true(well_formed(fps[i]));
                for (size_t k = 0; k < i; k++)
                        if (strcmp(fps[i], fps[k]) == 0) {
                                fprintf(stderr, "%s and %s share %s\n", files[i], files[k], fps[i]);
                                fail();
                        }
        }
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
                free(fps[i]);
}

/* Replaces every occurrence of `from` in s. */
static char *edit(const char *s, const char *from, const char *to) {
        size_t lf = strlen(from), lt = strlen(to), n = 0;
        for (const char *p = strstr(s, from); p; p = strstr(p + lf, from))
                n++;
        char *out = malloc(strlen(s) + n * lt + 1), *o = out;
        for (const char *p = s;;) {
                const char *q = strstr(p, from);
                if (!q) {
                        strcpy(o, p);
                        return out;
                }
                memcpy(o, p, (size_t) (q - p));
                o += q - p;
                memcpy(o, to, lt);
                o += lt;
                p = q + lf;
        }
}

static void test_invariance_and_sensitivity(void **state) {
        size_t len = 0;
        char *base = test_read("x86_64-6.1-warning-panic_on_warn.log", &len);
        char *ref = fp_of_buf(*state, base);
        static const struct {
                const char *from, *to;
                bool same;
        } edits[] = {
                /* nothing host-, boot- or build-specific counts */
                { "lkdtm_WARNING+0x13/0x20", "lkdtm_WARNING+0x17/0x28", true },     /* rebuilt: offsets */
                { "full_proxy_write+0x53/0x80", "full_proxy_write+0x5b/0x90", true },
                { "direct_entry.cold", "direct_entry.isra.0", true },               /* clone suffixes */
                { "[lkdtm]", "[lkdtm_v2]", true },                                   /* module name */
                { "lkdtm(OE)", "lkdtm(POE)", true },                                 /* taint */
                { "ffffffffc056a630", "ffffffffc0aaa630", true },                    /* KASLR, registers */
                { "[    1.9", "[ 8131.9", true },                                    /* timestamps */
                { "PID: 1 ", "PID: 4711 ", true },                                   /* pids */
                { "Comm: init", "Comm: systemd", true },
                { "QEMU Standard PC (i440FX + PIIX, 1996)", "Dell Inc. PowerEdge R640", true },
                { "#1  Debian 6.1.192-2", "#2  Debian 6.1.193-1", true },
                { "ksys_write+0x6b/0xf0", "other_write+0x6b/0xf0", true },        /* below the chain */
                /* the crash site and its callers do */
                { "lkdtm_WARNING", "lkdtm_OTHER_WARNING", false },
                { "direct_entry.cold", "indirect_entry.cold", false },
                { "full_proxy_write", "debugfs_write", false },
        };

        assert_true(well_formed(ref));
        for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
                char *text = edit(base, edits[i].from, edits[i].to);
                char *fp = fp_of_buf(*state, text);
                assert_non_null(fp);
                if ((strcmp(fp, ref) == 0) != edits[i].same) {
                        fprintf(stderr, "edit '%s' -> '%s': %s vs %s\n", edits[i].from, edits[i].to, fp, ref);
                        fail();
                }
                free(fp);
                free(text);
        }

        /* with caller ids instead of plain timestamps */
        char *ids = edit(base, "] ", "][    T1] ");
        char *fp = fp_of_buf(*state, ids);
        assert_string_equal(fp, ref);
        free(fp);
        free(ids);

        free(ref);
        free(base);
}

/* Known answers, computed independently (sha256/sha1 of the texts). */
static void test_known_answers(void **state) {
        struct vmc_report *r = test_analyze_file(*state, "x86_64-6.1-warning-panic_on_warn.log");
        struct strbuf m = STRBUF_INIT;

        assert_int_equal(fingerprint_material(vmc_analyzer_titles(*state), test_title_event(r), &m), 0);
        assert_string_equal(m.buf, "fp1\nWARNING\nlkdtm_WARNING\ndirect_entry\nfull_proxy_write\n");
        assert_string_equal(r->fingerprint, "fp1-122a9ee1c7733062");
        /* SHA-1("lkdtm_WARNING\ndirect_entry.cold\nfull_proxy_write\nvfs_write\nksys_write\ndo_syscall_64\n") */
        assert_string_equal(r->duphash, "bae179a763ae2233386097b4eff029071d8b9d37");
        strbuf_done(&m);
        vmc_report_free(r);
}

static void test_class_and_names(void **state) {
        assert_int_equal(title_class_len("INFO: task hung in foo"), strlen("INFO: task hung"));
        assert_int_equal(title_class_len("WARNING in foo/usb_submit_urb"), strlen("WARNING"));
        assert_int_equal(title_class_len("kernel panic: sysrq triggered crash"),
                         strlen("kernel panic: sysrq triggered crash"));

        char *n = frame_canonical_name("__x64_sys_write.cold");
        assert_string_equal(n, "sys_write");
        free(n);
        n = frame_canonical_name("tcp_v4_rcv.isra.0");
        assert_string_equal(n, "tcp_v4_rcv");
        free(n);
}

/* A title without a frame (a panic): the chain starts at the first frame
 * that is not panic plumbing. */
static void test_panic_chain(void **state) {
        struct vmc_report *r = test_analyze_file(*state, "x86_64-6.1-init-exit.log");
        struct strbuf m = STRBUF_INIT;

        assert_int_equal(fingerprint_material(vmc_analyzer_titles(*state), test_title_event(r), &m), 0);
        assert_non_null(strstr(m.buf, "fp1\nkernel panic: Attempted to kill init!\n"));
        assert_null(strstr(m.buf, "dump_stack"));
        assert_null(strstr(m.buf, "\npanic\n"));
        assert_non_null(strstr(m.buf, "do_exit"));
        strbuf_done(&m);
        vmc_report_free(r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_same_crash_two_boots),
                cmocka_unit_test(test_different_crashes_differ),
                cmocka_unit_test(test_invariance_and_sensitivity),
                cmocka_unit_test(test_known_answers),
                cmocka_unit_test(test_class_and_names),
                cmocka_unit_test(test_panic_chain),
        };
        return cmocka_run_group_tests_name("fingerprint", tests, setup, teardown);
}
