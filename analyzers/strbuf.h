/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A growable byte buffer that is always NUL-terminated (the terminator is not
 * counted in len), so its contents can be handed to C string APIs when they
 * hold no NUL bytes. */

#include <stdarg.h>
#include <stddef.h>

#include "util.h"

struct strbuf {
        char *buf;
        size_t len;
        size_t cap;
};

#define STRBUF_INIT ((struct strbuf){ NULL, 0, 0 })

int strbuf_reserve(struct strbuf *sb, size_t extra);
int strbuf_append(struct strbuf *sb, const char *s, size_t n);
int strbuf_puts(struct strbuf *sb, const char *s);
int strbuf_putc(struct strbuf *sb, char c);
int strbuf_printf(struct strbuf *sb, const char *fmt, ...) _printf_(2, 3);
void strbuf_truncate(struct strbuf *sb, size_t len);
void strbuf_done(struct strbuf *sb);

/* Hands the buffer over to the caller (never NULL unless out of memory). */
char *strbuf_steal(struct strbuf *sb);

static inline void strbuf_reset(struct strbuf *sb) {
        strbuf_truncate(sb, 0);
}
