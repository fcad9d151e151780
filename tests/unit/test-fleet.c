/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fleet view's pieces: --since, ids and fingerprints, records read from
 * JSON, duplicates merged, grouping and its order, filters, tables, and the
 * index on a file store (inbox taken in, segments merged, a duplicate
 * segment and garbage tolerated, nothing lost). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet-index.h"
#include "fleet-query.h"
#include "store.h"
#include "table.h"
#include "test-helpers.h"

static void test_since(void **state) {
        int64_t now = 1795324000, t;
        (void) state;

        assert_int_equal(vmc_parse_since("7d", now, &t), 0);
        assert_int_equal(t, now - 7 * 86400);
        assert_int_equal(vmc_parse_since("12h", now, &t), 0);
        assert_int_equal(t, now - 12 * 3600);
        assert_int_equal(vmc_parse_since("30m", now, &t), 0);
        assert_int_equal(t, now - 1800);
        assert_int_equal(vmc_parse_since("2w", now, &t), 0);
        assert_int_equal(t, now - 14 * 86400);
        assert_int_equal(vmc_parse_since("90s", now, &t), 0);
        assert_int_equal(t, now - 90);
        assert_int_equal(vmc_parse_since("2026-11-01", now, &t), 0);
        assert_int_equal(t, 1793491200);
        assert_int_equal(vmc_parse_since("2026-11-01T10:00:00Z", now, &t), 0);
        assert_int_equal(t, 1793491200 + 36000);
        for (const char *const *bad = (const char *const[]) { "", "7", "d", "7x", "-1d", "7dd", "2026-13-01",
                                                              "2026-11-01T10:00", "yesterday", NULL };
             *bad; bad++)
                assert_int_equal(vmc_parse_since(*bad, now, &t), -EINVAL);
}

static void test_ids(void **state) {
        (void) state;
        assert_true(vmc_crash_id_valid("20261122T051126Z-4e79dc8b1666"));
        assert_false(vmc_crash_id_valid("20261122T051126Z-4E79DC8B1666"));
        assert_false(vmc_crash_id_valid("20261122T051126Z-4e79dc8b166"));
        assert_false(vmc_crash_id_valid("../../etc/passwd"));
        assert_false(vmc_crash_id_valid(NULL));
        assert_true(vmc_fingerprint_valid("fp1-5a4e5bd28af4ce01"));
        assert_true(vmc_fingerprint_valid("fp1-hw-5a4e5bd28af4ce01"));
        assert_false(vmc_fingerprint_valid("fp1-"));
        assert_false(vmc_fingerprint_valid("fp1-5a4e/../x"));
        assert_false(vmc_fingerprint_valid("fp2-5a4e5bd28af4ce01"));
        assert_int_equal(vmc_crash_id_time("20261122T051126Z-4e79dc8b1666"), 1795324286);
        assert_true(vmc_crash_id_time("19700101T000000Z-4e79dc8b1666") == VMC_TIME_UNKNOWN);
}

static const char *record_text(char *buf, size_t len, const char *id, const char *fp, const char *host,
                               const char *kernel, bool dump, const char *issue) {
        char when[40] = "null";
        int64_t t = vmc_crash_id_time(id);

        if (t != VMC_TIME_UNKNOWN) {
                vmc_format_utc(t, when + 1);
                when[0] = '"';
                strcat(when, "\"");
        }
        snprintf(buf, len,
                 "{\"schema\":\"vmcored.fingerprint/1\",\"crash_id\":\"%s\",\"fingerprint\":\"%s\",\"title\":\"T %s\","
                 "\"crash_time\":%s,\"kernel\":\"%s\",\"arch\":\"x86_64\",\"host\":\"%s\",\"hardware_error\":%s,"
                 "\"known_issues\":[%s%s%s],\"dump\":%s}",
                 id, fp, fp, when, kernel, host, strncmp(fp, "fp1-hw-", 7) == 0 ? "true" : "false",
                 issue ? "{\"id\":\"" : "", issue ? issue : "", issue ? "\",\"summary\":\"s\",\"url\":\"u\"}" : "",
                 dump ? "true" : "false");
        return buf;
}

