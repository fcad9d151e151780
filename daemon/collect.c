/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vmcored collect: the capture job. Analyze the dump, keep the report and
 * log in the spool, store the fingerprint record, report and log at once
 * (the fleet learns of the crash within a second), capture the dump with
 * makedumpfile into the spool, store it, and store MANIFEST.json last: a
 * crash is complete in the store only when its MANIFEST is there. Whatever
 * cannot be stored stays in the spool for the next boot. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "commands.h"
#include "digest.h"
#include "dump.h"
#include "layout.h"
#include "log.h"
#include "signatures.h"
#include "mkdir.h"
#include "report.h"
#include "settings.h"
#include "spool-state.h"
#include "store.h"
#include "upload.h"
#include "strbuf.h"
#include "util.h"
#include "vmcore.h"

#define RECORD_MAX (1U << 20)

static void help(void) {
        printf("Usage: vmcored collect [OPTIONS]\n"
               "\n"
               "The capture job: analyze /proc/vmcore (or --vmcore), keep the report and the\n"
               "kernel log in the spool, store the fingerprint record, report and log first,\n"
               "then capture the dump with makedumpfile, store it, and store MANIFEST.json\n"
               "last. What cannot be stored stays in the spool.\n"
               "\n"
               "Options:\n"
               "      --vmcore PATH       collect from a saved dump instead of /proc/vmcore\n"
               "      --fingerprint-only  store fingerprint, report and log, and leave the dump to\n"
               "                          kdump-tools or kdump-utils (vmcored run stores it on the\n"
               "                          next boot)\n"
               "      --config FILE       the configuration file (default %s)\n"
               "      --store URL         [store] url: s3://BUCKET/PREFIX?endpoint=..., https://HOST/PATH,\n"
               "                          sftp://USER@HOST/DIR or file:///DIR\n"
               "      --credentials FILE  [store] credentials\n"
               "      --spool DIR         [capture] spool\n"
               "      --crash-dir DIR     [capture] crash_dir\n"
               "  -h, --help              show this help\n"
               "\n"
               "Prints the crash id (also with exit status 4 and 5).\n"
               "\n"
               "Exit status: 0 the crash is complete in the store (or was already), 1 nothing\n"
               "could be kept (no readable dump, bad configuration), 2 usage error, 4 kept in\n"
               "the spool but not (all) stored, 5 report and log stored but the dump could not\n"
               "be captured, 6 /proc/vmcore has an impossible ELF header (arm64 kdump loaded\n"
               "without _text in /proc/kallsyms: see vmcored(8)); nothing was read past it.\n",
               VMC_CONFIG_DEFAULT);
}

static double now_ms(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec * 1e3 + (double) t.tv_nsec / 1e6;
}

struct collect {
        struct vmc_settings st;
        const char *vmcore;
        struct vmc_store_url spool_url;
        struct vmc_store *spool;        /* the spool, as a file store */
        struct vmc_store *store;
        char crash_id[VMC_CRASH_ID_MAX];
        char fingerprint[128];
        char dump_format[32];
        char spool_dir[4096];           /* the spool in use */
        bool stream_only;               /* no disk for the dump: it is streamed */
        bool spool_full;
        bool in_place;                  /* a saved dump is linked from the spool, not copied */
        bool adopt;                     /* vmcore is ours to move into the spool (a reassembled split set) */
        const char *tool_dir;           /* the kdump tool's directory it came from, or NULL */
        bool fingerprint_only;          /* the first stages only; a kdump tool saves the dump */
        double t0;
        char err[1024];
};

/* ---- analysis, in a child: reading a corrupt dump may crash ---- */

/* The first analysis of a crash stays: the store may have its report
 * already (collect --fingerprint-only read /proc/vmcore, the next boot's
 * ingest reads the dump a kdump tool saved, and the two reports say
 * different things about the dump's format), and MANIFEST must describe
 * what the store has. */
static int write_spool(struct collect *c, const char *file, const char *data, size_t len) {
        _cleanup_free_ char *key = NULL, *path = NULL;
        if (asprintf(&key, "%s/%s", c->crash_id, file) < 0 ||
            asprintf(&path, "%s/%s/%s", c->spool_dir, c->crash_id, file) < 0)
                return -ENOMEM;
        if (access(path, F_OK) == 0)
                return 0;
        return vmc_store_put(c->spool, key, data, len, c->err, sizeof(c->err));
}

