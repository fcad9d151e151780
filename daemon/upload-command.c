/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vmcored upload: drains the spool once, in the foreground. Every crash
 * directory whose state says the store does not have all of it gets its
 * missing stages, in order; what fails stays, with the attempt and the
 * error recorded in its state. */
#include <fcntl.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "fileio.h"
#include "layout.h"
#include "log.h"
#include "settings.h"
#include "spool-state.h"
#include "store.h"
#include "upload.h"
#include "util.h"

#define EXIT_SPOOLED 4

static void help(void) {
        printf("Usage: vmcored upload [OPTIONS]\n"
               "\n"
               "Store what the spool still holds: for every crash in it that the store has\n"
               "not got whole (its state.json says which stages are missing), store the\n"
               "rest, in order, and MANIFEST.json last. Prints the id of each crash that is\n"
               "complete now.\n"
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

static double now_ms(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec * 1e3 + (double) t.tv_nsec / 1e6;
}

/* The crash directories of the spool, oldest id first. */
static int list_spool(const char *spool, char ***ret, size_t *n) {
        int r = dir_names(AT_FDCWD, spool, ret, n);
        return r == -ENOENT ? 0 : r;
}

/* A given-up crash's open multipart upload is aborted; its id is forgotten
 * only when the store dropped it, so a later run tries again. */
static void abort_given_up(struct vmc_upload *u, struct vmc_spool_state *s) {
        _cleanup_free_ char *key = NULL;
        char err[512];

        if (!*s->upload_id || !u->store || !(key = vmc_key_crash(s->crash_id, "vmcore")))
                return;
        if (vmc_store_abort_upload(u->store, key, s->upload_id, err, sizeof(err)) < 0) {
                log_warning("crash %s: aborting its multipart upload: %s; tried again next run", s->crash_id, err);
                return;
        }
        s->upload_id[0] = '\0';
}

/* A state that says nothing is stored, of a crash the store has whole
 * (the spool directory was made again by a second collect): marked
 * complete, so that its record and MANIFEST are not stored over again. */
static bool in_store_already(struct vmc_upload *u, int dirfd, struct vmc_spool_state *s) {
        _cleanup_free_ char *key = NULL;
        char err[512];

        for (unsigned i = 0; i < _VMC_STAGE_MAX; i++)
                if (s->stored[i])
                        return false;
        key = vmc_key_crash(s->crash_id, "MANIFEST.json");
        if (!key || vmc_store_stat(u->store, key, NULL, err, sizeof(err)) <= 0)
                return false;
        for (unsigned i = 0; i < _VMC_STAGE_MAX; i++)
                s->stored[i] = true;
        if (vmc_spool_state_save(dirfd, s) < 0)
                log_warning("spool: %s: cannot record that it is complete", s->crash_id);
        log_info("crash %s is already complete in %s", s->crash_id, vmc_store_name(u->store));
        return true;
}

/* [upload] give_up_attempts / give_up_days: true when this crash is given
 * up now; recorded in its state, said in one line, its open multipart
 * upload aborted, its files kept. */
static bool give_up(struct vmc_upload *u, const struct vmc_settings *st, int dirfd, struct vmc_spool_state *s) {
        const struct vmc_config *cfg = &st->cfg;
        int64_t age = (int64_t) time(NULL) - s->created;
        char why[256];

        if (cfg->give_up_attempts && s->attempts >= cfg->give_up_attempts)
                snprintf(why, sizeof(why), "after %u failed runs ([upload] give_up_attempts)", s->attempts);
        else if (cfg->give_up_days && age > (int64_t) cfg->give_up_days * 86400)
                snprintf(why, sizeof(why), "%lld days after it was spooled ([upload] give_up_days)",
                         (long long) (age / 86400));
        else
                return false;

        snprintf(s->gave_up, sizeof(s->gave_up), "%s", why);
        abort_given_up(u, s);
        if (vmc_spool_state_save(dirfd, s) < 0)
                log_warning("spool: %s: cannot record that it was given up", s->crash_id);
        log_error("crash %s: given up %s; last error: %s; its files stay in %s/%s", s->crash_id, why,
                  *s->last_error ? s->last_error : "none", cfg->spool, s->crash_id);
        return true;
}

int cmd_upload(int argc, char **argv) {
        static const struct option options[] = {
                VMC_SETTINGS_OPTIONS,
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct vmc_settings st = {};
        struct vmc_upload u = { .st = &st, .t0 = now_ms() };
        struct vmc_store_options opt;
        char **names = NULL;
        size_t n = 0;
        unsigned left = 0, done = 0, gave_up = 0;
        int c, r, ret = 1;

        optind = 1;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                if (c == 'h') {
                        help();
                        return 0;
                }
                r = vmc_settings_option(&st, c, optarg);
                if (r < 0) {
                        if (r == -E2BIG)
                                log_error("upload: too many options");
                        return EXIT_USAGE;
                }
        }
        if (optind < argc) {
                log_error("upload: unexpected argument '%s'", argv[optind]);
                return EXIT_USAGE;
        }
        r = vmc_settings_load(&st, u.err, sizeof(u.err));
        if (r < 0) {
                log_error("%s", *u.err ? u.err : strerror(-r));
                goto out;
        }
        r = list_spool(st.cfg.spool, &names, &n);
        if (r < 0) {
                log_error_errno(r, "spool %s", st.cfg.spool);
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                struct vmc_spool_state s;
                char err[512];
                int dirfd;

                if (vmc_upload_open_crash(st.cfg.spool, names[i], &dirfd) < 0)
                        continue; /* not a directory */
                r = vmc_spool_state_load(dirfd, &s, err, sizeof(err));
                if (r == -ENOENT) {
                        /* collect was stopped before its analysis was
                         * written whole: nothing to store from it. */
                        log_warning("spool: %s/%s has no state; skipped", st.cfg.spool, names[i]);
                        close(dirfd);
                        continue;
                }
                if (r < 0 || strcmp(s.crash_id, names[i]) != 0) {
                        log_warning("spool: %s/%s: %s; skipped", st.cfg.spool, names[i],
                                    r < 0 ? err : "its state names another crash");
                        close(dirfd);
                        left++;
                        continue;
                }
                if (vmc_spool_state_complete(&s)) {
                        close(dirfd);
                        continue;
                }
                if (!u.store) {
                        vmc_settings_store_options(&st, &opt);
                        r = vmc_store_open(&st.url, &st.cred, &opt, &u.store, u.err, sizeof(u.err));
                        if (r < 0) {
                                log_error("store: %s", u.err);
                                close(dirfd);
                                goto out;
                        }
                }
                if (*s.gave_up) {
                        log_warning("crash %s was given up %s; its files stay in %s/%s", s.crash_id, s.gave_up,
                                    st.cfg.spool, s.crash_id);
                        if (*s.upload_id) {
                                abort_given_up(&u, &s);
                                (void) vmc_spool_state_save(dirfd, &s);
                        }
                        close(dirfd);
                        continue;
                }
                if (in_store_already(&u, dirfd, &s)) {
                        close(dirfd);
                        continue;
                }
                if (give_up(&u, &st, dirfd, &s)) {
                        gave_up++;
                        close(dirfd);
                        continue;
                }
                log_info("crash %s: storing what is missing in %s (attempt %u)", s.crash_id,
                         vmc_store_name(u.store), s.attempts + 1);
                r = vmc_upload_rest(&u, dirfd, &s);
                if (r < 0) {
                        log_error("store: %s; crash %s stays in %s", *u.err ? u.err : strerror(-r), s.crash_id,
                                  st.cfg.spool);
                        vmc_upload_failed(&u, dirfd, &s, r);
                        left++;
                } else {
                        log_info("crash %s complete in %s", s.crash_id, vmc_store_name(u.store));
                        printf("%s\n", s.crash_id);
                        done++;
                }
                close(dirfd);
        }
        log_info("spool %s: %u crash%s stored now, %u left, %u given up now", st.cfg.spool, done,
                 done == 1 ? "" : "es", left, gave_up);
        ret = left || gave_up ? EXIT_SPOOLED : 0;
out:
        names_free(names, n);
        vmc_store_close(u.store);
        vmc_settings_done(&st);
        return ret;
}
