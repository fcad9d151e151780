/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "strbuf.h"

int strbuf_reserve(struct strbuf *sb, size_t extra) {
        size_t need, cap;
        char *n;

        if (extra > SIZE_MAX / 2 - sb->len)
                return -ENOMEM;
        need = sb->len + extra + 1;
        if (need <= sb->cap)
                return 0;

        cap = MAX(need, sb->cap * 2);
        cap = MAX(cap, (size_t) 64);
        n = realloc(sb->buf, cap);
        if (!n)
                return -ENOMEM;
        sb->buf = n;
        sb->cap = cap;
        return 0;
}

int strbuf_append(struct strbuf *sb, const char *s, size_t n) {
        int r;

        r = strbuf_reserve(sb, n);
        if (r < 0)
                return r;
        if (n > 0)
                memcpy(sb->buf + sb->len, s, n);
        sb->len += n;
        sb->buf[sb->len] = 0;
        return 0;
}

int strbuf_puts(struct strbuf *sb, const char *s) {
        return strbuf_append(sb, s, strlen(s));
}

int strbuf_putc(struct strbuf *sb, char c) {
        return strbuf_append(sb, &c, 1);
}

int strbuf_printf(struct strbuf *sb, const char *fmt, ...) {
        va_list ap;
        int n, r;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -EINVAL;

        r = strbuf_reserve(sb, (size_t) n);
        if (r < 0)
                return r;

        va_start(ap, fmt);
        vsnprintf(sb->buf + sb->len, (size_t) n + 1, fmt, ap);
        va_end(ap);
        sb->len += (size_t) n;
        return 0;
}

void strbuf_truncate(struct strbuf *sb, size_t len) {
        if (len < sb->len) {
                sb->len = len;
                sb->buf[len] = 0;
        }
}

void strbuf_done(struct strbuf *sb) {
        free(sb->buf);
        *sb = STRBUF_INIT;
}

char *strbuf_steal(struct strbuf *sb) {
        char *p;

        if (!sb->buf && strbuf_reserve(sb, 1) < 0)
                return NULL;
        p = sb->buf;
        p[sb->len] = '\0';
        *sb = STRBUF_INIT;
        return p;
}
