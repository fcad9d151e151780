/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Known-issue rules: parsing, bad files (reported with file and line),
 * matching on each key, precedence and overrides, and the shipped rules on
 * the two cases they were written for. */

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules.h"
#include "test-helpers.h"

static char tmpdir[] = "/tmp/vmcored-test-rules.XXXXXX";

static int setup(void **state) {
        (void) state;
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
        char cmd[256];
        (void) state;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        return system(cmd) == 0 ? 0 : -1;
}

/* Writes dir/name (dir under tmpdir, made as needed). */
static char *put(const char *dir, const char *name, const char *text) {
        char *d = NULL, *p = NULL;
        FILE *f;

        assert_true(asprintf(&d, "%s/%s", tmpdir, dir) > 0);
        (void) mkdir(d, 0755);
        assert_true(asprintf(&p, "%s/%s", d, name) > 0);
        f = fopen(p, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        free(p);
        return d;
}

static struct vmc_report *analyze_with(const char *dir, const char *log) {
        struct vmc_analyzer *a = test_analyzer();
        char err[512] = "";
        struct vmc_report *r;

        assert_int_equal(vmc_analyzer_add_rules(a, dir, err, sizeof(err)), 0);
        r = test_analyze_file(a, log);
        vmc_analyzer_free(a);
        return r;
}

static void expect_bad(const char *text, const char *line_and_msg) {
        static unsigned n;
        char name[32], err[512] = "";
        struct rules *rs;
        char *dir;

        snprintf(name, sizeof(name), "bad%u", n++);
        dir = put(name, "x.rules", text);
        assert_int_equal(rules_new(&rs), 0);
        assert_int_equal(rules_load_dir(rs, dir, err, sizeof(err)), -EBADMSG);
        if (!strstr(err, line_and_msg)) {
                fprintf(stderr, "error \"%s\" lacks \"%s\"\n", err, line_and_msg);
                fail();
        }
        /* The file is named, and nothing of it is kept. */
        assert_non_null(strstr(err, "/x.rules:"));
        assert_int_equal(rules_count(rs), 0);
        rules_free(rs);
        free(dir);
}

static void test_bad_files(void **state) {
        (void) state;
        expect_bad("summary = x\n", "x.rules:1: \"summary\" comes before any [id]");
        expect_bad("[a]\nsummary = s\ntitle = t\n[a]\nsummary = s\ntitle = t\n", "x.rules:4: rule [a] is defined twice");
        expect_bad("[a]\nsummary = s\n", "x.rules:1: rule [a] states no condition");
        expect_bad("[a]\ntitle = t\n", "x.rules:1: rule [a] has no summary");
        expect_bad("[a]\nsummary = s\ncolour = red\n", "x.rules:3: unknown key \"colour\"");
        expect_bad("[a]\nsummary = s\nkernel = >= banana\n", "x.rules:3: \"banana\" is not a kernel version");
        expect_bad("[a]\nsummary = s\nkernel =\n", "x.rules:3: kernel has no value");
        expect_bad("[a\n", "x.rules:1: a rule header needs its closing ]");
        expect_bad("[a b]\n", "x.rules:1: \"a b\" is no rule id");
        expect_bad("[a]\nsummary = s\ntitle t\n", "x.rules:3: expected \"key = value\"");
        expect_bad("[a]\nsummary = s\npriority = high\ntitle = t\n", "x.rules:3: priority must be a number");
        expect_bad("[a]\nsummary = s\ntaint = oe\n", "x.rules:3: taint is a set of flag letters");
        expect_bad("[a]\nsummary = s\nhardware = maybe\n", "x.rules:3: hardware must be yes or no");
        expect_bad("[ok]\nsummary = s\ntitle = t\n[b]\nsummary = s\nsummary = t\n", "x.rules:6: summary is given twice");
}

/* A bad file is left out, its neighbours load. */
static void test_bad_file_among_good(void **state) {
        char err[512] = "";
        struct rules *rs;
        char *dir;

        (void) state;
        free(put("mixed", "a.rules", "[good-a]\nsummary = s\ntitle = t\n"));
        free(put("mixed", "b.rules", "[broken]\nsummary = s\nnope = 1\n"));
        free(put("mixed", "c.rules", "[good-c]\nsummary = s\ntitle = t\n"));
        dir = put("mixed", "d.txt", "not a rules file\n");
        assert_int_equal(rules_new(&rs), 0);
        assert_int_equal(rules_load_dir(rs, dir, err, sizeof(err)), -EBADMSG);
        assert_non_null(strstr(err, "b.rules:3:"));
        assert_int_equal(rules_count(rs), 2);
        rules_free(rs);
        free(dir);
        assert_int_equal(rules_new(&rs), 0);
        assert_int_equal(rules_load_dir(rs, "/nonexistent/dir", err, sizeof(err)), -ENOENT);
        rules_free(rs);
}

static void test_versions(void **state) {
        (void) state;
        assert_true(kernel_release_cmp("6.1.0-56-amd64", "6.1") > 0);
        assert_true(kernel_release_cmp("5.10.218", "6.1") < 0);
        assert_true(kernel_release_cmp("4.18.0-80.el8.aarch64", "4.18.0-80") > 0);
        assert_int_equal(kernel_release_cmp("6.1", "6.1.0"), 0);
        assert_true(kernel_release_cmp("6.10", "6.9") > 0);
}

static bool has_issue(const struct vmc_report *r, const char *id) {
        for (size_t i = 0; i < r->n_known_issues; i++)
                if (strcmp(r->known_issues[i].id, id) == 0)
                        return true;
        return false;
}

/* Each key matches and fails on its own. */
static void test_keys(void **state) {
        static const char text[] =
                "[t-yes]\nsummary = s\ntitle = general protection fault in *\n"
                "[t-no]\nsummary = s\ntitle = WARNING in *\n"
                "[fn-yes]\nsummary = s\nfunction = do_group_exit\n"
                "[fn-no]\nsummary = s\nfunction = schedule\n"
                "[mod-no]\nsummary = s\nmodule = i40e\n"
                "[hint-yes]\nsummary = s\nhint = packet-bytes\n"
                "[hint-no]\nsummary = s\nhint = list-poison\n"
                "[k-yes]\nsummary = s\nkernel = >= 6.1, < 6.2\n"
                "[k-eq]\nsummary = s\nkernel = 6.1\n"
                "[k-no]\nsummary = s\nkernel = < 6.1\n"
                "[k-or]\nsummary = s\nkernel = < 5.0\nkernel = >= 6.0\n"
                "[arch-yes]\nsummary = s\narch = amd64\n"
                "[arch-no]\nsummary = s\narch = arm64\n"
                "[taint-yes]\nsummary = s\ntaint = OE\n"
                "[taint-no]\nsummary = s\ntaint = P\n"
                "[hw-no]\nsummary = s\nhardware = yes\n"
                "[fp-yes]\nsummary = s\nfingerprint = fp1-*\n"
                "[ev-yes]\nsummary = s\nevent = general protection fault in acct_*\n"
                "[and-no]\nsummary = s\ntitle = general protection fault in *\narch = arm64\n";
        char *dir = put("keys", "k.rules", text);
        struct vmc_report *r = analyze_with(dir, "explain/gpf-packet-acct_collect.log");
        const char *yes[] = { "t-yes", "fn-yes", "hint-yes", "k-yes", "k-eq", "k-or", "arch-yes", "taint-yes",
                              "fp-yes", "ev-yes" };
        const char *no[] = { "t-no", "fn-no", "mod-no", "hint-no", "k-no", "arch-no", "taint-no", "hw-no", "and-no" };

        (void) state;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (!has_issue(r, yes[i])) {
                        fprintf(stderr, "rule %s should match\n", yes[i]);
                        fail();
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (has_issue(r, no[i])) {
                        fprintf(stderr, "rule %s should not match\n", no[i]);
                        fail();
                }
        vmc_report_free(r);
        free(dir);
}

/* Priority first, then the number of keys, then load order; a later
 * directory replaces a rule of the same id, or disables it. */
static void test_precedence(void **state) {
        char *d1 = put("prec1", "a.rules",
                       "[generic]\nsummary = generic\nhint = packet-bytes\n"
                       "[specific]\nsummary = specific\nhint = packet-bytes\ntitle = general protection fault in *\n"
                       "[urgent]\nsummary = urgent\nhint = packet-bytes\npriority = 5\n"
                       "[second-generic]\nsummary = second\nhint = packet-bytes\n"
                       "[to-disable]\nsummary = x\nhint = packet-bytes\n");
        char *d2 = put("prec2", "b.rules",
                       "[generic]\nsummary = replaced\nhint = packet-bytes\nurl = https://example.org/x\n"
                       "[to-disable]\nsummary = x\ndisabled = yes\n");
        struct vmc_analyzer *a = test_analyzer();
        char err[512] = "";
        struct vmc_report *r;

        (void) state;
        assert_int_equal(vmc_analyzer_add_rules(a, d1, err, sizeof(err)), 0);
        assert_int_equal(vmc_analyzer_add_rules(a, d2, err, sizeof(err)), 0);
        r = test_analyze_file(a, "explain/gpf-packet-acct_collect.log");
        assert_int_equal(r->n_known_issues, 4);
        assert_string_equal(r->known_issues[0].id, "urgent");
        assert_string_equal(r->known_issues[1].id, "specific");
        assert_string_equal(r->known_issues[2].id, "generic");
        assert_string_equal(r->known_issues[2].summary, "replaced");
        assert_string_equal(r->known_issues[2].url, "https://example.org/x");
        assert_non_null(strstr(r->known_issues[2].file, "prec2/b.rules"));
        assert_string_equal(r->known_issues[3].id, "second-generic");
        assert_string_equal(r->known_issues[1].matched,
                            "hint=packet-bytes, title=general protection fault in *");
        vmc_report_free(r);
        vmc_analyzer_free(a);
        free(d1);
        free(d2);
}

/* The shipped rules on the two analyses they come from. */
static void test_shipped(void **state) {
        struct vmc_report *r;

        (void) state;
        r = analyze_with(TEST_RULES_DIR, "explain/gpf-packet-acct_collect.log");
        assert_true(r->n_known_issues >= 2);
        assert_string_equal(r->known_issues[0].id, "nic-dma-task-memory-map");
        assert_true(has_issue(r, "nic-dma-into-freed-memory"));
        vmc_report_free(r);

        r = analyze_with(TEST_RULES_DIR, "explain/warn-chain-arm64.log");
        assert_true(has_issue(r, "skb-charged-to-socket-while-owned"));
        assert_true(has_issue(r, "tcp-recvmsg-seq-bug"));
        vmc_report_free(r);

        r = analyze_with(TEST_RULES_DIR, "explain/mce-fatal.log");
        assert_string_equal(r->known_issues[0].id, "hardware-error-crash");
        vmc_report_free(r);

        /* A plain kernel bug matches none of them. */
        r = analyze_with(TEST_RULES_DIR, "x86_64-6.1-bug.log");
        assert_int_equal(r->n_known_issues, 0);
        vmc_report_free(r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_bad_files),
                cmocka_unit_test(test_bad_file_among_good),
                cmocka_unit_test(test_versions),
                cmocka_unit_test(test_keys),
                cmocka_unit_test(test_precedence),
                cmocka_unit_test(test_shipped),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
