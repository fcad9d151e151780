/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Events and the fatal event, on real logs of x86_64 and arm64 crashes. */

#include "test-helpers.h"

static int setup(void **state) {
        *state = test_analyzer();
        return 0;
}

static int teardown(void **state) {
        vmc_analyzer_free(*state);
        return 0;
}

static const char *reg(const struct oops_event *e, const char *name) {
        for (size_t i = 0; i < e->n_regs; i++)
                if (strcmp(e->regs[i].name, name) == 0)
                        return e->regs[i].value;
        return NULL;
}

/* A WARN with panic_on_warn: the WARN event, then the panic event. */
static void test_warning_panic_on_warn(void **state) {
        struct vmc_report *r = test_analyze_file(*state, "x86_64-6.1-warning-panic_on_warn.log");
        const struct oops_event *w, *p;

        assert_int_equal(r->n_events, 2);
        assert_int_equal(r->title_event, 0);
        assert_int_equal(r->fatal_event, 0);
        assert_int_equal(r->panic_event, 1);
        w = &r->events[0];
        p = &r->events[1];

        assert_string_equal(w->title, "WARNING in lkdtm_WARNING");
        assert_int_equal(w->kind, OOPS_WARNING);
        assert_true(w->crash);
        assert_int_equal(w->cpu, 0);
        assert_int_equal(w->pid, 1);
        assert_string_equal(w->comm, "init");
        assert_string_equal(w->taint, "GOE");
        assert_string_equal(w->release, "6.1.0-56-amd64");
        assert_string_equal(w->build, "#1  Debian 6.1.192-2");
        assert_string_equal(w->hardware,
                            "QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014");
        assert_string_equal(w->location, "/usr/src/lkdtm/bugs.c:85");
        assert_true(w->has_rip);
        assert_string_equal(w->rip.function, "lkdtm_WARNING");
        assert_string_equal(w->rip.module, "lkdtm");
        assert_int_equal(w->rip.offset, 0x13);

        /* the call trace of the WARN, not of the panic; user-mode registers
         * at its end are not the kernel's */
        assert_int_equal(w->n_frames, 11);
        assert_string_equal(w->frames[0].function, "direct_entry.cold");
        assert_string_equal(w->frames[0].module, "lkdtm");
        assert_false(w->frames[3].reliable);
        assert_string_equal(w->frames[10].function, "entry_SYSCALL_64_after_hwframe");
        assert_string_equal(reg(w, "RAX"), "0xffffffffc056a630");
        assert_string_equal(reg(w, "RSP"), "0xffffceb040013da8");
        assert_string_equal(reg(w, "CR2"), "0x0000000025f60000");
        assert_null(reg(w, "ORIG_RAX"));

        assert_true(w->has_modules);
        assert_int_equal(w->n_modules, 4);
        assert_string_equal(w->modules[0].name, "lkdtm");
        assert_string_equal(w->modules[0].flags, "OE");
        assert_null(w->modules[1].flags);

        assert_true(p->panic);
        assert_int_equal(p->kind, OOPS_PANIC);
        assert_string_equal(p->title, "kernel panic: kernel: panic_on_warn set ...");
        assert_string_equal(p->frames[1].function, "panic");
        vmc_report_free(r);
}

/* kernel BUG at: "invalid opcode: 0000 [#1]" continues it; then the panic. */
static void test_bug_and_fatal_exception(void **state) {
        struct vmc_report *r = test_analyze_file(*state, "x86_64-6.1-bug.log");
        const struct oops_event *e = &r->events[0];

        assert_int_equal(r->n_events, 2);
        assert_int_equal(r->fatal_event, 0);
        assert_int_equal(e->kind, OOPS_KERNEL_BUG);
        assert_int_equal(e->die_count, 1);
        assert_string_equal(e->location, "/usr/src/lkdtm/bugs.c:78");
        assert_string_equal(r->events[1].title, "kernel panic: Fatal exception");
        vmc_report_free(r);
}

