/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* JSON helpers shared by report.c and report-vmcore.c (internal). */

#include <json-c/json.h>
#include <stdint.h>

/* Adds v under key, a string literal that is not yet in o. */
void vmc_jadd(json_object *o, const char *key, json_object *v);
/* A JSON string, made valid UTF-8 (kernel text may be any bytes); NULL
 * gives NULL (JSON null). */
json_object *vmc_jstr(const char *s);
/* "0x" and 16 hex digits. */
json_object *vmc_jhex(uint64_t v);
