/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Kernel logs carry whatever bytes a driver printed; JSON must be UTF-8. */

#include <stddef.h>

/* Returns a newly allocated copy of s[0..n) in which every byte sequence
 * that is not valid UTF-8 (and every NUL) is replaced by U+FFFD. */
char *utf8_sanitize(const char *s, size_t n);
