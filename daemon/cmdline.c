/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command line of the commands that take the common settings options. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "log.h"

bool vmc_command_setup_args(const char *name, int argc, char **argv, const struct option *options,
                            void (*help)(void), int (*own)(int opt, const char *arg, void *userdata),
                            void *userdata, size_t min_args, size_t max_args, char ***args, size_t *n_args,
                            struct vmc_settings *st, int *exit_status) {
        char err[1024] = "";
        int opt, r;

        char shorts[64] = "h";
        size_t k = 1;

        /* The short forms: the options whose value is a letter. */
        for (const struct option *o = options; o->name && k + 3 < sizeof(shorts); o++)
                if (o->val != 'h' && o->val < 128 && ((o->val | 0x20) >= 'a' && (o->val | 0x20) <= 'z')) {
                        shorts[k++] = (char) o->val;
                        if (o->has_arg == required_argument)
                                shorts[k++] = ':';
                        shorts[k] = '\0';
                }
        optind = 1;
        while ((opt = getopt_long(argc, argv, shorts, options, NULL)) >= 0) {
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
        if ((size_t) (argc - optind) > max_args) {
                log_error("%s: unexpected argument '%s'", name, argv[optind + max_args]);
                *exit_status = EXIT_USAGE;
                return false;
        }
        if ((size_t) (argc - optind) < min_args) {
                log_error("%s: missing argument (see 'vmcored %s --help')", name, name);
                *exit_status = EXIT_USAGE;
                return false;
        }
        if (args) {
                *args = argv + optind;
                *n_args = (size_t) (argc - optind);
        }
        r = vmc_settings_load(st, err, sizeof(err));
        if (r < 0) {
                log_error("%s", *err ? err : strerror(-r));
                *exit_status = 1;
                return false;
        }
        return true;
}

bool vmc_command_setup(const char *name, int argc, char **argv, const struct option *options, void (*help)(void),
                       int (*own)(int opt, const char *arg, void *userdata), void *userdata,
                       struct vmc_settings *st, int *exit_status) {
        return vmc_command_setup_args(name, argc, argv, options, help, own, userdata, 0, 0, NULL, NULL, st,
                                      exit_status);
}

int vmc_command_open_store(const struct vmc_settings *st, struct vmc_store **ret) {
        struct vmc_store_options opt;
        char err[1024] = "";
        int r;

        vmc_settings_store_options(st, &opt);
        r = vmc_store_open(&st->url, &st->cred, &opt, ret, err, sizeof(err));
        if (r < 0)
                log_error("%s", *err ? err : strerror(-r));
        return r;
}
