/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Crash-title rules, transcribed from the specification in
 * shared/docs/crash-titles.md (which describes syzkaller's pkg/report
 * behaviour). The message texts are the kernel's own console messages. */

#include "title_rules.h"
#include "util.h"

/* Building blocks. */
#define R_PC "\\[<?(?:0x)?[0-9a-f]+>?\\]"
#define R_FUNC "([a-zA-Z0-9_]+)(?:\\.|\\+)"
#define R_SRC "([a-zA-Z0-9_/.-]+\\.[a-z]+:[0-9]+)"
#define R_TASK "[\\s\\S]{0,100}?"
#define R_LINES "(?:.*\\n)+?"
#define R_RIP                                                                   \
        "(?:IP|NIP|pc |PC is at):? (?:(?:[0-9]+:)?(?:" R_PC " +){0,2}" R_FUNC   \
        "|(?:[0-9]+:)?0x[0-9a-f]+|(?:[0-9]+:)?" R_PC " +\\[< *\\(null\\)>\\] +\\(null\\)" \
        "|[0-9]+: +\\(null\\))"
#define R_CALL_TRACE "(?:Call (?:T|t)race:)|(?:Backtrace:)"
#define R_AT_FUNC "at: (?:" R_PC " +)?" R_FUNC

const char title_rip_frame[] = R_RIP;
const char title_call_trace[] = R_CALL_TRACE;
const char title_fault_injection_frame[] =
        "^( \\[<?(?:0x)?[0-9a-f]+>?\\])? should_fail(slab)?(\\.[a-z0-9.]+)?\\+0x";
const char title_riscv_stack_start[] =
        "status: [0-9a-f]{16} badaddr: [0-9a-f]{16} cause: [0-9a-f]{16}";

/* RIP/PC frame first, then the call trace. */
#define STACK_RIP(...) \
        (&(const struct stack_rule){ .parts = { R_RIP, R_CALL_TRACE, TR_PARSE }, .skip = { __VA_ARGS__ } })
/* Only the RIP/PC frame. */
#define STACK_RIP_ONLY \
        (&(const struct stack_rule){ .parts = { R_RIP } })
/* The call trace only. */
#define STACK_CT(...) \
        (&(const struct stack_rule){ .parts = { R_CALL_TRACE, TR_PARSE }, .skip = { __VA_ARGS__ } })
/* WARNING: the RIP function (up to the call trace), else the call trace. */
#define STACK_WARN(...)                                                         \
        (&(const struct stack_rule){                                            \
                .parts = { "(?:" R_RIP "|--- interrupt: [0-9]+ at " R_FUNC ")", TR_PARSE }, \
                .alt_parts = { R_CALL_TRACE, TR_PARSE },                        \
                .skip = { __VA_ARGS__ } })
/* The header's own function, then the following frames. */
#define STACK_KFENCE \
        (&(const struct stack_rule){ .parts = { "BUG: KFENCE: (?:[a-z\\- ]+) in " R_FUNC, TR_PARSE } })

