/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The built-in analyzers on kernel logs alone (the dump-based parts are
 * tested on real dumps: tests/vmcore, tests/e2e). The logs in
 * tests/data/explain/ follow the kernel's formats; see the README there. */

#include <json-c/json.h>

#include "hint.h"
#include "test-helpers.h"

static int setup(void **state) {
        *state = test_analyzer();
        return 0;
}

static int teardown(void **state) {
        vmc_analyzer_free(*state);
        return 0;
}

static const struct hint *need(const struct vmc_report *r, const char *kind) {
        const struct hint *h = hints_find(&r->hints, kind);
        if (!h) {
                fprintf(stderr, "no hint of kind %s; hints:\n", kind);
                for (size_t i = 0; i < r->hints.n; i++)
                        fprintf(stderr, "  %s: %s\n", r->hints.v[i].kind, r->hints.v[i].message);
                fail();
        }
        return h;
}

static const char *ev_str(const struct hint *h, const char *key) {
        json_object *v = NULL;
        if (!json_object_object_get_ex(h->evidence, key, &v) || !v) {
                fprintf(stderr, "hint %s has no evidence %s\n", h->kind, key);
                fail();
        }
        return json_object_get_string(v);
}

static void test_packet_bytes(void **state) {
        struct vmc_report *r = test_analyze_file(*state, "explain/gpf-packet-acct_collect.log");
        const struct hint *h = need(r, "packet-bytes");

        assert_int_equal(h->severity, HINT_CRITICAL);
        /* The fault address is the pointer in RAX + 8: the pointer is named. */
        assert_string_equal(ev_str(h, "value"), "0x004500087d7dca0b");
        assert_string_equal(ev_str(h, "registers"), "RAX");
        assert_string_equal(ev_str(h, "bytes"), "0b ca 7d 7d 08 00 45 00");
        assert_string_equal(ev_str(h, "ethertype"), "IPv4");
        assert_non_null(strstr(h->message, "Ethernet type 0x0800"));
        assert_non_null(strstr(h->message, "IPv4 header start"));
        /* The out-of-tree NIC driver is named; it is not in the stack. */
        h = need(r, "third-party-modules");
        assert_non_null(strstr(h->message, "i40e(OE)"));
        assert_null(hints_find(&r->hints, "module-frame"));
        assert_false(r->hardware_error);
        vmc_report_free(r);
}

static void test_poison_text_bitflip(void **state) {
        struct vmc_report *r = test_analyze_file(*state, "explain/gpf-poison-bitflip.log");
        const struct hint *h = need(r, "slab-poison");

        assert_string_equal(ev_str(h, "value"), "0x6b6b6b6b6b6b6b6b");
        assert_string_equal(ev_str(h, "poison"), "POISON_FREE");
        h = need(r, "list-poison");
        assert_string_equal(ev_str(h, "poison"), "LIST_POISON2");
        assert_string_equal(ev_str(h, "registers"), "RDX");
        h = need(r, "text");
        assert_string_equal(ev_str(h, "text"), "abcdefgh");
        /* RCX is RBX's page with bit 49 cleared. */
        h = need(r, "bit-flip");
        assert_string_equal(ev_str(h, "registers"), "RCX");
        assert_string_equal(ev_str(h, "mapped"), "0xffff9a2b4a3c1e68");
        /* Data that is no pattern (RBX, a normal pointer) gives nothing. */
        for (size_t i = 0; i < r->hints.n; i++)
                if (strcmp(r->hints.v[i].analyzer, "bad-pointer") == 0)
                        assert_null(strstr(r->hints.v[i].message, "0xffff9a2b4a3c1e00 in"));
        vmc_report_free(r);
}

