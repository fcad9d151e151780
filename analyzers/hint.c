/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hint.h"
#include "report-json.h"

int hints_add(struct hints *h, const char *analyzer, const char *kind, enum hint_severity severity,
              json_object *evidence, const char *fmt, ...) {
        struct hint *v;
        char *msg = NULL;
        va_list ap;
        int k;

        if (!evidence)
                evidence = json_object_new_object();
        va_start(ap, fmt);
        k = vasprintf(&msg, fmt, ap);
        va_end(ap);
        v = reallocarray(h->v, h->n + 1, sizeof(*v));
        if (k < 0 || !v || !evidence) {
                if (k >= 0)
                        free(msg);
                if (v)
                        h->v = v;
                json_object_put(evidence);
                return -ENOMEM;
        }
        h->v = v;
        h->v[h->n++] = (struct hint) {
                .analyzer = analyzer, .kind = kind, .severity = severity, .message = msg, .evidence = evidence,
        };
        return 0;
}

void hints_done(struct hints *h) {
        for (size_t i = 0; i < h->n; i++) {
                free(h->v[i].message);
                json_object_put(h->v[i].evidence);
        }
        free(h->v);
        *h = (struct hints) {};
}

const char *hint_severity_name(enum hint_severity s) {
        switch (s) {
        case HINT_CRITICAL:
                return "critical";
        case HINT_WARNING:
                return "warning";
        default:
                return "info";
        }
}

const struct hint *hints_find(const struct hints *h, const char *kind) {
        for (size_t i = 0; i < h->n; i++)
                if (strcmp(h->v[i].kind, kind) == 0)
                        return &h->v[i];
        return NULL;
}

json_object *hints_to_json(const struct hints *h) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < h->n; i++) {
                json_object *o = json_object_new_object();
                if (!o)
                        break;
                json_object_object_add(o, "analyzer", json_object_new_string(h->v[i].analyzer));
                json_object_object_add(o, "kind", json_object_new_string(h->v[i].kind));
                json_object_object_add(o, "severity", json_object_new_string(hint_severity_name(h->v[i].severity)));
                json_object_object_add(o, "message", vmc_jstr(h->v[i].message));
                json_object_object_add(o, "evidence", json_object_get(h->v[i].evidence));
                json_object_array_add(a, o);
        }
        return a;
}
