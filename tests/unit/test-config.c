/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Store URLs: every scheme, their defaults and each way to get one wrong;
 * sizes in settings. (The configuration file and credentials are tested
 * through `vmcored check-config` in tests/cli.) */

#include <errno.h>

#include "settings.h" /* daemon/config.h: a bare "config.h" is the build's here */
#include "store-url.h"
#include "test-helpers.h"

static struct vmc_store_url parse_ok(const char *url, bool allow_http) {
        struct vmc_store_url u;
        char err[512] = "";
        int r = vmc_store_url_parse(url, allow_http, &u, err, sizeof(err));
        if (r < 0)
                fail_msg("%s: %s", url, err);
        return u;
}

static void parse_bad(const char *url, bool allow_http, const char *says) {
        struct vmc_store_url u;
        char err[512] = "";
        assert_int_equal(vmc_store_url_parse(url, allow_http, &u, err, sizeof(err)), -EINVAL);
        if (!strstr(err, says))
                fail_msg("%s: '%s' does not say '%s'", url, err, says);
        assert_null(u.host);
        assert_null(u.path);
}

static void test_file(void **state) {
        struct vmc_store_url u;

        (void) state;
        u = parse_ok("file:///var/lib/vmcored/store/", false);
        assert_int_equal(u.scheme, VMC_STORE_FILE);
        assert_string_equal(u.path, "/var/lib/vmcored/store");
        vmc_store_url_done(&u);
        u = parse_ok("file:///srv/crash%20store", false);
        assert_string_equal(u.path, "/srv/crash store");
        vmc_store_url_done(&u);
        u = parse_ok("file:///", false);
        assert_string_equal(u.path, "/");
        vmc_store_url_done(&u);
        parse_bad("file://relative/dir", false, "absolute path");
        parse_bad("file:///bad%zzescape", false, "escape");
        parse_bad("file:///nul%00", false, "escape");
}

static void test_s3(void **state) {
        struct vmc_store_url u;

        (void) state;
        u = parse_ok("s3://crashes", false);
        assert_int_equal(u.scheme, VMC_STORE_S3);
        assert_string_equal(u.bucket, "crashes");
        assert_string_equal(u.path, "");
        assert_string_equal(u.region, "us-east-1");
        assert_string_equal(u.endpoint, "https://s3.us-east-1.amazonaws.com");
        vmc_store_url_done(&u);
        u = parse_ok("s3://crashes/fleet/a/?endpoint=https://127.0.0.1:7480&region=eu-1", false);
        assert_string_equal(u.bucket, "crashes");
        assert_string_equal(u.path, "fleet/a");
        assert_string_equal(u.endpoint, "https://127.0.0.1:7480");
        assert_string_equal(u.region, "eu-1");
        vmc_store_url_done(&u);
        u = parse_ok("s3://my-bucket.x?region=ap-south-1", false);
        assert_string_equal(u.endpoint, "https://s3.ap-south-1.amazonaws.com");
        vmc_store_url_done(&u);
        u = parse_ok("s3://bkt?endpoint=http%3A%2F%2F127.0.0.1%3A7480", true);
        assert_string_equal(u.endpoint, "http://127.0.0.1:7480");
        vmc_store_url_done(&u);
        parse_bad("s3://bkt?endpoint=http://127.0.0.1:7480", false, "allow_http");
        parse_bad("s3:///prefix", false, "needs a bucket");
        parse_bad("s3://Upper/x", false, "not a bucket name");
        parse_bad("s3://ab", false, "3 to 63");
        parse_bad("s3://bkt?color=red", false, "unknown parameter 'color'");
        parse_bad("s3://bkt?endpoint", false, "without '='");
        parse_bad("s3://bkt?endpoint=ftp://x", false, "endpoint must be");
        parse_bad("s3://bkt?region=", false, "bad value");
}

