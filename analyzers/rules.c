/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "report.h"
#include "rules.h"
#include "strbuf.h"
#include "vmcore.h"
#include "util.h"

#define RULES_MAX_LINE 4096
#define RULE_MAX_CONDS 64
#define KERNEL_MAX_CONSTRAINTS 4

enum cond_key {
        COND_TITLE,
        COND_EVENT,
        COND_FINGERPRINT,
        COND_FUNCTION,
        COND_MODULE,
        COND_HINT,
        COND_KERNEL,
        COND_ARCH,
        COND_TAINT,
        COND_HARDWARE,
        _COND_MAX,
};

static const char *const cond_names[_COND_MAX] = {
        [COND_TITLE] = "title",       [COND_EVENT] = "event", [COND_FINGERPRINT] = "fingerprint",
        [COND_FUNCTION] = "function", [COND_MODULE] = "module", [COND_HINT] = "hint",
        [COND_KERNEL] = "kernel",     [COND_ARCH] = "arch",   [COND_TAINT] = "taint",
        [COND_HARDWARE] = "hardware",
};

struct constraint {
        char op[3];             /* ">=", ">", "<=", "<", "=" */
        char version[64];
};

struct cond {
        enum cond_key key;
        char *value;
        struct constraint kernel[KERNEL_MAX_CONSTRAINTS];
        unsigned n_kernel;
};

struct rule {
        char *id, *summary, *url, *file;
        unsigned line;
        int priority;
        bool disabled;
        struct cond conds[RULE_MAX_CONDS];
        unsigned n_conds;
        unsigned order;
};

struct rules {
        struct rule **v;
        size_t n;
        unsigned next_order;
};

static void rule_free(struct rule *r) {
        if (!r)
                return;
        free(r->id);
        free(r->summary);
        free(r->url);
        free(r->file);
        for (unsigned i = 0; i < r->n_conds; i++)
                free(r->conds[i].value);
        free(r);
}

int rules_new(struct rules **ret) {
        *ret = calloc(1, sizeof(**ret));
        return *ret ? 0 : -ENOMEM;
}

void rules_free(struct rules *rs) {
        if (!rs)
                return;
        for (size_t i = 0; i < rs->n; i++)
                rule_free(rs->v[i]);
        free(rs->v);
        free(rs);
}

size_t rules_count(const struct rules *rs) {
        size_t n = 0;
        for (size_t i = 0; i < rs->n; i++)
                n += !rs->v[i]->disabled;
        return n;
}

/* ---- versions ---- */

int kernel_release_cmp(const char *a, const char *b) {
        /* Numbers compared as numbers, anything else skipped: "6.1.0-56-amd64"
         * is 6, 1, 0, 56. A missing part counts as 0. */
        for (;;) {
                unsigned long x = 0, y = 0;
                bool hx, hy;

                while (*a && !isdigit((unsigned char) *a))
                        a++;
                while (*b && !isdigit((unsigned char) *b))
                        b++;
                hx = *a != '\0';
                hy = *b != '\0';
                if (!hx && !hy)
                        return 0;
                if (hx)
                        x = strtoul(a, (char **) &a, 10);
                if (hy)
                        y = strtoul(b, (char **) &b, 10);
                if (x != y)
                        return x < y ? -1 : 1;
        }
}

static bool version_ok(const char *s) {
        if (!isdigit((unsigned char) *s))
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char) *s) && *s != '.' && *s != '-' && *s != '_' && *s != '+')
                        return false;
        return true;
}

/* ">= 4.14, < 5.0" or "4.19" (exactly that release's numbers). */
static int parse_kernel(const char *v, struct cond *c, char *why, size_t len) {
        const char *p = v;

        while (*p) {
                struct constraint *k;
                size_t n = 0;

                while (*p == ' ' || *p == '\t' || *p == ',')
                        p++;
                if (!*p)
                        break;
                if (c->n_kernel >= KERNEL_MAX_CONSTRAINTS)
                        return set_error(-EINVAL, why, len, "more than %d version constraints", KERNEL_MAX_CONSTRAINTS);
                k = &c->kernel[c->n_kernel];
                if (p[0] == '>' || p[0] == '<') {
                        k->op[0] = p[0];
                        k->op[1] = p[1] == '=' ? '=' : '\0';
                        k->op[2] = '\0';
                        p += p[1] == '=' ? 2 : 1;
                } else if (p[0] == '=') {
                        strcpy(k->op, "=");
                        p += p[1] == '=' ? 2 : 1;
                } else
                        strcpy(k->op, "=");
                while (*p == ' ' || *p == '\t')
                        p++;
                while (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != ',')
                        n++;
                if (n == 0 || n >= sizeof(k->version))
                        return set_error(-EINVAL, why, len, "a version constraint lacks its version");
                memcpy(k->version, p, n);
                k->version[n] = '\0';
                if (!version_ok(k->version))
                        return set_error(-EINVAL, why, len, "\"%s\" is not a kernel version", k->version);
                p += n;
                c->n_kernel++;
        }
        if (c->n_kernel == 0)
                return set_error(-EINVAL, why, len, "kernel needs a version or a range such as \">= 5.10, < 6.1\"");
        return 0;
}

