/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "dumpfmt.h"
#include "heap.h"
#include "isolate.h"
#include "kdumpdir.h"
#include "klog.h"
#include "log.h"
#include "signatures.h"
#include "report.h"
#include "util.h"
#include "vmcore.h"

struct inputs {
        char **v;
        size_t n, cap;
};

static void inputs_done(struct inputs *in) {
        for (size_t i = 0; i < in->n; i++)
                free(in->v[i]);
        free(in->v);
}

static int inputs_add(struct inputs *in, const char *path) {
        if (in->n == in->cap) {
                size_t cap = MAX(in->cap * 2, (size_t) 16);
                char **v = realloc(in->v, cap * sizeof(char *));
                if (!v)
                        return -ENOMEM;
                in->v = v;
                in->cap = cap;
        }
        in->v[in->n] = strdup(path);
        if (!in->v[in->n])
                return -ENOMEM;
        in->n++;
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Every regular, non-hidden file directly in dir, in name order. */
static int inputs_add_dir(struct inputs *in, const char *dir) {
        struct inputs names = {};
        struct dirent *de;
        DIR *d;
        int r = 0;

        d = opendir(dir);
        if (!d)
                return log_error_errno(-errno, "%s", dir);
        while ((de = readdir(d))) {
                struct stat st;
                if (de->d_name[0] == '.')
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
                        continue;
                r = inputs_add(&names, de->d_name);
                if (r < 0)
                        break;
        }
        closedir(d);
        if (r >= 0 && names.n > 0)
                qsort(names.v, names.n, sizeof(char *), cmp_str);
        for (size_t i = 0; r >= 0 && i < names.n; i++) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s/%s", dir, names.v[i]) < 0) {
                        p = NULL;
                        r = -ENOMEM;
                        break;
                }
                r = inputs_add(in, p);
        }
        inputs_done(&names);
        if (r < 0)
                return log_error_errno(r, "%s", dir);
        return 0;
}

static void help(void) {
        printf("Usage: vmcored analyze [OPTIONS] PATH|- [PATH...]\n"
               "       vmcored analyze [OPTIONS] --batch DIR\n"
               "\n"
               "Analyze crash dumps and kernel logs and report the crash: a syzkaller-compatible\n"
               "title, a stable fingerprint, every crash report in the log with its stack and\n"
               "registers, and the fatal one; hints from the built-in analyzers (bad pointers,\n"
               "slab objects, the event chain, the culprit module, hardware errors, the task's\n"
               "memory map) and the known issues the crash matches. PATH is\n"
               "  - a crash dump: /proc/vmcore, ELF, kdump-compressed (makedumpfile -c/-l/-p/-z)\n"
               "    or flattened (makedumpfile -F); the log, registers and symbols are read\n"
               "    from the dump's memory (kernel version, crash time, panic CPU and task);\n"
               "  - a kdump directory: kdump-utils' vmcore + vmcore-dmesg.txt or Debian's\n"
               "    dump.* + dmesg.* (the saved log is used when the dump's is unreadable);\n"
               "  - a kernel log: dmesg, vmcore-dmesg.txt, makedumpfile --dump-dmesg output,\n"
               "    serial console captures, journalctl -k / syslog; '-' reads standard input.\n"
               "\n"
               "Options:\n"
               "  -j, --json        print JSON (docs/report-schema.md); one object per line\n"
               "                    when several logs are analyzed\n"
               "  -b, --batch DIR   analyze every regular file in DIR (may be repeated)\n"
               "      --rules DIR   also load the known-issue rules (*.rules) in DIR, after\n"
               "                    the shipped ones and /etc/vmcored/signatures.d (may be\n"
               "                    repeated; a later rule replaces an earlier one of its id)\n"
               "      --no-default-rules  load only the --rules directories\n"
               "      --no-analyzers      the log analysis alone: no hints, no known issues\n"
               "  -h, --help        show this help\n"
               "\n"
               "Exit status: 0 when every input was analyzed (crash found or not), 1 when an\n"
               "input could not be read, 2 on a usage error or a bad rule file, 3 when a\n"
               "report is partial because a dump is damaged (the report says what is missing).\n");
}