static int analyze_child(struct collect *c, int out) {
        _cleanup_(strbuf_done) struct strbuf log = STRBUF_INIT;
        struct vmc_analyzer *a = NULL;
        struct vmc_vmcore *vm = NULL;
        struct vmc_report *r = NULL;
        const char *paths[] = { c->vmcore };
        char host[VMC_HOST_ID_LEN + 1], line[256];
        json_object *o = NULL;
        const char *s;
        int k;

        k = vmc_analyzer_new(&a, c->err, sizeof(c->err));
        /* A bad rule file is logged and left out: it must not cost the
         * crash its report. */
        if (k >= 0)
                (void) vmc_signatures_load(a, c->st.cfg.signatures, NULL, 0, true);
        if (k >= 0)
                k = vmc_vmcore_read(1, paths, &vm, c->err, sizeof(c->err));
        if (k >= 0) {
                snprintf(c->dump_format, sizeof(c->dump_format), "%s", vm->info.format ?: "");
                k = vmc_analyze_vmcore(a, vm, NULL, c->vmcore, &r);
        }
        if (k >= 0)
                k = vmc_crash_id(r, c->crash_id);
        if (k >= 0)
                k = vmc_host_id(r->vmcore->uts_nodename, host);
        if (k < 0) {
                if (!*c->err)
                        snprintf(c->err, sizeof(c->err), "%s", strerror(-k));
                goto out;
        }
        o = vmc_report_to_json(r);
        s = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE)
              : NULL;
        k = s ? write_spool(c, "report.json", s, strlen(s)) : -ENOMEM;
        json_object_put(o);
        if (k >= 0)
                k = vmc_vmcore_kernel_log(r->vmcore, &log);
        if (k >= 0)
                k = write_spool(c, "dmesg.txt", log.buf ?: "", log.len);
        o = k >= 0 ? vmc_fingerprint_record(r, c->crash_id, host) : NULL;
        s = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
        if (k >= 0)
                k = s ? write_spool(c, "fingerprint.json", s, strlen(s)) : -ENOMEM;
        json_object_put(o);
        if (k >= 0) {
                /* The parent learns what it needs in one line. */
                snprintf(line, sizeof(line), "%s %s %s\n", c->crash_id, r->fingerprint ?: "-", c->dump_format);
                k = write(out, line, strlen(line)) == (ssize_t) strlen(line) ? 0 : -EIO;
        }
out:
        if (k < 0 && *c->err && strncmp(c->err, c->vmcore, strlen(c->vmcore)) == 0)
                log_error("%s", c->err);
        else if (k < 0 && *c->err)
                log_error("%s: %s", c->vmcore, c->err);
        vmc_report_free(r);
        vmc_analyzer_free(a);
        return k == -EUCLEAN ? EXIT_BAD_HEADER : k < 0 ? 1 : 0;
}

static int analyze(struct collect *c) {
        char buf[512] = "";
        size_t have = 0;
        int fds[2], status, r;
        pid_t pid;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return log_error_errno(-errno, "pipe");
        fflush(NULL);
        pid = fork();
        if (pid < 0) {
                r = log_error_errno(-errno, "fork");
                close(fds[0]);
                close(fds[1]);
                return r;
        }
        if (pid == 0) {
                close(fds[0]);
                _exit(analyze_child(c, fds[1]));
        }
        close(fds[1]);
        for (;;) {
                ssize_t n = read(fds[0], buf + have, sizeof(buf) - 1 - have);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                have += (size_t) n;
        }
        close(fds[0]);
        buf[have] = '\0';
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (WIFSIGNALED(status)) {
                log_error("%s: reading the dump crashed (%s): the dump is corrupt or in a form this version "
                          "cannot read", c->vmcore, strsignal(WTERMSIG(status)));
                return -EBADMSG;
        }
        /* The child said why. */
        if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_BAD_HEADER)
                return -EUCLEAN;
        if (sscanf(buf, "%39s %127s %31s", c->crash_id, c->fingerprint, c->dump_format) != 3)
                return -EBADMSG;
        return 0;
}

/* ---- capture ---- */

/* The spool's disk, too full to hold even the report: below this, the
 * spool in memory is used instead and the dump is streamed. */
