/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Known-issue rules: data files a fleet adds without recompiling
 * (*.rules files in conf/signatures.d and /etc/vmcored/signatures.d; format in
 * docs/known-issues.md). A rule names an issue (id, summary, url) and the
 * crashes it covers:
 *
 *     [nic-dma-over-freed-memory]
 *     summary = Network packet data written over kernel memory
 *     url = https://example.org/...
 *     hint = packet-bytes
 *     kernel = >= 4.14
 *     arch = x86_64
 *
 * Every condition a rule states must hold; a key given twice matches
 * either value. Globs (fnmatch) for title, event, function, module. Rules
 * that match are ranked by priority, then by how many conditions they
 * state (the most specific first), then by load order. A rule loaded later
 * with the id of an earlier one replaces it (/etc over the shipped rules);
 * `disabled = yes` removes it. */

#include <stdbool.h>
#include <stddef.h>

struct rules;
struct vmc_report;

struct known_issue {
        char *id;
        char *summary;
        char *url;              /* or NULL */
        char *file;
        unsigned line;
        int priority;
        char *matched;          /* the conditions that held, "title, hint=packet-bytes" */
};

int rules_new(struct rules **ret);
void rules_free(struct rules *rs);

/* Loads one file. On a bad rule: -EBADMSG, nothing of the file kept, and
 * "FILE:LINE: what is wrong" in errbuf. */
int rules_load_file(struct rules *rs, const char *path, char *errbuf, size_t errlen);

/* Loads dir's *.rules files in name order; -ENOENT when dir is missing. A
 * bad file is left out, the others are loaded, and the first error is
 * returned. */
int rules_load_dir(struct rules *rs, const char *dir, char *errbuf, size_t errlen);

/* Rules in effect (after overrides and disabling). */
size_t rules_count(const struct rules *rs);

/* The known issues the report matches, best first (*ret NULL, *n 0 for
 * none). */
int rules_match(const struct rules *rs, const struct vmc_report *r, struct known_issue **ret, size_t *n);

void known_issues_free(struct known_issue *v, size_t n);

/* Compares kernel releases numerically ("6.1.0-56-amd64" > "5.10.218"):
 * <0, 0, >0. */
int kernel_release_cmp(const char *a, const char *b);
