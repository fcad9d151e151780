/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Crash titles compatible with syzkaller's (shared/docs/crash-titles.md):
 * find the first crash report in a log, cut out its text by printk context,
 * choose the title format, take the guilty frame from the stack, normalize,
 * and decide whether the report is corrupted.
 *
 * The engine holds the compiled rules; create one and reuse it for many
 * logs (it is not thread-safe: use one per thread). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "klog.h"

struct title_engine;

int title_engine_new(struct title_engine **ret, char *errbuf, size_t errlen);
void title_engine_free(struct title_engine *e);

/* Per-line facts the title rules need, computed once per log. */
enum {
        TITLE_LINE_REPLAYED = 1 << 0,      /* next line replays it: a truncated copy */
        TITLE_LINE_START_IGNORE = 1 << 1,  /* a header that may appear inside a report */
        TITLE_LINE_INFO_STACK = 1 << 2,    /* an informational message with a stack */
};

struct title_scan {
        int16_t *header;        /* per line: index of the header rule, or -1 */
        uint8_t *flags;         /* per line: TITLE_LINE_* */
        uint64_t *mask;         /* per line: which of the engine's fixed strings occur */
        size_t n_lines;
        bool console_dropped;   /* "serialport: VM disconnected." somewhere */
};

int title_scan_log(struct title_engine *e, const struct klog *log, struct title_scan *scan);
void title_scan_done(struct title_scan *scan);

/* True when line i starts a report (a header that is not vetoed). */
static inline bool title_scan_is_header(const struct title_scan *s, size_t i) {
        return s->header[i] >= 0 && !(s->flags[i] & TITLE_LINE_REPLAYED);
}

struct title_result {
        char *title;                    /* normalized title; NULL: no crash */
        char **alts;                    /* alternative titles (normalized) */
        size_t n_alts;
        char *frame;                    /* identifier after the last " in ", or NULL */
        const char *type;               /* syzkaller crash type, e.g. "WARNING" */
        bool corrupted;
        const char *corrupted_reason;   /* static string, or NULL */
        size_t line;                    /* the header line */
        size_t end_line;                /* the last header line of the report span */
        int header;                     /* index of the header rule */
};

/* Titles the first report that starts at a line in [from, to), reading
 * lines up to `to`. ret->title is NULL when there is none. */
int title_find(struct title_engine *e, const struct klog *log, const struct title_scan *scan,
               size_t from, size_t to, struct title_result *ret);
void title_result_done(struct title_result *r);

/* Title normalization (§7) and sanitization; exposed for tests and for
 * titles made outside the rule tables. */
int title_normalize(struct title_engine *e, const char *in, size_t len, char **ret);

/* The syzkaller crash type of a final title ("UNKNOWN" when none applies). */
const char *title_type(const char *title);

/* Removes the syscall-entry prefix of a function name (sys_, __x64_, ...),
 * returning a pointer into name. */
const char *title_strip_syscall_prefix(const char *name);

/* The guilty frame of the report starting at line `start`: the RIP/PC
 * function, else the first non-generic call-trace frame (or, with stall,
 * the frame above the first dispatcher). *ret is NULL when none. Used for
 * reports the title rules have no format for (hard lockups, bare oopses). */
int title_guilty_frame(struct title_engine *e, const struct klog *log, const struct title_scan *scan,
                       size_t start, size_t to, bool stall, char **ret);

/* Whether a function name is in the global list of generic frames. */
bool title_frame_is_generic(struct title_engine *e, const char *name);
