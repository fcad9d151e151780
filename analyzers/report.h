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
};

int vmc_analyzer_new(struct vmc_analyzer **ret, char *errbuf, size_t errlen);
void vmc_analyzer_free(struct vmc_analyzer *a);

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
