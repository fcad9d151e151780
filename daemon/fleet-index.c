/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "fleet-index.h"
#include "log.h"
#include "util.h"

#define INBOX "v1/inbox"
#define INDEX "v1/index"
#define FINGERPRINTS "v1/fingerprints"
#define CATALOG "catalog.json"
#define RECORD_MAX (1u << 20)
#define SEGMENT_MAX (512u << 20)
/* A segment that vanished while it was read was merged into a newer one:
 * list again, this many times at most. */
#define RELIST_MAX 8

struct names {
        char **v;
        size_t n, cap;
};

static void names_done(struct names *n) {
        vmc_store_names_free(n->v, n->n);
        *n = (struct names) {};
}

static int add_name(struct names *n, const char *name) {
        if (n->n == n->cap) {
                size_t cap = MAX(n->cap * 2, (size_t) 64);
                char **nv = realloc(n->v, cap * sizeof(char *));
                if (!nv)
                        return -ENOMEM;
                n->v = nv;
                n->cap = cap;
        }
        if (!(n->v[n->n] = strdup(name)))
                return -ENOMEM;
        n->n++;
        return 0;
}

static bool endswith(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* A segment's day: "2026-11-22" or "unknown", from its name. */
static bool segment_day(const char *name, char day[16]) {
        const char *dot = strchr(name, '.');
        size_t n = dot ? (size_t) (dot - name) : 0;

        if (!dot || n >= 16 || !endswith(name, ".json") || strcmp(name, CATALOG) == 0)
                return false;
        memcpy(day, name, n);
        day[n] = '\0';
        if (strcmp(day, "unknown") == 0)
                return true;
        return n == 10 && day[4] == '-' && day[7] == '-';
}

/* One JSON value, and at most blanks after it: trailing bytes are not what
 * we wrote. */
static int parse_json(const char *data, size_t len, json_object **ret) {
        json_tokener *tok = json_tokener_new_ex(64);
        json_object *o;
        size_t end;

        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, data, (int) len);
        end = (size_t) tok->char_offset;
        if (o && json_tokener_get_error(tok) == json_tokener_success)
                while (end < len && (data[end] == '\n' || data[end] == ' '))
                        end++;
        json_tokener_free(tok);
        if (!o || end < len) {
                json_object_put(o);
                return -EBADMSG;
        }
        *ret = o;
        return 0;
}

static int get_json(struct vmc_store *s, const char *key, size_t max, json_object **ret, char *err, size_t errlen) {
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r = vmc_store_get(s, key, max, &data, &len, err, errlen);

        if (r < 0)
                return r;
        r = parse_json(data, len, ret);
        if (r < 0)
                return set_error(r, err, errlen, "%s: %s is not valid JSON", vmc_store_name(s), key);
        return 0;
}

static void skip_bad(struct vmc_fleet_source *src, struct vmc_store *s, const char *key, const char *why) {
        if (src)
                src->skipped++;
        log_warning("%s: %s: %s; left out", vmc_store_name(s), key, why);
}

/* One record object (inbox or v1/fingerprints/) into set. 0 added, 1 not
 * there any more (taken into the index meanwhile), -EBADMSG said. */
static int load_record(struct vmc_store *s, const char *key, struct vmc_record_set *set,
                       struct vmc_fleet_source *src, char *err, size_t errlen) {
        struct vmc_crash_record rec;
        json_object *o = NULL;
        int r = get_json(s, key, RECORD_MAX, &o, err, errlen);

        if (r == -ENOENT)
                return 1;
        if (r == -EBADMSG || r == -EFBIG || r == -E2BIG) {
                skip_bad(src, s, key, "not a crash record (not JSON, or too large)");
                return -EBADMSG;
        }
        if (r < 0)
                return r;
        if (vmc_crash_record_from_json(o, &rec) < 0) {
                json_object_put(o);
                skip_bad(src, s, key, "not a crash record (no valid crash_id or fingerprint)");
                return -EBADMSG;
        }
        r = vmc_record_set_keep(set, o);
        if (r >= 0)
                r = vmc_record_set_add(set, &rec);
        return r;
}

static const char *str_member(json_object *o, const char *name) {
        json_object *v;
        return json_object_object_get_ex(o, name, &v) && json_object_is_type(v, json_type_string)
                       ? json_object_get_string(v)
                       : NULL;
}

/* Member name of o as an array, or NULL. */
static json_object *array_member(json_object *o, const char *name) {
        json_object *v;
        return json_object_object_get_ex(o, name, &v) && json_object_is_type(v, json_type_array) ? v : NULL;
}

/* Entry i of a string table, through an index column; NULL when either
 * says nothing. */
static const char *table_str(json_object *table, json_object *column, size_t i) {
        json_object *ix = json_object_array_get_idx(column, i);
        if (!ix || !json_object_is_type(ix, json_type_int))
                return NULL;
        return json_object_get_string(json_object_array_get_idx(table, (size_t) json_object_get_int(ix)));
}

