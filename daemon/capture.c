/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture.h"
#include "log.h"
#include "util.h"

#define LOG_TAIL 256
#define STREAM_PIPE_SIZE (1 << 20)   /* /proc/sys/fs/pipe-max-size by default */

struct vmc_capture_stream {
        struct vmc_stream stream;
        pid_t pid;
        int out, err, logfd;
        int last_pct;
        bool ended;                     /* the output was read to its end */
        bool cancelled;                 /* stopped by us: no error to tell */
        int result;                     /* makedumpfile's, once it is reaped */
        struct vmc_sha256 *sha;
        uint64_t size;
        char tail[LOG_TAIL];            /* the end of its messages, for "No space left" */
        const char *log_path;
};

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

/* One read of makedumpfile's messages: kept in the log file, the tail
 * remembered, progress shown. 0 at their end. */
static ssize_t take_messages(struct vmc_capture_stream *c) {
        char buf[4096];
        ssize_t n;
        size_t keep;

        do
                n = read(c->err, buf, sizeof(buf) - 1);
        while (n < 0 && errno == EINTR);
        if (n <= 0)
                return n < 0 ? -errno : 0;
        buf[n] = '\0';
        if (c->logfd >= 0)
                (void) !write(c->logfd, buf, (size_t) n);
        show_progress(buf, (size_t) n, &c->last_pct);
        keep = strlen(c->tail);
        if (keep + (size_t) n >= LOG_TAIL) {
                size_t drop = MIN(keep, keep + (size_t) n - (LOG_TAIL - 1));
                memmove(c->tail, c->tail + drop, keep - drop + 1);
                keep -= drop;
        }
        snprintf(c->tail + keep, LOG_TAIL - keep, "%s", buf + ((size_t) n > LOG_TAIL - 1 ? (size_t) n - (LOG_TAIL - 1) : 0));
        return n;
}

static int start(const struct vmc_capture_options *o, const char *path, struct vmc_capture_stream *c) {
        const char *flag = compression_flag(o->compression);
        char level[16];
        int errpipe[2], outpipe[2] = { -1, -1 };

        snprintf(level, sizeof(level), "%u", o->dump_level);
        c->out = c->err = c->logfd = -1;
        c->last_pct = -1;
        c->log_path = o->log_path;
        if (o->log_path)
                c->logfd = open(o->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (pipe2(errpipe, O_CLOEXEC) < 0)
                return -errno;
        if (!path && pipe2(outpipe, O_CLOEXEC) < 0) {
                int r = -errno;
                close(errpipe[0]);
                close(errpipe[1]);
                return r;
        }
        fflush(NULL);
        c->pid = fork();
        if (c->pid < 0) {
                int r = -errno;
                close(errpipe[0]);
                close(errpipe[1]);
                if (outpipe[0] >= 0) {
                        close(outpipe[0]);
                        close(outpipe[1]);
                }
                return r;
        }
        if (c->pid == 0) {
                const char *argv[10];
                unsigned n = 0;

                (void) signal(SIGPIPE, SIG_DFL); /* a store that stops reading stops makedumpfile */
                dup2(errpipe[1], STDERR_FILENO);
                dup2(path ? errpipe[1] : outpipe[1], STDOUT_FILENO);
                argv[n++] = "makedumpfile";
                if (!path)
                        argv[n++] = "-F";
                if (flag)
                        argv[n++] = flag;
                argv[n++] = "-d";
                argv[n++] = level;
                argv[n++] = o->vmcore;
                if (path)
                        argv[n++] = path;
                argv[n] = NULL;
                execvp("makedumpfile", (char *const *) argv);
                fprintf(stderr, "vmcored: cannot run makedumpfile: %s\n", strerror(errno));
                _exit(127);
        }
        close(errpipe[1]);
        c->err = errpipe[0];
        if (!path) {
                close(outpipe[1]);
                c->out = outpipe[0];
                /* makedumpfile -F writes a 16-byte header and then the data
                 * of each page: with the default 64 KiB pipe, the two
                 * processes take turns thousands of times a second. */
                (void) fcntl(c->out, F_SETPIPE_SZ, STREAM_PIPE_SIZE);
        }
        return 0;
}

/* Reaps makedumpfile and says how it went: 0, -ENOSPC, -ENOENT or -EIO. */
static int reap(struct vmc_capture_stream *c) {
        int status;

        while (c->err >= 0 && take_messages(c) > 0)
                ;
        if (c->last_pct >= 0 && isatty(STDERR_FILENO))
                fputc('\n', stderr);
        while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
                ;
        c->pid = -1;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (c->cancelled)
                return -ECANCELED;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
                log_error("makedumpfile is not installed (or not in PATH): the dump was not captured");
                return -ENOENT;
        }
        if (strstr(c->tail, "No space left on device")) {
                log_error("makedumpfile: no space left on device: the dump was not captured");
                return -ENOSPC;
        }
        log_error("makedumpfile failed (%s %d%s%s): the dump was not captured",
                  WIFEXITED(status) ? "exit status" : "signal",
                  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                  c->log_path ? "; its output is in " : "", c->log_path ?: "");
        return -EIO;
}