static void print_json_error(const char *source, const char *msg) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "schema", json_object_new_string(VMC_REPORT_SCHEMA));
        json_object_object_add(o, "source", json_object_new_string(source));
        json_object_object_add(o, "error", json_object_new_string(msg));
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
}

static int analyze_dump(struct vmc_analyzer *a, unsigned n, const char *const *paths, const char *dmesg,
                        bool incomplete, const char *source, struct vmc_report **ret, char *err, size_t errlen) {
        struct vmc_vmcore *vm = NULL;
        struct klog *saved = NULL;
        int r;

        r = vmc_vmcore_read(n, paths, &vm, err, errlen);
        if (r < 0) {
                if (!dmesg)
                        return r;
                /* The dump is unreadable but kdump saved the log: use it. */
                log_warning("%s: %s; analyzing %s instead", source, err, dmesg);
                r = klog_from_file(dmesg, &saved);
                if (r < 0) {
                        snprintf(err, errlen, "%s: %s", dmesg, strerror(-r));
                        return r;
                }
                return vmc_analyze_log(a, saved, source, ret);
        }
        /* kdump-utils names a dump it could not finish vmcore-incomplete. */
        if (incomplete) {
                vm->info.incomplete = true;
                (void) vmc_vmcore_warn(vm, "kdump marked the dump incomplete");
        }
        /* The saved log is only needed when the dump's own cannot be read. */
        if (!vm->printk && dmesg) {
                r = klog_from_file(dmesg, &saved);
                if (r < 0)
                        log_warning("%s: %s", dmesg, strerror(-r));
        }
        r = vmc_analyze_vmcore(a, vm, saved, source, ret);
        if (r < 0)
                snprintf(err, errlen, "analysis failed: %s", strerror(-r));
        return r;
}

/* Reads one input (a log, a dump or a kdump directory) and analyzes it;
 * fills err with a one-line reason on failure. */
static int analyze_one(struct vmc_analyzer *a, const char *path, struct vmc_report **ret, char *err,
                       size_t errlen) {
        _cleanup_free_ char *buf = NULL;
        struct klog *log = NULL;
        enum dump_format fmt;
        struct stat st;
        size_t len = 0;
        int fd = 0, r;

        if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
                struct kdump_dir kd = {};

                r = kdump_dir_scan(path, &kd);
                if (r < 0) {
                        snprintf(err, errlen, "%s", r == -ENOENT ? "no crash dump or kernel log in this directory"
                                                                 : strerror(-r));
                        return r;
                }
                if (kd.n_dumps > 0)
                        r = analyze_dump(a, (unsigned) kd.n_dumps, (const char *const *) kd.dumps, kd.dmesg,
                                         kd.incomplete, path, ret, err, errlen);
                else {
                        r = klog_from_file(kd.dmesg, &log);
                        if (r < 0)
                                snprintf(err, errlen, "%s: %s", kd.dmesg, strerror(-r));
                        else
                                r = vmc_analyze_log(a, log, path, ret);
                }
                kdump_dir_done(&kd);
                return r;
        }

        if (strcmp(path, "-") != 0) {
                uint8_t head[16];
                ssize_t k;

                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0) {
                        r = -errno;
                        snprintf(err, errlen, "%s", strerror(-r));
                        return r;
                }
                /* Dumps are told by content and read in place, not loaded. */
                k = pread(fd, head, sizeof(head), 0);
                if (k > 0 && dump_format_detect(head, (size_t) k) != DUMP_FORMAT_NONE) {
                        close(fd);
                        return analyze_dump(a, 1, &path, NULL, false, path, ret, err, errlen);
                }
        }
        r = klog_read_fd(fd, &buf, &len);
        if (fd > 0)
                close(fd);
        if (r < 0) {
                snprintf(err, errlen, "%s", r == -EFBIG ? "too large for a kernel log" : strerror(-r));
                return r;
        }

        fmt = dump_format_detect(buf, len);
        if (fmt != DUMP_FORMAT_NONE) {
                snprintf(err, errlen, "is a %s crash dump; give it as a file, not on standard input",
                         dump_format_name(fmt));
                return -EMEDIUMTYPE;
        }

        r = klog_from_buffer(buf, len, &log);
        if (r < 0) {
                snprintf(err, errlen, "%s", strerror(-r));
                return r;
        }
        r = vmc_analyze_log(a, log, path, ret);
        if (r < 0)
                snprintf(err, errlen, "analysis failed: %s", strerror(-r));
        return r;
}

