/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading the fleet's crash records from a store, and compacting them into
 * the index (docs/store-layout.md, "The index"):
 *   v1/inbox/CRASH_ID.json, CRASH_ID.dump.json   records not indexed yet
 *   v1/index/DAY.WRITTEN-RANDOM.json             per-day segments (vmcored.index/1)
 *   v1/index/catalog.json                        the segments, for stores that cannot list
 * Segments are never replaced, only written under new names and removed
 * once a newer segment holds everything they held; an inbox record is
 * removed only after a segment holding it is stored. So two indexers at
 * once (or an indexer and a reader) never lose a record: at worst a record
 * is in two segments for a while, and readers merge duplicates. */

#include <stdbool.h>
#include <stddef.h>

#include "fleet-record.h"
#include "store.h"

#define VMC_INDEX_SCHEMA "vmcored.index/1"
#define VMC_CATALOG_SCHEMA "vmcored.index-catalog/1"

struct vmc_fleet_load_options {
        int64_t since;                  /* crashes from then on; VMC_TIME_UNKNOWN: all */
        const char *fingerprint;        /* NULL, or only this one */
        bool no_index;                  /* scan v1/fingerprints/ (every record, one request each) */
};

/* What a load read; requests are the store's own count (vmc_store_requests). */
struct vmc_fleet_source {
        size_t segments;                /* index segments read */
        size_t inbox;                   /* inbox records read */
        size_t scanned;                 /* records read from v1/fingerprints/ */
        size_t skipped;                 /* objects that were no record (said once each) */
        bool listing;                   /* false: the store cannot list, the catalog was used */
};

/* Reads the records (inbox, then index; or the full scan) into set,
 * deduplicated and sorted by crash id. Records older than since may be
 * included: filter with vmc_fleet_filter_match(). */
int vmc_fleet_load(struct vmc_store *s, const struct vmc_fleet_load_options *o, struct vmc_record_set *set,
                   struct vmc_fleet_source *src, char *err, size_t errlen);

struct vmc_index_options {
        bool rebuild;                   /* from v1/fingerprints/, replacing every segment */
};

struct vmc_index_result {
        size_t indexed;                 /* inbox records taken in (or records scanned, rebuilding) */
        size_t days;                    /* days whose segment was written */
        size_t segments_written, segments_removed, inbox_removed;
        size_t records;                 /* crashes in the segments written */
};

/* Takes the inbox into the index and merges each day's segments into one. */
int vmc_fleet_index(struct vmc_store *s, const struct vmc_index_options *o, struct vmc_index_result *res,
                    char *err, size_t errlen);
