/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The culprit: what the taint says about the kernel that crashed, and the
 * first frame of the crash that lies in a module (the code a vendor or a
 * third party owns, where an engineer looks first), flagged when that module
 * is out of tree, proprietary, unsigned or from staging. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "explain.h"
#include "strbuf.h"
#include "taint.h"
#include "util.h"

/* The module's taint letters from the "Modules linked in:" list. */
static const char *module_flags(const struct oops_event *e, const char *name) {
        for (size_t i = 0; i < e->n_modules; i++)
                if (strcmp(e->modules[i].name, name) == 0)
                        return e->modules[i].flags;
        return NULL;
}

static int describe_flags(const char *flags, struct strbuf *out) {
        int k = 0;

        for (const char *p = flags; p && *p && k >= 0; p++) {
                const char *what = *p == 'O' ? "out-of-tree" : *p == 'P' ? "proprietary" : *p == 'E' ? "unsigned"
                                   : *p == 'F' ? "force-loaded" : *p == 'C' ? "staging" : NULL;
                if (what)
                        k = strbuf_printf(out, "%s%s", out->len ? ", " : "", what);
        }
        return k;
}

static int taint_hint(struct explain *x, const char *taint) {
        _cleanup_(strbuf_done) struct strbuf text = STRBUF_INIT;
        json_object *ev, *flags;
        bool third_party = false;
        int k = 0;

        ev = json_object_new_object();
        flags = json_object_new_array();
        if (!ev || !flags) {
                json_object_put(ev);
                json_object_put(flags);
                return -ENOMEM;
        }
        json_object_object_add(ev, "taint", json_object_new_string(taint));
        json_object_object_add(ev, "flags", flags);
        for (const char *p = taint; *p && k >= 0; p++) {
                const struct taint_flag *f = taint_flag(*p);
                if (!f)
                        continue;
                json_object_array_add(flags, json_object_new_string(f->name));
                third_party = third_party || f->third_party;
                k = strbuf_printf(&text, "%s%c: %s", text.len ? "; " : "", f->letter, f->meaning);
        }
        if (k < 0 || text.len == 0) {
                json_object_put(ev);
                return k < 0 ? -ENOMEM : 0;
        }
        return hints_add(x->out, "culprit", "taint", third_party ? HINT_WARNING : HINT_INFO, ev,
                         "the kernel was tainted (%s)%s", text.buf,
                         third_party ? ": code outside the distribution's kernel ran; reproduce without it before "
                                       "reporting a kernel bug"
                                     : "");
}

/* The first frame of the crash, instruction pointer first, in a module. */
static const struct frame *first_module_frame(const struct oops_event *e, bool *reliable_only) {
        if (e->has_rip && e->rip.module)
                return &e->rip;
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < e->n_frames; i++)
                        if (e->frames[i].module && (pass == 1 || e->frames[i].reliable)) {
                                *reliable_only = pass == 0;
                                return &e->frames[i];
                        }
        return NULL;
}

/* Every module with code in the crash's stack (the instruction pointer and
 * the reliable frames), once each, with its taint letters; the third-party
 * ones (O, P, F, C) are also listed in *others for the message. */