static const struct title_rule rules_bug[] = {
        { .title = "BUG: KASAN:",
          .report = "BUG: KASAN: ([a-z\\-]+) in " R_FUNC R_LINES ".*(Read|Write) (?:of size|at addr) (?:[0-9a-f]+)",
          .fmt = "KASAN: %1 %3 in %4",
          .alt = "bad-access in %4",
          .stack = &(const struct stack_rule){
                  .parts = { "BUG: KASAN: (?:[a-z\\-]+) in " R_FUNC, R_CALL_TRACE, TR_PARSE },
                  .skip = { "kernel_fault", "tag_check", "mem_abort", "^el1_", "^el1h_" } } },
        { .title = "BUG: KASAN:",
          .report = "BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in " R_FUNC,
          .fmt = "KASAN: invalid-free in %2",
          .alt = "invalid-free in %2",
          .stack = &(const struct stack_rule){
                  .parts = { "BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in " R_FUNC,
                             R_CALL_TRACE, TR_PARSE },
                  .skip = { "slab_", "kfree", "vunmap", "vfree" } } },
        { .title = "BUG: KASAN: ([a-z\\-]+) on address" R_LINES ".*(Read|Write) of size ([0-9]+)",
          .fmt = "KASAN: %1 %2" },
        { .title = "BUG: KASAN: (.*)",
          .fmt = "KASAN: %1",
          .flags = TR_CORRUPTED },
        { .title = "BUG: KMSAN: kernel-usb-infoleak",
          .report = "BUG: KMSAN: kernel-usb-infoleak in " R_FUNC,
          .fmt = "KMSAN: kernel-usb-infoleak in %2",
          .alt = "KMSAN origin in %3",
          .stack = &(const struct stack_rule){
                  .parts = { TR_PARSE, "(Local variable .* created at:|Uninit was created at:)", TR_PARSE },
                  .skip = { "alloc_skb", "usb_submit_urb", "usb_start_wait_urb", "usb_bulk_msg",
                            "usb_interrupt_msg", "usb_control_msg" } },
          .flags = TR_NO_STACK_TRACE },
        { .title = "BUG: KMSAN:",
          .report = "BUG: KMSAN: ([a-z\\-]+) in " R_FUNC,
          .fmt = "KMSAN: %1 in %3",
          .alt = "bad-access in %3",
          .stack = &(const struct stack_rule){
                  .parts = { TR_PARSE, "(Local variable .* created at:|Uninit was created at:)", TR_PARSE },
                  .skip = { "alloc_skb", "netlink_ack", "netlink_rcv_skb", "_encrypt$",
                            "^(?:crypto|cipher|drbg|rng)_" } },
          .flags = TR_NO_STACK_TRACE },
        { .title = "BUG: KCSAN: data-race",
          .report = "BUG: KCSAN: (.*)",
          .fmt = "KCSAN: %1",
          .flags = TR_NO_STACK_TRACE },
        { .title = "BUG: KCSAN:",
          .report = "BUG: KCSAN: (.*)",
          .fmt = "KCSAN: %1",
          .flags = TR_NO_STACK_TRACE },
        { .title = "BUG: KFENCE: (use-after-free|out-of-bounds) (read|write) in " R_FUNC,
          .fmt = "KFENCE: %1 %2 in %4",
          .alt = "bad-access in %4",
          .stack = STACK_KFENCE },
        { .title = "BUG: KFENCE: invalid free in " R_FUNC,
          .fmt = "KFENCE: invalid free in %2",
          .alt = "invalid-free in %2",
          .stack = STACK_KFENCE,
          .flags = TR_NO_STACK_TRACE },
        { .title = "BUG: KFENCE: invalid (read|write) in " R_FUNC,
          .fmt = "KFENCE: invalid %1 in %3",
          .alt = "bad-access in %3",
          .stack = STACK_KFENCE },
        { .title = "BUG: KFENCE: memory corruption in " R_FUNC,
          .fmt = "KFENCE: memory corruption in %2",
          .stack = STACK_KFENCE,
          .flags = TR_NO_STACK_TRACE },
        { .title = "BUG: (?:unable to handle kernel paging request|unable to handle page fault for address|Unable to handle kernel data access)",
          .fmt = "BUG: unable to handle kernel paging request in %1",
          .alt = "bad-access in %1",
          .stack = STACK_RIP() },
        { .title = "BUG: (?:unable to handle kernel NULL pointer dereference|kernel NULL pointer dereference|Kernel NULL pointer dereference)",
          .fmt = "BUG: unable to handle kernel NULL pointer dereference in %1",
          .alt = "bad-access in %1",
          .stack = STACK_RIP() },
        { .title = "BUG: (?:unable to handle kernel|Unable to handle kernel)",
          .fmt = "BUG: unable to handle kernel",
          .flags = TR_CORRUPTED },
        { .title = "BUG: (spinlock|rwlock) (lockup suspected|already unlocked|recursion|cpu recursion|bad magic|wrong owner|wrong CPU|trylock failure on UP)",
          .fmt = "BUG: %1 %2 in %3",
          .stack = STACK_CT("spin_", "_lock", "_unlock") },
        { .title = "BUG: soft lockup",
          .fmt = "BUG: soft lockup in %1",
          .alt = "stall in %1",
          .stack = &(const struct stack_rule){
                  .parts = { R_RIP, R_CALL_TRACE, TR_PARSE }, .extractor = EXTRACT_STALL } },
        { .title = "BUG: .*still has locks held!",
          .report = "BUG: .*still has locks held!" R_LINES ".*" R_PC " +" R_FUNC,
          .fmt = "BUG: still has locks held in %1" },
        { .title = "BUG: scheduling while atomic",
          .fmt = "BUG: scheduling while atomic in %1",
          .stack = STACK_CT("schedule") },
        { .title = "BUG: lock held when returning to user space",
          .report = "BUG: lock held when returning to user space" R_LINES
                    ".*leaving the kernel with locks still held" R_LINES ".*" R_AT_FUNC,
          .fmt = "BUG: lock held when returning to user space in %1",
          .flags = TR_NO_STACK_TRACE },
        { .title = "BUG: bad unlock balance detected!",
          .fmt = "BUG: bad unlock balance in %1",
          .stack = &(const struct stack_rule){
                  .parts = { R_PC " +" R_FUNC, R_CALL_TRACE, TR_PARSE } } },
        { .title = "BUG: held lock freed!",
          .report = "BUG: held lock freed!" R_LINES ".*" R_PC " +" R_FUNC,
          .fmt = "BUG: held lock freed in %1" },
        { .title = "BUG: Bad rss-counter state",
          .fmt = "BUG: Bad rss-counter state",
          .flags = TR_NO_STACK_TRACE },
        { .title = "BUG: non-zero nr_ptes on freeing mm",
          .fmt = "BUG: non-zero nr_ptes on freeing mm",
          .flags = TR_NO_STACK_TRACE },
        { .title = "BUG: non-zero nr_pmds on freeing mm",
          .fmt = "BUG: non-zero nr_pmds on freeing mm",
          .flags = TR_NO_STACK_TRACE },
        { .title = "BUG: Dentry .* still in use",
          .report = "BUG: Dentry .* still in use \\([0-9]+\\) \\[(unmount) of ([^\\]]+)\\]",
          .fmt = "BUG: Dentry still in use in %1",
          .alt = "BUG: Dentry still in use [%1 of %2]" },
        { .title = "BUG: Bad page (state|cache)",
          .fmt = "BUG: Bad page %1 in %2",
          .stack = &(const struct stack_rule){
                  .parts = { "page last allocated", TR_PARSE },
                  .skip = { "(free|put|get|update|release)_page", "free_unref", "^_*folio",
                            "truncate_inode_pages", "page_frag_free", "alloc", "vmap",
                            "page_owner" } } },
        { .title = "BUG: Bad page map",
          .fmt = "BUG: Bad page map" },
        { .title = "BUG: workqueue lockup",
          .fmt = "BUG: workqueue lockup",
          .flags = TR_NO_STACK_TRACE },
        { .title = "BUG: sleeping function called from invalid context at (.*)",
          .fmt = "BUG: sleeping function called from invalid context in %2",
          .stack = STACK_CT() },
        { .title = "BUG: using ([a-z_]+)\\(\\) in preemptible",
          .fmt = "BUG: using %1() in preemptible code in %2",
          .stack = STACK_CT("dump_stack", "preemption", "preempt", "debug_", "processor_id",
                            "this_cpu") },
        { .title = "BUG: workqueue leaked lock or atomic",
          .report = "BUG: workqueue leaked lock or atomic" R_LINES ".*last function: ([a-zA-Z0-9_]+)\\n",
          .fmt = "BUG: workqueue leaked lock or atomic in %1",
          .flags = TR_NO_STACK_TRACE },
        { .title = "BUG: memory leak",
          .fmt = "memory leak in %1",
          .stack = &(const struct stack_rule){
                  .parts = { "backtrace(?: \\(crc [[:xdigit:]]*\\))?:", TR_PARSE },
                  .skip = { "kmemleak", "mmap", "kmem", "slab", "alloc", "create_object",
                            "idr_get", "list_lru_init", "kasprintf", "kvasprintf",
                            "pcpu_create", "strdup", "strndup", "memdup" } } },
        { .title = "BUG: .*stack guard page was hit at",
          .fmt = "BUG: stack guard page was hit in %1",
          .alt = "stack-overflow in %1",
          .stack = &(const struct stack_rule){
                  .parts = { R_RIP, R_CALL_TRACE, TR_PARSE }, .extractor = EXTRACT_STALL } },
        { .title = "BUG: Invalid wait context",
          .fmt = "WARNING: locking bug in %1",
          .stack = STACK_CT("lock_sock", "release_sock") },
        { .title = "BUG:[[:space:]]*(?:\\n|$)",
          .fmt = "BUG: corrupted",
          .flags = TR_CORRUPTED },
        {}
};

