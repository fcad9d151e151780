/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"
#include "util.h"

int vmc_settings_option(struct vmc_settings *s, int opt, const char *arg) {
        static const struct {
                int opt;
                const char *section, *key, *option;
        } map[] = {
                { VMC_OPT_STORE, "store", "url", "--store" },
                { VMC_OPT_CREDENTIALS, "store", "credentials", "--credentials" },
                { VMC_OPT_SPOOL, "capture", "spool", "--spool" },
                { VMC_OPT_CRASH_DIR, "capture", "crash_dir", "--crash-dir" },
        };

        if (opt == VMC_OPT_CONFIG) {
                s->config_path = arg;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (map[i].opt == opt) {
                        if (s->n_overrides == VMC_SETTINGS_MAX_OVERRIDES)
                                return -E2BIG;
                        s->overrides[s->n_overrides].section = map[i].section;
                        s->overrides[s->n_overrides].key = map[i].key;
                        s->overrides[s->n_overrides].value = arg;
                        s->overrides[s->n_overrides].option = map[i].option;
                        s->n_overrides++;
                        return 0;
                }
        return -ENOENT;
}

int vmc_settings_load(struct vmc_settings *s, char *err, size_t errlen) {
        int r;

        r = vmc_config_init(&s->cfg);
        if (r < 0)
                return r;
        r = vmc_config_load(&s->cfg, s->config_path ?: VMC_CONFIG_DEFAULT, !s->config_path, err, errlen);
        for (size_t i = 0; r >= 0 && i < s->n_overrides; i++)
                r = vmc_config_set(&s->cfg, s->overrides[i].section, s->overrides[i].key, s->overrides[i].value,
                                   s->overrides[i].option, err, errlen);
        if (r >= 0)
                r = vmc_store_url_parse(s->cfg.store_url, s->cfg.allow_http, &s->url, err, errlen);
        if (r >= 0)
                r = vmc_credentials_load(s->cfg.credentials, &s->cred, err, errlen);
        return r;
}

void vmc_settings_done(struct vmc_settings *s) {
        vmc_credentials_done(&s->cred);
        vmc_store_url_done(&s->url);
        vmc_config_done(&s->cfg);
}

void vmc_settings_store_options(const struct vmc_settings *s, struct vmc_store_options *ret) {
        *ret = (struct vmc_store_options){
                .connect_timeout = s->cfg.connect_timeout,
                .stall_timeout = s->cfg.stall_timeout,
                .retries = s->cfg.retries,
                .ca_file = s->cfg.ca_file,
                .ssh_key = s->cfg.ssh_key,
                .ssh_host_key = s->cfg.ssh_host_key,
        };
}

void vmc_runtime_spool(char *buf, size_t len) {
        const char *rt = getenv("RUNTIME_DIRECTORY");
        size_t n = rt ? strcspn(rt, ":") : 0;

        if (n > 0)
                snprintf(buf, len, "%.*s/spool", (int) n, rt);
        else
                snprintf(buf, len, "/run/vmcored/spool");
}

const char *vmc_settings_spool(const struct vmc_settings *s, char *buf, size_t len) {
        if (strcmp(s->cfg.spool, "none") != 0)
                return s->cfg.spool;
        vmc_runtime_spool(buf, len);
        return buf;
}
