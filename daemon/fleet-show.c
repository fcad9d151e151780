/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vmcored show: one crash's report from the store, for a person; or a
 * fingerprint's summary, its crashes, and its newest report. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "fleet-index.h"
#include "fleet-query.h"
#include "layout.h"
#include "log.h"
#include "util.h"

#define REPORT_MAX (64u << 20)

enum {
        OPT_JSON = 0x200,
        OPT_ALL,
        OPT_NO_INDEX,
        OPT_LIMIT,
};

struct show_args {
        bool json, all, no_index;
        size_t limit;
};

static json_object *member(json_object *o, const char *name) {
        json_object *v;
        return o && json_object_object_get_ex(o, name, &v) ? v : NULL;
}

static const char *str(json_object *o, const char *name) {
        json_object *v = member(o, name);
        return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static void field(const char *label, const char *value) {
        if (value && *value)
                printf("  %-13s %s\n", label, value);
}

/* "lkdtm_BUG+0x5/0x10 [lkdtm]" from a frame object. */
static void frame_text(json_object *f, char *buf, size_t len) {
        json_object *off = member(f, "offset"), *size = member(f, "size");
        const char *fn = str(f, "function"), *mod = str(f, "module"), *addr = str(f, "address");
        int n;

        if (!fn) {
                snprintf(buf, len, "%s", addr ? addr : "?");
                return;
        }
        n = snprintf(buf, len, "%s", fn);
        if (off && size && n >= 0 && (size_t) n < len)
                n += snprintf(buf + n, len - (size_t) n, "+0x%" PRIx64 "/0x%" PRIx64,
                              (uint64_t) json_object_get_int64(off), (uint64_t) json_object_get_int64(size));
        if (mod && n >= 0 && (size_t) n < len)
                snprintf(buf + n, len - (size_t) n, " [%s]", mod);
}

static void print_size(uint64_t n, char *buf, size_t len) {
        if (n >= (10u << 20))
                snprintf(buf, len, "%.1f MiB", (double) n / (1 << 20));
        else if (n >= (10u << 10))
                snprintf(buf, len, "%.1f KiB", (double) n / (1 << 10));
        else
                snprintf(buf, len, "%" PRIu64 " bytes", n);
}

static void print_report(const char *crash_id, json_object *rep, json_object *manifest, const char *host) {
        json_object *kernel = member(rep, "kernel"), *dump = member(rep, "dump"), *gf = member(rep, "guilty_frame"),
                    *events = member(rep, "events"), *fatal = member(rep, "fatal_event"),
                    *title_ev = member(rep, "title_event"), *ev = NULL, *v;
        char buf[512];

        printf("%s\n", str(rep, "title") ?: "(no crash found in the log)");
        field("crash", crash_id);
        field("fingerprint", str(rep, "fingerprint"));
        field("time", str(dump, "crash_time_utc"));
        if (kernel) {
                snprintf(buf, sizeof(buf), "%s%s%s%s%s", str(kernel, "release") ?: "?",
                         str(kernel, "build") ? " " : "", str(kernel, "build") ?: "", str(kernel, "arch") ? " " : "",
                         str(kernel, "arch") ?: "");
                field("kernel", buf);
                field("taint", str(kernel, "taint"));
                field("hardware", str(kernel, "hardware"));
        }
        field("host", host);
        if (gf && str(gf, "function")) {
                snprintf(buf, sizeof(buf), "%s%s%s%s", str(gf, "function"), str(gf, "module") ? " [" : "",
                         str(gf, "module") ?: "", str(gf, "module") ? "]" : "");
                field("guilty frame", buf);
        }
        field("panic", str(rep, "panic_message"));
        if ((v = member(rep, "hardware_error")) && json_object_get_boolean(v))
                field("hardware", "the crash is a hardware error");
        if ((v = member(rep, "corrupted")) && json_object_get_boolean(v))
                field("corrupted", str(rep, "corrupted_reason") ?: "yes");

        v = member(rep, "known_issues");
        if (v && json_object_array_length(v) > 0) {
                printf("\nKnown issues:\n");
                for (size_t i = 0; i < json_object_array_length(v); i++) {
                        json_object *k = json_object_array_get_idx(v, i);
                        printf("  %s: %s\n", str(k, "id") ?: "?", str(k, "summary") ?: "");
                        if (str(k, "url"))
                                printf("    %s\n", str(k, "url"));
                }
        }
        v = member(rep, "hints");
        if (v && json_object_array_length(v) > 0) {
                printf("\nHints:\n");
                for (size_t i = 0; i < json_object_array_length(v); i++) {
                        json_object *h = json_object_array_get_idx(v, i);
                        printf("  [%s] %s: %s\n", str(h, "severity") ?: "info", str(h, "analyzer") ?: "?",
                               str(h, "message") ?: "");
                }
        }
        /* The event the title is about: the fatal one, else the title's. */
        if (events && json_object_is_type(events, json_type_array)) {
                json_object *idx = fatal && !json_object_is_type(fatal, json_type_null) ? fatal : title_ev;
                if (idx && json_object_is_type(idx, json_type_int))
                        ev = json_object_array_get_idx(events, (size_t) json_object_get_int(idx));
        }
        if (ev) {
                json_object *frames = member(ev, "frames"), *rip = member(ev, "rip");
                printf("\n%s\n", str(ev, "header") ?: str(ev, "title") ?: "Crash");
                if ((v = member(ev, "cpu")) && !json_object_is_type(v, json_type_null)) {
                        snprintf(buf, sizeof(buf), "CPU %d, PID %d (%s)", json_object_get_int(v),
                                 json_object_get_int(member(ev, "pid")), str(ev, "comm") ?: "?");
                        field("where", buf);
                }
                field("location", str(ev, "location"));
                if (rip && json_object_is_type(rip, json_type_object)) {
                        frame_text(rip, buf, sizeof(buf));
                        field("ip", buf);
                }
                if (frames && json_object_array_length(frames) > 0) {
                        printf("  Call trace:\n");
                        for (size_t i = 0; i < json_object_array_length(frames); i++) {
                                json_object *f = json_object_array_get_idx(frames, i), *rel = member(f, "reliable");
                                frame_text(f, buf, sizeof(buf));
                                printf("    %s%s\n", rel && !json_object_get_boolean(rel) ? "? " : "", buf);
                        }
                }
        }
        if (manifest) {
                json_object *files = member(manifest, "files"), *d = member(manifest, "dump");
                printf("\nIn the store:\n");
                json_object_object_foreach(files, name, f) {
                        char size[32];
                        print_size((uint64_t) json_object_get_int64(member(f, "size")), size, sizeof(size));
                        printf("  %-12s %10s  sha256 %.16s...\n", name, size, str(f, "sha256") ?: "?");
                }
                if (d && json_object_is_type(d, json_type_object)) {
                        json_object *lvl = member(d, "dump_level");
                        snprintf(buf, sizeof(buf), "%s", str(d, "format") ?: "?");
                        if (lvl && !json_object_is_type(lvl, json_type_null))
                                snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ", dump level %d, %s",
                                         json_object_get_int(lvl), str(d, "compression") ?: "?");
                        field("dump", buf);
                } else
                        field("dump", "not stored");
                field("lost", str(manifest, "lost"));
        } else
                printf("\nIn the store: no MANIFEST.json: the upload is not complete (cut short, or still "
                       "going on)\n");
}

