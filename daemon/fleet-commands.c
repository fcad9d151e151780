/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vmcored top, list and index: the fleet's crashes, read from the store
 * (its index, and the inbox not indexed yet), grouped, filtered, printed
 * for a terminal or a script. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "fleet-index.h"
#include "fleet-query.h"
#include "log.h"
#include "table.h"
#include "util.h"

enum {
        OPT_SINCE = 0x200,
        OPT_KERNEL,
        OPT_HOST,
        OPT_FINGERPRINT,
        OPT_LIMIT,
        OPT_JSON,
        OPT_TSV,
        OPT_TABLE,
        OPT_NO_INDEX,
        OPT_STATS,
        OPT_REBUILD,
};

struct fleet_args {
        const char *name;
        struct vmc_fleet_filter filter;
        const char *since_arg;
        size_t limit;
        enum vmc_output output;
        bool no_index, stats, rebuild;
};

static int fleet_option(int opt, const char *arg, void *userdata) {
        struct fleet_args *a = userdata;
        char *end;

        switch (opt) {
        case OPT_SINCE:
                if (vmc_parse_since(arg, (int64_t) time(NULL), &a->filter.since) < 0) {
                        log_error("%s: --since '%s': give 7d, 12h, 30m, 2w, or a date (2026-11-01) or UTC time "
                                  "(2026-11-01T10:00:00Z)", a->name, arg);
                        return -EINVAL;
                }
                a->since_arg = arg;
                return 0;
        case OPT_KERNEL:
                a->filter.kernel = arg;
                return 0;
        case OPT_HOST:
                a->filter.host = arg;
                return 0;
        case OPT_FINGERPRINT:
                if (!vmc_fingerprint_valid(arg)) {
                        log_error("%s: --fingerprint '%s' is no fingerprint (fp1-...)", a->name, arg);
                        return -EINVAL;
                }
                a->filter.fingerprint = arg;
                return 0;
        case OPT_LIMIT:
                errno = 0;
                a->limit = strtoul(arg, &end, 10);
                if (errno || !*arg || *end || *arg == '-') {
                        log_error("%s: --limit '%s' is no number", a->name, arg);
                        return -EINVAL;
                }
                return 0;
        case OPT_JSON:
                a->output = VMC_OUTPUT_JSON;
                return 0;
        case OPT_TSV:
                a->output = VMC_OUTPUT_TSV;
                return 0;
        case OPT_TABLE:
                a->output = VMC_OUTPUT_TABLE;
                return 0;
        case OPT_NO_INDEX:
                a->no_index = true;
                return 0;
        case OPT_STATS:
                a->stats = true;
                return 0;
        case OPT_REBUILD:
                a->rebuild = true;
                return 0;
        }
        return -ENOENT;
}

#define FLEET_OPTIONS                                                         \
        VMC_SETTINGS_OPTIONS,                                                 \
        { "help", no_argument, NULL, 'h' },                                   \
        { "since", required_argument, NULL, OPT_SINCE },                      \
        { "kernel", required_argument, NULL, OPT_KERNEL },                    \
        { "host", required_argument, NULL, OPT_HOST },                        \
        { "fingerprint", required_argument, NULL, OPT_FINGERPRINT },          \
        { "limit", required_argument, NULL, OPT_LIMIT },                      \
        { "json", no_argument, NULL, OPT_JSON },                              \
        { "tsv", no_argument, NULL, OPT_TSV },                                \
        { "table", no_argument, NULL, OPT_TABLE },                            \
        { "no-index", no_argument, NULL, OPT_NO_INDEX },                      \
        { "stats", no_argument, NULL, OPT_STATS }