/* A segment's crashes into set (the segment is kept alive by set). The
 * crashes are stored by column, with fingerprints, kernels, arches and hosts
 * in tables: a few small JSON values per crash, so that 100,000 crashes
 * parse in a fraction of a second. */
static int add_segment(json_object *root, struct vmc_record_set *set, size_t *bad) {
        json_object *schema, *fps = array_member(root, "fingerprints"), *kernels = array_member(root, "kernels"),
                    *arches = array_member(root, "arches"), *hosts = array_member(root, "hosts"), *cols, *titles = NULL;
        json_object *ids, *fpi, *ki, *ai, *hi, *dump;
        size_t n;
        int r;

        if (!json_object_object_get_ex(root, "schema", &schema) ||
            !streq_ptr(json_object_get_string(schema), VMC_INDEX_SCHEMA) || !fps || !kernels || !arches ||
            !hosts || !json_object_object_get_ex(root, "crashes", &cols) || !json_object_is_type(cols, json_type_object))
                return -EBADMSG;
        ids = array_member(cols, "crash_id");
        fpi = array_member(cols, "fingerprint");
        ki = array_member(cols, "kernel");
        ai = array_member(cols, "arch");
        hi = array_member(cols, "host");
        dump = array_member(cols, "dump");
        json_object_object_get_ex(cols, "title", &titles);
        if (!ids || !fpi || !ki || !ai || !hi || !dump)
                return -EBADMSG;
        n = json_object_array_length(ids);
        if (json_object_array_length(fpi) != n || json_object_array_length(ki) != n ||
            json_object_array_length(ai) != n || json_object_array_length(hi) != n ||
            json_object_array_length(dump) != n)
                return -EBADMSG;
        r = vmc_record_set_keep(set, json_object_get(root));
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                json_object *fix = json_object_array_get_idx(fpi, i), *fe = NULL, *v;
                struct vmc_crash_record rec = {
                        .crash_id = json_object_get_string(json_object_array_get_idx(ids, i)),
                        .kernel = table_str(kernels, ki, i),
                        .arch = table_str(arches, ai, i),
                        .host = table_str(hosts, hi, i),
                        .dump = json_object_get_boolean(json_object_array_get_idx(dump, i)),
                };

                if (fix && json_object_is_type(fix, json_type_int))
                        fe = json_object_array_get_idx(fps, (size_t) json_object_get_int(fix));
                rec.fingerprint = str_member(fe, "fingerprint");
                if (!vmc_crash_id_valid(rec.crash_id) || !vmc_fingerprint_valid(rec.fingerprint)) {
                        (*bad)++;
                        continue;
                }
                rec.title = str_member(fe, "title");
                if (titles && json_object_object_get_ex(titles, rec.crash_id, &v))
                        rec.title = json_object_get_string(v);
                rec.hardware_error = json_object_object_get_ex(fe, "hardware_error", &v) && json_object_get_boolean(v);
                rec.known_issues = array_member(fe, "known_issues");
                /* The id holds the crash time (as collect makes ids). */
                rec.time = vmc_crash_id_time(rec.crash_id);
                r = vmc_record_set_add(set, &rec);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool in_sorted(char **v, size_t n, const char *s) {
        return n > 0 && bsearch(&s, v, n, sizeof(char *), cmp_str);
}

/* The segment names: a listing, or the catalog where the store cannot list. */
static int list_segments(struct vmc_store *s, struct names *out, bool *listing, char *err, size_t errlen) {
        json_object *cat = NULL, *segs;
        int r = vmc_store_list(s, INDEX, &out->v, &out->n, err, errlen);

        if (r != -EOPNOTSUPP) {
                *listing = true;
                return r;
        }
        *listing = false;
        r = get_json(s, INDEX "/" CATALOG, SEGMENT_MAX, &cat, err, errlen);
        if (r == -ENOENT)
                return set_error(-EOPNOTSUPP, err, errlen,
                                 "%s: the store cannot list and has no index catalog (%s/%s): run 'vmcored "
                                 "index' where the store can be listed, or enable listing",
                                 vmc_store_name(s), INDEX, CATALOG);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(cat, "segments", &segs) || !json_object_is_type(segs, json_type_array)) {
                json_object_put(cat);
                return set_error(-EBADMSG, err, errlen, "%s: %s/%s is no index catalog", vmc_store_name(s), INDEX,
                                 CATALOG);
        }
        out->v = calloc(json_object_array_length(segs) + 1, sizeof(char *));
        for (size_t i = 0; out->v && i < json_object_array_length(segs); i++) {
                const char *name = json_object_get_string(json_object_array_get_idx(segs, i));
                char day[16];
                if (name && segment_day(name, day) && !strchr(name, '/') && !(out->v[out->n++] = strdup(name)))
                        break;
        }
        json_object_put(cat);
        if (!out->v || (out->n && !out->v[out->n - 1])) {
                names_done(out);
                return -ENOMEM;
        }
        qsort(out->v, out->n, sizeof(char *), cmp_str);
        return 0;
}

