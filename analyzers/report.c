/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>

#include "fingerprint.h"
#include "report.h"
#include "report-json.h"
#include "rules.h"
#include "taint.h"
#include "utf8.h"
#include "util.h"
#include "vmcore.h"

struct vmc_analyzer {
        struct title_engine *titles;
        struct oops_engine *oops;
        struct rules *rules;
        bool no_explain;
};

int vmc_analyzer_new(struct vmc_analyzer **ret, char *errbuf, size_t errlen) {
        struct vmc_analyzer *a;
        int r;

        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        r = title_engine_new(&a->titles, errbuf, errlen);
        if (r >= 0)
                r = oops_engine_new(&a->oops, errbuf, errlen);
        if (r < 0) {
                vmc_analyzer_free(a);
                return r;
        }
        *ret = a;
        return 0;
}

struct title_engine *vmc_analyzer_titles(struct vmc_analyzer *a) {
        return a->titles;
}

void vmc_analyzer_free(struct vmc_analyzer *a) {
        if (!a)
                return;
        title_engine_free(a->titles);
        oops_engine_free(a->oops);
        rules_free(a->rules);
        free(a);
}

void vmc_report_free(struct vmc_report *r) {
        if (!r)
                return;
        free(r->source);
        title_result_done(&r->title);
        if (r->event_fingerprints)
                for (size_t i = 0; i < r->n_events; i++)
                        free(r->event_fingerprints[i]);
        free(r->event_fingerprints);
        oops_events_free(r->events, r->n_events);
        free(r->fingerprint);
        free(r->duphash);
        hints_done(&r->hints);
        json_object_put(r->analyzers);
        known_issues_free(r->known_issues, r->n_known_issues);
        free(r->linux_banner);
        free(r->panic.comm);
        vmc_vmcore_free(r->vmcore);
        klog_free(r->log);
        free(r);
}

void vmc_analyzer_set_explain(struct vmc_analyzer *a, bool on) {
        a->no_explain = !on;
}

int vmc_analyzer_add_rules(struct vmc_analyzer *a, const char *dir, char *errbuf, size_t errlen) {
        int r;

        if (!a->rules) {
                r = rules_new(&a->rules);
                if (r < 0)
                        return r;
        }
        return rules_load_dir(a->rules, dir, errbuf, errlen);
}

int vmc_report_finish(struct vmc_analyzer *a, struct vmc_report *r) {
        int k = 0;

        if (!a->no_explain)
                k = vmc_report_explain(r);
        if (k >= 0 && a->rules)
                k = rules_match(a->rules, r, &r->known_issues, &r->n_known_issues);
        return k;
}

int vmc_analyze_log(struct vmc_analyzer *a, struct klog *log, const char *source, struct vmc_report **ret) {
        struct vmc_report *r;
        int k = vmc_analyze_log_only(a, log, source, &r);

        if (k < 0)
                return k;
        k = vmc_report_finish(a, r);
        if (k < 0) {
                vmc_report_free(r);
                return k;
        }
        *ret = r;
        return 0;
}