static void add_record(struct vmc_record_set *set, const char *id, const char *fp, const char *host,
                       const char *kernel, bool dump, const char *issue) {
        char buf[1024];
        struct vmc_crash_record r;
        json_object *o = json_tokener_parse(record_text(buf, sizeof(buf), id, fp, host, kernel, dump, issue));

        assert_non_null(o);
        assert_int_equal(vmc_crash_record_from_json(o, &r), 0);
        assert_int_equal(vmc_record_set_keep(set, o), 0);
        assert_int_equal(vmc_record_set_add(set, &r), 0);
}

static void test_record_json(void **state) {
        struct vmc_crash_record r;
        json_object *o;
        (void) state;

        o = json_tokener_parse("{\"crash_id\":\"20261122T051126Z-4e79dc8b1666\",\"fingerprint\":\"fp1-aa\"}");
        assert_int_equal(vmc_crash_record_from_json(o, &r), -EBADMSG); /* fingerprint too short */
        json_object_put(o);
        o = json_tokener_parse("{\"crash_id\":\"x\",\"fingerprint\":\"fp1-5a4e5bd28af4ce01\"}");
        assert_int_equal(vmc_crash_record_from_json(o, &r), -EBADMSG);
        json_object_put(o);
        o = json_tokener_parse("[1,2]");
        assert_int_equal(vmc_crash_record_from_json(o, &r), -EBADMSG);
        json_object_put(o);
        /* No crash_time: the id's time; none there either: unknown. */
        o = json_tokener_parse("{\"crash_id\":\"20261122T051126Z-4e79dc8b1666\",\"fingerprint\":\"fp1-5a4e5bd28af4ce01\","
                               "\"crash_time\":null}");
        assert_int_equal(vmc_crash_record_from_json(o, &r), 0);
        assert_int_equal(r.time, 1795324286);
        assert_null(r.kernel);
        json_object_put(o);
        o = json_tokener_parse("{\"crash_id\":\"19700101T000000Z-4e79dc8b1666\",\"fingerprint\":\"fp1-5a4e5bd28af4ce01\"}");
        assert_int_equal(vmc_crash_record_from_json(o, &r), 0);
        assert_true(r.time == VMC_TIME_UNKNOWN);
        json_object_put(o);
}

#define FA "fp1-aaaaaaaaaaaaaaaa"
#define FB "fp1-bbbbbbbbbbbbbbbb"
#define FC "fp1-hw-cccccccccccccccc"

static void fill(struct vmc_record_set *set) {
        add_record(set, "20261120T010000Z-000000000001", FA, "h1", "6.1.0-25-amd64", false, NULL);
        add_record(set, "20261121T010000Z-000000000002", FA, "h2", "6.1.0-26-amd64", true, "issue-a");
        add_record(set, "20261122T010000Z-000000000003", FA, "h1", "6.1.0-26-amd64", false, NULL);
        add_record(set, "20261119T010000Z-000000000004", FB, "h3", "5.10.0-32-amd64", true, NULL);
        add_record(set, "20261122T020000Z-000000000005", FB, "h3", "5.10.0-32-amd64", true, "issue-b");
        add_record(set, "20261122T030000Z-000000000006", FC, "h4", "6.1.0-26-amd64", false, NULL);
        add_record(set, "20261118T030000Z-000000000007", FC, "h5", "6.1.0-26-amd64", false, NULL);
        /* A duplicate of crash 3 that says the dump is stored: it wins. */
        add_record(set, "20261122T010000Z-000000000003", FA, "h1", "6.1.0-26-amd64", true, NULL);
}