/* Without a panic line (a kdump capture of an oops), the oops is fatal. */
static void test_bug_captured_by_kdump(void **state) {
        struct vmc_report *r = test_analyze_file(*state, "x86_64-6.1-bug-boot2.log");

        assert_int_equal(r->n_events, 1);
        assert_int_equal(r->panic_event, -1);
        assert_int_equal(r->fatal_event, 0);
        assert_string_equal(r->events[0].title, "kernel BUG in lkdtm_BUG");
        vmc_report_free(r);
}

/* Real crashes of Debian's arm64 kernel (6.1.0-56-arm64) in the lab's
 * arm64 guest, captured by kdump (the log from makedumpfile --dump-dmesg):
 * "Internal error: Oops", "Unable to handle kernel ...", "pc : "/"lr : ",
 * "Call trace:", and "Starting crashdump kernel..." without a panic line
 * after an oops. */
static void test_arm64_lab(void **state) {
        static const struct {
                const char *file, *title;
                enum oops_kind kind;
                const char *pc, *lr, *frame0, *x0;
                bool panic;
        } cases[] = {
                { "arm64-6.1-bug.log", "kernel BUG in crashtest_bug", OOPS_KERNEL_BUG, "crashtest_bug", "crashtest_write",
                  "crashtest_bug", "0xffffddc1ddc2d054", false },
                { "arm64-6.1-null.log",
                  "BUG: unable to handle kernel NULL pointer dereference in crashtest_null_deref", OOPS_NULL_DEREF,
                  "crashtest_null_deref", "crashtest_write", "crashtest_null_deref", NULL, false },
                /* A WARN traps (brk) in the function: lr points there too. */
                { "arm64-6.1-warning.log", "WARNING in crashtest_warning", OOPS_WARNING, "crashtest_warning",
                  "crashtest_warning", "crashtest_warning", NULL, true },
                { "arm64-6.1-softlockup.log", "BUG: soft lockup in proc_reg_write", OOPS_SOFT_LOCKUP, NULL, NULL,
                  NULL, NULL, true },
                { "arm64-6.1-sysrq.log", "kernel panic: sysrq triggered crash", OOPS_SYSRQ, NULL, NULL, NULL, NULL,
                  true },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct vmc_report *r = test_analyze_file(*state, cases[i].file);
                const struct oops_event *f;

                if (!r->title.title || strcmp(r->title.title, cases[i].title) != 0)
                        fprintf(stderr, "%s: title '%s'\n", cases[i].file, r->title.title);
                assert_non_null(r->title.title);
                assert_string_equal(r->title.title, cases[i].title);
                assert_true(r->fatal_event >= 0);
                f = &r->events[r->fatal_event];
                if (f->kind != cases[i].kind)
                        fprintf(stderr, "%s: kind %s\n", cases[i].file, oops_kind_name(f->kind));
                assert_int_equal(f->kind, cases[i].kind);
                /* kdump took over after the oops: no panic line. */
                assert_int_equal(r->panic_event >= 0, cases[i].panic);
                assert_string_equal(f->release, "6.1.0-56-arm64");
                if (cases[i].pc) {
                        assert_true(f->has_rip);
                        assert_string_equal(f->rip.function, cases[i].pc);
                        assert_string_equal(f->rip.module, "vmcored_crashtest");
                        assert_true(f->rip.has_offset);
                        assert_true(f->has_lr);
                        assert_string_equal(f->lr.function, cases[i].lr);
                        assert_true(f->n_frames > 0);
                        assert_string_equal(f->frames[0].function, cases[i].frame0);
                        assert_non_null(reg(f, "sp"));
                        assert_non_null(reg(f, "x29"));
                }
                if (cases[i].x0)
                        assert_string_equal(reg(f, "x0"), cases[i].x0);
                vmc_report_free(r);
        }
}

