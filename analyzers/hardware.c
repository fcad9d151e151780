/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hardware errors: machine checks, APEI/GHES and EDAC reports, PCIe AER,
 * NMIs for memory or bus errors, arm64 SErrors. An uncorrected one at or
 * before the crash makes the crash a hardware crash: the report says so and
 * its fingerprint is marked, so a fleet does not chase it as a kernel bug.
 * Corrected errors alone are a warning (a part that is failing). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "explain.h"
#include "util.h"

enum hw_severity { HW_NONE, HW_CORRECTED, HW_UNKNOWN, HW_FATAL };

static bool has(const char *s, size_t n, const char *needle) {
        return memmem(s, n, needle, strlen(needle)) != NULL;
}

static bool has_error_word(const char *s, size_t n) {
        return has(s, n, "rror") || has(s, n, " CE ") || has(s, n, " UE ") || has(s, n, "orrected");
}

/* Whether a log line reports a hardware error, and how bad. Subsystem
 * banners ("EDAC MC: Ver: 3.0.0", "GHES: APEI firmware first mode is
 * enabled") are not errors: EDAC, GHES and AER lines count only with an
 * error word. */
static enum hw_severity classify(const char *s, size_t n) {
        static const char *const always[] = {
                "[Hardware Error]", "Machine Check Exception", "Machine check events logged", "Memory failure: ",
                "NMI: PCI system error", "NMI: IOCK error", "SError Interrupt", "PCIe Bus Error",
        };
        static const char *const with_word[] = { "EDAC ", "GHES: ", "AER: ", "mce: " };
        bool hit = false;

        for (size_t i = 0; i < ELEMENTSOF(always) && !hit; i++)
                hit = has(s, n, always[i]);
        for (size_t i = 0; i < ELEMENTSOF(with_word) && !hit; i++)
                hit = has(s, n, with_word[i]) && has_error_word(s, n);
        if (!hit)
                return HW_NONE;
        /* "mce: CPU0: Core temperature above threshold" is not an error. */
        if (has(s, n, "temperature") || has(s, n, "Thermal"))
                return HW_NONE;
        if (has(s, n, "orrected error") && !has(s, n, "ncorrected"))
                return HW_CORRECTED;
        if (has(s, n, " CE ") || has(s, n, "severity: corrected") || has(s, n, "severity=Corrected") ||
            has(s, n, "Machine check events logged") || has(s, n, "soft offline"))
                return HW_CORRECTED;
        if (has(s, n, "ncorrect") || has(s, n, "atal") || has(s, n, " UE ") || has(s, n, "Machine Check Exception") ||
            has(s, n, "SError Interrupt") || has(s, n, "NMI: PCI system error") || has(s, n, "NMI: IOCK error") ||
            has(s, n, "Memory failure: ") || has(s, n, "severity: recoverable"))
                return HW_FATAL;
        return HW_UNKNOWN;
}

static const char *line_text(const struct explain *x, size_t l, size_t *n) {
        const struct klog_line *line = &x->r->log->lines[l];
        *n = line->len - line->body;
        return line->text + line->body;
}

int analyze_hardware(struct explain *x) {
        const struct klog *log = x->r->log;
        size_t end = x->fatal ? x->fatal->end_line + 1 : log->n_lines;
        size_t first_fatal = SIZE_MAX, n_corrected = 0, first_corrected = SIZE_MAX, n_errors = 0;
        bool panic_says = false;
        json_object *ev;
        int k;

        /* Errors up to the end of the crash report; after it, the panic
         * line ("Fatal machine check") still counts. */
        for (size_t l = 0; l < end && l < log->n_lines; l++) {
                size_t n;
                const char *s = line_text(x, l, &n);
                enum hw_severity sev = classify(s, n);

                if (sev == HW_NONE)
                        continue;
                n_errors++;
                if (sev == HW_CORRECTED) {
                        n_corrected++;
                        first_corrected = MIN(first_corrected, l);
                } else if (sev >= HW_UNKNOWN)
                        first_fatal = MIN(first_fatal, l);
        }
        if (x->r->panic_event >= 0) {
                const char *h = x->r->events[x->r->panic_event].header;
                panic_says = h && (strstr(h, "achine check") || strstr(h, "ardware error") ||
                                   strstr(h, "Hardware Error") || strstr(h, "MCE"));
        }
        if (x->fatal && x->fatal->kind == OOPS_HARDWARE_ERROR && first_fatal == SIZE_MAX)
                first_fatal = x->fatal->line;
        if (first_fatal == SIZE_MAX && !panic_says && n_corrected == 0)
                return 0;

        if (first_fatal != SIZE_MAX || panic_says) {
                size_t l = first_fatal != SIZE_MAX ? first_fatal : (size_t) x->r->events[x->r->panic_event].line;
                size_t n;
                const char *s = line_text(x, l, &n);
                _cleanup_free_ char *text = strndup(s, MIN(n, (size_t) 240));

                ev = json_object_new_object();
                if (!ev || !text) {
                        json_object_put(ev);
                        return -ENOMEM;
                }
                json_object_object_add(ev, "line", json_object_new_int64(log->lines[l].lineno));
                json_object_object_add(ev, "text", json_object_new_string(text));
                json_object_object_add(ev, "errors", json_object_new_int64((int64_t) n_errors));
                json_object_object_add(ev, "corrected", json_object_new_int64((int64_t) n_corrected));
                x->r->hardware_error = true;
                return hints_add(x->out, "hardware", "hardware-error", HINT_CRITICAL, ev,
                                 "a hardware error was reported %s the crash (line %u: \"%s\"): treat it as a "
                                 "hardware fault of this host, not a kernel bug; the fingerprint is marked -hw",
                                 first_fatal != SIZE_MAX && x->fatal && first_fatal < x->fatal->line ? "before"
                                                                                                      : "with",
                                 log->lines[l].lineno, text);
        }
        ev = json_object_new_object();
        if (!ev)
                return -ENOMEM;
        json_object_object_add(ev, "corrected", json_object_new_int64((int64_t) n_corrected));
        json_object_object_add(ev, "first_line", json_object_new_int64(log->lines[first_corrected].lineno));
        k = hints_add(x->out, "hardware", "corrected-hardware-errors", HINT_WARNING, ev,
                      "%zu corrected hardware error%s logged before the crash (first at line %u): a part may be "
                      "failing; if crashes on this host are unlike others, suspect the hardware",
                      n_corrected, n_corrected == 1 ? " was" : "s were", log->lines[first_corrected].lineno);
        return k;
}
