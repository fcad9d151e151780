/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Store secrets: a file of "access_key = ...", "secret_key = ..." (S3, with
 * an optional session "token = ..."), "token = ..." (HTTPS bearer) or "user = ..." and "password = ..." (HTTPS
 * basic authentication), '#' comments. It must not be readable by
 * group or others (0600 or stricter) or it is refused. A name without a
 * slash is a systemd credential: $CREDENTIALS_DIRECTORY/NAME (LoadCredential=
 * in the unit). Secrets never appear in messages: errors name the file,
 * the line and the key only. */

#include <stddef.h>

#define VMC_CREDENTIAL_NAME "vmcored-store"

struct vmc_credentials {
        char *access_key, *secret_key, *token, *user, *password;
        char *source;                   /* the file read */
};

/* where: the [store] credentials setting; empty means the systemd
 * credential VMC_CREDENTIAL_NAME when $CREDENTIALS_DIRECTORY has one, else
 * none (0, all fields NULL). */
int vmc_credentials_load(const char *where, struct vmc_credentials *ret, char *err, size_t errlen);

/* Wipes and frees. */
void vmc_credentials_done(struct vmc_credentials *c);
