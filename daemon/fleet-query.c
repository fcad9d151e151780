/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet-query.h"
#include "util.h"

bool vmc_fleet_filter_match(const struct vmc_fleet_filter *f, const struct vmc_crash_record *r) {
        if (f->since != VMC_TIME_UNKNOWN && (r->time == VMC_TIME_UNKNOWN || r->time < f->since))
                return false;
        if (f->kernel && (!r->kernel || fnmatch(f->kernel, r->kernel, 0) != 0))
                return false;
        if (f->fingerprint && !streq_ptr(f->fingerprint, r->fingerprint))
                return false;
        if (f->host && !streq_ptr(f->host, r->host))
                return false;
        return true;
}

int vmc_parse_since(const char *s, int64_t now, int64_t *ret) {
        static const struct {
                char unit;
                int64_t seconds;
        } units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 } };
        char *end;
        unsigned long long v;
        int64_t t;

        if (!s || !*s)
                return -EINVAL;
        t = vmc_parse_utc(s);
        if (t != VMC_TIME_UNKNOWN) {
                *ret = t;
                return 0;
        }
        if (strlen(s) == 10) {
                char full[32];
                snprintf(full, sizeof(full), "%sT00:00:00Z", s);
                t = vmc_parse_utc(full);
                if (t != VMC_TIME_UNKNOWN) {
                        *ret = t;
                        return 0;
                }
        }
        if (s[0] < '0' || s[0] > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || end[0] == '\0' || end[1] != '\0' || v > 100ULL * 365 * 86400)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (*end == units[i].unit) {
                        *ret = now - (int64_t) v * units[i].seconds;
                        return 0;
                }
        return -EINVAL;
}

