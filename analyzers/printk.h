/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The kernel log, read from the crashed kernel's memory using nothing but
 * VMCOREINFO: the lockless ring buffer (Linux >= 5.10), the structured
 * printk_log buffer (3.5 - 5.9) and the plain text buffer (<= 3.4).
 *
 *     struct printk_log *log;
 *     r = printk_read(vmcoreinfo, &kmem, &log, err, sizeof(err));
 *     printk_format(log, 0, &text);           // = makedumpfile --dump-dmesg
 *
 * Corrupt buffers never make the walk loop or read out of bounds: bad
 * records are skipped and counted, and the log says it is partial. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmem.h"
#include "strbuf.h"
#include "vmcoreinfo.h"

enum printk_buffer {
        PRINTK_LOCKLESS,        /* struct printk_ringbuffer, 5.10+ */
        PRINTK_STRUCTURED,      /* struct printk_log (struct log before 3.11) */
        PRINTK_PLAIN,           /* char log_buf[], <= 3.4 */
};

struct printk_record {
        uint64_t ts_nsec;
        uint32_t caller_id;     /* bit 31: CPU context, else task (pid) */
        uint32_t text_len;
        const char *text;       /* not NUL-terminated; may hold any byte */
};

struct printk_log {
        enum printk_buffer buffer;
        bool has_caller_id;     /* the buffer records caller ids */
        struct printk_record *records;
        size_t n_records;
        /* PRINTK_PLAIN: the text as the kernel stored it. */
        const char *plain;
        size_t plain_len;
        /* Damage found: records skipped because their descriptor or data was
         * inconsistent, and whether the walk had to stop early. */
        size_t n_corrupt;
        bool truncated;
        /* Storage the records point into. */
        uint8_t *storage;
};

/* Reads the kernel log. Fails (-ENODATA with a message in err) when
 * VMCOREINFO lacks what every walker needs or the buffer cannot be read; a
 * damaged buffer gives a log with n_corrupt/truncated set instead. */
int printk_read(const struct vmcoreinfo *vi, const struct kmem *mem, struct printk_log **ret, char *err,
                size_t errlen);
void printk_log_free(struct printk_log *log);

static inline bool printk_log_partial(const struct printk_log *log) {
        return log->n_corrupt > 0 || log->truncated;
}

enum {
        /* Show caller ids as makedumpfile >= 1.7.5 does ("[      T1] "); the
         * default is Debian 12's makedumpfile 1.7.2, which does not. */
        PRINTK_FORMAT_CALLER_ID = 1 << 0,
        /* The kernel's own console format ("[    1.000000][    T1] " on every
         * line of a record, bytes unescaped): what the log analyzer reads. */
        PRINTK_FORMAT_KERNEL = 1 << 1,
};

/* Appends the log as text. Without flags the bytes equal
 * makedumpfile --dump-dmesg of the same dump. */
int printk_format(const struct printk_log *log, unsigned flags, struct strbuf *out);
