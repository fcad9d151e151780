/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* store-put [--config F] [--store URL] [--credentials F] [--no-stat] KEY:
 * stores standard input under KEY with vmcored's store code
 * (vmc_store_put_fd), so that the store tests can send a pipe (a stream of
 * unknown length) and files of chosen sizes through exactly the path a dump
 * takes. Prints the stored size (from a stat of the object afterwards),
 * unless --no-stat: with other writers of the same key at once, SFTP's
 * replacement may leave the key absent for a moment. */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "settings.h"
#include "store.h"

int main(int argc, char **argv) {
        enum { ARG_NO_STAT = 0x1000 };
        static const struct option options[] = { VMC_SETTINGS_OPTIONS, { "no-stat", no_argument, NULL, ARG_NO_STAT },
                                                 {} };
        bool stat = true;
        struct vmc_settings st = {};
        struct vmc_store_options opt;
        struct vmc_store *s = NULL;
        char err[1024] = "";
        uint64_t size = 0;
        int c, r;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                if (c == ARG_NO_STAT)
                        stat = false;
                else if (vmc_settings_option(&st, c, optarg) < 0)
                        return 2;
        if (optind + 1 != argc) {
                fprintf(stderr, "usage: store-put [--config F] [--store URL] [--credentials F] [--no-stat] KEY <DATA\n");
                return 2;
        }
        r = vmc_settings_load(&st, err, sizeof(err));
        if (r >= 0) {
                vmc_settings_store_options(&st, &opt);
                r = vmc_store_open(&st.url, &st.cred, &opt, &s, err, sizeof(err));
        }
        if (r >= 0)
                r = vmc_store_put_fd(s, argv[optind], 0, err, sizeof(err));
        if (r >= 0 && !stat)
                r = 1;
        else if (r >= 0)
                r = vmc_store_stat(s, argv[optind], &size, err, sizeof(err));
        if (r > 0 && stat)
                printf("%" PRIu64 "\n", size);
        else
                fprintf(stderr, "store-put: %s\n", r == 0 ? "stored, but absent afterwards" : err);
        vmc_store_close(s);
        vmc_settings_done(&st);
        return r > 0 ? 0 : 1;
}
