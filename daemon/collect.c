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
#include "store.h"
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

/* ---- the store ---- */

static int spool_get(struct collect *c, const char *file, char **data, size_t *len) {
        _cleanup_free_ char *key = NULL;
        if (asprintf(&key, "%s/%s", c->crash_id, file) < 0)
                return -ENOMEM;
        return vmc_store_get(c->spool, key, RECORD_MAX, data, len, c->err, sizeof(c->err));
}

/* Copies a small spool file to its place in the store. */
static int store_from_spool(struct collect *c, const char *file, const char *key) {
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r = spool_get(c, file, &data, &len);
        return r < 0 ? r : vmc_store_put(c->store, key, data, len, c->err, sizeof(c->err));
}

static int store_first(struct collect *c) {
        _cleanup_free_ char *fp_key = vmc_key_fingerprint(c->fingerprint, c->crash_id);
        _cleanup_free_ char *report_key = vmc_key_crash(c->crash_id, "report.json");
        _cleanup_free_ char *dmesg_key = vmc_key_crash(c->crash_id, "dmesg.txt");
        int r;

        if (!fp_key || !report_key || !dmesg_key)
                return -ENOMEM;
        r = store_from_spool(c, "fingerprint.json", fp_key);
        if (r >= 0)
                log_info("fingerprint %s of crash %s stored in %s (%.0f ms after start)", c->fingerprint, c->crash_id,
                         vmc_store_name(c->store), now_ms() - c->t0);
        if (r >= 0)
                r = store_from_spool(c, "report.json", report_key);
        if (r >= 0)
                r = store_from_spool(c, "dmesg.txt", dmesg_key);
        return r;
}

/* Counts the fingerprint's records that say a dump is stored, up to limit:
 * a common crash has many records, and each is one request to the store. */
static int count_dumps(struct collect *c, unsigned limit, unsigned *ret) {
        _cleanup_free_ char *dir = vmc_key_fingerprint_dir(c->fingerprint);
        char **names = NULL;
        size_t n = 0;
        unsigned count = 0;
        int r;

        if (!dir)
                return -ENOMEM;
        r = vmc_store_list(c->store, dir, &names, &n, c->err, sizeof(c->err));
        for (size_t i = 0; r >= 0 && i < n && count < limit; i++) {
                _cleanup_free_ char *key = NULL, *data = NULL;
                json_object *o, *d;
                size_t len;

                if (asprintf(&key, "%s/%s", dir, names[i]) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (vmc_store_get(c->store, key, RECORD_MAX, &data, &len, c->err, sizeof(c->err)) < 0)
                        continue;
                o = json_tokener_parse(data);
                if (o && json_object_object_get_ex(o, "dump", &d) && json_object_get_boolean(d))
                        count++;
                json_object_put(o);
        }
        vmc_store_names_free(names, n);
        *ret = count;
        return r;
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

/* ---- MANIFEST ---- */

/* Keeps a small file in the spool and stores it under key. */
static int keep_and_store(struct collect *c, const char *file, const char *key, const char *text) {
        int r = write_spool(c, file, text, strlen(text));
        return r < 0 ? r : vmc_store_put(c->store, key, text, strlen(text), c->err, sizeof(c->err));
}

static int add_file(struct collect *c, json_object *files, const char *name) {
        _cleanup_free_ char *path = NULL;
        char hex[VMC_SHA256_HEX];
        uint64_t size = 0;
        json_object *f;
        int fd, r;

        if (asprintf(&path, "%s/%s/%s", c->st.cfg.spool, c->crash_id, name) < 0)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        r = vmc_sha256_fd(fd, hex, &size);
        close(fd);
        if (r < 0)
                return r;
        f = json_object_new_object();
        json_object_object_add(f, "size", json_object_new_int64((int64_t) size));
        json_object_object_add(f, "sha256", json_object_new_string(hex));
        json_object_object_add(files, name, f);
        return 0;
}

static int store_manifest(struct collect *c, bool dump) {
        _cleanup_free_ char *key = vmc_key_crash(c->crash_id, "MANIFEST.json");
        json_object *o = json_object_new_object(), *files = json_object_new_object(), *d;
        const struct vmc_config *cfg = &c->st.cfg;
        const char *s;
        int r = 0;

        if (!key || !o || !files)
                r = -ENOMEM;
        json_object_object_add(o, "schema", json_object_new_string(VMC_MANIFEST_SCHEMA));
        json_object_object_add(o, "crash_id", json_object_new_string(c->crash_id));
        json_object_object_add(o, "fingerprint", json_object_new_string(c->fingerprint));
        json_object_object_add(o, "files", files);
        if (r >= 0)
                r = add_file(c, files, "report.json");
        if (r >= 0)
                r = add_file(c, files, "dmesg.txt");
        if (r >= 0 && dump)
                r = add_file(c, files, "vmcore");
        if (dump) {
                bool filtered = strcmp(c->dump_format, "elf") == 0;
                d = json_object_new_object();
                json_object_object_add(d, "format", json_object_new_string(filtered ? "kdump-compressed" : c->dump_format));
                json_object_object_add(d, "source_format", json_object_new_string(c->dump_format));
                json_object_object_add(d, "dump_level", filtered ? json_object_new_int((int) cfg->dump_level) : NULL);
                json_object_object_add(d, "compression", filtered ? json_object_new_string(cfg->compression) : NULL);
                json_object_object_add(o, "dump", d);
        } else
                json_object_object_add(o, "dump", NULL);
        s = r >= 0 ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE)
                   : NULL;
        if (s)
                r = keep_and_store(c, "MANIFEST.json", key, s);
        json_object_put(o);
        return r;
}

/* The fingerprint record says, in the end, whether the dump is stored. */
static int store_record_dump(struct collect *c) {
        _cleanup_free_ char *data = NULL, *key = vmc_key_fingerprint(c->fingerprint, c->crash_id);
        size_t len = 0;
        json_object *o;
        const char *s;
        int r = key ? spool_get(c, "fingerprint.json", &data, &len) : -ENOMEM;

        if (r < 0)
                return r;
        o = json_tokener_parse(data);
        if (!o)
                return -EBADMSG;
        json_object_object_add(o, "dump", json_object_new_boolean(true));
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        r = keep_and_store(c, "fingerprint.json", key, s);
        json_object_put(o);
        return r;
}

static int store_dump(struct collect *c) {
        _cleanup_free_ char *path = NULL, *key = vmc_key_crash(c->crash_id, "vmcore");
        int fd, r;

        if (!key || asprintf(&path, "%s/%s/vmcore", c->st.cfg.spool, c->crash_id) < 0)
                return -ENOMEM;
        struct stat st;
        double t;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0) {
                r = log_error_errno(-errno, "%s", path);
                if (fd >= 0)
                        close(fd);
                return r;
        }
        t = now_ms();
        r = vmc_store_put_fd(c->store, key, fd, c->err, sizeof(c->err));
        close(fd);
        t = (now_ms() - t) / 1000.0;
        if (r >= 0)
                log_info("dump sent: %.1f MiB in %.2f s (%.0f MiB/s)", st.st_size / 1048576.0, t,
                         t > 0 ? st.st_size / 1048576.0 / t : 0.0);
        return r;
}