static const struct title_rule rules_warning[] = {
        { .title = "WARNING: .*lib/debugobjects\\.c.* (?:debug_print|debug_check|at)",
          .fmt = "WARNING: ODEBUG bug in %1",
          .stack = STACK_WARN("debug_", "rcu", "hrtimer_", "timer_", "work_", "percpu_",
                              "vunmap", "vfree", "__free_", "debug_check", "kobject_") },
        { .title = "WARNING: .*mm/usercopy\\.c.* (?:usercopy_warn|at)",
          .fmt = "WARNING: bad usercopy in %1",
          .stack = STACK_WARN("usercopy", "__check") },
        { .title = "WARNING: .*lib/kobject\\.c.* (?:kobject_|at)",
          .fmt = "WARNING: kobject bug in %1",
          .stack = STACK_WARN("kobject_") },
        { .title = "WARNING: .*fs/proc/generic\\.c.* (?:proc_register|at)",
          .fmt = "WARNING: proc registration bug in %1",
          .stack = STACK_WARN("proc_") },
        { .title = "WARNING: .*lib/refcount\\.c.* (?:refcount_|at)",
          .fmt = "WARNING: refcount bug in %1",
          .stack = STACK_WARN("refcount", "kobject_") },
        { .title = "WARNING: .*kernel/locking/lockdep\\.c.*lock_",
          .fmt = "WARNING: locking bug in %1",
          .stack = STACK_WARN("lock_sock", "release_sock") },
        { .title = "WARNING: .*still has locks held!",
          .report = "WARNING: .*still has locks held!" R_LINES ".*at: " R_FUNC,
          .fmt = "WARNING: still has locks held in %1" },
        { .title = "WARNING: Nested lock was not taken",
          .fmt = "WARNING: nested lock was not taken in %1",
          .stack = STACK_WARN() },
        { .title = "WARNING: lock held when returning to user space",
          .report = "WARNING: lock held when returning to user space" R_LINES
                    ".*leaving the kernel with locks still held" R_LINES ".*" R_AT_FUNC,
          .fmt = "WARNING: lock held when returning to user space in %1",
          .flags = TR_NO_STACK_TRACE },
        { .title = "WARNING: .*mm/.*\\.c.* k?.?malloc",
          .fmt = "WARNING: kmalloc bug in %1",
          .stack = STACK_WARN("kmalloc", "krealloc", "slab", "kmem") },
        { .title = "WARNING: .*mm/vmalloc.c.*__vmalloc_node",
          .fmt = "WARNING: zero-size vmalloc in %1",
          .stack = STACK_WARN() },
        { .title = "WARNING: .* usb_submit_urb",
          .fmt = "WARNING in %1/usb_submit_urb",
          .stack = STACK_WARN("usb_submit_urb", "usb_start_wait_urb", "usb_bulk_msg",
                              "usb_interrupt_msg", "usb_control_msg") },
        { .title = "WARNING: " R_SRC " at 0x\\d+, CPU#\\d+",
          .fmt = "WARNING in %2",
          .stack = STACK_WARN() },
        { .title = "WARNING: .* at " R_SRC " " R_FUNC,
          .fmt = "WARNING in %3",
          .stack = STACK_WARN() },
        { .title = "WARNING: " R_SRC " at " R_FUNC,
          .fmt = "WARNING in %3",
          .stack = STACK_WARN() },
        { .title = "WARNING: \\[.*\\] " R_SRC " at " R_FUNC ".*",
          .fmt = "WARNING in %3",
          .stack = STACK_WARN() },
        { .title = "WARNING: possible circular locking dependency detected",
          .report = "WARNING: possible circular locking dependency detected" R_LINES ".*is trying to acquire lock",
          .fmt = "possible deadlock in %1",
          .stack = &(const struct stack_rule){
                  .parts = { R_AT_FUNC, R_AT_FUNC, TR_PARSE },
                  .skip = { "process_one_work", "flush_workqueue", "drain_workqueue",
                            "destroy_workqueue" } } },
        { .title = "WARNING: possible irq lock inversion dependency detected",
          .report = "WARNING: possible irq lock inversion dependency detected" R_LINES
                    ".*just changed the state of lock" R_LINES ".*" R_AT_FUNC,
          .fmt = "possible deadlock in %1" },
        { .title = "WARNING: .*-safe -> .*-unsafe lock order detected",
          .fmt = "possible deadlock in %1",
          .stack = &(const struct stack_rule){ .parts = { "which became (?:.*) at:", TR_PARSE } } },
        { .title = "WARNING: possible recursive locking detected",
          .report = "WARNING: possible recursive locking detected" R_LINES
                    ".*is trying to acquire lock" R_LINES ".*" R_AT_FUNC,
          .fmt = "possible deadlock in %1" },
        { .title = "WARNING: inconsistent lock state",
          .report = "WARNING: inconsistent lock state" R_LINES ".*takes" R_LINES ".*" R_AT_FUNC,
          .fmt = "inconsistent lock state in %2",
          .stack = STACK_CT() },
        { .title = "WARNING: suspicious RCU usage",
          .report = "WARNING: suspicious RCU usage" R_LINES ".*?" R_SRC,
          .fmt = "WARNING: suspicious RCU usage in %2",
          .stack = STACK_CT("rcu", "kmem", "slab") },
        { .title = "WARNING: kernel stack regs at [0-9a-f]+ in [^ ]* has bad '([^']+)' value",
          .fmt = "WARNING: kernel stack regs has bad '%1' value",
          .flags = TR_NO_STACK_TRACE },
        { .title = "WARNING: kernel stack frame pointer at [0-9a-f]+ in [^ ]* has bad value",
          .fmt = "WARNING: kernel stack frame pointer has bad value",
          .flags = TR_NO_STACK_TRACE },
        { .title = "WARNING: bad unlock balance detected!",
          .fmt = "WARNING: bad unlock balance in %1",
          .stack = &(const struct stack_rule){
                  .parts = { R_PC " +" R_FUNC, R_CALL_TRACE, TR_PARSE } } },
        { .title = "WARNING: held lock freed!",
          .report = "WARNING: held lock freed!" R_LINES ".*at:(?: " R_PC ")? +" R_FUNC,
          .fmt = "WARNING: held lock freed in %1" },
        { .title = "WARNING: kernel stack regs .* has bad 'bp' value",
          .fmt = "WARNING: kernel stack regs has bad value",
          .flags = TR_NO_STACK_TRACE },
        { .title = "WARNING: kernel stack frame pointer .* has bad value",
          .fmt = "WARNING: kernel stack regs has bad value",
          .flags = TR_NO_STACK_TRACE },
        { .title = "WARNING:[[:space:]]*(?:\\n|$)",
          .fmt = "WARNING: corrupted",
          .flags = TR_CORRUPTED },
        {}
};