/* ---- many small requests at once ---- */

/* Connections used at once for many small objects: a request costs a round
 * trip (and with some servers a delayed ACK), not bandwidth. */
#define PARALLEL 8

enum batch_op {
        BATCH_GET_RECORD,
        BATCH_GET_SEGMENT,
        BATCH_DELETE,
};

struct batch {
        struct vmc_store *s;
        enum batch_op op;
        char **keys;
        size_t n, next;                 /* next: taken atomically by the workers */
        int *result;                    /* per key: 0 done, 1 gone, -EBADMSG skipped (said) */
        bool stop;
        pthread_mutex_t lock;
        int error;                      /* the first failure, with its message */
        char err[1024];
        struct vmc_record_set *set;     /* BATCH_GET_RECORD: where the records go */
        struct vmc_fleet_source *src;
};

/* One index segment into set: 0 read, 1 gone (merged into a newer one),
 * -EBADMSG no segment (said). */
static int load_segment(struct vmc_store *s, const char *key, struct vmc_record_set *set,
                        struct vmc_fleet_source *src, char *err, size_t errlen) {
        json_object *root = NULL;
        size_t bad = 0;
        int r = get_json(s, key, SEGMENT_MAX, &root, err, errlen);

        if (r == -ENOENT)
                return 1;
        if (r == -EBADMSG) {
                skip_bad(src, s, key, "not an index segment (not JSON)");
                return r;
        }
        if (r < 0)
                return r;
        r = add_segment(root, set, &bad);
        json_object_put(root);
        if (r == -EBADMSG) {
                skip_bad(src, s, key, "not an index segment");
                return r;
        }
        if (r < 0)
                return r;
        if (bad)
                skip_bad(src, s, key, "some of its crashes have no valid id or fingerprint");
        src->segments++;
        return 0;
}

static int batch_one(struct batch *b, struct vmc_store *s, size_t i, struct vmc_record_set *set,
                     struct vmc_fleet_source *src, char *err, size_t errlen) {
        if (b->op == BATCH_DELETE)
                return vmc_store_delete(s, b->keys[i], err, errlen);
        if (b->op == BATCH_GET_SEGMENT)
                return load_segment(s, b->keys[i], set, src, err, errlen);
        return load_record(s, b->keys[i], set, src, err, errlen);
}

static void *batch_worker(void *userdata) {
        struct batch *b = userdata;
        struct vmc_record_set set = {};
        struct vmc_fleet_source src = {};
        struct vmc_store *s = NULL;
        char err[1024] = "";
        int r = vmc_store_clone(b->s, &s, err, sizeof(err));

        /* No second connection: the others, or the caller's, do the work. */
        if (r < 0)
                return NULL;
        while (!__atomic_load_n(&b->stop, __ATOMIC_RELAXED)) {
                size_t i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED);
                if (i >= b->n)
                        break;
                r = batch_one(b, s, i, &set, &src, err, sizeof(err));
                b->result[i] = r;
                if (r == 1 || r == -EBADMSG)
                        r = 0;
                if (r < 0)
                        break;
        }
        pthread_mutex_lock(&b->lock);
        if (r < 0 && !b->error) {
                b->error = r;
                snprintf(b->err, sizeof(b->err), "%s", *err ? err : strerror(-r));
                __atomic_store_n(&b->stop, true, __ATOMIC_RELAXED);
        }
        if (b->set && vmc_record_set_move(b->set, &set) < 0 && !b->error)
                b->error = -ENOMEM;
        if (b->src) {
                b->src->skipped += src.skipped;
                b->src->segments += src.segments;
        }
        pthread_mutex_unlock(&b->lock);
        vmc_record_set_done(&set);
        vmc_store_close(s);
        return NULL;
}

/* Runs op on each key, with up to PARALLEL connections; result[i] says
 * what became of keys[i]. */
static int batch_run(struct batch *b, char *err, size_t errlen) {
        pthread_t threads[PARALLEL];
        /* Records are small: a thread is worth it for 16 of them; a
         * segment is worth one by itself. */
        size_t n_threads = MIN((size_t) PARALLEL, b->op == BATCH_GET_SEGMENT ? b->n : b->n / 16);
        int r = 0;

        b->result = calloc(b->n + 1, sizeof(int));
        if (!b->result)
                return -ENOMEM;
        if (n_threads >= 2) {
                pthread_mutex_init(&b->lock, NULL);
                for (size_t i = 0; i < n_threads; i++)
                        if (pthread_create(&threads[i], NULL, batch_worker, b) != 0) {
                                n_threads = i;
                                break;
                        }
                for (size_t i = 0; i < n_threads; i++)
                        pthread_join(threads[i], NULL);
                pthread_mutex_destroy(&b->lock);
                if (b->error)
                        return set_error(b->error, err, errlen, "%s", b->err);
        }
        /* Few keys, or what no worker took (none could start or connect):
         * on the caller's connection. */
        for (size_t i = MIN(b->next, b->n); i < b->n && r >= 0; i++) {
                r = batch_one(b, b->s, i, b->set, b->src, err, errlen);
                b->result[i] = r;
                if (r == 1 || r == -EBADMSG)
                        r = 0;
        }
        return r;
}

