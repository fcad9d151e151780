/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A thin layer over PCRE2 with the semantics the title rules were written
 * for (Go/RE2 style): '.' never matches '\n', '^' and '$' refer to the whole
 * subject, subjects are byte strings with explicit length, and every match
 * is bounded by a match limit so hostile input cannot make us spin. A match
 * that hits the limit counts as "no match". */

#include <stdbool.h>
#include <stddef.h>

struct vre;

/* Match scratch shared by the patterns of one engine (one thread). */
struct vre_pool;
int vre_pool_new(struct vre_pool **ret);
void vre_pool_free(struct vre_pool *p);

/* Prepares pattern, which must stay valid until the pattern is compiled (a
 * string constant); it is compiled on first use (with VMCORED_REGEX_EAGER
 * set in the environment: now, and then a bad pattern returns -EINVAL and,
 * when errbuf is given, a message naming the offset of the error). A
 * pattern that fails to compile later never matches. pool must outlive the
 * pattern. */
int vre_compile(struct vre_pool *pool, const char *pattern, struct vre **ret, char *errbuf, size_t errlen);
/* The same for a pattern built at run time: the vre takes it (also on
 * failure) and frees it. */
int vre_compile_owned(struct vre_pool *pool, char *pattern, struct vre **ret, char *errbuf, size_t errlen);
void vre_free(struct vre *re);

/* Searches subject[start..len). Returns true on a match; the capture groups
 * can then be read with vre_group() until the next search on the same re. */
bool vre_search(struct vre *re, const char *subject, size_t len, size_t start);

static inline bool vre_match(struct vre *re, const char *subject, size_t len) {
        return vre_search(re, subject, len, 0);
}

/* Number of capture groups in the pattern (not counting group 0). */
unsigned vre_ngroups(struct vre *re);

/* Bounds of group i (0 = whole match) of the last successful search; false
 * when the group did not take part in the match. */
bool vre_group(const struct vre *re, unsigned i, size_t *begin, size_t *end);
