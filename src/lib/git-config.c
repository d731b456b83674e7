/* SPDX-License-Identifier: Apache-2.0 */
#include "git-config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "shared/cleanup.h"
#include "shared/fs-util.h"
#include "shared/strv.h"

/* A growing byte buffer (the file is at most GIT_CONFIG_MAX_SIZE, so are its parts). */
struct sbuf {
	char *s;
	size_t n, cap;
};

static int sbuf_add(struct sbuf *b, char c)
{
	if (b->n + 1 >= b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 64;
		char *ns = realloc(b->s, nc);
		if (!ns)
			return -ENOMEM;
		b->s = ns;
		b->cap = nc;
	}
	b->s[b->n++] = c;
	b->s[b->n] = '\0';
	return 0;
}

struct reader {
	const unsigned char *d;
	size_t len, pos;
	bool eof;
	unsigned line;	    /* of the next character */
	unsigned err_line;  /* of the last character read */
};

/* git's get_next_char(): "\r\n" reads as '\n', the end of the file as '\n' (with eof set). */
static int next_char(struct reader *r)
{
	int c;

	r->err_line = r->line;
	if (r->pos >= r->len) {
		r->eof = true;
		return '\n';
	}
	c = r->d[r->pos++];
	if (c == '\r' && r->pos < r->len && r->d[r->pos] == '\n') {
		r->pos++;
		c = '\n';
	}
	if (c == '\n')
		r->line++;
	return c;
}

/* git's own character classes: ASCII only, and only these four are blanks (not \v, \f). */
static bool g_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool g_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool g_keychar(int c)
{
	return g_alpha(c) || (c >= '0' && c <= '9') || c == '-';
}

static int g_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* After '[': the section name (lower case, dots kept) and, when quoted, the subsection. The
 * subsection's content does not matter for includes: it is read and dropped. */
static int read_header(struct reader *r, struct sbuf *name)
{
	int c;

	name->n = 0;
	if (sbuf_add(name, '\0') < 0) /* an empty name is a valid "" string */
		return -ENOMEM;
	name->n = 0;
	for (;;) {
		c = next_char(r);
		if (r->eof)
			return -EINVAL;
		if (c == ']')
			return 0;
		if (g_space(c))
			break;
		if (!g_keychar(c) && c != '.')
			return -EINVAL;
		if (sbuf_add(name, (char)g_lower(c)) < 0)
			return -ENOMEM;
	}
	/* [name "subsection"] */
	do {
		c = next_char(r);
		if (c == '\n')
			return -EINVAL;
	} while (g_space(c));
	if (c != '"')
		return -EINVAL;
	for (;;) {
		c = next_char(r);
		if (c == '\n')
			return -EINVAL;
		if (c == '"')
			break;
		if (c == '\\') {
			c = next_char(r);
			if (c == '\n')
				return -EINVAL;
		}
	}
	return next_char(r) == ']' ? 0 : -EINVAL;
}

/* After "name =": the value as git's parse_value() builds it. */
static int read_value(struct reader *r, struct sbuf *v)
{
	bool quote = false, comment = false;
	size_t space = 0;
	int c;

	v->n = 0;
	if (sbuf_add(v, '\0') < 0)
		return -ENOMEM;
	v->n = 0;
	for (;;) {
		c = next_char(r);
		if (c == '\n')
			return quote ? -EINVAL : 0;
		if (comment)
			continue;
		if (g_space(c) && !quote) {
			if (v->n)
				space++;
			continue;
		}
		if (!quote && (c == ';' || c == '#')) {
			comment = true;
			continue;
		}
		for (; space; space--)
			if (sbuf_add(v, ' ') < 0)
				return -ENOMEM;
		if (c == '\\') {
			c = next_char(r);
			switch (c) {
			case '\n':
				if (r->eof)
					return quote ? -EINVAL : 0;
				continue; /* continuation line */
			case 't':
				c = '\t';
				break;
			case 'b':
				c = '\b';
				break;
			case 'n':
				c = '\n';
				break;
			case '\\':
			case '"':
				break;
			default:
				return -EINVAL;
			}
			if (sbuf_add(v, (char)c) < 0)
				return -ENOMEM;
			continue;
		}
		if (c == '"') {
			quote = !quote;
			continue;
		}
		if (sbuf_add(v, (char)c) < 0)
			return -ENOMEM;
	}
}

/* "include", "includeif", "include.x", "includeif.x": conservatively all of them. */
static bool is_include_section(const char *name)
{
	size_t n = strcspn(name, ".");

	return (n == 7 && strncmp(name, "include", 7) == 0) ||
	       (n == 9 && strncmp(name, "includeif", 9) == 0);
}

