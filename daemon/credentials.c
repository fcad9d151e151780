/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "credentials.h"
#include "util.h"

#define CRED_MAX_SIZE (64U << 10)

static void wipe_free(char *s) {
        if (s) {
                explicit_bzero(s, strlen(s));
                free(s);
        }
}

void vmc_credentials_done(struct vmc_credentials *c) {
        wipe_free(c->access_key);
        wipe_free(c->secret_key);
        wipe_free(c->token);
        wipe_free(c->user);
        wipe_free(c->password);
        free(c->source);
        *c = (struct vmc_credentials){};
}

static char *strip(char *s) {
        char *e;
        while (*s == ' ' || *s == '\t')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
                *--e = '\0';
        return s;
}

/* Resolves where to the file to read; NULL (and 0) when there is none. */
static int resolve(const char *where, char **ret) {
        const char *dir = getenv("CREDENTIALS_DIRECTORY");
        const char *name = *where ? where : VMC_CREDENTIAL_NAME;

        if (strchr(where, '/')) {
                *ret = strdup(where);
                return *ret ? 0 : -ENOMEM;
        }
        *ret = NULL;
        if (!dir || !*dir) {
                /* A bare name only makes sense under systemd. */
                return *where ? -ENOENT : 0;
        }
        if (asprintf(ret, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        if (!*where && access(*ret, F_OK) < 0) {
                free(*ret);
                *ret = NULL;
        }
        return 0;
}

static int parse(struct vmc_credentials *c, char *text, char *err, size_t errlen) {
        unsigned line = 0;
        char *next;

        for (char *l = text; l && *l; l = next) {
                char *key, *value, *eq, **slot;

                next = strchr(l, '\n');
                if (next)
                        *next++ = '\0';
                line++;
                key = strip(l);
                if (!*key || *key == '#' || *key == ';')
                        continue;
                eq = strchr(key, '=');
                if (!eq)
                        return set_error(-EINVAL, err, errlen, "%s:%u: not a 'key = value' line", c->source, line);
                *eq = '\0';
                value = strip(eq + 1);
                key = strip(key);
                if (strcmp(key, "access_key") == 0)
                        slot = &c->access_key;
                else if (strcmp(key, "secret_key") == 0)
                        slot = &c->secret_key;
                else if (strcmp(key, "token") == 0)
                        slot = &c->token;
                else if (strcmp(key, "user") == 0)
                        slot = &c->user;
                else if (strcmp(key, "password") == 0)
                        slot = &c->password;
                else
                        return set_error(-EINVAL, err, errlen,
                                         "%s:%u: %s: unknown key (access_key, secret_key, token, user, password)",
                                         c->source, line, key);
                if (!*value)
                        return set_error(-EINVAL, err, errlen, "%s:%u: %s: empty", c->source, line, key);
                if (*slot)
                        return set_error(-EINVAL, err, errlen, "%s:%u: %s: given twice", c->source, line, key);
                *slot = strdup(value);
                if (!*slot)
                        return -ENOMEM;
        }
        if (!c->access_key != !c->secret_key)
                return set_error(-EINVAL, err, errlen, "%s: access_key and secret_key go together", c->source);
        if (!c->user != !c->password)
                return set_error(-EINVAL, err, errlen, "%s: user and password go together", c->source);
        if (!c->access_key && !c->token && !c->user)
                return set_error(-EINVAL, err, errlen, "%s: no access_key/secret_key, token or user/password",
                                 c->source);
        return 0;
}

int vmc_credentials_load(const char *where, struct vmc_credentials *ret, char *err, size_t errlen) {
        struct vmc_credentials c = {};
        struct stat st;
        char *text = NULL;
        ssize_t n;
        int fd = -1, r;

        *ret = (struct vmc_credentials){};
        r = resolve(where ? where : "", &c.source);
        if (r == -ENOENT)
                return set_error(r, err, errlen,
                                 "credentials '%s': a name without a '/' is a systemd credential, but "
                                 "$CREDENTIALS_DIRECTORY is not set", where);
        if (r < 0 || !c.source)
                return r;
        fd = open(c.source, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = set_error(-errno, err, errlen, "%s: %s", c.source, strerror(errno));
                goto out;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                r = set_error(-EINVAL, err, errlen, "%s: not a regular file", c.source);
                goto out;
        }
        /* Secrets readable by others are already leaked: refuse, so that the
         * mistake is fixed instead of carried along. */
        if (st.st_mode & 077) {
                r = set_error(-EPERM, err, errlen, "%s: mode %04o lets others read the secrets; make it 0600",
                              c.source, (unsigned) (st.st_mode & 07777));
                goto out;
        }
        if (st.st_size > CRED_MAX_SIZE) {
                r = set_error(-EFBIG, err, errlen, "%s: too large for a credentials file", c.source);
                goto out;
        }
        text = calloc(1, (size_t) st.st_size + 1);
        if (!text) {
                r = -ENOMEM;
                goto out;
        }
        n = read(fd, text, (size_t) st.st_size);
        if (n != st.st_size) {
                r = set_error(n < 0 ? -errno : -EIO, err, errlen, "%s: cannot be read", c.source);
                goto out;
        }
        if (!*where && st.st_size == 0) {
                /* The unit's LoadCredential= of an empty file that
                 * tmpfiles.d made: no secrets configured (a file store). */
                r = 0;
                goto out;
        }
        r = parse(&c, text, err, errlen);
        if (r >= 0) {
                *ret = c;
                c = (struct vmc_credentials){};
        }
out:
        if (text) {
                explicit_bzero(text, (size_t) st.st_size);
                free(text);
        }
        if (fd >= 0)
                close(fd);
        vmc_credentials_done(&c);
        return r;
}
