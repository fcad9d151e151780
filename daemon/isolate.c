/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "isolate.h"
#include "log.h"
#include "util.h"

#define CRASH_HINT ": the dump is corrupt or in a form this version cannot read"

static const int guarded_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };

/* The handler can only reach its context through a static: what is being
 * read, set by run_guarded() for the time of the call. */
static const char *guard_what;

static void write_str(const char *s) {
        size_t n = strlen(s);
        while (n > 0) {
                ssize_t k = write(STDERR_FILENO, s, n);
                if (k <= 0)
                        return;
                s += k;
                n -= (size_t) k;
        }
}

/* Only async-signal-safe calls: write(2) and _exit(2). */
static void guard_handler(int sig) {
        const char *name = sigabbrev_np(sig);

        write_str("vmcored: ");
        write_str(guard_what ? guard_what : "dump");
        write_str(": reading the dump crashed (SIG");
        write_str(name ? name : "?");
        write_str(")" CRASH_HINT "\n");
        _exit(1);
}

/* Tests make the reader die with signal N (VMCORED_TEST_READER_SIGNAL=N) to
 * check what users see when a dump crashes the reading library. */
static void test_reader_signal(void) {
        const char *e = getenv("VMCORED_TEST_READER_SIGNAL");
        if (e && atoi(e) > 0)
                raise(atoi(e));
}

int run_guarded(const char *what, int (*fn)(void *userdata), void *userdata) {
        struct sigaction sa = { .sa_handler = guard_handler, .sa_flags = SA_RESETHAND | SA_NODEFER };
        struct sigaction old[ELEMENTSOF(guarded_signals)];
        int r;

        sigemptyset(&sa.sa_mask);
        guard_what = what;
        for (size_t i = 0; i < ELEMENTSOF(guarded_signals); i++)
                if (sigaction(guarded_signals[i], &sa, &old[i]) < 0)
                        return log_error_errno(-errno, "cannot install signal handlers to read %s", what);
        test_reader_signal();
        r = fn(userdata);
        for (size_t i = 0; i < ELEMENTSOF(guarded_signals); i++)
                (void) sigaction(guarded_signals[i], &old[i], NULL);
        guard_what = NULL;
        return r;
}

int run_isolated(const char *what, int (*fn)(void *userdata), void *userdata) {
        pid_t pid;
        int status;

        /* Buffered output must not be written twice. */
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0)
                return log_error_errno(-errno, "cannot start a process to read %s", what);
        if (pid == 0) {
                test_reader_signal();
                int r = fn(userdata);
                fflush(stdout);
                fflush(stderr);
                _exit(r & 0xff);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(-errno, "waiting for the reader of %s", what);
        if (WIFSIGNALED(status)) {
                log_error("%s: reading the dump crashed (%s)" CRASH_HINT, what, strsignal(WTERMSIG(status)));
                return -EBADMSG;
        }
        return WEXITSTATUS(status);
}
