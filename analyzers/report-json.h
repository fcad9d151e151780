/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What report.c and report-vmcore.c share (internal): JSON helpers and
 * the steps of an analysis. */

#include <json-c/json.h>
#include <stdint.h>

/* Adds v under key, a string literal that is not yet in o. */
void vmc_jadd(json_object *o, const char *key, json_object *v);
/* A JSON string, made valid UTF-8 (kernel text may be any bytes); NULL
 * gives NULL (JSON null). */
json_object *vmc_jstr(const char *s);
/* "0x" and 16 hex digits. */
json_object *vmc_jhex(uint64_t v);

struct klog;
struct vmc_analyzer;
struct vmc_report;

/* The log analysis alone: title, events, fingerprints. */
int vmc_analyze_log_only(struct vmc_analyzer *a, struct klog *log, const char *source, struct vmc_report **ret);

/* The steps after it: the built-in analyzers and the known-issue rules. */
int vmc_report_finish(struct vmc_analyzer *a, struct vmc_report *r);
