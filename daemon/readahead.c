/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "readahead.h"

struct vmc_readahead {
        struct vmc_stream *in;
        size_t part;
        char *buf[2];
        ssize_t len[2];
        bool ready[2];          /* filled by the reader, not yet given back by the caller */
        bool held;              /* the caller has buf[take ^ 1] */
        unsigned take;          /* the buffer the caller gets next */
        bool stop, done;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond;
};

static bool stopping(struct vmc_readahead *ra) {
        return __atomic_load_n(&ra->stop, __ATOMIC_ACQUIRE);
}

static void *reader(void *userdata) {
        struct vmc_readahead *ra = userdata;

        for (unsigned i = 0;; i ^= 1) {
                size_t got = 0;
                ssize_t n = 0;

                pthread_mutex_lock(&ra->lock);
                while (ra->ready[i] && !ra->stop)
                        pthread_cond_wait(&ra->cond, &ra->lock);
                pthread_mutex_unlock(&ra->lock);
                if (stopping(ra))
                        break;
                /* The stream gives what a pipe holds at a time: the stop
                 * flag is seen after each read. */
                while (got < ra->part && !stopping(ra)) {
                        n = ra->in->read(ra->in->userdata, ra->buf[i] + got, ra->part - got);
                        if (n <= 0)
                                break;
                        got += (size_t) n;
                }
                pthread_mutex_lock(&ra->lock);
                ra->len[i] = n < 0 ? n : (ssize_t) got;
                ra->ready[i] = true;
                pthread_cond_broadcast(&ra->cond);
                pthread_mutex_unlock(&ra->lock);
                if (n < 0 || got < ra->part)
                        break; /* the end, or an error: nothing more to read */
        }
        return NULL;
}

int vmc_readahead_start(struct vmc_stream *in, size_t part_size, struct vmc_readahead **ret) {
        struct vmc_readahead *ra = calloc(1, sizeof(*ra));
        int r;

        if (!ra)
                return -ENOMEM;
        ra->in = in;
        ra->part = part_size;
        ra->buf[0] = malloc(part_size);
        ra->buf[1] = malloc(part_size);
        if (!ra->buf[0] || !ra->buf[1]) {
                free(ra->buf[0]);
                free(ra->buf[1]);
                free(ra);
                return -ENOMEM;
        }
        pthread_mutex_init(&ra->lock, NULL);
        pthread_cond_init(&ra->cond, NULL);
        r = pthread_create(&ra->thread, NULL, reader, ra);
        if (r != 0) {
                pthread_mutex_destroy(&ra->lock);
                pthread_cond_destroy(&ra->cond);
                free(ra->buf[0]);
                free(ra->buf[1]);
                free(ra);
                return -r;
        }
        *ret = ra;
        return 0;
}

ssize_t vmc_readahead_next(struct vmc_readahead *ra, const char **buf) {
        ssize_t n;

        pthread_mutex_lock(&ra->lock);
        if (ra->held) {
                /* The part given last time is sent: the reader may fill it. */
                ra->ready[ra->take ^ 1] = false;
                ra->held = false;
                pthread_cond_broadcast(&ra->cond);
        }
        if (ra->done) {
                pthread_mutex_unlock(&ra->lock);
                return 0;
        }
        while (!ra->ready[ra->take])
                pthread_cond_wait(&ra->cond, &ra->lock);
        n = ra->len[ra->take];
        *buf = ra->buf[ra->take];
        if (n < 0 || (size_t) n < ra->part)
                ra->done = true;
        ra->held = true;
        ra->take ^= 1;
        pthread_mutex_unlock(&ra->lock);
        return n;
}

void vmc_readahead_free(struct vmc_readahead *ra) {
        if (!ra)
                return;
        pthread_mutex_lock(&ra->lock);
        __atomic_store_n(&ra->stop, true, __ATOMIC_RELEASE);
        pthread_cond_broadcast(&ra->cond);
        pthread_mutex_unlock(&ra->lock);
        pthread_join(ra->thread, NULL);
        pthread_mutex_destroy(&ra->lock);
        pthread_cond_destroy(&ra->cond);
        free(ra->buf[0]);
        free(ra->buf[1]);
        free(ra);
}