/* Whether analyzing path reads a crash dump (a dump file or a directory),
 * which is done in a child process (isolate.h). */
static bool reads_dump(const char *path) {
        uint8_t head[16];
        struct stat st;
        ssize_t k;
        int fd;

        if (strcmp(path, "-") == 0 || stat(path, &st) < 0)
                return false;
        if (S_ISDIR(st.st_mode))
                return true;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return false;
        k = pread(fd, head, sizeof(head), 0);
        close(fd);
        return k > 0 && dump_format_detect(head, (size_t) k) != DUMP_FORMAT_NONE;
}

struct one {
        struct vmc_analyzer *a;
        const char *path;
        bool json, multi;
};

/* What the child tells the parent in its exit status. */
enum {
        ONE_FAILED = 1,
        ONE_NO_CRASH = 10,
        ONE_CRASH = 11,
        ONE_PARTIAL = 2, /* added to the two above */
};

static int print_report(const struct vmc_report *rep, bool json, bool multi, FILE *f) {
        if (json) {
                json_object *o = vmc_report_to_json(rep);
                if (!o)
                        return -ENOMEM;
                fputs(json_object_to_json_string_ext(
                              o, multi ? JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE
                                       : JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                 JSON_C_TO_STRING_NOSLASHESCAPE),
                      f);
                fputc('\n', f);
                json_object_put(o);
                return 0;
        }
        return vmc_report_print(rep, f);
}

/* Analyzes one input and prints its report; returns an ONE_* status. The
 * report is rendered in memory first so that a child that dies leaves no
 * half-written output. */
static int analyze_and_print(void *userdata) {
        struct one *o = userdata;
        struct vmc_report *rep = NULL;
        char err[1024] = "", *buf = NULL;
        size_t len = 0;
        FILE *mem;
        int r, ret;

        r = analyze_one(o->a, o->path, &rep, err, sizeof(err));
        if (r < 0) {
                log_error("%s: %s", o->path, err);
                if (o->json && o->multi)
                        print_json_error(o->path, err);
                return ONE_FAILED;
        }
        ret = rep->title_event >= 0 ? ONE_CRASH : ONE_NO_CRASH;
        if (vmc_report_partial(rep)) {
                log_warning("%s: damaged dump, the report is partial", o->path);
                ret += ONE_PARTIAL;
        }
        mem = open_memstream(&buf, &len);
        if (!mem || print_report(rep, o->json, o->multi, mem) < 0 || fclose(mem) != 0) {
                log_error_errno(-ENOMEM, "%s", o->path);
                vmc_report_free(rep);
                free(buf);
                return ONE_FAILED;
        }
        fwrite(buf, 1, len, stdout);
        free(buf);
        vmc_report_free(rep);
        return ret;
}

