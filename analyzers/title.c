/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>

#include "demangle.h"
#include "needles.h"
#include "regex.h"
#include "strbuf.h"
#include "title.h"
#include "title_rules.h"
#include "util.h"

#define MAX_PARTS 4
#define MAX_SUPPRESSIONS 12
#define MAX_ARGS 9
#define TITLE_MAX_LEN 120

struct compiled_stack {
        struct vre *parts[MAX_PARTS];   /* NULL: parse frames */
        size_t n_parts;
        struct vre *alt_parts[MAX_PARTS];
        size_t n_alt_parts;
        struct vre *skip;               /* extra skips of this format, or NULL */
        enum frame_extractor extractor;
};

struct compiled_rule {
        const struct title_rule *rule;
        struct vre *title;
        struct vre *report;
        struct compiled_stack *stack;
};

struct compiled_header {
        const struct header_rule *rule;
        struct compiled_rule *rules;
        size_t n_rules;
        struct vre *suppressions[MAX_SUPPRESSIONS];
        size_t n_suppressions;
};

struct norm_rule {
        const char *re;
        const char *repl;       /* template, %N = group N */
};

/* Title normalization (crash-titles.md §7), applied in order, each until
 * the title stops changing. */
static const struct norm_rule norm_rules[] = {
        { "syz-executor\\.?[0-9]+((/|:)[0-9]+)?", "syz-executor" },
        { "syzkaller[0-9]+((/|:)[0-9]+)?", "syzkaller" },
        { "([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}", "%1ADDR" },
        { "([0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3})", "IP" },
        { "(\\.\\w+)(:[0-9]+)+", "%1:LINE" },
        { "([a-zA-Z][a-zA-Z0-9_.]+)\\+0x[0-9a-z]+/0x[0-9a-z]+", "%1" },
        { "CPU#[0-9]+", "CPU" },
        { "(\\W)(\\d+)(\\W|$)", "%1NUM%3" },
        { "(\\d+){7,}", "NUM" },
};

/* Fixed strings looked for in every line, after the report headers (whose
 * needle index is their header index). */
enum {
        N_INFO_STACK,           /* title_info_with_stack[] */
        N_START_IGNORE = N_INFO_STACK + 3,      /* title_report_start_ignores[] */
        N_REPLAY = N_START_IGNORE + 5,
        N_LOCK_DEBUG_OFF,
        N_SENDING_NMI,
        N_KERNEL_PANIC,
        N_CIRCULAR_LOCKING,
        N_KMSAN,
        N_SHOULD_FAIL,
        _N_EXTRA,
};

/* Memo of the global skip list: the same few hundred function names recur
 * in every log, and the skip list is a 240-way alternation. */
struct skip_memo {
        char **keys;
        uint8_t *vals;
        size_t cap;
        size_t n;
};

struct title_engine {
        struct vre_pool *pool;
        struct skip_memo memo;
        struct vre *stack_start_any;
        struct compiled_header *headers;
        size_t n_headers;
        struct needles *needles;
        uint64_t header_bits;           /* needle bits of the report headers */
        struct vre *frame_lines[4];
        size_t n_frame_lines;
        struct vre *stack_starts[12];
        size_t n_stack_starts;
        size_t riscv_start;             /* index in stack_starts exempt from checks */
        struct vre *fault_injection;
        struct vre *skip_global;
        struct vre *stall_anchors;
        struct vre *norm[ELEMENTSOF(norm_rules)];
        struct vre *timestamp_in_title;
        struct vre *frame_of_title;
        struct compiled_stack *rip_stack;       /* RIP frame, then the call trace */
        struct compiled_stack *rip_stack_stall; /* the same, with the stall extractor */
};

/* ------------------------------------------------------------------ */
/* engine construction                                                 */

/* Joins patterns into one alternation; an alternation matches exactly when
 * one of its members does. */
static int compile_alternation(struct vre_pool *pool, const char *const *list, bool quote, struct vre **ret,
                               char *errbuf, size_t errlen) {
        struct strbuf sb = STRBUF_INIT;
        int r = 0;

        for (size_t i = 0; list[i]; i++) {
                if (i > 0)
                        r = strbuf_putc(&sb, '|');
                if (r >= 0 && quote) {
                        r = strbuf_puts(&sb, "\\Q");
                        if (r >= 0)
                                r = strbuf_puts(&sb, list[i]);
                        if (r >= 0)
                                r = strbuf_puts(&sb, "\\E");
                } else if (r >= 0)
                        r = strbuf_puts(&sb, list[i]);
                if (r < 0)
                        goto out;
        }
        if (!sb.buf) {
                *ret = NULL;
                goto out;
        }
        r = vre_compile_owned(pool, strbuf_steal(&sb), ret, errbuf, errlen);
out:
        strbuf_done(&sb);
        return r;
}

static void compiled_stack_free(struct compiled_stack *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->n_parts; i++)
                vre_free(s->parts[i]);
        for (size_t i = 0; i < s->n_alt_parts; i++)
                vre_free(s->alt_parts[i]);
        vre_free(s->skip);
        free(s);
}

