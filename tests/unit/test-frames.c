/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Frame lines, instruction pointer lines and register dumps of x86_64,
 * i386, arm64, arm, powerpc and riscv oopses. */

#include "frames.h"
#include "test-helpers.h"

static enum trace_line parse(const char *line, uint8_t *stack, struct frame *f) {
        return frame_parse_trace_line(line, strlen(line), stack, f);
}

static void assert_frame(const char *line, const char *fn, uint64_t off, uint64_t size, const char *mod,
                         bool reliable) {
        uint8_t stack = FRAME_STACK_TASK;
        struct frame f;

        assert_int_equal(parse(line, &stack, &f), TRACE_FRAME);
        assert_string_equal(f.function, fn);
        assert_true(f.has_offset);
        assert_int_equal(f.offset, off);
        assert_int_equal(f.size, size);
        if (mod)
                assert_string_equal(f.module, mod);
        else
                assert_null(f.module);
        assert_int_equal(f.reliable, reliable);
        frame_done(&f);
}

static void test_x86_frames(void **state) {
        assert_frame(" direct_entry.cold+0x18/0x24 [lkdtm]", "direct_entry.cold", 0x18, 0x24, "lkdtm", true);
        assert_frame(" ? exit_to_user_mode_prepare+0x44/0x240", "exit_to_user_mode_prepare", 0x44, 0x240, NULL,
                     false);
        assert_frame(" [<ffffffff8128b43e>] ? kasan_report+0x1e/0x20", "kasan_report", 0x1e, 0x20, NULL, false);
        assert_frame(" [<ffffffff82d4e304>] __memset+0x24/0x30", "__memset", 0x24, 0x30, NULL, true);
        /* module with a build id, syzkaller-symbolized file:line */
        assert_frame(" nf_hook+0x1/0x2 [nf_tables 0123456789abcdef]", "nf_hook", 1, 2, "nf_tables", true);
        assert_frame(" vfs_write+0x2a5/0xa20 fs/read_write.c:583", "vfs_write", 0x2a5, 0xa20, NULL, true);

        uint8_t stack = FRAME_STACK_TASK;
        struct frame f;
        assert_int_equal(parse(" <IRQ>", &stack, &f), TRACE_MARKER);
        assert_int_equal(stack, FRAME_STACK_IRQ);
        assert_int_equal(parse(" dump_stack_lvl+0x44/0x5c", &stack, &f), TRACE_FRAME);
        assert_int_equal(f.stack, FRAME_STACK_IRQ);
        frame_done(&f);
        assert_int_equal(parse(" </IRQ>", &stack, &f), TRACE_MARKER);
        assert_int_equal(stack, FRAME_STACK_TASK);
        assert_int_equal(parse(" <NMI>", &stack, &f), TRACE_MARKER);
        assert_int_equal(stack, FRAME_STACK_NMI);
        assert_int_equal(parse(" </TASK>", &stack, &f), TRACE_END_MARKER);
        /* old x86: a marker glued to a frame */
        stack = FRAME_STACK_TASK;
        assert_int_equal(parse(" <EOI>  [<ffffffff81000000>] foo+0x1/0x2", &stack, &f), TRACE_FRAME);
        assert_string_equal(f.function, "foo");
        assert_int_equal(f.address, 0xffffffff81000000ULL);
        frame_done(&f);

        /* parts of a trace that are not frames */
        assert_int_equal(parse("RIP: 0033:0x47b7a0", &stack, &f), TRACE_SKIP);
        assert_int_equal(parse("RSP: 002b:00007ffcd51e9578 EFLAGS: 00000202 ORIG_RAX: 0000000000000001", &stack,
                               &f),
                         TRACE_SKIP);
        assert_int_equal(parse("Code: 40 00 48 c7 c2 e0 ff ff", &stack, &f), TRACE_SKIP);
        assert_int_equal(parse(" __dump_stack lib/dump_stack.c:77 [inline]", &stack, &f), TRACE_SKIP);
        /* the end of it */
        assert_int_equal(parse("Kernel panic - not syncing: Fatal exception", &stack, &f), TRACE_OTHER);
        assert_int_equal(parse("---[ end trace 0000000000000000 ]---", &stack, &f), TRACE_OTHER);
}

