/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The log model: a kernel log read from a file, a file descriptor or memory,
 * normalized into lines, each with its console prefix parsed.
 *
 * Accepted inputs: dmesg / vmcore-dmesg / `makedumpfile --dump-dmesg` output,
 * serial console captures, `dmesg -x` and `dmesg -T` output, syslog files and
 * `journalctl -k` output (the "<date> <host> kernel: " prefix is removed and
 * lines of other programs are dropped), with or without `[ t.tttttt]`
 * timestamps, `[T123]`/`[C4]` caller ids and `<N>` levels, CRLF line ends,
 * NUL bytes and bytes that are not UTF-8.
 *
 * The console prefix and the printk context of each line follow the contract
 * in shared/docs/crash-titles.md §2: a line has context "none" without a
 * timestamp prefix, "console" with a timestamp but no caller id, or the
 * caller id text itself ("[T1234]", "[  C1]") otherwise. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum klog_ctx {
        KLOG_CTX_NONE,          /* no console prefix: the line is used verbatim */
        KLOG_CTX_CONSOLE,       /* timestamp, no caller id */
        KLOG_CTX_TASK,          /* [T<pid>] */
        KLOG_CTX_CPU,           /* [C<cpu>] */
};

struct klog_line {
        const char *text;       /* the (normalized) line, not NUL-terminated */
        size_t len;
        size_t body;            /* offset of the message after the console prefix */
        const char *ctx;        /* caller id text within text (TASK/CPU only) */
        uint8_t ctx_len;
        uint8_t ctx_kind;       /* enum klog_ctx */
        bool questionable;      /* an unreliable "? func" frame line */
        bool has_ts;
        int8_t level;           /* <N> syslog level, -1 when absent */
        uint32_t ctx_id;        /* caller id number (pid or cpu) */
        uint32_t lineno;        /* 1-based line number in the input */
        double ts;              /* seconds since boot, when has_ts */
};

struct klog {
        char *buf;              /* normalized text: lines joined by '\n' */
        size_t len;
        struct klog_line *lines;
        size_t n_lines;
};

/* Largest log we accept; kernel ring buffers are at most 32 MiB. */
#define KLOG_MAX_SIZE ((size_t) 512 * 1024 * 1024)

int klog_from_buffer(const void *data, size_t len, struct klog **ret);

/* Reads a whole file descriptor (at most KLOG_MAX_SIZE bytes) into a
 * NUL-terminated buffer; directories are refused with -EISDIR. */
int klog_read_fd(int fd, char **ret, size_t *len);
int klog_from_fd(int fd, struct klog **ret);
int klog_from_file(const char *path, struct klog **ret);
void klog_free(struct klog *log);

/* The message part of a line (after the console prefix, if any). */
static inline const char *klog_body(const struct klog_line *l, size_t *len) {
        *len = l->len - l->body;
        return l->text + l->body;
}

/* Same printk context (both none, both console, or the same caller id). */
bool klog_same_ctx(const struct klog_line *a, const struct klog_line *b);

/* Parses the console prefix of one raw line (exposed for tests). Returns
 * true when the line has one, filling the fields of *l except text/len. */
bool klog_parse_prefix(const char *s, size_t n, struct klog_line *l);