static int get_json(struct vmc_store *s, const char *key, json_object **ret) {
        _cleanup_free_ char *data = NULL;
        char err[1024] = "";
        size_t len;
        int r = vmc_store_get(s, key, REPORT_MAX, &data, &len, err, sizeof(err));

        if (r == -ENOENT)
                return r;
        if (r < 0) {
                log_error("show: %s", *err ? err : strerror(-r));
                return r;
        }
        *ret = json_tokener_parse(data);
        if (!*ret) {
                log_error("show: %s: %s is not valid JSON", vmc_store_name(s), key);
                return -EBADMSG;
        }
        return 0;
}

/* 0 shown, -ENOENT no such crash (not said), else said. */
static int show_crash(struct vmc_store *s, const char *id, const char *host, const struct show_args *a) {
        _cleanup_free_ char *rkey = vmc_key_crash(id, "report.json"), *mkey = vmc_key_crash(id, "MANIFEST.json");
        json_object *rep = NULL, *man = NULL;
        int r;

        if (!rkey || !mkey)
                return -ENOMEM;
        r = get_json(s, rkey, &rep);
        if (r < 0)
                return r;
        r = get_json(s, mkey, &man);
        if (r < 0 && r != -ENOENT) {
                json_object_put(rep);
                return r;
        }
        if (a->json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "crash_id", json_object_new_string(id));
                json_object_object_add(o, "report", rep);
                json_object_object_add(o, "manifest", man);
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(o);
                return 0;
        }
        print_report(id, rep, man, host);
        json_object_put(rep);
        json_object_put(man);
        return 0;
}