static void test_other_arch_frames(void **state) {
        uint8_t stack = FRAME_STACK_TASK;
        struct frame f;

        /* arm64 */
        assert_frame(" el0t_64_sync_handler+0x90/0xb8", "el0t_64_sync_handler", 0x90, 0xb8, NULL, true);
        assert_frame(" [<ffff000008088c28>] dump_backtrace+0x0/0x1f8", "dump_backtrace", 0, 0x1f8, NULL, true);
        /* powerpc: two address tokens and "(unreliable)" */
        assert_frame(" [c00000000ff0fb40] [c0000000008d7c1c] dump_stack+0xb0/0xf4 (unreliable)", "dump_stack", 0xb0,
                     0xf4, NULL, false);
        /* arm: callee from caller, old and new forms */
        assert_int_equal(parse("[<c010c4a0>] (unwind_backtrace) from [<c0109c44>] (show_stack+0x10/0x14)", &stack,
                               &f),
                         TRACE_FRAME);
        assert_string_equal(f.function, "unwind_backtrace");
        assert_int_equal(f.address, 0xc010c4a0);
        frame_done(&f);
        assert_int_equal(parse(" unwind_backtrace from show_stack+0x10/0x14", &stack, &f), TRACE_FRAME);
        assert_string_equal(f.function, "unwind_backtrace");
        assert_false(f.has_offset);
        frame_done(&f);
        /* arm exception stack dumps are skipped */
        assert_int_equal(parse("Exception stack(0xffffffc01ec87d20 to 0xffffffc01ec87e50)", &stack, &f), TRACE_SKIP);
        assert_int_equal(parse("7d20: ffffffc055663000 ffffff9009e02000 00000000000001b3", &stack, &f), TRACE_SKIP);
}

static void assert_ip(const char *line, const char *fn, const char *mod) {
        struct frame f;
        bool user = true;

        assert_true(frame_parse_ip_line(line, strlen(line), &f, &user));
        assert_false(user);
        assert_string_equal(f.function, fn);
        if (mod)
                assert_string_equal(f.module, mod);
        frame_done(&f);
}

static void test_ip_lines(void **state) {
        struct frame f;
        bool user = false;

        assert_ip("RIP: 0010:lkdtm_WARNING+0x13/0x20 [lkdtm]", "lkdtm_WARNING", "lkdtm");
        assert_ip("RIP: 0010:[<ffffffff82d4e304>]  [<ffffffff82d4e304>] __memset+0x24/0x30", "__memset", NULL);
        assert_ip("IP: [<ffffffff810a376f>] __call_rcu.constprop.76+0x1f/0x280 kernel/rcu/tree.c:3046",
                  "__call_rcu.constprop.76", NULL);
        assert_ip("EIP: is_bpf_text_address+0x1c/0x60", "is_bpf_text_address", NULL);
        assert_ip("pc : __kmem_cache_alloc_node+0x17c/0x350", "__kmem_cache_alloc_node", NULL);
        assert_ip("PC is at _snd_timer_stop.constprop.9+0x8c/0x208", "_snd_timer_stop.constprop.9", NULL);
        assert_ip("NIP [c000000000a7f1b8] sysrq_handle_crash+0x28/0x30", "sysrq_handle_crash", NULL);
        assert_ip("epc : walk_stackframe+0xfe/0x138", "walk_stackframe", NULL);

        assert_false(frame_parse_ip_line("RIP: 0033:0x47b7a0", 18, &f, &user));
        assert_true(user);
        assert_false(frame_parse_ip_line("PC is at 0xffffffffdeadbeef", 27, &f, &user));
        assert_false(user);
        assert_false(frame_parse_ip_line("CPU: 0 PID: 1 Comm: init", 24, &f, &user));
}

static void test_link_lines(void **state) {
        struct frame f;

        assert_true(frame_parse_link_line("lr : lkdtm_do_action+0x24/0x40 [lkdtm]", 38, &f));
        assert_string_equal(f.function, "lkdtm_do_action");
        assert_string_equal(f.module, "lkdtm");
        frame_done(&f);
        assert_true(frame_parse_link_line("LR is at snd_timer_stop+0x1/0x2", 31, &f));
        assert_string_equal(f.function, "snd_timer_stop");
        frame_done(&f);
        assert_false(frame_parse_link_line("lr : [<ffff0000080e4e08>] pstate: 60000145", 42, &f));
        assert_false(frame_parse_link_line("sp : ffff80000a0fbcf0", 21, &f));
}

