/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vmcored fetch: a crash's files from the store into a directory, each
 * checked against the SHA-256 of MANIFEST.json. A download that stops
 * (network, Ctrl-C) leaves NAME.part, which the next fetch continues; a
 * file whose digest does not match is kept as NAME.damaged and reported.
 * A flattened dump (streamed by makedumpfile -F) is reassembled into the
 * kdump-compressed file crash, drgn and makedumpfile read. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "digest.h"
#include "fileio.h"
#include "flat.h"
#include "fleet-record.h"
#include "layout.h"
#include "log.h"
#include "mkdir.h"
#include "util.h"

#define MANIFEST_MAX (1u << 20)

enum {
        OPT_OUTPUT = 'o',
        OPT_NO_DUMP = 0x200,
        OPT_KEEP_FLATTENED,
};

struct fetch_args {
        const char *dir;
        bool no_dump, keep_flattened;
};

struct bar {
        const char *name;
        unsigned last;
};

static volatile sig_atomic_t cancelled;

static void on_signal(int sig) {
        (void) sig;
        cancelled = 1;
}

static void show_bar(void *userdata, uint64_t got, uint64_t total) {
        struct bar *b = userdata;
        unsigned percent = total ? (unsigned) (got * 100 / total) : 100, filled = percent * 30 / 100;
        char bar[31];

        if (percent == b->last)
                return;
        b->last = percent;
        memset(bar, '#', filled);
        memset(bar + filled, '.', 30 - filled);
        bar[30] = '\0';
        fprintf(stderr, "\rvmcored: fetching %s [%s] %3u%% %.1f/%.1f MiB", b->name, bar, percent,
                (double) got / (1 << 20), (double) total / (1 << 20));
}

static json_object *member(json_object *o, const char *name) {
        json_object *v;
        return o && json_object_object_get_ex(o, name, &v) ? v : NULL;
}

/* 1 when dir/name exists with this size and digest. */
static int have_file(int dirfd, const char *name, uint64_t size, const char *sha256) {
        char hex[VMC_SHA256_HEX];
        uint64_t got;
        struct stat st;
        int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC), r;

        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (fstat(fd, &st) < 0 || (uint64_t) st.st_size != size) {
                close(fd);
                return 0;
        }
        r = vmc_sha256_fd(fd, hex, &got);
        close(fd);
        if (r < 0)
                return r;
        return got == size && strcmp(hex, sha256) == 0;
}

/* Downloads key into dir/name.part from where an earlier fetch stopped,
 * checks it, and renames it to dir/local. 0 done; -EBADMSG a digest or
 * size mismatch (said; the bytes kept as local.damaged). */
