/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the fleet commands ask of a set of crash records: filters (time,
 * kernel, fingerprint, host) and the grouping by fingerprint that
 * 'vmcored top' shows. */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fleet-record.h"

struct vmc_fleet_filter {
        int64_t since;                  /* VMC_TIME_UNKNOWN: no bound */
        const char *kernel;             /* glob, or NULL */
        const char *fingerprint;        /* or NULL */
        const char *host;               /* or NULL */
};

bool vmc_fleet_filter_match(const struct vmc_fleet_filter *f, const struct vmc_crash_record *r);

/* "7d", "12h", "30m", "2w", "90s" before now, or a UTC date or time
 * ("2026-11-01", "2026-11-01T10:00:00Z"); -EINVAL otherwise. */
int vmc_parse_since(const char *s, int64_t now, int64_t *ret);

struct vmc_fleet_group {
        const char *fingerprint, *title;  /* the newest crash's title */
        size_t count, hosts, dumps;
        int64_t first, last;              /* VMC_TIME_UNKNOWN when no crash has a time */
        const char **kernels;             /* distinct, sorted */
        size_t n_kernels;
        json_object *known_issues;        /* distinct by id, {id, summary, url} */
        bool hardware_error;
};

/* Groups the records that pass f by fingerprint, most crashes first (then
 * the most recent, then by fingerprint). */
int vmc_fleet_group(const struct vmc_record_set *set, const struct vmc_fleet_filter *f,
                    struct vmc_fleet_group **ret, size_t *n);
void vmc_fleet_groups_free(struct vmc_fleet_group *g, size_t n);

/* "2026-11-22T05:11:26Z", or "-" for VMC_TIME_UNKNOWN. */
void vmc_format_utc(int64_t t, char buf[32]);

json_object *vmc_fleet_group_json(const struct vmc_fleet_group *g);
json_object *vmc_crash_record_json(const struct vmc_crash_record *r);