static bool kernel_matches(const struct cond *c, const char *release) {
        if (!release)
                return false;
        for (unsigned i = 0; i < c->n_kernel; i++) {
                const struct constraint *k = &c->kernel[i];
                int d = kernel_release_cmp(release, k->version);
                bool ok;

                if (strcmp(k->op, "=") == 0) {
                        /* "6.1" covers 6.1.x: compare as many parts as given. */
                        size_t dots = 0;
                        const char *r = release;
                        char prefix[64];
                        size_t n = 0;
                        for (const char *p = k->version; *p; p++)
                                dots += *p == '.';
                        while (r[n] && n < sizeof(prefix) - 1) {
                                if (r[n] == '.' && dots-- == 0)
                                        break;
                                if (!isdigit((unsigned char) r[n]) && r[n] != '.')
                                        break;
                                n++;
                        }
                        memcpy(prefix, r, n);
                        prefix[n] = '\0';
                        ok = kernel_release_cmp(prefix, k->version) == 0;
                } else if (strcmp(k->op, ">=") == 0)
                        ok = d >= 0;
                else if (strcmp(k->op, ">") == 0)
                        ok = d > 0;
                else if (strcmp(k->op, "<=") == 0)
                        ok = d <= 0;
                else
                        ok = d < 0;
                if (!ok)
                        return false;
        }
        return true;
}

/* ---- parsing ---- */

static char *strip(char *s) {
        char *e;

        while (*s == ' ' || *s == '\t')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
                *--e = '\0';
        return s;
}

static bool id_ok(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char) *s) && *s != '-' && *s != '_' && *s != '.')
                        return false;
        return true;
}

