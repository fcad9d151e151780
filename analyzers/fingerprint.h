/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Crash fingerprints (docs/fingerprint.md).
 *
 * fp1: "fp1-" + 16 hex digits of SHA-256 over the title's class and the
 * chain of reliable frames from the guilty frame down (at most
 * FINGERPRINT_FRAMES, stopping at entry code), with offsets, sizes,
 * addresses, module names and compiler clone suffixes removed. Nothing
 * host-, boot- or build-specific goes in, so the same bug on another host,
 * boot or rebuild of the same source gets the same fingerprint.
 *
 * koops duphash: ABRT/satyr-compatible (SHA-1 of the first six reliable
 * frames' function names, RIP frame first), for interoperability with FAF
 * and abrt-oops. */

#include "oops.h"
#include "strbuf.h"
#include "title.h"

#define FINGERPRINT_SCHEMA "fp1"
#define FINGERPRINT_FRAMES 3
#define KOOPS_DUPHASH_FRAMES 6

/* The text that is hashed, one item per line: schema, class, frames. */
int fingerprint_material(struct title_engine *te, const struct oops_event *ev, struct strbuf *out);

/* "fp1-0123456789abcdef"; NULL *ret when the event has no title. */
int fingerprint_compute(struct title_engine *te, const struct oops_event *ev, char **ret);

/* 40 hex digits; NULL *ret when the event has no frames. */
int koops_duphash(const struct oops_event *ev, char **ret);

/* The class of a title: the part before its last " in " (all of it when
 * there is none). Returns the length of the class. */
size_t title_class_len(const char *title);

/* Function name reduced for comparison: clone suffixes and syscall
 * prefixes removed. Returns a newly allocated string. */
char *frame_canonical_name(const char *function);