static double now_seconds(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* The cost of what was read: for the closing note of a query, and for an
 * operator to see what the index saves. */
static void print_stats(const struct fleet_args *a, struct vmc_store *s, const struct vmc_fleet_source *src,
                        size_t records, size_t shown, const char *what, double t0) {
        if (!a->stats && !isatty(STDERR_FILENO))
                return;
        if (a->no_index)
                fprintf(stderr, "vmcored: %s: %zu %s of %zu crashes; scanned %zu records", a->name, shown, what,
                        records, src->scanned);
        else
                fprintf(stderr, "vmcored: %s: %zu %s of %zu crashes; read %zu index segments and %zu inbox records",
                        a->name, shown, what, records, src->segments, src->inbox);
        fprintf(stderr, "%s, %zu skipped; %" PRIu64 " requests in %.3f s\n",
                src->listing ? "" : " (the store cannot list: the index catalog only)", src->skipped,
                vmc_store_requests(s), now_seconds() - t0);
}

static int load(const struct fleet_args *a, struct vmc_store *s, struct vmc_record_set *set,
                struct vmc_fleet_source *src) {
        struct vmc_fleet_load_options lo = {
                .since = a->filter.since,
                .fingerprint = a->filter.fingerprint,
                .no_index = a->no_index,
        };
        char err[1024] = "";
        int r = vmc_fleet_load(s, &lo, set, src, err, sizeof(err));

        if (r < 0)
                log_error("%s: %s", a->name, *err ? err : strerror(-r));
        return r;
}

static int print_json(json_object *a) {
        const char *text = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                  JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text)
                return -ENOMEM;
        puts(text);
        return 0;
}

static void kernels_cell(const struct vmc_fleet_group *g, char *buf, size_t len) {
        if (g->n_kernels == 0)
                snprintf(buf, len, "-");
        else if (g->n_kernels == 1)
                snprintf(buf, len, "%s", g->kernels[0]);
        else
                snprintf(buf, len, "%s +%zu", g->kernels[g->n_kernels - 1], g->n_kernels - 1);
}

static void issues_cell(json_object *issues, char *buf, size_t len) {
        size_t n = issues ? json_object_array_length(issues) : 0;
        json_object *id;

        if (n == 0 || !json_object_object_get_ex(json_object_array_get_idx(issues, 0), "id", &id))
                snprintf(buf, len, "-");
        else
                snprintf(buf, len, "%s%s", json_object_get_string(id), n > 1 ? " +" : "");
}

static int top_print(const struct fleet_args *a, const struct vmc_fleet_group *g, size_t n) {
        static const char *const headers[] = { "COUNT", "HOSTS", "DUMPS", "FIRST_SEEN", "LAST_SEEN",
                                               "KERNELS", "FINGERPRINT", "KNOWN_ISSUE", "TITLE" };
        enum vmc_output out = vmc_output_resolve(a->output, stdout);
        struct vmc_table *t;
        int r = 0;

        if (out == VMC_OUTPUT_JSON) {
                json_object *arr = json_object_new_array();
                for (size_t i = 0; arr && i < n; i++)
                        json_object_array_add(arr, vmc_fleet_group_json(&g[i]));
                r = arr ? print_json(arr) : -ENOMEM;
                json_object_put(arr);
                return r;
        }
        t = vmc_table_new(ELEMENTSOF(headers), headers);
        if (!t)
                return -ENOMEM;
        for (size_t i = 0; i < n && r >= 0; i++) {
                char count[24], hosts[24], dumps[24], first[32], last[32], kernels[256], issue[160];
                const char *cells[] = { count, hosts, dumps, first, last, kernels, g[i].fingerprint, issue,
                                        g[i].title };
                snprintf(count, sizeof(count), "%zu", g[i].count);
                snprintf(hosts, sizeof(hosts), "%zu", g[i].hosts);
                snprintf(dumps, sizeof(dumps), "%zu", g[i].dumps);
                vmc_format_utc(g[i].first, first);
                vmc_format_utc(g[i].last, last);
                /* A terminal table is read by a person: the day is enough. */
                if (out == VMC_OUTPUT_TABLE) {
                        first[strcspn(first, "T")] = '\0';
                        last[strcspn(last, "T")] = '\0';
                }
                if (out == VMC_OUTPUT_TSV) {
                        /* Every kernel, comma-separated, for scripts. */
                        size_t off = 0;
                        kernels[0] = '\0';
                        for (size_t k = 0; k < g[i].n_kernels && off < sizeof(kernels); k++)
                                off += (size_t) snprintf(kernels + off, sizeof(kernels) - off, "%s%s",
                                                         k ? "," : "", g[i].kernels[k]);
                        if (!g[i].n_kernels)
                                snprintf(kernels, sizeof(kernels), "-");
                } else
                        kernels_cell(&g[i], kernels, sizeof(kernels));
                issues_cell(g[i].known_issues, issue, sizeof(issue));
                r = vmc_table_add(t, cells);
        }
        if (r >= 0)
                r = vmc_table_print(t, out == VMC_OUTPUT_TABLE, stdout);
        vmc_table_free(t);
        return r;
}