int vmc_analyze_log_only(struct vmc_analyzer *a, struct klog *log, const char *source, struct vmc_report **ret) {
        struct title_scan scan = {};
        struct vmc_report *r;
        int k;

        r = calloc(1, sizeof(*r));
        if (!r) {
                klog_free(log);
                return -ENOMEM;
        }
        r->log = log;
        r->title_event = r->fatal_event = r->panic_event = -1;
        r->panic = (struct vmc_panic){ .cpu = -1, .pid = -1, .note = -1 };
        if (source && !(r->source = strdup(source))) {
                k = -ENOMEM;
                goto fail;
        }

        k = title_scan_log(a->titles, log, &scan);
        if (k < 0)
                goto fail;
        k = title_find(a->titles, log, &scan, 0, log->n_lines, &r->title);
        if (k < 0)
                goto fail;
        k = oops_find_events(a->oops, a->titles, log, &scan, &r->title, &r->events, &r->n_events);
        if (k < 0)
                goto fail;

        for (size_t i = 0; i < r->n_events && r->title_event < 0; i++) {
                const struct oops_event *e = &r->events[i];
                if (r->title.title ? e->line == r->title.line : e->crash && e->title != NULL)
                        r->title_event = (ssize_t) i;
        }
        r->fatal_event = oops_fatal_event(r->events, r->n_events);
        if (r->title_event < 0)
                r->fatal_event = -1;
        for (size_t i = 0; i < r->n_events; i++)
                if (r->events[i].panic) {
                        r->panic_event = (ssize_t) i;
                        break;
                }

        r->event_fingerprints = calloc(MAX(r->n_events, (size_t) 1), sizeof(char *));
        if (!r->event_fingerprints) {
                k = -ENOMEM;
                goto fail;
        }
        for (size_t i = 0; i < r->n_events; i++) {
                k = fingerprint_compute(a->titles, &r->events[i], &r->event_fingerprints[i]);
                if (k < 0)
                        goto fail;
        }
        if (r->title_event >= 0) {
                const struct oops_event *e = &r->events[r->title_event];
                if (r->event_fingerprints[r->title_event] &&
                    !(r->fingerprint = strdup(r->event_fingerprints[r->title_event]))) {
                        k = -ENOMEM;
                        goto fail;
                }
                k = koops_duphash(e, &r->duphash);
                if (k < 0)
                        goto fail;
        }
        k = oops_linux_version(log, &r->linux_banner);
        if (k < 0)
                goto fail;

        title_scan_done(&scan);
        *ret = r;
        return 0;
fail:
        title_scan_done(&scan);
        vmc_report_free(r);
        return k;
}

/* ------------------------------------------------------------------ */

const struct oops_event *vmc_report_crash_event(const struct vmc_report *r) {
        if (r->fatal_event >= 0)
                return &r->events[r->fatal_event];
        if (r->title_event >= 0)
                return &r->events[r->title_event];
        return NULL;
}

static bool has_reg(const struct oops_event *e, const char *name) {
        for (size_t i = 0; i < e->n_regs; i++)
                if (strcmp(e->regs[i].name, name) == 0)
                        return true;
        return false;
}

static const char *arch_from_regs(const struct oops_event *e) {
        if (has_reg(e, "RAX") || has_reg(e, "R8") || has_reg(e, "R08") || has_reg(e, "R15"))
                return "x86_64";
        if (has_reg(e, "EAX") || has_reg(e, "ESP"))
                return "i386";
        if (has_reg(e, "x29") || has_reg(e, "pstate"))
                return "arm64";
        if (has_reg(e, "psr") || has_reg(e, "r10"))
                return "arm";
        if (has_reg(e, "epc") || has_reg(e, "badaddr"))
                return "riscv";
        return NULL;
}

static const char *arch_from_release(const char *rel) {
        if (!rel)
                return NULL;
        if (strstr(rel, "amd64") || strstr(rel, "x86_64"))
                return "x86_64";
        if (strstr(rel, "arm64") || strstr(rel, "aarch64"))
                return "arm64";
        if (strstr(rel, "armmp") || strstr(rel, "armv7"))
                return "arm";
        if (strstr(rel, "686") || strstr(rel, "i386"))
                return "i386";
        if (strstr(rel, "ppc64") || strstr(rel, "powerpc"))
                return "powerpc";
        if (strstr(rel, "riscv64"))
                return "riscv";
        if (strstr(rel, "s390x"))
                return "s390";
        return NULL;
}

