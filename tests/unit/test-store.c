/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The file:// store: objects whole or absent, nested keys, listing, reads,
 * bad keys refused, and the schemes not built yet said so. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "test-helpers.h"

struct fixture {
        char dir[64];
        struct vmc_store_url url;
        struct vmc_credentials cred;
        struct vmc_store *s;
};

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        char err[256] = "", url[128];
        struct vmc_store_options opt = { .connect_timeout = 10, .stall_timeout = 30 };

        snprintf(f->dir, sizeof(f->dir), "/tmp/vmcored-store-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        /* The store directory itself is created when missing. */
        snprintf(url, sizeof(url), "file://%s/store", f->dir);
        assert_int_equal(vmc_store_url_parse(url, false, &f->url, err, sizeof(err)), 0);
        assert_int_equal(vmc_store_open(&f->url, &f->cred, &opt, &f->s, err, sizeof(err)), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        char cmd[128];
        vmc_store_close(f->s);
        vmc_store_url_done(&f->url);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

static void test_put_get_stat(void **state) {
        struct fixture *f = *state;
        char err[256] = "", *data = NULL, path[256];
        uint64_t size = 0;
        size_t len = 0;

        assert_int_equal(vmc_store_put(f->s, "v1/crashes/c1/report.json", "{}\n", 3, err, sizeof(err)), 0);
        assert_int_equal(vmc_store_stat(f->s, "v1/crashes/c1/report.json", &size, err, sizeof(err)), 1);
        assert_int_equal(size, 3);
        assert_int_equal(vmc_store_get(f->s, "v1/crashes/c1/report.json", 1024, &data, &len, err, sizeof(err)), 0);
        assert_int_equal(len, 3);
        assert_string_equal(data, "{}\n");
        free(data);
        /* Replacing keeps one object. */
        assert_int_equal(vmc_store_put(f->s, "v1/crashes/c1/report.json", "{\"a\":1}", 7, err, sizeof(err)), 0);
        assert_int_equal(vmc_store_stat(f->s, "v1/crashes/c1/report.json", &size, err, sizeof(err)), 1);
        assert_int_equal(size, 7);
        /* Absent keys. */
        assert_int_equal(vmc_store_stat(f->s, "v1/crashes/c2/report.json", &size, err, sizeof(err)), 0);
        assert_int_equal(vmc_store_get(f->s, "v1/nothing", 1024, &data, &len, err, sizeof(err)), -ENOENT);
        /* Too large for a small read. */
        assert_int_equal(vmc_store_get(f->s, "v1/crashes/c1/report.json", 4, &data, &len, err, sizeof(err)), -EFBIG);
        /* On disk: the layout, and no temporary file left. */
        snprintf(path, sizeof(path), "%s/store/v1/crashes/c1/report.json", f->dir);
        assert_int_equal(access(path, R_OK), 0);
        snprintf(path, sizeof(path), "%s/store/v1/crashes/c1/.report.json.tmp-%d", f->dir, (int) getpid());
        assert_int_equal(access(path, F_OK), -1);
}

static void test_put_fd(void **state) {
        struct fixture *f = *state;
        char err[256] = "", src[128], *data = NULL;
        size_t big = (3U << 20) + 17, len = 0;
        uint8_t *buf = malloc(big);
        int fd;

        for (size_t i = 0; i < big; i++)
                buf[i] = (uint8_t) (i * 7 + (i >> 12));
        snprintf(src, sizeof(src), "%s/dump", f->dir);
        fd = open(src, O_RDWR | O_CREAT | O_TRUNC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, buf, big), (ssize_t) big);
        /* From the start, whatever the file offset. */
        assert_int_equal(vmc_store_put_fd(f->s, "v1/crashes/c1/vmcore", fd, err, sizeof(err)), 0);
        close(fd);
        assert_int_equal(vmc_store_get(f->s, "v1/crashes/c1/vmcore", big, &data, &len, err, sizeof(err)), 0);
        assert_int_equal(len, big);
        assert_memory_equal(data, buf, big);
        free(data);
        free(buf);
}

static void test_list(void **state) {
        struct fixture *f = *state;
        char err[256] = "", **names = NULL;
        size_t n = 0;

        assert_int_equal(vmc_store_put(f->s, "v1/fingerprints/fp1/c2.json", "x", 1, err, sizeof(err)), 0);
        assert_int_equal(vmc_store_put(f->s, "v1/fingerprints/fp1/c1.json", "x", 1, err, sizeof(err)), 0);
        assert_int_equal(vmc_store_put(f->s, "v1/fingerprints/fp2/c3.json", "x", 1, err, sizeof(err)), 0);
        assert_int_equal(vmc_store_list(f->s, "v1/fingerprints/fp1", &names, &n, err, sizeof(err)), 0);
        assert_int_equal(n, 2);
        assert_string_equal(names[0], "c1.json");
        assert_string_equal(names[1], "c2.json");
        vmc_store_names_free(names, n);
        assert_int_equal(vmc_store_list(f->s, "v1/fingerprints", &names, &n, err, sizeof(err)), 0);
        assert_int_equal(n, 2);
        vmc_store_names_free(names, n);
        assert_int_equal(vmc_store_list(f->s, "v1/none", &names, &n, err, sizeof(err)), 0);
        assert_int_equal(n, 0);
}

static void test_bad_keys(void **state) {
        struct fixture *f = *state;
        static const char *const bad[] = { "", "/abs", "a//b", "a/../b", "..", "a/./b", "a/b/", "a b", "a\nb" };
        char err[256];

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                err[0] = '\0';
                assert_int_equal(vmc_store_put(f->s, bad[i], "x", 1, err, sizeof(err)), -EINVAL);
                assert_non_null(strstr(err, "bad store key"));
        }
}