static int compile_parts(struct vre_pool *pool, const char *const *parts, size_t max, struct vre **out, size_t *n,
                         char *errbuf, size_t errlen) {
        int r;

        for (*n = 0; *n < max && parts[*n]; (*n)++) {
                out[*n] = NULL;
                if (streq_ptr(parts[*n], TR_PARSE))
                        continue;
                r = vre_compile(pool, parts[*n], &out[*n], errbuf, errlen);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int compile_stack(struct vre_pool *pool, const struct stack_rule *rule, struct compiled_stack **ret, char *errbuf,
                         size_t errlen) {
        struct compiled_stack *s;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->extractor = rule->extractor;
        r = compile_parts(pool, rule->parts, ELEMENTSOF(rule->parts), s->parts, &s->n_parts, errbuf, errlen);
        if (r >= 0)
                r = compile_parts(pool, rule->alt_parts, ELEMENTSOF(rule->alt_parts), s->alt_parts,
                                  &s->n_alt_parts, errbuf, errlen);
        if (r >= 0 && rule->skip[0])
                r = compile_alternation(pool, rule->skip, false, &s->skip, errbuf, errlen);
        if (r < 0) {
                compiled_stack_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

void title_engine_free(struct title_engine *e) {
        if (!e)
                return;
        for (size_t h = 0; h < e->n_headers; h++) {
                struct compiled_header *ch = &e->headers[h];
                for (size_t i = 0; i < ch->n_rules; i++) {
                        vre_free(ch->rules[i].title);
                        vre_free(ch->rules[i].report);
                        compiled_stack_free(ch->rules[i].stack);
                }
                free(ch->rules);
                for (size_t i = 0; i < ch->n_suppressions; i++)
                        vre_free(ch->suppressions[i]);
        }
        free(e->headers);
        needles_free(e->needles);
        for (size_t i = 0; i < e->memo.cap; i++)
                free(e->memo.keys[i]);
        free(e->memo.keys);
        free(e->memo.vals);
        vre_free(e->stack_start_any);
        for (size_t i = 0; i < e->n_frame_lines; i++)
                vre_free(e->frame_lines[i]);
        for (size_t i = 0; i < e->n_stack_starts; i++)
                vre_free(e->stack_starts[i]);
        vre_free(e->fault_injection);
        vre_free(e->skip_global);
        vre_free(e->stall_anchors);
        for (size_t i = 0; i < ELEMENTSOF(norm_rules); i++)
                vre_free(e->norm[i]);
        vre_free(e->timestamp_in_title);
        vre_free(e->frame_of_title);
        compiled_stack_free(e->rip_stack);
        compiled_stack_free(e->rip_stack_stall);
        vre_pool_free(e->pool);
        free(e);
}

static size_t extra_needle(size_t n_headers, size_t which) {
        return n_headers + which;
}

int title_engine_new(struct title_engine **ret, char *errbuf, size_t errlen) {
        struct title_engine *e;
        struct vre_pool *pool;
        const char *needle_list[NEEDLES_MAX];
        size_t n_needles = 0;
        int r;

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        r = vre_pool_new(&e->pool);
        if (r < 0)
                goto fail;
        pool = e->pool;

        e->headers = calloc(title_header_rules_count, sizeof(*e->headers));
        if (!e->headers) {
                r = -ENOMEM;
                goto fail;
        }
        for (size_t h = 0; h < title_header_rules_count; h++) {
                const struct header_rule *hr = &title_header_rules[h];
                struct compiled_header *ch = &e->headers[e->n_headers++];
                size_t n = 0;

                ch->rule = hr;
                while (hr->rules[n].fmt)
                        n++;
                ch->rules = calloc(n, sizeof(*ch->rules));
                if (!ch->rules) {
                        r = -ENOMEM;
                        goto fail;
                }
                for (size_t i = 0; i < n; i++) {
                        struct compiled_rule *cr = &ch->rules[ch->n_rules++];
                        cr->rule = &hr->rules[i];
                        r = vre_compile(pool, cr->rule->title, &cr->title, errbuf, errlen);
                        if (r >= 0 && cr->rule->report)
                                r = vre_compile(pool, cr->rule->report, &cr->report, errbuf, errlen);
                        if (r >= 0 && cr->rule->stack)
                                r = compile_stack(pool, cr->rule->stack, &cr->stack, errbuf, errlen);
                        if (r < 0)
                                goto fail;
                }
                for (size_t i = 0; i < MAX_SUPPRESSIONS && hr->suppressions[i]; i++) {
                        r = vre_compile(pool, hr->suppressions[i], &ch->suppressions[ch->n_suppressions++],
                                        errbuf, errlen);
                        if (r < 0)
                                goto fail;
                }
                needle_list[n_needles++] = hr->header;
                e->header_bits |= UINT64_C(1) << h;
        }
        for (size_t i = 0; i < 3; i++)
                needle_list[n_needles++] = title_info_with_stack[i];
        for (size_t i = 0; i < 5; i++)
                needle_list[n_needles++] = title_report_start_ignores[i];
        needle_list[n_needles++] = "** replaying previous printk message **";
        needle_list[n_needles++] = "Disabling lock debugging due to kernel taint";
        needle_list[n_needles++] = "Sending NMI from CPU";
        needle_list[n_needles++] = "Kernel panic - not syncing";
        needle_list[n_needles++] = "WARNING: possible circular locking dependency detected";
        needle_list[n_needles++] = "BUG: KMSAN:";
        needle_list[n_needles++] = "should_fail";
        if (n_needles != extra_needle(e->n_headers, _N_EXTRA) || title_info_with_stack[3] ||
            title_report_start_ignores[5]) {
                snprintf(errbuf, errlen, "title rule tables and needle list disagree");
                r = -EINVAL;
                goto fail;
        }
        r = needles_new(needle_list, n_needles, &e->needles);
        if (r < 0)
                goto fail;

        for (size_t i = 0; title_frame_lines[i]; i++) {
                r = vre_compile(pool, title_frame_lines[i], &e->frame_lines[e->n_frame_lines++], errbuf, errlen);
                if (r < 0)
                        goto fail;
        }
        for (size_t i = 0; title_stack_starts[i]; i++) {
                if (title_stack_starts[i] == title_riscv_stack_start)
                        e->riscv_start = i;
                r = vre_compile(pool, title_stack_starts[i], &e->stack_starts[e->n_stack_starts++], errbuf, errlen);
                if (r < 0)
                        goto fail;
        }
        r = compile_alternation(pool, title_stack_starts, false, &e->stack_start_any, errbuf, errlen);
        if (r >= 0)
                r = vre_compile(pool, title_fault_injection_frame, &e->fault_injection, errbuf, errlen);
        if (r >= 0)
                r = compile_alternation(pool, title_skip_frames, false, &e->skip_global, errbuf, errlen);
        if (r >= 0)
                r = compile_alternation(pool, title_stall_anchors, false, &e->stall_anchors, errbuf, errlen);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(norm_rules); i++)
                r = vre_compile(pool, norm_rules[i].re, &e->norm[i], errbuf, errlen);
        if (r >= 0)
                r = vre_compile(pool, "\\[ *[0-9]+\\.[0-9]+\\]", &e->timestamp_in_title, errbuf, errlen);
        if (r >= 0)
                r = vre_compile(pool, ".* in ((?:<[a-zA-Z0-9_: ]+>)?[a-zA-Z0-9_:]+)", &e->frame_of_title,
                                errbuf, errlen);
        if (r >= 0) {
                struct stack_rule rip = { .parts = { title_rip_frame, title_call_trace, TR_PARSE } };
                r = compile_stack(pool, &rip, &e->rip_stack, errbuf, errlen);
                rip.extractor = EXTRACT_STALL;
                if (r >= 0)
                        r = compile_stack(pool, &rip, &e->rip_stack_stall, errbuf, errlen);
        }
        if (r < 0)
                goto fail;

        *ret = e;
        return 0;
fail:
        title_engine_free(e);
        return r;
}

/* ------------------------------------------------------------------ */
/* per-log scan                                                        */

static bool suppressed(struct compiled_header *ch, const char *s, size_t n) {
        for (size_t i = 0; i < ch->n_suppressions; i++)
                if (vre_match(ch->suppressions[i], s, n))
                        return true;
        return false;
}

static uint64_t needle_bit(const struct title_engine *e, size_t which) {
        return UINT64_C(1) << extra_needle(e->n_headers, which);
}

static uint64_t needle_bits(const struct title_engine *e, size_t which, size_t count) {
        return ((UINT64_C(1) << count) - 1) << extra_needle(e->n_headers, which);
}

int title_scan_log(struct title_engine *e, const struct klog *log, struct title_scan *scan) {
        size_t n = MAX(log->n_lines, (size_t) 1);
        int r;

        *scan = (struct title_scan){};
        scan->header = malloc(n * sizeof(int16_t));
        scan->flags = calloc(n, 1);
        if (!scan->header || !scan->flags) {
                title_scan_done(scan);
                return -ENOMEM;
        }
        r = needles_scan_log(e->needles, log, &scan->mask);
        if (r < 0) {
                title_scan_done(scan);
                return r;
        }
        scan->n_lines = log->n_lines;
        scan->console_dropped = memmem(log->buf, log->len, "serialport: VM disconnected.", 28) != NULL;

        for (size_t i = 0; i < log->n_lines; i++) {
                const struct klog_line *l = &log->lines[i];
                uint64_t m = scan->mask[i];

                scan->header[i] = -1;
                if (m & needle_bits(e, N_INFO_STACK, 3))
                        scan->flags[i] |= TITLE_LINE_INFO_STACK;
                if (!(m & e->header_bits))
                        continue;
                for (size_t h = 0; h < e->n_headers; h++)
                        if ((m & (UINT64_C(1) << h)) && !suppressed(&e->headers[h], l->text, l->len)) {
                                scan->header[i] = (int16_t) h;
                                break;
                        }
                if (scan->header[i] < 0)
                        continue;
                if (m & needle_bits(e, N_START_IGNORE, 5))
                        scan->flags[i] |= TITLE_LINE_START_IGNORE;
                if (i + 1 < log->n_lines && (scan->mask[i + 1] & needle_bit(e, N_REPLAY)))
                        scan->flags[i] |= TITLE_LINE_REPLAYED;
        }
        return 0;
}

void title_scan_done(struct title_scan *scan) {
        free(scan->header);
        free(scan->flags);
        free(scan->mask);
        *scan = (struct title_scan){};
}

/* ------------------------------------------------------------------ */
/* report text                                                          */

static bool is_cpu_ctx(const struct klog_line *l) {
        return l->ctx_kind == KLOG_CTX_CPU;
}

/* The text the title is computed from (crash-titles.md §4): lines of the
 * oops line's printk context, stripped of their console prefix, without
 * unreliable frames, trimmed after a panic, cut at a second report. */
static int build_report(const struct title_engine *e, const struct klog *log, const struct title_scan *scan,
                        size_t start, size_t to, struct strbuf *text, size_t *report_end, size_t *end_line) {
        const struct klog_line *oops = &log->lines[start];
        bool second = false, skip_text = false, cpu_traceback = false;
        size_t text_lines = 0;
        size_t min_lines;
        int r;

        min_lines = (scan->mask[start] & needle_bit(e, N_KMSAN)) ? 16 : 22;
        *report_end = 0;
        *end_line = start;

        for (size_t i = start; i < to; i++) {
                const struct klog_line *l = &log->lines[i];
                bool is_oops = i == start, skip_line;
                const char *body;
                size_t blen;

                if (!is_oops && !second && (scan->flags[i] & TITLE_LINE_INFO_STACK))
                        second = true;
                if (title_scan_is_header(scan, i)) {
                        *end_line = i;
                        if (!is_oops && !second && !(scan->flags[i] & TITLE_LINE_START_IGNORE))
                                second = true;
                }
                if (!is_oops &&
                    (l->questionable || (!klog_same_ctx(l, oops) && (!cpu_traceback || !is_cpu_ctx(l)))))
                        continue;

                text_lines++;
                skip_line = skip_text;
                uint64_t m = scan->mask[i];
                if (m & needle_bit(e, N_LOCK_DEBUG_OFF))
                        skip_line = true;
                else if (m & needle_bit(e, N_SENDING_NMI))
                        cpu_traceback = true;
                else if ((m & (needle_bit(e, N_KERNEL_PANIC) | needle_bit(e, N_CIRCULAR_LOCKING))) &&
                         text_lines > min_lines) {
                        skip_text = true;
                        skip_line = true;
                }
                if (!is_oops && skip_line)
                        continue;

                body = klog_body(l, &blen);
                if (l->questionable) {
                        /* Only the oops line gets here: like the reference,
                         * keep what follows the " ?" marker. */
                        const char *q = find_n(body, blen, " ? ");
                        if (q) {
                                blen -= (size_t) (q + 2 - body);
                                body = q + 2;
                        } else if (endswith_n(body, blen, " (unreliable)"))
                                blen -= 13;
                }
                r = strbuf_append(text, body, blen);
                if (r >= 0)
                        r = strbuf_putc(text, '\n');
                if (r < 0)
                        return r;
                if (!second || oops->ctx_kind == KLOG_CTX_TASK || oops->ctx_kind == KLOG_CTX_CPU)
                        *report_end = text->len;
        }
        return 0;
}

/* ------------------------------------------------------------------ */
/* frames                                                                */

struct frame_list {
        char **v;
        size_t n, cap;
};

static void frame_list_clear(struct frame_list *f) {
        for (size_t i = 0; i < f->n; i++)
                free(f->v[i]);
        f->n = 0;
}

static void frame_list_done(struct frame_list *f) {
        frame_list_clear(f);
        free(f->v);
        *f = (struct frame_list){};
}

static int frame_list_push(struct frame_list *f, char *s) {
        if (f->n == f->cap) {
                size_t cap = MAX(f->cap * 2, (size_t) 16);
                char **v = realloc(f->v, cap * sizeof(char *));
                if (!v) {
                        free(s);
                        return -ENOMEM;
                }
                f->v = v;
                f->cap = cap;
        }
        f->v[f->n++] = s;
        return 0;
}

/* The memo starts small and doubles at half load: a few hundred names is
 * the usual total, and a table sized for the worst case would touch (and
 * fault in) pages at every start and at every free. */
#define SKIP_MEMO_MIN 256
#define SKIP_MEMO_MAX 16384

static uint64_t hash_str(const char *s) {
        uint64_t h = UINT64_C(1469598103934665603);
        for (; *s; s++)
                h = (h ^ (uint8_t) *s) * UINT64_C(1099511628211);
        return h;
}

static size_t memo_slot(const struct skip_memo *m, const char *name) {
        size_t slot = hash_str(name) & (m->cap - 1);
        while (m->keys[slot] && strcmp(m->keys[slot], name) != 0)
                slot = (slot + 1) & (m->cap - 1);
        return slot;
}

static int memo_grow(struct skip_memo *m) {
        size_t ncap = m->cap ? m->cap * 2 : SKIP_MEMO_MIN;
        struct skip_memo n = { .cap = ncap, .n = m->n };

        n.keys = calloc(ncap, sizeof(char *));
        n.vals = calloc(ncap, 1);
        if (!n.keys || !n.vals) {
                free(n.keys);
                free(n.vals);
                return -ENOMEM;
        }
        for (size_t i = 0; i < m->cap; i++)
                if (m->keys[i]) {
                        size_t slot = memo_slot(&n, m->keys[i]);
                        n.keys[slot] = m->keys[i];
                        n.vals[slot] = m->vals[i];
                }
        free(m->keys);
        free(m->vals);
        *m = n;
        return 0;
}

bool title_frame_is_generic(struct title_engine *e, const char *name) {
        struct skip_memo *m = &e->memo;
        size_t slot;
        bool v;

        if (m->keys) {
                slot = memo_slot(m, name);
                if (m->keys[slot])
                        return m->vals[slot];
        }
        v = vre_match(e->skip_global, name, strlen(name));
        /* A full memo (or no memory) only means the next lookup asks the
         * regex again. */
        if ((m->n + 1) * 2 > m->cap && (m->cap >= SKIP_MEMO_MAX || memo_grow(m) < 0))
                return v;
        slot = memo_slot(m, name);
        m->keys[slot] = strdup(name);
        if (m->keys[slot]) {
                m->vals[slot] = v;
                m->n++;
        }
        return v;
}

static bool frame_skipped(struct title_engine *e, const struct compiled_stack *st, const char *name) {
        return title_frame_is_generic(e, name) || (st->skip && vre_match(st->skip, name, strlen(name)));
}

/* Adds every capture group of the last match of re (on line) as a frame,
 * unless it is a generic frame. */
static int append_captures(struct title_engine *e, const struct compiled_stack *st, struct vre *re,
                           const char *line, struct frame_list *out) {
        for (unsigned g = 1; g <= vre_ngroups(re); g++) {
                size_t b, end;
                char *name;
                int r;

                if (!vre_group(re, g, &b, &end))
                        continue;
                name = frame_demangle(line + b, end - b);
                if (!name)
                        name = strndup(line + b, end - b);
                if (!name)
                        return -ENOMEM;
                if (frame_skipped(e, st, name)) {
                        free(name);
                        continue;
                }
                r = frame_list_push(out, name);
                if (r < 0)
                        return r;
        }
        return 0;
}

const char *title_strip_syscall_prefix(const char *name) {
        const char *best = name;

        for (size_t i = 0; title_syscall_prefixes[i]; i++) {
                size_t l = strlen(title_syscall_prefixes[i]);
                if (strncmp(name, title_syscall_prefixes[i], l) == 0 && strlen(name + l) < strlen(best))
                        best = name + l;
        }
        return best;
}

struct key_frame {
        char *canonical;
        char *raw;
};

static void key_frames_done(struct key_frame *k, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(k[i].canonical);
                free(k[i].raw);
        }
}

static bool any_anchor(struct title_engine *e, const char *name) {
        return vre_match(e->stall_anchors, name, strlen(name));
}

/* Picks the key frame among the surviving frames; returns its index in
 * frames (and the name to use in *name), or -1. */
static ssize_t pick_frame(struct title_engine *e, enum frame_extractor ex, char **stripped, size_t n,
                          const char **name) {
        static const char *const hang_skips[] = {
                "sched", "_lock", "_slowlock", "down", "rwsem", "completion", "kthread", "wait",
                "synchronize", "context_switch", "__switch_to", "cancel_delayed_work", "rcu_barrier",
        };

        if (n == 0)
                return -1;

        switch (ex) {
        case EXTRACT_FIRST:
                *name = stripped[0];
                return 0;

        case EXTRACT_STALL: {
                ssize_t prev = 0;
                for (size_t i = 0; i < n; i++) {
                        if (any_anchor(e, stripped[i])) {
                                if (strstr(stripped[i], "smp_call_function")) {
                                        *name = "smp_call_function";
                                        return (ssize_t) i;
                                }
                                *name = stripped[prev];
                                return prev;
                        }
                        prev = (ssize_t) i;
                }
                return -1;
        }

        case EXTRACT_HANG:
                for (size_t i = 0; i < n; i++) {
                        if (strstr(stripped[i], "rtnl_lock")) {
                                *name = stripped[i];
                                return (ssize_t) i;
                        }
                        if (strstr(stripped[i], "synchronize_rcu") || strstr(stripped[i], "synchronize_srcu") ||
                            strstr(stripped[i], "synchronize_net") || strstr(stripped[i], "synchronize_sched")) {
                                *name = "synchronize_rcu";
                                return (ssize_t) i;
                        }
                }
                for (size_t i = 0; i < n; i++) {
                        bool skip = false;
                        for (size_t k = 0; k < ELEMENTSOF(hang_skips) && !skip; k++)
                                skip = strstr(stripped[i], hang_skips[k]) != NULL;
                        if (!skip) {
                                *name = stripped[i];
                                return (ssize_t) i;
                        }
                }
                return -1;
        }
        return -1;
}

static int flush_key_frame(struct title_engine *e, const struct compiled_stack *st, struct frame_list *raw,
                           struct key_frame *out, bool *ok) {
        const char *stripped[256];
        const char *name = NULL;
        size_t n = MIN(raw->n, ELEMENTSOF(stripped));
        ssize_t idx;

        for (size_t i = 0; i < n; i++)
                stripped[i] = title_strip_syscall_prefix(raw->v[i]);
        idx = pick_frame(e, st->extractor, (char **) stripped, n, &name);
        if (idx < 0) {
                out->canonical = strdup("corrupted");
                out->raw = strdup("corrupted");
                *ok = false;
        } else {
                out->canonical = strdup(name);
                out->raw = strdup(raw->v[idx]);
        }
        frame_list_clear(raw);
        if (!out->canonical || !out->raw)
                return -ENOMEM;
        return 0;
}

static bool line_matches_any(struct vre *const *list, size_t n, const char *s, size_t len) {
        for (size_t i = 0; i < n; i++)
                if (vre_match(list[i], s, len))
                        return true;
        return false;
}

static bool is_fault_injection(struct title_engine *e, const char *ln, size_t ll) {
        return contains_n(ln, ll, "should_fail") && vre_match(e->fault_injection, ln, ll);
}

/* The next line of a stack walk (without its '\n'). A fault-injection
 * frame ends the walk of the current part and marks the stack corrupted. */
static bool next_line(struct title_engine *e, const char *text, size_t len, size_t *pos, const char **ln,
                      size_t *ll, bool *ok) {
        const char *nl;

        if (*pos > len)
                return false;
        *ln = text + *pos;
        nl = memchr(*ln, '\n', len - *pos);
        *ll = nl ? (size_t) (nl - *ln) : len - *pos;
        *pos += *ll + 1;
        if (is_fault_injection(e, *ln, *ll)) {
                *ok = false;
                return false;
        }
        return true;
}

/* Walks the stack parts over text (crash-titles.md §6.2). */
static int walk_parts(struct title_engine *e, const struct compiled_stack *st, struct vre *const *parts,
                      size_t n_parts, const char *text, size_t len, struct key_frame *keys, size_t *n_keys,
                      bool *ok) {
        struct frame_list raw = {};
        size_t pos = 0, n_traces = 0, ll;
        const char *ln;
        int r = 0;

        *ok = true;
        *n_keys = 0;

        for (size_t p = 0;; p++) {
                if (p == n_parts || (!parts[p] && n_traces > 0)) {
                        r = flush_key_frame(e, st, &raw, &keys[(*n_keys)++], ok);
                        if (r < 0)
                                goto out;
                }
                if (p == n_parts)
                        break;

                if (!parts[p]) {
                        n_traces++;
                        while (next_line(e, text, len, &pos, &ln, &ll, ok)) {
                                if (vre_match(e->stack_start_any, ln, ll))
                                        break;
                                if (p + 1 < n_parts && parts[p + 1] && vre_match(parts[p + 1], ln, ll)) {
                                        r = append_captures(e, st, parts[p + 1], ln, &raw);
                                        if (r < 0)
                                                goto out;
                                        p++;
                                        break;
                                }
                                for (size_t f = 0; f < e->n_frame_lines; f++)
                                        if (vre_match(e->frame_lines[f], ln, ll)) {
                                                r = append_captures(e, st, e->frame_lines[f], ln, &raw);
                                                if (r < 0)
                                                        goto out;
                                                break;
                                        }
                        }
                } else {
                        while (next_line(e, text, len, &pos, &ln, &ll, ok)) {
                                if (!vre_match(parts[p], ln, ll))
                                        continue;
                                r = append_captures(e, st, parts[p], ln, &raw);
                                if (r < 0)
                                        goto out;
                                break;
                        }
                }
        }
out:
        frame_list_done(&raw);
        return r;
}

static int extract_stack(struct title_engine *e, const struct compiled_stack *st, const char *text,
                         size_t len, struct key_frame *keys, size_t *n_keys, bool *ok) {
        int r;

        r = walk_parts(e, st, st->parts, st->n_parts, text, len, keys, n_keys, ok);
        if (r < 0 || *ok || st->n_alt_parts == 0)
                return r;
        key_frames_done(keys, *n_keys);
        return walk_parts(e, st, st->alt_parts, st->n_alt_parts, text, len, keys, n_keys, ok);
}

/* ------------------------------------------------------------------ */
/* templates, normalization                                             */

static int format_template(const char *tmpl, char *const *args, size_t n_args, struct strbuf *out) {
        int r = 0;

        for (const char *p = tmpl; *p && r >= 0; p++) {
                if (p[0] == '%' && p[1] >= '1' && p[1] <= '9') {
                        size_t i = (size_t) (p[1] - '1');
                        r = i < n_args ? strbuf_puts(out, args[i]) : strbuf_puts(out, "%!v(BADINDEX)");
                        p++;
                } else
                        r = strbuf_putc(out, *p);
        }
        return r;
}

static int replace_all(struct vre *re, const char *repl, const char *in, size_t len, struct strbuf *out) {
        size_t pos = 0;
        int r = 0;

        strbuf_reset(out);
        while (pos <= len && vre_search(re, in, len, pos)) {
                char *args[MAX_ARGS] = {};
                size_t b, end, n_args = 0;

                vre_group(re, 0, &b, &end);
                r = strbuf_append(out, in + pos, b - pos);
                for (unsigned g = 1; r >= 0 && g <= vre_ngroups(re) && g <= MAX_ARGS; g++) {
                        size_t gb, ge;
                        args[n_args] = vre_group(re, g, &gb, &ge) ? strndup(in + gb, ge - gb) : strdup("");
                        if (!args[n_args++])
                                r = -ENOMEM;
                }
                if (r >= 0)
                        r = format_template(repl, args, n_args, out);
                for (size_t i = 0; i < n_args; i++)
                        free(args[i]);
                if (r < 0)
                        return r;
                if (end == b) {
                        /* Empty match: copy one byte and move on. */
                        if (b < len)
                                r = strbuf_putc(out, in[b]);
                        pos = b + 1;
                } else
                        pos = end;
                if (r < 0)
                        return r;
        }
        if (pos < len)
                r = strbuf_append(out, in + pos, len - pos);
        else if (!out->buf)
                r = strbuf_reserve(out, 0);
        return r;
}

int title_normalize(struct title_engine *e, const char *in, size_t len, char **ret) {
        struct strbuf cur = STRBUF_INIT, next = STRBUF_INIT;
        int r;

        r = strbuf_append(&cur, in, len);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(norm_rules); i++) {
                for (;;) {
                        r = replace_all(e->norm[i], norm_rules[i].repl, cur.buf, cur.len, &next);
                        if (r < 0)
                                break;
                        bool same = next.len == cur.len && memcmp(next.buf, cur.buf, cur.len) == 0;
                        struct strbuf t = cur;
                        cur = next;
                        next = t;
                        if (same)
                                break;
                }
        }
        strbuf_done(&next);
        if (r < 0) {
                strbuf_done(&cur);
                return r;
        }

        /* Sanitize: first 120 bytes, printable ASCII, single spaces, trimmed. */
        char *s = malloc(TITLE_MAX_LEN + 1);
        size_t n = 0;
        char prev = ' ';
        if (!s) {
                strbuf_done(&cur);
                return -ENOMEM;
        }
        for (size_t i = 0; i < cur.len && i < TITLE_MAX_LEN; i++) {
                char c = cur.buf[i];
                if (c == '\t')
                        c = ' ';
                else if ((unsigned char) c < 0x20 || (unsigned char) c >= 0x7f)
                        continue;
                if (c == ' ' && prev == ' ')
                        continue;
                s[n++] = c;
                prev = c;
        }
        while (n > 0 && s[n - 1] == ' ')
                n--;
        s[n] = 0;
        strbuf_done(&cur);
        *ret = s;
        return 0;
}

/* ------------------------------------------------------------------ */
/* choosing the format                                                   */

struct description {
        struct strbuf title;
        char **alts;
        size_t n_alts;
        const char *corrupted;
        const struct compiled_rule *rule;      /* the format that produced title, or NULL */
};

static void description_done(struct description *d) {
        strbuf_done(&d->title);
        for (size_t i = 0; i < d->n_alts; i++)
                free(d->alts[i]);
        free(d->alts);
        *d = (struct description){};
}

static int add_alt(struct description *d, struct strbuf *s) {
        char **v;
        char *str;

        const char *text = s->buf ? s->buf : "";

        for (size_t i = 0; i < d->n_alts; i++)
                if (strcmp(d->alts[i], text) == 0)
                        return 0;
        str = strdup(text);
        if (!str)
                return -ENOMEM;
        v = realloc(d->alts, (d->n_alts + 1) * sizeof(char *));
        if (!v) {
                free(str);
                return -ENOMEM;
        }
        d->alts = v;
        d->alts[d->n_alts++] = str;
        return 0;
}

/* The alternative titles made from the raw frames: as printed, and with
 * each single syscall prefix removed (crash-titles.md §9). */
static int fill_alts(const struct compiled_rule *cr, char **prefix, size_t n_prefix, const struct key_frame *keys,
                     size_t n_keys, struct description *d) {
        struct strbuf s = STRBUF_INIT;
        int r = 0;

        for (size_t v = 0; r >= 0; v++) {
                const char *strip = v > 0 ? title_syscall_prefixes[v - 1] : NULL;
                char *args[MAX_ARGS];
                size_t n = 0;
                bool add = v == 0;

                if (v > 0 && !strip)
                        break;
                for (size_t i = 0; i < n_prefix && n < MAX_ARGS; i++)
                        args[n++] = prefix[i];
                for (size_t k = 0; k < n_keys && n < MAX_ARGS; k++) {
                        char *raw = keys[k].raw;
                        if (strip && strncmp(raw, strip, strlen(strip)) == 0) {
                                raw += strlen(strip);
                                add = true;
                        }
                        args[n++] = raw;
                }
                if (!add)
                        continue;
                strbuf_reset(&s);
                r = format_template(cr->rule->fmt, args, n, &s);
                if (r >= 0 && !streq_ptr(s.buf ? s.buf : "", d->title.buf ? d->title.buf : ""))
                        r = add_alt(d, &s);
                if (r >= 0 && cr->rule->alt) {
                        strbuf_reset(&s);
                        r = format_template(cr->rule->alt, args, n, &s);
                        if (r >= 0)
                                r = add_alt(d, &s);
                }
        }
        strbuf_done(&s);
        return r;
}

/* crash-titles.md §5: every format is tried; the earliest match wins. */
static int extract_description(struct title_engine *e, const struct compiled_header *ch, const char *text,
                               size_t len, struct description *d) {
        size_t start = len;
        bool matched_title = false;
        bool have = false;
        int r = 0;

        for (size_t i = 0; i < ch->n_rules; i++) {
                const struct compiled_rule *cr = &ch->rules[i];
                struct vre *src;
                size_t b, end, mstart;
                char *prefix[MAX_ARGS] = {};
                size_t n_prefix = 0;
                struct key_frame keys[4] = {};
                size_t n_keys = 0;
                bool ok = true;

                if (!vre_search(cr->title, text, len, 0))
                        continue;
                vre_group(cr->title, 0, &b, &end);
                if (b > start)
                        continue;
                if (b == start && have)
                        continue;
                if (b < start) {
                        strbuf_reset(&d->title);
                        have = false;
                        d->rule = NULL;
                        start = b;
                }
                matched_title = true;
                src = cr->title;
                if (cr->report) {
                        if (!vre_search(cr->report, text, len, 0))
                                continue;
                        src = cr->report;
                }
                vre_group(src, 0, &mstart, &end);
                for (unsigned g = 1; g <= vre_ngroups(src) && n_prefix < MAX_ARGS; g++) {
                        size_t gb, ge;
                        prefix[n_prefix] = vre_group(src, g, &gb, &ge) ? strndup(text + gb, ge - gb) : strdup("");
                        if (!prefix[n_prefix++])
                                r = -ENOMEM;
                }

                d->corrupted = NULL;
                if (r >= 0 && cr->stack) {
                        r = extract_stack(e, cr->stack, text + mstart, len - mstart, keys, &n_keys, &ok);
                        if (!ok)
                                d->corrupted = "extracted no frames";
                }
                if (r >= 0) {
                        char *args[MAX_ARGS];
                        size_t n = 0;
                        for (size_t k = 0; k < n_prefix && n < MAX_ARGS; k++)
                                args[n++] = prefix[k];
                        for (size_t k = 0; k < n_keys && n < MAX_ARGS; k++)
                                args[n++] = keys[k].canonical;
                        strbuf_reset(&d->title);
                        r = format_template(cr->rule->fmt, args, n, &d->title);
                        if (r >= 0 && !d->title.buf)
                                r = strbuf_reserve(&d->title, 0);
                        if (r >= 0 && cr->rule->alt) {
                                struct strbuf s = STRBUF_INIT;
                                r = format_template(cr->rule->alt, args, n, &s);
                                if (r >= 0)
                                        r = add_alt(d, &s);
                                strbuf_done(&s);
                        }
                        if (r >= 0)
                                r = fill_alts(cr, prefix, n_prefix, keys, n_keys, d);
                }
                for (size_t k = 0; k < n_prefix; k++)
                        free(prefix[k]);
                key_frames_done(keys, n_keys);
                if (r < 0)
                        return r;
                have = true;
                d->rule = cr;
        }

        if (!have) {
                const char *h;
                if (matched_title)
                        d->corrupted = "matched title but not report regexp";
                h = find_n(text, len, ch->rule->header);
                if (!h)
                        return 0;
                const char *nl = memchr(h, '\n', (size_t) (text + len - h));
                strbuf_reset(&d->title);
                r = strbuf_append(&d->title, h, nl ? (size_t) (nl - h) : (size_t) (text + len - h));
                if (r < 0)
                        return r;
                have = true;
        }
        if (!d->corrupted && d->rule && (d->rule->rule->flags & TR_CORRUPTED))
                d->corrupted = "report format is marked as corrupted";
        return 0;
}

/* crash-titles.md §8. */
static const char *check_corrupted(struct title_engine *e, const char *title, const char *report, size_t len,
                                   const struct compiled_rule *cr) {
        bool has_stack = false;

        if (vre_match(e->timestamp_in_title, title, strlen(title)))
                return "title matches corrupted regexp";
        if (!cr || (cr->rule->flags & TR_NO_STACK_TRACE))
                return NULL;

        for (size_t k = 0; k < e->n_stack_starts; k++) {
                size_t b, end, pos, n_lines = 1;
                bool corrupted = true;

                if (!vre_search(e->stack_starts[k], report, len, 0))
                        continue;
                vre_group(e->stack_starts[k], 0, &b, &end);
                for (size_t i = b; i < len; i++)
                        if (report[i] == '\n')
                                n_lines++;
                if (n_lines < 4)
                        return "call trace is missed";

                /* Skip the rest of the keyword's line. */
                const char *nl = memchr(report + b, '\n', len - b);
                pos = nl ? (size_t) (nl - report) + 1 : len;
                for (size_t i = 0; i < 15 && pos <= len; i++) {
                        const char *ln = report + pos;
                        const char *lnl = memchr(ln, '\n', len - pos);
                        size_t ll = lnl ? (size_t) (lnl - ln) : len - pos;
                        bool is_frame = false;

                        if (vre_match(e->stack_start_any, ln, ll))
                                break;
                        is_frame = contains_n(ln, ll, "(stack is not available)") ||
                                   line_matches_any(e->frame_lines, e->n_frame_lines, ln, ll);
                        if (is_frame) {
                                has_stack = true;
                                corrupted = false;
                                break;
                        }
                        if (!lnl)
                                break;
                        pos += ll + 1;
                }
                if (k != e->riscv_start && corrupted)
                        return "no frames in a stack trace";
        }
        if (!has_stack)
                return "no stack trace in report";
        return NULL;
}

/* ------------------------------------------------------------------ */

static const struct {
        const char *prefix;
        const char *type;
} title_types[] = {
        { "KFENCE: use-after-free write", "KFENCE-USE-AFTER-FREE-WRITE" },
        { "KFENCE: use-after-free read", "KFENCE-USE-AFTER-FREE-READ" },
        { "KFENCE: use-after-free", "KFENCE-USE-AFTER-FREE-READ" },
        { "KFENCE: invalid write", "KFENCE-WRITE" },
        { "KFENCE: out-of-bounds write", "KFENCE-WRITE" },
        { "KFENCE: invalid read", "KFENCE-READ" },
        { "KFENCE: out-of-bounds read", "KFENCE-READ" },
        { "KFENCE: out-of-bounds", "KFENCE-READ" },
        { "KFENCE: memory corruption", "KFENCE-MEMORY-CORRUPTION" },
        { "KFENCE: invalid free", "KFENCE-INVALID-FREE" },
        { "KMSAN: uninit-value", "KMSAN-UNINIT-VALUE" },
        { "KMSAN: kernel-infoleak-after-free", "KMSAN-USE-AFTER-FREE-READ" },
        { "KMSAN: kernel-usb-infoleak-after-free", "KMSAN-USE-AFTER-FREE-READ" },
        { "KMSAN: use-after-free", "KMSAN-USE-AFTER-FREE-READ" },
        { "KMSAN: kernel-infoleak", "KMSAN-INFO-LEAK" },
        { "KMSAN: kernel-usb-infoleak", "KMSAN-INFO-LEAK" },
        { "KASAN: null-ptr-deref Write", "KASAN-NULL-POINTER-DEREFERENCE-WRITE" },
        { "KASAN: null-ptr-deref Read", "KASAN-NULL-POINTER-DEREFERENCE-READ" },
        { "BUG: unable to handle kernel NULL pointer dereference in", "NULL-POINTER-DEREFERENCE" },
        { "KASAN: global-out-of-bounds Write", "KASAN-WRITE" },
        { "KASAN: out-of-bounds Write", "KASAN-WRITE" },
        { "KASAN: slab-out-of-bounds Write", "KASAN-WRITE" },
        { "KASAN: stack-out-of-bounds Write", "KASAN-WRITE" },
        { "KASAN: user-memory-access Write", "KASAN-WRITE" },
        { "KASAN: vmalloc-out-of-bounds Write", "KASAN-WRITE" },
        { "KASAN: wild-memory-access Write", "KASAN-WRITE" },
        { "KASAN: global-out-of-bounds Read", "KASAN-READ" },
        { "KASAN: invalid-access Read", "KASAN-READ" },
        { "KASAN: out-of-bounds Read", "KASAN-READ" },
        { "KASAN: slab-out-of-bounds Read", "KASAN-READ" },
        { "KASAN: slab-out-of-bounds", "KASAN-READ" },
        { "KASAN: stack-out-of-bounds Read", "KASAN-READ" },
        { "KASAN: stack-out-of-bounds", "KASAN-READ" },
        { "KASAN: unknown-crash Read", "KASAN-READ" },
        { "KASAN: user-memory-access Read", "KASAN-READ" },
        { "KASAN: vmalloc-out-of-bounds Read", "KASAN-READ" },
        { "KASAN: wild-memory-access Read", "KASAN-READ" },
        { "KASAN: wild-memory-access", "KASAN-READ" },
        { "KASAN: double-free or invalid-free", "KASAN-INVALID-FREE" },
        { "KASAN: invalid-free", "KASAN-INVALID-FREE" },
        { "KASAN: slab-use-after-free Write", "KASAN-USE-AFTER-FREE-WRITE" },
        { "KASAN: use-after-free Write", "KASAN-USE-AFTER-FREE-WRITE" },
        { "KASAN: slab-use-after-free Read", "KASAN-USE-AFTER-FREE-READ" },
        { "KASAN: use-after-free Read", "KASAN-USE-AFTER-FREE-READ" },
        { "KASAN: use-after-free", "KASAN-USE-AFTER-FREE-READ" },
        { "BUG: corrupted list", "MEMORY_SAFETY_BUG" },
        { "BUG: unable to handle kernel paging request", "MEMORY_SAFETY_BUG" },
        { "WARNING: refcount bug", "REFCOUNT_WARNING" },
        { "UBSAN: array-index-out-of-bounds", "MEMORY_SAFETY_UBSAN" },
        { "KCSAN: data-race", "KCSAN-DATARACE" },
        { "KCSAN: assert: race in", "KCSAN-ASSERT" },
        { "BUG: bad unlock balance in", "LOCKDEP" },
        { "BUG: held lock freed in", "LOCKDEP" },
        { "BUG: rwlock", "LOCKDEP" },
        { "BUG: spinlock", "LOCKDEP" },
        { "BUG: still has locks held in", "LOCKDEP" },
        { "BUG: using", "LOCKDEP" },
        { "WARNING: bad unlock balance in", "LOCKDEP" },
        { "WARNING: held lock freed in", "LOCKDEP" },
        { "WARNING: lock held", "LOCKDEP" },
        { "WARNING: locking bug in", "LOCKDEP" },
        { "WARNING: nested lock was not taken in", "LOCKDEP" },
        { "WARNING: still has locks held in", "LOCKDEP" },
        { "WARNING: suspicious RCU usage in", "LOCKDEP" },
        { "inconsistent lock state in", "LOCKDEP" },
        { "possible deadlock in", "LOCKDEP" },
        { "BUG: scheduling while atomic in", "ATOMIC_SLEEP" },
        { "BUG: sleeping function called from invalid context in", "ATOMIC_SLEEP" },
        { "memory leak in", "LEAK" },
        { "BUG: bad usercopy in", "BUG" },
        { "kernel BUG", "BUG" },
        { "WARNING in", "WARNING" },
        { "BUG: stack guard page was hit in", "UNKNOWN" },
        { "WARNING: corrupted", "UNKNOWN" },
        { "WARNING: kernel stack frame pointer has bad value", "UNKNOWN" },
        { "WARNING: kernel stack regs has bad", "UNKNOWN" },
        { "BUG: soft lockup in", "HANG" },
        { "INFO: rcu detected stall in", "HANG" },
        { "INFO: task can't die in", "HANG" },
        { "INFO: task hung in", "HANG" },
        { "Alignment trap in", "DoS" },
        { "BUG: Object already free", "DoS" },
        { "Internal error in", "DoS" },
        { "PANIC: double fault", "DoS" },
        { "Unhandled fault in", "DoS" },
        { "VFS: Busy inodes after unmount (use-after-free)", "DoS" },
        { "VFS: Close: file count is zero (use-after-free)", "DoS" },
        { "divide error in", "DoS" },
        { "general protection fault in", "DoS" },
        { "go runtime error", "DoS" },
        { "int3 in", "DoS" },
        { "invalid opcode in", "DoS" },
        { "kernel panic:", "DoS" },
        { "kernel stack overflow", "DoS" },
        { "panic:", "DoS" },
        { "rust_kernel panicked", "DoS" },
        { "stack segment fault in", "DoS" },
        { "trusty:", "DoS" },
        { "unregister_netdevice: waiting for DEV to become free", "DoS" },
        { "unexpected kernel reboot", "REBOOT" },
        { "SYZFAIL", "SYZ_FAILURE" },
        { "SYZFATAL:", "SYZ_FAILURE" },
        { "WARNING:", "WARNING" },
        { "BUG:", "UNKNOWN" },
        { "INFO:", "UNKNOWN" },
        { "KASAN:", "KASAN-UNKNOWN" },
        { "KFENCE:", "KFENCE-UNKNOWN" },
        { "KMSAN:", "KMSAN-UNKNOWN" },
        { "UBSAN:", "UBSAN" },
        { "KCSAN:", "KCSAN-UNKNOWN" },
};

const char *title_type(const char *title) {
        if (!title)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(title_types); i++)
                if (strncmp(title, title_types[i].prefix, strlen(title_types[i].prefix)) == 0)
                        return title_types[i].type;
        return "UNKNOWN";
}