int git_config_includes(const char *data, size_t len, char ***ret, unsigned *ret_line)
{
	struct reader r = {.d = (const unsigned char *)data, .len = len, .line = 1};
	_cleanup_(strv_freep) char **out = NULL;
	struct sbuf section = {0}, key = {0}, value = {0};
	bool comment = false, in_include = false, bad_header = false;
	unsigned bad_line = 0;
	size_t n_out = 0;
	int c, e = 0;

	*ret = NULL;
	if (ret_line)
		*ret_line = 0;
	if (len > GIT_CONFIG_MAX_SIZE)
		return -EFBIG;
	if (!data)
		len = 0;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		r.pos = 3;

	for (;;) {
		if (e == -EINVAL) {
			/* git stops here ("bad config line"); srt goes on at the next line to find
			 * every include a later fix of this line could bring back into use. After a
			 * bad header, the section is unknown: its paths count as includes. */
			if (!bad_line)
				bad_line = r.err_line;
			if (r.err_line == r.line)
				while (next_char(&r) != '\n')
					;
			if (bad_header)
				in_include = true;
			e = 0;
			bad_header = false;
			comment = false;
		}
		c = next_char(&r);
		if (c == '\n') {
			if (r.eof)
				break;
			comment = false;
			continue;
		}
		if (comment || g_space(c))
			continue;
		if (c == '#' || c == ';') {
			comment = true;
			continue;
		}
		if (c == '[') {
			size_t hpos = r.pos;
			unsigned hline = r.line;

			e = read_header(&r, &section);
			if (e == -EINVAL) {
				/* go on right after the '[' line, not where the error showed */
				bad_header = true;
				r.pos = hpos;
				r.line = r.err_line = hline;
				r.eof = false;
				continue;
			}
			if (e < 0)
				break;
			in_include = is_include_section(section.s);
			continue;
		}
		if (!g_alpha(c)) {
			e = -EINVAL;
			continue;
		}
		/* name [= value] */
		key.n = 0;
		if ((e = sbuf_add(&key, (char)g_lower(c))) < 0)
			break;
		for (;;) {
			c = next_char(&r);
			if (r.eof || !g_keychar(c))
				break;
			if ((e = sbuf_add(&key, (char)g_lower(c))) < 0)
				break;
		}
		if (e < 0)
			break;
		while (c == ' ' || c == '\t')
			c = next_char(&r);
		if (c == '\n')
			continue; /* "name" alone: boolean true, no path */
		if (c != '=') {
			e = -EINVAL;
			continue;
		}
		e = read_value(&r, &value);
		if (e == -EINVAL)
			continue;
		if (e < 0)
			break;
		if (!in_include || strcmp(key.s, "path") != 0 || !value.s[0])
			continue;
		if (n_out >= GIT_CONFIG_MAX_INCLUDES) {
			e = -E2BIG;
			break;
		}
		/* a C string for git: cut at the first NUL */
		if ((e = strv_push(&out, value.s)) < 0)
			break;
		n_out++;
	}
	free(section.s);
	free(key.s);
	free(value.s);
	if (e < 0)
		return e;
	if (ret_line)
		*ret_line = bad_line;
	*ret = TAKE_PTR(out);
	return 0;
}

int git_config_include_resolve(const char *raw, const char *home, const char *config_path,
			       char **ret)
{
	_cleanup_free_ char *dir = NULL;
	char *slash, *p;

	*ret = NULL;
	if (!raw || !config_path || config_path[0] != '/')
		return -EINVAL;
	if (raw[0] == '~') {
		if (raw[1] != '\0' && raw[1] != '/')
			return -EOPNOTSUPP;
		if (!home || home[0] != '/')
			return -EINVAL;
		/* git: the home directory, then the rest verbatim ("~/x" → HOME "/x") */
		if (asprintf(&p, "%s%s", home, raw + 1) < 0)
			return -ENOMEM;
		*ret = p;
		return 0;
	}
	if (raw[0] == '/') {
		p = strdup(raw);
		if (!p)
			return -ENOMEM;
		*ret = p;
		return 0;
	}
	dir = strdup(config_path);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	slash[1] = '\0'; /* keep the '/': "/x" stays "/" */
	if (asprintf(&p, "%s%s", dir, raw) < 0)
		return -ENOMEM;
	*ret = p;
	return 0;
}

int git_config_split_user(const char *raw, char **ret_user, const char **ret_rest)
{
	const char *end;
	char *u;

	*ret_user = NULL;
	*ret_rest = NULL;
	if (!raw || raw[0] != '~' || raw[1] == '\0' || raw[1] == '/')
		return -EINVAL;
	end = strchrnul(raw + 1, '/');
	u = strndup(raw + 1, (size_t)(end - (raw + 1)));
	if (!u)
		return -ENOMEM;
	*ret_user = u;
	*ret_rest = end;
	return 0;
}
