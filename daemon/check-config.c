/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "kdump-check.h"
#include "layout.h"
#include "log.h"
#include "settings.h"
#include "util.h"

static void help(void) {
        printf("Usage: vmcored check-config [OPTIONS]\n"
               "\n"
               "Read vmcored.conf and its drop-ins (vmcored.conf.d/*.conf), apply the\n"
               "command line settings, check every value and the store credentials, and print\n"
               "the settings in effect. Secrets are never printed.\n"
               "\n"
               "Options:\n"
               "      --config FILE       the configuration file (default %s;\n"
               "                          when it does not exist, the built-in defaults)\n"
               "      --store URL         [store] url: s3://BUCKET/PREFIX?endpoint=..., https://HOST/PATH,\n"
               "                          sftp://USER@HOST/DIR or file:///DIR\n"
               "      --credentials FILE  [store] credentials\n"
               "      --spool DIR         [capture] spool\n"
               "      --crash-dir DIR     [capture] crash_dir\n"
               "      --probe             also reach the store: write a small test object\n"
               "                          (v1/probe/HOST-TIME), read it back, delete it\n"
               "      --kdump             also check this kernel's kdump setup: memory reserved\n"
               "                          (crashkernel=), a capture kernel loaded, and whether the\n"
               "                          reservation fits the capture initramfs (an estimate)\n"
               "      --capture-initrd FILE  the capture initramfs for --kdump (default: kdump-tools'\n"
               "                          or kdump-utils' image of the running kernel)\n"
               "  -h, --help              show this help\n"
               "\n"
               "Exit status: 0 the configuration is valid (and the store works, with --probe;\n"
               "and a crash would be captured, with --kdump), 1 it is not (the message names\n"
               "the file, line and key, the store's answer, or what kdump lacks), 2 usage error.\n",
               VMC_CONFIG_DEFAULT);
}

/* Writes, reads back and deletes a small object: the URL, credentials,
 * certificates or host key, and permissions all work, before a crash
 * needs them. */
static int probe_store(const struct vmc_settings *st) {
        struct vmc_store_options opt;
        struct vmc_store *store = NULL;
        char host[VMC_HOST_ID_LEN + 1], key[128], body[256], err[1024] = "", stamp[32];
        _cleanup_free_ char *back = NULL;
        struct utsname uts;
        uint64_t size = 0;
        size_t len = 0;
        time_t now = time(NULL);
        bool written;
        int r;

        if (uname(&uts) < 0 || vmc_host_id(uts.nodename, host) < 0)
                snprintf(host, sizeof(host), "unknown");
        strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&now));
        snprintf(key, sizeof(key), "v1/probe/%s-%s-%d", host, stamp, (int) getpid());
        snprintf(body, sizeof(body), "vmcored %s probe from host %s at %s\n", PACKAGE_VERSION, host, stamp);

        vmc_settings_store_options(st, &opt);
        r = vmc_store_open(&st->url, &st->cred, &opt, &store, err, sizeof(err));
        if (r >= 0)
                r = vmc_store_put(store, key, body, strlen(body), err, sizeof(err));
        written = r >= 0;
        if (r >= 0) {
                r = vmc_store_stat(store, key, &size, err, sizeof(err));
                if (r == 0 || (r > 0 && size != strlen(body)))
                        r = set_error(-EIO, err, sizeof(err), "%s: %s: written, but %s", vmc_store_name(store), key,
                                      r == 0 ? "not there afterwards" : "of another size afterwards");
        }
        if (r >= 0) {
                r = vmc_store_get(store, key, 4096, &back, &len, err, sizeof(err));
                if (r >= 0 && (len != strlen(body) || memcmp(back, body, len) != 0))
                        r = set_error(-EIO, err, sizeof(err), "%s: %s: read back different", vmc_store_name(store),
                                      key);
        }
        if (r >= 0) {
                r = vmc_store_delete(store, key, err, sizeof(err));
                written = false; /* tried: once is enough */
                if (r >= 0) {
                        r = vmc_store_stat(store, key, NULL, err, sizeof(err));
                        if (r > 0)
                                r = set_error(-EIO, err, sizeof(err), "%s: %s: still there after deleting it",
                                              vmc_store_name(store), key);
                }
        }
        if (r < 0 && written) {
                /* Leave nothing behind when the write worked but a later
                 * step did not. */
                char ignored[256];
                (void) vmc_store_delete(store, key, ignored, sizeof(ignored));
        }
        if (r < 0)
                log_error("store probe failed: %s", *err ? err : strerror(-r));
        else
                fprintf(stderr, "vmcored: store %s OK: wrote, read back and deleted %s\n", vmc_store_name(store),
                        key);
        vmc_store_close(store);
        return r;
}

