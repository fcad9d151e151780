/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* store-get [--config F] [--store URL] [--credentials F] [--offset N]
 * [--list] [--requests] KEY: writes KEY from byte N to its end to standard
 * output with vmcored's store code (vmc_store_get_fd), or with --list the
 * names under KEY/ (vmc_store_list), one a line, so that the store tests
 * read back through exactly the path a download takes. --requests prints
 * "requests N" (vmc_store_requests) to standard error at the end. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"
#include "store.h"

enum {
        OPT_OFFSET = 0x200,
        OPT_LIST,
        OPT_REQUESTS,
};

int main(int argc, char **argv) {
        static const struct option options[] = {
                VMC_SETTINGS_OPTIONS,
                { "offset", required_argument, NULL, OPT_OFFSET },
                { "list", no_argument, NULL, OPT_LIST },
                { "requests", no_argument, NULL, OPT_REQUESTS },
                {},
        };
        struct vmc_settings st = {};
        struct vmc_store_options opt;
        struct vmc_store *s = NULL;
        bool list = false, requests = false;
        uint64_t offset = 0;
        char err[1024] = "", *end;
        int c, r;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case OPT_OFFSET:
                        errno = 0;
                        offset = strtoull(optarg, &end, 10);
                        if (errno || end == optarg || *end || *optarg == '-') {
                                fprintf(stderr, "store-get: bad offset '%s'\n", optarg);
                                return 2;
                        }
                        break;
                case OPT_LIST:
                        list = true;
                        break;
                case OPT_REQUESTS:
                        requests = true;
                        break;
                default:
                        if (vmc_settings_option(&st, c, optarg) < 0)
                                return 2;
                }
        if (optind + 1 != argc) {
                fprintf(stderr, "usage: store-get [--config F] [--store URL] [--credentials F] [--offset N] [--list] "
                                "[--requests] KEY >DATA\n");
                return 2;
        }
        r = vmc_settings_load(&st, err, sizeof(err));
        if (r >= 0) {
                vmc_settings_store_options(&st, &opt);
                r = vmc_store_open(&st.url, &st.cred, &opt, &s, err, sizeof(err));
        }
        if (r >= 0 && list) {
                char **names = NULL;
                size_t n = 0;

                r = vmc_store_list(s, argv[optind], &names, &n, err, sizeof(err));
                for (size_t i = 0; r >= 0 && i < n; i++)
                        printf("%s\n", names[i]);
                vmc_store_names_free(names, n);
        } else if (r >= 0)
                r = vmc_store_get_fd(s, argv[optind], offset, 1, err, sizeof(err));
        if (fflush(stdout) != 0 && r >= 0)
                r = -errno;
        if (r < 0)
                fprintf(stderr, "store-get: %s\n", *err ? err : strerror(-r));
        if (s && requests)
                fprintf(stderr, "requests %" PRIu64 "\n", vmc_store_requests(s));
        vmc_store_close(s);
        vmc_settings_done(&st);
        return r < 0 ? 1 : 0;
}
