/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vmcored run: the next-boot service (Type=notify). Each pass ingests the
 * dumps other kdump tools left in [capture] crash_dir (kdump-utils'
 * <ip>-<date>/vmcore, Debian kdump-tools' <stamp>/dump.<stamp>), each
 * analyzed once by collect with the dump left where it is, and then stores
 * what the spool still holds. Between passes it waits, longer each time
 * the store stays away. It tells systemd READY, STATUS, WATCHDOG and, while
 * it reaches a safe point after SIGTERM, EXTEND_TIMEOUT_USEC.
 *
 * The dumps of other tools are never moved or changed (a split set is
 * reassembled into the spool), and deleted only with [capture]
 * delete_ingested once the store has them (spool-prune.c); an ingested
 * directory is remembered in SPOOL/.ingested/<name>. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "commands.h"
#include "fileio.h"
#include "kdumpdir.h"
#include "log.h"
#include "mkdir.h"
#include "settings.h"
#include "spool-drain.h"
#include "util.h"

#define INGESTED_DIR ".ingested"
#define RETRY_FIRST_S 30
#define RETRY_MAX_S 1800
#define RESCAN_S 300
#define STOP_EXTEND_USEC 30000000ULL

enum { ARG_ONCE = 0x200 };

/* Set by the signal handler, read at safe points and by transfers. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
        (void) sig;
        stop_requested = 1;
}

static void help(void) {
        printf("Usage: vmcored run [OPTIONS]\n"
               "\n"
               "The next-boot service: ingest the dumps kdump-utils and Debian kdump-tools\n"
               "left in [capture] crash_dir (never moving or deleting them), analyze them,\n"
               "and store what the spool still holds; retry with growing waits while the\n"
               "store is away. Under systemd (Type=notify) it reports READY, STATUS and\n"
               "WATCHDOG; SIGTERM stops it at a safe point, and the next run goes on.\n"
               "\n"
               "Options:\n"
               "      --once              one pass: ingest, store, and exit\n"
               "      --config FILE       the configuration file (default %s)\n"
               "      --store URL         [store] url\n"
               "      --credentials FILE  [store] credentials\n"
               "      --spool DIR         [capture] spool\n"
               "      --crash-dir DIR     [capture] crash_dir\n"
               "  -h, --help              show this help\n"
               "\n"
               "Exit status: 0 nothing is left to store (--once), or stopped by SIGTERM;\n"
               "1 bad configuration or unreadable spool, 2 usage error, 4 (--once) some\n"
               "crashes are still not (all) stored.\n",
               VMC_CONFIG_DEFAULT);
}

struct runner {
        struct vmc_settings st;
        const char *spool;
        char spool_buf[4096];
        uint64_t watchdog_usec;         /* 0: no watchdog */
        struct timespec last_ping;
        unsigned last_progress;         /* index * 1000 + percent last said */
        unsigned ingest_failed;
};

static double since(const struct timespec *t) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        return (double) (now.tv_sec - t->tv_sec) + (double) (now.tv_nsec - t->tv_nsec) / 1e9;
}

/* WATCHDOG=1 at twice the rate systemd asks for, from wherever work is
 * going on (transfers report progress every second, waits wake up). */
static void ping(struct runner *rn) {
        if (!rn->watchdog_usec || since(&rn->last_ping) * 2e6 < (double) rn->watchdog_usec)
                return;
        (void) sd_notify(0, "WATCHDOG=1");
        clock_gettime(CLOCK_MONOTONIC, &rn->last_ping);
}

static void status(const char *fmt, ...) _printf_(1, 2);
static void status(const char *fmt, ...) {
        char text[512], msg[540];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        snprintf(msg, sizeof(msg), "STATUS=%s", text);
        (void) sd_notify(0, msg);
}

static void progress(void *userdata, unsigned index, unsigned n, unsigned percent) {
        struct runner *rn = userdata;

        if (index * 1000 + percent != rn->last_progress) {
                rn->last_progress = index * 1000 + percent;
                status("uploading %u/%u, %u%%", index, n, percent);
        }
        ping(rn);
}

/* Waits for a child (collect of one dump), pinging the watchdog; on a
 * stop request the child gets SIGTERM (collect is safe to kill at any
 * point) and systemd more time. */
