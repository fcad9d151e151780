/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "dump.h"
#include "heap.h"
#include "isolate.h"
#include "kdumpdir.h"
#include "log.h"
#include "printk.h"
#include "strbuf.h"
#include "util.h"

static void help(void) {
        printf("Usage: vmcored dmesg [OPTIONS] DUMP [DUMP...]\n"
               "\n"
               "Print the kernel log kept in a crash dump's memory (the printk buffer), in the\n"
               "format of 'makedumpfile --dump-dmesg' (Debian 12's makedumpfile 1.7.2). DUMP\n"
               "is /proc/vmcore, an ELF, kdump-compressed or flattened dump, the files of a\n"
               "--split set, or a kdump directory.\n"
               "\n"
               "Options:\n"
               "  -c, --caller-id   show caller ids as makedumpfile 1.7.5 and later do\n"
               "  -k, --kernel      the kernel's console format: prefix on every line,\n"
               "                    bytes unescaped, caller ids as [    T1]\n"
               "  -o, --output FILE write to FILE instead of standard output\n"
               "  -h, --help        show this help\n"
               "\n"
               "Exit status: 0 the whole log was printed, 1 the dump or its log cannot be read,\n"
               "2 usage error, 3 the log was printed but the buffer was damaged (records\n"
               "skipped).\n");
}

static int write_all(FILE *f, const char *buf, size_t len) {
        if (len > 0 && fwrite(buf, 1, len, f) != len)
                return -errno;
        return fflush(f) == 0 ? 0 : -errno;
}

struct dmesg_job {
        char **paths;
        unsigned n_paths;
        unsigned flags;
        const char *output;
};

/* Reads the dump and prints its log; runs in a child (isolate.h). */
static int dmesg_run(void *userdata) {
        struct dmesg_job *job = userdata;
        _cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT;
        struct kdump_dir kd = {};
        struct vmc_dump *d = NULL;
        struct printk_log *log = NULL;
        const char *first = job->paths[0];
        char err[1024] = "";
        struct stat st;
        int r, ret = 1;

        if (job->n_paths == 1 && stat(first, &st) == 0 && S_ISDIR(st.st_mode)) {
                r = kdump_dir_scan(first, &kd);
                if (r < 0 || kd.n_dumps == 0) {
                        log_error("%s: no crash dump in this directory", first);
                        return 1;
                }
                r = vmc_dump_open((unsigned) kd.n_dumps, (const char *const *) kd.dumps, &d, err, sizeof(err));
        } else
                r = vmc_dump_open(job->n_paths, (const char *const *) job->paths, &d, err, sizeof(err));
        if (r < 0) {
                log_error("%s", *err ? err : strerror(-r));
                goto out;
        }
        r = printk_read(vmc_dump_vmcoreinfo(d), vmc_dump_kmem(d), &log, err, sizeof(err));
        if (r < 0) {
                log_error("%s: %s", first, *err ? err : strerror(-r));
                goto out;
        }
        r = printk_format(log, job->flags, &out);
        if (r < 0) {
                log_error_errno(r, "formatting the log");
                goto out;
        }
        if (job->output) {
                FILE *f = fopen(job->output, "we");
                if (!f) {
                        log_error_errno(-errno, "%s", job->output);
                        goto out;
                }
                r = write_all(f, out.buf, out.len);
                if (fclose(f) != 0 && r >= 0)
                        r = -errno;
        } else
                r = write_all(stdout, out.buf, out.len);
        if (r < 0) {
                log_error_errno(r, "%s", job->output ? job->output : "standard output");
                goto out;
        }
        ret = 0;
        if (printk_log_partial(log)) {
                log_warning("%s: the printk buffer is damaged: %zu records skipped%s", first, log->n_corrupt,
                            log->truncated ? ", walk stopped early" : "");
                ret = EXIT_PARTIAL;
        }
out:
        printk_log_free(log);
        vmc_dump_free(d);
        kdump_dir_done(&kd);
        return ret;
}

int cmd_dmesg(int argc, char **argv) {
        static const struct option options[] = {
                { "caller-id", no_argument, NULL, 'c' },
                { "kernel", no_argument, NULL, 'k' },
                { "output", required_argument, NULL, 'o' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct dmesg_job job = {};
        int c, r;

        optind = 1;
        while ((c = getopt_long(argc, argv, "cko:h", options, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        job.flags |= PRINTK_FORMAT_CALLER_ID;
                        break;
                case 'k':
                        job.flags |= PRINTK_FORMAT_KERNEL | PRINTK_FORMAT_CALLER_ID;
                        break;
                case 'o':
                        job.output = optarg;
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                log_error("dmesg: no dump given");
                return EXIT_USAGE;
        }
        job.paths = argv + optind;
        job.n_paths = (unsigned) (argc - optind);
        heap_prefault(HEAP_PREFAULT_BYTES);
        r = run_guarded(job.paths[0], dmesg_run, &job);
        return r < 0 ? 1 : r;
}
