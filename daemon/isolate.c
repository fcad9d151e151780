/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "isolate.h"
#include "log.h"

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
                int r = fn(userdata);
                fflush(stdout);
                fflush(stderr);
                _exit(r & 0xff);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(-errno, "waiting for the reader of %s", what);
        if (WIFSIGNALED(status)) {
                log_error("%s: reading the dump crashed (%s): the dump is corrupt or in a form this version "
                          "cannot read",
                          what, strsignal(WTERMSIG(status)));
                return -EBADMSG;
        }
        return WEXITSTATUS(status);
}
