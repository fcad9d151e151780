/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Subcommands of the vmcored executable. Each returns the process exit
 * status (see vmcored(8)): 0 success, 1 failure, 2 usage error. */

#define EXIT_USAGE 2

int cmd_analyze(int argc, char **argv);
