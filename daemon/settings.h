/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a command that talks to a store needs: the configuration (file,
 * drop-ins, then the command line options), the parsed store URL and the
 * credentials, all checked. */

#include "config.h"
#include "credentials.h"
#include "store-url.h"
#include "store.h"

#define VMC_SETTINGS_MAX_OVERRIDES 8

struct vmc_settings {
        const char *config_path;        /* NULL: the default, which may be missing */
        struct {
                const char *section, *key, *value, *option;
        } overrides[VMC_SETTINGS_MAX_OVERRIDES];
        size_t n_overrides;

        struct vmc_config cfg;
        struct vmc_store_url url;
        struct vmc_credentials cred;
};

/* Takes one of the common options (--config, --store, --credentials,
 * --spool, --crash-dir) by its getopt value; 0 when it was one, -ENOENT
 * when not, -E2BIG when there are too many. */
enum {
        VMC_OPT_CONFIG = 0x100,
        VMC_OPT_STORE,
        VMC_OPT_CREDENTIALS,
        VMC_OPT_SPOOL,
        VMC_OPT_CRASH_DIR,
};
#define VMC_SETTINGS_OPTIONS                                                      \
        { "config", required_argument, NULL, VMC_OPT_CONFIG },                    \
        { "store", required_argument, NULL, VMC_OPT_STORE },                      \
        { "credentials", required_argument, NULL, VMC_OPT_CREDENTIALS },          \
        { "spool", required_argument, NULL, VMC_OPT_SPOOL },                      \
        { "crash-dir", required_argument, NULL, VMC_OPT_CRASH_DIR }
int vmc_settings_option(struct vmc_settings *s, int opt, const char *arg);

/* Loads and checks everything; err says what is wrong in one line. */
int vmc_settings_load(struct vmc_settings *s, char *err, size_t errlen);
void vmc_settings_done(struct vmc_settings *s);

/* The [store] and [upload] settings a store backend uses; pointers into s. */
/* The spool directory: [capture] spool, or with spool = none the spool in
 * memory that holds report, log and state ($RUNTIME_DIRECTORY/spool, else
 * /run/vmcored/spool). */
const char *vmc_settings_spool(const struct vmc_settings *s, char *buf, size_t len);
void vmc_runtime_spool(char *buf, size_t len);

void vmc_settings_store_options(const struct vmc_settings *s, struct vmc_store_options *ret);
