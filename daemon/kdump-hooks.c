/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kdump-utils' hook programs, vmcored under other names (kdump.conf takes a
 * program path and passes no options):
 *   kdump_pre  /usr/libexec/vmcored-kdump-pre   before kdump saves the dump:
 *              fingerprint, report and log to the store (collect
 *              --fingerprint-only);
 *   kdump_post /usr/libexec/vmcored-kdump-post  after it, with kdump's exit
 *              status as argument: the dump kdump saved goes to the store
 *              (linked from the spool, never moved); when kdump could not
 *              save it, vmcored captures /proc/vmcore itself.
 * Both exit 0 whatever happens: a failing kdump_pre makes kdump skip the
 * dump, and kdump only logs kdump_post's status. What is not stored now
 * is stored by the next boot's vmcored run: it finds kdump's
 * <path>/<ip>-<date>/vmcore on the dump target. */
#include <dirent.h>
#include <errno.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "kdumpdir.h"
#include "log.h"
#include "util.h"

#define KDUMP_CONF_DEFAULT "/etc/kdump.conf"
#define KDUMP_PATH_DEFAULT "/var/crash"

int vmc_kdump_pre(int argc, char **argv) {
        char *args[64] = { (char *) "collect", (char *) "--fingerprint-only" };
        int n = 2, r;

        for (int i = 1; i < argc && n < (int) (sizeof(args) / sizeof(args[0])) - 1; i++)
                args[n++] = argv[i];
        args[n] = NULL;
        r = cmd_collect(n, args);
        if (r != 0)
                log_warning("kdump_pre: collect --fingerprint-only exited with status %d; kdump saves the dump "
                            "anyway", r);
        return 0;
}

struct kdump_post {
        int kdump_status;
        const char *kdump_conf;
        const char *dump_dir;           /* given: no search */
        const char *vmcore;             /* what to capture when kdump could not */
        struct vmc_settings st;
};

static void post_help(void) {
        printf("Usage: vmcored-kdump-post [KDUMP_STATUS] [OPTIONS]\n"
               "\n"
               "kdump-utils' kdump_post hook (kdump.conf: kdump_post /usr/libexec/vmcored-kdump-post).\n"
               "kdump passes the exit status of its dump. 0: the dump kdump saved in\n"
               "<path>/<ip>-<date>/ on a mounted dump target is stored, linked from the\n"
               "spool; otherwise vmcored captures /proc/vmcore itself. Always exits 0;\n"
               "what is not stored now, the next boot's vmcored run stores.\n"
               "\n"
               "Options:\n"
               "      --kdump-conf FILE   kdump's settings, for 'path' (default %s)\n"
               "      --dump-dir DIR      the directory kdump saved the dump in (default: the\n"
               "                          newest <path>/*/vmcore of this boot on a mounted file system)\n"
               "      --vmcore FILE       the dump to capture when kdump could not (default /proc/vmcore)\n"
               "      --config FILE       the configuration file (default %s)\n"
               "      --store URL         [store] url\n"
               "      --credentials FILE  [store] credentials\n"
               "      --spool DIR         [capture] spool\n"
               "  -h, --help              show this help\n",
               KDUMP_CONF_DEFAULT, VMC_CONFIG_DEFAULT);
}

enum { ARG_KDUMP_CONF = 0x300, ARG_DUMP_DIR, ARG_VMCORE };

static int post_option(int opt, const char *arg, void *userdata) {
        struct kdump_post *p = userdata;

        if (opt == ARG_KDUMP_CONF)
                p->kdump_conf = arg;
        else if (opt == ARG_DUMP_DIR)
                p->dump_dir = arg;
        else if (opt == ARG_VMCORE)
                p->vmcore = arg;
        else
                return -ENOENT;
        return 0;
}

/* kdump.conf's "path" (where under the dump target kdump saves), else its
 * default. A missing file is the default; kdump itself refuses bad ones. */
static int kdump_conf_path(const char *conf, char *buf, size_t len) {
        _cleanup_fclose_ FILE *f = fopen(conf, "re");
        char line[4096];

        snprintf(buf, len, "%s", KDUMP_PATH_DEFAULT);
        if (!f)
                return errno == ENOENT ? 0 : -errno;
        while (fgets(line, sizeof(line), f)) {
                char *p = line + strspn(line, " \t"), *v, *e;

                if (strncmp(p, "path", 4) != 0 || (p[4] != ' ' && p[4] != '\t'))
                        continue;
                v = p + 4 + strspn(p + 4, " \t");
                e = v + strcspn(v, " \t\r\n#");
                *e = '\0';
                if (*v)
                        snprintf(buf, len, "%s", v);
        }
        return 0;
}

/* The boot time of this (capture) kernel: kdump saved the dump after it. */
static time_t boot_time(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/stat", "re");
        char line[256];
        long long bt;

        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "btime %lld", &bt) == 1)
                        return (time_t) bt;
        return 0;
}

static bool pseudo_fs(const char *type) {
        static const char *const types[] = { "proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "securityfs",
                                              "debugfs", "tracefs", "configfs", "pstore", "bpf", "mqueue", "hugetlbfs",
                                              "fusectl", "efivarfs", "autofs", "binfmt_misc", "9p" };
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                if (strcmp(type, types[i]) == 0)
                        return true;
        return false;
}

