/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small helpers shared by the analyzers library: cleanup attributes in the
 * style of systemd, and a few string helpers that work on (pointer, length)
 * pairs, because kernel logs may contain NUL bytes. */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define TAKE_PTR(p)                      \
        ({                               \
                __typeof__(p) _tp_ = (p);    \
                (p) = NULL;              \
                _tp_;                    \
        })

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)  \
        static inline void func##p(type *p) {    \
                if (*p)                          \
                        func(*p);                \
        }

/* Fills the caller's error buffer (when given) and returns r, so that error
 * paths read `return set_error(-EBADMSG, err, errlen, "...", ...);`. */
_printf_(4, 5) static inline int set_error(int r, char *err, size_t errlen, const char *fmt, ...) {
        va_list ap;

        if (err && errlen > 0) {
                va_start(ap, fmt);
                vsnprintf(err, errlen, fmt, ap);
                va_end(ap);
        }
        return r;
}

static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

static inline bool startswith_n(const char *s, size_t n, const char *prefix) {
        size_t l = strlen(prefix);
        return n >= l && memcmp(s, prefix, l) == 0;
}

static inline bool endswith_n(const char *s, size_t n, const char *suffix) {
        size_t l = strlen(suffix);
        return n >= l && memcmp(s + n - l, suffix, l) == 0;
}

/* memmem() for a NUL-terminated needle, tuned for short log lines: it
 * looks for the first non-space character of the needle with memchr()
 * (spaces are everywhere in logs) and compares around each hit. */
static inline const char *find_n(const char *s, size_t n, const char *needle) {
        size_t l = strlen(needle), k = 0;
        const char *p, *end;

        if (l == 0)
                return s;
        if (l > n)
                return NULL;
        while (k + 1 < l && needle[k] == ' ')
                k++;
        p = s + k;
        end = s + (n - l) + k + 1;
        while (p < end) {
                p = memchr(p, needle[k], (size_t) (end - p));
                if (!p)
                        return NULL;
                if (memcmp(p - k, needle, l) == 0)
                        return p - k;
                p++;
        }
        return NULL;
}

static inline bool contains_n(const char *s, size_t n, const char *needle) {
        return find_n(s, n, needle) != NULL;
}
