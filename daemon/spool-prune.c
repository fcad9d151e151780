/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "kdumpdir.h"
#include "log.h"
#include "spool-prune.h"
#include "spool-state.h"
#include "upload.h"
#include "util.h"

struct kept {
        char *name;
        int64_t stored_at;
        uint64_t size;
};

/* The disk blocks of the crash directory's own files: a link to a kdump
 * tool's dump counts nothing, since removing the link frees nothing. */
static uint64_t dir_usage(int dirfd) {
        struct dirent *de;
        uint64_t sum = 0;
        int fd = dup(dirfd);
        DIR *d;

        if (fd < 0 || !(d = fdopendir(fd))) {
                if (fd >= 0)
                        close(fd);
                return 0;
        }
        while ((de = readdir(d))) {
                struct stat st;
                if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
                        sum += (uint64_t) st.st_blocks * 512;
        }
        closedir(d);
        return sum;
}

/* [capture] delete_ingested: the dump a kdump tool saved (the spool links
 * to it) or the files of its split set (reassembled into the spool), from
 * the directory the state names. Deleted only when the store has the dump,
 * and only what that directory is known to hold for it: the dump, exactly
 * the link's target, or the split files, and the saved log; the directory
 * when it is then empty. */
static void delete_tool_dump(int dirfd, const struct vmc_spool_state *s) {
        char target[PATH_MAX], dir[sizeof(s->tool_dir)];
        struct kdump_dir k = {};
        bool linked;
        ssize_t n;

        if (!s->stored[VMC_STAGE_VMCORE])
                return; /* the store does not have it: kept */
        n = readlinkat(dirfd, "vmcore", target, sizeof(target) - 1);
        linked = n > 0;
        target[linked ? n : 0] = '\0';
        snprintf(dir, sizeof(dir), "%s", s->tool_dir);
        if (!*dir && linked && target[0] == '/') {
                /* A state written before tool_dir: the link's directory. */
                char *slash = strrchr(target, '/');
                if (slash != target)
                        snprintf(dir, sizeof(dir), "%.*s", (int) (slash - target), target);
        }
        if (!*dir || kdump_dir_scan(dir, &k) < 0)
                return; /* none, or deleted already */
        if (k.n_dumps == 0 || (k.n_dumps == 1 && (!linked || strcmp(k.dumps[0], target) != 0)) ||
            (k.n_dumps > 1 && linked)) {
                if (k.n_dumps)
                        log_warning("crash %s: %s no longer holds the dump it was ingested from; nothing deleted",
                                    s->crash_id, dir);
                kdump_dir_done(&k);
                return;
        }
        for (size_t i = 0; i < k.n_dumps; i++)
                if (unlink(k.dumps[i]) < 0 && errno != ENOENT) {
                        log_warning("crash %s: deleting %s: %s", s->crash_id, k.dumps[i], strerror(errno));
                        kdump_dir_done(&k);
                        return;
                }
        if (k.dmesg && unlink(k.dmesg) < 0 && errno != ENOENT)
                log_warning("crash %s: deleting %s: %s", s->crash_id, k.dmesg, strerror(errno));
        if (rmdir(dir) < 0)
                log_info("crash %s: deleted the dump in %s (%zu file%s), which the store has ([capture] "
                         "delete_ingested); the directory keeps other files", s->crash_id, dir, k.n_dumps,
                         k.n_dumps == 1 ? "" : "s");
        else
                log_info("crash %s: deleted %s, its dump (%zu file%s) and log, which the store has ([capture] "
                         "delete_ingested)", s->crash_id, dir, k.n_dumps, k.n_dumps == 1 ? "" : "s");
        kdump_dir_done(&k);
}

static int cmp_stored_at(const void *a, const void *b) {
        const struct kept *x = a, *y = b;
        if (x->stored_at != y->stored_at)
                return x->stored_at < y->stored_at ? -1 : 1;
        return strcmp(x->name, y->name);
}

static bool remove_crash(int spoolfd, const char *spool, const char *name, uint64_t size, const char *why,
                         struct vmc_prune_result *ret) {
        int r = remove_tree_at(spoolfd, name);
        if (r < 0) {
                log_warning("spool: removing %s/%s: %s", spool, name, strerror(-r));
                return false;
        }
        log_info("crash %s: removed from the spool (%.1f MiB), %s", name, (double) size / (1024 * 1024), why);
        ret->removed++;
        ret->freed += size;
        return true;
}

int vmc_spool_prune(const struct vmc_config *cfg, const char *spool, time_t now, struct vmc_prune_result *ret) {
        struct kept *kept = NULL;
        size_t n_names = 0, n_kept = 0;
        char **names = NULL;
        uint64_t total = 0;
        int spoolfd, r;

        *ret = (struct vmc_prune_result){};
        r = dir_names(AT_FDCWD, spool, &names, &n_names);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "spool %s", spool);
        spoolfd = open(spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        kept = calloc(n_names ? n_names : 1, sizeof(*kept));
        if (spoolfd < 0 || !kept) {
                r = spoolfd < 0 ? -errno : -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < n_names; i++) {
                struct vmc_spool_state s;
                char err[512], why[128];
                uint64_t size;
                int dirfd;

                /* Locked: not while a collect or another drain has it. */
                if (vmc_upload_open_crash(spool, names[i], &dirfd) < 0)
                        continue;
                if (vmc_spool_state_load(dirfd, &s, err, sizeof(err)) < 0 || strcmp(s.crash_id, names[i]) != 0 ||
                    !vmc_spool_state_complete(&s)) {
                        close(dirfd);
                        continue;
                }
                if (cfg->delete_ingested)
                        delete_tool_dump(dirfd, &s);
                size = dir_usage(dirfd);
                if (now - s.updated >= (int64_t) cfg->keep_days * 86400) {
                        snprintf(why, sizeof(why), "stored %" PRId64 " days ago ([capture] keep_days = %u)",
                                 (int64_t) ((now - s.updated) / 86400), cfg->keep_days);
                        (void) remove_crash(spoolfd, spool, names[i], size, why, ret);
                } else {
                        kept[n_kept++] = (struct kept){ .name = names[i], .stored_at = s.updated, .size = size };
                        total += size;
                }
                close(dirfd); /* the lock goes with it, after the removal */
        }
        /* Over keep_size: the longest stored go first. */
        if (cfg->keep_size && total > cfg->keep_size) {
                qsort(kept, n_kept, sizeof(*kept), cmp_stored_at);
                for (size_t i = 0; i < n_kept && total > cfg->keep_size; i++) {
                        char why[160];
                        int dirfd;

                        if (vmc_upload_open_crash(spool, kept[i].name, &dirfd) < 0)
                                continue;
                        snprintf(why, sizeof(why),
                                 "the stored crashes in the spool took %.1f MiB ([capture] keep_size = %.1f MiB)",
                                 (double) total / (1024 * 1024), (double) cfg->keep_size / (1024 * 1024));
                        if (remove_crash(spoolfd, spool, kept[i].name, kept[i].size, why, ret))
                                total -= kept[i].size;
                        close(dirfd);
                }
        }
        r = 0;
out:
        if (r < 0)
                log_error_errno(r, "spool %s", spool);
        if (spoolfd >= 0)
                close(spoolfd);
        free(kept);
        names_free(names, n_names);
        return r;
}
