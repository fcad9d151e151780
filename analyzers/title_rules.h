/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The rule tables behind crash titles (shared/docs/crash-titles.md §3, §5,
 * §6): which lines start a crash report, which title formats exist for each
 * kind of header, how the guilty frame is taken from the stack, and which
 * frames are too generic to blame. Pure data; title.c interprets it. */

#include <stddef.h>

/* A stack part that means "parse frames from here" rather than "advance to
 * the first line matching this regex". */
#define TR_PARSE "\001parse"

enum frame_extractor {
        EXTRACT_FIRST,          /* the first frame that is not skipped */
        EXTRACT_STALL,          /* the frame above the first dispatcher (anchor) */
        EXTRACT_HANG,           /* the first frame not about waiting/locking */
};

struct stack_rule {
        const char *parts[4];
        const char *alt_parts[3];       /* tried when parts yield no frame */
        const char *skip[16];           /* extra skips for this format */
        enum frame_extractor extractor;
};

enum {
        TR_NO_STACK_TRACE = 1 << 0,     /* never checked for a missing stack */
        TR_CORRUPTED = 1 << 1,          /* reports of this format are corrupted */
};

/* Templates use %1 .. %9 for positional arguments: the capture groups of
 * the report regex (or of the title regex when there is none), followed by
 * the frames the stack rule extracted. */
struct title_rule {
        const char *title;
        const char *report;
        const char *fmt;
        const char *alt;
        const struct stack_rule *stack;
        unsigned flags;
};

struct header_rule {
        const char *header;                     /* substring that starts a report */
        const struct title_rule *rules;         /* terminated by fmt == NULL */
        const char *suppressions[12];           /* regexes that veto the line */
};

extern const struct header_rule title_header_rules[];
extern const size_t title_header_rules_count;

extern const char *const title_skip_frames[];           /* NULL-terminated */
extern const char *const title_stall_anchors[];         /* NULL-terminated */
extern const char *const title_stack_starts[];          /* NULL-terminated */
extern const char *const title_frame_lines[];           /* NULL-terminated */
extern const char *const title_syscall_prefixes[];      /* NULL-terminated */
extern const char *const title_report_start_ignores[];  /* NULL-terminated */
extern const char *const title_info_with_stack[];       /* NULL-terminated */

extern const char title_rip_frame[];
extern const char title_call_trace[];
extern const char title_fault_injection_frame[];
extern const char title_riscv_stack_start[];
