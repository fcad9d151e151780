/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* mkdir -p: creates path and its missing parents (parents 0755, path
 * itself with mode); an existing directory is fine. The defaults
 * (/var/crash/vmcored, /var/lib/vmcored/store) must work on a fresh host,
 * where /var/crash may not exist yet. */

#include <sys/types.h>

int mkdir_parents(const char *path, mode_t mode);
