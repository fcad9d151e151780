/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The fleet's view of one crash: the fingerprint record collect stores
 * (docs/store-layout.md, vmcored.fingerprint/1), as read back from the
 * store: from v1/fingerprints/, from the inbox, or from an index segment.
 *
 * A record does not own its strings: they point into the parsed JSON that
 * its vmc_record_set keeps alive. Reading 100,000 records copies nothing. */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMC_TIME_UNKNOWN INT64_MIN

struct vmc_crash_record {
        const char *crash_id, *fingerprint, *title, *crash_time, *kernel, *arch, *host;
        int64_t time;                   /* crash_time as seconds since the epoch, or VMC_TIME_UNKNOWN */
        bool hardware_error, dump;
        json_object *known_issues;      /* array of {id, summary, url}, or NULL */
};

struct vmc_record_set {
        struct vmc_crash_record *v;
        size_t n, cap;
        json_object **roots;            /* the parsed documents the records point into */
        size_t n_roots, cap_roots;
};

void vmc_record_set_done(struct vmc_record_set *set);

/* Keeps root alive as long as the set (takes the reference). */
int vmc_record_set_keep(struct vmc_record_set *set, json_object *root);

int vmc_record_set_add(struct vmc_record_set *set, const struct vmc_crash_record *r);

/* Moves src's records and documents into dst; src is empty afterwards. */
int vmc_record_set_move(struct vmc_record_set *dst, struct vmc_record_set *src);

/* One record per crash id, sorted by id: duplicates (a crash in the inbox
 * and in the index, or in two segments that two indexers wrote at once) are
 * merged; the dump counts as stored when any copy says so. */
void vmc_record_set_dedup(struct vmc_record_set *set);

/* A fingerprint record (one JSON object); -EBADMSG when o is no record.
 * The record points into o: keep o (vmc_record_set_keep). */
int vmc_crash_record_from_json(json_object *o, struct vmc_crash_record *r);

/* "2026-11-22T05:11:26Z" → seconds; VMC_TIME_UNKNOWN when unparsable. */
int64_t vmc_parse_utc(const char *s);
/* The time a crash id starts with ("20261122T051126Z-..."), or VMC_TIME_UNKNOWN. */
int64_t vmc_crash_id_time(const char *crash_id);
/* "2026-11-22" of t (UTC); "unknown" for VMC_TIME_UNKNOWN. */
void vmc_utc_day(int64_t t, char day[16]);

/* A crash id as collect makes them: time, '-', 12 hex digits. */
bool vmc_crash_id_valid(const char *s);
/* A fingerprint as the analyzers make them: fp1-[hw-]HEX. */
bool vmc_fingerprint_valid(const char *s);