static void top_help(void) {
        printf("Usage: vmcored top [OPTIONS]\n"
               "\n"
               "The store's crashes grouped by fingerprint, the most frequent first: count,\n"
               "distinct hosts, dumps stored, first and last seen, kernels, known issue,\n"
               "title. Reads the index (see 'vmcored index') and the records not indexed yet.\n"
               "\n"
               "Options:\n"
               "      --store URL         the store (default: [store] url of the configuration)\n"
               "      --config FILE       the configuration file (default %s)\n"
               "      --credentials FILE  [store] credentials\n"
               "      --since WHEN        crashes since 7d, 12h, 30m, 2w, or a date or UTC time\n"
               "      --kernel GLOB       crashes of matching kernels (6.1.0-*)\n"
               "      --host HOST         crashes of one host (its hashed id)\n"
               "      --limit N           the first N fingerprints (default 20; 0: all)\n"
               "      --json              a JSON array of objects\n"
               "      --tsv               tab-separated values with a header line\n"
               "      --table             an aligned table (the default on a terminal;\n"
               "                          elsewhere TSV)\n"
               "      --no-index          read every crash record instead of the index\n"
               "      --stats             say what was read, in how many requests and how long\n"
               "                          (always on a terminal), on standard error\n"
               "  -h, --help              show this help\n"
               "\n"
               "Exit status: 0 success, 1 the store could not be read, 2 usage error.\n",
               VMC_CONFIG_DEFAULT);
}

int cmd_top(int argc, char **argv) {
        static const struct option options[] = { FLEET_OPTIONS, {} };
        struct fleet_args a = { .name = "top", .filter.since = VMC_TIME_UNKNOWN, .limit = 20 };
        struct vmc_settings st = {};
        struct vmc_store *s = NULL;
        struct vmc_record_set set = {};
        struct vmc_fleet_source src = {};
        struct vmc_fleet_group *g = NULL;
        size_t n = 0, shown;
        double t0 = now_seconds();
        int ret = 1, r;

        if (!vmc_command_setup("top", argc, argv, options, top_help, fleet_option, &a, &st, &ret))
                goto out;
        ret = 1;
        if (vmc_command_open_store(&st, &s) < 0 || load(&a, s, &set, &src) < 0)
                goto out;
        r = vmc_fleet_group(&set, &a.filter, &g, &n);
        if (r < 0) {
                log_error_errno(r, "top: grouping");
                goto out;
        }
        shown = a.limit && a.limit < n ? a.limit : n;
        r = top_print(&a, g, shown);
        if (r < 0) {
                log_error_errno(r, "top: writing the output");
                goto out;
        }
        {
                size_t matched = 0;
                for (size_t i = 0; i < n; i++)
                        matched += g[i].count;
                print_stats(&a, s, &src, matched, shown, "fingerprints", t0);
        }
        ret = 0;
out:
        vmc_fleet_groups_free(g, n);
        vmc_record_set_done(&set);
        vmc_store_close(s);
        vmc_settings_done(&st);
        return ret;
}

