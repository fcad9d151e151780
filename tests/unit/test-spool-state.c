/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The spool state file: round trip, atomic replacement (a temporary file
 * left by a kill is ignored), refusal of what is not ours, completeness. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool-state.h"
#include "test-helpers.h"

struct fixture {
        char dir[64];
        int fd;
};

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        snprintf(f->dir, sizeof(f->dir), "/tmp/vmcored-spool-state-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        f->fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(f->fd >= 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        char cmd[128];
        close(f->fd);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

static void write_file(struct fixture *f, const char *name, const char *text) {
        int fd = openat(f->fd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
}

static void test_round_trip(void **state) {
        struct fixture *f = *state;
        struct vmc_spool_state s = {}, back;
        char err[256];

        assert_int_equal(vmc_spool_state_load(f->fd, &back, err, sizeof(err)), -ENOENT);
        snprintf(s.crash_id, sizeof(s.crash_id), "20261122T050912Z-f1bd66b659ea");
        snprintf(s.fingerprint, sizeof(s.fingerprint), "fp1-13faa057c04df229");
        snprintf(s.source_format, sizeof(s.source_format), "elf");
        s.dump = VMC_DUMP_WANTED;
        s.captured = true;
        snprintf(s.dump_format, sizeof(s.dump_format), "kdump-compressed");
        s.dump_level = 31;
        snprintf(s.compression, sizeof(s.compression), "lzo");
        snprintf(s.upload_id, sizeof(s.upload_id), "2~fTqY7Bn0a8_ZxM");
        s.streamed = true;
        s.dump_elsewhere = true;
        s.dump_size = 5000000000ULL;
        snprintf(s.dump_sha256, sizeof(s.dump_sha256), "%064d", 7);
        snprintf(s.lost, sizeof(s.lost), "the spool's disk is full");
        s.stored[VMC_STAGE_FINGERPRINT] = s.stored[VMC_STAGE_REPORT] = true;
        s.attempts = 2;
        snprintf(s.last_error, sizeof(s.last_error), "s3://b: PUT x: HTTP 503, giving up");
        assert_int_equal(vmc_spool_state_save(f->fd, &s), 0);
        assert_true(s.created > 0 && s.updated >= s.created);
        assert_int_equal(faccessat(f->fd, ".state.json.tmp", F_OK, 0), -1);

        assert_int_equal(vmc_spool_state_load(f->fd, &back, err, sizeof(err)), 0);
        assert_string_equal(back.crash_id, s.crash_id);
        assert_string_equal(back.fingerprint, s.fingerprint);
        assert_string_equal(back.source_format, "elf");
        assert_int_equal(back.dump, VMC_DUMP_WANTED);
        assert_true(back.captured);
        assert_string_equal(back.dump_format, "kdump-compressed");
        assert_int_equal(back.dump_level, 31);
        assert_string_equal(back.compression, "lzo");
        assert_string_equal(back.upload_id, "2~fTqY7Bn0a8_ZxM");
        assert_true(back.streamed);
        assert_true(back.dump_elsewhere);
        assert_true(back.dump_size == 5000000000ULL);
        assert_string_equal(back.dump_sha256, s.dump_sha256);
        assert_string_equal(back.lost, "the spool's disk is full");
        assert_true(back.stored[VMC_STAGE_FINGERPRINT] && back.stored[VMC_STAGE_REPORT]);
        assert_false(back.stored[VMC_STAGE_DMESG] || back.stored[VMC_STAGE_MANIFEST]);
        assert_int_equal(back.attempts, 2);
        assert_string_equal(back.last_error, s.last_error);
        assert_int_equal(back.created, s.created);
}

static void test_complete(void **state) {
        struct vmc_spool_state s = { .dump = VMC_DUMP_WANTED };
        (void) state;

        assert_false(vmc_spool_state_complete(&s));
        s.stored[VMC_STAGE_MANIFEST] = true;
        assert_false(vmc_spool_state_complete(&s)); /* the record must say the dump is there */
        s.stored[VMC_STAGE_RECORD_DUMP] = true;
        assert_true(vmc_spool_state_complete(&s));
        s = (struct vmc_spool_state){ .dump = VMC_DUMP_SKIPPED };
        s.stored[VMC_STAGE_MANIFEST] = true;
        assert_true(vmc_spool_state_complete(&s));
}

static void test_interrupted_write(void **state) {
        struct fixture *f = *state;
        struct vmc_spool_state s = { .dump = VMC_DUMP_UNDECIDED, .dump_level = -1 }, back;
        char err[256];

        snprintf(s.crash_id, sizeof(s.crash_id), "X");
        snprintf(s.fingerprint, sizeof(s.fingerprint), "fp");
        assert_int_equal(vmc_spool_state_save(f->fd, &s), 0);
        /* A kill in the middle of the next save leaves half a temporary
         * file: the last whole state is what counts, and the next save
         * replaces the leftover. */
        write_file(f, ".state.json.tmp", "{\"schema\": \"vmcored.spo");
        assert_int_equal(vmc_spool_state_load(f->fd, &back, err, sizeof(err)), 0);
        assert_int_equal(back.dump, VMC_DUMP_UNDECIDED);
        assert_int_equal(back.dump_level, -1);
        s.dump = VMC_DUMP_SKIPPED;
        assert_int_equal(vmc_spool_state_save(f->fd, &s), 0);
        assert_int_equal(vmc_spool_state_load(f->fd, &back, err, sizeof(err)), 0);
        assert_int_equal(back.dump, VMC_DUMP_SKIPPED);
        assert_int_equal(faccessat(f->fd, ".state.json.tmp", F_OK, 0), -1);
}

static void test_not_ours(void **state) {
        struct fixture *f = *state;
        struct vmc_spool_state back;
        static const char *const bad[] = {
                "", "garbage", "[]", "{\"schema\": \"other/1\"}",
                "{\"schema\": \"vmcored.spool/1\", \"fingerprint\": \"fp\", \"dump\": \"wanted\"}",
                "{\"schema\": \"vmcored.spool/1\", \"crash_id\": \"X\", \"fingerprint\": \"fp\", \"dump\": \"maybe\"}",
                "{\"schema\": \"vmcored.spool/1\", \"crash_id\": 5, \"fingerprint\": \"fp\", \"dump\": \"wanted\"}",
        };
        char err[256];

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                write_file(f, "state.json", bad[i]);
                err[0] = '\0';
                assert_int_equal(vmc_spool_state_load(f->fd, &back, err, sizeof(err)), -EBADMSG);
                assert_non_null(strstr(err, "not a vmcored spool state"));
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
                cmocka_unit_test(test_complete),
                cmocka_unit_test_setup_teardown(test_interrupted_write, setup, teardown),
                cmocka_unit_test_setup_teardown(test_not_ours, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
