/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "signatures.h"

static int load(struct vmc_analyzer *a, const char *dir, bool must_exist) {
        char err[512] = "";
        int r = vmc_analyzer_add_rules(a, dir, err, sizeof(err));

        if (r == -ENOENT && !must_exist && strstr(err, dir) == err)
                return 0;
        if (r < 0)
                log_error("known-issue rules: %s", *err ? err : strerror(-r));
        return r;
}

int vmc_signatures_load(struct vmc_analyzer *a, const char *site_dir, char *const *extra, size_t n_extra,
                        bool defaults) {
        int r = 0, k;

        if (defaults) {
                k = load(a, VMCORED_RULES_DIR, false);
                r = r < 0 ? r : k;
                if (site_dir && *site_dir && strcmp(site_dir, VMCORED_RULES_DIR) != 0) {
                        k = load(a, site_dir, false);
                        r = r < 0 ? r : k;
                }
        }
        for (size_t i = 0; i < n_extra; i++) {
                k = load(a, extra[i], true);
                r = r < 0 ? r : k;
        }
        return r;
}
