/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>

#include "needles.h"
#include "oops.h"
#include "regex.h"
#include "strbuf.h"
#include "util.h"

/* Lines after a header that still belong to its report at most; a report
 * that long is a log that lost its end markers. */
#define EVENT_MAX_LINES 1500
/* How far a continuation line ("Oops:", "invalid opcode: 0000") may be
 * from the header it continues. */
#define ATTACH_WINDOW 40
#define MAX_FRAMES 256
#define MAX_MODULES 2048

static const char *const kind_names[_OOPS_KIND_MAX] = {
        [OOPS_WARNING] = "warning",
        [OOPS_BUG] = "bug",
        [OOPS_KERNEL_BUG] = "kernel_bug",
        [OOPS_OOPS] = "oops",
        [OOPS_PAGE_FAULT] = "page_fault",
        [OOPS_NULL_DEREF] = "null_deref",
        [OOPS_GPF] = "general_protection",
        [OOPS_KASAN] = "kasan",
        [OOPS_KFENCE] = "kfence",
        [OOPS_KMSAN] = "kmsan",
        [OOPS_KCSAN] = "kcsan",
        [OOPS_UBSAN] = "ubsan",
        [OOPS_SOFT_LOCKUP] = "soft_lockup",
        [OOPS_HARD_LOCKUP] = "hard_lockup",
        [OOPS_RCU_STALL] = "rcu_stall",
        [OOPS_HUNG_TASK] = "hung_task",
        [OOPS_LOCKDEP] = "lockdep",
        [OOPS_LIST_CORRUPTION] = "list_corruption",
        [OOPS_REFCOUNT] = "refcount",
        [OOPS_STACK_PROTECTOR] = "stack_protector",
        [OOPS_STACK_OVERFLOW] = "stack_overflow",
        [OOPS_ATOMIC_SLEEP] = "atomic_sleep",
        [OOPS_OOM] = "oom",
        [OOPS_PANIC] = "panic",
        [OOPS_HARDWARE_ERROR] = "hardware_error",
        [OOPS_SYSRQ] = "sysrq",
        [OOPS_DOUBLE_FAULT] = "double_fault",
        [OOPS_DIVIDE_ERROR] = "divide_error",
        [OOPS_INVALID_OPCODE] = "invalid_opcode",
        [OOPS_MEMORY_LEAK] = "memory_leak",
        [OOPS_BAD_PAGE] = "bad_page",
        [OOPS_BAD_USERCOPY] = "bad_usercopy",
        [OOPS_OTHER] = "other",
};

const char *oops_kind_name(enum oops_kind k) {
        return k >= 0 && k < _OOPS_KIND_MAX ? kind_names[k] : "other";
}

/* Messages that matter under kdump but start no report in the title rules. */
enum ext_kind {
        EXT_NONE,
        EXT_HARD_LOCKUP,
        EXT_OOM,
        EXT_OOM_KILL,
        EXT_HW_ERROR,
        EXT_OOPS,
        EXT_SYSRQ,
        EXT_END,
};

static const struct {
        const char *needle;
        enum ext_kind kind;
} ext_needles[] = {
        { "Watchdog detected hard LOCKUP", EXT_HARD_LOCKUP },
        { " invoked oom-killer: ", EXT_OOM },
        { "Out of memory: Kill", EXT_OOM_KILL },
        { "[Hardware Error]:", EXT_HW_ERROR },
        { "Machine check events logged", EXT_HW_ERROR },
        { "SError Interrupt on CPU", EXT_HW_ERROR },
        { "Oops: ", EXT_OOPS },
        { "sysrq: Trigger a crash", EXT_SYSRQ },
        { "SysRq : Trigger a crash", EXT_SYSRQ },
        { "---[ end trace", EXT_END },
        { "---[ end Kernel panic", EXT_END },
};

struct oops_engine {
        struct needles *ext_scan;
        struct vre *cpu_line;
        struct vre *pid_line;
        struct vre *taint_line;
        struct vre *warn_at;
        struct vre *warn_at_new;
        struct vre *warn_at_old;
        struct vre *bug_at;
        struct vre *soft_lockup;
        struct vre *hung_task;
        struct vre *hard_lockup;
        struct vre *sched_atomic;
        struct vre *oom_invoked;
        struct vre_pool *pool;
};

void oops_engine_free(struct oops_engine *o) {
        if (!o)
                return;
        needles_free(o->ext_scan);
        vre_free(o->cpu_line);
        vre_free(o->pid_line);
        vre_free(o->taint_line);
        vre_free(o->warn_at);
        vre_free(o->warn_at_new);
        vre_free(o->warn_at_old);
        vre_free(o->bug_at);
        vre_free(o->soft_lockup);
        vre_free(o->hung_task);
        vre_free(o->hard_lockup);
        vre_free(o->sched_atomic);
        vre_free(o->oom_invoked);
        vre_pool_free(o->pool);
        free(o);
}

