/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared bits of the unit tests: cmocka headers in the order it needs,
 * paths of the test data, and small readers. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klog.h"
#include "report.h"

#ifndef TEST_DATA_DIR
#error "TEST_DATA_DIR must be defined by the build"
#endif

static inline char *test_path(const char *name) {
        char *p = NULL;
        if (asprintf(&p, "%s/%s", TEST_DATA_DIR, name) < 0)
                return NULL;
        return p;
}

static inline char *test_read(const char *name, size_t *len) {
        char *path = test_path(name), *buf = NULL;
        FILE *f = path ? fopen(path, "rb") : NULL;
        long n;

        if (!f) {
                fprintf(stderr, "cannot open test data %s\n", path ? path : name);
                free(path);
                return NULL;
        }
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc((size_t) n + 1);
        if (buf && fread(buf, 1, (size_t) n, f) != (size_t) n) {
                free(buf);
                buf = NULL;
        }
        if (buf)
                buf[n] = 0;
        if (len)
                *len = (size_t) n;
        fclose(f);
        free(path);
        return buf;
}

/* Analyzes an in-memory log with a fresh analyzer of the caller's. */
static inline struct vmc_report *test_analyze_buf(struct vmc_analyzer *a, const char *buf, size_t len) {
        struct klog *log = NULL;
        struct vmc_report *r = NULL;

        assert_int_equal(klog_from_buffer(buf, len, &log), 0);
        assert_int_equal(vmc_analyze_log(a, log, "test", &r), 0);
        return r;
}

static inline struct vmc_report *test_analyze_file(struct vmc_analyzer *a, const char *name) {
        size_t len = 0;
        char *buf = test_read(name, &len);
        struct vmc_report *r;

        assert_non_null(buf);
        r = test_analyze_buf(a, buf, len);
        free(buf);
        return r;
}

static inline struct vmc_analyzer *test_analyzer(void) {
        struct vmc_analyzer *a = NULL;
        char err[512] = "";
        int r = vmc_analyzer_new(&a, err, sizeof(err));
        if (r < 0)
                fprintf(stderr, "analyzer: %s\n", err);
        assert_int_equal(r, 0);
        return a;
}

/* The title event of a report (the one the crash title comes from). */
static inline const struct oops_event *test_title_event(const struct vmc_report *r) {
        assert_true(r->title_event >= 0);
        return &r->events[r->title_event];
}
