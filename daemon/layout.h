/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The store layout (docs/store-layout.md):
 *   v1/crashes/CRASH_ID/{report.json, dmesg.txt, vmcore, MANIFEST.json}
 *   v1/fingerprints/FP/CRASH_ID.json
 *   v1/inbox/CRASH_ID.json, CRASH_ID.dump.json (a copy for 'vmcored index')
 * A CRASH_ID is deterministic from the dump (crash time, then a hash of the
 * kernel's identity and the crashing CPU's state), so collecting the same
 * dump again names the same crash instead of adding one. */

#include <json-c/json.h>
#include <stdbool.h>

#include "report.h"

#define VMC_CRASH_ID_MAX 40
#define VMC_HOST_ID_LEN 16
#define VMC_MANIFEST_SCHEMA "vmcored.manifest/1"
#define VMC_FINGERPRINT_SCHEMA "vmcored.fingerprint/1"

/* "20261122T050912Z-1a2b3c4d5e6f"; -EINVAL when r is not from a dump. */
int vmc_crash_id(const struct vmc_report *r, char id[VMC_CRASH_ID_MAX]);

/* A host id that does not reveal the host: 16 hex digits of a hash of
 * /etc/machine-id, or of nodename when there is none. */
int vmc_host_id(const char *nodename, char id[VMC_HOST_ID_LEN + 1]);

/* "v1/crashes/ID/FILE" and "v1/fingerprints/FP/ID.json" (caller frees). */
char *vmc_key_crash(const char *crash_id, const char *file);
char *vmc_key_fingerprint(const char *fingerprint, const char *crash_id);
char *vmc_key_fingerprint_dir(const char *fingerprint);
/* The record's copy in the inbox, which 'vmcored index' takes into the
 * index: one name per content (the record before and after the dump is
 * stored), so that removing what was indexed never removes a newer copy. */
char *vmc_key_inbox(const char *crash_id, bool dump);

/* The small record the fleet view groups crashes by: crash id, title,
 * fingerprint, crash time, kernel, host id, known issues, whether a dump is
 * stored. */
json_object *vmc_fingerprint_record(const struct vmc_report *r, const char *crash_id, const char *host_id);