static const struct title_rule rules_info[] = {
        { .title = "INFO: possible circular locking dependency detected",
          .report = "INFO: possible circular locking dependency detected \\]" R_LINES
                    ".*is trying to acquire lock" R_LINES ".*at: " R_PC " +" R_FUNC,
          .fmt = "possible deadlock in %1" },
        { .title = "INFO: possible irq lock inversion dependency detected",
          .report = "INFO: possible irq lock inversion dependency detected \\]" R_LINES
                    ".*just changed the state of lock" R_LINES ".*at: " R_PC " +" R_FUNC,
          .fmt = "possible deadlock in %1" },
        { .title = "INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected",
          .report = "INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected \\]" R_LINES
                    ".*is trying to acquire" R_LINES ".*at: " R_PC " +" R_FUNC,
          .fmt = "possible deadlock in %1" },
        { .title = "INFO: possible recursive locking detected",
          .report = "INFO: possible recursive locking detected \\]" R_LINES
                    ".*is trying to acquire lock" R_LINES ".*at: " R_PC " +" R_FUNC,
          .fmt = "possible deadlock in %1" },
        { .title = "INFO: inconsistent lock state",
          .report = "INFO: inconsistent lock state \\]" R_LINES ".*takes" R_LINES ".*at: " R_PC " +" R_FUNC,
          .fmt = "inconsistent lock state in %1" },
        { .title = "INFO: rcu_(?:preempt|sched|bh|tasks) (?:self-)?detected(?: expedited)? stall",
          .fmt = "INFO: rcu detected stall in %1",
          .alt = "stall in %1",
          .stack = &(const struct stack_rule){
                  .parts = { "apic_timer_interrupt", R_RIP, TR_PARSE },
                  .alt_parts = { "(?:apic_timer_interrupt|Exception stack|el1h_64_irq)", TR_PARSE },
                  .skip = { "apic_timer_interrupt", "rcu" },
                  .extractor = EXTRACT_STALL } },
        { .title = "INFO: trying to register non-static key",
          .fmt = "INFO: trying to register non-static key in %1",
          .stack = STACK_CT("stack", "lock", "IRQ") },
        { .title = "INFO: suspicious RCU usage",
          .report = "INFO: suspicious RCU usage" R_LINES ".*?" R_SRC,
          .fmt = "INFO: suspicious RCU usage in %2",
          .stack = STACK_CT("rcu", "kmem", "slab") },
        { .title = "INFO: task " R_TASK " blocked (?:in I/O wait )?for more than [0-9]+ seconds",
          .fmt = "INFO: task hung in %1",
          .alt = "hang in %1",
          .stack = &(const struct stack_rule){
                  .parts = { R_CALL_TRACE, TR_PARSE }, .extractor = EXTRACT_HANG } },
        { .title = "INFO: task " R_TASK " can't die for more than .* seconds",
          .fmt = "INFO: task can't die in %1",
          .alt = "hang in %1",
          .stack = STACK_CT("schedule") },
        { .title = "INFO: (Freed|Allocated) in (.*)",
          .fmt = "INFO: %1 in %2",
          .flags = TR_CORRUPTED },
        { .title = "INFO:[[:space:]]*(?:\\n|$)",
          .fmt = "INFO: corrupted",
          .flags = TR_CORRUPTED },
        {}
};