static void batch_done(struct batch *b) {
        for (size_t i = 0; i < b->n; i++)
                free(b->keys[i]);
        free(b->keys);
        free(b->result);
}

/* dir/name for each name; NULL names are left out. */
static int batch_keys(struct batch *b, const char *dir, char **names, size_t n) {
        b->keys = calloc(n + 1, sizeof(char *));
        if (!b->keys)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                if (!names[i])
                        continue;
                if (asprintf(&b->keys[b->n], "%s/%s", dir, names[i]) < 0)
                        return -ENOMEM;
                b->n++;
        }
        return 0;
}

/* "ID.json" when "ID.dump.json" is listed too: the later copy of the same
 * record, read instead. */
static bool superseded(const struct names *in, const char *name) {
        _cleanup_free_ char *later = NULL;
        size_t n = strlen(name);

        if (n < 5 || endswith(name, ".dump.json") || asprintf(&later, "%.*s.dump.json", (int) (n - 5), name) < 0)
                return false;
        return in_sorted(in->v, in->n, later);
}

/* Reads the inbox records listed in `in` into b->set: each ID.json, unless
 * its later copy ID.dump.json is listed too. (*ret_wanted)[i] is in->v[i]
 * when it was asked for; the asked ones' results are b->result, in order. */
static int read_inbox(struct batch *b, const struct names *in, char ***ret_wanted, char *err, size_t errlen) {
        char **wanted = calloc(in->n + 1, sizeof(char *));
        int r;

        if (!wanted)
                return -ENOMEM;
        *ret_wanted = wanted;
        for (size_t i = 0; i < in->n; i++)
                if (endswith(in->v[i], ".json") && !superseded(in, in->v[i]))
                        wanted[i] = in->v[i];
        r = batch_keys(b, INBOX, wanted, in->n);
        if (r >= 0)
                r = batch_run(b, err, errlen);
        return r;
}

static int load_inbox(struct vmc_store *s, struct vmc_record_set *set, struct vmc_fleet_source *src, char *err,
                      size_t errlen) {
        struct names in = {};
        struct batch b = { .s = s, .op = BATCH_GET_RECORD, .set = set, .src = src };
        _cleanup_free_ char **wanted = NULL;
        int r = vmc_store_list(s, INBOX, &in.v, &in.n, err, errlen);

        if (r >= 0)
                r = read_inbox(&b, &in, &wanted, err, errlen);
        for (size_t i = 0; r >= 0 && i < b.n; i++)
                src->inbox += b.result[i] == 0;
        batch_done(&b);
        names_done(&in);
        return r;
}

static int load_index(struct vmc_store *s, const struct vmc_fleet_load_options *o, struct vmc_record_set *set,
                      struct vmc_fleet_source *src, char *err, size_t errlen) {
        char since_day[16] = "";
        struct names fetched = {};
        int r = 0;

        if (o->since != VMC_TIME_UNKNOWN)
                vmc_utc_day(o->since, since_day);
        for (unsigned attempt = 0;; attempt++) {
                struct names segs = {};
                struct batch b = { .s = s, .op = BATCH_GET_SEGMENT, .set = set, .src = src };
                _cleanup_free_ char **wanted = NULL;
                bool vanished = false;

                r = list_segments(s, &segs, &src->listing, err, errlen);
                if (r < 0)
                        break;
                wanted = calloc(segs.n + 1, sizeof(char *));
                if (!wanted)
                        r = -ENOMEM;
                for (size_t i = 0; r >= 0 && i < segs.n; i++) {
                        char day[16];
                        if (!segment_day(segs.v[i], day) || in_sorted(fetched.v, fetched.n, segs.v[i]))
                                continue;
                        /* A day before --since holds nothing wanted. */
                        if (*since_day && (strcmp(day, "unknown") == 0 || strcmp(day, since_day) < 0))
                                continue;
                        wanted[i] = segs.v[i];
                }
                if (r >= 0)
                        r = batch_keys(&b, INDEX, wanted, segs.n);
                if (r >= 0)
                        r = batch_run(&b, err, errlen);
                /* Read (or no segment: not read again); gone: list again. */
                for (size_t i = 0, k = 0; r >= 0 && i < segs.n; i++) {
                        if (!wanted[i])
                                continue;
                        if (b.result[k++] == 1)
                                vanished = true;
                        else
                                r = add_name(&fetched, segs.v[i]);
                }
                if (r >= 0 && fetched.n > 1)
                        qsort(fetched.v, fetched.n, sizeof(char *), cmp_str);
                batch_done(&b);
                names_done(&segs);
                if (r < 0 || !vanished)
                        break;
                if (attempt + 1 >= RELIST_MAX) {
                        r = set_error(-EAGAIN, err, errlen,
                                      "%s: the index kept changing while it was read (%u tries); try again",
                                      vmc_store_name(s), RELIST_MAX);
                        break;
                }
        }
        names_done(&fetched);
        return r;
}