int oops_engine_new(struct oops_engine **ret, char *errbuf, size_t errlen) {
        const char *list[ELEMENTSOF(ext_needles)];
        struct oops_engine *o;
        int r = 0;

        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;

        for (size_t i = 0; i < ELEMENTSOF(ext_needles); i++)
                list[i] = ext_needles[i].needle;
        r = needles_new(list, ELEMENTSOF(ext_needles), &o->ext_scan);
        if (r >= 0)
                r = vre_pool_new(&o->pool);

#define C(field, pattern)                                                        \
        do {                                                                     \
                if (r >= 0)                                                      \
                        r = vre_compile(o->pool, pattern, &o->field, errbuf, errlen);     \
        } while (0)

        C(cpu_line, "^\\s*CPU: (\\d+) (?:UID: \\d+ )?PID: (\\d+) Comm: (.*?)(?: Kdump: loaded)? (?:Not tainted|Tainted: ([A-Z ]*?)) +(\\d\\S*)(?: +(.*?))?\\s*$");
        C(pid_line, "^\\s*Pid: (\\d+), comm: (.*?) (?:Not tainted|Tainted: ([A-Z ]*?)) +(\\d\\S*)(?: +(.*?))?\\s*$");
        C(taint_line, "^\\s*(?:Not tainted|Tainted: ([A-Z ]*?)) +(\\d\\S*)(?: +(.*?))?\\s*$");
        C(warn_at, "WARNING: CPU: (\\d+) PID: (\\d+) at (\\S+)");
        C(warn_at_new, "WARNING: (\\S+:\\d+) at 0x[0-9a-f]+, CPU#(\\d+): (.+)/(\\d+)");
        C(warn_at_old, "WARNING: at (\\S+:\\d+)");
        C(bug_at, "kernel BUG at ([^!\\s]+)");
        C(soft_lockup, "soft lockup - CPU#(\\d+) stuck for \\d+s! \\[(.+):(\\d+)\\]");
        C(hung_task, "INFO: task (.+):(\\d+) (?:blocked|can't die)");
        C(hard_lockup, "hard LOCKUP on cpu (\\d+)");
        C(sched_atomic, "BUG: scheduling while atomic: (.+)/(\\d+)/0x");
        C(oom_invoked, "^\\s*(.+?) invoked oom-killer:");
#undef C

        if (r < 0) {
                oops_engine_free(o);
                return r;
        }
        *ret = o;
        return 0;
}

/* ------------------------------------------------------------------ */

static void event_done(struct oops_event *ev) {
        free(ev->title);
        for (size_t i = 0; i < ev->n_alts; i++)
                free(ev->alts[i]);
        free(ev->alts);
        free(ev->frame);
        free(ev->header);
        free(ev->comm);
        free(ev->taint);
        free(ev->release);
        free(ev->build);
        free(ev->hardware);
        free(ev->location);
        frame_done(&ev->rip);
        frame_done(&ev->lr);
        for (size_t i = 0; i < ev->n_frames; i++)
                frame_done(&ev->frames[i]);
        free(ev->frames);
        regs_free(ev->regs, ev->n_regs);
        for (size_t i = 0; i < ev->n_modules; i++) {
                free(ev->modules[i].name);
                free(ev->modules[i].flags);
        }
        free(ev->modules);
}

void oops_events_free(struct oops_event *ev, size_t n) {
        for (size_t i = 0; i < n; i++)
                event_done(&ev[i]);
        free(ev);
}

static char *group_dup(struct vre *re, unsigned g, const char *s) {
        size_t b, e;
        if (!vre_group(re, g, &b, &e))
                return NULL;
        return strndup(s + b, e - b);
}

static int group_int(struct vre *re, unsigned g, const char *s) {
        size_t b, e;
        long v = 0;

        if (!vre_group(re, g, &b, &e) || e == b)
                return -1;
        for (size_t i = b; i < e && v < 100000000; i++)
                v = v * 10 + (s[i] - '0');
        return (int) v;
}

/* "G        W  OE" -> "GWOE" */
static char *taint_letters(struct vre *re, unsigned g, const char *s) {
        size_t b, e, n = 0;
        char *t;

        if (!vre_group(re, g, &b, &e))
                return strdup("");
        t = malloc(e - b + 1);
        if (!t)
                return NULL;
        for (size_t i = b; i < e; i++)
                if (s[i] != ' ')
                        t[n++] = s[i];
        t[n] = 0;
        return t;
}

static void set_str(char **dst, char *v) {
        if (!*dst)
                *dst = v;
        else
                free(v);
}

