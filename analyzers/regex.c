/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <errno.h>
#include <pcre2.h>
#include <stdio.h>

#include "regex.h"
#include "util.h"

/* Far above what any real kernel log needs (the corpus peaks in the
 * thousands), low enough that a crafted log cannot stall the analyzer. */
#define VRE_MATCH_LIMIT 2000000U
#define VRE_DEPTH_LIMIT 200000U

struct vre {
        char *pattern;          /* until compiled */
        int compile_error;      /* PCRE2 error code of a failed compile */
        pcre2_code *code;
        pcre2_match_data *md;
        pcre2_match_context *mctx;
        unsigned ngroups;
        unsigned uses;
        bool matched;
};

/* JIT compilation costs far more than interpreting a pattern a few times;
 * most rules run once or twice per log, so only hot patterns get it. */
#define VRE_JIT_AFTER_USES 16U

static int compile_now(struct vre *re, char *errbuf, size_t errlen) {
        int errcode;
        PCRE2_SIZE erroff;
        uint32_t cap = 0;

        /* No UTF mode: logs are bytes and may be invalid UTF-8. */
        re->code = pcre2_compile((PCRE2_SPTR) re->pattern, PCRE2_ZERO_TERMINATED, PCRE2_DOLLAR_ENDONLY, &errcode,
                                 &erroff, NULL);
        if (!re->code) {
                if (errbuf && errlen > 0) {
                        PCRE2_UCHAR msg[160];
                        pcre2_get_error_message(errcode, msg, sizeof(msg));
                        snprintf(errbuf, errlen, "regex /%s/ at offset %zu: %s", re->pattern, (size_t) erroff,
                                 (const char *) msg);
                }
                re->compile_error = errcode;
                return -EINVAL;
        }
        re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
        re->mctx = pcre2_match_context_create(NULL);
        if (!re->md || !re->mctx)
                return -ENOMEM;
        pcre2_set_match_limit(re->mctx, VRE_MATCH_LIMIT);
        pcre2_set_depth_limit(re->mctx, VRE_DEPTH_LIMIT);
        pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &cap);
        re->ngroups = cap;
        free(re->pattern);
        re->pattern = NULL;
        return 0;
}

int vre_compile(const char *pattern, struct vre **ret, char *errbuf, size_t errlen) {
        struct vre *re;
        int r;

        re = calloc(1, sizeof(*re));
        if (!re)
                return -ENOMEM;
        re->pattern = strdup(pattern);
        if (!re->pattern) {
                free(re);
                return -ENOMEM;
        }
        /* Compiling every built-in rule costs more than analyzing a log
         * with them, and most never match: they compile on first use. The
         * test suite sets VMCORED_REGEX_EAGER=1 to check them all up front. */
        if (getenv("VMCORED_REGEX_EAGER")) {
                r = compile_now(re, errbuf, errlen);
                if (r < 0) {
                        vre_free(re);
                        return r;
                }
        }
        *ret = re;
        return 0;
}

void vre_free(struct vre *re) {
        if (!re)
                return;
        pcre2_match_context_free(re->mctx);
        pcre2_match_data_free(re->md);
        pcre2_code_free(re->code);
        free(re->pattern);
        free(re);
}

bool vre_search(struct vre *re, const char *subject, size_t len, size_t start) {
        int rc;

        re->matched = false;
        if (start > len)
                return false;
        if (!re->code && (re->compile_error || compile_now(re, NULL, 0) < 0))
                return false; /* built-in patterns are checked by the tests */
        /* JIT is an optimization only; the interpreter is used when it is
         * not available on this architecture. */
        if (++re->uses == VRE_JIT_AFTER_USES)
                (void) pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);

        /* PCRE2 wants a non-NULL subject even when it is empty. */
        rc = pcre2_match(re->code, (PCRE2_SPTR) (subject ? subject : ""), len, start,
                         0, re->md, re->mctx);
        /* The default JIT stack is small; deep lazy repetitions over long
         * reports can exhaust it. The interpreter has no such limit. */
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
                rc = pcre2_match(re->code, (PCRE2_SPTR) subject, len, start,
                                 PCRE2_NO_JIT, re->md, re->mctx);
        re->matched = rc > 0;
        return re->matched;
}

unsigned vre_ngroups(struct vre *re) {
        if (!re->code && !re->compile_error)
                (void) compile_now(re, NULL, 0);
        return re->ngroups;
}

bool vre_group(const struct vre *re, unsigned i, size_t *begin, size_t *end) {
        PCRE2_SIZE *ov;

        if (!re->matched || i > re->ngroups)
                return false;
        if (i >= pcre2_get_ovector_count(re->md))
                return false;
        ov = pcre2_get_ovector_pointer(re->md);
        if (ov[2 * i] == PCRE2_UNSET)
                return false;
        *begin = ov[2 * i];
        *end = ov[2 * i + 1];
        return true;
}
