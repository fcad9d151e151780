/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Draining the spool: for every crash in it that the store has not got
 * whole (its state.json says which stages are missing), store the rest, in
 * order, MANIFEST last; what fails stays, with the attempt and the error
 * in its state; crashes past [upload] give_up_* are given up, said once.
 * Then the spool is pruned (spool-prune.h).
 * Used by vmcored upload (once, in the foreground) and vmcored run. */

#include <signal.h>
#include <stdint.h>

#include "settings.h"

struct vmc_drain {
        const struct vmc_settings *st;
        const char *spool;
        /* Set by a signal handler: stop at the next safe point (between
         * crashes, or the transfer in progress, which the next run resumes). */
        volatile sig_atomic_t *cancel;
        /* vmcored run has just looked for the dumps kdump tools saved: a
         * crash collected --fingerprint-only whose dump it did not find is
         * stored without it. Otherwise such a crash waits for run. */
        bool tool_dumps_ingested;
        /* Called as the work goes: crash index of n (from 1), and the
         * percentage of that crash's dump sent (0 before it). */
        void (*progress)(void *userdata, unsigned index, unsigned n, unsigned percent);
        void *userdata;
};

struct vmc_drain_result {
        unsigned done;                  /* complete in the store now */
        unsigned left;                  /* still not (all) stored */
        unsigned gave_up;               /* given up in this run */
        unsigned removed;               /* stored crashes removed from the spool ([capture] keep_*) */
        uint64_t freed;                 /* their bytes */
};

/* A negative errno only when the spool cannot be read or the store not
 * opened; a crash that fails to store is counted in left. */
int vmc_spool_drain(struct vmc_drain *d, struct vmc_drain_result *ret);