static int run(struct collect *c) {
        const struct vmc_config *cfg = &c->st.cfg;
        _cleanup_free_ char *manifest_key = NULL;
        bool want_dump = cfg->upload_dump != VMC_UPLOAD_DUMP_NEVER, stored = false;
        unsigned dumps = 0;
        struct stat sst;
        int r;

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

        {
                struct vmc_store_options opt;
                vmc_settings_store_options(&c->st, &opt);
                r = vmc_store_open(&c->st.url, &c->st.cred, &opt, &c->store, c->err, sizeof(c->err));
        }
        if (r >= 0) {
                manifest_key = vmc_key_crash(c->crash_id, "MANIFEST.json");
                r = manifest_key ? vmc_store_stat(c->store, manifest_key, NULL, c->err, sizeof(c->err)) : -ENOMEM;
                if (r > 0) {
                        log_info("crash %s is already complete in %s", c->crash_id, vmc_store_name(c->store));
                        printf("%s\n", c->crash_id);
                        return 0;
                }
        }
        if (r >= 0)
                r = store_first(c);
        if (r >= 0 && cfg->upload_dump == VMC_UPLOAD_DUMP_UNKNOWN) {
                r = count_dumps(c, cfg->dumps_per_fingerprint, &dumps);
                if (r == -EOPNOTSUPP) {
                        log_warning("%s; [upload] dump = unknown cannot count dumps there: storing this one",
                                    c->err);
                        r = 0;
                } else if (r >= 0 && dumps >= cfg->dumps_per_fingerprint) {
                        want_dump = false;
                        log_info("the store holds %u dumps of fingerprint %s: this one is not captured", dumps,
                                 c->fingerprint);
                }
        }
        stored = r >= 0;
        if (!stored)
                log_error("store: %s; everything stays in %s/%s", *c->err ? c->err : strerror(-r), cfg->spool,
                          c->crash_id);

        /* The dump is captured even when the store is away: the next boot
         * uploads it from the spool. */
        if (want_dump) {
                r = capture(c);
                if (r < 0)
                        return stored ? EXIT_NO_DUMP : EXIT_SPOOLED;
        }
        if (!stored)
                return EXIT_SPOOLED;
        if (want_dump) {
                r = store_dump(c);
                if (r < 0) {
                        log_error("store: %s; the dump stays in %s/%s", *c->err ? c->err : strerror(-r), cfg->spool,
                                  c->crash_id);
                        return EXIT_SPOOLED;
                }
                log_info("dump of crash %s stored (%.0f ms)", c->crash_id, now_ms() - c->t0);
        }
        r = store_manifest(c, want_dump);
        if (r >= 0 && want_dump)
                r = store_record_dump(c);
        if (r < 0) {
                log_error("store: %s", *c->err ? c->err : strerror(-r));
                return EXIT_SPOOLED;
        }
        log_info("crash %s complete in %s (%.0f ms)", c->crash_id, vmc_store_name(c->store), now_ms() - c->t0);
        printf("%s\n", c->crash_id);
        return 0;
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
