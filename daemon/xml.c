/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <expat.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xml.h"

#define PATH_MAX_LEN 512
#define TEXT_MAX_LEN 65536

struct expat {
        XML_Parser (*parser_create)(const XML_Char *encoding);
        void (*parser_free)(XML_Parser p);
        void (*set_user_data)(XML_Parser p, void *data);
        void (*set_element_handler)(XML_Parser p, XML_StartElementHandler start, XML_EndElementHandler end);
        void (*set_character_data_handler)(XML_Parser p, XML_CharacterDataHandler h);
        enum XML_Status (*parse)(XML_Parser p, const char *s, int len, int is_final);
        void (*stop_parser)(XML_Parser p, XML_Bool resumable);
        enum XML_Error (*get_error_code)(XML_Parser p);
        const XML_LChar *(*error_string)(enum XML_Error code);
};

static int expat_load(const struct expat **ret, char *err, size_t errlen) {
        /* One library per process: this is the cache of a dlopen. */
        static struct expat x;
        static bool loaded;
        void *h;

        if (loaded) {
                *ret = &x;
                return 0;
        }
        h = dlopen("libexpat.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return set_error(-ELIBACC, err, errlen, "libexpat is needed for S3 stores: %s", dlerror());
#define SYM(field, name)                                                                               \
        do {                                                                                           \
                *(void **) &x.field = dlsym(h, name);                                                  \
                if (!x.field)                                                                          \
                        return set_error(-ELIBACC, err, errlen, "libexpat.so.1 has no %s", name);      \
        } while (0)
        SYM(parser_create, "XML_ParserCreate");
        SYM(parser_free, "XML_ParserFree");
        SYM(set_user_data, "XML_SetUserData");
        SYM(set_element_handler, "XML_SetElementHandler");
        SYM(set_character_data_handler, "XML_SetCharacterDataHandler");
        SYM(parse, "XML_Parse");
        SYM(stop_parser, "XML_StopParser");
        SYM(get_error_code, "XML_GetErrorCode");
        SYM(error_string, "XML_ErrorString");
#undef SYM
        loaded = true;
        *ret = &x;
        return 0;
}

struct state {
        const struct expat *x;
        XML_Parser p;
        vmc_xml_text_fn fn;
        void *userdata;
        char path[PATH_MAX_LEN];
        size_t path_len;
        size_t depth_over;              /* elements too deep to track */
        char *text;
        size_t text_len;
        int r;
};

static void stop(struct state *st, int r) {
        if (st->r >= 0)
                st->r = r;
        st->x->stop_parser(st->p, XML_FALSE);
}

static void on_start(void *userdata, const XML_Char *name, const XML_Char **attrs) {
        struct state *st = userdata;
        size_t n = strlen(name);

        (void) attrs;
        st->text_len = 0;
        if (st->depth_over || st->path_len + n + 2 > sizeof(st->path)) {
                st->depth_over++;
                return;
        }
        if (st->path_len)
                st->path[st->path_len++] = '/';
        memcpy(st->path + st->path_len, name, n + 1);
        st->path_len += n;
}

static void on_end(void *userdata, const XML_Char *name) {
        struct state *st = userdata;
        char *slash;

        (void) name;
        if (st->depth_over) {
                st->depth_over--;
                return;
        }
        if (st->text)
                st->text[st->text_len] = '\0';
        int r = st->fn(st->path, st->text ? st->text : "", st->text_len, st->userdata);
        if (r < 0)
                stop(st, r);
        st->text_len = 0;
        slash = strrchr(st->path, '/');
        st->path_len = slash ? (size_t) (slash - st->path) : 0;
        st->path[st->path_len] = '\0';
}

static void on_text(void *userdata, const XML_Char *s, int len) {
        struct state *st = userdata;
        char *nt;

        if (len <= 0 || st->depth_over)
                return;
        if (st->text_len + (size_t) len > TEXT_MAX_LEN)
                return stop(st, -EBADMSG);
        nt = realloc(st->text, st->text_len + (size_t) len + 1);
        if (!nt)
                return stop(st, -ENOMEM);
        memcpy(nt + st->text_len, s, (size_t) len);
        st->text = nt;
        st->text_len += (size_t) len;
}

int vmc_xml_parse(const char *doc, size_t len, vmc_xml_text_fn fn, void *userdata, char *err, size_t errlen) {
        const struct expat *x;
        struct state st = { .fn = fn, .userdata = userdata };
        int r;

        /* Some servers send whitespace before the declaration (to keep
         * a slow connection alive); expat refuses it there. */
        while (len > 0 && (*doc == ' ' || *doc == '\t' || *doc == '\r' || *doc == '\n')) {
                doc++;
                len--;
        }
        if (len > INT32_MAX)
                return set_error(-EBADMSG, err, errlen, "XML answer too large");
        r = expat_load(&x, err, errlen);
        if (r < 0)
                return r;
        st.x = x;
        st.p = x->parser_create(NULL);
        if (!st.p)
                return -ENOMEM;
        x->set_user_data(st.p, &st);
        x->set_element_handler(st.p, on_start, on_end);
        x->set_character_data_handler(st.p, on_text);
        if (x->parse(st.p, doc, (int) len, 1) == XML_STATUS_ERROR && st.r >= 0)
                r = set_error(-EBADMSG, err, errlen, "not an XML answer: %s",
                              x->error_string(x->get_error_code(st.p)));
        else
                r = st.r;
        if (r == -EBADMSG && st.r == -EBADMSG)
                set_error(r, err, errlen, "XML answer with an over-long element");
        x->parser_free(st.p);
        free(st.text);
        return r;
}