static int parse_modules(const char *s, size_t n, struct oops_event *ev) {
        const char *p = find_n(s, n, "Modules linked in:");
        const char *end = s + n;

        ev->has_modules = true;
        p += strlen("Modules linked in:");
        while (p < end && ev->n_modules < MAX_MODULES) {
                const char *tb, *te, *paren;
                struct oops_module *v;

                while (p < end && *p == ' ')
                        p++;
                if (p >= end || *p == '[')
                        break; /* "[last unloaded: foo]" */
                tb = p;
                while (p < end && *p != ' ')
                        p++;
                te = p;
                v = realloc(ev->modules, (ev->n_modules + 1) * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                ev->modules = v;
                paren = memchr(tb, '(', (size_t) (te - tb));
                v[ev->n_modules] = (struct oops_module){};
                if (paren && te[-1] == ')') {
                        v[ev->n_modules].name = strndup(tb, (size_t) (paren - tb));
                        v[ev->n_modules].flags = strndup(paren + 1, (size_t) (te - paren - 2));
                        if (!v[ev->n_modules].flags)
                                return -ENOMEM;
                } else
                        v[ev->n_modules].name = strndup(tb, (size_t) (te - tb));
                if (!v[ev->n_modules].name)
                        return -ENOMEM;
                ev->n_modules++;
        }
        return 0;
}

/* Fields of the header line itself. */
static void parse_header_fields(struct oops_engine *o, const char *s, size_t n, struct oops_event *ev) {
        if (vre_match(o->warn_at, s, n)) {
                ev->cpu = group_int(o->warn_at, 1, s);
                ev->pid = group_int(o->warn_at, 2, s);
                set_str(&ev->location, group_dup(o->warn_at, 3, s));
        } else if (vre_match(o->warn_at_new, s, n)) {
                set_str(&ev->location, group_dup(o->warn_at_new, 1, s));
                ev->cpu = group_int(o->warn_at_new, 2, s);
                set_str(&ev->comm, group_dup(o->warn_at_new, 3, s));
                ev->pid = group_int(o->warn_at_new, 4, s);
        } else if (vre_match(o->warn_at_old, s, n))
                set_str(&ev->location, group_dup(o->warn_at_old, 1, s));
        else if (vre_match(o->bug_at, s, n))
                set_str(&ev->location, group_dup(o->bug_at, 1, s));
        else if (vre_match(o->soft_lockup, s, n)) {
                ev->cpu = group_int(o->soft_lockup, 1, s);
                set_str(&ev->comm, group_dup(o->soft_lockup, 2, s));
                ev->pid = group_int(o->soft_lockup, 3, s);
        } else if (vre_match(o->hung_task, s, n)) {
                set_str(&ev->comm, group_dup(o->hung_task, 1, s));
                ev->pid = group_int(o->hung_task, 2, s);
        } else if (vre_match(o->hard_lockup, s, n))
                ev->cpu = group_int(o->hard_lockup, 1, s);
        else if (vre_match(o->sched_atomic, s, n)) {
                set_str(&ev->comm, group_dup(o->sched_atomic, 1, s));
                ev->pid = group_int(o->sched_atomic, 2, s);
        } else if (vre_match(o->oom_invoked, s, n))
                set_str(&ev->comm, group_dup(o->oom_invoked, 1, s));
}

/* "CPU: 0 PID: 1 Comm: init Tainted: G OE 6.1.0-56-amd64 #1 Debian ..." */
static bool parse_task_line(struct oops_engine *o, const char *s, size_t n, struct oops_event *ev) {
        if (vre_match(o->cpu_line, s, n)) {
                if (ev->cpu < 0)
                        ev->cpu = group_int(o->cpu_line, 1, s);
                if (ev->pid < 0)
                        ev->pid = group_int(o->cpu_line, 2, s);
                set_str(&ev->comm, group_dup(o->cpu_line, 3, s));
                set_str(&ev->taint, taint_letters(o->cpu_line, 4, s));
                set_str(&ev->release, group_dup(o->cpu_line, 5, s));
                set_str(&ev->build, group_dup(o->cpu_line, 6, s));
                return true;
        }
        if (vre_match(o->pid_line, s, n)) {
                if (ev->pid < 0)
                        ev->pid = group_int(o->pid_line, 1, s);
                set_str(&ev->comm, group_dup(o->pid_line, 2, s));
                set_str(&ev->taint, taint_letters(o->pid_line, 3, s));
                set_str(&ev->release, group_dup(o->pid_line, 4, s));
                set_str(&ev->build, group_dup(o->pid_line, 5, s));
                return true;
        }
        /* The hung-task report prints the taint on a line of its own. */
        if (!ev->release && vre_match(o->taint_line, s, n)) {
                set_str(&ev->taint, taint_letters(o->taint_line, 1, s));
                set_str(&ev->release, group_dup(o->taint_line, 2, s));
                set_str(&ev->build, group_dup(o->taint_line, 3, s));
                return true;
        }
        return false;
}

static int push_frame(struct oops_event *ev, struct frame *f) {
        struct frame *v;

        if (ev->n_frames >= MAX_FRAMES) {
                frame_done(f);
                return 0;
        }
        v = realloc(ev->frames, (ev->n_frames + 1) * sizeof(*v));
        if (!v) {
                frame_done(f);
                return -ENOMEM;
        }
        ev->frames = v;
        v[ev->n_frames++] = *f;
        *f = (struct frame){};
        return 0;
}

/* The "[#N]" of an oops/die line ("Oops: 0002 [#1] SMP"), or 0. */
static int die_counter(const char *s, size_t n) {
        const char *p = find_n(s, n, "[#");
        int v = 0;

        if (!p)
                return 0;
        for (p += 2; p < s + n && *p >= '0' && *p <= '9' && v < 100000; p++)
                v = v * 10 + (*p - '0');
        return p < s + n && *p == ']' ? v : 0;
}

/* Reads the event's own lines (same printk context) for CPU/PID/comm,
 * taint, release, hardware, RIP, registers, modules and the first call
 * trace. */
static int parse_event_body(struct oops_engine *o, const struct klog *log, const size_t *next,
                            struct oops_event *ev) {
        bool in_trace = false, trace_done = false, collect_regs = true;
        uint8_t stack = FRAME_STACK_TASK;
        int r = 0;

        for (size_t i = ev->line; i <= ev->end_line && r >= 0; i = next[i]) {
                const struct klog_line *l = &log->lines[i];
                const char *s;
                size_t n;
                struct frame f;
                bool user = false;

                s = klog_body(l, &n);

                if (ev->die_count == 0 && i - ev->line < 30)
                        ev->die_count = die_counter(s, n);
                if (i == ev->line) {
                        parse_header_fields(o, s, n, ev);
                        /* The GPF/page-fault header is not the place for
                         * anything else. */
                        continue;
                }

                if (!trace_done && frame_is_trace_start(s, n)) {
                        in_trace = true;
                        collect_regs = false;
                        stack = FRAME_STACK_TASK;
                        continue;
                }
                if (in_trace) {
                        switch (frame_parse_trace_line(s, n, &stack, &f)) {
                        case TRACE_FRAME:
                                r = push_frame(ev, &f);
                                continue;
                        case TRACE_MARKER:
                                continue;
                        case TRACE_END_MARKER:
                                in_trace = false;
                                trace_done = true;
                                continue;
                        case TRACE_SKIP:
                                /* Registers of an interrupted context inside the
                                 * trace: take them when the report had none. */
                                if (frame_parse_ip_line(s, n, &f, &user)) {
                                        if (!ev->has_rip) {
                                                ev->rip = f;
                                                ev->has_rip = true;
                                                collect_regs = ev->n_regs == 0;
                                        } else
                                                frame_done(&f);
                                } else if (user)
                                        collect_regs = false;
                                else if (collect_regs)
                                        r = regs_parse_line(s, n, &ev->regs, &ev->n_regs);
                                continue;
                        case TRACE_OTHER:
                                in_trace = false;
                                trace_done = ev->n_frames > 0;
                                break;
                        }
                }

                if (parse_task_line(o, s, n, ev))
                        continue;
                if (!ev->hardware && startswith_n(s, n, "Hardware name: ")) {
                        ev->hardware = strndup(s + 15, n - 15);
                        continue;
                }
                if (!ev->has_modules && contains_n(s, n, "Modules linked in:")) {
                        r = parse_modules(s, n, ev);
                        continue;
                }
                if (!ev->has_rip && frame_parse_ip_line(s, n, &f, &user)) {
                        ev->rip = f;
                        ev->has_rip = true;
                        /* arm64 "pc : func" is also part of the register dump. */
                        if (collect_regs && !startswith_n(s, n, "RIP:") && !startswith_n(s, n, "EIP:"))
                                r = regs_parse_line(s, n, &ev->regs, &ev->n_regs);
                        continue;
                }
                if (user) {
                        collect_regs = false;
                        continue;
                }
                if (!ev->has_lr && frame_parse_link_line(s, n, &f)) {
                        ev->lr = f;
                        ev->has_lr = true;
                }
                if (collect_regs && !trace_done)
                        r = regs_parse_line(s, n, &ev->regs, &ev->n_regs);
        }
        return r < 0 ? r : 0;
}

/* ------------------------------------------------------------------ */
/* kinds                                                                 */

static bool has_prefix(const char *s, const char *p) {
        return s && strncmp(s, p, strlen(p)) == 0;
}

/* True when one of the few lines before the header (same context) says
 * what the WARN/BUG is about ("list_del corruption", "refcount_t: ..."). */
static bool preceded_by(const struct klog *log, size_t line, const char *needle) {
        const struct klog_line *hdr = &log->lines[line];
        size_t seen = 0;

        for (size_t i = line; i-- > 0 && seen < 4 && line - i <= 64;) {
                const struct klog_line *l = &log->lines[i];
                if (!klog_same_ctx(l, hdr))
                        continue;
                seen++;
                if (contains_n(l->text, l->len, needle))
                        return true;
        }
        return false;
}

static enum oops_kind classify(const struct klog *log, const struct oops_event *ev) {
        const char *t = ev->title ? ev->title : "";
        const char *h = ev->header ? ev->header : "";

        if (has_prefix(t, "KASAN:"))
                return OOPS_KASAN;
        if (has_prefix(t, "KFENCE:"))
                return OOPS_KFENCE;
        if (has_prefix(t, "KMSAN:"))
                return OOPS_KMSAN;
        if (has_prefix(t, "KCSAN:"))
                return OOPS_KCSAN;
        if (has_prefix(t, "UBSAN:"))
                return OOPS_UBSAN;
        if (has_prefix(t, "BUG: soft lockup"))
                return OOPS_SOFT_LOCKUP;
        if (has_prefix(t, "BUG: hard lockup"))
                return OOPS_HARD_LOCKUP;
        if (has_prefix(t, "INFO: rcu detected stall"))
                return OOPS_RCU_STALL;
        if (has_prefix(t, "INFO: task hung") || has_prefix(t, "INFO: task can't die"))
                return OOPS_HUNG_TASK;
        if (has_prefix(t, "BUG: corrupted list") || strstr(h, "lib/list_debug.c") ||
            preceded_by(log, ev->line, "list_add corruption") || preceded_by(log, ev->line, "list_del corruption"))
                return OOPS_LIST_CORRUPTION;
        if (has_prefix(t, "WARNING: refcount bug") || preceded_by(log, ev->line, "refcount_t: "))
                return OOPS_REFCOUNT;
        if (has_prefix(t, "possible deadlock") || has_prefix(t, "inconsistent lock state") ||
            has_prefix(t, "WARNING: locking bug") || strstr(t, "suspicious RCU usage") ||
            strstr(t, "locks held") || strstr(t, "lock held") || strstr(t, "unlock balance") ||
            has_prefix(t, "WARNING: nested lock") || has_prefix(t, "INFO: trying to register non-static key") ||
            has_prefix(t, "BUG: spinlock") || has_prefix(t, "BUG: rwlock"))
                return OOPS_LOCKDEP;
        if (has_prefix(t, "kernel panic: stack is corrupted") || strstr(h, "stack-protector"))
                return OOPS_STACK_PROTECTOR;
        if (has_prefix(t, "BUG: stack guard page") || has_prefix(t, "kernel stack overflow") ||
            has_prefix(t, "kernel panic: corrupted stack end") || strstr(h, "kernel stack overflow"))
                return OOPS_STACK_OVERFLOW;
        if (has_prefix(t, "PANIC: double fault"))
                return OOPS_DOUBLE_FAULT;
        if (has_prefix(t, "BUG: scheduling while atomic") || has_prefix(t, "BUG: sleeping function") ||
            (has_prefix(t, "BUG: using") && strstr(t, "preemptible")))
                return OOPS_ATOMIC_SLEEP;
        if (has_prefix(t, "memory leak"))
                return OOPS_MEMORY_LEAK;
        if (has_prefix(t, "BUG: Bad page"))
                return OOPS_BAD_PAGE;
        if (strstr(t, "bad usercopy"))
                return OOPS_BAD_USERCOPY;
        if (has_prefix(t, "BUG: unable to handle kernel NULL pointer") || strstr(t, "NULL pointer dereference"))
                return OOPS_NULL_DEREF;
        if (has_prefix(t, "BUG: unable to handle") || has_prefix(t, "Unhandled fault") ||
            has_prefix(t, "Alignment trap"))
                return OOPS_PAGE_FAULT;
        if (has_prefix(t, "general protection fault") || has_prefix(t, "stack segment fault"))
                return OOPS_GPF;
        if (has_prefix(t, "divide error"))
                return OOPS_DIVIDE_ERROR;
        if (has_prefix(t, "invalid opcode") || has_prefix(t, "int3"))
                return OOPS_INVALID_OPCODE;
        if (ev->has_rip && ev->rip.function && strcmp(ev->rip.function, "sysrq_handle_crash") == 0)
                return OOPS_SYSRQ;
        if (has_prefix(t, "kernel BUG") || has_prefix(t, "BUG: Object already free"))
                return OOPS_KERNEL_BUG;
        if (has_prefix(t, "Internal error") || has_prefix(t, "Oops"))
                return strstr(h, "Oops - BUG") ? OOPS_KERNEL_BUG : OOPS_OOPS;
        if (has_prefix(t, "WARNING") || has_prefix(t, "WARNING in"))
                return OOPS_WARNING;
        if (ev->panic) {
                if (strstr(h, "sysrq triggered crash"))
                        return OOPS_SYSRQ;
                if (strstr(h, "Out of memory") || strstr(h, "deadlocked on memory"))
                        return OOPS_OOM;
                if (strstr(h, "Hard LOCKUP") || strstr(h, "hard LOCKUP"))
                        return OOPS_HARD_LOCKUP;
                if (strstr(h, "achine check") || strstr(h, "ardware error") || strstr(h, "MCE"))
                        return OOPS_HARDWARE_ERROR;
                return OOPS_PANIC;
        }
        if (has_prefix(t, "BUG:") || has_prefix(t, "INFO:"))
                return OOPS_BUG;
        return OOPS_OTHER;
}

/* ------------------------------------------------------------------ */
/* finding events                                                        */

struct candidate {
        size_t line;
        enum ext_kind ext;      /* EXT_NONE for a title-rule header */
};

static int scan_ext(struct oops_engine *o, const struct klog *log, enum ext_kind **ret) {
        enum ext_kind *ext = calloc(MAX(log->n_lines, (size_t) 1), sizeof(*ext));

        if (!ext)
                return -ENOMEM;
        for (size_t i = 0; i < log->n_lines; i++) {
                uint64_t m = needles_scan(o->ext_scan, log->lines[i].text, log->lines[i].len);
                /* The first needle in table order decides. */
                if (m)
                        ext[i] = ext_needles[__builtin_ctzll(m)].kind;
        }
        *ret = ext;
        return 0;
}

static bool hw_error_is_fatal(const char *s, size_t n) {
        return contains_n(s, n, "Machine Check Exception") || contains_n(s, n, "severity: fatal") ||
               contains_n(s, n, "Fatal") || contains_n(s, n, "ncorrected") || contains_n(s, n, "SError");
}

static int ext_title(struct title_engine *te, const struct klog *log, const struct title_scan *scan,
                     enum ext_kind kind, struct oops_event *ev) {
        const struct klog_line *l = &log->lines[ev->line];
        _cleanup_free_ char *frame = NULL;
        struct strbuf sb = STRBUF_INIT;
        int r = 0;

        switch (kind) {
        case EXT_HARD_LOCKUP:
                r = title_guilty_frame(te, log, scan, ev->line, ev->end_line + 1, true, &frame);
                if (r >= 0)
                        r = strbuf_printf(&sb, "BUG: hard lockup in %s", frame ? frame : "corrupted");
                ev->kind = OOPS_HARD_LOCKUP;
                ev->corrupted = !frame;
                if (!frame)
                        ev->corrupted_reason = "extracted no frames";
                break;
        case EXT_OOPS:
                r = title_guilty_frame(te, log, scan, ev->line, ev->end_line + 1, false, &frame);
                if (r >= 0)
                        r = strbuf_printf(&sb, "Oops in %s", frame ? frame : "corrupted");
                ev->kind = OOPS_OOPS;
                ev->corrupted = !frame;
                if (!frame)
                        ev->corrupted_reason = "extracted no frames";
                break;
        case EXT_OOM:
        case EXT_OOM_KILL:
                r = strbuf_puts(&sb, "oom-killer: out of memory");
                ev->kind = OOPS_OOM;
                ev->crash = false;
                break;
        case EXT_HW_ERROR:
                if (contains_n(l->text, l->len, "SError"))
                        r = strbuf_puts(&sb, "hardware error: SError interrupt");
                else if (contains_n(l->text, l->len, "mce:") || contains_n(l->text, l->len, "Machine check"))
                        r = strbuf_puts(&sb, "hardware error: machine check");
                else
                        r = strbuf_puts(&sb, "hardware error");
                ev->kind = OOPS_HARDWARE_ERROR;
                ev->crash = hw_error_is_fatal(l->text, l->len);
                break;
        default:
                return 0;
        }
        if (r >= 0)
                r = title_normalize(te, sb.buf, sb.len, &ev->title);
        if (r >= 0 && frame)
                ev->frame = TAKE_PTR(frame);
        if (r >= 0)
                ev->type = title_type(ev->title);
        strbuf_done(&sb);
        return r;
}

static int copy_title(const struct title_result *t, struct oops_event *ev) {
        ev->title = t->title ? strdup(t->title) : NULL;
        if (t->title && !ev->title)
                return -ENOMEM;
        if (t->frame && !(ev->frame = strdup(t->frame)))
                return -ENOMEM;
        if (t->n_alts > 0) {
                ev->alts = calloc(t->n_alts, sizeof(char *));
                if (!ev->alts)
                        return -ENOMEM;
                for (size_t i = 0; i < t->n_alts; i++) {
                        ev->alts[i] = strdup(t->alts[i]);
                        if (!ev->alts[i])
                                return -ENOMEM;
                        ev->n_alts++;
                }
        }
        ev->type = t->type;
        ev->corrupted = t->corrupted;
        ev->corrupted_reason = t->corrupted_reason;
        return 0;
}

static void steal_title(struct title_result *t, struct oops_event *ev) {
        ev->title = TAKE_PTR(t->title);
        ev->frame = TAKE_PTR(t->frame);
        ev->alts = TAKE_PTR(t->alts);
        ev->n_alts = t->n_alts;
        t->n_alts = 0;
        ev->type = t->type;
        ev->corrupted = t->corrupted;
        ev->corrupted_reason = t->corrupted_reason;
}

/* next[i]: the next line of the same printk context as line i, or n.
 * Lets an event walk its own lines without visiting every other caller's. */
static int build_ctx_chain(const struct klog *log, size_t **ret) {
        size_t n = log->n_lines, cap = 16;
        size_t *next, *slot_line;
        int r = 0;

        while (cap < 2 * n + 2)
                cap *= 2;
        next = malloc(MAX(n, (size_t) 1) * sizeof(size_t));
        slot_line = malloc(cap * sizeof(size_t));
        if (!next || !slot_line) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < cap; i++)
                slot_line[i] = SIZE_MAX;
        for (size_t i = n; i-- > 0;) {
                const struct klog_line *l = &log->lines[i];
                /* (kind, id, length) identifies the caller id text exactly. */
                uint64_t key = ((uint64_t) l->ctx_kind << 40) ^ ((uint64_t) l->ctx_len << 32) ^ l->ctx_id;
                size_t h = (size_t) ((key * UINT64_C(0x9e3779b97f4a7c15)) >> 20) & (cap - 1);

                for (;; h = (h + 1) & (cap - 1)) {
                        size_t j = slot_line[h];
                        if (j == SIZE_MAX) {
                                next[i] = n;
                                break;
                        }
                        if (klog_same_ctx(&log->lines[j], l)) {
                                next[i] = j;
                                break;
                        }
                }
                slot_line[h] = i;
        }
        *ret = next;
        next = NULL;
out:
        free(next);
        free(slot_line);
        return r;
}

