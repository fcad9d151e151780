/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The report as JSON (docs/report-schema.md) and as text. */

#include "test-helpers.h"

static int setup(void **state) {
        *state = test_analyzer();
        return 0;
}

static int teardown(void **state) {
        vmc_analyzer_free(*state);
        return 0;
}

/* Serializes and parses back with UTF-8 validation, as a consumer would. */
static json_object *roundtrip(const struct vmc_report *r) {
        json_object *o = vmc_report_to_json(r), *back;
        struct json_tokener *tok = json_tokener_new();
        const char *s;

        assert_non_null(o);
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        back = json_tokener_parse_ex(tok, s, (int) strlen(s));
        if (!back)
                fprintf(stderr, "JSON does not parse back: %s\n",
                        json_tokener_error_desc(json_tokener_get_error(tok)));
        assert_non_null(back);
        json_tokener_free(tok);
        json_object_put(o);
        return back;
}

static json_object *field(json_object *o, const char *key, json_type type) {
        json_object *v = NULL;
        if (!json_object_object_get_ex(o, key, &v)) {
                fprintf(stderr, "missing key %s\n", key);
                fail();
        }
        if (json_object_get_type(v) != type) {
                fprintf(stderr, "key %s has type %s\n", key, json_type_to_name(json_object_get_type(v)));
                fail();
        }
        return v;
}

static void test_schema(void **state) {
        struct vmc_report *r = test_analyze_file(*state, "x86_64-6.1-warning-panic_on_warn.log");
        json_object *o = roundtrip(r), *k, *events, *e, *frames, *f, *regs;

        assert_string_equal(json_object_get_string(field(o, "schema", json_type_string)), "vmcored.report/1");
        assert_string_equal(json_object_get_string(field(o, "title", json_type_string)), "WARNING in lkdtm_WARNING");
        field(o, "alt_titles", json_type_array);
        assert_string_equal(json_object_get_string(field(o, "type", json_type_string)), "WARNING");
        assert_string_equal(json_object_get_string(field(o, "kind", json_type_string)), "warning");
        assert_false(json_object_get_boolean(field(o, "corrupted", json_type_boolean)));
        field(o, "corrupted_reason", json_type_null);
        assert_string_equal(json_object_get_string(field(o, "fingerprint", json_type_string)),
                            "fp1-122a9ee1c7733062");
        assert_int_equal(strlen(json_object_get_string(field(o, "koops_duphash", json_type_string))), 40);
        assert_string_equal(json_object_get_string(field(field(o, "guilty_frame", json_type_object), "module",
                                                         json_type_string)),
                            "lkdtm");
        assert_int_equal(json_object_get_int(field(o, "title_event", json_type_int)), 0);
        assert_int_equal(json_object_get_int(field(o, "fatal_event", json_type_int)), 0);
        assert_true(json_object_get_boolean(field(o, "panicked", json_type_boolean)));
        assert_string_equal(json_object_get_string(field(o, "panic_message", json_type_string)),
                            "kernel: panic_on_warn set ...");

        k = field(o, "kernel", json_type_object);
        assert_string_equal(json_object_get_string(field(k, "release", json_type_string)), "6.1.0-56-amd64");
        assert_string_equal(json_object_get_string(field(k, "arch", json_type_string)), "x86_64");
        assert_string_equal(json_object_get_string(field(k, "taint", json_type_string)), "GOE");
        assert_int_equal(json_object_array_length(field(k, "taint_flags", json_type_array)), 2);
        assert_int_equal(json_object_array_length(field(k, "modules", json_type_array)), 4);
        assert_string_equal(json_object_get_string(field(field(k, "module_flags", json_type_object), "lkdtm",
                                                         json_type_string)),
                            "OE");

        events = field(o, "events", json_type_array);
        assert_int_equal(json_object_array_length(events), 2);
        e = json_object_array_get_idx(events, 0);
        assert_string_equal(json_object_get_string(field(e, "title", json_type_string)), "WARNING in lkdtm_WARNING");
        assert_true(json_object_get_boolean(field(e, "fatal", json_type_boolean)));
        assert_true(json_object_get_boolean(field(e, "crash", json_type_boolean)));
        assert_int_equal(json_object_get_int(field(e, "line", json_type_int)), 368);
        assert_int_equal(json_object_get_int(field(e, "cpu", json_type_int)), 0);
        assert_int_equal(json_object_get_int(field(e, "pid", json_type_int)), 1);
        assert_string_equal(json_object_get_string(field(e, "comm", json_type_string)), "init");
        field(e, "timestamp", json_type_double);
        field(e, "rip", json_type_object);
        frames = field(e, "frames", json_type_array);
        assert_int_equal(json_object_array_length(frames), 11);
        f = json_object_array_get_idx(frames, 0);
        assert_string_equal(json_object_get_string(field(f, "function", json_type_string)), "direct_entry.cold");
        assert_int_equal(json_object_get_int(field(f, "offset", json_type_int)), 0x18);
        assert_int_equal(json_object_get_int(field(f, "size", json_type_int)), 0x24);
        assert_string_equal(json_object_get_string(field(f, "module", json_type_string)), "lkdtm");
        field(f, "address", json_type_null);
        assert_true(json_object_get_boolean(field(f, "reliable", json_type_boolean)));
        regs = field(e, "registers", json_type_object);
        assert_string_equal(json_object_get_string(field(regs, "RAX", json_type_string)), "0xffffffffc056a630");
        field(e, "modules", json_type_array);

        e = json_object_array_get_idx(events, 1);
        assert_false(json_object_get_boolean(field(e, "fatal", json_type_boolean)));
        assert_string_equal(json_object_get_string(field(e, "kind", json_type_string)), "panic");

        json_object_put(o);
        vmc_report_free(r);
}

