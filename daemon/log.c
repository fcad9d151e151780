/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static void log_va(const char *level, int error, const char *fmt, va_list ap) {
        fputs("vmcored: ", stderr);
        if (level)
                fputs(level, stderr);
        vfprintf(stderr, fmt, ap);
        if (error != 0)
                fprintf(stderr, ": %s", strerror(abs(error)));
        fputc('\n', stderr);
}

void log_error(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_va(NULL, 0, fmt, ap);
        va_end(ap);
}

void log_info(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_va(NULL, 0, fmt, ap);
        va_end(ap);
}

void log_warning(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_va("warning: ", 0, fmt, ap);
        va_end(ap);
}

int log_error_errno(int error, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_va(NULL, error, fmt, ap);
        va_end(ap);
        return -abs(error);
}