static int parse_bool(const char *v, bool *ret) {
        if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
                *ret = true;
        else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off"))
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

static const char *canonical_arch(const char *a) {
        if (!strcmp(a, "amd64"))
                return "x86_64";
        if (!strcmp(a, "aarch64"))
                return "arm64";
        return a;
}

/* A finished rule must say what it is and what it matches. */
static int rule_check(const struct rule *r, char *why, size_t len) {
        if (!r->summary)
                return set_error(-EINVAL, why, len, "rule [%s] has no summary", r->id);
        if (r->n_conds == 0 && !r->disabled)
                return set_error(-EINVAL, why, len, "rule [%s] states no condition: it would match every crash", r->id);
        return 0;
}

static int add_rule(struct rules *rs, struct rule *r) {
        /* A later rule with the same id replaces the earlier one, in its
         * place (an override edits a rule, it does not demote it). */
        for (size_t i = 0; i < rs->n; i++)
                if (strcmp(rs->v[i]->id, r->id) == 0) {
                        r->order = rs->v[i]->order;
                        rule_free(rs->v[i]);
                        rs->v[i] = r;
                        return 0;
                }
        struct rule **v = reallocarray(rs->v, rs->n + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        rs->v = v;
        rs->v[rs->n++] = r;
        return 0;
}

static int set_line_error(int r, char *errbuf, size_t errlen, const char *path, unsigned line, const char *why) {
        return set_error(r, errbuf, errlen, "%s:%u: %s", path, line, why);
}

int rules_load_file(struct rules *rs, const char *path, char *errbuf, size_t errlen) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        struct rule *cur = NULL, **got = NULL;
        size_t n_got = 0;
        char buf[RULES_MAX_LINE], why[256] = "";
        unsigned lineno = 0;
        int r = 0;

        if (!f)
                return set_error(-errno, errbuf, errlen, "%s: %s", path, strerror(errno));
        while (fgets(buf, sizeof(buf), f)) {
                char *s, *eq, *key, *val;

                lineno++;
                if (!strchr(buf, '\n') && !feof(f)) {
                        r = set_error(-EINVAL, why, sizeof(why), "line longer than %d bytes", RULES_MAX_LINE - 1);
                        break;
                }
                s = strip(buf);
                if (*s == '\0' || *s == '#' || *s == ';')
                        continue;
                if (*s == '[') {
                        char *end = strchr(s, ']');
                        struct rule **v;

                        if (cur && (r = rule_check(cur, why, sizeof(why))) < 0) {
                                lineno = cur->line;
                                break;
                        }
                        if (!end || strip(end + 1)[0] != '\0') {
                                r = set_error(-EINVAL, why, sizeof(why), "%s", !end ? "a rule header needs its closing ]"
                                                                     : "nothing may follow a rule header [id]");
                                break;
                        }
                        *end = '\0';
                        s = strip(s + 1);
                        if (!id_ok(s)) {
                                r = set_error(-EINVAL, why, sizeof(why), "\"%s\" is no rule id (letters, digits, - _ .)", s);
                                break;
                        }
                        for (size_t i = 0; i < n_got; i++)
                                if (strcmp(got[i]->id, s) == 0) {
                                        r = set_error(-EINVAL, why, sizeof(why), "rule [%s] is defined twice in this file (first on line %u)",
                                                 s, got[i]->line);
                                }
                        if (r < 0)
                                break;
                        cur = calloc(1, sizeof(*cur));
                        v = reallocarray(got, n_got + 1, sizeof(*got));
                        if (!cur || !v || !(cur->id = strdup(s)) || !(cur->file = strdup(path))) {
                                if (v)
                                        got = v;
                                rule_free(cur);
                                cur = NULL;
                                r = -ENOMEM;
                                break;
                        }
                        got = v;
                        got[n_got++] = cur;
                        cur->line = lineno;
                        continue;
                }
                eq = strchr(s, '=');
                if (!eq) {
                        r = set_error(-EINVAL, why, sizeof(why), "expected \"key = value\" or \"[id]\"");
                        break;
                }
                *eq = '\0';
                key = strip(s);
                val = strip(eq + 1);
                if (!cur) {
                        r = set_error(-EINVAL, why, sizeof(why), "\"%s\" comes before any [id] rule header", key);
                        break;
                }
                if (*val == '\0') {
                        r = set_error(-EINVAL, why, sizeof(why), "%s has no value", key);
                        break;
                }
                if (!strcmp(key, "summary") || !strcmp(key, "url")) {
                        char **dst = key[0] == 's' ? &cur->summary : &cur->url;
                        if (*dst) {
                                r = set_error(-EINVAL, why, sizeof(why), "%s is given twice", key);
                                break;
                        }
                        if (!(*dst = strdup(val))) {
                                r = -ENOMEM;
                                break;
                        }
                        continue;
                }
                if (!strcmp(key, "priority")) {
                        char *end;
                        long p;
                        errno = 0;
                        p = strtol(val, &end, 10);
                        if (errno || *end || p < -1000 || p > 1000) {
                                r = set_error(-EINVAL, why, sizeof(why), "priority must be a number from -1000 to 1000");
                                break;
                        }
                        cur->priority = (int) p;
                        continue;
                }
                if (!strcmp(key, "disabled")) {
                        if (parse_bool(val, &cur->disabled) < 0) {
                                r = set_error(-EINVAL, why, sizeof(why), "disabled must be yes or no");
                                break;
                        }
                        continue;
                }
                enum cond_key k = _COND_MAX;
                for (unsigned i = 0; i < _COND_MAX; i++)
                        if (!strcmp(key, cond_names[i]))
                                k = (enum cond_key) i;
                if (k == _COND_MAX) {
                        r = set_error(-EINVAL, why, sizeof(why),
                                      "unknown key \"%s\" (summary, url, priority, disabled, title, event, "
                                      "fingerprint, function, module, hint, kernel, arch, taint, hardware)",
                                      key);
                        break;
                }
                if (cur->n_conds >= RULE_MAX_CONDS) {
                        r = set_error(-EINVAL, why, sizeof(why), "more than %d conditions", RULE_MAX_CONDS);
                        break;
                }
                struct cond *c = &cur->conds[cur->n_conds];
                *c = (struct cond) { .key = k };
                if (k == COND_KERNEL && parse_kernel(val, c, why, sizeof(why)) < 0) {
                        r = -EINVAL;
                        break;
                }
                if (k == COND_HARDWARE) {
                        bool b;
                        if (parse_bool(val, &b) < 0) {
                                r = set_error(-EINVAL, why, sizeof(why), "hardware must be yes or no");
                                break;
                        }
                        val = b ? "yes" : "no";
                }
                if (k == COND_TAINT)
                        for (const char *p = val; *p; p++)
                                if (!isupper((unsigned char) *p)) {
                                        r = set_error(-EINVAL, why, sizeof(why), "taint is a set of flag letters, such as OE");
                                }
                if (r < 0)
                        break;
                if (k == COND_ARCH)
                        val = (char *) canonical_arch(val);
                if (!(c->value = strdup(val))) {
                        r = -ENOMEM;
                        break;
                }
                cur->n_conds++;
        }
        if (r >= 0 && ferror(f)) {
                r = set_error(-EIO, why, sizeof(why), "read error");
        }
        if (r >= 0 && cur && (r = rule_check(cur, why, sizeof(why))) < 0)
                lineno = cur->line;
        if (r >= 0)
                for (size_t i = 0; i < n_got; i++) {
                        got[i]->order = rs->next_order++;
                        r = add_rule(rs, got[i]);
                        if (r < 0) {
                                for (size_t j = i; j < n_got; j++)
                                        rule_free(got[j]);
                                break;
                        }
                }
        else
                for (size_t i = 0; i < n_got; i++)
                        rule_free(got[i]);
        free(got);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return set_line_error(-EBADMSG, errbuf, errlen, path, lineno, why);
        return 0;
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int rules_load_dir(struct rules *rs, const char *dir, char *errbuf, size_t errlen) {
        DIR *d = opendir(dir);
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        int r = 0;

        if (!d)
                return set_error(-errno, errbuf, errlen, "%s: %s", dir, strerror(errno));
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);
                char **v;
                if (de->d_name[0] == '.' || l < 7 || strcmp(de->d_name + l - 6, ".rules") != 0)
                        continue;
                v = reallocarray(names, n + 1, sizeof(*names));
                if (!v || !(v[n] = strdup(de->d_name))) {
                        if (v)
                                names = v;
                        r = -ENOMEM;
                        break;
                }
                names = v;
                n++;
        }
        closedir(d);
        if (r >= 0)
                qsort(names, n, sizeof(*names), name_cmp);
        /* A bad file is left out and reported; the others still load. */
        for (size_t i = 0; i < n && r != -ENOMEM; i++) {
                _cleanup_free_ char *path = NULL;
                char e[512];
                int k;
                if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
                        path = NULL;
                        r = -ENOMEM;
                        break;
                }
                k = rules_load_file(rs, path, e, sizeof(e));
                if (k < 0 && r >= 0) {
                        r = k;
                        snprintf(errbuf, errlen, "%s", e);
                }
        }
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return r;
}