int oops_find_events(struct oops_engine *o, struct title_engine *te, const struct klog *log,
                     const struct title_scan *scan, const struct title_result *first,
                     struct oops_event **ret, size_t *n_ret) {
        _cleanup_free_ enum ext_kind *ext = NULL;
        _cleanup_free_ struct candidate *cand = NULL;
        _cleanup_free_ size_t *next = NULL;
        _cleanup_free_ bool *is_cand = NULL;
        _cleanup_free_ bool *closed = NULL;
        struct oops_event *ev = NULL;
        struct title_result own_first = {};
        size_t n_cand = 0, n_ev = 0;
        ssize_t last_sysrq = -1;
        int r;

        *ret = NULL;
        *n_ret = 0;

        r = scan_ext(o, log, &ext);
        if (r >= 0)
                r = build_ctx_chain(log, &next);
        if (r < 0)
                return r;

        if (!first) {
                r = title_find(te, log, scan, 0, log->n_lines, &own_first);
                if (r < 0)
                        return r;
                first = &own_first;
        }

        /* Pass 1: header lines, with continuation lines folded into the
         * event they continue. */
        cand = calloc(MAX(log->n_lines, (size_t) 1), sizeof(*cand));
        if (!cand) {
                r = -ENOMEM;
                goto fail;
        }
        closed = calloc(MAX(log->n_lines, (size_t) 1), sizeof(bool));
        if (!closed) {
                r = -ENOMEM;
                goto fail;
        }

        for (size_t i = 0; i < log->n_lines; i++) {
                bool syz = title_scan_is_header(scan, i);
                enum ext_kind k = syz ? EXT_NONE : ext[i];
                const struct klog_line *l = &log->lines[i];
                struct candidate *open = NULL;

                if (!syz && k == EXT_NONE)
                        continue;
                if (k == EXT_END) {
                        for (size_t c = n_cand; c-- > 0 && i - cand[c].line <= EVENT_MAX_LINES;)
                                if (klog_same_ctx(&log->lines[cand[c].line], l)) {
                                        closed[c] = true;
                                        break;
                                }
                        continue;
                }
                if (k == EXT_SYSRQ) {
                        last_sysrq = (ssize_t) i;
                        continue;
                }
                /* Candidates are in line order: look back only as far as a
                 * continuation can be from its header. */
                size_t window = k == EXT_OOM_KILL ? EVENT_MAX_LINES : ATTACH_WINDOW;
                for (size_t c = n_cand; c-- > 0 && i - cand[c].line <= window;) {
                        if (!klog_same_ctx(&log->lines[cand[c].line], l))
                                continue;
                        if (!closed[c])
                                open = &cand[c];
                        break;
                }
                if (syz) {
                        /* "invalid opcode: 0000" after "kernel BUG at", "Internal
                         * error:" after an arm64 fault, ...: one report. */
                        if ((scan->flags[i] & TITLE_LINE_START_IGNORE) && open && open->ext == EXT_NONE &&
                            !contains_n(l->text, l->len, "Kernel panic - not syncing"))
                                continue;
                } else if (k == EXT_OOPS) {
                        if (open)
                                continue;
                } else if (k == EXT_OOM || k == EXT_OOM_KILL) {
                        if (open && (open->ext == EXT_OOM || open->ext == EXT_OOM_KILL))
                                continue;
                } else if (k == EXT_HW_ERROR) {
                        if (open && open->ext == EXT_HW_ERROR)
                                continue;
                }
                cand[n_cand++] = (struct candidate){ .line = i, .ext = k };
        }

        ev = calloc(MAX(n_cand, (size_t) 1), sizeof(*ev));
        is_cand = calloc(MAX(log->n_lines, (size_t) 1), sizeof(bool));
        if (!ev || !is_cand) {
                r = -ENOMEM;
                goto fail;
        }
        for (size_t c = 0; c < n_cand; c++)
                is_cand[cand[c].line] = true;

        /* Pass 2: extent, title and body of each event. */
        for (size_t c = 0; c < n_cand; c++) {
                struct oops_event *e = &ev[n_ev++];
                const struct klog_line *l = &log->lines[cand[c].line];
                size_t end = MIN(log->n_lines - 1, cand[c].line + EVENT_MAX_LINES);
                const char *body;
                size_t blen;

                *e = (struct oops_event){ .cpu = -1, .pid = -1, .crash = true };
                e->line = cand[c].line;
                e->has_ts = l->has_ts;
                e->ts = l->ts;
                e->ctx_kind = l->ctx_kind;
                e->ctx_id = l->ctx_id;
                body = klog_body(l, &blen);
                e->header = strndup(body, blen);
                if (!e->header) {
                        r = -ENOMEM;
                        goto fail;
                }
                e->panic = cand[c].ext == EXT_NONE && contains_n(l->text, l->len, "Kernel panic - not syncing");

                if (l->ctx_kind == KLOG_CTX_TASK || l->ctx_kind == KLOG_CTX_CPU) {
                        /* The next event of the same caller, along its own lines. */
                        for (size_t i = next[e->line]; i <= end; i = next[i])
                                if (is_cand[i]) {
                                        end = i - 1;
                                        break;
                                }
                } else
                        /* Without caller ids: the next event of any kind. */
                        for (size_t d = c + 1; d < n_cand && cand[d].line <= end; d++) {
                                uint8_t k = log->lines[cand[d].line].ctx_kind;
                                if (k == KLOG_CTX_NONE || k == KLOG_CTX_CONSOLE) {
                                        end = cand[d].line - 1;
                                        break;
                                }
                        }
                /* An end marker of the same context closes it too; past the
                 * last line of its own context nothing belongs to it, unless
                 * it asked other CPUs for their backtraces. */
                size_t last_own = e->line;
                bool nmi_backtraces = false;
                for (size_t i = next[e->line]; i <= end; i = next[i]) {
                        last_own = i;
                        if (contains_n(log->lines[i].text, log->lines[i].len, "Sending NMI from CPU"))
                                nmi_backtraces = true;
                        if (ext[i] == EXT_END) {
                                end = i;
                                break;
                        }
                }
                e->end_line = nmi_backtraces ? end : last_own;

                if (cand[c].ext == EXT_NONE) {
                        if (first->title && first->line == e->line)
                                r = copy_title(first, e);
                        else {
                                struct title_result t = {};
                                r = title_find(te, log, scan, e->line, e->end_line + 1, &t);
                                if (r >= 0)
                                        steal_title(&t, e);
                                title_result_done(&t);
                        }
                } else
                        r = ext_title(te, log, scan, cand[c].ext, e);
                if (r < 0)
                        goto fail;

                r = parse_event_body(o, log, next, e);
                if (r < 0)
                        goto fail;

                if (cand[c].ext == EXT_NONE)
                        e->kind = classify(log, e);
                if (e->panic && last_sysrq >= 0 && (size_t) last_sysrq < e->line && e->line - (size_t) last_sysrq < 5)
                        e->kind = OOPS_SYSRQ;
        }

        title_result_done(&own_first);
        *ret = ev;
        *n_ret = n_ev;
        return 0;

fail:
        title_result_done(&own_first);
        oops_events_free(ev, n_ev);
        return r;
}