int cmd_analyze(int argc, char **argv) {
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                { "batch", required_argument, NULL, 'b' },
                { "rules", required_argument, NULL, 'r' },
                { "no-default-rules", no_argument, NULL, 'R' },
                { "no-analyzers", no_argument, NULL, 'N' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_free_ char **rule_dirs = NULL;
        size_t n_rule_dirs = 0;
        bool default_rules = true, analyzers = true;
        struct vmc_analyzer *a = NULL;
        struct inputs in = {};
        bool json = false, batch = false;
        size_t n_crash = 0, n_failed = 0, n_partial = 0;
        struct timespec t0, t1;
        char errbuf[512] = "";
        int c, r, ret = 0;

        optind = 1;
        while ((c = getopt_long(argc, argv, "jb:h", options, NULL)) >= 0) {
                switch (c) {
                case 'r': {
                        char **v = reallocarray(rule_dirs, n_rule_dirs + 1, sizeof(*v));
                        if (!v) {
                                log_error_errno(-ENOMEM, "arguments");
                                ret = 1;
                                goto out;
                        }
                        rule_dirs = v;
                        rule_dirs[n_rule_dirs++] = optarg;
                        break;
                }
                case 'R':
                        default_rules = false;
                        break;
                case 'N':
                        analyzers = false;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'b':
                        batch = true;
                        r = inputs_add_dir(&in, optarg);
                        if (r < 0) {
                                ret = 1;
                                goto out;
                        }
                        break;
                case 'h':
                        help();
                        goto out;
                default:
                        ret = EXIT_USAGE;
                        goto out;
                }
        }
        for (int i = optind; i < argc; i++)
                if (inputs_add(&in, argv[i]) < 0) {
                        log_error_errno(-ENOMEM, "arguments");
                        ret = 1;
                        goto out;
                }
        if (in.n == 0 && !batch) {
                log_error("analyze: no input given (a path, '-' for standard input, or --batch DIR)");
                ret = EXIT_USAGE;
                goto out;
        }

        bool multi = batch || in.n > 1;
        /* A single input is read in this process, which then exits. */
        if (!multi)
                heap_prefault(HEAP_PREFAULT_BYTES);
        r = vmc_analyzer_new(&a, errbuf, sizeof(errbuf));
        if (r < 0) {
                log_error_errno(r, "cannot set up the analyzer%s%s", *errbuf ? ": " : "", errbuf);
                ret = 1;
                goto out;
        }
        vmc_analyzer_set_explain(a, analyzers);
        /* A rule file that is wrong is an error here: who runs analyze
         * wants to know (collect goes on without it). */
        r = vmc_signatures_load(a, "/etc/vmcored/signatures.d", rule_dirs, n_rule_dirs, default_rules);
        if (r < 0) {
                ret = EXIT_USAGE;
                goto out;
        }

        /* Progress for long batches, only where a person watches. */
        bool progress = multi && in.n >= 100 && isatty(STDERR_FILENO);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (size_t i = 0; i < in.n; i++) {
                if (progress && i % 50 == 0)
                        fprintf(stderr, "\rvmcored: analyzing %zu/%zu", i, in.n);

                struct one one = { a, in.v[i], json, multi };
                if (!json && i > 0)
                        putchar('\n');
                if (reads_dump(in.v[i])) {
                        /* One dump: guarded in this process; several: each in
                         * a child, so that a bad one does not stop the rest. */
                        r = multi ? run_isolated(in.v[i], analyze_and_print, &one)
                                  : run_guarded(in.v[i], analyze_and_print, &one);
                        if (r < 0) {
                                if (json && multi)
                                        print_json_error(in.v[i], "reading the dump crashed: corrupt or unsupported dump");
                                r = ONE_FAILED;
                        }
                } else
                        r = analyze_and_print(&one);
                if (r == ONE_FAILED || r < ONE_NO_CRASH) {
                        n_failed++;
                        continue;
                }
                if (r == ONE_CRASH || r == ONE_CRASH + ONE_PARTIAL)
                        n_crash++;
                if (r >= ONE_NO_CRASH + ONE_PARTIAL)
                        n_partial++;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (progress)
                fputs("\r\033[K", stderr);
        if (fflush(stdout) != 0) {
                log_error_errno(-errno, "standard output");
                ret = 1;
        }
        if (multi)
                fprintf(stderr, "vmcored: analyzed %zu inputs: %zu with a crash, %zu unreadable, in %.3f s\n",
                        in.n, n_crash, n_failed,
                        (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9);
        if (n_failed > 0)
                ret = 1;
        else if (n_partial > 0)
                ret = EXIT_PARTIAL;
out:
        vmc_analyzer_free(a);
        inputs_done(&in);
        return ret;
}