/* Entry code names that exist on one architecture only. */
static const char *arch_from_frames(const struct oops_event *e) {
        static const struct {
                const char *prefix;
                const char *arch;
        } marks[] = {
                { "entry_SYSCALL_64", "x86_64" }, { "do_syscall_64", "x86_64" }, { "__x64_sys_", "x86_64" },
                { "asm_exc_", "x86_64" }, { "asm_sysvec_", "x86_64" }, { "__arm64_sys_", "arm64" },
                { "el0_svc", "arm64" }, { "el0t_64_", "arm64" }, { "el1h_64_", "arm64" },
                { "vector_swi", "arm" }, { "ret_fast_syscall", "arm" }, { "do_trap_ecall_u", "riscv" },
                { "handle_exception", "riscv" }, { "system_call_exception", "powerpc" },
        };
        for (size_t i = 0; i < e->n_frames; i++) {
                const char *f = e->frames[i].function;
                if (!f)
                        continue;
                for (size_t k = 0; k < ELEMENTSOF(marks); k++)
                        if (strncmp(f, marks[k].prefix, strlen(marks[k].prefix)) == 0)
                                return marks[k].arch;
        }
        return NULL;
}

const char *vmc_report_arch(const struct vmc_report *r) {
        const struct oops_event *m = vmc_report_crash_event(r);
        const char *arch = NULL;

        if (m && (arch = arch_from_regs(m)))
                return arch;
        for (size_t i = 0; i < r->n_events && !arch; i++)
                arch = arch_from_regs(&r->events[i]);
        if (arch)
                return arch;
        for (size_t i = 0; i < r->n_events && !arch; i++)
                arch = arch_from_frames(&r->events[i]);
        if (arch)
                return arch;
        if (m && (arch = arch_from_release(m->release)))
                return arch;
        for (size_t i = 0; i < r->n_events && !arch; i++)
                arch = arch_from_release(r->events[i].release);
        if (!arch)
                arch = arch_from_release(r->linux_banner);
        return arch;
}

/* The first non-NULL value of a string field, fatal event first. */
#define PICK_FIELD(r, field)                                                         \
        ({                                                                           \
                const struct oops_event *m_ = vmc_report_crash_event(r);                         \
                const char *v_ = m_ ? m_->field : NULL;                              \
                for (size_t i_ = 0; !v_ && i_ < (r)->n_events; i_++)                 \
                        v_ = (r)->events[i_].field;                                  \
                v_;                                                                  \
        })

static const struct oops_event *modules_event(const struct vmc_report *r) {
        const struct oops_event *m = vmc_report_crash_event(r);
        if (m && m->has_modules)
                return m;
        for (size_t i = 0; i < r->n_events; i++)
                if (r->events[i].has_modules)
                        return &r->events[i];
        return NULL;
}

/* The release from "Linux version 6.1.0-56-amd64 (...) ..." */
static char *banner_release(const char *banner) {
        const char *p, *e;
        if (!banner)
                return NULL;
        p = banner + strlen("Linux version ");
        e = strchr(p, ' ');
        return e ? strndup(p, (size_t) (e - p)) : strdup(p);
}


/* The guilty frame of an event: the frame of its trace (RIP first) whose
 * function is the one its title names. */
static const struct frame *guilty_frame(const struct oops_event *e) {
        _cleanup_free_ char *want = NULL;

        if (!e->frame || strcmp(e->frame, "corrupted") == 0)
                return NULL;
        want = frame_canonical_name(e->frame);
        if (!want)
                return NULL;
        if (e->has_rip && e->rip.function) {
                _cleanup_free_ char *n = frame_canonical_name(e->rip.function);
                if (n && strcmp(n, want) == 0)
                        return &e->rip;
        }
        for (size_t i = 0; i < e->n_frames; i++) {
                _cleanup_free_ char *n = NULL;
                if (!e->frames[i].function || !e->frames[i].reliable)
                        continue;
                n = frame_canonical_name(e->frames[i].function);
                if (n && strcmp(n, want) == 0)
                        return &e->frames[i];
        }
        return NULL;
}

/* ---- JSON ---- */

/* Keys are string literals, added once each: no copy, no lookup. */
void vmc_jadd(json_object *o, const char *key, json_object *v) {
        json_object_object_add_ex(o, key, v, JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT);
}

static json_object *jstr_n(const char *s, size_t n) {
        _cleanup_free_ char *clean = NULL;
        bool ascii = true;

        if (!s)
                return NULL;
        for (size_t i = 0; i < n && ascii; i++)
                ascii = (unsigned char) s[i] - 1 < 0x7f;
        if (ascii)
                return json_object_new_string_len(s, (int) n);
        clean = utf8_sanitize(s, n);
        return clean ? json_object_new_string(clean) : NULL;
}

