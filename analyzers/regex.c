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

/* PCRE2 (10.41+) keeps its backtracking frames in the match data and
 * allocates at least 20 KiB of them on the first match. One match data per
 * pattern cost a fresh heap page (a page fault) for every pattern used; the
 * patterns of an engine share one, and each keeps a copy of its groups. */
struct vre_pool {
        bool eager;             /* VMCORED_REGEX_EAGER: compile at once */
        pcre2_match_data *md;
        pcre2_match_context *mctx;
        uint32_t ovector_pairs;
};

struct vre {
        struct vre_pool *pool;
        const char *pattern;    /* until compiled */
        char *owned;            /* the pattern, when it is ours to free */
        int compile_error;      /* PCRE2 error code of a failed compile */
        pcre2_code *code;
        PCRE2_SIZE *groups;     /* 2 * (ngroups + 1) bounds of the last match */
        unsigned ngroups;
        unsigned uses;
        bool matched;
};

int vre_pool_new(struct vre_pool **ret) {
        struct vre_pool *p = calloc(1, sizeof(*p));

        if (!p)
                return -ENOMEM;
        p->mctx = pcre2_match_context_create(NULL);
        if (!p->mctx) {
                free(p);
                return -ENOMEM;
        }
        pcre2_set_match_limit(p->mctx, VRE_MATCH_LIMIT);
        pcre2_set_depth_limit(p->mctx, VRE_DEPTH_LIMIT);
        /* Compiling every built-in rule costs more than analyzing a log
         * with them, and most never match: they compile on first use. The
         * test suite sets VMCORED_REGEX_EAGER=1 to check them all up front. */
        p->eager = getenv("VMCORED_REGEX_EAGER") != NULL;
        *ret = p;
        return 0;
}

void vre_pool_free(struct vre_pool *p) {
        if (!p)
                return;
        pcre2_match_data_free(p->md);
        pcre2_match_context_free(p->mctx);
        free(p);
}

/* The shared match data must hold the groups of the pattern about to run. */
static int pool_fit(struct vre_pool *p, uint32_t pairs) {
        pcre2_match_data *md;

        if (p->md && p->ovector_pairs >= pairs)
                return 0;
        md = pcre2_match_data_create(MAX(pairs, 16U), NULL);
        if (!md)
                return -ENOMEM;
        pcre2_match_data_free(p->md);
        p->md = md;
        p->ovector_pairs = MAX(pairs, 16U);
        return 0;
}

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
        pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &cap);
        re->ngroups = cap;
        re->groups = calloc(2 * ((size_t) cap + 1), sizeof(PCRE2_SIZE));
        if (!re->groups)
                return -ENOMEM;
        free(re->owned);
        re->owned = NULL;
        re->pattern = NULL;
        return 0;
}

static int vre_new(struct vre_pool *pool, const char *pattern, char *owned, struct vre **ret, char *errbuf,
                   size_t errlen) {
        struct vre *re;
        int r;

        re = calloc(1, sizeof(*re));
        if (!re) {
                free(owned);
                return -ENOMEM;
        }
        re->pool = pool;
        re->pattern = pattern;
        re->owned = owned;
        if (pool->eager) {
                r = compile_now(re, errbuf, errlen);
                if (r < 0) {
                        vre_free(re);
                        return r;
                }
        }
        *ret = re;
        return 0;
}

int vre_compile(struct vre_pool *pool, const char *pattern, struct vre **ret, char *errbuf, size_t errlen) {
        return vre_new(pool, pattern, NULL, ret, errbuf, errlen);
}

int vre_compile_owned(struct vre_pool *pool, char *pattern, struct vre **ret, char *errbuf, size_t errlen) {
        return vre_new(pool, pattern, pattern, ret, errbuf, errlen);
}

void vre_free(struct vre *re) {
        if (!re)
                return;
        free(re->groups);
        pcre2_code_free(re->code);
        free(re->owned);
        free(re);
}

bool vre_search(struct vre *re, const char *subject, size_t len, size_t start) {
        struct vre_pool *p = re->pool;
        PCRE2_SIZE *ov;
        int rc;

        re->matched = false;
        if (start > len)
                return false;
        if (!re->code && (re->compile_error || compile_now(re, NULL, 0) < 0))
                return false; /* built-in patterns are checked by the tests */
        if (pool_fit(p, re->ngroups + 1) < 0)
                return false;
        /* JIT is an optimization only; the interpreter is used when it is
         * not available on this architecture. */
        if (++re->uses == VRE_JIT_AFTER_USES)
                (void) pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);

        /* PCRE2 wants a non-NULL subject even when it is empty. */
        rc = pcre2_match(re->code, (PCRE2_SPTR) (subject ? subject : ""), len, start,
                         0, p->md, p->mctx);
        /* The default JIT stack is small; deep lazy repetitions over long
         * reports can exhaust it. The interpreter has no such limit. */
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
                rc = pcre2_match(re->code, (PCRE2_SPTR) subject, len, start,
                                 PCRE2_NO_JIT, p->md, p->mctx);
        re->matched = rc > 0;
        if (re->matched) {
                ov = pcre2_get_ovector_pointer(p->md);
                memcpy(re->groups, ov, 2 * ((size_t) re->ngroups + 1) * sizeof(PCRE2_SIZE));
        }
        return re->matched;
}

unsigned vre_ngroups(struct vre *re) {
        if (!re->code && !re->compile_error)
                (void) compile_now(re, NULL, 0);
        return re->ngroups;
}

bool vre_group(const struct vre *re, unsigned i, size_t *begin, size_t *end) {
        if (!re->matched || i > re->ngroups)
                return false;
        if (re->groups[2 * i] == PCRE2_UNSET)
                return false;
        *begin = re->groups[2 * i];
        *end = re->groups[2 * i + 1];
        return true;
}
