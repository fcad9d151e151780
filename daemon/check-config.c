/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "credentials.h"
#include "log.h"
#include "store-url.h"
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

struct override {
        const char *section, *key, *value, *option;
};

int cmd_check_config(int argc, char **argv) {
        enum { ARG_CONFIG = 0x100, ARG_STORE, ARG_CREDENTIALS, ARG_SPOOL, ARG_CRASH_DIR };
        static const struct option options[] = {
                { "config", required_argument, NULL, ARG_CONFIG },
                { "store", required_argument, NULL, ARG_STORE },
                { "credentials", required_argument, NULL, ARG_CREDENTIALS },
                { "spool", required_argument, NULL, ARG_SPOOL },
                { "crash-dir", required_argument, NULL, ARG_CRASH_DIR },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct override overrides[8];
        size_t n_overrides = 0;
        const char *path = NULL;
        struct vmc_config cfg;
        struct vmc_credentials cred = {};
        struct vmc_store_url url = {};
        char err[1024] = "";
        int c, r, ret = 1;

        optind = 1;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case ARG_CONFIG:
                        path = optarg;
                        break;
                case ARG_STORE:
                        overrides[n_overrides++] = (struct override){ "store", "url", optarg, "--store" };
                        break;
                case ARG_CREDENTIALS:
                        overrides[n_overrides++] = (struct override){ "store", "credentials", optarg, "--credentials" };
                        break;
                case ARG_SPOOL:
                        overrides[n_overrides++] = (struct override){ "capture", "spool", optarg, "--spool" };
                        break;
                case ARG_CRASH_DIR:
                        overrides[n_overrides++] = (struct override){ "capture", "crash_dir", optarg, "--crash-dir" };
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return EXIT_USAGE;
                }
                if (n_overrides == ELEMENTSOF(overrides)) {
                        log_error("check-config: too many options");
                        return EXIT_USAGE;
                }
        }
        if (optind < argc) {
                log_error("check-config: unexpected argument '%s'", argv[optind]);
                return EXIT_USAGE;
        }

        r = vmc_config_init(&cfg);
        if (r < 0)
                return log_error_errno(r, "configuration"), 1;
        r = vmc_config_load(&cfg, path ?: VMC_CONFIG_DEFAULT, !path, err, sizeof(err));
        for (size_t i = 0; r >= 0 && i < n_overrides; i++)
                r = vmc_config_set(&cfg, overrides[i].section, overrides[i].key, overrides[i].value,
                                   overrides[i].option, err, sizeof(err));
        if (r >= 0)
                r = vmc_store_url_parse(cfg.store_url, cfg.allow_http, &url, err, sizeof(err));
        if (r >= 0)
                r = vmc_credentials_load(cfg.credentials, &cred, err, sizeof(err));
        if (r < 0) {
                log_error("%s", *err ? err : strerror(-r));
                goto out;
        }

        printf("[capture]\nspool = %s\ncrash_dir = %s\ndump_level = %u\ncompression = %s\n\n", cfg.spool,
               cfg.crash_dir, cfg.dump_level, cfg.compression);
        printf("[store]\nurl = %s\ncredentials = %s%s%s\nca_file = %s\nallow_http = %s\n"
               "connect_timeout = %u\nstall_timeout = %u\n\n",
               cfg.store_url, cred.source ?: "(none)",
               cred.access_key ? " (access_key, secret_key)" : "", cred.token ? " (token)" : "",
               *cfg.ca_file ? cfg.ca_file : "(system)", cfg.allow_http ? "yes" : "no", cfg.connect_timeout,
               cfg.stall_timeout);
        printf("[upload]\ndump = %s\ndumps_per_fingerprint = %u\nretries = %u\n\n[analyze]\nsignatures = %s\n",
               vmc_upload_dump_to_string(cfg.upload_dump), cfg.dumps_per_fingerprint, cfg.retries, cfg.signatures);
        fprintf(stderr, "vmcored: configuration OK\n");
        ret = 0;
out:
        vmc_store_url_done(&url);
        vmc_credentials_done(&cred);
        vmc_config_done(&cfg);
        return ret;
}