static void cleanup(struct vmc_capture_stream *c) {
        if (c->out >= 0)
                close(c->out);
        if (c->err >= 0)
                close(c->err);
        if (c->logfd >= 0)
                close(c->logfd);
        c->out = c->err = c->logfd = -1;
}

int vmc_capture_file(const struct vmc_capture_options *o, const char *path) {
        struct vmc_capture_stream c = {};
        int r;

        (void) unlink(path); /* makedumpfile refuses to overwrite */
        r = start(o, path, &c);
        if (r < 0) {
                cleanup(&c);
                return log_error_errno(r, "cannot start makedumpfile");
        }
        r = reap(&c);
        cleanup(&c);
        if (r < 0)
                (void) unlink(path);
        return r;
}

/* The stream's read: makedumpfile's output as it comes (its messages taken
 * in between, so that it never blocks on them); at the end, its exit
 * status decides between the end of the stream and an error. */
static ssize_t stream_read(void *userdata, void *buf, size_t len) {
        struct vmc_capture_stream *c = userdata;

        if (c->ended)
                return 0;
        for (;;) {
                struct pollfd p[2] = { { c->out, POLLIN, 0 }, { c->err, POLLIN, 0 } };
                ssize_t n;

                if (poll(p, c->err >= 0 ? 2 : 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (c->err >= 0 && p[1].revents) {
                        n = take_messages(c);
                        if (n <= 0) {
                                close(c->err);
                                c->err = -1;
                        }
                        continue;
                }
                if (!p[0].revents)
                        continue;
                n = read(c->out, buf, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0) {
                        c->ended = true;
                        c->result = reap(c);
                        return c->result < 0 ? c->result : 0;
                }
                if (vmc_sha256_update(c->sha, buf, (size_t) n) < 0)
                        return -EIO;
                c->size += (uint64_t) n;
                return n;
        }
}

int vmc_capture_stream_start(const struct vmc_capture_options *o, struct vmc_capture_stream **ret,
                             struct vmc_stream **stream) {
        struct vmc_capture_stream *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        c->pid = -1;
        r = vmc_sha256_new(&c->sha);
        if (r >= 0)
                r = start(o, NULL, c);
        if (r < 0) {
                cleanup(c);
                vmc_sha256_free(c->sha);
                free(c);
                return log_error_errno(r, "cannot start makedumpfile");
        }
        c->stream = (struct vmc_stream){ stream_read, c };
        *ret = c;
        *stream = &c->stream;
        return 0;
}

int vmc_capture_stream_finish(struct vmc_capture_stream *c, char hex[VMC_SHA256_HEX], uint64_t *size) {
        int r;

        if (!c->ended) {
                /* The store stopped reading: makedumpfile is not needed. */
                if (c->out >= 0)
                        close(c->out);
                c->out = -1;
                if (c->pid > 0) {
                        c->cancelled = true;
                        (void) kill(c->pid, SIGTERM);
                        (void) reap(c);
                }
                r = -ECANCELED;
        } else
                r = c->result;
        if (r >= 0)
                r = vmc_sha256_final(c->sha, hex);
        *size = c->size;
        cleanup(c);
        vmc_sha256_free(c->sha);
        free(c);
        return r;
}

int vmc_capture_reassemble(char *const *parts, size_t n, const char *path, const char *log_path) {
        _cleanup_free_ const char **argv = calloc(n + 4, sizeof(char *));
        int status;
        pid_t pid;

        if (!argv)
                return -ENOMEM;
        argv[0] = "makedumpfile";
        argv[1] = "--reassemble";
        for (size_t i = 0; i < n; i++)
                argv[2 + i] = parts[i];
        argv[2 + n] = path;
        (void) unlink(path); /* makedumpfile refuses to overwrite */
        fflush(NULL);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int fd = open(log_path ?: "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                /* vmcored run stops its ingest with SIGTERM: no
                 * makedumpfile left writing a file nobody wants. */
                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                if (fd >= 0) {
                        dup2(fd, STDOUT_FILENO);
                        dup2(fd, STDERR_FILENO);
                }
                execvp("makedumpfile", (char *const *) argv);
                fprintf(stderr, "vmcored: cannot run makedumpfile: %s\n", strerror(errno));
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        (void) unlink(path);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                return log_error_errno(-ENOENT, "makedumpfile is not installed (or not in PATH): a split dump "
                                                "set cannot be reassembled");
        log_error("makedumpfile --reassemble failed (%s %d%s%s)", WIFEXITED(status) ? "exit status" : "signal",
                  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), log_path ? "; its output is in " : "",
                  log_path ?: "");
        return -EIO;
}
