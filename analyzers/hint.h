/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Hints: what the built-in analyzers found out about a crash, each with
 * the analyzer that found it, a stable kind ("packet-bytes", "slab-object",
 * ...), a severity, a sentence for people and the evidence as JSON for
 * scripts and known-issue rules (docs/report-schema.md, "hints"). */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

enum hint_severity {
        HINT_INFO,              /* context worth knowing */
        HINT_WARNING,           /* points at a likely cause */
        HINT_CRITICAL,          /* strong evidence of the cause */
};

struct hint {
        const char *analyzer;   /* a string literal: "bad-pointer", "slab", ... */
        const char *kind;       /* a string literal */
        enum hint_severity severity;
        char *message;
        json_object *evidence;  /* an object, owned */
};

struct hints {
        struct hint *v;
        size_t n;
};

/* Adds a hint; takes ownership of evidence (NULL: an empty object), also
 * on failure. */
int hints_add(struct hints *h, const char *analyzer, const char *kind, enum hint_severity severity,
              json_object *evidence, const char *fmt, ...) _printf_(6, 7);

void hints_done(struct hints *h);

const char *hint_severity_name(enum hint_severity s);

/* The first hint of this kind, or NULL. */
const struct hint *hints_find(const struct hints *h, const char *kind);

/* An array of {analyzer, kind, severity, message, evidence}. */
json_object *hints_to_json(const struct hints *h);