static int wait_child(struct runner *rn, pid_t pid) {
        bool told = false;
        int status;

        for (;;) {
                pid_t k = waitpid(pid, &status, WNOHANG);
                if (k == pid)
                        break;
                if (k < 0 && errno != EINTR)
                        return -errno;
                if (stop_requested && !told) {
                        (void) kill(pid, SIGTERM);
                        (void) sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%llu", (unsigned long long) STOP_EXTEND_USEC);
                        told = true;
                }
                ping(rn);
                (void) poll(NULL, 0, 100);
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int mark_ingested(int markfd, const char *name, const char *text) {
        return write_file_atomic(markfd, name, text, strlen(text), 0644);
}

/* "vmcore-12": 12; the order of makedumpfile --split's files. */
static unsigned long split_number(const char *path) {
        const char *dash = strrchr(path, '-');
        return dash ? strtoul(dash + 1, NULL, 10) : 0;
}

static int cmp_split(const void *a, const void *b) {
        unsigned long x = split_number(*(char *const *) a), y = split_number(*(char *const *) b);
        return x < y ? -1 : x > y;
}

/* In run's child: a split set (makedumpfile --split) is made into one dump
 * in the spool by makedumpfile --reassemble, and collect moves that into
 * the crash's directory. The tool's files stay as they are. */
static int ingest_split(const struct vmc_settings *st, struct kdump_dir *k, const char *dir, const char *whole,
                        const char *log_path) {
        int r;

        qsort(k->dumps, k->n_dumps, sizeof(char *), cmp_split);
        r = vmc_capture_reassemble(k->dumps, k->n_dumps, whole, log_path);
        if (r < 0)
                return 1;
        log_info("%s: %zu split files reassembled into one dump", dir, k->n_dumps);
        return vmc_collect_reassembled(st, whole, dir);
}

/* One crash directory of another tool: collect on its dump, in a child
 * (a damaged dump cannot take the service down). */
static void ingest_one(struct runner *rn, int markfd, const char *crash_dir, const char *name) {
        _cleanup_free_ char *dir = NULL, *whole = NULL, *whole_log = NULL;
        struct kdump_dir k = {};
        char text[256];
        int r, ret;
        pid_t pid;

        if (faccessat(markfd, name, F_OK, 0) == 0)
                return; /* done in an earlier pass or boot */
        if (asprintf(&dir, "%s/%s", crash_dir, name) < 0)
                return;
        r = kdump_dir_scan(dir, &k);
        if (r == -ENOENT || r == -ENOTDIR)
                return; /* not a crash directory */
        if (r < 0) {
                log_warning("%s: %s", dir, strerror(-r));
                return;
        }
        if (k.n_dumps == 0 || k.incomplete || (k.n_dumps > 1 && strcmp(rn->st.cfg.spool, "none") == 0)) {
                /* kdump-utils names a dump it could not finish
                 * vmcore-incomplete: not read. A split set is made whole
                 * in the spool, which must be on a disk. */
                const char *why = k.n_dumps == 0 ? "no dump, only a saved log"
                                  : k.incomplete ? "the dump is incomplete (vmcore-incomplete)"
                                                 : "a split dump set needs a spool on disk to be reassembled in "
                                                   "([capture] spool = none)";
                log_warning("%s: %s; ignored", dir, why);
                snprintf(text, sizeof(text), "ignored: %s\n", why);
                (void) mark_ingested(markfd, name, text);
                kdump_dir_done(&k);
                return;
        }
        status("analyzing %s", k.dumps[0]);
        if (k.n_dumps > 1)
                log_info("ingesting %s: a split set of %zu files (%s ...)", dir, k.n_dumps, k.dumps[0]);
        else
                log_info("ingesting %s", k.dumps[0]);
        if (k.n_dumps > 1 && (asprintf(&whole, "%s/%s/.%s.reassembled", rn->spool, INGESTED_DIR, name) < 0 ||
                              asprintf(&whole_log, "%s/%s/.%s.makedumpfile.log", rn->spool, INGESTED_DIR, name) < 0)) {
                kdump_dir_done(&k);
                return;
        }
        fflush(NULL);
        pid = fork();
        if (pid == 0) {
                (void) signal(SIGTERM, SIG_DFL);
                (void) signal(SIGINT, SIG_DFL);
                if (whole)
                        _exit(ingest_split(&rn->st, &k, dir, whole, whole_log));
                _exit(vmc_collect_saved(&rn->st, k.dumps[0]));
        }
        ret = pid < 0 ? -errno : wait_child(rn, pid);
        if (whole) {
                /* Moved into the crash's directory when it was kept;
                 * otherwise (the store had it, or no dump is wanted) not
                 * needed any more. */
                (void) unlink(whole);
                if (ret == 0 || ret == EXIT_SPOOLED || ret == EXIT_NO_DUMP)
                        (void) unlink(whole_log);
        }
        if (ret == 0 || ret == EXIT_SPOOLED || ret == EXIT_NO_DUMP) {
                snprintf(text, sizeof(text), "ingested: %s (collect exit status %d)\n", k.dumps[0], ret);
                (void) mark_ingested(markfd, name, text);
        } else if (!stop_requested) {
                /* An unreadable dump is said once, not at every pass:
                 * remove the mark to try again. */
                log_error("%s: could not be ingested (collect exit status %d); remove %s/%s/%s to try again",
                          k.dumps[0], ret, rn->spool, INGESTED_DIR, name);
                snprintf(text, sizeof(text), "failed: %s (collect exit status %d)\n", k.dumps[0], ret);
                (void) mark_ingested(markfd, name, text);
                rn->ingest_failed++;
        }
        kdump_dir_done(&k);
}

static int ingest(struct runner *rn) {
        const char *crash_dir = rn->st.cfg.crash_dir;
        _cleanup_free_ char *spool_real = realpath(rn->spool, NULL), *marks = NULL;
        char **names = NULL;
        size_t n = 0;
        int markfd, r;

        r = dir_names(AT_FDCWD, crash_dir, &names, &n);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "crash directory %s", crash_dir);
        if (asprintf(&marks, "%s/%s", rn->spool, INGESTED_DIR) < 0) {
                names_free(names, n);
                return -ENOMEM;
        }
        r = mkdir_parents(marks, 0700);
        markfd = r < 0 ? -1 : open(marks, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (markfd < 0) {
                names_free(names, n);
                return log_error_errno(r < 0 ? r : -errno, "%s", marks);
        }
        for (size_t i = 0; i < n && !stop_requested; i++) {
                _cleanup_free_ char *path = NULL, *real = NULL;

                if (asprintf(&path, "%s/%s", crash_dir, names[i]) < 0)
                        break;
                real = realpath(path, NULL);
                if (real && spool_real && strcmp(real, spool_real) == 0)
                        continue; /* our own spool, under /var/crash by default */
                ingest_one(rn, markfd, crash_dir, names[i]);
        }
        close(markfd);
        names_free(names, n);
        return 0;
}

/* Sleeps up to seconds, waking for the watchdog and for a stop request. */
static void wait_for(struct runner *rn, unsigned seconds) {
        struct timespec t0;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        while (!stop_requested && since(&t0) < seconds) {
                ping(rn);
                (void) poll(NULL, 0, 200);
        }
}

static int take_once(int opt, const char *arg, void *userdata) {
        (void) arg;
        if (opt != ARG_ONCE)
                return -ENOENT;
        *(bool *) userdata = true;
        return 0;
}

int cmd_run(int argc, char **argv) {
        static const struct option options[] = {
                VMC_SETTINGS_OPTIONS,
                { "once", no_argument, NULL, ARG_ONCE },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct runner rn = { .last_progress = UINT32_MAX };
        struct sigaction sa = { .sa_handler = on_signal };
        unsigned retry = RETRY_FIRST_S;
        bool once = false;
        int r, ret = 1;

        if (!vmc_command_setup("run", argc, argv, options, help, take_once, &once, &rn.st, &ret)) {
                if (ret == 1)
                        (void) sd_notify(0, "STATUS=bad configuration (see the log)");
                goto out;
        }
        rn.spool = vmc_settings_spool(&rn.st, rn.spool_buf, sizeof(rn.spool_buf));
        r = mkdir_parents(rn.spool, 0700);
        if (r < 0) {
                log_error_errno(r, "spool %s", rn.spool);
                goto out;
        }
        /* No SA_RESTART: waits return at once. */
        sigemptyset(&sa.sa_mask);
        (void) sigaction(SIGTERM, &sa, NULL);
        (void) sigaction(SIGINT, &sa, NULL);
        if (sd_watchdog_enabled(0, &rn.watchdog_usec) <= 0)
                rn.watchdog_usec = 0;
        (void) sd_notify(0, "READY=1\nSTATUS=scanning for crashes");

        for (;;) {
                struct vmc_drain d = { .st = &rn.st, .spool = rn.spool, .cancel = &stop_requested,
                                       .progress = progress, .userdata = &rn, .tool_dumps_ingested = true };
                struct vmc_drain_result res = {};

                status("scanning %s for crashes", rn.st.cfg.crash_dir);
                (void) ingest(&rn);
                if (stop_requested)
                        break;
                r = vmc_spool_drain(&d, &res);
                if (r < 0 && once) {
                        /* The store could not be opened (a file store's
                         * disk away): all stays in the spool. */
                        ret = EXIT_SPOOLED;
                        goto out;
                }
                if (stop_requested)
                        break;
                if (r >= 0 && (res.done || res.left || res.gave_up))
                        log_info("spool %s: %u crash%s stored now, %u left, %u given up now", rn.spool, res.done,
                                 res.done == 1 ? "" : "es", res.left, res.gave_up);
                if (once) {
                        ret = res.left || res.gave_up ? EXIT_SPOOLED : 0;
                        status("done: %u stored, %u left", res.done, res.left);
                        goto out;
                }
                if (r < 0 || res.left) {
                        status("%u crash%s not stored yet; trying again in %u s", res.left,
                               res.left == 1 ? "" : "es", retry);
                        wait_for(&rn, retry);
                        retry = MIN(retry * 2, RETRY_MAX_S);
                } else {
                        retry = RETRY_FIRST_S;
                        status("idle: every crash is stored; next scan in %u s", RESCAN_S);
                        wait_for(&rn, RESCAN_S);
                }
                if (stop_requested)
                        break;
        }
        (void) sd_notify(0, "STOPPING=1\nSTATUS=stopped at a safe point");
        log_info("stopped; the next run goes on from here");
        ret = 0;
out:
        vmc_settings_done(&rn.st);
        return ret;
}
