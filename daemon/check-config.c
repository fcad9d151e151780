/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "log.h"
#include "settings.h"
#include "util.h"

static void help(void) {
        printf("Usage: vmcored check-config [OPTIONS]\n"
               "\n"
               "Read vmcored.conf and its drop-ins (vmcored.conf.d/*.conf), apply the\n"
               "command line settings, check every value and the store credentials, and print\n"
               "the settings in effect. Secrets are never printed.\n"
               "\n"
               "Options:\n"
               "      --config FILE       the configuration file (default %s;\n"
               "                          when it does not exist, the built-in defaults)\n"
               "      --store URL         [store] url\n"
               "      --credentials FILE  [store] credentials\n"
               "      --spool DIR         [capture] spool\n"
               "      --crash-dir DIR     [capture] crash_dir\n"
               "  -h, --help              show this help\n"
               "\n"
               "Exit status: 0 the configuration is valid, 1 it is not (the message names the\n"
               "file, line and key), 2 usage error.\n",
               VMC_CONFIG_DEFAULT);
}

int cmd_check_config(int argc, char **argv) {
        static const struct option options[] = {
                VMC_SETTINGS_OPTIONS,
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct vmc_settings st = {};
        const struct vmc_config *cfg = &st.cfg;
        const struct vmc_credentials *cred = &st.cred;
        char err[1024] = "";
        int c, r, ret = 1;

        optind = 1;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                if (c == 'h') {
                        help();
                        return 0;
                }
                r = vmc_settings_option(&st, c, optarg);
                if (r == -E2BIG) {
                        log_error("check-config: too many options");
                        return EXIT_USAGE;
                }
                if (r < 0)
                        return EXIT_USAGE;
        }
        if (optind < argc) {
                log_error("check-config: unexpected argument '%s'", argv[optind]);
                return EXIT_USAGE;
        }

        r = vmc_settings_load(&st, err, sizeof(err));
        if (r < 0) {
                log_error("%s", *err ? err : strerror(-r));
                goto out;
        }

        printf("[capture]\nspool = %s\ncrash_dir = %s\ndump_level = %u\ncompression = %s\n\n", cfg->spool,
               cfg->crash_dir, cfg->dump_level, cfg->compression);
        printf("[store]\nurl = %s\ncredentials = %s%s%s%s\nca_file = %s\nallow_http = %s\n"
               "connect_timeout = %u\nstall_timeout = %u\n\n",
               cfg->store_url, cred->source ?: "(none)",
               cred->access_key ? " (access_key, secret_key)" : "", cred->token ? " (token)" : "",
               cred->user ? " (user, password)" : "",
               *cfg->ca_file ? cfg->ca_file : "(system)", cfg->allow_http ? "yes" : "no", cfg->connect_timeout,
               cfg->stall_timeout);
        printf("[upload]\ndump = %s\ndumps_per_fingerprint = %u\nretries = %u\n\n[analyze]\nsignatures = %s\n",
               vmc_upload_dump_to_string(cfg->upload_dump), cfg->dumps_per_fingerprint, cfg->retries, cfg->signatures);
        fprintf(stderr, "vmcored: configuration OK\n");
        ret = 0;
out:
        vmc_settings_done(&st);
        return ret;
}
