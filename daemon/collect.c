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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "digest.h"
#include "dump.h"
#include "layout.h"
#include "log.h"
#include "mkdir.h"
#include "report.h"
#include "settings.h"
#include "spool-state.h"
#include "store.h"
#include "upload.h"
#include "strbuf.h"
#include "util.h"
#include "vmcore.h"

#define EXIT_SPOOLED 4          /* kept in the spool; the store has not got all of it */
#define EXIT_NO_DUMP 5          /* report and log stored; the dump could not be captured */
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
               "      --config FILE       the configuration file (default %s)\n"
               "      --store URL         [store] url: s3://BUCKET/PREFIX?endpoint=..., https://HOST/PATH,\n"
               "                          sftp://USER@HOST/DIR or file:///DIR\n"
               "      --credentials FILE  [store] credentials\n"
               "      --spool DIR         [capture] spool\n"
               "      --crash-dir DIR     [capture] crash_dir\n"
               "  -h, --help              show this help\n"
               "\n"
               "Exit status: 0 the crash is complete in the store (or was already), 1 nothing\n"
               "could be kept (no readable dump, bad configuration), 2 usage error, 4 kept in\n"
               "the spool but not (all) stored, 5 report and log stored but the dump could not\n"
               "be captured.\n",
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
        double t0;
        char err[1024];
};

/* ---- analysis, in a child: reading a corrupt dump may crash ---- */

static int write_spool(struct collect *c, const char *file, const char *data, size_t len) {
        _cleanup_free_ char *key = NULL;
        if (asprintf(&key, "%s/%s", c->crash_id, file) < 0)
                return -ENOMEM;
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
        if (k < 0 && *c->err)
                log_error("%s: %s", c->vmcore, c->err);
        vmc_report_free(r);
        vmc_analyzer_free(a);
        return k < 0 ? 1 : 0;
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
        if (sscanf(buf, "%39s %127s %31s", c->crash_id, c->fingerprint, c->dump_format) != 3)
                return -EBADMSG; /* the child said why */
        return 0;
}

/* ---- capture ---- */

static const char *compression_flag(const char *compression) {
        if (strcmp(compression, "lzo") == 0)
                return "-l";
        if (strcmp(compression, "zlib") == 0)
                return "-c";
        if (strcmp(compression, "snappy") == 0)
                return "-p";
        if (strcmp(compression, "zstd") == 0)
                return "-z";
        return NULL;
}

/* makedumpfile redraws "[ 42.0 %]" on its progress lines: shown on a
 * terminal as it goes, in the log every 25%. */
static void show_progress(const char *chunk, size_t len, int *last) {
        for (size_t i = 0; i + 1 < len; i++) {
                if (chunk[i] != '[')
                        continue;
                double pct;
                if (sscanf(chunk + i + 1, " %lf %%]", &pct) != 1 || pct < 0 || pct > 100)
                        continue;
                if (isatty(STDERR_FILENO))
                        fprintf(stderr, "\rvmcored: capturing the dump: %5.1f%%", pct);
                else if ((int) pct / 25 > *last / 25)
                        log_info("capturing the dump: %.0f%%", pct);
                *last = (int) pct;
        }
}