/* Every record under v1/fingerprints/ (one request each): the truth the
 * index is made from, and what a store without an index costs. */
static int load_scan(struct vmc_store *s, const struct vmc_fleet_load_options *o, struct vmc_record_set *set,
                     struct vmc_fleet_source *src, char *err, size_t errlen) {
        struct names fps = {}, keys = {};
        struct batch b = { .s = s, .op = BATCH_GET_RECORD, .set = set, .src = src };
        int r;

        if (o->fingerprint) {
                if (!vmc_fingerprint_valid(o->fingerprint))
                        return set_error(-EINVAL, err, errlen, "'%s' is no fingerprint", o->fingerprint);
                r = add_name(&fps, o->fingerprint);
        } else
                r = vmc_store_list(s, FINGERPRINTS, &fps.v, &fps.n, err, errlen);
        if (r < 0) {
                names_done(&fps);
                return r;
        }
        src->listing = true;
        for (size_t i = 0; i < fps.n && r >= 0; i++) {
                _cleanup_free_ char *dir = NULL;
                struct names ids = {};

                if (!vmc_fingerprint_valid(fps.v[i]))
                        continue;
                if (asprintf(&dir, FINGERPRINTS "/%s", fps.v[i]) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = vmc_store_list(s, dir, &ids.v, &ids.n, err, errlen);
                for (size_t j = 0; r >= 0 && j < ids.n; j++) {
                        _cleanup_free_ char *key = NULL;
                        int64_t t = vmc_crash_id_time(ids.v[j]);

                        if (!endswith(ids.v[j], ".json"))
                                continue;
                        /* The id says when: older crashes cost no request. */
                        if (o->since != VMC_TIME_UNKNOWN && (t == VMC_TIME_UNKNOWN || t < o->since))
                                continue;
                        if (asprintf(&key, "%s/%s", fps.v[i], ids.v[j]) < 0)
                                r = -ENOMEM;
                        else
                                r = add_name(&keys, key);
                }
                names_done(&ids);
        }
        if (r >= 0)
                r = batch_keys(&b, FINGERPRINTS, keys.v, keys.n);
        if (r >= 0)
                r = batch_run(&b, err, errlen);
        for (size_t i = 0; r >= 0 && i < b.n; i++)
                src->scanned += b.result[i] == 0;
        batch_done(&b);
        names_done(&keys);
        names_done(&fps);
        return r;
}

int vmc_fleet_load(struct vmc_store *s, const struct vmc_fleet_load_options *o, struct vmc_record_set *set,
                   struct vmc_fleet_source *src, char *err, size_t errlen) {
        int r;

        *src = (struct vmc_fleet_source) {};
        if (o->no_index)
                r = load_scan(s, o, set, src, err, errlen);
        else {
                /* The inbox first: a record that leaves it meanwhile is in a
                 * segment stored before it left, which the listing after
                 * this one sees. */
                r = load_inbox(s, set, src, err, errlen);
                if (r == -EOPNOTSUPP)
                        r = 0; /* no listing: the catalog's segments only */
                if (r >= 0)
                        r = load_index(s, o, set, src, err, errlen);
        }
        if (r < 0)
                return r;
        vmc_record_set_dedup(set);
        return 0;
}

/* ---- writing the index ---- */

/* Days since the epoch; an unknown time sorts last, as "unknown" does
 * after the dates in the segments' names. */
static int64_t day_of(int64_t t) {
        return t == VMC_TIME_UNKNOWN ? INT64_MAX : (t >= 0 ? t / 86400 : -((-t + 86399) / 86400));
}

static void day_name(int64_t day, char buf[16]) {
        vmc_utc_day(day == INT64_MAX ? VMC_TIME_UNKNOWN : day * 86400, buf);
}

static int cmp_day_id(const void *a, const void *b) {
        const struct vmc_crash_record *x = a, *y = b;
        int64_t dx = day_of(x->time), dy = day_of(y->time);
        return dx != dy ? (dx < dy ? -1 : 1) : strcmp(x->crash_id, y->crash_id);
}

static json_object *jstr(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

static bool has_issue(json_object *list, const char *id) {
        for (size_t i = 0, n = json_object_array_length(list); i < n; i++)
                if (streq_ptr(str_member(json_object_array_get_idx(list, i), "id"), id))
                        return true;
        return false;
}

/* The index in table t of string v (added when new), through map (a JSON
 * object used as a hash table); NULL for a NULL v. */
static json_object *table_index(json_object *t, json_object *map, const char *v) {
        json_object *ix;
        int i;

        if (!v)
                return NULL;
        if (json_object_object_get_ex(map, v, &ix))
                return json_object_new_int(json_object_get_int(ix));
        i = (int) json_object_array_length(t);
        json_object_array_add(t, json_object_new_string(v));
        json_object_object_add(map, v, json_object_new_int(i));
        return json_object_new_int(i);
}

/* The segment of one day's records (sorted by id, deduplicated), by column
 * (see add_segment()). Per fingerprint: the newest title, and the known
 * issues of all its crashes; a crash whose title is not its fingerprint's
 * newest keeps its own in "title". */
static json_object *segment_json(const char *day, const struct vmc_crash_record *v, size_t n) {
        json_object *root = json_object_new_object(), *maps = json_object_new_object();
        json_object *fps = json_object_new_array(), *kernels = json_object_new_array(), *arches = json_object_new_array(),
                    *hosts = json_object_new_array(), *cols = json_object_new_object(), *titles = json_object_new_object();
        json_object *ids = json_object_new_array_ext((int) n), *fpi = json_object_new_array_ext((int) n),
                    *ki = json_object_new_array_ext((int) n), *ai = json_object_new_array_ext((int) n),
                    *hi = json_object_new_array_ext((int) n), *dump = json_object_new_array_ext((int) n);
        json_object *fmap = json_object_new_object(), *kmap = json_object_new_object(), *amap = json_object_new_object(),
                    *hmap = json_object_new_object();
        char written[32] = "";
        time_t now = time(NULL);
        struct tm tm;

        if (!root || !maps || !cols) {
                json_object_put(root);
                json_object_put(maps);
                json_object_put(cols);
                return NULL;
        }
        if (gmtime_r(&now, &tm))
                strftime(written, sizeof(written), "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_object_object_add(root, "schema", json_object_new_string(VMC_INDEX_SCHEMA));
        json_object_object_add(root, "day", json_object_new_string(day));
        json_object_object_add(root, "written", json_object_new_string(written));
        json_object_object_add(root, "count", json_object_new_int64((int64_t) n));
        /* Owned by root and maps from here on, whatever fails below. */
        json_object_object_add(root, "fingerprints", fps);
        json_object_object_add(root, "kernels", kernels);
        json_object_object_add(root, "arches", arches);
        json_object_object_add(root, "hosts", hosts);
        json_object_object_add(root, "crashes", cols);
        json_object_object_add(cols, "crash_id", ids);
        json_object_object_add(cols, "fingerprint", fpi);
        json_object_object_add(cols, "kernel", ki);
        json_object_object_add(cols, "arch", ai);
        json_object_object_add(cols, "host", hi);
        json_object_object_add(cols, "dump", dump);
        json_object_object_add(cols, "title", titles);
        json_object_object_add(maps, "f", fmap);
        json_object_object_add(maps, "k", kmap);
        json_object_object_add(maps, "a", amap);
        json_object_object_add(maps, "h", hmap);
        if (!root || !maps || !fps || !kernels || !arches || !hosts || !cols || !titles || !ids || !fpi || !ki ||
            !ai || !hi || !dump || !fmap || !kmap || !amap || !hmap)
                goto fail;
        for (size_t i = 0; i < n; i++) {
                json_object *ix, *fe, *issues;
                if (!json_object_object_get_ex(fmap, v[i].fingerprint, &ix)) {
                        fe = json_object_new_object();
                        if (!fe)
                                goto fail;
                        json_object_object_add(fe, "fingerprint", json_object_new_string(v[i].fingerprint));
                        json_object_object_add(fe, "hardware_error", json_object_new_boolean(v[i].hardware_error));
                        json_object_object_add(fe, "known_issues", json_object_new_array());
                        json_object_object_add(fmap, v[i].fingerprint,
                                               json_object_new_int((int) json_object_array_length(fps)));
                        json_object_array_add(fps, fe);
                } else
                        fe = json_object_array_get_idx(fps, (size_t) json_object_get_int(ix));
                /* Sorted by id is sorted by time: the last title is the newest. */
                json_object_object_add(fe, "title", jstr(v[i].title));
                issues = array_member(fe, "known_issues");
                for (size_t k = 0; issues && v[i].known_issues && k < json_object_array_length(v[i].known_issues); k++) {
                        json_object *issue = json_object_array_get_idx(v[i].known_issues, k);
                        if (json_object_is_type(issue, json_type_object) && !has_issue(issues, str_member(issue, "id")))
                                json_object_array_add(issues, json_object_get(issue));
                }
        }
        for (size_t i = 0; i < n; i++) {
                json_object *ix, *fe;
                json_object_object_get_ex(fmap, v[i].fingerprint, &ix);
                fe = json_object_array_get_idx(fps, (size_t) json_object_get_int(ix));
                json_object_array_add(ids, json_object_new_string(v[i].crash_id));
                json_object_array_add(fpi, json_object_new_int(json_object_get_int(ix)));
                json_object_array_add(ki, table_index(kernels, kmap, v[i].kernel));
                json_object_array_add(ai, table_index(arches, amap, v[i].arch));
                json_object_array_add(hi, table_index(hosts, hmap, v[i].host));
                json_object_array_add(dump, json_object_new_boolean(v[i].dump));
                if (v[i].title && !streq_ptr(v[i].title, str_member(fe, "title")))
                        json_object_object_add(titles, v[i].crash_id, json_object_new_string(v[i].title));
        }
        json_object_put(maps);
        return root;
fail:
        json_object_put(maps);
        json_object_put(root);
        return NULL;
}

/* DAY.WRITTEN-RANDOM.json: a name no other writer picks. */
static int segment_name(const char *day, char **ret) {
        uint8_t rnd[6];
        char when[32];
        time_t now = time(NULL);
        struct tm tm;

        if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t) sizeof(rnd))
                return -errno ?: -EIO;
        gmtime_r(&now, &tm);
        strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
        return asprintf(ret, "%s.%s-%02x%02x%02x%02x%02x%02x.json", day, when, rnd[0], rnd[1], rnd[2], rnd[3],
                        rnd[4], rnd[5]) < 0
                       ? -ENOMEM
                       : 0;
}

static int put_json(struct vmc_store *s, const char *key, json_object *o, char *err, size_t errlen) {
        size_t len;
        const char *text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);

        if (!text)
                return -ENOMEM;
        return vmc_store_put(s, key, text, len, err, errlen);
}