static const struct title_rule rules_unable_to_handle[] = {
        { .title = "Unable to handle kernel (paging request|NULL pointer dereference|access to user memory)",
          .fmt = "BUG: unable to handle kernel %1 in %2",
          .alt = "bad-access in %2",
          .stack = STACK_RIP() },
        {}
};

static const struct title_rule rules_gpf[] = {
        { .title = "general protection fault.*:",
          .fmt = "general protection fault in %1",
          .alt = "bad-access in %1",
          .stack = STACK_RIP() },
        {}
};

static const struct title_rule rules_stack_segment[] = {
        { .title = "stack segment: ",
          .fmt = "stack segment fault in %1",
          .stack = STACK_RIP() },
        {}
};

static const struct title_rule rules_kernel_panic[] = {
        { .title = "Kernel panic - not syncing: stack-protector:",
          .report = "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: " R_FUNC,
          .fmt = "kernel panic: stack is corrupted in %1",
          .flags = TR_NO_STACK_TRACE },
        { .title = "Kernel panic - not syncing: stack-protector:",
          .report = "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: [a-f0-9]+",
          .fmt = "kernel panic: stack is corrupted in %1",
          .stack = STACK_CT("stack_chk") },
        { .title = "Kernel panic - not syncing: corrupted stack end",
          .report = "Kernel panic - not syncing: corrupted stack end detected inside scheduler",
          .fmt = "kernel panic: corrupted stack end in %1",
          .alt = "stack-overflow in %1",
          .stack = &(const struct stack_rule){
                  .parts = { R_CALL_TRACE, TR_PARSE },
                  .skip = { "schedule", "retint_kernel" },
                  .extractor = EXTRACT_STALL } },
        { .title = "Kernel panic - not syncing: kernel stack overflow",
          .fmt = "kernel stack overflow in %1",
          .alt = "stack-overflow in %1",
          .stack = &(const struct stack_rule){
                  .parts = { R_CALL_TRACE, TR_PARSE },
                  .skip = { "bad_stack" },
                  .extractor = EXTRACT_STALL } },
        { .title = "Kernel panic - not syncing: Attempted to kill init!",
          .fmt = "kernel panic: Attempted to kill init!" },
        { .title = "Kernel panic - not syncing: Couldn't open N_TTY ldisc for [^ ]+ --- error -[0-9]+",
          .fmt = "kernel panic: Couldn't open N_TTY ldisc" },
        { .title = "Kernel panic - not syncing: Fatal exception",
          .fmt = "kernel panic: Fatal exception",
          .flags = TR_CORRUPTED },
        { .title = "Kernel panic - not syncing: panic_on_warn set",
          .fmt = "kernel panic: panic_on_warn set",
          .flags = TR_CORRUPTED },
        { .title = "Kernel panic - not syncing: hung_task: blocked tasks",
          .fmt = "kernel panic: hung_task: blocked tasks",
          .flags = TR_CORRUPTED },
        { .title = "Kernel panic - not syncing: (.*)",
          .fmt = "kernel panic: %1" },
        {}
};

static const struct title_rule rules_double_fault[] = {
        { .title = "PANIC: double fault", .fmt = "PANIC: double fault in %1", .stack = STACK_RIP_ONLY },
        {}
};

static const struct title_rule rules_rust_panic[] = {
        { .title = "rust_kernel: panicked",
          .report = "rust_kernel: panicked at [^\\n]*?\\n(.+?)\\n",
          .fmt = "%1 in %2",
          .stack = STACK_CT("__rustc::rust_begin_unwind") },
        {}
};

static const struct title_rule rules_kernel_bug[] = {
        { .title = "kernel BUG at mm/usercopy.c",
          .fmt = "BUG: bad usercopy in %1",
          .stack = STACK_CT("usercopy", "__check") },
        { .title = "kernel BUG at lib/list_debug.c",
          .fmt = "BUG: corrupted list in %1",
          .alt = "bad-access in %1",
          .stack = STACK_CT() },
        { .title = "kernel BUG at (.*)",
          .fmt = "kernel BUG in %2",
          .stack = STACK_RIP("^skb_") },
        {}
};

static const struct title_rule rules_capital_kernel_bug[] = {
        { .title = "Kernel BUG (.*)", .fmt = "kernel BUG %1" },
        {}
};

static const struct title_rule rules_kmalloc_bug[] = {
        { .title = "BUG kmalloc-.*: Object already free", .fmt = "BUG: Object already free" },
        {}
};

static const struct title_rule rules_divide_error[] = {
        { .title = "divide error: ", .fmt = "divide error in %1", .stack = STACK_RIP_ONLY },
        {}
};

static const struct title_rule rules_divide_error2[] = {
        { .title = "divide_error: ", .fmt = "divide error in %1", .stack = STACK_RIP_ONLY },
        {}
};

static const struct title_rule rules_invalid_opcode[] = {
        { .title = "invalid opcode: ", .fmt = "invalid opcode in %1", .stack = STACK_RIP_ONLY },
        {}
};

