/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command line of the commands that take the common settings options. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "log.h"

bool vmc_command_setup(const char *name, int argc, char **argv, const struct option *options, void (*help)(void),
                       int (*own)(int opt, const char *arg, void *userdata), void *userdata,
                       struct vmc_settings *st, int *exit_status) {
        char err[1024] = "";
        int opt, r;

        optind = 1;
        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                if (opt == 'h') {
                        help();
                        *exit_status = 0;
                        return false;
                }
                r = own ? own(opt, optarg, userdata) : -ENOENT;
                if (r == -ENOENT)
                        r = vmc_settings_option(st, opt, optarg);
                if (r < 0) {
                        /* getopt said what was wrong, but for this one. */
                        if (r == -E2BIG)
                                log_error("%s: too many options", name);
                        *exit_status = EXIT_USAGE;
                        return false;
                }
        }
        if (optind < argc) {
                log_error("%s: unexpected argument '%s'", name, argv[optind]);
                *exit_status = EXIT_USAGE;
                return false;
        }
        r = vmc_settings_load(st, err, sizeof(err));
        if (r < 0) {
                log_error("%s", *err ? err : strerror(-r));
                *exit_status = 1;
                return false;
        }
        return true;
}
