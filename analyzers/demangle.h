/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Demangling of Rust (and C++) symbol names as they appear in kernel stack
 * traces ("_RNvNtCs..._4core9panicking9panic_fmt", legacy
 * "_ZN...17h<hash>E") into the readable path, without hashes and without
 * parameter lists. C names pass through untouched. Uses libiberty when the
 * build found it. */

#include <stddef.h>

/* Returns a newly allocated demangled name, or NULL when name is not a
 * mangled symbol (or demangling is unavailable). */
char *frame_demangle(const char *name, size_t len);