static const struct title_rule rules_int3[] = {
        { .title = "int3: ", .fmt = "int3 in %1", .stack = STACK_RIP() },
        {}
};

static const struct title_rule rules_ubsan[] = {
        { .title = "UBSAN:",
          .report = "UBSAN: Undefined behaviour in",
          .fmt = "UBSAN: undefined-behaviour in %1",
          .stack = STACK_CT("ubsan", "overflow") },
        { .title = "UBSAN: array-index-out-of-bounds in",
          .fmt = "UBSAN: array-index-out-of-bounds in %1",
          .alt = "bad-access in %1",
          .stack = STACK_CT("ubsan", "overflow") },
        { .title = "UBSAN:",
          .report = "UBSAN: (.*?) in",
          .fmt = "UBSAN: %1 in %2",
          .stack = STACK_CT("ubsan", "overflow") },
        {}
};

static const struct title_rule rules_reboot[] = {
        { .title = "^Booting the kernel", .fmt = "unexpected kernel reboot", .flags = TR_NO_STACK_TRACE },
        {}
};

static const struct title_rule rules_unregister_netdevice[] = {
        { .title = "unregister_netdevice: waiting for (?:.*) to become free",
          .fmt = "unregister_netdevice: waiting for DEV to become free",
          .flags = TR_NO_STACK_TRACE },
        {}
};

static const struct title_rule rules_vfs_close[] = {
        { .title = "VFS: Close: file count is 0",
          .fmt = "VFS: Close: file count is zero (use-after-free)",
          .flags = TR_NO_STACK_TRACE },
        {}
};

static const struct title_rule rules_vfs_busy[] = {
        { .title = "VFS: Busy inodes after unmount",
          .fmt = "VFS: Busy inodes after unmount (use-after-free)",
          .flags = TR_NO_STACK_TRACE },
        {}
};

static const struct title_rule rules_internal_error[] = {
        { .title = "Internal error:", .fmt = "Internal error in %1", .alt = "bad-access in %1",
          .stack = STACK_RIP() },
        {}
};

static const struct title_rule rules_unhandled_fault[] = {
        { .title = "Unhandled fault:", .fmt = "Unhandled fault in %1", .alt = "bad-access in %1",
          .stack = STACK_RIP() },
        {}
};

static const struct title_rule rules_alignment_trap[] = {
        { .title = "Alignment trap:", .fmt = "Alignment trap in %1", .stack = STACK_RIP() },
        {}
};

static const struct title_rule rules_trusty[] = {
        { .title = "trusty: panic.* ASSERT FAILED",
          .report = "trusty: panic \\(.*?\\):(?: DEBUG)? ASSERT FAILED at \\(.*?\\): (.+)",
          .fmt = "trusty: ASSERT FAILED: %1",
          .flags = TR_NO_STACK_TRACE },
        { .title = "trusty: panic.* ASSERT FAILED.*: *(.*)",
          .fmt = "trusty: ASSERT FAILED: %1",
          .flags = TR_CORRUPTED },
        { .title = "trusty: panic",
          .report = "trusty: panic \\(.*?\\): (.+)",
          .fmt = "trusty: panic: %1",
          .flags = TR_NO_STACK_TRACE },
        {}
};

static const struct title_rule rules_go_runtime[] = {
        { .title = "fatal error:", .fmt = "go runtime error", .flags = TR_NO_STACK_TRACE },
        {}
};

static const struct title_rule rules_syzfail[] = {
        { .title = "SYZFAIL:(.*)", .fmt = "SYZFAIL:%1", .flags = TR_NO_STACK_TRACE },
        {}
};

static const struct title_rule rules_syzfatal[] = {
        { .title = "SYZFATAL:(.*)()", .fmt = "SYZFATAL:%1", .alt = "SYZFATAL%2",
          .flags = TR_NO_STACK_TRACE },
        {}
};

static const struct title_rule rules_go_panic[] = {
        { .title = "panic: Sentry detected .* stuck task", .fmt = "panic: Sentry detected stuck tasks",
          .flags = TR_NO_STACK_TRACE },
        { .title = "panic:(.*)", .fmt = "panic:%1", .flags = TR_NO_STACK_TRACE },
        {}
};

/* The order matters: for a line containing several headers, the first
 * rule in this list decides the kind of report. */