void title_result_done(struct title_result *r) {
        free(r->title);
        for (size_t i = 0; i < r->n_alts; i++)
                free(r->alts[i]);
        free(r->alts);
        free(r->frame);
        *r = (struct title_result){};
}

static int raw_span(const struct klog *log, size_t start, size_t end_line, struct strbuf *out) {
        const char *b = log->lines[start].text;
        const char *e = log->lines[end_line].text + log->lines[end_line].len;
        return strbuf_append(out, b, (size_t) (e - b));
}

int title_find(struct title_engine *e, const struct klog *log, const struct title_scan *scan, size_t from,
               size_t to, struct title_result *ret) {
        struct strbuf report = STRBUF_INIT;
        struct description d = {};
        const struct compiled_header *ch;
        size_t start, report_end = 0, end_line = 0;
        const char *corrupted;
        int r;

        *ret = (struct title_result){ .header = -1 };
        to = MIN(to, log->n_lines);

        for (start = from; start < to; start++)
                if (title_scan_is_header(scan, start))
                        break;
        if (start >= to)
                return 0;
        ch = &e->headers[scan->header[start]];

        r = build_report(e, log, scan, start, to, &report, &report_end, &end_line);
        if (r < 0)
                goto out;
        if (!report.buf)
                r = strbuf_reserve(&report, 0);
        if (r < 0)
                goto out;

        r = extract_description(e, ch, report.buf, report_end, &d);
        if (r < 0)
                goto out;
        if (d.title.len == 0) {
                /* Retry on the raw, unfiltered span (crash-titles.md §4). */
                description_done(&d);
                strbuf_reset(&report);
                r = raw_span(log, start, end_line, &report);
                if (r >= 0)
                        r = extract_description(e, ch, report.buf, report.len, &d);
                if (r < 0)
                        goto out;
                if (d.title.len == 0)
                        r = strbuf_puts(&d.title, ch->rule->header);
                if (r < 0)
                        goto out;
        }

        corrupted = d.corrupted;
        if (!corrupted)
                corrupted = check_corrupted(e, d.title.buf, report.buf, report.len, d.rule);
        if (scan->console_dropped && !corrupted)
                corrupted = "console output was cut";

        r = title_normalize(e, d.title.buf, d.title.len, &ret->title);
        if (r < 0)
                goto out;
        if (d.n_alts > 0) {
                ret->alts = calloc(d.n_alts, sizeof(char *));
                if (!ret->alts) {
                        r = -ENOMEM;
                        goto out;
                }
                for (size_t i = 0; i < d.n_alts; i++) {
                        char *a;
                        r = title_normalize(e, d.alts[i], strlen(d.alts[i]), &a);
                        if (r < 0)
                                goto out;
                        bool dup = false;
                        for (size_t k = 0; k < ret->n_alts && !dup; k++)
                                dup = strcmp(ret->alts[k], a) == 0;
                        if (dup)
                                free(a);
                        else
                                ret->alts[ret->n_alts++] = a;
                }
        }
        if (vre_match(e->frame_of_title, ret->title, strlen(ret->title))) {
                size_t b, end;
                vre_group(e->frame_of_title, 1, &b, &end);
                ret->frame = strndup(ret->title + b, end - b);
                if (!ret->frame) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        ret->type = title_type(ret->title);
        ret->corrupted = corrupted != NULL;
        ret->corrupted_reason = corrupted;
        ret->line = start;
        ret->end_line = end_line;
        ret->header = scan->header[start];
        r = 0;
out:
        if (r < 0)
                title_result_done(ret);
        description_done(&d);
        strbuf_done(&report);
        return r;
}

int title_guilty_frame(struct title_engine *e, const struct klog *log, const struct title_scan *scan,
                       size_t start, size_t to, bool stall, char **ret) {
        struct strbuf report = STRBUF_INIT;
        struct key_frame keys[4] = {};
        size_t report_end = 0, end_line = 0, n_keys = 0;
        bool ok = true;
        int r;

        *ret = NULL;
        to = MIN(to, log->n_lines);
        if (start >= to)
                return 0;
        r = build_report(e, log, scan, start, to, &report, &report_end, &end_line);
        if (r >= 0 && report.buf)
                r = extract_stack(e, stall ? e->rip_stack_stall : e->rip_stack, report.buf, report_end, keys,
                                  &n_keys, &ok);
        if (r >= 0 && ok && n_keys > 0)
                *ret = TAKE_PTR(keys[0].canonical);
        key_frames_done(keys, n_keys);
        strbuf_done(&report);
        return r;
}
