/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The state of one crash in the spool: SPOOL/CRASH_ID/state.json, the
 * record of what exists and what the store already has. It is replaced
 * whole at every step (temporary file, fsync, rename, fsync of the
 * directory), so kill -9 or a power cut at any point leaves either the old
 * or the new state, and the next run finishes the job from there without
 * losing or repeating anything that matters. */

#include <stdbool.h>
#include <stdint.h>

#define VMC_SPOOL_STATE_SCHEMA "vmcored.spool/1"
#define VMC_SPOOL_STATE_FILE "state.json"

/* What the store has, in the order they are stored. */
enum vmc_stage {
        VMC_STAGE_FINGERPRINT,          /* v1/fingerprints/FP/ID.json (without the dump) */
        VMC_STAGE_REPORT,
        VMC_STAGE_DMESG,
        VMC_STAGE_VMCORE,
        VMC_STAGE_MANIFEST,             /* the crash is complete */
        VMC_STAGE_RECORD_DUMP,          /* the record says the dump is stored */
        _VMC_STAGE_MAX,
};

enum vmc_dump_plan {
        VMC_DUMP_UNDECIDED,             /* [upload] dump = unknown, not counted yet */
        VMC_DUMP_WANTED,
        VMC_DUMP_SKIPPED,               /* by policy */
        VMC_DUMP_FAILED,                /* capture failed; see last_error */
};

struct vmc_spool_state {
        char crash_id[40];
        char fingerprint[128];
        char source_format[32];         /* of the dump collect read */
        enum vmc_dump_plan dump;
        bool captured;                  /* SPOOL/ID/vmcore is whole */
        char dump_format[32];           /* of SPOOL/ID/vmcore, when captured */
        int dump_level;                 /* makedumpfile -d; -1: copied as it was */
        char compression[16];           /* "" when copied */
        bool dump_elsewhere;            /* collect --fingerprint-only: a kdump tool saves the dump */
        char tool_dir[1024];            /* the kdump tool's directory the dump was ingested from, or "" */
        bool streamed;                  /* the dump went straight to the store (no SPOOL/ID/vmcore) */
        uint64_t dump_size;             /* of the streamed dump */
        char dump_sha256[65];           /* of the streamed dump, hex */
        char lost[256];                 /* what could not be kept, and why, or "" */
        char upload_id[512];            /* the dump's open multipart upload (S3), or "" */
        bool stored[_VMC_STAGE_MAX];
        unsigned attempts;              /* store runs that did not finish */
        char last_error[512];
        char gave_up[256];              /* why no more attempts are made, or "" */
        int64_t created, updated;       /* unix time */
};

const char *vmc_stage_name(enum vmc_stage s);
const char *vmc_dump_plan_name(enum vmc_dump_plan p);

/* Reads CRASH_DIR/state.json: -ENOENT when there is none, -EBADMSG with
 * err set when it is not one of ours. */
int vmc_spool_state_load(int crash_dirfd, struct vmc_spool_state *ret, char *err, size_t errlen);

/* Replaces CRASH_DIR/state.json atomically and durably; sets updated. */
int vmc_spool_state_save(int crash_dirfd, struct vmc_spool_state *s);

/* Whether the store has everything it should: MANIFEST and, when the dump
 * was stored, the record saying so. */
bool vmc_spool_state_complete(const struct vmc_spool_state *s);
