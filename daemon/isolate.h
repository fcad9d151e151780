/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading a crash dump so that a crash while reading it becomes a clear
 * error. libkdumpfile 0.5.1 can crash on corrupt headers (and in
 * kdump_free() after a failed open). */

/* Runs fn(userdata) in a forked child and returns its exit status (0-255),
 * or -EBADMSG after logging that reading `what` crashed the child (signal),
 * or a negative errno when the child could not be started. fn's output must
 * be written before it returns; the child exits with fn's return value.
 * For callers that must go on after a bad dump: batches, the daemon. */
int run_isolated(const char *what, int (*fn)(void *userdata), void *userdata);

/* Runs fn(userdata) in this process with handlers for SIGSEGV, SIGBUS,
 * SIGILL and SIGFPE that report that reading `what` crashed and exit with
 * status 1, and returns fn's value. For a command that reads one dump and
 * exits: a fork costs more (2-3 ms of page faults) than the analysis. */
int run_guarded(const char *what, int (*fn)(void *userdata), void *userdata);
