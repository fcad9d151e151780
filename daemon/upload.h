/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* From the spool to the store: the stages of one crash, in order
 * (fingerprint record, report, log, the dump decision, the dump, MANIFEST,
 * the record saying the dump is there), each recorded in the crash's
 * state.json as soon as the store has it. `collect` runs them right after
 * the analysis; `vmcored upload` runs what is left on a later boot. */

#include <stdbool.h>

#include "settings.h"
#include "spool-state.h"
#include "store.h"

struct vmc_upload {
        const struct vmc_settings *st;
        struct vmc_store *store;
        double t0;                      /* for "N ms after start" */
        char err[1024];
};

/* The crash directory SPOOL/ID, open and locked (flock) for this process:
 * -EBUSY when another vmcored works on it. */
int vmc_upload_open_crash(const char *spool, const char *crash_id, int *ret);

/* The first stages: fingerprint record, report, log, and the dump
 * decision for [upload] dump = unknown. */
int vmc_upload_first(struct vmc_upload *u, int crash_dirfd, struct vmc_spool_state *s);

/* Everything still missing, first stages included. 0 when the crash is
 * complete in the store; a negative errno with u->err set otherwise (the
 * state records the attempt and the error). */
int vmc_upload_rest(struct vmc_upload *u, int crash_dirfd, struct vmc_spool_state *s);

/* Records a failed attempt in the state. */
void vmc_upload_failed(struct vmc_upload *u, int crash_dirfd, struct vmc_spool_state *s, int r);
