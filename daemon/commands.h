/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Subcommands of the vmcored executable. Each returns the process exit
 * status (see vmcored(8)): 0 success, 1 failure, 2 usage error, 3 a result
 * from damaged input (partial). */

#define EXIT_USAGE 2
#define EXIT_PARTIAL 3

int cmd_analyze(int argc, char **argv);
int cmd_dmesg(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_upload(int argc, char **argv);
int cmd_run(int argc, char **argv);

struct vmc_settings;
/* collect, for a dump another tool saved (run's ingest): the dump stays
 * where it is (the spool links to it); returns collect's exit status. */
int vmc_collect_saved(const struct vmc_settings *st, const char *vmcore);