static void test_kinds(void **state) {
        static const struct {
                const char *file;
                enum oops_kind kind;        /* of the fatal event */
                const char *fatal_title;
        } cases[] = {
                { "x86_64-6.1-oom.log", OOPS_OOM, "oom-killer: out of memory" },
                { "x86_64-6.1-sysrq.log", OOPS_SYSRQ, "kernel panic: sysrq triggered crash" },
                { "x86_64-6.1-softlockup.log", OOPS_SOFT_LOCKUP, "BUG: soft lockup in full_proxy_write" },
                { "x86_64-6.1-exception.log", OOPS_NULL_DEREF,
                  "BUG: unable to handle kernel NULL pointer dereference in lkdtm_EXCEPTION" },
                { "x86_64-6.1-corrupt-list-del.log", OOPS_LIST_CORRUPTION,
                  "BUG: corrupted list in lkdtm_CORRUPT_LIST_DEL" },
                { "x86_64-6.1-refcount-inc-overflow.log", OOPS_REFCOUNT,
                  "WARNING: refcount bug in lkdtm_REFCOUNT_INC_OVERFLOW" },
                { "x86_64-6.1-corrupt-stack.log", OOPS_STACK_PROTECTOR,
                  "kernel panic: stack is corrupted in lkdtm_CORRUPT_STACK" },
                { "x86_64-6.1-exhaust-stack.log", OOPS_STACK_OVERFLOW,
                  "BUG: stack guard page was hit in full_proxy_write" },
                { "x86_64-6.1-spinlockup.log", OOPS_ATOMIC_SLEEP,
                  "BUG: scheduling while atomic in exit_to_user_mode_prepare" },
                { "x86_64-6.1-init-exit.log", OOPS_PANIC, "kernel panic: Attempted to kill init!" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct vmc_report *r = test_analyze_file(*state, cases[i].file);
                const struct oops_event *f;

                assert_true(r->fatal_event >= 0);
                f = &r->events[r->fatal_event];
                if (f->kind != cases[i].kind || strcmp(f->title, cases[i].fatal_title) != 0)
                        fprintf(stderr, "%s: kind %s title '%s'\n", cases[i].file, oops_kind_name(f->kind),
                                f->title);
                assert_int_equal(f->kind, cases[i].kind);
                assert_string_equal(f->title, cases[i].fatal_title);
                vmc_report_free(r);
        }
}

/* The OOM report is informational; with panic_on_oom it is the cause. */
static void test_oom(void **state) {
        struct vmc_report *r = test_analyze_file(*state, "x86_64-6.1-oom.log");
        const struct oops_event *o = &r->events[0];

        assert_int_equal(r->n_events, 2);
        assert_false(o->crash);
        assert_int_equal(o->kind, OOPS_OOM);
        assert_string_equal(o->comm, "dd");
        assert_int_equal(r->title_event, 1);
        assert_int_equal(r->fatal_event, 0);
        assert_true(r->events[1].n_frames > 0);
        vmc_report_free(r);
}

/* arm64, caller ids, two CPUs faulting at once: the oops that got its
 * "Internal error: Oops ... [#1]" out is the fatal one. */
static void test_arm64_interleaved(void **state) {
        struct vmc_report *r = test_analyze_file(*state, "titles/680.txt");
        const struct oops_event *f;

        assert_true(r->n_events >= 2);
        assert_true(r->fatal_event >= 0);
        f = &r->events[r->fatal_event];
        assert_int_equal(f->ctx_kind, KLOG_CTX_TASK);
        assert_int_equal(f->ctx_id, 3083);
        assert_int_equal(f->die_count, 1);
        assert_int_equal(f->pid, 3083);
        assert_string_equal(f->comm, "udevd");
        assert_true(f->has_rip);
        assert_string_equal(f->rip.function, "__kmem_cache_alloc_node");
        assert_string_equal(reg(f, "lr"), "__kmem_cache_alloc_node+0x80/0x350");
        assert_true(f->has_lr);
        assert_string_equal(f->lr.function, "__kmem_cache_alloc_node");
        assert_int_equal(f->lr.offset, 0x80);
        assert_string_equal(reg(f, "pstate"), "0x40400005");
        assert_non_null(reg(f, "x29"));
        assert_non_null(reg(f, "sp"));
        assert_true(f->n_frames > 5);
        assert_string_equal(vmc_report_arch(r), "arm64");
        vmc_report_free(r);
}

static char *replace_all(const char *s, const char *from, const char *to) {
        size_t n = 0, lf = strlen(from), lt = strlen(to);
        for (const char *p = strstr(s, from); p; p = strstr(p + lf, from))
                n++;
        char *out = malloc(strlen(s) + n * (lt > lf ? lt - lf : 0) + 1), *o = out;
        for (const char *p = s;;) {
                const char *q = strstr(p, from);
                if (!q) {
                        strcpy(o, p);
                        break;
                }
                memcpy(o, p, (size_t) (q - p));
                o += q - p;
                memcpy(o, to, lt);
                o += lt;
                p = q + lf;
        }
        return out;
}

/* A storm of WARNs before a panic_on_warn panic: the last WARN is fatal,
 * the first one gives the title. */
static void test_warn_storm(void **state) {
        size_t len = 0;
        char *log = test_read("x86_64-6.1-warning-boot2.log", &len);
        const char *cut = strstr(log, "Kernel panic");
        const char *start = strstr(log, "------------[ cut here ]");
        char *block, *text;

        assert_non_null(cut);
        assert_non_null(start);
        /* the WARN block, repeated with another function each time */
        while (cut > log && cut[-1] != '\n')
                cut--;
        while (start > log && start[-1] != '\n')
                start--;
        block = strndup(start, (size_t) (cut - start));
        char *b2 = replace_all(block, "lkdtm_WARNING", "second_warn");
        char *b3 = replace_all(block, "lkdtm_WARNING", "third_warn");
        assert_true(asprintf(&text, "%s%s%s%s", block, b2, b3, cut) > 0);

        struct vmc_report *r = test_analyze_buf(*state, text, strlen(text));
        assert_int_equal(r->n_events, 4);
        assert_string_equal(r->events[0].title, "WARNING in lkdtm_WARNING");
        assert_string_equal(r->events[1].title, "WARNING in second_warn");
        assert_string_equal(r->events[2].title, "WARNING in third_warn");
        assert_int_equal(r->title_event, 0);
        assert_int_equal(r->fatal_event, 2);
        assert_true(r->events[3].panic);
        vmc_report_free(r);
        free(b2);
        free(b3);
        free(block);
        free(text);
        free(log);
}

/* A log cut in the middle of the trace still yields the event. */
static void test_truncated(void **state) {
        size_t len = 0;
        char *log = test_read("x86_64-6.1-exception-boot2.log", &len);
        char *trace = strstr(log, "full_proxy_write");
        struct vmc_report *r;

        assert_non_null(trace);
        r = test_analyze_buf(*state, log, (size_t) (trace - log) + 5);
        assert_int_equal(r->n_events, 1);
        assert_int_equal(r->fatal_event, 0);
        assert_string_equal(r->events[0].title,
                            "BUG: unable to handle kernel NULL pointer dereference in lkdtm_EXCEPTION");
        assert_int_equal(r->events[0].n_frames, 1);
        vmc_report_free(r);
        free(log);
}

/* Messages the title rules do not know: hard lockup and machine check. */
static void test_hard_lockup_and_mce(void **state) {
        size_t len = 0;
        char *log = test_read("x86_64-6.1-softlockup-boot2.log", &len);
        char *text = replace_all(log, "watchdog: BUG: soft lockup - CPU#0 stuck for 13s! [init:1]",
                                 "NMI watchdog: Watchdog detected hard LOCKUP on cpu 0");
        char *text2 = replace_all(text, "softlockup: hung tasks", "Hard LOCKUP");
        struct vmc_report *r = test_analyze_buf(*state, text2, strlen(text2));
        const struct oops_event *f;

        assert_true(r->fatal_event >= 0);
        f = &r->events[r->fatal_event];
        assert_int_equal(f->kind, OOPS_HARD_LOCKUP);
        assert_string_equal(f->title, "BUG: hard lockup in full_proxy_write");
        assert_int_equal(f->cpu, 0);
        /* the crash title follows the title rules: the panic line */
        assert_string_equal(r->events[r->title_event].title, "kernel panic: Hard LOCKUP");
        vmc_report_free(r);
        free(text);
        free(text2);

        static const char mce[] =
                "[  100.000000] mce: [Hardware Error]: CPU 2: Machine Check Exception: 5 Bank 4: be00000000800400\n"
                "[  100.000001] mce: [Hardware Error]: RIP !INEXACT! 10:<ffffffff81045d5c> {intel_idle+0x9c/0x140}\n"
                "[  100.000002] mce: [Hardware Error]: TSC 2b8f8cba1c3ea ADDR 3fff81ff800 MISC 2000000086\n"
                "[  100.000003] Kernel panic - not syncing: Fatal machine check\n";
        r = test_analyze_buf(*state, mce, strlen(mce));
        assert_int_equal(r->n_events, 2);
        f = &r->events[r->fatal_event];
        assert_int_equal(f->kind, OOPS_HARDWARE_ERROR);
        assert_true(f->crash);
        assert_string_equal(f->title, "hardware error: machine check");
        assert_int_equal(r->events[1].kind, OOPS_HARDWARE_ERROR);
        vmc_report_free(r);

        /* a corrected error alone is no crash */
        static const char cmci[] = "[ 5.0] mce: [Hardware Error]: Machine check events logged\n";
        r = test_analyze_buf(*state, cmci, strlen(cmci));
        assert_int_equal(r->n_events, 1);
        assert_false(r->events[0].crash);
        assert_int_equal(r->title_event, -1);
        assert_int_equal(r->fatal_event, -1);
        vmc_report_free(r);
        free(log);
}

/* Two oopses, no panic: the later one (die counter #2) took the machine down. */
static void test_second_oops_is_fatal(void **state) {
        size_t len = 0;
        char *a = test_read("x86_64-6.1-exception-boot2.log", &len);
        char *b = replace_all(a, "[#1]", "[#2]");
        char *c = replace_all(b, "lkdtm_EXCEPTION", "second_oops");
        char *text;

        assert_true(asprintf(&text, "%s%s", a, c) > 0);
        struct vmc_report *r = test_analyze_buf(*state, text, strlen(text));
        assert_int_equal(r->n_events, 2);
        assert_int_equal(r->title_event, 0);
        assert_int_equal(r->fatal_event, 1);
        assert_int_equal(r->events[1].die_count, 2);
        assert_string_equal(r->events[1].title,
                            "BUG: unable to handle kernel NULL pointer dereference in second_oops");
        vmc_report_free(r);
        free(a);
        free(b);
        free(c);
        free(text);
}

static void test_no_crash(void **state) {
        static const char text[] = "[    0.000000] Linux version 6.1.0-56-amd64 (x) #1 SMP\n"
                                   "[    1.000000] random: crng init done\n";
        struct vmc_report *r = test_analyze_buf(*state, text, sizeof(text) - 1);

        assert_int_equal(r->n_events, 0);
        assert_int_equal(r->title_event, -1);
        assert_int_equal(r->fatal_event, -1);
        assert_null(r->fingerprint);
        assert_non_null(r->linux_banner);
        vmc_report_free(r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_warning_panic_on_warn),
                cmocka_unit_test(test_bug_and_fatal_exception),
                cmocka_unit_test(test_bug_captured_by_kdump),
                cmocka_unit_test(test_kinds),
                cmocka_unit_test(test_oom),
                cmocka_unit_test(test_arm64_interleaved),
                cmocka_unit_test(test_warn_storm),
                cmocka_unit_test(test_truncated),
                cmocka_unit_test(test_hard_lockup_and_mce),
                cmocka_unit_test(test_second_oops_is_fatal),
                cmocka_unit_test(test_no_crash),
                cmocka_unit_test(test_arm64_lab),
        };
        return cmocka_run_group_tests_name("oops", tests, setup, teardown);
}