static int fetch_file(struct vmc_store *s, int dirfd, const char *dir, const char *key, const char *name,
                      const char *local, uint64_t size, const char *sha256) {
        char part[256], damaged[256], hex[VMC_SHA256_HEX], err[1024] = "";
        struct bar b = { .name = name, .last = 101 };
        struct stat st;
        uint64_t got = 0;
        int r;

        snprintf(part, sizeof(part), "%s.part", local);
        snprintf(damaged, sizeof(damaged), "%s.damaged", local);
        for (int attempt = 0; attempt < 2; attempt++) {
                int fd = openat(dirfd, part, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                uint64_t offset;

                if (fd < 0)
                        return log_error_errno(-errno, "fetch: %s/%s", dir, part);
                if (fstat(fd, &st) < 0) {
                        r = -errno;
                        close(fd);
                        return log_error_errno(r, "fetch: %s/%s", dir, part);
                }
                offset = (uint64_t) st.st_size;
                /* More than the object holds: not a start of it. */
                if (offset > size) {
                        if (ftruncate(fd, 0) < 0) {
                                r = -errno;
                                close(fd);
                                return log_error_errno(r, "fetch: %s/%s", dir, part);
                        }
                        offset = 0;
                }
                if (offset > 0)
                        log_info("fetch: %s: continuing at %" PRIu64 " of %" PRIu64 " bytes", name, offset, size);
                r = offset < size || size == 0 ? vmc_store_get_fd(s, key, offset, fd, err, sizeof(err)) : 0;
                if (b.last != 101)
                        fputc('\n', stderr);
                b.last = 101;
                if (r >= 0 && fsync(fd) < 0)
                        r = -errno;
                close(fd);
                if (r == -ECANCELED) {
                        log_error("fetch: %s: interrupted; run fetch again to continue from %s/%s", name, dir, part);
                        return r;
                }
                if (r < 0) {
                        log_error("fetch: %s (kept %s/%s: fetch again to continue)", *err ? err : strerror(-r), dir,
                                  part);
                        return r;
                }
                fd = openat(dirfd, part, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return log_error_errno(-errno, "fetch: %s/%s", dir, part);
                r = vmc_sha256_fd(fd, hex, &got);
                close(fd);
                if (r < 0)
                        return log_error_errno(r, "fetch: reading %s/%s", dir, part);
                if (got == size && strcmp(hex, sha256) == 0) {
                        if (renameat(dirfd, part, dirfd, local) < 0)
                                return log_error_errno(-errno, "fetch: %s/%s", dir, local);
                        return 0;
                }
                /* A continued download may have continued damaged bytes: once
                 * more from the start before blaming the store. */
                if (offset > 0 && attempt == 0) {
                        log_warning("fetch: %s: SHA-256 mismatch after continuing an earlier download; fetching "
                                    "it whole again", name);
                        unlinkat(dirfd, part, 0);
                        continue;
                }
                break;
        }
        renameat(dirfd, part, dirfd, damaged);
        log_error("fetch: %s: %s does not match MANIFEST.json: %s%" PRIu64 " bytes with SHA-256 %s, expected "
                  "%" PRIu64 " bytes with SHA-256 %s; the stored object is damaged (kept as %s/%s)",
                  vmc_store_name(s), key, got == size ? "" : "size differs: ", got, hex, size, sha256, dir, damaged);
        return -EBADMSG;
}

/* vmcore.flat → vmcore, as makedumpfile -R would. */
static int reassemble(int dirfd, const char *dir, bool keep) {
        char err[512] = "";
        struct flat *f = NULL;
        int in = openat(dirfd, "vmcore.flat", O_RDONLY | O_CLOEXEC), out, r;

        if (in < 0)
                return log_error_errno(-errno, "fetch: %s/vmcore.flat", dir);
        out = openat(dirfd, "vmcore.part", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out < 0) {
                r = -errno;
                close(in);
                return log_error_errno(r, "fetch: %s/vmcore.part", dir);
        }
        r = flat_open(in, &f, err, sizeof(err));
        if (r >= 0)
                r = flat_reassemble(f, out, err, sizeof(err));
        if (r >= 0 && fsync(out) < 0)
                r = -errno;
        flat_free(f);
        close(in);
        close(out);
        if (r >= 0 && renameat(dirfd, "vmcore.part", dirfd, "vmcore") < 0)
                r = -errno;
        if (r < 0) {
                log_error("fetch: reassembling %s/vmcore.flat: %s", dir, *err ? err : strerror(-r));
                return r;
        }
        if (!keep)
                unlinkat(dirfd, "vmcore.flat", 0);
        log_info("fetch: the flattened dump was reassembled into %s/vmcore", dir);
        return 0;
}

static int fetch_option(int opt, const char *arg, void *userdata) {
        struct fetch_args *a = userdata;

        switch (opt) {
        case OPT_OUTPUT:
                a->dir = arg;
                return 0;
        case OPT_NO_DUMP:
                a->no_dump = true;
                return 0;
        case OPT_KEEP_FLATTENED:
                a->keep_flattened = true;
                return 0;
        }
        return -ENOENT;
}

static void help(void) {
        printf("Usage: vmcored fetch [OPTIONS] CRASH_ID\n"
               "\n"
               "Downloads a crash's report.json, dmesg.txt and dump from the store into a\n"
               "directory and checks each against the SHA-256 in its MANIFEST.json. An\n"
               "interrupted fetch continues where it stopped when run again; a file that\n"
               "does not match is kept as NAME.damaged and the fetch fails. A flattened dump\n"
               "(streamed without a spool) is reassembled into a kdump-compressed vmcore.\n"
               "\n"
               "Options:\n"
               "  -o, --output DIR        where to put the files (default ./CRASH_ID)\n"
               "      --no-dump           report, log and manifest only\n"
               "      --keep-flattened    keep vmcore.flat after reassembling it\n"
               "      --store URL         the store (default: [store] url of the configuration)\n"
               "      --config FILE       the configuration file (default %s)\n"
               "      --credentials FILE  [store] credentials\n"
               "  -h, --help              show this help\n"
               "\n"
               "Exit status: 0 every file fetched and verified, 1 a file could not be fetched\n"
               "or does not match its digest, or the crash is not (completely) stored, 2 usage\n"
               "error.\n",
               VMC_CONFIG_DEFAULT);
}

int cmd_fetch(int argc, char **argv) {
        static const struct option options[] = {
                VMC_SETTINGS_OPTIONS,
                { "help", no_argument, NULL, 'h' },
                { "output", required_argument, NULL, OPT_OUTPUT },
                { "no-dump", no_argument, NULL, OPT_NO_DUMP },
                { "keep-flattened", no_argument, NULL, OPT_KEEP_FLATTENED },
                {}
        };
        struct fetch_args a = {};
        struct vmc_settings st = {};
        struct vmc_store *s = NULL;
        _cleanup_free_ char *mkey = NULL, *mdata = NULL;
        json_object *manifest = NULL, *files, *dump;
        const char *id, *format = NULL;
        char err[1024] = "", **args;
        size_t n_args, mlen = 0;
        struct sigaction sa = { .sa_handler = on_signal };
        struct bar b = {};
        int dirfd = -1, ret = 1, r, failed = 0;

        if (!vmc_command_setup_args("fetch", argc, argv, options, help, fetch_option, &a, 1, 1, &args, &n_args, &st,
                                    &ret))
                goto out;
        ret = 1;
        id = args[0];
        if (!vmc_crash_id_valid(id)) {
                log_error("fetch: '%s' is no crash id (20261122T051126Z-4e79dc8b1666)", id);
                ret = EXIT_USAGE;
                goto out;
        }
        if (!a.dir)
                a.dir = id;
        /* Ctrl-C stops the transfer cleanly, leaving NAME.part to continue. */
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        {
                struct vmc_store_options opt;
                vmc_settings_store_options(&st, &opt);
                if (isatty(STDERR_FILENO)) {
                        opt.progress = show_bar;
                        opt.progress_userdata = &b;
                }
                opt.cancel = &cancelled;
                r = vmc_store_open(&st.url, &st.cred, &opt, &s, err, sizeof(err));
                if (r < 0) {
                        log_error("fetch: %s", *err ? err : strerror(-r));
                        goto out;
                }
        }
        mkey = vmc_key_crash(id, "MANIFEST.json");
        r = mkey ? vmc_store_get(s, mkey, MANIFEST_MAX, &mdata, &mlen, err, sizeof(err)) : -ENOMEM;
        if (r == -ENOENT) {
                log_error("fetch: %s: no %s: the crash is not in the store, or its upload is not complete",
                          vmc_store_name(s), mkey);
                goto out;
        }
        if (r < 0) {
                log_error("fetch: %s", *err ? err : strerror(-r));
                goto out;
        }
        manifest = json_tokener_parse(mdata);
        files = member(manifest, "files");
        if (!manifest || !files || !json_object_is_type(files, json_type_object) ||
            !streq_ptr(json_object_get_string(member(manifest, "crash_id")), id)) {
                log_error("fetch: %s: %s is no manifest of this crash", vmc_store_name(s), mkey);
                goto out;
        }
        dump = member(manifest, "dump");
        if (dump && json_object_is_type(dump, json_type_object))
                format = json_object_get_string(member(dump, "format"));
        r = mkdir_parents(a.dir, 0755);
        if (r < 0) {
                log_error_errno(r, "fetch: %s", a.dir);
                goto out;
        }
        dirfd = open(a.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0) {
                log_error_errno(-errno, "fetch: %s", a.dir);
                goto out;
        }
        /* MANIFEST.json is written last: a directory with it is complete. */
        unlinkat(dirfd, "MANIFEST.json", 0);
        json_object_object_foreach(files, name, f) {
                _cleanup_free_ char *key = NULL;
                const char *sha = json_object_get_string(member(f, "sha256"));
                uint64_t size = (uint64_t) json_object_get_int64(member(f, "size"));
                bool flat = strcmp(name, "vmcore") == 0 && streq_ptr(format, "flattened");
                const char *local = flat ? "vmcore.flat" : name;

                /* Names become file names here: only plain ones. */
                if (!*name || strchr(name, '/') || name[0] == '.' || !sha || strlen(sha) != 64) {
                        log_error("fetch: MANIFEST.json names a bad file '%s'; left out", name);
                        failed = 1;
                        continue;
                }
                if (a.no_dump && strcmp(name, "vmcore") == 0)
                        continue;
                key = vmc_key_crash(id, name);
                if (!key) {
                        failed = 1;
                        break;
                }
                r = have_file(dirfd, local, size, sha);
                if (r > 0 && !flat) {
                        log_info("fetch: %s/%s is there and verified", a.dir, local);
                        continue;
                }
                if (flat && r <= 0 && faccessat(dirfd, "vmcore", F_OK, 0) == 0 &&
                    faccessat(dirfd, "vmcore.flat", F_OK, 0) < 0 && faccessat(dirfd, "vmcore.flat.part", F_OK, 0) < 0) {
                        /* Reassembled by an earlier fetch that stopped before
                         * MANIFEST.json: fetch it again to be sure. */
                        unlinkat(dirfd, "vmcore", 0);
                }
                if (r <= 0) {
                        b.name = name;
                        r = fetch_file(s, dirfd, a.dir, key, name, local, size, sha);
                        if (r == -ECANCELED)
                                goto out;
                        if (r < 0) {
                                failed = 1;
                                continue;
                        }
                }
                if (flat && reassemble(dirfd, a.dir, a.keep_flattened) < 0)
                        failed = 1;
        }
        if (failed)
                goto out;
        r = write_file_atomic(dirfd, "MANIFEST.json", mdata, mlen, 0644);
        if (r < 0) {
                log_error_errno(r, "fetch: %s/MANIFEST.json", a.dir);
                goto out;
        }
        printf("%s\n", a.dir);
        ret = 0;
out:
        if (dirfd >= 0)
                close(dirfd);
        json_object_put(manifest);
        vmc_store_close(s);
        vmc_settings_done(&st);
        return ret;
}