json_object *vmc_jstr(const char *s) {
        return s ? jstr_n(s, strlen(s)) : NULL;
}

json_object *vmc_jhex(uint64_t v) {
        char buf[32];
        snprintf(buf, sizeof(buf), "0x%016" PRIx64, v);
        return json_object_new_string(buf);
}

static const char *stack_name(uint8_t s) {
        switch (s) {
        case FRAME_STACK_IRQ:
                return "irq";
        case FRAME_STACK_SOFTIRQ:
                return "softirq";
        case FRAME_STACK_NMI:
                return "nmi";
        case FRAME_STACK_EXCEPTION:
                return "exception";
        default:
                return "task";
        }
}

static json_object *frame_json(const struct frame *f) {
        json_object *o = json_object_new_object();
        if (!o)
                return NULL;
        vmc_jadd(o, "function", vmc_jstr(f->function));
        vmc_jadd(o, "offset", f->has_offset ? json_object_new_int64((int64_t) f->offset) : NULL);
        vmc_jadd(o, "size", f->has_offset ? json_object_new_int64((int64_t) f->size) : NULL);
        vmc_jadd(o, "module", vmc_jstr(f->module));
        vmc_jadd(o, "address", f->address ? vmc_jhex(f->address) : NULL);
        vmc_jadd(o, "reliable", json_object_new_boolean(f->reliable));
        vmc_jadd(o, "stack", json_object_new_string(stack_name(f->stack)));
        return o;
}

static json_object *taint_flags_json(const char *taint) {
        json_object *a = json_object_new_array();
        if (!a || !taint)
                return a;
        for (const char *p = taint; *p; p++) {
                const struct taint_flag *f = taint_flag(*p);
                if (f)
                        json_object_array_add(a, json_object_new_string(f->name));
        }
        return a;
}

static json_object *strings_json(char *const *v, size_t n) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; a && i < n; i++)
                json_object_array_add(a, vmc_jstr(v[i]));
        return a;
}

static json_object *modules_json(const struct oops_event *e) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; a && e && i < e->n_modules; i++)
                json_object_array_add(a, vmc_jstr(e->modules[i].name));
        return a;
}

static json_object *module_flags_json(const struct oops_event *e) {
        json_object *o = json_object_new_object();
        for (size_t i = 0; o && e && i < e->n_modules; i++)
                if (e->modules[i].flags)
                        json_object_object_add(o, e->modules[i].name, vmc_jstr(e->modules[i].flags));
        return o;
}

static json_object *guilty_json(const struct oops_event *e) {
        const struct frame *g;
        json_object *o;

        if (!e || !e->frame || strcmp(e->frame, "corrupted") == 0)
                return NULL;
        o = json_object_new_object();
        if (!o)
                return NULL;
        g = guilty_frame(e);
        vmc_jadd(o, "function", vmc_jstr(e->frame));
        vmc_jadd(o, "module", g ? vmc_jstr(g->module) : NULL);
        return o;
}

