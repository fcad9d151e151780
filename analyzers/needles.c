/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "needles.h"
#include "util.h"

struct needles {
        uint8_t cls[256];       /* byte -> class; 0 for bytes in no needle */
        size_t n_cls;
        size_t n_states;
        uint16_t *delta;        /* n_states * n_cls transitions */
        uint64_t *out;          /* needles ending in each state (with suffixes) */
};

void needles_free(struct needles *nd) {
        if (!nd)
                return;
        free(nd->delta);
        free(nd->out);
        free(nd);
}

int needles_new(const char *const *list, size_t n, struct needles **ret) {
        struct needles *nd;
        size_t total = 1, n_states = 1;
        uint16_t *fail = NULL, *queue = NULL;
        int r = -ENOMEM;

        if (n > NEEDLES_MAX)
                return -E2BIG;
        nd = calloc(1, sizeof(*nd));
        if (!nd)
                return -ENOMEM;

        nd->n_cls = 1;
        for (size_t i = 0; i < n; i++) {
                size_t l = strlen(list[i]);
                if (l == 0) {
                        r = -EINVAL;
                        goto out;
                }
                total += l;
                for (size_t k = 0; k < l; k++) {
                        uint8_t b = (uint8_t) list[i][k];
                        if (!nd->cls[b])
                                nd->cls[b] = (uint8_t) nd->n_cls++;
                }
        }
        if (total > UINT16_MAX || nd->n_cls > 255) {
                r = -E2BIG;
                goto out;
        }

        /* Trie in delta (0 = no edge yet; state 0 is the root). */
        nd->delta = calloc(total * nd->n_cls, sizeof(uint16_t));
        nd->out = calloc(total, sizeof(uint64_t));
        fail = calloc(total, sizeof(uint16_t));
        queue = malloc(total * sizeof(uint16_t));
        if (!nd->delta || !nd->out || !fail || !queue)
                goto out;
        for (size_t i = 0; i < n; i++) {
                size_t s = 0;
                for (const char *p = list[i]; *p; p++) {
                        size_t c = nd->cls[(uint8_t) *p];
                        if (!nd->delta[s * nd->n_cls + c])
                                nd->delta[s * nd->n_cls + c] = (uint16_t) n_states++;
                        s = nd->delta[s * nd->n_cls + c];
                }
                nd->out[s] |= UINT64_C(1) << i;
        }

        /* Breadth-first: failure links, then complete the transition table
         * so that scanning never follows a failure link. */
        size_t head = 0, tail = 0;
        for (size_t c = 0; c < nd->n_cls; c++) {
                uint16_t t = nd->delta[c];
                if (t) {
                        fail[t] = 0;
                        queue[tail++] = t;
                }
        }
        while (head < tail) {
                uint16_t s = queue[head++];
                nd->out[s] |= nd->out[fail[s]];
                for (size_t c = 0; c < nd->n_cls; c++) {
                        uint16_t t = nd->delta[s * nd->n_cls + c];
                        if (t) {
                                fail[t] = nd->delta[fail[s] * nd->n_cls + c];
                                queue[tail++] = t;
                        } else
                                nd->delta[s * nd->n_cls + c] = nd->delta[fail[s] * nd->n_cls + c];
                }
        }
        nd->n_states = n_states;
        *ret = nd;
        nd = NULL;
        r = 0;
out:
        free(fail);
        free(queue);
        needles_free(nd);
        return r;
}

uint64_t needles_scan(const struct needles *nd, const char *s, size_t n) {
        const uint16_t *delta = nd->delta;
        const size_t k = nd->n_cls;
        uint64_t mask = 0;
        size_t state = 0;

        for (size_t i = 0; i < n; i++) {
                state = delta[state * k + nd->cls[(uint8_t) s[i]]];
                mask |= nd->out[state];
        }
        return mask;
}

int needles_scan_log(const struct needles *nd, const struct klog *log, uint64_t **ret) {
        uint64_t *masks = calloc(MAX(log->n_lines, (size_t) 1), sizeof(uint64_t));

        if (!masks)
                return -ENOMEM;
        for (size_t i = 0; i < log->n_lines; i++)
                masks[i] = needles_scan(nd, log->lines[i].text, log->lines[i].len);
        *ret = masks;
        return 0;
}