static int delete_names(struct vmc_store *s, const char *dir, char **v, size_t n, size_t *count, char *err,
                        size_t errlen) {
        struct batch b = { .s = s, .op = BATCH_DELETE };
        int r = batch_keys(&b, dir, v, n);

        if (r >= 0)
                r = batch_run(&b, err, errlen);
        for (size_t i = 0; r >= 0 && i < b.n; i++)
                *count += b.result[i] == 0;
        batch_done(&b);
        return r;
}

/* Writes one day: its new records, plus (unless rebuilding) the records of
 * the day's segments that could be read; then removes those segments. */
static int index_day(struct vmc_store *s, const char *day, const struct vmc_crash_record *fresh, size_t n_fresh,
                     char **segs, size_t n_segs, bool rebuild, struct vmc_index_result *res, char *err,
                     size_t errlen) {
        struct vmc_record_set set = {};
        struct names read = {};
        _cleanup_free_ char *name = NULL, *key = NULL;
        json_object *root = NULL;
        int r = 0;

        for (size_t i = 0; i < n_fresh && r >= 0; i++)
                r = vmc_record_set_add(&set, &fresh[i]);
        for (size_t i = 0; i < n_segs && r >= 0; i++) {
                _cleanup_free_ char *k = NULL;
                json_object *seg = NULL;
                size_t bad = 0;

                if (rebuild) {
                        /* Everything is in the scan: the segment just goes. */
                        r = add_name(&read, segs[i]);
                        continue;
                }
                if (asprintf(&k, INDEX "/%s", segs[i]) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = get_json(s, k, SEGMENT_MAX, &seg, err, errlen);
                if (r == -ENOENT) {
                        /* Another indexer merged it: its records are in a
                         * segment that one wrote, and that stays. */
                        r = 0;
                        continue;
                }
                if (r == -EBADMSG) {
                        log_warning("%s: %s is not valid JSON; left as it is", vmc_store_name(s), k);
                        r = 0;
                        continue;
                }
                if (r >= 0)
                        r = add_segment(seg, &set, &bad);
                json_object_put(seg);
                if (r == -EBADMSG) {
                        log_warning("%s: %s is no index segment; left as it is", vmc_store_name(s), k);
                        r = 0;
                        continue;
                }
                if (r >= 0)
                        r = add_name(&read, segs[i]);
        }
        if (r < 0)
                goto out;
        vmc_record_set_dedup(&set);
        if (set.n > 0) {
                root = segment_json(day, set.v, set.n);
                r = root ? segment_name(day, &name) : -ENOMEM;
                if (r >= 0 && asprintf(&key, INDEX "/%s", name) < 0)
                        r = -ENOMEM;
                if (r >= 0)
                        r = put_json(s, key, root, err, errlen);
                if (r < 0)
                        goto out;
                res->segments_written++;
                res->records += set.n;
                res->days++;
        }
        /* Only now that the day's new segment is stored. */
        r = delete_names(s, INDEX, read.v, read.n, &res->segments_removed, err, errlen);
out:
        json_object_put(root);
        names_done(&read);
        vmc_record_set_done(&set);
        return r;
}

static int write_catalog(struct vmc_store *s, char *err, size_t errlen) {
        struct names segs = {};
        json_object *root, *a;
        char day[16];
        int r = vmc_store_list(s, INDEX, &segs.v, &segs.n, err, errlen);

        if (r < 0)
                return r;
        root = json_object_new_object();
        a = json_object_new_array();
        for (size_t i = 0; root && a && i < segs.n; i++)
                if (segment_day(segs.v[i], day))
                        json_object_array_add(a, json_object_new_string(segs.v[i]));
        names_done(&segs);
        if (!root || !a) {
                json_object_put(root);
                json_object_put(a);
                return -ENOMEM;
        }
        json_object_object_add(root, "schema", json_object_new_string(VMC_CATALOG_SCHEMA));
        json_object_object_add(root, "segments", a);
        r = put_json(s, INDEX "/" CATALOG, root, err, errlen);
        json_object_put(root);
        return r;
}

int vmc_fleet_index(struct vmc_store *s, const struct vmc_index_options *o, struct vmc_index_result *res,
                    char *err, size_t errlen) {
        struct vmc_record_set fresh = {};
        struct vmc_fleet_source src = {};
        struct names inbox = {}, taken = {}, segs = {};
        int r;

        *res = (struct vmc_index_result) {};
        /* What exists now; whatever arrives later waits for the next run. */
        r = vmc_store_list(s, INBOX, &inbox.v, &inbox.n, err, errlen);
        if (r >= 0)
                r = vmc_store_list(s, INDEX, &segs.v, &segs.n, err, errlen);
        if (r == -EOPNOTSUPP)
                r = set_error(r, err, errlen, "%s: the index needs a store that can be listed (%s)",
                              vmc_store_name(s), err);
        if (r < 0)
                goto out;
        if (o->rebuild) {
                /* Every record reaches v1/fingerprints/ before the inbox,
                 * so the scan holds whatever was listed above. */
                struct vmc_fleet_load_options lo = { .since = VMC_TIME_UNKNOWN, .no_index = true };
                r = load_scan(s, &lo, &fresh, &src, err, errlen);
                for (size_t i = 0; r >= 0 && i < inbox.n; i++)
                        r = add_name(&taken, inbox.v[i]);
        } else {
                struct batch b = { .s = s, .op = BATCH_GET_RECORD, .set = &fresh, .src = &src };
                _cleanup_free_ char **wanted = NULL;

                r = read_inbox(&b, &inbox, &wanted, err, errlen);
                /* Read means taken: gone (another run indexed it) or
                 * garbage (left for a human) is not. */
                for (size_t i = 0, k = 0; r >= 0 && i < inbox.n; i++) {
                        _cleanup_free_ char *earlier = NULL;
                        size_t n = strlen(inbox.v[i]);

                        if (!wanted[i])
                                continue;
                        if (b.result[k++] != 0)
                                continue;
                        r = add_name(&taken, inbox.v[i]);
                        /* The earlier copy goes with the later one, whose
                         * record holds everything it held. */
                        if (r >= 0 && endswith(inbox.v[i], ".dump.json") &&
                            asprintf(&earlier, "%.*s.json", (int) (n - 10), inbox.v[i]) >= 0 &&
                            in_sorted(inbox.v, inbox.n, earlier))
                                r = add_name(&taken, earlier);
                }
                batch_done(&b);
        }
        if (r < 0)
                goto out;
        res->indexed = fresh.n;
        if (fresh.n > 1)
                qsort(fresh.v, fresh.n, sizeof(*fresh.v), cmp_day_id);

        /* Each day with new records or with more than one segment, in order. */
        {
                size_t i = 0, j = 0;
                char fday[16], sday[16];
                while (r >= 0 && (i < fresh.n || j < segs.n)) {
                        size_t i_end = i, j_end = j;
                        const char *day;

                        if (j < segs.n && !segment_day(segs.v[j], sday)) {
                                j++;
                                continue;
                        }
                        if (i < fresh.n)
                                day_name(day_of(fresh.v[i].time), fday);
                        if (i < fresh.n && (j >= segs.n || strcmp(fday, sday) <= 0))
                                day = fday;
                        else
                                day = sday;
                        while (i_end < fresh.n) {
                                char d[16];
                                day_name(day_of(fresh.v[i_end].time), d);
                                if (strcmp(d, day) != 0)
                                        break;
                                i_end++;
                        }
                        while (j_end < segs.n) {
                                char d[16];
                                if (!segment_day(segs.v[j_end], d) || strcmp(d, day) != 0)
                                        break;
                                j_end++;
                        }
                        if (i_end > i || j_end - j > 1 || o->rebuild)
                                r = index_day(s, day, fresh.v + i, i_end - i, segs.v + j, j_end - j, o->rebuild,
                                              res, err, errlen);
                        i = i_end;
                        j = j_end;
                }
        }
        /* The inbox records are in stored segments now. */
        if (r >= 0)
                r = delete_names(s, INBOX, taken.v, taken.n, &res->inbox_removed, err, errlen);
        if (r >= 0)
                r = write_catalog(s, err, errlen);
out:
        names_done(&inbox);
        names_done(&taken);
        names_done(&segs);
        vmc_record_set_done(&fresh);
        return r;
}
