/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Keeping the spool from filling the disk. A crash is only ever removed
 * once the store has it whole (its state says complete):
 *   [capture] keep_days   its directory goes this many days after it was
 *                         stored (0: at the next pass);
 *   [capture] keep_size   the stored crashes still kept take at most this
 *                         many bytes: the longest stored go first;
 *   [capture] delete_ingested
 *                         a dump kdump-utils or kdump-tools saved (the spool
 *                         links to it), or the files of its split set, is
 *                         deleted with the log saved beside it, and its
 *                         directory when that is then empty, once the store
 *                         has that dump; a dump the store does not have is
 *                         never deleted.
 * A crash another vmcored holds, or one not yet stored whole, is left. */

#include <stdint.h>
#include <time.h>

#include "config.h"

struct vmc_prune_result {
        unsigned removed;               /* crash directories removed */
        uint64_t freed;                 /* their bytes (disk blocks) */
};

/* now: the time to measure keep_days against (time(NULL) but in tests).
 * A negative errno only when the spool cannot be read; what cannot be
 * removed is said and left. */
int vmc_spool_prune(const struct vmc_config *cfg, const char *spool, time_t now, struct vmc_prune_result *ret);