/* ------------------------------------------------------------------ */

static bool oops_like(enum oops_kind k) {
        switch (k) {
        case OOPS_KERNEL_BUG:
        case OOPS_OOPS:
        case OOPS_PAGE_FAULT:
        case OOPS_NULL_DEREF:
        case OOPS_GPF:
        case OOPS_DOUBLE_FAULT:
        case OOPS_DIVIDE_ERROR:
        case OOPS_INVALID_OPCODE:
        case OOPS_STACK_OVERFLOW:
        case OOPS_LIST_CORRUPTION:
        case OOPS_BAD_USERCOPY:
        case OOPS_SYSRQ:
                return true;
        default:
                return false;
        }
}

enum cause {
        CAUSE_NONE,             /* the panic is its own cause */
        CAUSE_ANY,              /* panic_on_warn: whatever was reported last */
        CAUSE_OOPS,
        CAUSE_KIND,
};

/* Among the oops-like crash events before `to`: the one with the highest
 * die counter (it is the oops that took the machine down; a concurrent one
 * that never reached its "Oops: [#N]" line was cut short), else the last. */
static ssize_t best_oops(const struct oops_event *ev, size_t to) {
        ssize_t best = -1;

        for (size_t i = 0; i < to; i++) {
                if (!ev[i].crash || !oops_like(ev[i].kind))
                        continue;
                if (best < 0 || ev[i].die_count >= ev[best].die_count)
                        best = (ssize_t) i;
        }
        return best;
}