static void test_null_offset_and_corrected_errors(void **state) {
        struct vmc_report *r = test_analyze_file(*state, "explain/corrected-then-null.log");
        const struct hint *h = need(r, "null-pointer");
        json_object *v;

        assert_true(json_object_object_get_ex(h->evidence, "offset", &v));
        assert_int_equal(json_object_get_int64(v), 0x18);
        /* No dump, no types: said so instead of a member name. */
        assert_non_null(strstr(h->message, "no kernel types"));
        /* Two corrected errors before the crash: a warning, not a hardware
         * crash; the EDAC banner is no error. */
        h = need(r, "corrected-hardware-errors");
        assert_int_equal(h->severity, HINT_WARNING);
        assert_true(json_object_object_get_ex(h->evidence, "corrected", &v));
        assert_int_equal(json_object_get_int(v), 2);
        assert_false(r->hardware_error);
        assert_null(hints_find(&r->hints, "hardware-error"));
        assert_string_equal(r->fingerprint, "fp1-411162c54cdcf912");
        /* Log only: the dump-based analyzers say why they did not run. */
        json_object *a = r->analyzers;
        bool slab_skipped = false;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *o = json_object_array_get_idx(a, i), *n, *s;
                if (json_object_object_get_ex(o, "name", &n) && strcmp(json_object_get_string(n), "slab") == 0)
                        slab_skipped = json_object_object_get_ex(o, "skipped", &s) &&
                                       strstr(json_object_get_string(s), "no crash dump");
        }
        assert_true(slab_skipped);
        vmc_report_free(r);
}

static void test_hardware_crash(void **state) {
        struct vmc_report *r = test_analyze_file(*state, "explain/mce-fatal.log");
        const struct hint *h = need(r, "hardware-error");

        assert_int_equal(h->severity, HINT_CRITICAL);
        assert_true(r->hardware_error);
        assert_non_null(strstr(h->message, "Machine Check Exception"));
        /* A hardware crash has a fingerprint of its own. */
        assert_non_null(r->fingerprint);
        assert_memory_equal(r->fingerprint, "fp1-hw-", 7);
        vmc_report_free(r);
}

static void test_event_chain(void **state) {
        struct vmc_report *r = test_analyze_file(*state, "explain/warn-chain-arm64.log");
        const struct hint *h = need(r, "lead-event");
        json_object *v;

        /* Four WARNs, panic_on_warn: the last is fatal, the first is the
         * lead (same socket buffer pointer in x1, same net/ipv4). */
        assert_string_equal(r->events[r->fatal_event].title, "WARNING in tcp_recvmsg");
        assert_true(json_object_object_get_ex(h->evidence, "event", &v));
        assert_int_equal(json_object_get_int(v), 0);
        assert_non_null(strstr(h->message, "WARNING in inet_sock_destruct"));
        assert_non_null(strstr(h->message, "0xffff8007d1ea5e00"));
        assert_non_null(strstr(h->message, "on CPU 12"));
        h = need(r, "earlier-reports");
        assert_true(json_object_object_get_ex(h->evidence, "events", &v));
        assert_int_equal(json_object_array_length(v), 3);
        vmc_report_free(r);
}

/* Reports that share nothing: no lead is claimed. */
static void test_unrelated_events(void **state) {
        static const char log[] =
                "[  10.000000] WARNING: CPU: 0 PID: 1 at drivers/gpu/drm/drm_vblank.c:728 drm_crtc_vblank_helper_get_vblank_timestamp+0x10/0x20\n"
                "[  10.000001] CPU: 0 PID: 1 Comm: init Not tainted 6.1.0-56-amd64 #1  Debian 6.1.192-2\n"
                "[  10.000002] RIP: 0010:drm_crtc_vblank_helper_get_vblank_timestamp+0x10/0x20\n"
                "[  10.000003] RAX: ffff9a2b40000000 RBX: 0000000000000001\n"
                "[  10.000004] Call Trace:\n"
                "[  10.000005]  <TASK>\n"
                "[  10.000006]  drm_update_vblank_count+0x1/0x10\n"
                "[  10.000007]  </TASK>\n"
                "[  10.000008] ---[ end trace 0000000000000000 ]---\n"
                "[  20.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
                "[  20.000001] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
                "[  20.000002] CPU: 1 PID: 5 Comm: kworker/1:0 Tainted: G        W          6.1.0-56-amd64 #1  Debian 6.1.192-2\n"
                "[  20.000003] RIP: 0010:ext4_finish_bio+0x3a/0x2a0\n"
                "[  20.000004] RAX: ffff9a2b50000000 RBX: 0000000000000001\n"
                "[  20.000005] Call Trace:\n"
                "[  20.000006]  <TASK>\n"
                "[  20.000007]  ext4_end_bio+0x47/0x130\n"
                "[  20.000008]  </TASK>\n";
        struct vmc_report *r = test_analyze_buf(*state, log, strlen(log));

        need(r, "earlier-reports");
        assert_null(hints_find(&r->hints, "lead-event"));
        /* The W taint is explained. */
        assert_non_null(strstr(need(r, "taint")->message, "W: the kernel warned before"));
        vmc_report_free(r);
}