static int cmp_newest(const void *a, const void *b) {
        const struct vmc_crash_record *x = *(const struct vmc_crash_record *const *) a,
                                      *y = *(const struct vmc_crash_record *const *) b;
        return -strcmp(x->crash_id, y->crash_id);
}

static int show_fingerprint(struct vmc_store *s, const char *fp, const struct show_args *a) {
        struct vmc_fleet_load_options lo = { .since = VMC_TIME_UNKNOWN, .fingerprint = fp, .no_index = a->no_index };
        struct vmc_fleet_filter f = { .since = VMC_TIME_UNKNOWN, .fingerprint = fp };
        struct vmc_record_set set = {};
        struct vmc_fleet_source src;
        struct vmc_fleet_group *g = NULL;
        _cleanup_free_ const struct vmc_crash_record **v = NULL;
        char err[1024] = "", first[32], last[32];
        size_t n = 0, m = 0, shown = 0;
        int r = vmc_fleet_load(s, &lo, &set, &src, err, sizeof(err));

        if (r < 0) {
                log_error("show: %s", *err ? err : strerror(-r));
                goto out;
        }
        r = vmc_fleet_group(&set, &f, &g, &n);
        if (r < 0)
                goto out;
        if (n == 0) {
                log_error("show: %s: no crash with fingerprint %s", vmc_store_name(s), fp);
                r = -ENOENT;
                goto out;
        }
        v = malloc(g[0].count * sizeof(*v));
        if (!v) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < set.n; i++)
                if (vmc_fleet_filter_match(&f, &set.v[i]))
                        v[m++] = &set.v[i];
        qsort(v, m, sizeof(*v), cmp_newest);
        if (a->json) {
                json_object *o = json_object_new_object(), *crashes = json_object_new_array();
                json_object_object_add(o, "summary", vmc_fleet_group_json(&g[0]));
                for (size_t i = 0; i < m; i++)
                        json_object_array_add(crashes, vmc_crash_record_json(v[i]));
                json_object_object_add(o, "crashes", crashes);
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(o);
                goto out;
        }
        vmc_format_utc(g[0].first, first);
        vmc_format_utc(g[0].last, last);
        printf("%s\n", g[0].title ?: "?");
        field("fingerprint", fp);
        printf("  %-13s %zu on %zu host%s, %zu with a dump\n", "crashes", g[0].count, g[0].hosts,
               g[0].hosts == 1 ? "" : "s", g[0].dumps);
        field("first seen", first);
        field("last seen", last);
        for (size_t i = 0; i < g[0].n_kernels; i++)
                field(i ? "" : "kernels", g[0].kernels[i]);
        for (size_t i = 0; i < json_object_array_length(g[0].known_issues); i++) {
                json_object *k = json_object_array_get_idx(g[0].known_issues, i);
                char buf[1024];
                snprintf(buf, sizeof(buf), "%s: %s", str(k, "id") ?: "?", str(k, "summary") ?: "");
                field(i ? "" : "known issue", buf);
        }
        printf("\nCrashes (newest first%s):\n", m > 10 ? ", 10 shown" : "");
        for (size_t i = 0; i < m && i < 10; i++) {
                char when[32];
                vmc_format_utc(v[i]->time, when);
                printf("  %s  %s  host %s  %s%s\n", v[i]->crash_id, when, v[i]->host ?: "-", v[i]->kernel ?: "-",
                       v[i]->dump ? "  dump" : "");
        }
        /* The newest report (every one with --all), from the newest crash
         * whose report is there. */
        for (size_t i = 0; i < m && (a->all ? (!a->limit || shown < a->limit) : shown == 0); i++) {
                printf("\n");
                r = show_crash(s, v[i]->crash_id, v[i]->host, a);
                if (r == -ENOENT) {
                        printf("%s: its report is not in the store (yet)\n", v[i]->crash_id);
                        r = 0;
                        continue;
                }
                if (r < 0)
                        goto out;
                shown++;
        }