static json_object *stack_modules(const struct oops_event *e, struct strbuf *others) {
        json_object *a = json_object_new_array();
        const char *seen[64];
        size_t n = 0;

        for (size_t i = 0; a && i <= e->n_frames; i++) {
                const struct frame *f = i == 0 ? (e->has_rip ? &e->rip : NULL) : &e->frames[i - 1];
                const char *flags;
                json_object *m;
                bool dup = false;

                if (!f || !f->module || (i > 0 && !f->reliable))
                        continue;
                for (size_t j = 0; j < n && !dup; j++)
                        dup = strcmp(seen[j], f->module) == 0;
                if (dup || n == ELEMENTSOF(seen))
                        continue;
                seen[n++] = f->module;
                flags = module_flags(e, f->module);
                m = json_object_new_object();
                if (!m)
                        break;
                json_object_object_add(m, "module", json_object_new_string(f->module));
                json_object_object_add(m, "flags", flags ? json_object_new_string(flags) : NULL);
                json_object_array_add(a, m);
                if (flags && strpbrk(flags, "OPFC") &&
                    strbuf_printf(others, "%s%s(%s)", others->len ? ", " : "", f->module, flags) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

static int module_hint(struct explain *x) {
        const struct oops_event *e = x->fatal;
        bool reliable = true;
        const struct frame *f = first_module_frame(e, &reliable);
        _cleanup_(strbuf_done) struct strbuf what = STRBUF_INIT, others = STRBUF_INIT;
        const char *flags;
        json_object *ev, *mods;

        if (!f)
                return 0;
        flags = module_flags(e, f->module);
        if (describe_flags(flags, &what) < 0)
                return -ENOMEM;
        ev = json_object_new_object();
        mods = stack_modules(e, &others);
        if (!ev || !mods) {
                json_object_put(ev);
                json_object_put(mods);
                return -ENOMEM;
        }
        json_object_object_add(ev, "stack_modules", mods);
        json_object_object_add(ev, "module", json_object_new_string(f->module));
        json_object_object_add(ev, "function", f->function ? json_object_new_string(f->function) : NULL);
        json_object_object_add(ev, "module_flags", flags ? json_object_new_string(flags) : NULL);
        json_object_object_add(ev, "frame_reliable", json_object_new_boolean(reliable));
        json_object_object_add(ev, "instruction_pointer", json_object_new_boolean(f == &e->rip));
        return hints_add(x->out, "culprit", "module-frame", what.len || others.len ? HINT_WARNING : HINT_INFO, ev,
                         "the first module code in the crash is %s [%s]%s%s%s%s%s%s", f->function ? f->function : "?",
                         f->module, what.len ? " (" : "", what.len ? what.buf : "", what.len ? ")" : "",
                         f == &e->rip ? ", where the CPU stopped" : reliable ? "" : " (an unreliable frame)",
                         others.len ? "; out-of-tree or proprietary modules in the crash's stack: " : "",
                         others.len ? others.buf : "");
}

/* Out-of-tree or proprietary modules loaded but not in the crash. */
static int loaded_hint(struct explain *x) {
        const struct oops_event *e = x->fatal;
        _cleanup_(strbuf_done) struct strbuf names = STRBUF_INIT;
        json_object *ev, *list;
        size_t n = 0;

        ev = json_object_new_object();
        list = json_object_new_array();
        if (!ev || !list) {
                json_object_put(ev);
                json_object_put(list);
                return -ENOMEM;
        }
        json_object_object_add(ev, "modules", list);
        for (size_t i = 0; i < e->n_modules; i++) {
                const char *fl = e->modules[i].flags;
                if (!fl || !strpbrk(fl, "OPFC"))
                        continue;
                json_object_array_add(list, json_object_new_string(e->modules[i].name));
                if (n++ < 8 && strbuf_printf(&names, "%s%s(%s)", names.len ? ", " : "", e->modules[i].name, fl) < 0) {
                        json_object_put(ev);
                        return -ENOMEM;
                }
        }
        if (n == 0) {
                json_object_put(ev);
                return 0;
        }
        return hints_add(x->out, "culprit", "third-party-modules", HINT_INFO, ev,
                         "%zu out-of-tree, proprietary or staging module%s loaded: %s%s", n, n == 1 ? " was" : "s were",
                         names.buf, n > 8 ? ", ..." : "");
}

int analyze_culprit(struct explain *x) {
        const char *taint = x->fatal->taint;
        int k = 0;

        if (taint && *taint)
                k = taint_hint(x, taint);
        if (k >= 0)
                k = module_hint(x);
        if (k >= 0)
                k = loaded_hint(x);
        return k;
}