static void test_unwritable_and_incomplete(void **state) {
        struct fixture *f = *state;
        struct vmc_store_url u;
        struct vmc_store *s = NULL;
        struct vmc_store_options opt = { .connect_timeout = 10, .stall_timeout = 30 };
        char err[256] = "", path[128];

        /* A file where a directory of the layout should be. */
        snprintf(path, sizeof(path), "%s/store/v1/blocked", f->dir);
        assert_int_equal(vmc_store_put(f->s, "v1/blocked", "x", 1, err, sizeof(err)), 0);
        assert_true(vmc_store_put(f->s, "v1/blocked/x.json", "x", 1, err, sizeof(err)) < 0);
        assert_non_null(strstr(err, "v1/blocked"));
        /* A store whose parents are missing: created (a fresh host has no
         * /var/lib/vmcored). */
        char url[300];
        snprintf(url, sizeof(url), "file://%s/new/a/b", f->dir);
        assert_int_equal(vmc_store_url_parse(url, false, &u, err, sizeof(err)), 0);
        assert_int_equal(vmc_store_open(&u, &f->cred, &opt, &s, err, sizeof(err)), 0);
        assert_int_equal(vmc_store_put(s, "k", "x", 1, err, sizeof(err)), 0);
        vmc_store_close(s);
        s = NULL;
        vmc_store_url_done(&u);
        /* A store below a regular file: cannot be. */
        snprintf(url, sizeof(url), "file://%s/store/v1/blocked/store", f->dir);
        assert_int_equal(vmc_store_url_parse(url, false, &u, err, sizeof(err)), 0);
        assert_int_equal(vmc_store_open(&u, &f->cred, &opt, &s, err, sizeof(err)), -ENOTDIR);
        assert_non_null(strstr(err, "cannot create the store directory"));
        vmc_store_url_done(&u);
        /* Network stores refuse to open without what they need. */
        assert_int_equal(vmc_store_url_parse("s3://bucket/x", false, &u, err, sizeof(err)), 0);
        assert_int_equal(vmc_store_open(&u, &f->cred, &opt, &s, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "needs access_key and secret_key"));
        vmc_store_url_done(&u);
        assert_int_equal(vmc_store_url_parse("sftp://crash@host/srv", false, &u, err, sizeof(err)), 0);
        opt.ssh_key = "/etc/vmcored/ssh_key";
        assert_int_equal(vmc_store_open(&u, &f->cred, &opt, &s, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "needs [store] ssh_host_key"));
        opt.ssh_host_key = "SHA256:tooshort";
        snprintf(path, sizeof(path), "%s/key", f->dir);
        assert_int_equal(vmc_store_put(f->s, "key", "k", 1, err, sizeof(err)), 0);
        snprintf(path, sizeof(path), "%s/store/key", f->dir);
        opt.ssh_key = path;
        assert_int_equal(chmod(path, 0644), 0);
        assert_int_equal(vmc_store_open(&u, &f->cred, &opt, &s, err, sizeof(err)), -EPERM);
        assert_non_null(strstr(err, "chmod 600"));
        assert_int_equal(chmod(path, 0600), 0);
        assert_int_equal(vmc_store_open(&u, &f->cred, &opt, &s, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "must be a SHA256 fingerprint"));
        vmc_store_url_done(&u);
        /* SFTP quote commands cannot take a directory with spaces. */
        assert_int_equal(vmc_store_url_parse("sftp://crash@host/srv/my%20crashes", false, &u, err, sizeof(err)), 0);
        assert_int_equal(vmc_store_open(&u, &f->cred, &opt, &s, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "must not contain spaces"));
        vmc_store_url_done(&u);
}

static void test_delete(void **state) {
        struct fixture *f = *state;
        char err[256] = "";

        assert_int_equal(vmc_store_put(f->s, "v1/probe/x", "x", 1, err, sizeof(err)), 0);
        assert_int_equal(vmc_store_stat(f->s, "v1/probe/x", NULL, err, sizeof(err)), 1);
        assert_int_equal(vmc_store_delete(f->s, "v1/probe/x", err, sizeof(err)), 0);
        assert_int_equal(vmc_store_stat(f->s, "v1/probe/x", NULL, err, sizeof(err)), 0);
        /* Absent: not an error. */
        assert_int_equal(vmc_store_delete(f->s, "v1/probe/x", err, sizeof(err)), 0);
        assert_int_equal(vmc_store_delete(f->s, "../x", err, sizeof(err)), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_put_get_stat, setup, teardown),
                cmocka_unit_test_setup_teardown(test_put_fd, setup, teardown),
                cmocka_unit_test_setup_teardown(test_list, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_keys, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unwritable_and_incomplete, setup, teardown),
                cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