void vmc_format_utc(int64_t t, char buf[32]) {
        time_t tt = (time_t) t;
        struct tm tm;

        if (t == VMC_TIME_UNKNOWN || !gmtime_r(&tt, &tm))
                snprintf(buf, 32, "-");
        else
                strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int cmp_fp_host(const void *a, const void *b) {
        const struct vmc_crash_record *x = *(const struct vmc_crash_record *const *) a,
                                      *y = *(const struct vmc_crash_record *const *) b;
        int c = strcmp(x->fingerprint, y->fingerprint);
        return c ? c : strcmp(x->host ?: "", y->host ?: "");
}

static int cmp_group(const void *a, const void *b) {
        const struct vmc_fleet_group *x = a, *y = b;
        if (x->count != y->count)
                return x->count > y->count ? -1 : 1;
        if (x->last != y->last)
                return x->last > y->last ? -1 : 1;
        return strcmp(x->fingerprint, y->fingerprint);
}

static int cmp_cstr(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static bool has_issue(json_object *list, const char *id) {
        for (size_t i = 0, n = json_object_array_length(list); i < n; i++) {
                json_object *v;
                if (json_object_object_get_ex(json_object_array_get_idx(list, i), "id", &v) &&
                    streq_ptr(json_object_get_string(v), id))
                        return true;
        }
        return false;
}

static int group_add(struct vmc_fleet_group *g, const struct vmc_crash_record *r, bool new_host) {
        bool known = false;

        g->count++;
        g->hosts += new_host;
        g->dumps += r->dump;
        g->hardware_error |= r->hardware_error;
        if (r->time != VMC_TIME_UNKNOWN) {
                if (g->first == VMC_TIME_UNKNOWN || r->time < g->first)
                        g->first = r->time;
                if (g->last == VMC_TIME_UNKNOWN || r->time >= g->last) {
                        g->last = r->time;
                        g->title = r->title ?: g->title;
                }
        }
        if (!g->title)
                g->title = r->title;
        for (size_t i = 0; r->kernel && i < g->n_kernels; i++)
                if (strcmp(g->kernels[i], r->kernel) == 0)
                        known = true;
        if (r->kernel && !known) {
                const char **nv = realloc(g->kernels, (g->n_kernels + 1) * sizeof(char *));
                if (!nv)
                        return -ENOMEM;
                g->kernels = nv;
                g->kernels[g->n_kernels++] = r->kernel;
        }
        for (size_t i = 0; r->known_issues && i < json_object_array_length(r->known_issues); i++) {
                json_object *issue = json_object_array_get_idx(r->known_issues, i), *id;
                if (json_object_object_get_ex(issue, "id", &id) && !has_issue(g->known_issues, json_object_get_string(id)))
                        json_object_array_add(g->known_issues, json_object_get(issue));
        }
        return 0;
}

int vmc_fleet_group(const struct vmc_record_set *set, const struct vmc_fleet_filter *f,
                    struct vmc_fleet_group **ret, size_t *n) {
        _cleanup_free_ const struct vmc_crash_record **v = malloc((set->n + 1) * sizeof(*v));
        struct vmc_fleet_group *g = NULL;
        size_t m = 0, k = 0;
        int r = 0;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < set->n; i++)
                if (vmc_fleet_filter_match(f, &set->v[i]))
                        v[m++] = &set->v[i];
        qsort(v, m, sizeof(*v), cmp_fp_host);
        for (size_t i = 0; i < m; i++)
                if (i == 0 || strcmp(v[i]->fingerprint, v[i - 1]->fingerprint) != 0)
                        k++;
        g = calloc(k + 1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        k = 0;
        for (size_t i = 0; i < m && r >= 0; i++) {
                bool new_fp = i == 0 || strcmp(v[i]->fingerprint, v[i - 1]->fingerprint) != 0;
                if (new_fp) {
                        g[k++] = (struct vmc_fleet_group) {
                                .fingerprint = v[i]->fingerprint,
                                .first = VMC_TIME_UNKNOWN,
                                .last = VMC_TIME_UNKNOWN,
                                .known_issues = json_object_new_array(),
                        };
                        if (!g[k - 1].known_issues)
                                r = -ENOMEM;
                }
                if (r >= 0)
                        r = group_add(&g[k - 1], v[i], new_fp || !streq_ptr(v[i]->host, v[i - 1]->host));
        }
        if (r < 0) {
                vmc_fleet_groups_free(g, k);
                return r;
        }
        for (size_t i = 0; i < k; i++)
                if (g[i].n_kernels > 1)
                        qsort(g[i].kernels, g[i].n_kernels, sizeof(char *), cmp_cstr);
        qsort(g, k, sizeof(*g), cmp_group);
        *ret = g;
        *n = k;
        return 0;
}

void vmc_fleet_groups_free(struct vmc_fleet_group *g, size_t n) {
        for (size_t i = 0; g && i < n; i++) {
                free(g[i].kernels);
                json_object_put(g[i].known_issues);
        }
        free(g);
}

static json_object *jstr(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

static json_object *jtime(int64_t t) {
        char buf[32];
        if (t == VMC_TIME_UNKNOWN)
                return NULL;
        vmc_format_utc(t, buf);
        return json_object_new_string(buf);
}

json_object *vmc_fleet_group_json(const struct vmc_fleet_group *g) {
        json_object *o = json_object_new_object(), *k = json_object_new_array();

        if (!o || !k) {
                json_object_put(o);
                json_object_put(k);
                return NULL;
        }
        for (size_t i = 0; i < g->n_kernels; i++)
                json_object_array_add(k, json_object_new_string(g->kernels[i]));
        json_object_object_add(o, "fingerprint", json_object_new_string(g->fingerprint));
        json_object_object_add(o, "title", jstr(g->title));
        json_object_object_add(o, "count", json_object_new_int64((int64_t) g->count));
        json_object_object_add(o, "hosts", json_object_new_int64((int64_t) g->hosts));
        json_object_object_add(o, "first_seen", jtime(g->first));
        json_object_object_add(o, "last_seen", jtime(g->last));
        json_object_object_add(o, "kernels", k);
        json_object_object_add(o, "known_issues", json_object_get(g->known_issues));
        json_object_object_add(o, "dumps", json_object_new_int64((int64_t) g->dumps));
        json_object_object_add(o, "hardware_error", json_object_new_boolean(g->hardware_error));
        return o;
}

json_object *vmc_crash_record_json(const struct vmc_crash_record *r) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_object_object_add(o, "crash_id", json_object_new_string(r->crash_id));
        json_object_object_add(o, "fingerprint", json_object_new_string(r->fingerprint));
        json_object_object_add(o, "title", jstr(r->title));
        json_object_object_add(o, "crash_time", jtime(r->time));
        json_object_object_add(o, "kernel", jstr(r->kernel));
        json_object_object_add(o, "arch", jstr(r->arch));
        json_object_object_add(o, "host", jstr(r->host));
        json_object_object_add(o, "hardware_error", json_object_new_boolean(r->hardware_error));
        json_object_object_add(o, "known_issues",
                               r->known_issues ? json_object_get(r->known_issues) : json_object_new_array());
        json_object_object_add(o, "dump", json_object_new_boolean(r->dump));
        return o;
}