static int run_makedumpfile(struct collect *c, const char *spool_dir) {
        _cleanup_free_ char *out = NULL, *logpath = NULL;
        const struct vmc_config *cfg = &c->st.cfg;
        const char *flag = compression_flag(cfg->compression);
        char level[16];
        int errpipe[2], logfd, status, last = -1;
        pid_t pid;

        if (asprintf(&out, "%s/vmcore-incomplete", spool_dir) < 0 ||
            asprintf(&logpath, "%s/makedumpfile.log", spool_dir) < 0)
                return -ENOMEM;
        snprintf(level, sizeof(level), "%u", cfg->dump_level);
        (void) unlink(out); /* makedumpfile refuses to overwrite */
        logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (pipe2(errpipe, O_CLOEXEC) < 0) {
                if (logfd >= 0)
                        close(logfd);
                return log_error_errno(-errno, "pipe");
        }
        fflush(NULL);
        pid = fork();
        if (pid < 0) {
                int r = log_error_errno(-errno, "fork");
                close(errpipe[0]);
                close(errpipe[1]);
                if (logfd >= 0)
                        close(logfd);
                return r;
        }
        if (pid == 0) {
                const char *argv[8];
                unsigned n = 0;
                dup2(errpipe[1], STDERR_FILENO);
                dup2(errpipe[1], STDOUT_FILENO);
                argv[n++] = "makedumpfile";
                if (flag)
                        argv[n++] = flag;
                argv[n++] = "-d";
                argv[n++] = level;
                argv[n++] = c->vmcore;
                argv[n++] = out;
                argv[n] = NULL;
                execvp("makedumpfile", (char *const *) argv);
                fprintf(stderr, "vmcored: cannot run makedumpfile: %s\n", strerror(errno));
                _exit(127);
        }
        close(errpipe[1]);
        for (;;) {
                char buf[4096];
                ssize_t n = read(errpipe[0], buf, sizeof(buf) - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                buf[n] = '\0';
                if (logfd >= 0)
                        (void) !write(logfd, buf, (size_t) n);
                show_progress(buf, (size_t) n, &last);
        }
        close(errpipe[0]);
        if (logfd >= 0)
                close(logfd);
        if (last >= 0 && isatty(STDERR_FILENO))
                fputc('\n', stderr);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                        log_error("makedumpfile is not installed (or not in PATH): the dump was not captured");
                else
                        log_error("makedumpfile failed (%s %d; its output is in %s): the dump was not captured",
                                  WIFEXITED(status) ? "exit status" : "signal",
                                  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), logpath);
                return -EIO;
        }
        return 0;
}

/* Into SPOOL/ID/vmcore: makedumpfile filters an ELF dump (/proc/vmcore);
 * a saved dump, already filtered, is copied as it is. */
static int capture(struct collect *c) {
        _cleanup_free_ char *dir = NULL, *incomplete = NULL, *final = NULL;
        int fd, r;

        if (asprintf(&dir, "%s/%s", c->st.cfg.spool, c->crash_id) < 0 ||
            asprintf(&incomplete, "%s/vmcore-incomplete", dir) < 0 || asprintf(&final, "%s/vmcore", dir) < 0)
                return -ENOMEM;
        if (strcmp(c->dump_format, "elf") == 0) {
                r = run_makedumpfile(c, dir);
                if (r < 0)
                        return r;
                fd = open(incomplete, O_RDONLY | O_CLOEXEC);
                if (fd < 0 || fsync(fd) < 0 || rename(incomplete, final) < 0) {
                        r = log_error_errno(-errno, "%s", incomplete);
                        if (fd >= 0)
                                close(fd);
                        return r;
                }
                close(fd);
                fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd >= 0) {
                        (void) fsync(fd);
                        close(fd);
                }
                return 0;
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
        if (r < 0)
                log_error("%s", *c->err ? c->err : strerror(-r));
        return r;
}