static int cmp_newest(const void *a, const void *b) {
        const struct vmc_crash_record *x = *(const struct vmc_crash_record *const *) a,
                                      *y = *(const struct vmc_crash_record *const *) b;
        return -strcmp(x->crash_id, y->crash_id);
}

static void list_help(void) {
        printf("Usage: vmcored list [OPTIONS]\n"
               "\n"
               "The store's crash records, newest first: crash id, time, host, kernel,\n"
               "whether the dump is stored, fingerprint, title.\n"
               "\n"
               "Options:\n"
               "      --store URL         the store (default: [store] url of the configuration)\n"
               "      --config FILE       the configuration file (default %s)\n"
               "      --credentials FILE  [store] credentials\n"
               "      --fingerprint FP    crashes of one fingerprint\n"
               "      --host HOST         crashes of one host (its hashed id)\n"
               "      --since WHEN        crashes since 7d, 12h, 30m, 2w, or a date or UTC time\n"
               "      --kernel GLOB       crashes of matching kernels\n"
               "      --limit N           the newest N crashes (default 0: all)\n"
               "      --json              a JSON array of crash records\n"
               "      --tsv, --table      tab-separated values, or an aligned table (the\n"
               "                          default on a terminal; elsewhere TSV)\n"
               "      --no-index          read every crash record instead of the index\n"
               "      --stats             say what was read, in how many requests and how long\n"
               "  -h, --help              show this help\n"
               "\n"
               "Exit status: 0 success, 1 the store could not be read, 2 usage error.\n",
               VMC_CONFIG_DEFAULT);
}

int cmd_list(int argc, char **argv) {
        static const struct option options[] = { FLEET_OPTIONS, {} };
        static const char *const headers[] = { "CRASH_ID", "CRASH_TIME", "HOST", "KERNEL", "DUMP", "FINGERPRINT",
                                               "TITLE" };
        struct fleet_args a = { .name = "list", .filter.since = VMC_TIME_UNKNOWN };
        struct vmc_settings st = {};
        struct vmc_store *s = NULL;
        struct vmc_record_set set = {};
        struct vmc_fleet_source src = {};
        _cleanup_free_ const struct vmc_crash_record **v = NULL;
        struct vmc_table *t = NULL;
        enum vmc_output out;
        size_t m = 0;
        double t0 = now_seconds();
        int ret = 1, r = 0;

        if (!vmc_command_setup("list", argc, argv, options, list_help, fleet_option, &a, &st, &ret))
                goto out;
        ret = 1;
        if (vmc_command_open_store(&st, &s) < 0 || load(&a, s, &set, &src) < 0)
                goto out;
        v = malloc((set.n + 1) * sizeof(*v));
        if (!v)
                goto out;
        for (size_t i = 0; i < set.n; i++)
                if (vmc_fleet_filter_match(&a.filter, &set.v[i]))
                        v[m++] = &set.v[i];
        qsort(v, m, sizeof(*v), cmp_newest);
        if (a.limit && a.limit < m)
                m = a.limit;
        out = vmc_output_resolve(a.output, stdout);
        if (out == VMC_OUTPUT_JSON) {
                json_object *arr = json_object_new_array();
                for (size_t i = 0; arr && i < m; i++)
                        json_object_array_add(arr, vmc_crash_record_json(v[i]));
                r = arr ? print_json(arr) : -ENOMEM;
                json_object_put(arr);
        } else {
                t = vmc_table_new(ELEMENTSOF(headers), headers);
                r = t ? 0 : -ENOMEM;
                for (size_t i = 0; i < m && r >= 0; i++) {
                        char when[32];
                        const char *cells[] = { v[i]->crash_id, when, v[i]->host, v[i]->kernel,
                                                v[i]->dump ? "yes" : "no", v[i]->fingerprint, v[i]->title };
                        vmc_format_utc(v[i]->time, when);
                        r = vmc_table_add(t, cells);
                }
                if (r >= 0)
                        r = vmc_table_print(t, out == VMC_OUTPUT_TABLE, stdout);
        }
        if (r < 0) {
                log_error_errno(r, "list: writing the output");
                goto out;
        }
        print_stats(&a, s, &src, set.n, m, "crashes", t0);
        ret = 0;
out:
        vmc_table_free(t);
        vmc_record_set_done(&set);
        vmc_store_close(s);
        vmc_settings_done(&st);
        return ret;
}