static const char *reg(const struct reg *regs, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(regs[i].name, name) == 0)
                        return regs[i].value;
        return NULL;
}

static void test_registers(void **state) {
        struct reg *regs = NULL;
        size_t n = 0;

#define LINE(s) regs_parse_line(s, strlen(s), &regs, &n)
        assert_int_equal(LINE("RSP: 0018:ffffceb040013da8 EFLAGS: 00000202"), 2);
        assert_int_equal(LINE("RAX: ffffffffc056a630 RBX: 0000000000000008 RCX: c0000000ffffefff"), 3);
        assert_int_equal(LINE("FS:  0000000025f5b3c0(0000) GS:ffff8da14f600000(0000) knlGS:0000000000000000"), 3);
        assert_int_equal(LINE("CS:  0010 DS: 0000 ES: 0000 CR0: 0000000080050033"), 4);
        assert_int_equal(LINE("pc : lkdtm_BUG+0x10/0x18 [lkdtm]"), 1);
        assert_int_equal(LINE("lr : lkdtm_do_action+0x24/0x40 [lkdtm]"), 1);
        assert_int_equal(LINE("sp : ffff80000a0fbcf0"), 1);
        assert_int_equal(LINE("x29: ffff80000a0fbcf0 x28: ffff0000c2d48000 x27: 0000000000000000"), 3);
        assert_int_equal(LINE("pstate: 60400005 (nZCv daif +PAN -UAO -TCO -DIT -SSBS BTYPE=--)"), 1);

        /* lines that only look a bit like it */
        assert_int_equal(LINE("CPU: 0 PID: 1 Comm: init Tainted: G OE 6.1.0"), 0);
        assert_int_equal(LINE("Code: 0f 1f 80 00 00 00 00"), 0);
        assert_int_equal(LINE("Hardware name: QEMU Standard PC"), 0);
        assert_int_equal(LINE("RIP: 0010:lkdtm_WARNING+0x13/0x20 [lkdtm]"), 0);
        assert_int_equal(LINE("Call Trace:"), 0);
        assert_int_equal(LINE("Foo: 12"), 0);
#undef LINE

        assert_string_equal(reg(regs, n, "RSP"), "0xffffceb040013da8");
        assert_string_equal(reg(regs, n, "EFLAGS"), "0x00000202");
        assert_string_equal(reg(regs, n, "RAX"), "0xffffffffc056a630");
        assert_string_equal(reg(regs, n, "GS"), "0xffff8da14f600000");
        assert_string_equal(reg(regs, n, "knlGS"), "0x0000000000000000");
        assert_string_equal(reg(regs, n, "CR0"), "0x0000000080050033");
        assert_string_equal(reg(regs, n, "pc"), "lkdtm_BUG+0x10/0x18");
        assert_string_equal(reg(regs, n, "x28"), "0xffff0000c2d48000");
        assert_string_equal(reg(regs, n, "pstate"), "0x60400005");
        assert_null(reg(regs, n, "CPU"));
        regs_free(regs, n);
}

static void test_base_name(void **state) {
        assert_int_equal(frame_base_name_len("foo.isra.0"), 3);
        assert_int_equal(frame_base_name_len("bar.cold"), 3);
        assert_int_equal(frame_base_name_len("baz"), 3);
        assert_true(frame_is_trace_start("Call Trace:", 11));
        assert_true(frame_is_trace_start(" Call trace:", 12));
        assert_false(frame_is_trace_start("Call Trace", 10));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_x86_frames),
                cmocka_unit_test(test_other_arch_frames),
                cmocka_unit_test(test_ip_lines),
                cmocka_unit_test(test_link_lines),
                cmocka_unit_test(test_registers),
                cmocka_unit_test(test_base_name),
        };
        return cmocka_run_group_tests_name("frames", tests, NULL, NULL);
}
