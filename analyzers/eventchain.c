/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The event chain: every WARN, BUG and oops before the fatal one, with its
 * time and CPU. Reports that share a subsystem (source directory, module,
 * function family) or an object pointer (the same heap address in their
 * registers) with the crash, directly or through each other, form a chain;
 * its first report is marked the likely lead: the kernel usually reports the
 * cause first and dies of a consequence later. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "strbuf.h"
#include "util.h"

#define CHAIN_MAX 256
#define STACK_SPAN (UINT64_C(64) << 10)

struct link {
        char why[160];
        uint64_t pointer;
        bool has_pointer;
        bool direct;                    /* related to the crash itself */
};

static bool earlier_report(const struct oops_event *e) {
        return e->crash && e->kind != OOPS_PANIC && e->kind != OOPS_OOM;
}

/* "net/ipv4" of "net/ipv4/af_inet.c:153"; false when there is none. */
static bool location_dir(const struct oops_event *e, char *buf, size_t len) {
        const char *slash;

        if (!e->location || !(slash = strrchr(e->location, '/')) || (size_t) (slash - e->location) >= len)
                return false;
        memcpy(buf, e->location, (size_t) (slash - e->location));
        buf[slash - e->location] = '\0';
        return true;
}

static const char *guilty_module(const struct oops_event *e) {
        if (e->has_rip && e->rip.module)
                return e->rip.module;
        for (size_t i = 0; i < e->n_frames; i++)
                if (e->frames[i].reliable)
                        return e->frames[i].module;
        return NULL;
}

/* "tcp" of "tcp_recvmsg": a function family, when it is a real word. */
static size_t family(const char *fn, char *buf, size_t len) {
        static const char *const generic[] = { "do", "sys", "ksys", "kernel", "process", "handle", "run", "entry",
                                               "exc", "asm", "common", "worker", "kthread", "ret", "x64" };
        size_t n = 0;

        if (!fn)
                return 0;
        while (*fn == '_')
                fn++;
        while (fn[n] && fn[n] != '_' && fn[n] != '.' && n < len - 1)
                n++;
        if (n < 3 || fn[n] != '_')
                return 0;
        memcpy(buf, fn, n);
        buf[n] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(generic); i++)
                if (strcmp(buf, generic[i]) == 0)
                        return 0;
        return n;
}

static bool stack_value(const struct oops_event *e, uint64_t v) {
        for (size_t i = 0; i < e->n_regs; i++) {
                const char *n = e->regs[i].name;
                if (strcasecmp(n, "RSP") == 0 || strcasecmp(n, "sp") == 0 || strcasecmp(n, "RBP") == 0 ||
                    strcasecmp(n, "x29") == 0) {
                        uint64_t s = strtoull(e->regs[i].value, NULL, 16);
                        if (v + STACK_SPAN >= s && v <= s + STACK_SPAN)
                                return true;
                }
        }
        return false;
}

/* A register value of e that looks like a pointer to a kernel object:
 * a kernel address outside the kernel image and off the stack. */
static bool object_pointer(const struct explain *x, const struct oops_event *e, uint64_t v) {
        if (!explain_kernel_address(x, v) || stack_value(e, v))
                return false;
        if (x->arch && strcmp(x->arch, "x86_64") == 0 && v >= UINT64_C(0xffffffff80000000))
                return false;
        if (x->ks) {
                struct ksym s;
                if (kallsyms_lookup(x->ks, v, &s) && s.type != 'd' && s.type != 'D' && s.type != 'b' &&
                    s.type != 'B')
                        return false;
        }
        return v % 8 == 0;
}

static bool shared_pointer(const struct explain *x, const struct oops_event *a, const struct oops_event *b,
                           uint64_t *ret) {
        for (size_t i = 0; i < a->n_regs; i++) {
                uint64_t v = strtoull(a->regs[i].value ? a->regs[i].value : "", NULL, 16);
                if (!object_pointer(x, a, v))
                        continue;
                for (size_t j = 0; j < b->n_regs; j++)
                        if (b->regs[j].value && strtoull(b->regs[j].value, NULL, 16) == v && object_pointer(x, b, v)) {
                                *ret = v;
                                return true;
                        }
        }
        return false;
}

