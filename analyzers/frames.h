/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Parsing of the machine-readable parts of an oops: call-trace frame lines,
 * the RIP/PC line and register dumps, for x86_64, i386, arm64, arm, powerpc
 * and riscv console formats. Works on the message part of a line (after
 * the console prefix). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum frame_stack {
        FRAME_STACK_TASK,
        FRAME_STACK_IRQ,
        FRAME_STACK_SOFTIRQ,
        FRAME_STACK_NMI,
        FRAME_STACK_EXCEPTION,
};

struct frame {
        char *function;         /* as printed, including .isra.0/.cold suffixes */
        char *module;           /* NULL for vmlinux */
        uint64_t offset;
        uint64_t size;
        uint64_t address;       /* 0 when the line printed none */
        bool has_offset;        /* offset/size were printed */
        bool reliable;          /* not a "? " (or "(unreliable)") frame */
        uint8_t stack;          /* enum frame_stack */
};

void frame_done(struct frame *f);

/* Outcome of looking at one line inside a call trace. */
enum trace_line {
        TRACE_FRAME,            /* *f was filled (caller frees with frame_done) */
        TRACE_MARKER,           /* <IRQ>, </IRQ>, <TASK>, <EOI>, ... (stack updated) */
        TRACE_END_MARKER,       /* </TASK>: the trace ends here */
        TRACE_SKIP,             /* belongs to the trace but is no frame (registers, Code:, inline) */
        TRACE_OTHER,            /* not part of a trace */
};

/* Classifies a line of a call trace. *stack tracks the current stack
 * across lines (start with FRAME_STACK_TASK). */
enum trace_line frame_parse_trace_line(const char *s, size_t n, uint8_t *stack, struct frame *f);

/* Parses the instruction pointer line: x86 "RIP: 0010:func+0x1/0x2 [mod]",
 * i386 "EIP: ..." / "EIP is at ...", arm64 "pc : func+...", arm "PC is at
 * func+...", powerpc "NIP [addr] func+...", riscv "epc : func+...". Returns
 * false for other lines and for user-space or unsymbolized values (then
 * *user is set when the line was an instruction pointer of user mode). */
bool frame_parse_ip_line(const char *s, size_t n, struct frame *f, bool *user);

/* Parses the link register line: arm64 "lr : func+0x1/0x2 [mod]", arm
 * "LR is at func+...", riscv " ra : func+...". */
bool frame_parse_link_line(const char *s, size_t n, struct frame *f);

/* True for a line starting a call trace section ("Call Trace:",
 * "Call trace:", "Backtrace:"). */
bool frame_is_trace_start(const char *s, size_t n);

struct reg {
        char name[16];
        char *value;            /* "0x" + hex as printed, or a symbol for pc/lr */
};

/* Parses a register dump line ("RAX: ... RBX: ...", "x29: ... x28: ...",
 * "pstate: 60400005 (...)", "sp : ..."). Appends to *regs (growing it);
 * returns the number of registers found (0: not a register line), or
 * -ENOMEM. */
int regs_parse_line(const char *s, size_t n, struct reg **regs, size_t *n_regs);

void regs_free(struct reg *regs, size_t n);

/* Removes compiler clone suffixes: "foo.isra.0" -> "foo", "bar.cold" ->
 * "bar". Returns the length of the base name. */
size_t frame_base_name_len(const char *name);