static void test_group(void **state) {
        struct vmc_record_set set = {};
        struct vmc_fleet_filter f = { .since = VMC_TIME_UNKNOWN };
        struct vmc_fleet_group *g;
        size_t n;
        (void) state;

        fill(&set);
        vmc_record_set_dedup(&set);
        assert_int_equal(set.n, 7);
        assert_int_equal(vmc_fleet_group(&set, &f, &g, &n), 0);
        assert_int_equal(n, 3);
        assert_string_equal(g[0].fingerprint, FA);
        assert_int_equal(g[0].count, 3);
        assert_int_equal(g[0].hosts, 2);
        assert_int_equal(g[0].dumps, 2); /* the duplicate's dump counts */
        assert_int_equal(g[0].n_kernels, 2);
        assert_string_equal(g[0].kernels[0], "6.1.0-25-amd64");
        assert_int_equal(g[0].first, vmc_crash_id_time("20261120T010000Z-000000000001"));
        assert_int_equal(g[0].last, vmc_crash_id_time("20261122T010000Z-000000000003"));
        assert_int_equal(json_object_array_length(g[0].known_issues), 1);
        /* Two crashes each: the more recent last crash first (FC at 03:00). */
        assert_string_equal(g[1].fingerprint, FC);
        assert_true(g[1].hardware_error);
        assert_int_equal(g[1].hosts, 2);
        assert_string_equal(g[2].fingerprint, FB);
        assert_int_equal(g[2].hosts, 1);
        vmc_fleet_groups_free(g, n);

        f.kernel = "6.1.0-2*";
        f.since = vmc_crash_id_time("20261121T000000Z-000000000000");
        assert_int_equal(vmc_fleet_group(&set, &f, &g, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(g[0].count, 2); /* FA: crashes 2 and 3 */
        assert_int_equal(g[1].count, 1); /* FC: crash 6 */
        vmc_fleet_groups_free(g, n);

        f = (struct vmc_fleet_filter) { .since = VMC_TIME_UNKNOWN, .host = "h3" };
        assert_int_equal(vmc_fleet_group(&set, &f, &g, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(g[0].fingerprint, FB);
        vmc_fleet_groups_free(g, n);
        vmc_record_set_done(&set);
}

static void test_table(void **state) {
        static const char *const h[] = { "A", "LONGER", "C" };
        const char *r1[] = { "xyz", "1", "tab\there" }, *r2[] = { NULL, "22", "c" };
        struct vmc_table *t = vmc_table_new(3, h);
        char *buf = NULL;
        size_t len = 0;
        FILE *f;
        (void) state;

        assert_non_null(t);
        assert_int_equal(vmc_table_add(t, r1), 0);
        assert_int_equal(vmc_table_add(t, r2), 0);
        f = open_memstream(&buf, &len);
        assert_int_equal(vmc_table_print(t, true, f), 0);
        fclose(f);
        assert_string_equal(buf, "A    LONGER  C\nxyz  1       tab here\n-    22      c\n");
        free(buf);
        f = open_memstream(&buf, &len);
        assert_int_equal(vmc_table_print(t, false, f), 0);
        fclose(f);
        assert_string_equal(buf, "A\tLONGER\tC\nxyz\t1\ttab here\n-\t22\tc\n");
        free(buf);
        vmc_table_free(t);
}

/* ---- the index on a file store ---- */

static char root[] = "/tmp/vmcored-test-fleet.XXXXXX";

static struct vmc_store *open_store(struct vmc_store_url *url) {
        struct vmc_store_options opt = { .retries = 1 };
        struct vmc_store *s = NULL;
        char u[256], err[512];

        snprintf(u, sizeof(u), "file://%s", root);
        assert_int_equal(vmc_store_url_parse(u, false, url, err, sizeof(err)), 0);
        assert_int_equal(vmc_store_open(url, &(struct vmc_credentials) {}, &opt, &s, err, sizeof(err)), 0);
        return s;
}

static void put_inbox(struct vmc_store *s, const char *id, const char *fp, bool dump) {
        char buf[1024], key[128], err[256];
        snprintf(key, sizeof(key), "v1/inbox/%s%s.json", id, dump ? ".dump" : "");
        record_text(buf, sizeof(buf), id, fp, "h1", "6.1.0-26-amd64", dump, NULL);
        assert_int_equal(vmc_store_put(s, key, buf, strlen(buf), err, sizeof(err)), 0);
}

static size_t count(struct vmc_store *s, const char *prefix) {
        char **names, err[256];
        size_t n;
        assert_int_equal(vmc_store_list(s, prefix, &names, &n, err, sizeof(err)), 0);
        vmc_store_names_free(names, n);
        return n;
}

static size_t load_all(struct vmc_store *s, struct vmc_fleet_source *src) {
        struct vmc_fleet_load_options lo = { .since = VMC_TIME_UNKNOWN };
        struct vmc_record_set set = {};
        char err[256];
        size_t n;

        assert_int_equal(vmc_fleet_load(s, &lo, &set, src, err, sizeof(err)), 0);
        n = set.n;
        vmc_record_set_done(&set);
        return n;
}

static void test_index(void **state) {
        struct vmc_store_url url = {};
        struct vmc_store *s;
        struct vmc_index_options io = {};
        struct vmc_index_result res;
        struct vmc_fleet_source src;
        char err[512], cmd[256], **names;
        size_t n;
        (void) state;

        assert_non_null(mkdtemp(root));
        s = open_store(&url);
        put_inbox(s, "20261121T010000Z-000000000001", FA, false);
        put_inbox(s, "20261121T010000Z-000000000001", FA, true);
        put_inbox(s, "20261122T010000Z-000000000002", FB, false);
        put_inbox(s, "19700101T000000Z-000000000003", FB, false);
        assert_int_equal(vmc_store_put(s, "v1/inbox/garbage.json", "{", 1, err, sizeof(err)), 0);
        assert_int_equal(load_all(s, &src), 3);
        assert_int_equal(src.inbox, 3); /* the earlier copy of crash 1 is not read */
        assert_int_equal(src.skipped, 1);

        assert_int_equal(vmc_fleet_index(s, &io, &res, err, sizeof(err)), 0);
        assert_int_equal(res.indexed, 3);
        assert_int_equal(res.days, 3); /* 2026-11-21, 2026-11-22, unknown */
        assert_int_equal(res.inbox_removed, 4);
        assert_int_equal(count(s, "v1/inbox"), 1); /* the garbage stays for a human */
        assert_int_equal(count(s, "v1/index"), 4); /* 3 days and the catalog */
        assert_int_equal(load_all(s, &src), 3);
        assert_int_equal(src.segments, 3);
        assert_int_equal(src.inbox, 0);

        /* A second indexer's segment for the same day, holding crash 2 again
         * and a new one: read as the union, merged by the next run. */
        assert_int_equal(vmc_store_list(s, "v1/index", &names, &n, err, sizeof(err)), 0);
        snprintf(cmd, sizeof(cmd), "cp %s/v1/index/%s %s/v1/index/2026-11-22.20261122T235959Z-ffffffffffff.json",
                 root, names[1], root);
        vmc_store_names_free(names, n);
        assert_int_equal(system(cmd), 0);
        put_inbox(s, "20261122T050000Z-000000000004", FA, true);
        assert_int_equal(load_all(s, &src), 4);
        assert_int_equal(vmc_fleet_index(s, &io, &res, err, sizeof(err)), 0);
        assert_int_equal(res.days, 1);
        assert_int_equal(res.segments_removed, 2);
        assert_int_equal(count(s, "v1/index"), 4);
        assert_int_equal(load_all(s, &src), 4);

        /* A segment that is not one is left alone and said. */
        assert_int_equal(vmc_store_put(s, "v1/index/2026-11-23.x-1.json", "[]", 2, err, sizeof(err)), 0);
        assert_int_equal(load_all(s, &src), 4);
        assert_int_equal(src.skipped, 2); /* it and the inbox's garbage */

        vmc_store_close(s);
        vmc_store_url_done(&url);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        assert_int_equal(system(cmd), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_since),  cmocka_unit_test(test_ids),   cmocka_unit_test(test_record_json),
                cmocka_unit_test(test_group),  cmocka_unit_test(test_table), cmocka_unit_test(test_index),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