/* The complete kdump-utils dump in dir (its vmcore), into buf. */
static int saved_dump_in(const char *dir, char *buf, size_t len) {
        struct kdump_dir k;
        int r = kdump_dir_scan(dir, &k);

        if (r < 0)
                return r;
        r = k.n_dumps == 1 && !k.incomplete ? 0 : -ENOENT;
        if (r == 0)
                snprintf(buf, len, "%s", k.dumps[0]);
        kdump_dir_done(&k);
        return r;
}

/* The newest complete kdump-utils dump in <mount>/<path>/<name>/ saved
 * since this kernel booted, over every mounted file system (the dump
 * target is /sysroot for the root file system, else where kdump mounted
 * it). */
static int find_saved_dump(const char *path, time_t since, char *best, size_t len) {
        FILE *f = setmntent("/proc/self/mounts", "re");
        struct mntent *m;
        time_t newest = 0;

        *best = '\0';
        if (!f)
                return -errno;
        while ((m = getmntent(f))) {
                char base[8192];
                struct dirent *de;
                DIR *d;

                if (pseudo_fs(m->mnt_type))
                        continue;
                snprintf(base, sizeof(base), "%s/%s", strcmp(m->mnt_dir, "/") == 0 ? "" : m->mnt_dir,
                         path[0] == '/' ? path + 1 : path);
                d = opendir(base);
                if (!d)
                        continue;
                while ((de = readdir(d))) {
                        char dir[12288], dump[12800];
                        struct stat st;

                        if (de->d_name[0] == '.')
                                continue;
                        snprintf(dir, sizeof(dir), "%s/%s", base, de->d_name);
                        if (saved_dump_in(dir, dump, sizeof(dump)) == 0 && stat(dump, &st) == 0 &&
                            st.st_mtime >= since && st.st_mtime >= newest) {
                                newest = st.st_mtime;
                                snprintf(best, len, "%s", dump);
                        }
                }
                closedir(d);
        }
        endmntent(f);
        return *best ? 0 : -ENOENT;
}

static void post_store_saved(struct kdump_post *p) {
        char path[4096], dump[12800];
        int r;

        if (p->dump_dir) {
                if (saved_dump_in(p->dump_dir, dump, sizeof(dump)) < 0) {
                        log_warning("kdump_post: %s: no complete dump (vmcore) there", p->dump_dir);
                        return;
                }
        } else {
                r = kdump_conf_path(p->kdump_conf, path, sizeof(path));
                if (r < 0)
                        log_warning("kdump_post: %s: %s; looking in %s", p->kdump_conf, strerror(-r), path);
                r = find_saved_dump(path, boot_time(), dump, sizeof(dump));
                if (r < 0) {
                        /* An ssh or raw dump target, or a target kdump has
                         * unmounted: nothing here to read. */
                        log_warning("kdump_post: no dump kdump saved in this boot under %s on a mounted file system "
                                    "(an ssh or raw dump target?); the crash's fingerprint, report and log are "
                                    "vmcored's, the dump stays with kdump",
                                    path);
                        return;
                }
        }
        log_info("kdump_post: storing the dump kdump saved, %s", dump);
        r = vmc_collect_saved(&p->st, dump);
        if (r == EXIT_SPOOLED)
                log_warning("kdump_post: the store is away: the dump stays in %s, and the next boot's vmcored run "
                            "stores it",
                            dump);
        else if (r != 0)
                log_warning("kdump_post: collect exited with status %d; the next boot's vmcored run tries %s again", r,
                            dump);
}

int vmc_kdump_post(int argc, char **argv) {
        static const struct option options[] = {
                VMC_SETTINGS_OPTIONS,
                { "kdump-conf", required_argument, NULL, ARG_KDUMP_CONF },
                { "dump-dir", required_argument, NULL, ARG_DUMP_DIR },
                { "vmcore", required_argument, NULL, ARG_VMCORE },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct kdump_post p = { .kdump_conf = KDUMP_CONF_DEFAULT, .vmcore = "/proc/vmcore" };
        char *args[64] = { (char *) "kdump-post" };
        int n = 1, ret;

        /* kdump passes its status first; options may follow (by hand). */
        for (int i = 1; i < argc && n < (int) (sizeof(args) / sizeof(args[0])) - 1; i++) {
                char *end;
                long v;

                if (i == 1 && argv[i][0] != '-') {
                        errno = 0;
                        v = strtol(argv[i], &end, 10);
                        if (errno == 0 && *end == '\0' && end != argv[i]) {
                                p.kdump_status = (int) v;
                                continue;
                        }
                }
                args[n++] = argv[i];
        }
        args[n] = NULL;
        if (!vmc_command_setup("kdump_post", n, args, options, post_help, post_option, &p, &p.st, &ret)) {
                vmc_settings_done(&p.st);
                /* --help is asked for; anything else is logged, kdump goes on. */
                return 0;
        }
        if (p.kdump_status == 0)
                post_store_saved(&p);
        else {
                log_warning("kdump_post: kdump could not save the dump (status %d); vmcored captures %s itself",
                            p.kdump_status, p.vmcore);
                ret = vmc_collect_vmcore(&p.st, p.vmcore);
                if (ret != 0)
                        log_warning("kdump_post: collect exited with status %d", ret);
        }
        vmc_settings_done(&p.st);
        return 0;
}