const struct header_rule title_header_rules[] = {
        { "BUG:", rules_bug,
          { "ODEBUG:", "Boot_DEBUG:", "xlog_status:", "DEBUG:",
            "BUG: no syscalls can create resource" } },
        { "WARNING:", rules_warning,
          { "WARNING: /etc/ssh/moduli does not exist, using fixed modulus",
            "WARNING: workqueue cpumask: online intersect > possible intersect",
            "WARNING: [Tt]he mand mount option",
            "WARNING: Unsupported flag value\\(s\\) of 0x%x in DT_FLAGS_1",
            "WARNING: Unprivileged eBPF is enabled with eIBRS",
            "WARNING: fbcon: Driver '(.*)' missed to adjust virtual screen size (\\((?:\\d+)x(?:\\d+) vs\\. (?:\\d+)x(?:\\d+)\\))",
            "WARNING: See https.* for mitigation options.",
            "WARNING: kernel not compiled with CPU_SRSO",
            "EXT4-[Ff][Ss](?: \\(.*\\))?:",
            "(?i)warning: .* uses (deprecated v2 capabilities|wireless extensions)",
            "XFS \\(\\w+\\): WARNING" } },
        { "INFO:", rules_info,
          { "INFO: lockdep is turned off", "INFO: Stall ended before state dump start",
            "INFO: NMI handler", "INFO: recovery required on readonly filesystem",
            "(handler|interrupt).*took too long", "INFO: sys_.* is not present in /proc/kallsyms",
            "INFO: no syscalls can create resource", "rmt_storage:INFO:", "_INFO:" } },
        { "Unable to handle kernel", rules_unable_to_handle, { NULL } },
        { "general protection fault", rules_gpf, { "general protection fault .* error:\\d+ in " } },
        { "stack segment: ", rules_stack_segment, { NULL } },
        { "Kernel panic", rules_kernel_panic, { NULL } },
        { "PANIC: double fault", rules_double_fault, { NULL } },
        { "rust_kernel: panicked", rules_rust_panic, { NULL } },
        { "kernel BUG", rules_kernel_bug, { NULL } },
        { "Kernel BUG", rules_capital_kernel_bug, { NULL } },
        { "BUG kmalloc-", rules_kmalloc_bug, { NULL } },
        { "divide error:", rules_divide_error, { NULL } },
        { "divide_error:", rules_divide_error2, { NULL } },
        { "invalid opcode:", rules_invalid_opcode, { NULL } },
        { "int3:", rules_int3, { NULL } },
        { "UBSAN:", rules_ubsan, { NULL } },
        { "Booting the kernel.", rules_reboot, { "Parsing ELF|Decompressing Linux|Unknown parameter '" } },
        { "unregister_netdevice: waiting for", rules_unregister_netdevice, { NULL } },
        { "VFS: Close: file count is 0", rules_vfs_close, { NULL } },
        { "VFS: Busy inodes after unmount", rules_vfs_busy, { NULL } },
        { "Internal error:", rules_internal_error, { NULL } },
        { "Unhandled fault:", rules_unhandled_fault, { NULL } },
        { "Alignment trap:", rules_alignment_trap, { NULL } },
        { "trusty: panic", rules_trusty, { NULL } },
        { "fatal error:", rules_go_runtime, { "ALSA", "fatal error: cannot create timer" } },
        { "SYZFAIL:", rules_syzfail, { NULL } },
        { "SYZFATAL:", rules_syzfatal, { NULL } },
        { "panic:", rules_go_panic, { "_panic:", "xlog_status:", "ddb\\.onpanic:", "evtlog_status:" } },
};
const size_t title_header_rules_count = ELEMENTSOF(title_header_rules);

/* Frames too generic to blame (crash-titles.md §6.3). */
const char *const title_skip_frames[] = {
        "__sanitizer", "__asan", "kasan", "hwasan", "__msan", "kmsan", "kcsan_setup_watchpoint",
        "check_memory_region", "check_heap_object", "check_object", "read_word_at_a_time",
        "(read|write)_once_.*nocheck", "print_address_description", "panic", "invalid_op",
        "report_bug", "fixup_bug", "print_report", "print_usage_bug", "do_error",
        "_trap$|do_trap", "show_stack", "dump_stack", "walk_stack", "dump_backtrace",
        "warn_slowpath", "warn_alloc", "warn_bogus", "__warn", "alloc_page",
        "k?v?(?:m|z|c)alloc", "krealloc", "kmem_cache", "allocate_slab",
        "__alloc_frozen_pages_noprof", "folio_(?:alloc|unlock)", "filemap_alloc_folio",
        "__filemap_get_folio", "find_or_create_page", "do_read_cache_folio", "read_cache_page",
        "pagecache_get_page", "grab_cache_page_write_begin", "slab_", "debug_object",
        "timer_is_static_object", "work_is_static_object", "__might_fault", "print_unlock",
        "imbalance_bug", "lockdep", "bh_enable", "bh_disable", "perf_trace", "lock_acquire",
        "lock_release", "lock_class", "mark_lock", "(reacquire|mark)_held_locks", "raw_spin_rq",
        "spin_lock", "spin_trylock", "spin_unlock", "read_lock", "read_trylock", "write_lock",
        "write_trylock", "read_unlock", "write_unlock", "^down$", "down_read", "down_write",
        "down_read_trylock", "down_write_trylock", "down_trylock", "up_read", "up_write",
        "^mutex_", "^__mutex_", "^rt_mutex_", "owner_on_cpu", "osq_lock", "osq_unlock",
        "atomic(64)?_(dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try)",
        "(set|clear|change|test)_bit", "__wake_up", "^refcount_", "^kref_", "ref_tracker",
        "seqprop_assert", "memcpy", "memcmp", "memset", "memchr", "memmove", "memdup", "strcmp",
        "strncmp", "strcpy", "strlcpy", "strncpy", "strscpy", "strlen", "strstr", "strnstr",
        "strnlen", "strchr", "strdup", "strndup", "copy_to_user", "copy_from_user",
        "copy_to_iter", "copy_from_iter", "copy_page_to_iter", "copy_page_from_iter",
        "copy_folio_to_iter", "^copyin$", "^copyout$", "put_user", "get_user", "might_fault",
        "might_sleep", "list_add", "list_del", "list_replace", "list_move", "list_splice",
        "^rb_", "^__rb_", "_indirect_thunk_", "string", "pointer", "snprintf", "scnprintf",
        "kasprintf", "kvasprintf", "printk", "va_format", "dev_info", "dev_notice", "dev_warn",
        "dev_err", "dev_alert", "dev_crit", "dev_emerg", "program_check_exception",
        "program_check_common", "del_timer", "flush_work", "__cancel_work_timer",
        "cancel_work_sync", "try_to_grab_pending", "flush_workqueue", "drain_workqueue",
        "destroy_workqueue", "queue_work", "finish_wait", "kthread_stop", "kobject_",
        "add_uevent_var", "get_device_parent", "device_add", "device_del", "device_unregister",
        "device_destroy", "device_release", "devres_release_all", "hwrng_unregister",
        "i2c_del_adapter", "__unregister_client", "device_for_each_child", "rollback_registered",
        "unregister_netdev", "sysfs_remove", "device_remove_file", "tty_unregister_device",
        "dummy_urb_enqueue", "usb_kill_urb", "usb_kill_anchored_urbs", "usb_control_msg",
        "usb_hcd_submit_urb", "usb_submit_urb", "^complete$", "wait_for_completion",
        "^kv?free$", "kfree_skb", "readb$", "readw$", "readl$", "readq$", "writeb$", "writew$",
        "writel$", "writeq$", "logic_in", "logic_out", "^crc\\d+", "crc_itu_t",
        "__might_resched", "assertfail", "^iput$", "^iput_final$", "^ihold$",
        "hex_dump_to_buffer", "print_hex_dump", "^klist_", "(trace|lockdep)_(hard|soft)irq",
        "^(un)?lock_page", "stack_trace_consume_entry", "arch_stack_walk", "stack_trace_save",
        "insert_work", "__queue_delayed_work", "queue_delayed_work_on", "ida_free",
        "do_(kernel|translation)_fault", "do_mem_abort", "el1_abort", "el1h_64_sync(?:_handler)?",
        "print_tainted", "xas_(?:start|load|find)", "find_lock_entries",
        "truncate_inode_pages_range", "__phys_addr", "__fortify_report", "cleanup_srcu_struct",
        "rhashtable_lookup", "extract_(user|iter)_to_sg", "drop_nlink", "^get_taint$",
        "^put_device$", "lock_timer_base", "__timer_delete_sync", "sk_stop_timer_sync",
        "__mod_timer", "fast_dput", "dput", "mark_buffer_dirty",
        NULL
};

