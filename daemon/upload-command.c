/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vmcored upload: drains the spool once, in the foreground. Every crash
 * directory whose state says the store does not have all of it gets its
 * missing stages, in order; what fails stays, with the attempt and the
 * error recorded in its state. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "log.h"
#include "settings.h"
#include "spool-drain.h"
#include "util.h"


static void help(void) {
        printf("Usage: vmcored upload [OPTIONS]\n"
               "\n"
               "Store what the spool still holds: for every crash in it that the store has\n"
               "not got whole (its state.json says which stages are missing), store the\n"
               "rest, in order, and MANIFEST.json last. Prints the id of each crash that is\n"
               "complete now. Then the crashes the store has whole leave the spool by\n"
               "[capture] keep_days and keep_size (and with delete_ingested, the dumps of\n"
               "kdump tools the store has are deleted); nothing else is ever removed.\n"
               "\n"
               "Options:\n"
               "      --config FILE       the configuration file (default %s)\n"
               "      --store URL         [store] url\n"
               "      --credentials FILE  [store] credentials\n"
               "      --spool DIR         [capture] spool\n"
               "  -h, --help              show this help\n"
               "\n"
               "Exit status: 0 nothing is left in the spool to store, 1 bad configuration\n"
               "or unreadable spool, 2 usage error, 4 some crashes are still not (all) stored.\n",
               VMC_CONFIG_DEFAULT);
}

/* A progress bar on a terminal: "uploading 3/7 [#######.......] 41%". */
static void show_bar(void *userdata, unsigned index, unsigned n, unsigned percent) {
        unsigned *last = userdata, filled = percent * 30 / 100;
        char bar[31];

        if (index * 1000 + percent == *last)
                return;
        *last = index * 1000 + percent;
        memset(bar, '#', filled);
        memset(bar + filled, '.', 30 - filled);
        bar[30] = '\0';
        fprintf(stderr, "\rvmcored: uploading %u/%u [%s] %3u%%%s", index, n, bar, percent,
                percent == 100 ? "\n" : "");
}

int cmd_upload(int argc, char **argv) {
        static const struct option options[] = {
                VMC_SETTINGS_OPTIONS,
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct vmc_settings st = {};
        struct vmc_drain_result res;
        unsigned last = 0;
        char buf[4096];
        const char *spool;
        int r, ret = 1;

        if (!vmc_command_setup("upload", argc, argv, options, help, NULL, NULL, &st, &ret))
                goto out;
        spool = vmc_settings_spool(&st, buf, sizeof(buf));
        {
                struct vmc_drain d = { .st = &st, .spool = spool };
                if (isatty(STDERR_FILENO)) {
                        d.progress = show_bar;
                        d.userdata = &last;
                }
                r = vmc_spool_drain(&d, &res);
        }
        if (last % 1000 != 100 && last)
                fputc('\n', stderr);
        if (r < 0)
                goto out;
        log_info("spool %s: %u crash%s stored now, %u left, %u given up now", spool, res.done,
                 res.done == 1 ? "" : "es", res.left, res.gave_up);
        if (res.removed)
                log_info("spool %s: %u stored crash%s removed, %.1f MiB freed ([capture] keep_days, keep_size)", spool,
                         res.removed, res.removed == 1 ? "" : "es", (double) res.freed / (1024 * 1024));
        ret = res.left || res.gave_up ? EXIT_SPOOLED : 0;
out:
        vmc_settings_done(&st);
        return ret;
}
