/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Subcommands of the vmcored executable. Each returns the process exit
 * status (see vmcored(8)): 0 success, 1 failure, 2 usage error, 3 a result
 * from damaged input (partial). */

#include <getopt.h>
#include <stdbool.h>

#include "settings.h"

#define EXIT_USAGE 2
#define EXIT_PARTIAL 3
#define EXIT_SPOOLED 4          /* kept in the spool; the store has not got all of it */
#define EXIT_NO_DUMP 5          /* report and log stored; the dump could not be captured */
#define EXIT_BAD_HEADER 6       /* /proc/vmcore's ELF header is impossible (arm64 kexec without _text) */

int cmd_analyze(int argc, char **argv);
int cmd_dmesg(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_upload(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_index(int argc, char **argv);

/* A command's command line: -h/--help shows help(); the command's own
 * options go to own() (0: taken, -ENOENT: not one of them, another negative
 * errno: a bad value, said); the common ones (VMC_SETTINGS_OPTIONS) into st;
 * then the settings are loaded. false, with the exit status to return, when
 * the command must not go on: 0 after --help, EXIT_USAGE for a bad command
 * line, 1 for bad settings (said). st needs vmc_settings_done() either way. */
bool vmc_command_setup(const char *name, int argc, char **argv, const struct option *options, void (*help)(void),
                       int (*own)(int opt, const char *arg, void *userdata), void *userdata,
                       struct vmc_settings *st, int *exit_status);

/* The same, for a command that takes between min_args and max_args
 * arguments after its options (*args, *n_args: argv's). */
bool vmc_command_setup_args(const char *name, int argc, char **argv, const struct option *options,
                            void (*help)(void), int (*own)(int opt, const char *arg, void *userdata),
                            void *userdata, size_t min_args, size_t max_args, char ***args, size_t *n_args,
                            struct vmc_settings *st, int *exit_status);

/* Opens the store the settings name; says why not. */
int vmc_command_open_store(const struct vmc_settings *st, struct vmc_store **ret);

/* collect, for a dump another tool saved (run's ingest): the dump stays
 * where it is (the spool links to it); returns collect's exit status. */
int vmc_collect_saved(const struct vmc_settings *st, const char *vmcore);
/* collect, for the dump reassembled from a kdump tool's split set: vmcore
 * (in the spool's file system) is moved into the crash's directory;
 * tool_dir is where the split files are. Returns collect's exit status. */
int vmc_collect_reassembled(const struct vmc_settings *st, const char *vmcore, const char *tool_dir);
/* collect, with settings loaded already: the dump is captured (or streamed). */
int vmc_collect_vmcore(const struct vmc_settings *st, const char *vmcore);

/* kdump-utils' kdump_pre and kdump_post hooks (kdump-hooks.c); exit 0. */
int vmc_kdump_pre(int argc, char **argv);
int vmc_kdump_post(int argc, char **argv);
