/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet-record.h"
#include "util.h"

void vmc_record_set_done(struct vmc_record_set *set) {
        for (size_t i = 0; i < set->n_roots; i++)
                json_object_put(set->roots[i]); /* NULL is fine */
        free(set->roots);
        free(set->v);
        *set = (struct vmc_record_set) {};
}

int vmc_record_set_keep(struct vmc_record_set *set, json_object *root) {
        if (set->n_roots == set->cap_roots) {
                size_t cap = MAX(set->cap_roots * 2, (size_t) 64);
                json_object **nv = realloc(set->roots, cap * sizeof(*nv));
                if (!nv) {
                        json_object_put(root);
                        return -ENOMEM;
                }
                set->roots = nv;
                set->cap_roots = cap;
        }
        set->roots[set->n_roots++] = root;
        return 0;
}

int vmc_record_set_add(struct vmc_record_set *set, const struct vmc_crash_record *r) {
        if (set->n == set->cap) {
                size_t cap = MAX(set->cap * 2, (size_t) 256);
                struct vmc_crash_record *nv = realloc(set->v, cap * sizeof(*nv));
                if (!nv)
                        return -ENOMEM;
                set->v = nv;
                set->cap = cap;
        }
        set->v[set->n++] = *r;
        return 0;
}

int vmc_record_set_move(struct vmc_record_set *dst, struct vmc_record_set *src) {
        int r = 0;

        for (size_t i = 0; i < src->n_roots && r >= 0; i++) {
                r = vmc_record_set_keep(dst, src->roots[i]);
                src->roots[i] = NULL;
        }
        for (size_t i = 0; i < src->n && r >= 0; i++)
                r = vmc_record_set_add(dst, &src->v[i]);
        free(src->roots);
        src->roots = NULL;
        src->n_roots = 0;
        vmc_record_set_done(src);
        return r;
}

static int cmp_id(const void *a, const void *b) {
        const struct vmc_crash_record *x = a, *y = b;
        int c = strcmp(x->crash_id, y->crash_id);
        /* The copy with the dump first: it is the later record. */
        return c ? c : (int) y->dump - (int) x->dump;
}

void vmc_record_set_dedup(struct vmc_record_set *set) {
        size_t k = 0;

        if (set->n == 0)
                return;
        qsort(set->v, set->n, sizeof(*set->v), cmp_id);
        for (size_t i = 0; i < set->n; i++) {
                if (k > 0 && strcmp(set->v[k - 1].crash_id, set->v[i].crash_id) == 0)
                        continue;
                set->v[k++] = set->v[i];
        }
        set->n = k;
}

static const char *str_member(json_object *o, const char *name) {
        json_object *v;
        return json_object_object_get_ex(o, name, &v) && json_object_is_type(v, json_type_string)
                       ? json_object_get_string(v)
                       : NULL;
}

static bool bool_member(json_object *o, const char *name) {
        json_object *v;
        return json_object_object_get_ex(o, name, &v) && json_object_get_boolean(v);
}

int64_t vmc_parse_utc(const char *s) {
        struct tm tm = {};
        const char *end;

        if (!s)
                return VMC_TIME_UNKNOWN;
        end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (!end || *end)
                return VMC_TIME_UNKNOWN;
        return (int64_t) timegm(&tm);
}

int64_t vmc_crash_id_time(const char *crash_id) {
        struct tm tm = {};
        const char *end;

        if (!crash_id)
                return VMC_TIME_UNKNOWN;
        end = strptime(crash_id, "%Y%m%dT%H%M%SZ", &tm);
        if (!end || (*end && *end != '-'))
                return VMC_TIME_UNKNOWN;
        /* 1970-01-01T00:00:00Z: the kernel did not record the time. */
        return timegm(&tm) == 0 ? VMC_TIME_UNKNOWN : (int64_t) timegm(&tm);
}

void vmc_utc_day(int64_t t, char day[16]) {
        time_t tt = (time_t) t;
        struct tm tm;

        if (t == VMC_TIME_UNKNOWN || !gmtime_r(&tt, &tm)) {
                snprintf(day, 16, "unknown");
                return;
        }
        strftime(day, 16, "%Y-%m-%d", &tm);
}

static bool all_hex(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!isxdigit((unsigned char) s[i]) || isupper((unsigned char) s[i]))
                        return false;
        return true;
}

bool vmc_crash_id_valid(const char *s) {
        /* YYYYMMDDTHHMMSSZ-xxxxxxxxxxxx */
        if (!s || strlen(s) != 29 || s[8] != 'T' || s[15] != 'Z' || s[16] != '-')
                return false;
        for (size_t i = 0; i < 15; i++)
                if (i != 8 && !isdigit((unsigned char) s[i]))
                        return false;
        return all_hex(s + 17, 12);
}

bool vmc_fingerprint_valid(const char *s) {
        size_t n;

        if (!s || strncmp(s, "fp1-", 4) != 0)
                return false;
        s += 4;
        if (strncmp(s, "hw-", 3) == 0)
                s += 3;
        n = strlen(s);
        return n >= 8 && n <= 64 && all_hex(s, n);
}

int vmc_crash_record_from_json(json_object *o, struct vmc_crash_record *r) {
        json_object *ki;

        if (!json_object_is_type(o, json_type_object))
                return -EBADMSG;
        *r = (struct vmc_crash_record) {
                .crash_id = str_member(o, "crash_id"),
                .fingerprint = str_member(o, "fingerprint"),
                .title = str_member(o, "title"),
                .crash_time = str_member(o, "crash_time"),
                .kernel = str_member(o, "kernel"),
                .arch = str_member(o, "arch"),
                .host = str_member(o, "host"),
                .hardware_error = bool_member(o, "hardware_error"),
                .dump = bool_member(o, "dump"),
        };
        /* Ids and fingerprints become store keys and table cells: only what
         * collect makes is taken. */
        if (!vmc_crash_id_valid(r->crash_id) || !vmc_fingerprint_valid(r->fingerprint))
                return -EBADMSG;
        if (json_object_object_get_ex(o, "known_issues", &ki) && json_object_is_type(ki, json_type_array))
                r->known_issues = ki;
        r->time = vmc_parse_utc(r->crash_time);
        if (r->time == VMC_TIME_UNKNOWN)
                r->time = vmc_crash_id_time(r->crash_id);
        return 0;
}
