/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "layout.h"
#include "log.h"
#include "spool-drain.h"
#include "spool-prune.h"
#include "spool-state.h"
#include "store.h"
#include "upload.h"
#include "util.h"

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
static bool give_up(struct vmc_upload *u, const struct vmc_settings *st, const char *spool, int dirfd,
                    struct vmc_spool_state *s) {
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
                  *s->last_error ? s->last_error : "none", spool, s->crash_id);
        return true;
}

struct drain_progress {
        struct vmc_drain *d;
        unsigned index, n;
};

static void dump_progress(void *userdata, uint64_t sent, uint64_t total) {
        struct drain_progress *p = userdata;
        if (p->d->progress && total)
                p->d->progress(p->d->userdata, p->index, p->n, (unsigned) (sent * 100 / total));
}

/* Whether a crash directory needs work; its state in *s, its fd in *dirfd. */
static bool wants_work(struct vmc_drain *d, const char *name, struct vmc_spool_state *s, int *dirfd, bool quiet,
                       unsigned *left) {
        char err[512];
        int r;

        r = vmc_upload_open_crash(d->spool, name, dirfd);
        if (r == -EBUSY) {
                if (!quiet) {
                        log_info("crash %s: another vmcored is storing it; skipped", name);
                        (*left)++;
                }
                return false;
        }
        if (r < 0)
                return false; /* not a directory */
        r = vmc_spool_state_load(*dirfd, s, err, sizeof(err));
        if (r == -ENOENT) {
                /* collect was stopped before its analysis was written
                 * whole: nothing to store from it. */
                if (!quiet)
                        log_warning("spool: %s/%s has no state; skipped", d->spool, name);
        } else if (r < 0 || strcmp(s->crash_id, name) != 0) {
                if (!quiet) {
                        log_warning("spool: %s/%s: %s; skipped", d->spool, name,
                                    r < 0 ? err : "its state names another crash");
                        (*left)++;
                }
        } else if (!vmc_spool_state_complete(s))
                return true;
        close(*dirfd);
        *dirfd = -1;
        return false;
}

int vmc_spool_drain(struct vmc_drain *d, struct vmc_drain_result *ret) {
        const struct vmc_settings *st = d->st;
        struct vmc_upload u = { .st = st, .t0 = now_ms() };
        struct drain_progress p = { .d = d };
        struct vmc_store_options opt;
        char **names = NULL;
        size_t n = 0;
        int r;

        *ret = (struct vmc_drain_result){};
        r = list_spool(d->spool, &names, &n);
        if (r < 0)
                return log_error_errno(r, "spool %s", d->spool);
        /* How many there are to do, for "uploading 3/7". */
        for (size_t i = 0; i < n; i++) {
                struct vmc_spool_state s;
                unsigned ignored = 0;
                int dirfd;
                if (wants_work(d, names[i], &s, &dirfd, true, &ignored)) {
                        close(dirfd);
                        if (!*s.gave_up)
                                p.n++;
                }
        }
        for (size_t i = 0; i < n && !(d->cancel && *d->cancel); i++) {
                struct vmc_spool_state s;
                int dirfd;

                if (!wants_work(d, names[i], &s, &dirfd, false, &ret->left))
                        continue;
                if (!u.store) {
                        vmc_settings_store_options(st, &opt);
                        opt.progress = dump_progress;
                        opt.progress_userdata = &p;
                        opt.cancel = d->cancel;
                        r = vmc_store_open(&st->url, &st->cred, &opt, &u.store, u.err, sizeof(u.err));
                        if (r < 0) {
                                log_error("store: %s", u.err);
                                close(dirfd);
                                goto out;
                        }
                }
                if (*s.gave_up) {
                        log_warning("crash %s was given up %s; its files stay in %s/%s", s.crash_id, s.gave_up,
                                    d->spool, s.crash_id);
                        if (*s.upload_id) {
                                abort_given_up(&u, &s);
                                (void) vmc_spool_state_save(dirfd, &s);
                        }
                        close(dirfd);
                        continue;
                }
                if (s.dump_elsewhere && !s.captured && s.dump == VMC_DUMP_WANTED && !d->tool_dumps_ingested) {
                        log_info("crash %s: waiting for vmcored run to attach the dump the kdump tool saved",
                                 s.crash_id);
                        ret->left++;
                        close(dirfd);
                        continue;
                }
                p.index++;
                if (d->progress)
                        d->progress(d->userdata, p.index, p.n, 0);
                if (in_store_already(&u, dirfd, &s)) {
                        close(dirfd);
                        continue;
                }
                if (give_up(&u, st, d->spool, dirfd, &s)) {
                        ret->gave_up++;
                        close(dirfd);
                        continue;
                }
                log_info("crash %s: storing what is missing in %s (attempt %u)", s.crash_id,
                         vmc_store_name(u.store), s.attempts + 1);
                r = vmc_upload_rest(&u, dirfd, &s);
                if (r == -ECANCELED) {
                        log_info("crash %s: stopped; the next run goes on from here", s.crash_id);
                        ret->left++;
                } else if (r < 0) {
                        log_error("store: %s; crash %s stays in %s", *u.err ? u.err : strerror(-r), s.crash_id,
                                  d->spool);
                        vmc_upload_failed(&u, dirfd, &s, r);
                        ret->left++;
                } else {
                        log_info("crash %s complete in %s", s.crash_id, vmc_store_name(u.store));
                        printf("%s\n", s.crash_id);
                        fflush(stdout);
                        ret->done++;
                }
                close(dirfd);
        }
        r = 0;
out:
        names_free(names, n);
        vmc_store_close(u.store);
        /* What the store has whole leaves the spool by [capture] keep_*,
         * whether or not the store could be reached now. */
        if (!(d->cancel && *d->cancel)) {
                struct vmc_prune_result pr;
                if (vmc_spool_prune(&st->cfg, d->spool, time(NULL), &pr) >= 0) {
                        ret->removed = pr.removed;
                        ret->freed = pr.freed;
                }
        }
        return r;
}
