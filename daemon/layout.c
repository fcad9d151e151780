/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "layout.h"
#include "rules.h"
#include "strbuf.h"
#include "util.h"
#include "vmcore.h"

int vmc_crash_id(const struct vmc_report *r, char id[VMC_CRASH_ID_MAX]) {
        const struct vmc_vmcore *vm = r->vmcore;
        _cleanup_(strbuf_done) struct strbuf sb = STRBUF_INIT;
        char hex[VMC_SHA256_HEX], when[20] = "19700101T000000Z";
        const struct vmc_cpu_regs *regs = NULL;
        struct tm tm;
        int k;

        if (!vm)
                return -EINVAL;
        if (r->panic.note >= 0 && (size_t) r->panic.note < vm->n_cpus)
                regs = &vm->cpus[r->panic.note].regs;
        else if (vm->n_cpus > 0)
                regs = &vm->cpus[0].regs;
        k = strbuf_printf(&sb, "osrelease=%s\nbuild_id=%s\ncrash_time=%" PRId64 "\nkernel_offset=%" PRIx64
                               "\nnodename=%s\nip=%" PRIx64 "\nsp=%" PRIx64 "\n",
                          vm->osrelease ?: "", vm->build_id ?: "", vm->crash_time,
                          vm->has_kernel_offset ? vm->kernel_offset : 0, vm->uts_nodename ?: "",
                          regs ? regs->ip : 0, regs ? regs->sp : 0);
        if (k < 0)
                return k;
        k = vmc_sha256_hex(sb.buf, sb.len, hex);
        if (k < 0)
                return k;
        if (vm->crash_time >= 0) {
                time_t t = (time_t) vm->crash_time;
                if (gmtime_r(&t, &tm))
                        strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
        }
        snprintf(id, VMC_CRASH_ID_MAX, "%s-%.12s", when, hex);
        return 0;
}

int vmc_host_id(const char *nodename, char id[VMC_HOST_ID_LEN + 1]) {
        char buf[128] = "", hex[VMC_SHA256_HEX], input[192];
        int fd = open("/etc/machine-id", O_RDONLY | O_CLOEXEC), k;
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

        if (fd >= 0)
                close(fd);
        if (n > 0) {
                buf[n] = '\0';
                buf[strcspn(buf, "\n")] = '\0';
        }
        /* Salted so that the id cannot be looked up from a machine id. */
        snprintf(input, sizeof(input), "vmcored-host:%s", n > 0 && *buf ? buf : nodename ? nodename : "");
        k = vmc_sha256_hex(input, strlen(input), hex);
        if (k < 0)
                return k;
        memcpy(id, hex, VMC_HOST_ID_LEN);
        id[VMC_HOST_ID_LEN] = '\0';
        return 0;
}

char *vmc_key_crash(const char *crash_id, const char *file) {
        char *k;
        return asprintf(&k, "v1/crashes/%s/%s", crash_id, file) < 0 ? NULL : k;
}

char *vmc_key_fingerprint(const char *fingerprint, const char *crash_id) {
        char *k;
        return asprintf(&k, "v1/fingerprints/%s/%s.json", fingerprint, crash_id) < 0 ? NULL : k;
}

char *vmc_key_inbox(const char *crash_id, bool dump) {
        char *k;
        return asprintf(&k, "v1/inbox/%s%s.json", crash_id, dump ? ".dump" : "") < 0 ? NULL : k;
}

char *vmc_key_fingerprint_dir(const char *fingerprint) {
        char *k;
        return asprintf(&k, "v1/fingerprints/%s", fingerprint) < 0 ? NULL : k;
}

static json_object *jstr(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

/* The ids, summaries and links: enough for a fleet view without reading
 * each report. */
static json_object *known_issues_json(const struct vmc_report *r) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < r->n_known_issues; i++) {
                json_object *k = json_object_new_object();
                if (!k)
                        break;
                json_object_object_add(k, "id", jstr(r->known_issues[i].id));
                json_object_object_add(k, "summary", jstr(r->known_issues[i].summary));
                json_object_object_add(k, "url", jstr(r->known_issues[i].url));
                json_object_array_add(a, k);
        }
        return a;
}

json_object *vmc_fingerprint_record(const struct vmc_report *r, const char *crash_id, const char *host_id) {
        const struct vmc_vmcore *vm = r->vmcore;
        json_object *o = json_object_new_object();
        char when[32] = "";

        if (!o)
                return NULL;
        if (vm && vm->crash_time >= 0) {
                time_t t = (time_t) vm->crash_time;
                struct tm tm;
                if (gmtime_r(&t, &tm))
                        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        }
        json_object_object_add(o, "schema", json_object_new_string(VMC_FINGERPRINT_SCHEMA));
        json_object_object_add(o, "crash_id", json_object_new_string(crash_id));
        json_object_object_add(o, "fingerprint", jstr(r->fingerprint));
        json_object_object_add(o, "title", jstr(r->title.title));
        json_object_object_add(o, "crash_time", *when ? json_object_new_string(when) : NULL);
        json_object_object_add(o, "kernel", jstr(vm ? vm->osrelease : NULL));
        json_object_object_add(o, "arch", jstr(vmc_report_arch(r)));
        json_object_object_add(o, "host", json_object_new_string(host_id));
        json_object_object_add(o, "hardware_error", json_object_new_boolean(r->hardware_error));
        json_object_object_add(o, "known_issues", known_issues_json(r));
        json_object_object_add(o, "dump", json_object_new_boolean(false));
        return o;
}