static void index_help(void) {
        printf("Usage: vmcored index [OPTIONS]\n"
               "\n"
               "Compacts the store's new crash records (v1/inbox/) into per-day index\n"
               "segments (v1/index/), so that 'vmcored top' and 'list' read a few objects\n"
               "instead of one per crash. Run it from a timer, anywhere the store can be\n"
               "listed; several at once lose nothing (docs/store-layout.md).\n"
               "\n"
               "Options:\n"
               "      --store URL         the store (default: [store] url of the configuration)\n"
               "      --config FILE       the configuration file (default %s)\n"
               "      --credentials FILE  [store] credentials\n"
               "      --rebuild           make the index again from every record under\n"
               "                          v1/fingerprints/ (one request per crash)\n"
               "      --json              the result as a JSON object\n"
               "  -h, --help              show this help\n"
               "\n"
               "Exit status: 0 success, 1 the store could not be read or written, 2 usage error.\n",
               VMC_CONFIG_DEFAULT);
}

int cmd_index(int argc, char **argv) {
        static const struct option options[] = {
                VMC_SETTINGS_OPTIONS,
                { "help", no_argument, NULL, 'h' },
                { "rebuild", no_argument, NULL, OPT_REBUILD },
                { "json", no_argument, NULL, OPT_JSON },
                {}
        };
        struct fleet_args a = { .name = "index" };
        struct vmc_settings st = {};
        struct vmc_store *s = NULL;
        struct vmc_index_options io = {};
        struct vmc_index_result res;
        char err[1024] = "";
        double t0 = now_seconds();
        int ret = 1, r;

        if (!vmc_command_setup("index", argc, argv, options, index_help, fleet_option, &a, &st, &ret))
                goto out;
        ret = 1;
        if (vmc_command_open_store(&st, &s) < 0)
                goto out;
        io.rebuild = a.rebuild;
        r = vmc_fleet_index(s, &io, &res, err, sizeof(err));
        if (r < 0) {
                log_error("index: %s", *err ? err : strerror(-r));
                goto out;
        }
        if (a.output == VMC_OUTPUT_JSON)
                printf("{\"indexed\": %zu, \"days\": %zu, \"segments_written\": %zu, \"segments_removed\": %zu, "
                       "\"inbox_removed\": %zu, \"records\": %zu, \"requests\": %" PRIu64 ", \"seconds\": %.3f}\n",
                       res.indexed, res.days, res.segments_written, res.segments_removed, res.inbox_removed,
                       res.records, vmc_store_requests(s), now_seconds() - t0);
        else
                printf("%s: %zu new record%s indexed; %zu day%s written (%zu crashes), %zu old segment%s and %zu "
                       "inbox record%s removed; %" PRIu64 " requests in %.3f s\n",
                       vmc_store_name(s), res.indexed, res.indexed == 1 ? "" : "s", res.days,
                       res.days == 1 ? "" : "s", res.records, res.segments_removed,
                       res.segments_removed == 1 ? "" : "s", res.inbox_removed, res.inbox_removed == 1 ? "" : "s",
                       vmc_store_requests(s), now_seconds() - t0);
        ret = 0;
out:
        vmc_store_close(s);
        vmc_settings_done(&st);
        return ret;
}