ssize_t oops_fatal_event(const struct oops_event *ev, size_t n) {
        ssize_t panic = -1, last = -1, oops;

        for (size_t i = 0; i < n; i++)
                if (ev[i].panic) {
                        panic = (ssize_t) i;
                        break;
                }

        if (panic >= 0) {
                const char *h = ev[panic].header;
                enum cause cause = CAUSE_NONE;
                enum oops_kind want = OOPS_OTHER;

                if (strstr(h, "panic_on_warn"))
                        cause = CAUSE_ANY;
                else if (strstr(h, "Fatal exception") || strstr(h, "Aiee, killing interrupt handler") ||
                         strstr(h, "Attempted to kill the idle task"))
                        cause = CAUSE_OOPS;
                else if (strstr(h, "softlockup: hung tasks"))
                        cause = CAUSE_KIND, want = OOPS_SOFT_LOCKUP;
                else if (strstr(h, "hung_task: blocked tasks"))
                        cause = CAUSE_KIND, want = OOPS_HUNG_TASK;
                else if (strstr(h, "Hard LOCKUP") || strstr(h, "hard LOCKUP"))
                        cause = CAUSE_KIND, want = OOPS_HARD_LOCKUP;
                else if (strstr(h, "Out of memory") || strstr(h, "deadlocked on memory"))
                        cause = CAUSE_KIND, want = OOPS_OOM;
                else if (strstr(h, "RCU Stall"))
                        cause = CAUSE_KIND, want = OOPS_RCU_STALL;
                else if (strstr(h, "achine check") || strstr(h, "ardware error") || strstr(h, "MCE"))
                        cause = CAUSE_KIND, want = OOPS_HARDWARE_ERROR;

                switch (cause) {
                case CAUSE_NONE:
                        return panic;
                case CAUSE_OOPS:
                        oops = best_oops(ev, (size_t) panic);
                        return oops >= 0 ? oops : panic;
                case CAUSE_ANY:
                        for (ssize_t i = panic; i-- > 0;)
                                if (ev[i].crash)
                                        return i;
                        return panic;
                case CAUSE_KIND:
                        for (ssize_t i = panic; i-- > 0;)
                                if (ev[i].kind == want)
                                        return i;
                        return panic;
                }
                return panic;
        }

        oops = best_oops(ev, n);
        if (oops >= 0)
                return oops;
        for (size_t i = 0; i < n; i++)
                if (ev[i].crash)
                        last = (ssize_t) i;
        return last;
}

int oops_linux_version(const struct klog *log, char **ret) {
        const char *p = memmem(log->buf, log->len, "Linux version ", 14);
        *ret = NULL;
        if (!p)
                return 0;
        const char *nl = memchr(p, '\n', (size_t) (log->buf + log->len - p));
        size_t n = nl ? (size_t) (nl - p) : (size_t) (log->buf + log->len - p);
        *ret = strndup(p, n);
        return *ret ? 0 : -ENOMEM;
}