/* The culprit: the module of the crash's instruction pointer and every
 * module in its stack, with their taint letters. */
static void test_culprit_module(void **state) {
        struct vmc_report *r = test_analyze_file(*state, "x86_64-6.1-exception.log");
        const struct hint *h = need(r, "module-frame");
        json_object *mods, *m, *v;

        assert_int_equal(h->severity, HINT_WARNING);
        assert_string_equal(ev_str(h, "module"), "lkdtm");
        assert_string_equal(ev_str(h, "function"), "lkdtm_EXCEPTION");
        assert_string_equal(ev_str(h, "module_flags"), "OE");
        assert_true(json_object_object_get_ex(h->evidence, "stack_modules", &mods));
        assert_int_equal(json_object_array_length(mods), 1);
        m = json_object_array_get_idx(mods, 0);
        assert_true(json_object_object_get_ex(m, "flags", &v));
        assert_string_equal(json_object_get_string(v), "OE");
        assert_non_null(strstr(h->message, "out-of-tree or proprietary modules in the crash's stack: lkdtm(OE)"));
        assert_non_null(strstr(need(r, "taint")->message, "O: an out-of-tree module was loaded"));
        vmc_report_free(r);
}

static void test_analyzers_off(void **state) {
        struct vmc_analyzer *a = test_analyzer();
        struct vmc_report *r;

        (void) state;
        vmc_analyzer_set_explain(a, false);
        r = test_analyze_file(a, "explain/gpf-packet-acct_collect.log");
        assert_int_equal(r->hints.n, 0);
        assert_string_equal(r->title.title, "general protection fault in acct_collect");
        vmc_report_free(r);
        vmc_analyzer_free(a);
}

/* Every hint's JSON has the documented members. */
static void test_json(void **state) {
        struct vmc_report *r = test_analyze_file(*state, "explain/gpf-packet-acct_collect.log");
        json_object *o = vmc_report_to_json(r), *hints, *h, *v;

        assert_true(json_object_object_get_ex(o, "hints", &hints));
        assert_true(json_object_array_length(hints) >= 2);
        h = json_object_array_get_idx(hints, 0);
        assert_true(json_object_object_get_ex(h, "analyzer", &v));
        assert_true(json_object_object_get_ex(h, "kind", &v));
        assert_true(json_object_object_get_ex(h, "severity", &v));
        assert_true(json_object_object_get_ex(h, "message", &v));
        assert_true(json_object_object_get_ex(h, "evidence", &v));
        assert_true(json_object_is_type(v, json_type_object));
        assert_true(json_object_object_get_ex(o, "known_issues", &v));
        assert_true(json_object_object_get_ex(o, "hardware_error", &v));
        assert_true(json_object_object_get_ex(o, "analyzers", &v));
        json_object_put(o);
        vmc_report_free(r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_packet_bytes),
                cmocka_unit_test(test_poison_text_bitflip),
                cmocka_unit_test(test_null_offset_and_corrected_errors),
                cmocka_unit_test(test_hardware_crash),
                cmocka_unit_test(test_event_chain),
                cmocka_unit_test(test_unrelated_events),
                cmocka_unit_test(test_culprit_module),
                cmocka_unit_test(test_analyzers_off),
                cmocka_unit_test(test_json),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