enum { OPT_PROBE = 0x200, OPT_KDUMP, OPT_CAPTURE_INITRD };

struct checks {
        bool probe;
        bool kdump;
        const char *capture_initrd;
};

static int take_option(int opt, const char *arg, void *userdata) {
        struct checks *c = userdata;

        if (opt == OPT_PROBE)
                c->probe = true;
        else if (opt == OPT_KDUMP)
                c->kdump = true;
        else if (opt == OPT_CAPTURE_INITRD) {
                c->kdump = true;
                c->capture_initrd = arg;
        } else
                return -ENOENT;
        return 0;
}

int cmd_check_config(int argc, char **argv) {
        static const struct option options[] = {
                VMC_SETTINGS_OPTIONS,
                { "probe", no_argument, NULL, OPT_PROBE },
                { "kdump", no_argument, NULL, OPT_KDUMP },
                { "capture-initrd", required_argument, NULL, OPT_CAPTURE_INITRD },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct vmc_settings st = {};
        const struct vmc_config *cfg = &st.cfg;
        const struct vmc_credentials *cred = &st.cred;
        struct checks c = {};
        int ret = 1;

        if (!vmc_command_setup("check-config", argc, argv, options, help, take_option, &c, &st, &ret))
                goto out;

        printf("[capture]\nspool = %s\ncrash_dir = %s\ndump_level = %u\ncompression = %s\nkeep_days = %u\n"
               "keep_size = %" PRIu64 "\ndelete_ingested = %s\n\n",
               cfg->spool, cfg->crash_dir, cfg->dump_level, cfg->compression, cfg->keep_days, cfg->keep_size,
               cfg->delete_ingested ? "yes" : "no");
        printf("[store]\nurl = %s\ncredentials = %s%s%s%s\nca_file = %s\nssh_key = %s\nssh_host_key = %s\n"
               "allow_http = %s\nconnect_timeout = %u\nstall_timeout = %u\n\n",
               cfg->store_url, cred->source ?: "(none)",
               cred->access_key ? " (access_key, secret_key)" : "", cred->token ? " (token)" : "",
               cred->user ? " (user, password)" : "",
               *cfg->ca_file ? cfg->ca_file : "(system)", cfg->ssh_key, *cfg->ssh_host_key ? cfg->ssh_host_key : "(none)",
               cfg->allow_http ? "yes" : "no", cfg->connect_timeout,
               cfg->stall_timeout);
        printf("[upload]\ndump = %s\ndumps_per_fingerprint = %u\nretries = %u\ngive_up_attempts = %u\n"
               "give_up_days = %u\n\n[analyze]\nsignatures = %s\n",
               vmc_upload_dump_to_string(cfg->upload_dump), cfg->dumps_per_fingerprint, cfg->retries,
               cfg->give_up_attempts, cfg->give_up_days, cfg->signatures);
        fprintf(stderr, "vmcored: configuration OK\n");
        ret = 0;
        if (c.probe && probe_store(&st) < 0)
                ret = 1;
        if (c.kdump && vmc_kdump_check(c.capture_initrd) < 0)
                ret = 1;
        /* Without --kdump too: a warning that costs one read of kallsyms. */
        if (!c.kdump)
                (void) vmc_kexec_kallsyms_check(false);
out:
        vmc_settings_done(&st);
        return ret;
}