/* ---- matching ---- */

static bool glob(const char *pattern, const char *s) {
        return s && fnmatch(pattern, s, 0) == 0;
}

static bool frame_matches(const char *pattern, const struct frame *f, bool module) {
        _cleanup_free_ char *base = NULL;

        if (module)
                return glob(pattern, f->module);
        if (!f->function)
                return false;
        if (glob(pattern, f->function))
                return true;
        base = frame_canonical_name(f->function);
        return glob(pattern, base);
}

static bool stack_matches(const char *pattern, const struct oops_event *e, bool module) {
        if (!e)
                return false;
        if (e->has_rip && frame_matches(pattern, &e->rip, module))
                return true;
        for (size_t i = 0; i < e->n_frames; i++)
                if (e->frames[i].reliable && frame_matches(pattern, &e->frames[i], module))
                        return true;
        return false;
}

static bool cond_holds(const struct cond *c, const struct vmc_report *r) {
        const struct oops_event *e = vmc_report_crash_event(r);
        const char *title = r->title_event >= 0 ? r->events[r->title_event].title : NULL;

        switch (c->key) {
        case COND_TITLE:
                return glob(c->value, title);
        case COND_EVENT:
                for (size_t i = 0; i < r->n_events; i++)
                        if (glob(c->value, r->events[i].title))
                                return true;
                return false;
        case COND_FINGERPRINT:
                return glob(c->value, r->fingerprint);
        case COND_FUNCTION:
                return (e && glob(c->value, e->frame)) || stack_matches(c->value, e, false);
        case COND_MODULE:
                return stack_matches(c->value, e, true);
        case COND_HINT:
                return hints_find(&r->hints, c->value) != NULL;
        case COND_KERNEL: {
                const char *rel = e && e->release ? e->release : NULL;
                for (size_t i = 0; !rel && i < r->n_events; i++)
                        rel = r->events[i].release;
                if (!rel && r->vmcore)
                        rel = r->vmcore->osrelease;
                return kernel_matches(c, rel);
        }
        case COND_ARCH: {
                const char *a = vmc_report_arch(r);
                if (r->vmcore && r->vmcore->info.arch)
                        a = r->vmcore->info.arch;
                return a && strcmp(canonical_arch(a), c->value) == 0;
        }
        case COND_TAINT: {
                const char *t = e ? e->taint : NULL;
                if (!t)
                        return false;
                for (const char *p = c->value; *p; p++)
                        if (!strchr(t, *p))
                                return false;
                return true;
        }
        case COND_HARDWARE:
                return r->hardware_error == (strcmp(c->value, "yes") == 0);
        default:
                return false;
        }
}

