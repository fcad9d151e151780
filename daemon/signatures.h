/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Where vmcored finds known-issue rules (analyzers/rules.h): the shipped
 * ones (VMCORED_RULES_DIR, under /usr/share), then the site's (the
 * configuration's [analyze] signatures, /etc/vmcored/signatures.d), then
 * any given on the command line. Rules loaded later replace earlier ones
 * of the same id. */

#include <stdbool.h>
#include <stddef.h>

#include "report.h"

/* A missing shipped or site directory is skipped; a missing extra one is
 * an error. A bad rule file is reported (file:line) and left out. Returns
 * the first error (<0) after loading all that could be; callers that must
 * not stop (collect) go on. */
int vmc_signatures_load(struct vmc_analyzer *a, const char *site_dir, char *const *extra, size_t n_extra,
                        bool defaults);