out:
        vmc_fleet_groups_free(g, n);
        vmc_record_set_done(&set);
        return r;
}

static int show_option(int opt, const char *arg, void *userdata) {
        struct show_args *a = userdata;
        char *end;

        switch (opt) {
        case OPT_JSON:
                a->json = true;
                return 0;
        case OPT_ALL:
                a->all = true;
                return 0;
        case OPT_NO_INDEX:
                a->no_index = true;
                return 0;
        case OPT_LIMIT:
                errno = 0;
                a->limit = strtoul(arg, &end, 10);
                if (errno || !*arg || *end || *arg == '-') {
                        log_error("show: --limit '%s' is no number", arg);
                        return -EINVAL;
                }
                return 0;
        }
        return -ENOENT;
}

static void help(void) {
        printf("Usage: vmcored show [OPTIONS] CRASH_ID|FINGERPRINT\n"
               "\n"
               "A crash's report from the store, for a person: title, kernel, known issues,\n"
               "hints, the crash's call trace, and what the store holds of it. For a\n"
               "fingerprint: how often, where and since when it crashed, its crashes, and\n"
               "the newest report.\n"
               "\n"
               "Options:\n"
               "      --store URL         the store (default: [store] url of the configuration)\n"
               "      --config FILE       the configuration file (default %s)\n"
               "      --credentials FILE  [store] credentials\n"
               "      --all               a fingerprint: every crash's report, newest first\n"
               "      --limit N           with --all: at most N reports\n"
               "      --json              the report and MANIFEST.json as stored (a crash), or\n"
               "                          the summary and the crash records (a fingerprint)\n"
               "      --no-index          a fingerprint: read its records, not the index\n"
               "  -h, --help              show this help\n"
               "\n"
               "Exit status: 0 success, 1 not in the store or unreadable, 2 usage error.\n",
               VMC_CONFIG_DEFAULT);
}

int cmd_show(int argc, char **argv) {
        static const struct option options[] = {
                VMC_SETTINGS_OPTIONS,
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, OPT_JSON },
                { "all", no_argument, NULL, OPT_ALL },
                { "limit", required_argument, NULL, OPT_LIMIT },
                { "no-index", no_argument, NULL, OPT_NO_INDEX },
                {}
        };
        struct show_args a = {};
        struct vmc_settings st = {};
        struct vmc_store *s = NULL;
        char **args;
        size_t n_args;
        int ret = 1, r;

        if (!vmc_command_setup_args("show", argc, argv, options, help, show_option, &a, 1, 1, &args, &n_args, &st,
                                    &ret))
                goto out;
        ret = 1;
        if (!vmc_crash_id_valid(args[0]) && !vmc_fingerprint_valid(args[0])) {
                log_error("show: '%s' is neither a crash id (20261122T051126Z-4e79dc8b1666) nor a fingerprint "
                          "(fp1-...)", args[0]);
                ret = EXIT_USAGE;
                goto out;
        }
        if (vmc_command_open_store(&st, &s) < 0)
                goto out;
        if (vmc_crash_id_valid(args[0])) {
                r = show_crash(s, args[0], NULL, &a);
                if (r == -ENOENT)
                        log_error("show: %s: no crash %s (no v1/crashes/%s/report.json)", vmc_store_name(s),
                                  args[0], args[0]);
        } else
                r = show_fingerprint(s, args[0], &a);
        if (r >= 0)
                ret = 0;
out:
        vmc_store_close(s);
        vmc_settings_done(&st);
        return ret;
}