static void test_https_sftp(void **state) {
        struct vmc_store_url u;

        (void) state;
        u = parse_ok("https://crash.example.com:8443/upload/", false);
        assert_int_equal(u.scheme, VMC_STORE_HTTPS);
        assert_string_equal(u.host, "crash.example.com");
        assert_int_equal(u.port, 8443);
        assert_string_equal(u.path, "/upload");
        vmc_store_url_done(&u);
        u = parse_ok("https://[::1]:443", false);
        assert_string_equal(u.host, "[::1]");
        assert_string_equal(u.path, "");
        vmc_store_url_done(&u);
        u = parse_ok("http://127.0.0.1/dav", true);
        assert_int_equal(u.scheme, VMC_STORE_HTTP);
        vmc_store_url_done(&u);
        u = parse_ok("sftp://crash@10.0.0.5:2222/srv/crashes", false);
        assert_int_equal(u.scheme, VMC_STORE_SFTP);
        assert_string_equal(u.user, "crash");
        assert_string_equal(u.host, "10.0.0.5");
        assert_int_equal(u.port, 2222);
        assert_string_equal(u.path, "/srv/crashes");
        vmc_store_url_done(&u);
        parse_bad("http://127.0.0.1/dav", false, "allow_http");
        parse_bad("https://", false, "no host");
        parse_bad("https://host:0/", false, "bad port");
        parse_bad("https://host:99999/", false, "bad port");
        parse_bad("https://host:x/", false, "bad port");
        parse_bad("https://user:pw@host/", false, "no user or password");
        parse_bad("https://host/x?y=1", false, "no query");
        parse_bad("https://[::1/", false, "unclosed");
        parse_bad("sftp://host/x", false, "needs a user");
        parse_bad("sftp://u:pw@host/x", false, "no password");
        parse_bad("ftp://host/x", false, "not file://");
        parse_bad("https://host/a b", false, "spaces");
        parse_bad("", false, "not file://");
}

static uint64_t size_ok(const char *v) {
        struct vmc_config c;
        char err[512] = "";
        uint64_t n;

        assert_int_equal(vmc_config_init(&c), 0);
        if (vmc_config_set(&c, "capture", "keep_size", v, "test", err, sizeof(err)) < 0)
                fail_msg("%s: %s", v, err);
        n = c.keep_size;
        vmc_config_done(&c);
        return n;
}

static void size_bad(const char *v) {
        struct vmc_config c;
        char err[512] = "";

        assert_int_equal(vmc_config_init(&c), 0);
        assert_int_equal(vmc_config_set(&c, "capture", "keep_size", v, "test", err, sizeof(err)), -EINVAL);
        if (!strstr(err, "test: [capture] keep_size: '") || !strstr(err, "is not a size"))
                fail_msg("%s: '%s'", v, err);
        assert_int_equal(c.keep_size, UINT64_C(2) << 30); /* unchanged: the default */
        vmc_config_done(&c);
}

static void test_sizes(void **state) {
        (void) state;
        assert_int_equal(size_ok("0"), 0);
        assert_int_equal(size_ok("4096"), 4096);
        assert_int_equal(size_ok("4096B"), 4096);
        assert_int_equal(size_ok("5k"), 5 * 1024);
        assert_int_equal(size_ok("5K"), 5 * 1024);
        assert_int_equal(size_ok("300M"), UINT64_C(300) << 20);
        assert_int_equal(size_ok("2G"), UINT64_C(2) << 30);
        assert_int_equal(size_ok("3GiB"), UINT64_C(3) << 30);
        assert_int_equal(size_ok("2GB"), UINT64_C(2) << 30);
        assert_int_equal(size_ok("1T"), UINT64_C(1) << 40);
        assert_int_equal(size_ok("16777215T"), UINT64_C(16777215) << 40);
        size_bad("");
        size_bad("G");
        size_bad("-1");
        size_bad("1.5G");
        size_bad("12X");
        size_bad("2 G");
        size_bad("2Gi");
        size_bad("4096iB");
        size_bad("16777216T");                  /* 2^64 */
        size_bad("99999999999999999999");       /* beyond 64 bits */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sizes),
                cmocka_unit_test(test_file),
                cmocka_unit_test(test_s3),
                cmocka_unit_test(test_https_sftp),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
