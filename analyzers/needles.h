/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Finding up to 64 fixed strings ("needles") in every line of a log in one
 * pass (an Aho-Corasick automaton compiled to a table), so that per-line
 * questions like "does it contain a report header?" cost a bit test. */

#include <stddef.h>
#include <stdint.h>

#include "klog.h"

#define NEEDLES_MAX 64

struct needles;

int needles_new(const char *const *list, size_t n, struct needles **ret);
void needles_free(struct needles *nd);

/* Bit i of the result is set when list[i] occurs in s[0..n). */
uint64_t needles_scan(const struct needles *nd, const char *s, size_t n);

/* One mask per line of log (freed by the caller). */
int needles_scan_log(const struct needles *nd, const struct klog *log, uint64_t **ret);