/* Generic dispatchers: the stall extractor blames the frame just above the
 * first of these (crash-titles.md §6.4). */
const char *const title_stall_anchors[] = {
        "process_one_work", "do_syscall_", "do_fast_syscall_", "sysenter_dispatch",
        "tracesys_phase2", "el0_svc_handler", "invoke_syscall", "ret_fast_syscall",
        "netif_receive_skb", "do_softirq", "call_timer_fn", "_run_timers", "run_timer_softirq",
        "hrtimer_run", "run_ksoftirqd", "smpboot_thread_fn", "^kthread$", "start_secondary",
        "cpu_startup_entry", "ret_from_fork", "vfs_write", "vfs_read", "vfs_iter_read",
        "vfs_iter_write", "do_iter_read", "do_iter_write", "call_read_iter", "call_write_iter",
        "new_sync_read", "new_sync_write", "vfs_ioctl", "ksys_ioctl", "compat_ioctl",
        "compat_sys_ioctl", "blkdev_driver_ioctl", "blkdev_ioctl", "do_iter_readv_writev",
        "^call_mmap", "mmap_region", "do_mmap", "do_dentry_open", "vfs_open", "^sock_sendmsg",
        "^sock_recvmsg", "^sock_release", "^__sock_release", "^setsockopt$", "kernel_setsockopt",
        "sock_common_setsockopt", "^listen$", "kernel_listen", "sk_common_release", "^sock_mmap",
        "^accept$", "kernel_accept", "^sock_do_ioctl", "^sock_ioctl", "^compat_sock_ioctl",
        "^nfnetlink_rcv_msg", "^rtnetlink_rcv_msg", "^netlink_dump",
        "^(sys_)?(socketpair|connect|ioctl)", "__do_fault", "do_page_fault", "^page_fault$",
        "__fput", "task_work_run", "exit_to_usermode", "smp_call_function", "tasklet_action",
        "tasklet_hi_action",
        NULL
};

/* Lines that begin a new stack section. */
const char *const title_stack_starts[] = {
        "Call (?:T|t)race",
        "Allocated:",
        "Allocated by task [0-9]+:",
        "Freed:",
        "Freed by task [0-9]+:",
        "[^k] backtrace(?: \\(crc [[:xdigit:]]*\\))?:",
        "Backtrace:",
        "Uninit was stored to memory at",
        title_riscv_stack_start,
        NULL
};

/* A frame line: optional PC tokens then "name." or "name+"; and the arm32
 * "(callee) from (caller+off/size)" form, which names two frames. */
const char *const title_frame_lines[] = {
        "^ *(?:" R_PC " ){0,2}" R_FUNC,
        "^ *" R_PC " \\(([a-zA-Z0-9_.]+)\\) from " R_PC " \\(" R_FUNC,
        NULL
};

/* Removed (one of them, the longest that applies) from guilty frames. */
const char *const title_syscall_prefixes[] = {
        "SYSC_", "SyS_", "sys_", "__x64_", "__ia32_", "__arm64_", "____sys_", "___sys_",
        "__sys_", "__se_", "__se_sys_", "__do_sys_", "compat_SYSC_", "compat_SyS_", "ksys_",
        NULL
};

/* Headers that may legitimately appear inside a report without starting
 * a second one. */
const char *const title_report_start_ignores[] = {
        "invalid opcode: 0000",
        "Kernel panic - not syncing",
        "unregister_netdevice: waiting for",
        "PANIC: double fault",
        "Internal error:",
        NULL
};

/* Informational messages that print a stack of their own. */
const char *const title_info_with_stack[] = {
        "vmalloc: allocation failure:",
        "FAULT_INJECTION: forcing a failure",
        "FAULT_FLAG_ALLOW_RETRY missing",
        NULL
};