static json_object *event_json(const struct vmc_report *r, size_t idx) {
        const struct oops_event *e = &r->events[idx];
        json_object *o = json_object_new_object(), *frames, *regs;

        if (!o)
                return NULL;
        vmc_jadd(o, "title", vmc_jstr(e->title));
        vmc_jadd(o, "alt_titles", strings_json(e->alts, e->n_alts));
        vmc_jadd(o, "type", vmc_jstr(e->type));
        vmc_jadd(o, "kind", json_object_new_string(oops_kind_name(e->kind)));
        vmc_jadd(o, "crash", json_object_new_boolean(e->crash));
        vmc_jadd(o, "fatal", json_object_new_boolean(r->fatal_event == (ssize_t) idx));
        vmc_jadd(o, "corrupted", json_object_new_boolean(e->corrupted));
        vmc_jadd(o, "corrupted_reason", vmc_jstr(e->corrupted_reason));
        vmc_jadd(o, "fingerprint", vmc_jstr(r->event_fingerprints[idx]));
        vmc_jadd(o, "guilty_frame", guilty_json(e));
        vmc_jadd(o, "header", vmc_jstr(e->header));
        vmc_jadd(o, "line", json_object_new_int64(r->log->lines[e->line].lineno));
        vmc_jadd(o, "end_line", json_object_new_int64(r->log->lines[e->end_line].lineno));
        vmc_jadd(o, "timestamp", e->has_ts ? json_object_new_double(e->ts) : NULL);
        vmc_jadd(o, "cpu", e->cpu >= 0 ? json_object_new_int(e->cpu) : NULL);
        vmc_jadd(o, "pid", e->pid >= 0 ? json_object_new_int(e->pid) : NULL);
        vmc_jadd(o, "comm", vmc_jstr(e->comm));
        vmc_jadd(o, "taint", vmc_jstr(e->taint));
        vmc_jadd(o, "release", vmc_jstr(e->release));
        vmc_jadd(o, "build", vmc_jstr(e->build));
        vmc_jadd(o, "hardware", vmc_jstr(e->hardware));
        vmc_jadd(o, "location", vmc_jstr(e->location));
        vmc_jadd(o, "rip", e->has_rip ? frame_json(&e->rip) : NULL);
        vmc_jadd(o, "lr", e->has_lr ? frame_json(&e->lr) : NULL);

        frames = json_object_new_array();
        for (size_t i = 0; frames && i < e->n_frames; i++)
                json_object_array_add(frames, frame_json(&e->frames[i]));
        vmc_jadd(o, "frames", frames);

        regs = json_object_new_object();
        for (size_t i = 0; regs && i < e->n_regs; i++)
                json_object_object_add(regs, e->regs[i].name, vmc_jstr(e->regs[i].value));
        vmc_jadd(o, "registers", regs);

        vmc_jadd(o, "modules", e->has_modules ? modules_json(e) : NULL);
        return o;
}

static json_object *known_issues_json(const struct vmc_report *r) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < r->n_known_issues; i++) {
                const struct known_issue *k = &r->known_issues[i];
                json_object *o = json_object_new_object();
                if (!o)
                        break;
                vmc_jadd(o, "id", vmc_jstr(k->id));
                vmc_jadd(o, "summary", vmc_jstr(k->summary));
                vmc_jadd(o, "url", vmc_jstr(k->url));
                vmc_jadd(o, "file", vmc_jstr(k->file));
                vmc_jadd(o, "line", json_object_new_int64(k->line));
                vmc_jadd(o, "priority", json_object_new_int(k->priority));
                vmc_jadd(o, "matched", vmc_jstr(k->matched));
                json_object_array_add(a, o);
        }
        return a;
}

