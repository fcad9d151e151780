/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Messages to standard error, prefixed "vmcored: ". The *_errno forms
 * append strerror() of a negative errno and return that errno, so error
 * paths read `return log_error_errno(r, "...");`. */

#include <stdarg.h>

#include "util.h"

void log_error(const char *fmt, ...) _printf_(1, 2);
void log_warning(const char *fmt, ...) _printf_(1, 2);
/* Progress of long jobs (collect): what was done, when. */
void log_info(const char *fmt, ...) _printf_(1, 2);
int log_error_errno(int error, const char *fmt, ...) _printf_(2, 3);
