/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "log.h"

static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *summary;
} commands[] = {
        { "analyze", cmd_analyze, "analyze crash dumps and kernel logs: title, fingerprint, events" },
        { "dmesg", cmd_dmesg, "print the kernel log kept in a crash dump" },
        { "collect", cmd_collect, "capture a crash: analyze, store the fingerprint, then the dump" },
        { "upload", cmd_upload, "store what the spool still holds (after the store was away)" },
        { "run", cmd_run, "the next-boot service: ingest saved dumps, store the spool, retry" },
        { "check-config", cmd_check_config, "check vmcored.conf and the store credentials" },
        { "top", cmd_top, "the store's crashes grouped by fingerprint, most frequent first" },
        { "list", cmd_list, "the store's crash records, newest first, filtered" },
        { "show", cmd_show, "a crash's report, or a fingerprint's crashes, from the store" },
        { "fetch", cmd_fetch, "download a crash's files from the store, verified" },
        { "index", cmd_index, "compact new crash records into the store's per-day index" },
};

static void usage(FILE *f) {
        fprintf(f,
                "Usage: vmcored [--help] [--version] COMMAND [ARGS...]\n"
                "\n"
                "Kernel crash intake: works out what crashed from a crash dump or a kernel\n"
                "log, with a syzkaller-compatible title and a stable fingerprint.\n"
                "\n"
                "Commands:\n");
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                fprintf(f, "  %-13s %s\n", commands[i].name, commands[i].summary);
        fprintf(f,
                "\n"
                "Options:\n"
                "  -h, --help     show this help\n"
                "      --version  show the version\n"
                "\n"
                "Run 'vmcored COMMAND --help' for the options of a command.\n");
}

int main(int argc, char **argv) {
        const char *name = strrchr(argv[0], '/');

        name = name ? name + 1 : argv[0];
        /* kdump-utils' hooks are vmcored under other names. */
        if (strcmp(name, "vmcored-kdump-pre") == 0)
                return vmc_kdump_pre(argc, argv);
        if (strcmp(name, "vmcored-kdump-post") == 0)
                return vmc_kdump_post(argc, argv);
        if (argc < 2) {
                usage(stderr);
                return EXIT_USAGE;
        }
        if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
                usage(stdout);
                return 0;
        }
        if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
                printf("vmcored %s\n", PACKAGE_VERSION);
                return 0;
        }
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(argv[1], commands[i].name) == 0)
                        return commands[i].run(argc - 1, argv + 1);

        log_error("unknown command '%s' (see 'vmcored --help')", argv[1]);
        return EXIT_USAGE;
}