json_object *vmc_report_to_json(const struct vmc_report *r) {
        const struct oops_event *t = r->title_event >= 0 ? &r->events[r->title_event] : NULL;
        const struct oops_event *mods = modules_event(r);
        const char *release = PICK_FIELD(r, release);
        _cleanup_free_ char *banner_rel = NULL;
        json_object *o, *k, *events;

        o = json_object_new_object();
        if (!o)
                return NULL;

        if (!release)
                release = banner_rel = banner_release(r->linux_banner);

        vmc_jadd(o, "schema", json_object_new_string(VMC_REPORT_SCHEMA));
        vmc_jadd(o, "source", vmc_jstr(r->source));
        vmc_jadd(o, "title", t ? vmc_jstr(t->title) : NULL);
        vmc_jadd(o, "alt_titles", t ? strings_json(t->alts, t->n_alts) : json_object_new_array());
        vmc_jadd(o, "type", t ? vmc_jstr(t->type) : NULL);
        vmc_jadd(o, "kind", t ? json_object_new_string(oops_kind_name(t->kind)) : NULL);
        vmc_jadd(o, "corrupted", json_object_new_boolean(t && t->corrupted));
        vmc_jadd(o, "corrupted_reason", t ? vmc_jstr(t->corrupted_reason) : NULL);
        vmc_jadd(o, "fingerprint", vmc_jstr(r->fingerprint));
        vmc_jadd(o, "koops_duphash", vmc_jstr(r->duphash));
        vmc_jadd(o, "guilty_frame", guilty_json(t));
        vmc_jadd(o, "title_event", r->title_event >= 0 ? json_object_new_int64(r->title_event) : NULL);
        vmc_jadd(o, "fatal_event", r->fatal_event >= 0 ? json_object_new_int64(r->fatal_event) : NULL);
        vmc_jadd(o, "panicked", json_object_new_boolean(r->panic_event >= 0));
        if (r->panic_event >= 0) {
                const char *h = r->events[r->panic_event].header;
                const char *m = strstr(h, "Kernel panic - not syncing: ");
                vmc_jadd(o, "panic_message", vmc_jstr(m ? m + strlen("Kernel panic - not syncing: ") : h));
        } else
                vmc_jadd(o, "panic_message", NULL);

        k = json_object_new_object();
        if (k) {
                const char *taint = PICK_FIELD(r, taint);
                vmc_jadd(k, "release", vmc_jstr(release));
                vmc_jadd(k, "build", vmc_jstr(PICK_FIELD(r, build)));
                vmc_jadd(k, "arch", vmc_jstr(vmc_report_arch(r)));
                vmc_jadd(k, "taint", vmc_jstr(taint));
                vmc_jadd(k, "taint_flags", taint_flags_json(taint));
                vmc_jadd(k, "hardware", vmc_jstr(PICK_FIELD(r, hardware)));
                vmc_jadd(k, "modules", mods ? modules_json(mods) : json_object_new_array());
                vmc_jadd(k, "module_flags", module_flags_json(mods));
                vmc_jadd(k, "banner", vmc_jstr(r->linux_banner));
        }
        vmc_jadd(o, "kernel", k);

        events = json_object_new_array();
        for (size_t i = 0; events && i < r->n_events; i++)
                json_object_array_add(events, event_json(r, i));
        vmc_jadd(o, "events", events);
        vmc_jadd(o, "lines", json_object_new_int64((int64_t) r->log->n_lines));
        vmc_jadd(o, "hardware_error", json_object_new_boolean(r->hardware_error));
        vmc_jadd(o, "hints", hints_to_json(&r->hints));
        vmc_jadd(o, "known_issues", known_issues_json(r));
        vmc_jadd(o, "analyzers", r->analyzers ? json_object_get(r->analyzers) : json_object_new_array());
        vmc_report_vmcore_json(r, o);
        return o;
}

/* ---- text ---- */

static void print_frame(FILE *f, const struct frame *fr, const char *indent, const char *note) {
        fprintf(f, "%s%s%s", indent, fr->reliable ? "" : "? ", fr->function ? fr->function : "?");
        if (fr->has_offset)
                fprintf(f, "+0x%" PRIx64 "/0x%" PRIx64, fr->offset, fr->size);
        if (fr->module)
                fprintf(f, " [%s]", fr->module);
        if (note)
                fprintf(f, "  %s", note);
        fputc('\n', f);
}

static void print_clean(FILE *f, const char *s) {
        _cleanup_free_ char *c = s ? utf8_sanitize(s, strlen(s)) : NULL;
        fputs(c ? c : "-", f);
}

/* Hints, most severe first, and known issues. */
static void print_findings(const struct vmc_report *r, FILE *f) {
        if (r->n_known_issues > 0) {
                fprintf(f, "  known issues\n");
                for (size_t i = 0; i < r->n_known_issues; i++) {
                        const struct known_issue *k = &r->known_issues[i];
                        fprintf(f, "    %s: ", k->id);
                        print_clean(f, k->summary);
                        if (k->url)
                                fprintf(f, "\n      %s", k->url);
                        fputc('\n', f);
                }
        }
        if (r->hints.n > 0) {
                fprintf(f, "  hints\n");
                for (int sev = HINT_CRITICAL; sev >= HINT_INFO; sev--)
                        for (size_t i = 0; i < r->hints.n; i++) {
                                const struct hint *h = &r->hints.v[i];
                                if ((int) h->severity != sev)
                                        continue;
                                fprintf(f, "    %-8s [%s] ", hint_severity_name(h->severity), h->analyzer);
                                print_clean(f, h->message);
                                fputc('\n', f);
                        }
        }
}