static void test_no_crash_json(void **state) {
        static const char text[] = "[ 1.0] nothing to see\n";
        struct vmc_report *r = test_analyze_buf(*state, text, sizeof(text) - 1);
        json_object *o = roundtrip(r);

        field(o, "title", json_type_null);
        field(o, "fingerprint", json_type_null);
        field(o, "fatal_event", json_type_null);
        assert_false(json_object_get_boolean(field(o, "panicked", json_type_boolean)));
        assert_int_equal(json_object_array_length(field(o, "events", json_type_array)), 0);
        json_object_put(o);
        vmc_report_free(r);
}

/* Bytes that are not UTF-8 in the log must not make the JSON invalid. */
static void test_junk_bytes(void **state) {
        size_t len = 0;
        char *log = test_read("x86_64-6.1-warning-panic_on_warn.log", &len);
        char *p = strstr(log, "Comm: init");
        char *h = strstr(log, "QEMU Standard PC");

        assert_non_null(p);
        assert_non_null(h);
        p[6] = (char) 0xff;     /* "Comm: \xffnit" */
        h[0] = (char) 0xc3;     /* a lone lead byte */
        h[1] = 0;               /* and a NUL inside the line */
        struct vmc_report *r = test_analyze_buf(*state, log, len);
        json_object *o = roundtrip(r);
        json_object *e = json_object_array_get_idx(field(o, "events", json_type_array), 0);

        assert_string_equal(json_object_get_string(field(e, "comm", json_type_string)), "\xef\xbf\xbdnit");
        assert_string_equal(json_object_get_string(field(o, "title", json_type_string)), "WARNING in lkdtm_WARNING");
        json_object_put(o);
        vmc_report_free(r);
        free(log);
}

static void test_text_summary(void **state) {
        struct vmc_report *r = test_analyze_file(*state, "x86_64-6.1-oom.log");
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_int_equal(vmc_report_print(r, f), 0);
        fclose(f);
        assert_non_null(strstr(buf, "title        kernel panic: Out of memory: system-wide panic_on_oom is enabled"));
        assert_non_null(strstr(buf, "fingerprint  fp1-"));
        assert_non_null(strstr(buf, "oom-killer: out of memory  <- fatal"));
        assert_non_null(strstr(buf, "task         CPU 0 PID 105 comm dd"));
        free(buf);
        vmc_report_free(r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_schema),
                cmocka_unit_test(test_no_crash_json),
                cmocka_unit_test(test_junk_bytes),
                cmocka_unit_test(test_text_summary),
        };
        return cmocka_run_group_tests_name("report", tests, setup, teardown);
}