/* Why a and b belong together, or false. */
static bool related(const struct explain *x, const struct oops_event *a, const struct oops_event *b,
                    struct link *l) {
        char da[128], db[128];
        const char *ma = guilty_module(a), *mb = guilty_module(b);
        uint64_t p;

        if (shared_pointer(x, a, b, &p)) {
                snprintf(l->why, sizeof(l->why), "the pointer 0x%016" PRIx64, p);
                l->pointer = p;
                l->has_pointer = true;
                return true;
        }
        if (location_dir(a, da, sizeof(da)) && location_dir(b, db, sizeof(db)) && strcmp(da, db) == 0) {
                snprintf(l->why, sizeof(l->why), "the subsystem %s/", da);
                return true;
        }
        if (ma && mb && strcmp(ma, mb) == 0) {
                snprintf(l->why, sizeof(l->why), "the module %s", ma);
                return true;
        }
        if (family(a->frame, da, sizeof(da)) && family(b->frame, db, sizeof(db)) && strcmp(da, db) == 0) {
                snprintf(l->why, sizeof(l->why), "the function family %s_*", da);
                return true;
        }
        return false;
}

static json_object *event_summary(const struct explain *x, size_t i, const struct link *l, bool in_chain) {
        const struct oops_event *e = &x->r->events[i];
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_object_object_add(o, "event", json_object_new_int64((int64_t) i));
        json_object_object_add(o, "title", e->title ? json_object_new_string(e->title) : NULL);
        json_object_object_add(o, "timestamp", e->has_ts ? json_object_new_double(e->ts) : NULL);
        json_object_object_add(o, "cpu", e->cpu >= 0 ? json_object_new_int(e->cpu) : NULL);
        json_object_object_add(o, "pid", e->pid >= 0 ? json_object_new_int(e->pid) : NULL);
        json_object_object_add(o, "location", e->location ? json_object_new_string(e->location) : NULL);
        json_object_object_add(o, "related", json_object_new_boolean(in_chain));
        json_object_object_add(o, "related_by", in_chain && l->why[0] ? json_object_new_string(l->why) : NULL);
        return o;
}

int analyze_event_chain(struct explain *x) {
        const struct vmc_report *r = x->r;
        ssize_t fatal = r->fatal_event >= 0 ? r->fatal_event : r->title_event;
        struct link links[CHAIN_MAX] = {};
        bool chain[CHAIN_MAX] = {};
        size_t n = 0, lead = SIZE_MAX, n_chain = 0;
        json_object *ev, *list;
        const struct oops_event *f, *le;
        int k;

        if (fatal <= 0 || (size_t) fatal >= CHAIN_MAX)
                return 0;
        f = &r->events[fatal];
        /* Backwards from the crash: a report joins the chain when it is
         * related to the crash or to a report already in it. */
        for (ssize_t i = fatal - 1; i >= 0; i--) {
                const struct oops_event *e = &r->events[i];
                if (!earlier_report(e))
                        continue;
                n++;
                if (related(x, e, f, &links[i]))
                        chain[i] = links[i].direct = true;
                for (ssize_t j = i + 1; j < fatal && !chain[i]; j++)
                        if (chain[j] && related(x, e, &r->events[j], &links[i]))
                                chain[i] = true;
                if (chain[i]) {
                        n_chain++;
                        lead = (size_t) i;
                }
        }
        if (n == 0)
                return 0;

        ev = json_object_new_object();
        list = json_object_new_array();
        if (!ev || !list) {
                json_object_put(ev);
                json_object_put(list);
                return -ENOMEM;
        }
        json_object_object_add(ev, "events", list);
        for (ssize_t i = 0; i < fatal; i++)
                if (earlier_report(&r->events[i]))
                        json_object_array_add(list, event_summary(x, (size_t) i, &links[i], chain[i]));
        json_object_object_add(ev, "fatal_event", json_object_new_int64(fatal));
        k = hints_add(x->out, "event-chain", "earlier-reports", HINT_INFO, ev,
                      "%zu kernel report%s came before the fatal one (%s), %zu of them related to it", n,
                      n == 1 ? "" : "s", f->title ? f->title : "?", n_chain);
        if (k < 0 || lead == SIZE_MAX)
                return k;

        le = &r->events[lead];
        ev = event_summary(x, lead, &links[lead], true);
        if (!ev)
                return -ENOMEM;
        {
                _cleanup_free_ char *holders = links[lead].has_pointer ? explain_regs_holding(x, links[lead].pointer)
                                                                      : NULL;
                char when[96] = "";
                if (le->has_ts && f->has_ts)
                        snprintf(when, sizeof(when), " at %.6f s, %.3f s before the crash,", le->ts, f->ts - le->ts);
                if (le->cpu >= 0)
                        snprintf(when + strlen(when), sizeof(when) - strlen(when), " on CPU %d", le->cpu);
                json_object_object_add(ev, "fatal_registers", holders ? json_object_new_string(holders) : NULL);
                k = hints_add(x->out, "event-chain", "lead-event", HINT_WARNING, ev,
                              "the first related report, \"%s\"%s, is the likely lead (it shares %s with %s): "
                              "start there, not at the last report",
                              le->title ? le->title : "?", when, links[lead].why,
                              links[lead].direct ? "the crash" : "the reports that lead to the crash");
        }
        return k;
}