int vmc_report_print(const struct vmc_report *r, FILE *f) {
        const struct oops_event *t = r->title_event >= 0 ? &r->events[r->title_event] : NULL;
        const struct oops_event *m = vmc_report_crash_event(r);
        const char *release = PICK_FIELD(r, release), *taint = PICK_FIELD(r, taint);
        const char *arch = vmc_report_arch(r);
        const struct oops_event *mods = modules_event(r);

        fprintf(f, "%s:\n", r->source ? r->source : "(log)");
        vmc_report_vmcore_print(r, f);
        if (!t) {
                fprintf(f, "  no crash found (%zu lines, %zu informational events)\n", r->log->n_lines,
                        r->n_events);
                return 0;
        }

        fputs("  title        ", f);
        print_clean(f, t->title);
        fprintf(f, "\n  kind         %s%s\n", oops_kind_name(t->kind), t->corrupted ? " (report corrupted)" : "");
        fprintf(f, "  fingerprint  %s\n", r->fingerprint ? r->fingerprint : "-");
        if (release || arch) {
                fputs("  kernel       ", f);
                print_clean(f, release);
                fprintf(f, " %s", arch ? arch : "");
                if (taint && *taint)
                        fprintf(f, ", tainted %s", taint);
                if (mods)
                        fprintf(f, ", %zu modules", mods->n_modules);
                fputc('\n', f);
        }
        if (m && m->hardware) {
                fputs("  hardware     ", f);
                print_clean(f, m->hardware);
                fputc('\n', f);
        }
        if (m && (m->cpu >= 0 || m->pid >= 0 || m->comm)) {
                fputs("  task        ", f);
                if (m->cpu >= 0)
                        fprintf(f, " CPU %d", m->cpu);
                if (m->pid >= 0)
                        fprintf(f, " PID %d", m->pid);
                if (m->comm) {
                        fputs(" comm ", f);
                        print_clean(f, m->comm);
                }
                fputc('\n', f);
        }
        if (m && m->location) {
                fputs("  location     ", f);
                print_clean(f, m->location);
                fputc('\n', f);
        }
        if (r->panic_event >= 0) {
                fputs("  panic        ", f);
                print_clean(f, r->events[r->panic_event].header);
                fputc('\n', f);
        }
        if (m) {
                fprintf(f, "  fatal event  #%zd ", r->fatal_event);
                print_clean(f, m->title);
                fputc('\n', f);
                if (m->has_rip || m->n_frames > 0) {
                        bool first = true;
                        if (m->has_rip) {
                                print_frame(f, &m->rip, "  stack        ", "(RIP)");
                                first = false;
                        }
                        for (size_t i = 0; i < m->n_frames && i < 24; i++) {
                                print_frame(f, &m->frames[i], first ? "  stack        " : "               ", NULL);
                                first = false;
                        }
                        if (m->n_frames > 24)
                                fprintf(f, "               ... %zu more\n", m->n_frames - 24);
                }
        }
        fprintf(f, "  events       %zu\n", r->n_events);
        for (size_t i = 0; i < r->n_events; i++) {
                const struct oops_event *e = &r->events[i];
                if (e->has_ts)
                        fprintf(f, "    #%-3zu [%12.6f] %-16s ", i, e->ts, oops_kind_name(e->kind));
                else
                        fprintf(f, "    #%-3zu line %-9u %-16s ", i, r->log->lines[e->line].lineno,
                                oops_kind_name(e->kind));
                print_clean(f, e->title);
                if ((ssize_t) i == r->fatal_event)
                        fputs("  <- fatal", f);
                fputc('\n', f);
        }
        print_findings(r, f);
        return 0;
}