/* Every key the rule states holds for one of its values. */
static bool rule_matches(const struct rule *ru, const struct vmc_report *r, struct strbuf *why) {
        bool seen[_COND_MAX] = {}, held[_COND_MAX] = {};

        for (unsigned i = 0; i < ru->n_conds; i++) {
                const struct cond *c = &ru->conds[i];
                seen[c->key] = true;
                if (!held[c->key] && cond_holds(c, r)) {
                        held[c->key] = true;
                        if (strbuf_printf(why, "%s%s=%s", why->len ? ", " : "", cond_names[c->key], c->value) < 0)
                                return false;
                }
        }
        for (unsigned k = 0; k < _COND_MAX; k++)
                if (seen[k] && !held[k])
                        return false;
        return true;
}

struct ranked {
        const struct rule *rule;
        char *why;
        unsigned specificity;
};

static int ranked_cmp(const void *a, const void *b) {
        const struct ranked *x = a, *y = b;
        if (x->rule->priority != y->rule->priority)
                return x->rule->priority > y->rule->priority ? -1 : 1;
        if (x->specificity != y->specificity)
                return x->specificity > y->specificity ? -1 : 1;
        return x->rule->order < y->rule->order ? -1 : 1;
}

int rules_match(const struct rules *rs, const struct vmc_report *r, struct known_issue **ret, size_t *n_ret) {
        struct ranked *hits = NULL;
        struct known_issue *out = NULL;
        size_t n = 0;
        int k = 0;

        *ret = NULL;
        *n_ret = 0;
        if (rs->n == 0)
                return 0;
        hits = calloc(rs->n, sizeof(*hits));
        if (!hits)
                return -ENOMEM;
        for (size_t i = 0; i < rs->n; i++) {
                struct strbuf why = STRBUF_INIT;
                const struct rule *ru = rs->v[i];
                bool seen[_COND_MAX] = {};
                unsigned spec = 0;

                if (ru->disabled)
                        continue;
                if (!rule_matches(ru, r, &why)) {
                        strbuf_done(&why);
                        continue;
                }
                for (unsigned c = 0; c < ru->n_conds; c++)
                        if (!seen[ru->conds[c].key]) {
                                seen[ru->conds[c].key] = true;
                                spec++;
                        }
                hits[n++] = (struct ranked) { ru, strbuf_steal(&why), spec };
        }
        if (n == 0)
                goto done;
        qsort(hits, n, sizeof(*hits), ranked_cmp);
        out = calloc(n, sizeof(*out));
        if (!out) {
                k = -ENOMEM;
                goto done;
        }
        for (size_t i = 0; i < n; i++) {
                const struct rule *ru = hits[i].rule;
                out[i] = (struct known_issue) { .line = ru->line, .priority = ru->priority, .matched = hits[i].why };
                hits[i].why = NULL;
                if (!(out[i].id = strdup(ru->id)) || !(out[i].summary = strdup(ru->summary)) ||
                    (ru->url && !(out[i].url = strdup(ru->url))) || !(out[i].file = strdup(ru->file)))
                        k = -ENOMEM;
        }
        if (k < 0) {
                known_issues_free(out, n);
                goto done;
        }
        *ret = out;
        *n_ret = n;
done:
        for (size_t i = 0; i < n; i++)
                free(hits[i].why);
        free(hits);
        return k;
}

void known_issues_free(struct known_issue *v, size_t n) {
        for (size_t i = 0; v && i < n; i++) {
                free(v[i].id);
                free(v[i].summary);
                free(v[i].url);
                free(v[i].file);
                free(v[i].matched);
        }
        free(v);
}