static int run(struct collect *c) {
        const struct vmc_config *cfg = &c->st.cfg;
        struct vmc_upload u = { .st = &c->st, .t0 = c->t0 };
        struct vmc_spool_state s = { .dump_level = -1 };
        _cleanup_free_ char *manifest_key = NULL;
        bool stored = false;
        struct stat sst;
        int dirfd = -1, r, ret;

        if (strcmp(cfg->spool, "none") == 0)
                return log_error("[capture] spool = none: streaming to the store without a spool is not built "
                                 "yet"), 1;
        r = mkdir_parents(cfg->spool, 0700);
        if (r < 0)
                return log_error_errno(r, "spool %s", cfg->spool), 1;
        if (stat(c->vmcore, &sst) < 0)
                return log_error_errno(-errno, "%s", c->vmcore), 1;
        {
                char url[4200];
                snprintf(url, sizeof(url), "file://%s", cfg->spool);
                struct vmc_store_options opt = { .connect_timeout = cfg->connect_timeout };
                r = vmc_store_url_parse(url, false, &c->spool_url, c->err, sizeof(c->err));
                if (r >= 0)
                        r = vmc_store_open(&c->spool_url, &c->st.cred, &opt, &c->spool, c->err, sizeof(c->err));
                if (r < 0)
                        return log_error("spool: %s", c->err), 1;
        }

        r = analyze(c);
        if (r < 0)
                return 1;
        log_info("crash %s, fingerprint %s: report and log in %s/%s (%.0f ms)", c->crash_id, c->fingerprint,
                 cfg->spool, c->crash_id, now_ms() - c->t0);

        /* The crash's state: what the spool has and the store got, kept
         * from an earlier collect of the same dump. */
        r = vmc_upload_open_crash(cfg->spool, c->crash_id, &dirfd);
        if (r >= 0) {
                r = vmc_spool_state_load(dirfd, &s, c->err, sizeof(c->err));
                if (r == -ENOENT || r == -EBADMSG) {
                        if (r == -EBADMSG)
                                log_warning("spool: %s/%s: %s; starting it again", cfg->spool, c->crash_id, c->err);
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
        if (r < 0) {
                log_error_errno(r, "spool %s/%s", cfg->spool, c->crash_id);
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
                        printf("%s\n", c->crash_id);
                        ret = 0;
                        goto out;
                }
        }
        if (r >= 0)
                r = vmc_upload_first(&u, dirfd, &s);
        stored = r >= 0;
        if (!stored) {
                log_error("store: %s; everything stays in %s/%s", *u.err ? u.err : strerror(-r), cfg->spool,
                          c->crash_id);
                vmc_upload_failed(&u, dirfd, &s, r);
        }

        /* The dump is captured even when the store is away (and then
         * whatever the policy would say): the next boot uploads it from the
         * spool. */
        if ((s.dump == VMC_DUMP_WANTED || s.dump == VMC_DUMP_UNDECIDED) && !s.captured) {
                r = capture(c);
                if (r < 0) {
                        s.dump = VMC_DUMP_FAILED;
                        snprintf(s.last_error, sizeof(s.last_error), "the dump could not be captured");
                        (void) vmc_spool_state_save(dirfd, &s);
                        ret = stored ? EXIT_NO_DUMP : EXIT_SPOOLED;
                        goto out;
                }
                bool filtered = strcmp(c->dump_format, "elf") == 0;
                s.captured = true;
                snprintf(s.dump_format, sizeof(s.dump_format), "%s", filtered ? "kdump-compressed" : c->dump_format);
                s.dump_level = filtered ? (int) cfg->dump_level : -1;
                snprintf(s.compression, sizeof(s.compression), "%s", filtered ? cfg->compression : "");
                r = vmc_spool_state_save(dirfd, &s);
                if (r < 0) {
                        log_error_errno(r, "spool %s/%s", cfg->spool, c->crash_id);
                        ret = EXIT_SPOOLED;
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
                          cfg->spool, c->crash_id);
                vmc_upload_failed(&u, dirfd, &s, r);
                ret = EXIT_SPOOLED;
                goto out;
        }
        log_info("crash %s complete in %s (%.0f ms)", c->crash_id, vmc_store_name(c->store), now_ms() - c->t0);
        printf("%s\n", c->crash_id);
        ret = 0;
out:
        if (dirfd >= 0)
                close(dirfd);
        return ret;
}

int cmd_collect(int argc, char **argv) {
        enum { ARG_VMCORE = 0x200 };
        static const struct option options[] = {
                VMC_SETTINGS_OPTIONS,
                { "vmcore", required_argument, NULL, ARG_VMCORE },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct collect c = { .vmcore = "/proc/vmcore", .t0 = now_ms() };
        int opt, r, ret;

        optind = 1;
        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                if (opt == 'h') {
                        help();
                        return 0;
                }
                if (opt == ARG_VMCORE) {
                        c.vmcore = optarg;
                        continue;
                }
                r = vmc_settings_option(&c.st, opt, optarg);
                if (r < 0) {
                        if (r == -E2BIG)
                                log_error("collect: too many options");
                        return EXIT_USAGE;
                }
        }
        if (optind < argc) {
                log_error("collect: unexpected argument '%s'", argv[optind]);
                return EXIT_USAGE;
        }
        r = vmc_settings_load(&c.st, c.err, sizeof(c.err));
        if (r < 0) {
                log_error("%s", *c.err ? c.err : strerror(-r));
                vmc_settings_done(&c.st);
                return 1;
        }
        ret = run(&c);
        vmc_store_close(c.store);
        vmc_store_close(c.spool);
        vmc_store_url_done(&c.spool_url);
        vmc_settings_done(&c.st);
        return ret;
}