#define SPOOL_FREE_MIN ((uint64_t) 4 << 20)

static void capture_options(struct collect *c, struct vmc_capture_options *o, char *log_path, size_t len) {
        snprintf(log_path, len, "%s/%s/makedumpfile.log", c->spool_dir, c->crash_id);
        *o = (struct vmc_capture_options){
                .vmcore = c->vmcore,
                .dump_level = c->st.cfg.dump_level,
                .compression = c->st.cfg.compression,
                .log_path = log_path,
        };
}

static int fsync_path(const char *path, int flags) {
        int fd = open(path, flags | O_CLOEXEC), r = 0;
        if (fd < 0 || fsync(fd) < 0)
                r = -errno;
        if (fd >= 0)
                close(fd);
        return r;
}

/* Into SPOOL/ID/vmcore: makedumpfile filters an ELF dump (/proc/vmcore);
 * a saved dump, already filtered, is copied as it is. A disk that fills up
 * gives -ENOSPC, after one more try at dump level 31 when a lower one was
 * asked for. *level gets the level used. */
static int capture(struct collect *c, unsigned *level) {
        _cleanup_free_ char *dir = NULL, *incomplete = NULL, *final = NULL;
        struct vmc_capture_options o;
        char log_path[4200];
        int fd, r;

        if (asprintf(&dir, "%s/%s", c->spool_dir, c->crash_id) < 0 ||
            asprintf(&incomplete, "%s/vmcore-incomplete", dir) < 0 || asprintf(&final, "%s/vmcore", dir) < 0)
                return -ENOMEM;
        if (strcmp(c->dump_format, "elf") == 0) {
                capture_options(c, &o, log_path, sizeof(log_path));
                r = vmc_capture_file(&o, incomplete);
                if (r == -ENOSPC && o.dump_level < 31) {
                        log_warning("the spool's disk is full at dump level %u: trying again at dump level 31 "
                                    "(only the kernel's own pages)", o.dump_level);
                        o.dump_level = 31;
                        r = vmc_capture_file(&o, incomplete);
                }
                if (r < 0)
                        return r;
                *level = o.dump_level;
                r = fsync_path(incomplete, O_RDONLY);
                if (r >= 0 && rename(incomplete, final) < 0)
                        r = -errno;
                if (r < 0)
                        return log_error_errno(r, "%s", incomplete);
                (void) fsync_path(dir, O_RDONLY | O_DIRECTORY);
                return 0;
        }
        if (c->in_place) {
                /* A dump another tool saved stays where it is, untouched:
                 * the spool links to it. */
                _cleanup_free_ char *abs = realpath(c->vmcore, NULL);
                if (!abs)
                        return log_error_errno(-errno, "%s", c->vmcore);
                (void) unlink(final);
                if (symlink(abs, final) < 0)
                        return log_error_errno(-errno, "%s", final);
                (void) fsync_path(dir, O_RDONLY | O_DIRECTORY);
                return 0;
        }
        if (c->adopt) {
                /* Made for this crash in the spool's file system: moved,
                 * not copied. */
                if (rename(c->vmcore, final) == 0) {
                        (void) fsync_path(dir, O_RDONLY | O_DIRECTORY);
                        return 0;
                }
                if (errno != EXDEV)
                        return log_error_errno(-errno, "%s", final);
        }
        fd = open(c->vmcore, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(-errno, "%s", c->vmcore);
        {
                _cleanup_free_ char *key = NULL;
                r = asprintf(&key, "%s/vmcore", c->crash_id) < 0 ? -ENOMEM
                                                                  : vmc_store_put_fd(c->spool, key, fd, c->err, sizeof(c->err));
        }
        close(fd);
        if (r == -ENOSPC || r == -EDQUOT) {
                log_error("the spool's disk is full: the dump could not be kept there");
                return -ENOSPC;
        }
        if (r < 0)
                log_error("%s", *c->err ? c->err : strerror(-r));
        return r;
}

/* Straight from makedumpfile -F into the store, when there is no disk to
 * keep the dump: memory stays bounded, and the stored dump is the
 * flattened file (vmcored analyze reads it; makedumpfile -R restores the
 * kdump-compressed one). A saved dump is streamed as it is. */
static int stream_dump(struct collect *c, struct vmc_upload *u, int dirfd, struct vmc_spool_state *s) {
        _cleanup_free_ char *key = vmc_key_crash(c->crash_id, "vmcore");
        bool filter = strcmp(c->dump_format, "elf") == 0;
        struct vmc_capture_stream *cs = NULL;
        struct vmc_capture_options o;
        struct vmc_stream *in = NULL;
        char log_path[4200], hex[VMC_SHA256_HEX];
        uint64_t size = 0;
        double t = now_ms();
        int r, k;

        if (!key)
                return -ENOMEM;
        capture_options(c, &o, log_path, sizeof(log_path));
        if (!filter) {
                /* A saved dump, already filtered, is on a disk already: it
                 * goes to the store from there, as it is. */
                int fd = open(c->vmcore, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return set_error(-errno, u->err, sizeof(u->err), "%s: %s", c->vmcore, strerror(errno));
                r = vmc_sha256_fd(fd, hex, &size);
                if (r >= 0)
                        r = vmc_store_put_fd(c->store, key, fd, u->err, sizeof(u->err));
                close(fd);
                if (r < 0)
                        return r;
                snprintf(s->dump_format, sizeof(s->dump_format), "%s", c->dump_format);
                s->dump_level = -1;
                s->compression[0] = '\0';
                goto stored;
        }
        log_info("streaming the dump to %s (makedumpfile -F, dump level %u)", vmc_store_name(c->store), o.dump_level);
        r = vmc_capture_stream_start(&o, &cs, &in);
        if (r < 0)
                return r;
        r = vmc_store_put_stream(c->store, key, in, u->err, sizeof(u->err));
        k = vmc_capture_stream_finish(cs, hex, &size);
        if (r >= 0 && k < 0) {
                /* Never a stored object from a failed capture. */
                (void) vmc_store_delete(c->store, key, NULL, 0);
                r = k;
        }
        if (r < 0) {
                if (k < 0 && k != -ECANCELED)
                        snprintf(u->err, sizeof(u->err), "makedumpfile failed: the streamed dump was not kept");
                return r;
        }
        t = (now_ms() - t) / 1000.0;
        log_info("dump streamed: %.1f MiB in %.2f s (%.0f MiB/s)", size / 1048576.0, t,
                 t > 0 ? size / 1048576.0 / t : 0.0);
        snprintf(s->dump_format, sizeof(s->dump_format), "flattened");
        s->dump_level = (int) o.dump_level;
        snprintf(s->compression, sizeof(s->compression), "%s", o.compression);
stored:
        s->captured = s->streamed = true;
        s->dump_size = size;
        snprintf(s->dump_sha256, sizeof(s->dump_sha256), "%s", hex);
        s->stored[VMC_STAGE_VMCORE] = true;
        return vmc_spool_state_save(dirfd, s);
}

/* Where the report and log go: the configured spool when it can be
 * written and has room; else the spool in memory, and the dump is
 * streamed. */
static int choose_spool(struct collect *c) {
        const struct vmc_config *cfg = &c->st.cfg;
        struct statvfs sv;
        int r;

        if (strcmp(cfg->spool, "none") == 0) {
                vmc_runtime_spool(c->spool_dir, sizeof(c->spool_dir));
                c->stream_only = true;
                log_info("[capture] spool = none: report and log kept in %s, the dump streamed to the store",
                         c->spool_dir);
        } else {
                char cwd[2048];
                /* Kept as an absolute path: it is opened as a file:// store. */
                if (cfg->spool[0] != '/' && getcwd(cwd, sizeof(cwd)))
                        snprintf(c->spool_dir, sizeof(c->spool_dir), "%s/%s", cwd, cfg->spool);
                else
                        snprintf(c->spool_dir, sizeof(c->spool_dir), "%s", cfg->spool);
                r = mkdir_parents(c->spool_dir, 0700);
                if (r >= 0 && access(c->spool_dir, W_OK) < 0)
                        r = -errno;
                if (r >= 0 && statvfs(c->spool_dir, &sv) == 0 &&
                    (uint64_t) sv.f_bavail * sv.f_frsize < SPOOL_FREE_MIN)
                        r = -ENOSPC;
                if (r < 0) {
                        vmc_runtime_spool(c->spool_dir, sizeof(c->spool_dir));
                        c->stream_only = true;
                        c->spool_full = r == -ENOSPC || r == -EDQUOT;
                        log_warning("spool %s: %s; report and log kept in %s instead, the dump streamed to the store",
                                    cfg->spool, r == -ENOSPC ? "the disk is full" : strerror(-r), c->spool_dir);
                }
        }
        r = mkdir_parents(c->spool_dir, 0700);
        if (r < 0)
                return log_error_errno(r, "spool %s", c->spool_dir);
        return 0;
}

static int run(struct collect *c) {
        const struct vmc_config *cfg = &c->st.cfg;
        struct vmc_upload u = { .st = &c->st, .t0 = c->t0 };
        struct vmc_spool_state s = { .dump_level = -1 };
        _cleanup_free_ char *manifest_key = NULL;
        bool stored = false;
        struct stat sst;
        int dirfd = -1, r, ret;

        if (stat(c->vmcore, &sst) < 0)
                return log_error_errno(-errno, "%s", c->vmcore), 1;
        if (choose_spool(c) < 0)
                return 1;
        {
                char url[4200];
                snprintf(url, sizeof(url), "file://%s", c->spool_dir);
                struct vmc_store_options opt = { .connect_timeout = cfg->connect_timeout };
                r = vmc_store_url_parse(url, false, &c->spool_url, c->err, sizeof(c->err));
                if (r >= 0)
                        r = vmc_store_open(&c->spool_url, &c->st.cred, &opt, &c->spool, c->err, sizeof(c->err));
                if (r < 0)
                        return log_error("spool: %s", c->err), 1;
        }

        r = analyze(c);
        /* Nothing else reads it either: makedumpfile would meet the same
         * segment. */
        if (r == -EUCLEAN)
                return EXIT_BAD_HEADER;
        if (r < 0)
                return 1;
        log_info("crash %s, fingerprint %s: report and log in %s/%s (%.0f ms)", c->crash_id, c->fingerprint,
                 c->spool_dir, c->crash_id, now_ms() - c->t0);

        /* The crash's state: what the spool has and the store got, kept
         * from an earlier collect of the same dump. */
        r = vmc_upload_open_crash(c->spool_dir, c->crash_id, &dirfd);
        if (r >= 0) {
                r = vmc_spool_state_load(dirfd, &s, c->err, sizeof(c->err));
                if (r == -ENOENT || r == -EBADMSG) {
                        if (r == -EBADMSG)
                                log_warning("spool: %s/%s: %s; starting it again", c->spool_dir, c->crash_id, c->err);
                        s = (struct vmc_spool_state){ .dump_level = -1 };
                        snprintf(s.crash_id, sizeof(s.crash_id), "%s", c->crash_id);
                        snprintf(s.fingerprint, sizeof(s.fingerprint), "%s", c->fingerprint);
                        snprintf(s.source_format, sizeof(s.source_format), "%s", c->dump_format);
                        s.dump = cfg->upload_dump == VMC_UPLOAD_DUMP_NEVER     ? VMC_DUMP_SKIPPED
                                 : cfg->upload_dump == VMC_UPLOAD_DUMP_UNKNOWN ? VMC_DUMP_UNDECIDED
                                                                               : VMC_DUMP_WANTED;
                        r = vmc_spool_state_save(dirfd, &s);
                }
        }
        if (r >= 0 && c->tool_dir && strcmp(s.tool_dir, c->tool_dir) != 0) {
                /* For [capture] delete_ingested, once the store has it. */
                snprintf(s.tool_dir, sizeof(s.tool_dir), "%s", c->tool_dir);
                r = vmc_spool_state_save(dirfd, &s);
        }
        if (r == -EBUSY) {
                log_error("crash %s: another vmcored is storing it now (its spool directory %s/%s is locked)",
                          c->crash_id, c->spool_dir, c->crash_id);
                ret = EXIT_SPOOLED;
                goto out;
        }
        if (r < 0) {
                log_error_errno(r, "spool %s/%s", c->spool_dir, c->crash_id);
                ret = 1;
                goto out;
        }

        {
                struct vmc_store_options opt;
                vmc_settings_store_options(&c->st, &opt);
                r = vmc_store_open(&c->st.url, &c->st.cred, &opt, &c->store, u.err, sizeof(u.err));
        }
        u.store = c->store;
        if (r >= 0) {
                manifest_key = vmc_key_crash(c->crash_id, "MANIFEST.json");
                r = manifest_key ? vmc_store_stat(c->store, manifest_key, NULL, u.err, sizeof(u.err)) : -ENOMEM;
                if (r > 0) {
                        /* The spool says so too: a later vmcored upload must
                         * not store this crash's record or MANIFEST again. */
                        for (unsigned i = 0; i < _VMC_STAGE_MAX; i++)
                                s.stored[i] = true;
                        (void) vmc_spool_state_save(dirfd, &s);
                        log_info("crash %s is already complete in %s", c->crash_id, vmc_store_name(c->store));
                        ret = 0;
                        goto out;
                }
        }
        if (r >= 0)
                r = vmc_upload_first(&u, dirfd, &s);
        stored = r >= 0;
        if (!stored) {
                log_error("store: %s; everything stays in %s/%s", *u.err ? u.err : strerror(-r), c->spool_dir,
                          c->crash_id);
                vmc_upload_failed(&u, dirfd, &s, r);
        }

        if (c->fingerprint_only) {
                /* A kdump tool saves the dump after us; vmcored run finds
                 * it on the next boot (the crash id comes from the dump's
                 * contents, so it is this crash's) and stores it then. */
                if ((s.dump == VMC_DUMP_WANTED || s.dump == VMC_DUMP_UNDECIDED) && !s.captured) {
                        s.dump_elsewhere = true;
                        r = vmc_spool_state_save(dirfd, &s);
                        if (r < 0)
                                log_error_errno(r, "spool %s/%s", c->spool_dir, c->crash_id);
                }
                log_info("crash %s: %s; the dump is left to the kdump tool, and vmcored run stores it on the next "
                         "boot", c->crash_id, stored ? "fingerprint, report and log stored" : "kept in the spool");
                ret = stored ? 0 : EXIT_SPOOLED;
                goto out;
        }

        /* The dump is captured even when the store is away (and then
         * whatever the policy would say): the next boot uploads it from the
         * spool. Without a disk for it, it goes straight to the store. */
        if ((s.dump == VMC_DUMP_WANTED || s.dump == VMC_DUMP_UNDECIDED) && !s.captured) {
                bool filtered = strcmp(c->dump_format, "elf") == 0;
                unsigned level = cfg->dump_level;

                r = c->stream_only ? -ENOSPC : capture(c, &level);
                if (r == -ENOSPC && stored && s.dump == VMC_DUMP_WANTED) {
                        if (!c->stream_only)
                                log_warning("the spool's disk is full: streaming the dump to the store instead");
                        r = stream_dump(c, &u, dirfd, &s);
                        if (r < 0) {
                                log_error("store: %s", *u.err ? u.err : strerror(-r));
                                vmc_upload_failed(&u, dirfd, &s, r);
                        }
                } else if (r >= 0) {
                        s.captured = true;
                        /* Of the dump captured now (a fingerprint-only
                         * collect read /proc/vmcore; this is the saved dump). */
                        snprintf(s.source_format, sizeof(s.source_format), "%s", c->dump_format);
                        snprintf(s.dump_format, sizeof(s.dump_format), "%s", filtered ? "kdump-compressed" : c->dump_format);
                        s.dump_level = filtered ? (int) level : -1;
                        snprintf(s.compression, sizeof(s.compression), "%s", filtered ? cfg->compression : "");
                        if (filtered && level != cfg->dump_level)
                                snprintf(s.lost, sizeof(s.lost),
                                         "the spool's disk was full: the dump was captured at dump level %u, not "
                                         "%u", level, cfg->dump_level);
                        r = vmc_spool_state_save(dirfd, &s);
                        if (r < 0) {
                                log_error_errno(r, "spool %s/%s", c->spool_dir, c->crash_id);
                                ret = EXIT_SPOOLED;
                                goto out;
                        }
                }
                if (r < 0) {
                        s.dump = VMC_DUMP_FAILED;
                        if (r == -ENOSPC || (c->stream_only && !s.captured))
                                snprintf(s.lost, sizeof(s.lost), "the dump: %s%s",
                                         c->stream_only && !c->spool_full ? "no spool to keep it in"
                                                                         : "the spool's disk is full",
                                         !stored ? " and the store was away" : ", and streaming it failed");
                        if (!*s.last_error)
                                snprintf(s.last_error, sizeof(s.last_error), "the dump could not be captured");
                        (void) vmc_spool_state_save(dirfd, &s);
                        if (*s.lost)
                                log_error("lost: %s; the report and log are kept in %s/%s", s.lost, c->spool_dir,
                                          c->crash_id);
                        if (!stored) {
                                ret = EXIT_SPOOLED;
                                goto out;
                        }
                        /* What is there is stored, and says the dump is not. */
                        r = vmc_upload_rest(&u, dirfd, &s);
                        ret = r < 0 ? EXIT_SPOOLED : EXIT_NO_DUMP;
                        goto out;
                }
        }
        if (!stored) {
                ret = EXIT_SPOOLED;
                goto out;
        }
        r = vmc_upload_rest(&u, dirfd, &s);
        if (r < 0) {
                log_error("store: %s; %s stays in %s/%s", *u.err ? u.err : strerror(-r),
                          s.stored[VMC_STAGE_VMCORE] || s.dump != VMC_DUMP_WANTED ? "the crash" : "the dump",
                          c->spool_dir, c->crash_id);
                vmc_upload_failed(&u, dirfd, &s, r);
                ret = EXIT_SPOOLED;
                goto out;
        }
        log_info("crash %s complete in %s (%.0f ms)", c->crash_id, vmc_store_name(c->store), now_ms() - c->t0);
        ret = 0;
out:
        /* The crash's id, whether it is complete, kept in the spool or
         * stored without its dump: what to look for in the store. */
        if (ret == 0 || ret == EXIT_SPOOLED || ret == EXIT_NO_DUMP)
                printf("%s\n", c->crash_id);
        if (dirfd >= 0)
                close(dirfd);
        return ret;
}

enum { ARG_VMCORE = 0x200, ARG_FINGERPRINT_ONLY };

static int take_option(int opt, const char *arg, void *userdata) {
        struct collect *c = userdata;

        if (opt == ARG_VMCORE)
                c->vmcore = arg;
        else if (opt == ARG_FINGERPRINT_ONLY)
                c->fingerprint_only = true;
        else
                return -ENOENT;
        return 0;
}

int cmd_collect(int argc, char **argv) {
        static const struct option options[] = {
                VMC_SETTINGS_OPTIONS,
                { "vmcore", required_argument, NULL, ARG_VMCORE },
                { "fingerprint-only", no_argument, NULL, ARG_FINGERPRINT_ONLY },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct collect c = { .vmcore = "/proc/vmcore", .t0 = now_ms() };
        int ret;

        if (!vmc_command_setup("collect", argc, argv, options, help, take_option, &c, &c.st, &ret)) {
                vmc_settings_done(&c.st);
                return ret;
        }
        ret = run(&c);
        vmc_store_close(c.store);
        vmc_store_close(c.spool);
        vmc_store_url_done(&c.spool_url);
        vmc_settings_done(&c.st);
        return ret;
}

static int collect_with(struct collect *c) {
        int ret = run(c);

        fflush(stdout); /* run's child leaves with _exit */
        vmc_store_close(c->store);
        vmc_store_close(c->spool);
        vmc_store_url_done(&c->spool_url);
        return ret;
}

int vmc_collect_saved(const struct vmc_settings *st, const char *vmcore) {
        _cleanup_free_ char *tool_dir = realpath(vmcore, NULL);
        struct collect c = { .st = *st, .vmcore = vmcore, .in_place = true, .t0 = now_ms() };
        char *slash = tool_dir ? strrchr(tool_dir, '/') : NULL;

        if (slash && slash != tool_dir) {
                *slash = '\0';
                c.tool_dir = tool_dir;
        }
        return collect_with(&c);
}

int vmc_collect_reassembled(const struct vmc_settings *st, const char *vmcore, const char *tool_dir) {
        struct collect c = { .st = *st, .vmcore = vmcore, .adopt = true, .tool_dir = tool_dir, .t0 = now_ms() };
        return collect_with(&c);
}

int vmc_collect_vmcore(const struct vmc_settings *st, const char *vmcore) {
        struct collect c = { .st = *st, .vmcore = vmcore, .t0 = now_ms() };
        return collect_with(&c);
}
