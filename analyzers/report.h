/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The analyzer's front door: analyse a kernel log into a report (title,
 * fingerprints, events, fatal event, kernel facts) and render it as JSON
 * (docs/report-schema.md) or as a human summary.
 *
 *     struct vmc_analyzer *a;
 *     vmc_analyzer_new(&a, err, sizeof(err));
 *     klog_from_file("vmcore-dmesg.txt", &log);
 *     vmc_analyze_log(a, log, "vmcore-dmesg.txt", &report);
 *     json_object *j = vmc_report_to_json(report);
 *
 * An analyzer holds the compiled rules and is reused across logs; it is not
 * thread-safe (use one per thread). */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "hint.h"
#include "klog.h"
#include "oops.h"
#include "title.h"

#define VMC_REPORT_SCHEMA "vmcored.report/1"

struct vmc_analyzer;
struct vmc_vmcore;

/* The crashing CPU and task, from the dump and the log together. */
struct vmc_panic {
        int cpu;                        /* -1 unknown */
        int pid;                        /* -1 unknown */
        char *comm;
        ssize_t note;                   /* index in vmcore->cpus, -1 unknown */
        const char *cpu_from;           /* "panic_cpu", "log", "only-cpu" */
        const char *note_from;          /* "only-note", "pid", "crash-ip", "rip" */
};

struct vmc_report {
        char *source;                   /* path, "-" for stdin, or NULL */
        struct klog *log;
        struct title_result title;      /* the crash title (syzkaller rules) */
        struct oops_event *events;
        size_t n_events;
        ssize_t title_event;            /* event the title comes from, -1: no crash */
        ssize_t fatal_event;            /* -1: no crash */
        ssize_t panic_event;            /* first "Kernel panic - not syncing", -1 */
        char *fingerprint;              /* of the title event */
        char *duphash;                  /* koops duphash of the title event */
        char **event_fingerprints;      /* per event, may hold NULLs */
        char *linux_banner;             /* "Linux version ..." line, if any */

        /* Set when the report comes from a crash dump. */
        struct vmc_vmcore *vmcore;
        const char *log_source;         /* "dump", "file" (a saved log), NULL: none */
        struct vmc_panic panic;

        /* What the built-in analyzers found (vmc_report_explain()). */
        struct hints hints;
        json_object *analyzers;         /* which ran, which were skipped and why */
        bool hardware_error;            /* the crash is flagged as hardware */

        /* Known issues the crash matches (rules.h), best first. */
        struct known_issue *known_issues;
        size_t n_known_issues;
};

int vmc_analyzer_new(struct vmc_analyzer **ret, char *errbuf, size_t errlen);
void vmc_analyzer_free(struct vmc_analyzer *a);

/* Whether analyses run the built-in analyzers (explain.h); on by default.
 * Off, a report has the log analysis only. */
void vmc_analyzer_set_explain(struct vmc_analyzer *a, bool on);

/* Adds the known-issue rules of the *.rules files in dir (rules.h). A bad
 * file is an error (-EBADMSG) with its name and line in errbuf; a missing
 * directory is -ENOENT. */
int vmc_analyzer_add_rules(struct vmc_analyzer *a, const char *dir, char *errbuf, size_t errlen);

/* The title engine inside an analyzer (for fingerprint_material() etc.). */
struct title_engine *vmc_analyzer_titles(struct vmc_analyzer *a);

/* Takes ownership of log (also on failure). */
int vmc_analyze_log(struct vmc_analyzer *a, struct klog *log, const char *source, struct vmc_report **ret);

/* Analyzes a crash dump read by vmc_vmcore_read(): the log from its
 * memory, or fallback_log (the log a kdump tool saved next to it) when the
 * dump's log cannot be read. Takes ownership of vm and fallback_log (also on
 * failure). */
int vmc_analyze_vmcore(struct vmc_analyzer *a, struct vmc_vmcore *vm, struct klog *fallback_log, const char *source,
                       struct vmc_report **ret);

/* Runs the built-in analyzers (explain.h) over the report: its hints,
 * hardware_error, and the fingerprint of a hardware crash. The analyze
 * functions call it; 0 or -ENOMEM. */
int vmc_report_explain(struct vmc_report *r);

/* The report comes from a damaged dump (log, registers or symbols lost). */
bool vmc_report_partial(const struct vmc_report *r);

/* The "dump", "panic" and "cpus" members of the JSON report (report-vmcore.c). */
void vmc_report_vmcore_json(const struct vmc_report *r, json_object *o);
void vmc_report_vmcore_print(const struct vmc_report *r, FILE *f);

void vmc_report_free(struct vmc_report *r);

/* The report as JSON (docs/report-schema.md). NULL on allocation failure. */
json_object *vmc_report_to_json(const struct vmc_report *r);

/* The event that describes the crash: the fatal one, else the one the
 * title comes from; NULL without a crash. */
const struct oops_event *vmc_report_crash_event(const struct vmc_report *r);

/* A human-readable summary. */
int vmc_report_print(const struct vmc_report *r, FILE *f);

/* Kernel architecture guessed from registers, frames and the banner:
 * "x86_64", "i386", "arm64", "arm", "powerpc", "riscv", "s390", or NULL. */
const char *vmc_report_arch(const struct vmc_report *r);
