/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* vmcored.conf: an INI file with [capture], [store], [upload] and [analyze]
 * sections and drop-ins in vmcored.conf.d/ (NAME.conf files, read in name order, later
 * ones win). Parsed here, never by a shell. An unknown section or key, or a
 * bad value, is an error naming the file, the line and the key. The
 * documented defaults are in conf/vmcored.conf. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMC_CONFIG_DEFAULT "/etc/vmcored/vmcored.conf"

enum vmc_upload_dump {
        VMC_UPLOAD_DUMP_ALWAYS,
        VMC_UPLOAD_DUMP_UNKNOWN,        /* while the store has few for the fingerprint */
        VMC_UPLOAD_DUMP_NEVER,
};

struct vmc_config {
        /* [capture] */
        char *spool;                    /* "none": stream, no local copy */
        char *crash_dir;                /* where kdump tools leave dumps */
        unsigned dump_level;            /* makedumpfile -d, 0-31 */
        char *compression;              /* lzo, zlib, zstd, snappy, none */
        unsigned keep_days;             /* a stored crash stays in the spool this long */
        uint64_t keep_size;             /* bytes of stored crashes kept; 0: no limit */
        bool delete_ingested;           /* delete a kdump tool's dump once the store has it */
        /* [store] */
        char *store_url;
        char *credentials;              /* file of access_key/secret_key or token */
        char *ca_file;
        bool allow_http;
        char *ssh_key;                  /* sftp: the client's private key */
        char *ssh_host_key;             /* sftp: the server's key fingerprint */
        unsigned connect_timeout;       /* seconds */
        unsigned stall_timeout;         /* seconds without progress */
        /* [upload] */
        enum vmc_upload_dump upload_dump;
        unsigned dumps_per_fingerprint; /* for upload_dump = unknown */
        unsigned retries;
        unsigned give_up_attempts;      /* runs that failed; 0: never give up */
        unsigned give_up_days;          /* age in the spool; 0: never */
        /* [analyze] */
        char *signatures;               /* known-issue rules directory */
};

/* The built-in defaults. */
int vmc_config_init(struct vmc_config *c);
void vmc_config_done(struct vmc_config *c);

/* Reads path, then the .conf files in path.d/. A missing main file is not an error when
 * missing_ok is set (the default path on a host without a config). Fills
 * err with "FILE:LINE: [section] key: reason" on failure (-EINVAL), or the
 * file's error (-errno). */
int vmc_config_load(struct vmc_config *c, const char *path, bool missing_ok, char *err, size_t errlen);

/* Applies one "section.key=value" setting as if read from `origin` (for
 * command line options); the same checks as in a file. */
int vmc_config_set(struct vmc_config *c, const char *section, const char *key, const char *value,
                   const char *origin, char *err, size_t errlen);

const char *vmc_upload_dump_to_string(enum vmc_upload_dump d);
