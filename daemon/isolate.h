/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Running the reading of a crash dump in a child process. libkdumpfile
 * 0.5.1 can crash on corrupt headers (and in kdump_free() after a failed
 * open); a crash in the child becomes a clear error in the parent instead
 * of taking vmcored down. */

/* Runs fn(userdata) in a forked child and returns its exit status (0-255),
 * or -EBADMSG after logging that reading `what` crashed the child (signal),
 * or a negative errno when the child could not be started. fn's output must
 * be written before it returns; the child exits with fn's return value. */
int run_isolated(const char *what, int (*fn)(void *userdata), void *userdata);
