/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ~/.srt-settings.json loader: JSON text → struct srt_settings.
 *
 * The schema is the one of the TypeScript reference (srt-behaviour.md §2.1), with camelCase keys,
 * but validation is strict where the reference was silent: unknown keys are errors (with a
 * near-miss suggestion) instead of being dropped, keys of newer reference versions that srt does
 * not implement are refused by name, duplicate keys are errors, and every list and string has a
 * size limit. A typo in a security configuration must never silently weaken it.
 *
 * jansson does the parsing and validates the syntax (UTF-8, escapes, nesting depth ≤ 2048,
 * duplicates). jansson keeps no positions of values, so on the (single) error path the text is
 * scanned again, iteratively and in linear time, following the path of the offending value to
 * compute its line and column. The scanner only ever runs over text jansson has accepted, and
 * stays in bounds even if it did not.
 *
 * Error messages: "ORIGIN:LINE:COL: DOTTED.KEY: problem". Columns count characters, not bytes,
 * like jansson's own.
 */
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path-glob.h"
#include "env-filter.h"
#include "path-resolve.h"
#include "settings.h"
#include "shared/cleanup.h"
#include "shared/strv.h"

/* json_decrefp() comes with jansson.h. */
DEFINE_TRIVIAL_CLEANUP_FUNC(struct srt_settings *, settings_free)

#define DEFAULT_MANDATORY_DENY_SEARCH_DEPTH 3
/* Deepest position inside the schema (ignoreViolations.CMD[i] is 3); anything the schema walk
 * descends into is bounded by this. */
#define SETTINGS_PATH_MAX_DEPTH 8
/* Longest user string quoted back in a message (bytes), so messages stay readable. */
#define QUOTE_MAX 120

/* ---- Lists held by struct srt_settings, for default/copy/free ---- */

/* clang-format off */
static const size_t list_offsets[] = {
	offsetof(struct srt_settings, allowed_domains),
	offsetof(struct srt_settings, denied_domains),
	offsetof(struct srt_settings, allow_unix_sockets),
	offsetof(struct srt_settings, deny_read),
	offsetof(struct srt_settings, allow_read),
	offsetof(struct srt_settings, allow_write),
	offsetof(struct srt_settings, deny_write),
	offsetof(struct srt_settings, protected_paths),
	offsetof(struct srt_settings, env_drop),
	offsetof(struct srt_settings, env_keep),
};
/* clang-format on */

static char ***list_at(struct srt_settings *s, size_t offset)
{
	return (char ***)((char *)s + offset);
}

static char *const *list_at_const(const struct srt_settings *s, size_t offset)
{
	return *(char **const *)((const char *)s + offset);
}

struct srt_settings *settings_free(struct srt_settings *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < ELEMENTSOF(list_offsets); i++)
		strv_free(*list_at(s, list_offsets[i]));
	for (size_t i = 0; i < s->n_ignore_violations; i++) {
		free(s->ignore_violations[i].command);
		strv_free(s->ignore_violations[i].paths);
	}
	free(s->ignore_violations);
	free(s->source);
	free(s);
	return NULL;
}

struct srt_settings *settings_new_default(void)
{
	_cleanup_(settings_freep) struct srt_settings *s = NULL;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->mandatory_deny_search_depth = DEFAULT_MANDATORY_DENY_SEARCH_DEPTH;
	for (size_t i = 0; i < ELEMENTSOF(list_offsets); i++) {
		char ***l = list_at(s, list_offsets[i]);

		*l = calloc(1, sizeof(char *));
		if (!*l)
			return NULL;
	}
	return TAKE_PTR(s);
}

struct srt_settings *settings_copy(const struct srt_settings *s)
{
	_cleanup_(settings_freep) struct srt_settings *c = NULL;

	if (!s)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	/* Scalars by value; every pointer is replaced below before c can be freed. */
	*c = *s;
	for (size_t i = 0; i < ELEMENTSOF(list_offsets); i++)
		*list_at(c, list_offsets[i]) = NULL;
	c->ignore_violations = NULL;
	c->n_ignore_violations = 0;
	c->source = NULL;

	for (size_t i = 0; i < ELEMENTSOF(list_offsets); i++) {
		char **l = strv_copy(list_at_const(s, list_offsets[i]));

		if (!l)
			return NULL;
		*list_at(c, list_offsets[i]) = l;
	}
	if (s->n_ignore_violations > 0) {
		c->ignore_violations =
		    calloc(s->n_ignore_violations, sizeof(*c->ignore_violations));
		if (!c->ignore_violations)
			return NULL;
		for (size_t i = 0; i < s->n_ignore_violations; i++) {
			const struct settings_ignore_rule *from = &s->ignore_violations[i];
			struct settings_ignore_rule *to = &c->ignore_violations[i];

			to->command = strdup(from->command ? from->command : "");
			to->paths = strv_copy(from->paths);
			c->n_ignore_violations++;
			if (!to->command || !to->paths)
				return NULL;
		}
	}
	if (s->source) {
		c->source = strdup(s->source);
		if (!c->source)
			return NULL;
	}
	return TAKE_PTR(c);
}

/* ---- Quoting user text back in messages ---- */

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if there is none. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t k = 1; k < len; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* Appends s (n bytes) with control characters and invalid UTF-8 escaped, cut after about max
 * bytes. With json_quotes, '"' and '\' are escaped too (for the ["key"] form of paths). */
static int buf_put_escaped(struct buf *b, const char *s, size_t n, size_t max, bool json_quotes)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	int r;

	while (i < n) {
		size_t l;

		if (i >= max)
			return buf_puts(b, "...");
		if (u[i] < 0x20 || u[i] == 0x7f) {
			r = buf_printf(b, "\\u%04x", u[i]);
			l = 1;
		} else if (json_quotes && (u[i] == '"' || u[i] == '\\')) {
			r = buf_printf(b, "\\%c", u[i]);
			l = 1;
		} else {
			l = utf8_seq_len(u + i, n - i);
			if (l == 0) {
				r = buf_printf(b, "\\x%02x", u[i]);
				l = 1;
			} else {
				r = buf_append(b, s + i, l);
			}
		}
		if (r < 0)
			return r;
		i += l;
	}
	return 0;
}

/* A NUL-terminated, escaped copy of s for a message; NULL on ENOMEM. */
static char *quote(const char *s, size_t n)
{
	struct buf b = BUF_INIT;

	if (buf_put_escaped(&b, s, n, QUOTE_MAX, false) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* ---- Position scanner (runs on the error path only) ---- */

struct scan {
	const char *s;
	size_t len;
	size_t i;
	unsigned line;
	unsigned col;
};

static bool sc_at(const struct scan *c, char ch) { return c->i < c->len && c->s[c->i] == ch; }

static void sc_next(struct scan *c)
{
	unsigned char ch;

	if (c->i >= c->len)
		return;
	ch = (unsigned char)c->s[c->i++];
	if (ch == '\n') {
		c->line++;
		c->col = 1;
	} else if ((ch & 0xc0) != 0x80) {
		/* One column per character: continuation bytes do not count. */
		c->col++;
	}
}

static void sc_ws(struct scan *c)
{
	while (c->i < c->len && (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\r' ||
				 c->s[c->i] == '\n'))
		sc_next(c);
}

/* At '"': moves past the closing quote. */
static void sc_skip_string(struct scan *c)
{
	sc_next(c);
	while (c->i < c->len) {
		char ch = c->s[c->i];

		sc_next(c);
		if (ch == '"')
			return;
		if (ch == '\\')
			sc_next(c);
	}
}

static unsigned sc_hex4(struct scan *c)
{
	unsigned v = 0;

	for (int k = 0; k < 4 && c->i < c->len; k++) {
		char ch = c->s[c->i];

		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v |= (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v |= (unsigned)(ch - 'A' + 10);
		sc_next(c);
	}
	return v;
}

static size_t utf8_encode(unsigned cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* At '"': consumes the string token and tells whether its decoded value equals key. */
static bool sc_string_equals(struct scan *c, const char *key)
{
	size_t k = 0;
	bool eq = true;

	sc_next(c);
	while (c->i < c->len) {
		char ch = c->s[c->i], enc[4];
		size_t n = 1;

		sc_next(c);
		if (ch == '"')
			return eq && key[k] == '\0';
		enc[0] = ch;
		if (ch == '\\' && c->i < c->len) {
			ch = c->s[c->i];
			sc_next(c);
			switch (ch) {
			case 'b':
				enc[0] = '\b';
				break;
			case 'f':
				enc[0] = '\f';
				break;
			case 'n':
				enc[0] = '\n';
				break;
			case 'r':
				enc[0] = '\r';
				break;
			case 't':
				enc[0] = '\t';
				break;
			case 'u': {
				unsigned cp = sc_hex4(c);

				if (cp >= 0xd800 && cp <= 0xdbff && sc_at(c, '\\') &&
				    c->i + 1 < c->len && c->s[c->i + 1] == 'u') {
					unsigned lo;

					sc_next(c);
					sc_next(c);
					lo = sc_hex4(c);
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				n = utf8_encode(cp, enc);
				break;
			}
			default: /* '"', '\\', '/' */
				enc[0] = ch;
				break;
			}
		}
		for (size_t j = 0; j < n && eq; j++) {
			if (key[k] == '\0' || key[k] != enc[j])
				eq = false;
			else
				k++;
		}
	}
	return false;
}

static bool is_delimiter(char ch)
{
	return ch == ',' || ch == ':' || ch == ']' || ch == '}' || ch == '"' || ch == ' ' ||
	       ch == '\t' || ch == '\r' || ch == '\n';
}

/* Skips one value, iteratively (nesting is only counted, never recursed into). */
static void sc_skip_value(struct scan *c)
{
	size_t depth = 0;

	do {
		char ch;

		sc_ws(c);
		if (c->i >= c->len)
			return;
		ch = c->s[c->i];
		if (ch == '"') {
			sc_skip_string(c);
		} else if (ch == '{' || ch == '[') {
			depth++;
			sc_next(c);
		} else if (ch == '}' || ch == ']' || ch == ',' || ch == ':') {
			if (depth == 0)
				return;
			if (ch == '}' || ch == ']')
				depth--;
			sc_next(c);
		} else {
			/* A number or a literal. Always make progress, whatever the byte. */
			do
				sc_next(c);
			while (c->i < c->len && !is_delimiter(c->s[c->i]));
		}
	} while (depth > 0);
}

/* One step of a path: an object member (key != NULL) or an array element. */
struct path_comp {
	const char *key;
	size_t index;
};

/* The position of the value at path[0..depth), or of its key when at_key. When the path cannot
 * be followed (it always can for text jansson accepted) the last position reached is returned. */
static struct scan locate(const char *text, size_t len, const struct path_comp *path, size_t depth,
			  bool at_key)
{
	struct scan c = {.s = text, .len = len, .line = 1, .col = 1};

	sc_ws(&c);
	for (size_t d = 0; d < depth; d++) {
		if (path[d].key) {
			if (!sc_at(&c, '{'))
				return c;
			sc_next(&c);
			for (;;) {
				struct scan key_pos;
				bool eq;

				sc_ws(&c);
				if (!sc_at(&c, '"'))
					return c;
				key_pos = c;
				eq = sc_string_equals(&c, path[d].key);
				sc_ws(&c);
				if (sc_at(&c, ':'))
					sc_next(&c);
				sc_ws(&c);
				if (eq) {
					if (at_key && d + 1 == depth)
						return key_pos;
					break;
				}
				sc_skip_value(&c);
				sc_ws(&c);
				if (!sc_at(&c, ','))
					return c;
				sc_next(&c);
			}
		} else {
			if (!sc_at(&c, '['))
				return c;
			sc_next(&c);
			for (size_t n = 0;; n++) {
				sc_ws(&c);
				if (c.i >= c.len || sc_at(&c, ']') || n == path[d].index)
					break;
				sc_skip_value(&c);
				sc_ws(&c);
				if (!sc_at(&c, ','))
					return c;
				sc_next(&c);
			}
		}
	}
	return c;
}

/* The line and column of byte offset `end`. */
static struct scan position_at(const char *text, size_t len, size_t end)
{
	struct scan c = {.s = text, .len = len, .line = 1, .col = 1};

	while (c.i < len && c.i < end)
		sc_next(&c);
	return c;
}

/* jansson reports a duplicate key with the offset just past it; find where that key starts. */
static bool find_string_ending_at(const char *text, size_t len, size_t end, struct scan *ret)
{
	struct scan c = {.s = text, .len = len, .line = 1, .col = 1};

	while (c.i < len && c.i < end) {
		if (c.s[c.i] == '"') {
			struct scan start = c;

			sc_skip_string(&c);
			if (c.i == end) {
				*ret = start;
				return true;
			}
		} else {
			sc_next(&c);
		}
	}
	return false;
}

/* ---- Errors ---- */

struct parser {
	const char *text;
	size_t len;
	const char *origin;
	srt_error **reterr;
	struct path_comp path[SETTINGS_PATH_MAX_DEPTH];
	size_t depth;
};

enum at {
	AT_VALUE,
	AT_KEY,
};

static int oom(struct parser *p)
{
	return srt_error_set(p->reterr, SRT_E_CONFIG, ENOMEM, "%s: out of memory", p->origin);
}

static void push_key(struct parser *p, const char *key)
{
	/* The schema is shallower than the array; a deeper walk is a bug, not bad input. */
	if (p->depth < ELEMENTSOF(p->path))
		p->path[p->depth] = (struct path_comp){.key = key};
	p->depth++;
}

static void push_index(struct parser *p, size_t index)
{
	if (p->depth < ELEMENTSOF(p->path))
		p->path[p->depth] = (struct path_comp){.index = index};
	p->depth++;
}

static void pop(struct parser *p) { p->depth--; }

static bool is_identifier(const char *s)
{
	if (!*s || strlen(s) > QUOTE_MAX)
		return false;
	for (const char *q = s; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		      (*q >= '0' && *q <= '9') || *q == '_' || *q == '$' || *q == '-'))
			return false;
	return true;
}

/* "network.allowedDomains[3]", 'ignoreViolations["npm test"][0]'. */
static int buf_put_path(struct buf *b, const struct path_comp *path, size_t depth)
{
	int r = 0;

	for (size_t d = 0; d < depth && r >= 0; d++) {
		if (!path[d].key)
			r = buf_printf(b, "[%zu]", path[d].index);
		else if (is_identifier(path[d].key))
			r = buf_printf(b, "%s%s", d > 0 ? "." : "", path[d].key);
		else if ((r = buf_puts(b, "[\"")) >= 0 &&
			 (r = buf_put_escaped(b, path[d].key, strlen(path[d].key), QUOTE_MAX,
					      true)) >= 0)
			r = buf_puts(b, "\"]");
	}
	return r;
}

/* vprintf onto a buf (strv.h has only the variadic form). */
static int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n, r;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return -EINVAL;
	r = buf_reserve(b, (size_t)n);
	if (r < 0)
		return r;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

/* Fails with "ORIGIN:LINE:COL: DOTTED.KEY: problem" for the value (or key) at the current path. */
static int fail(struct parser *p, enum at at, const char *fmt, ...) SRT_PRINTF(3, 4);
static int fail(struct parser *p, enum at at, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	size_t depth = p->depth < ELEMENTSOF(p->path) ? p->depth : ELEMENTSOF(p->path);
	struct scan pos = locate(p->text, p->len, p->path, depth, at == AT_KEY);
	va_list ap;
	int r;

	r = buf_printf(&b, "%s:%u:%u: ", p->origin, pos.line, pos.col);
	if (r >= 0 && depth > 0) {
		r = buf_put_path(&b, p->path, depth);
		if (r >= 0)
			r = buf_puts(&b, ": ");
	}
	if (r >= 0) {
		va_start(ap, fmt);
		r = buf_vprintf(&b, fmt, ap);
		va_end(ap);
	}
	if (r < 0) {
		buf_free(&b);
		return oom(p);
	}
	r = srt_error_set(p->reterr, SRT_E_CONFIG, EINVAL, "%s", b.data);
	buf_free(&b);
	return r;
}

static int fail_json(struct parser *p, const json_error_t *jerr)
{
	_cleanup_free_ char *text = NULL;
	struct scan start;

	switch (json_error_code(jerr)) {
	case json_error_out_of_memory:
		return oom(p);
	case json_error_duplicate_key:
		if (jerr->position > 0 &&
		    find_string_ending_at(p->text, p->len, (size_t)jerr->position, &start)) {
			/* The raw token without its quotes, as the user wrote it. */
			text = quote(p->text + start.i + 1, (size_t)jerr->position - start.i - 2);
			if (!text)
				return oom(p);
			return srt_error_set(p->reterr, SRT_E_CONFIG, EINVAL,
					     "%s:%u:%u: duplicate key '%s'", p->origin, start.line,
					     start.col, text);
		}
		break;
	default:
		break;
	}
	text = quote(jerr->text, strnlen(jerr->text, sizeof(jerr->text)));
	if (!text)
		return oom(p);
	if (json_error_code(jerr) == json_error_duplicate_key)
		return srt_error_set(p->reterr, SRT_E_CONFIG, EINVAL, "%s:%d:%d: duplicate key: %s",
				     p->origin, jerr->line, jerr->column, text);
	if (jerr->line < 1)
		return srt_error_set(p->reterr, SRT_E_CONFIG, EINVAL, "%s: invalid JSON: %s",
				     p->origin, text);
	return srt_error_set(p->reterr, SRT_E_CONFIG, EINVAL, "%s:%d:%d: invalid JSON: %s",
			     p->origin, jerr->line, jerr->column < 1 ? 1 : jerr->column, text);
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

/* ---- Schema ---- */

enum field_type {
	F_NETWORK,
	F_FILESYSTEM,
	F_RIPGREP,
	F_ENVIRONMENT,
	F_ENV_NAMES, /* variable name patterns (env-filter.h) */
	F_ALLOW_DOMAINS,
	F_DENY_DOMAINS,
	F_PATHS,   /* path patterns: strings or {"path", "literal"} objects (settings.h) */
	F_SOCKETS, /* strings without control characters (may be empty, as in the reference) */
	F_BOOL,
	F_PORT,	 /* integer 1..65535 */
	F_DEPTH, /* integer 1..10 */
	F_LANDLOCK, /* "auto", "require" or "off" */
	F_IGNORE_VIOLATIONS,
	F_IGNORED_STRING, /* validated, then dropped (ripgrep) */
	F_IGNORED_STRINGS,
	F_UNSUPPORTED, /* a key of a newer reference srt does not implement */
};

struct field {
	const char *name;
	enum field_type type;
	bool required;
	size_t offset; /* into struct srt_settings, for the types that store something */
};

/* clang-format off */
#define FIELD(n, t, req, member) {n, t, req, offsetof(struct srt_settings, member)}
#define NODE(n, t, req) {n, t, req, 0}
#define UNSUPPORTED(n) {n, F_UNSUPPORTED, false, 0}

static const struct field top_fields[] = {
	NODE("network", F_NETWORK, true),
	NODE("filesystem", F_FILESYSTEM, true),
	NODE("ignoreViolations", F_IGNORE_VIOLATIONS, false),
	FIELD("enableWeakerNestedSandbox", F_BOOL, false, enable_weaker_nested_sandbox),
	FIELD("allowNestedUserNamespaces", F_BOOL, false, allow_nested_user_namespaces),
	FIELD("mandatoryDenySearchDepth", F_DEPTH, false, mandatory_deny_search_depth),
	FIELD("allowPty", F_BOOL, false, allow_pty),
	FIELD("landlock", F_LANDLOCK, false, landlock),
	NODE("ripgrep", F_RIPGREP, false),
	NODE("environment", F_ENVIRONMENT, false),
	UNSUPPORTED("credentials"),
	UNSUPPORTED("enableWeakerNetworkIsolation"),
	UNSUPPORTED("allowAppleEvents"),
	UNSUPPORTED("seccomp"),
	UNSUPPORTED("bwrapPath"),
	UNSUPPORTED("socatPath"),
	UNSUPPORTED("javaAgentJarPath"),
	UNSUPPORTED("git"),
	UNSUPPORTED("windows"),
};

static const struct field network_fields[] = {
	FIELD("allowedDomains", F_ALLOW_DOMAINS, true, allowed_domains),
	FIELD("deniedDomains", F_DENY_DOMAINS, true, denied_domains),
	FIELD("allowUnixSockets", F_SOCKETS, false, allow_unix_sockets),
	FIELD("allowAllUnixSockets", F_BOOL, false, allow_all_unix_sockets),
	FIELD("allowLocalBinding", F_BOOL, false, allow_local_binding),
	FIELD("httpProxyPort", F_PORT, false, http_proxy_port),
	FIELD("socksProxyPort", F_PORT, false, socks_proxy_port),
	UNSUPPORTED("deniedDomainReasons"),
	UNSUPPORTED("strictAllowlist"),
	UNSUPPORTED("deniedResolvedAddresses"),
	UNSUPPORTED("allowMachLookup"),
	UNSUPPORTED("mitmProxy"),
	UNSUPPORTED("parentProxy"),
	UNSUPPORTED("tlsTerminate"),
	UNSUPPORTED("allowPlaintextHeaderSet"),
	UNSUPPORTED("stripResponseHeaders"),
	UNSUPPORTED("refuseOpaqueTunnels"),
	UNSUPPORTED("requireHostMatch"),
	UNSUPPORTED("ambiguousRequestTarget"),
};

static const struct field filesystem_fields[] = {
	FIELD("denyRead", F_PATHS, true, deny_read),
	FIELD("allowRead", F_PATHS, false, allow_read),
	FIELD("allowWrite", F_PATHS, true, allow_write),
	FIELD("denyWrite", F_PATHS, true, deny_write),
	FIELD("allowGitConfig", F_BOOL, false, allow_git_config),
	FIELD("privateTmp", F_BOOL, false, private_tmp),
	FIELD("strictDenyGlobs", F_BOOL, false, strict_deny_globs),
	UNSUPPORTED("disabled"),
};

static const struct field ripgrep_fields[] = {
	NODE("command", F_IGNORED_STRING, true),
	NODE("args", F_IGNORED_STRINGS, false),
	UNSUPPORTED("argv0"),
};

static const struct field environment_fields[] = {
	FIELD("dropSecrets", F_BOOL, false, env_drop_secrets),
	FIELD("drop", F_ENV_NAMES, false, env_drop),
	FIELD("keep", F_ENV_NAMES, false, env_keep),
};

struct object_schema {
	const char *name; /* dotted path of the object, "" for the top level */
	const struct field *fields;
	size_t n_fields;
};

static const struct object_schema schemas[] = {
	{"", top_fields, ELEMENTSOF(top_fields)},
	{"network", network_fields, ELEMENTSOF(network_fields)},
	{"filesystem", filesystem_fields, ELEMENTSOF(filesystem_fields)},
	{"ripgrep", ripgrep_fields, ELEMENTSOF(ripgrep_fields)},
	{"environment", environment_fields, ELEMENTSOF(environment_fields)},
};
/* clang-format on */

static const struct field *find_field(const struct object_schema *o, const char *key)
{
	for (size_t i = 0; i < o->n_fields; i++)
		if (strcmp(o->fields[i].name, key) == 0)
			return &o->fields[i];
	return NULL;
}

/* Lower case, without '_' and '-': "allowed_domains" and "AllowedDomains" → "alloweddomains".
 * Returns false when s does not fit. */
static bool normalize_key(const char *s, char *out, size_t size)
{
	size_t n = 0;

	for (; *s; s++) {
		char ch = *s;

		if (ch == '_' || ch == '-')
			continue;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (n + 1 >= size)
			return false;
		out[n++] = ch;
	}
	out[n] = '\0';
	return true;
}

#define SUGGEST_MAX_DISTANCE 2
#define SUGGEST_MAX_KEY 64

/* Levenshtein distance of two short strings (both < SUGGEST_MAX_KEY bytes). */
static size_t edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
	size_t prev[SUGGEST_MAX_KEY + 1], cur[SUGGEST_MAX_KEY + 1];

	for (size_t j = 0; j <= nb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= na; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);

			cur[j] = del < ins ? del : ins;
			if (sub < cur[j])
				cur[j] = sub;
		}
		memcpy(prev, cur, (nb + 1) * sizeof(size_t));
	}
	return prev[nb];
}

/* The known key of o that key most likely misspells, or NULL. */
static const char *suggest(const struct object_schema *o, const char *key)
{
	char nkey[SUGGEST_MAX_KEY], nname[SUGGEST_MAX_KEY];
	size_t klen = strlen(key), best_d = SUGGEST_MAX_DISTANCE + 1;
	const char *best = NULL;

	if (klen >= SUGGEST_MAX_KEY || !normalize_key(key, nkey, sizeof(nkey)))
		return NULL;
	for (size_t i = 0; i < o->n_fields; i++) {
		const char *name = o->fields[i].name;
		size_t nlen = strlen(name), d;

		if (o->fields[i].type == F_UNSUPPORTED)
			continue;
		if (normalize_key(name, nname, sizeof(nname)) && strcmp(nkey, nname) == 0)
			return name;
		if (nlen >= SUGGEST_MAX_KEY || (klen > nlen ? klen - nlen : nlen - klen) > best_d)
			continue;
		d = edit_distance(key, klen, name, nlen);
		if (d < best_d) {
			best_d = d;
			best = name;
		}
	}
	return best;
}

static int fail_unknown_key(struct parser *p, const struct object_schema *o, const char *key)
{
	const char *s = suggest(o, key);

	if (s)
		return fail(p, AT_KEY, "unknown key (did you mean '%s'?)", s);
	/* A known key in the wrong object: say where it belongs. */
	for (size_t i = 0; i < ELEMENTSOF(schemas); i++) {
		const struct field *f = find_field(&schemas[i], key);

		if (&schemas[i] == o || !f || f->type == F_UNSUPPORTED)
			continue;
		if (schemas[i].name[0] == '\0')
			return fail(p, AT_KEY, "unknown key ('%s' belongs at the top level)", key);
		return fail(p, AT_KEY, "unknown key ('%s' belongs in '%s')", key, schemas[i].name);
	}
	return fail(p, AT_KEY, "unknown key");
}

/* ---- Values ---- */

enum string_kind {
	S_ANY,
	S_PATH,
	S_SOCKET,
	S_ALLOW_DOMAIN,
	S_DENY_DOMAIN,
	S_ENV_NAME,
};

static int check_string(struct parser *p, json_t *v, enum string_kind kind)
{
	const char *s;
	size_t n;

	if (!json_is_string(v))
		return fail(p, AT_VALUE, "expected a string, got %s", type_name(v));
	s = json_string_value(v);
	n = json_string_length(v);
	if (n > SETTINGS_MAX_STRING_LEN)
		return fail(p, AT_VALUE, "the string is %zu bytes long; at most %d are allowed", n,
			    SETTINGS_MAX_STRING_LEN);

	switch (kind) {
	case S_ANY:
		break;
	case S_PATH:
		if (n == 0)
			return fail(p, AT_VALUE, "path cannot be empty");
		__attribute__((fallthrough));
	case S_SOCKET:
		/* Stricter than the reference: a newline or escape sequence in a path is
		 * certainly a mistake and would garble messages and generated profiles. */
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)s[i];

			if (ch < 0x20 || ch == 0x7f)
				return fail(
				    p, AT_VALUE,
				    "path contains the control character 0x%02x at byte %zu", ch,
				    i);
		}
		break;
	case S_ENV_NAME: {
		const char *why = strlen(s) != n ? "a variable name cannot contain NUL"
						 : env_pattern_check(s);
		_cleanup_free_ char *q = NULL;

		if (!why)
			break;
		q = quote(s, n);
		if (!q)
			return oom(p);
		return fail(p, AT_VALUE,
			    "invalid variable name pattern '%s': %s (expected a name such as "
			    "\"GITHUB_TOKEN\" or a pattern with '*' such as \"AWS_*\", at most "
			    "%d bytes)",
			    q, why, ENV_FILTER_MAX_PATTERN_LEN);
	}
	case S_ALLOW_DOMAIN:
	case S_DENY_DOMAIN: {
		_cleanup_free_ char *q = NULL;

		if (domain_pattern_valid(s, kind == S_DENY_DOMAIN) && strlen(s) == n)
			break;
		q = quote(s, n);
		if (!q)
			return oom(p);
		if (kind == S_DENY_DOMAIN)
			return fail(
			    p, AT_VALUE,
			    "invalid domain pattern '%s': expected a domain (\"example.com\"), "
			    "a wildcard (\"*.example.com\"), \"localhost\", a bracketed IPv6 "
			    "literal (\"[::1]\") or \"*\" (every host), optionally followed "
			    "by \":PORT\" (1-65535)",
			    q);
		return fail(
		    p, AT_VALUE,
		    "invalid domain pattern '%s': expected a domain (\"example.com\"), a "
		    "wildcard (\"*.example.com\"), \"localhost\" or a bracketed IPv6 literal "
		    "(\"[::1]\"), optionally followed by \":PORT\" (1-65535); overly broad "
		    "patterns like \"*.com\" or \"*\" are not allowed",
		    q);
	}
	}
	return 0;
}

/* An array of strings; *ret (when ret is not NULL) receives a NULL-terminated copy. */
static int parse_strings(struct parser *p, json_t *v, enum string_kind kind, char ***ret)
{
	_cleanup_strv_free_ char **list = NULL;
	size_t n, i;
	json_t *e;
	int r;

	if (!json_is_array(v))
		return fail(p, AT_VALUE, "expected an array of strings, got %s", type_name(v));
	n = json_array_size(v);
	if (n > SETTINGS_MAX_LIST_ENTRIES)
		return fail(p, AT_VALUE, "the list has %zu entries; at most %d are allowed", n,
			    SETTINGS_MAX_LIST_ENTRIES);
	if (ret) {
		list = calloc(n + 1, sizeof(char *));
		if (!list)
			return oom(p);
	}
	json_array_foreach(v, i, e)
	{
		push_index(p, i);
		r = check_string(p, e, kind);
		if (r < 0)
			return r;
		pop(p);
		if (list) {
			list[i] = strndup(json_string_value(e), json_string_length(e));
			if (!list[i])
				return oom(p);
		}
	}
	if (ret)
		*ret = TAKE_PTR(list);
	return 0;
}

/* ---- Path patterns ---- */

int settings_path_pattern(const char *entry, const char *home, const char *cwd, char **ret,
			  const char **ret_reason)
{
	_cleanup_free_ char *abs = NULL;
	struct path_glob *g = NULL;
	const char *why = NULL;
	int r;

	if (!entry || !ret)
		return -EINVAL;
	if (!*entry)
		why = "the path is empty";
	else if (path_pattern_dots_after_glob(entry))
		why = "'.' or '..' after a glob component (it cannot be resolved before "
		      "matching; move it before the glob)";
	if (why) {
		if (ret_reason)
			*ret_reason = why;
		return -EINVAL;
	}
	r = path_absolute(entry, home, cwd, &abs);
	if (r == 0 && entry[strlen(entry) - 1] == '/' && strlen(entry) > 1) {
		/* gitignore reads "dir/" as "directories only"; srt has no such rule, so a glob
		 * with a trailing '/' is refused rather than read as something else. A literal
		 * path ("~/proj/") is the same path without it. */
		r = path_glob_compile(abs, &g, NULL);
		if (r == 0 && !path_glob_is_literal(g)) {
			g = path_glob_free(g);
			if (ret_reason)
				*ret_reason = "a glob ending in '/' (gitignore's \"directories "
					      "only\") is not supported; drop the '/' or end with "
					      "\"/**\"";
			return -EINVAL;
		}
		g = path_glob_free(g);
		r = 0;
	}
	if (r == -EINVAL) {
		if (ret_reason)
			*ret_reason = entry[0] == '~' ? "'~' needs a home directory (is HOME set?)"
						      : "a relative path needs a working directory";
		return r;
	}
	if (r < 0)
		return r;
	r = path_glob_compile(abs, &g, &why);
	path_glob_free(g);
	if (r == -EINVAL && ret_reason)
		*ret_reason = why ? why : "not a valid path pattern";
	if (r < 0)
		return r;
	*ret = TAKE_PTR(abs);
	return 0;
}

const char *settings_path_pattern_check(const char *entry)
{
	_cleanup_free_ char *abs = NULL;
	const char *why = NULL;
	int r;

	/* Any absolute home and cwd will do: they only add literal components. Short ones, so
	 * that the length limit is the pattern's own (less what a real cwd adds: checked again
	 * when the sandbox is built). */
	r = settings_path_pattern(entry, "/h", "/c", &abs, &why);
	if (r == -ENOMEM)
		return NULL; /* not a verdict on the pattern; building the sandbox checks again */
	return r < 0 ? (why ? why : "not a valid path pattern") : NULL;
}

char *settings_glob_escape(const char *path)
{
	size_t n = 0;
	char *out, *o;

	for (const char *s = path; *s; s++)
		n += strchr("\\*?[", *s) ? 2 : 1;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	o = out;
	for (const char *s = path; *s; s++) {
		if (strchr("\\*?[", *s))
			*o++ = '\\';
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* One pattern entry's checks after check_string(): the glob syntax. */
static int check_pattern(struct parser *p, const char *s, bool literal)
{
	const char *why = settings_path_pattern_check(s);
	_cleanup_free_ char *q = NULL;

	if (!why)
		return 0;
	q = quote(s, strlen(s));
	if (!q)
		return oom(p);
	if (literal)
		return fail(p, AT_VALUE, "invalid path '%s': %s", q, why);
	return fail(p, AT_VALUE,
		    "invalid path pattern '%s': %s (a path that contains glob characters is "
		    "written {\"path\": \"...\", \"literal\": true})",
		    q, why);
}

/* A filesystem list: strings (gitignore-style patterns) and {"path": P, "literal": BOOL}
 * objects; *ret receives the patterns, literal paths escaped. */
static int parse_path_patterns(struct parser *p, json_t *v, char ***ret)
{
	_cleanup_strv_free_ char **list = NULL;
	size_t n, i;
	json_t *e;
	int r;

	if (!json_is_array(v))
		return fail(p, AT_VALUE,
			    "expected an array of paths (strings or {\"path\", \"literal\"} "
			    "objects), got %s",
			    type_name(v));
	n = json_array_size(v);
	if (n > SETTINGS_MAX_LIST_ENTRIES)
		return fail(p, AT_VALUE, "the list has %zu entries; at most %d are allowed", n,
			    SETTINGS_MAX_LIST_ENTRIES);
	list = calloc(n + 1, sizeof(char *));
	if (!list)
		return oom(p);
	json_array_foreach(v, i, e)
	{
		json_t *path = e, *lit = NULL;
		bool literal = false;
		const char *key;
		json_t *mv;

		push_index(p, i);
		if (json_is_object(e)) {
			json_object_foreach(e, key, mv)
			{
				if (strcmp(key, "path") != 0 && strcmp(key, "literal") != 0) {
					push_key(p, key);
					return fail(p, AT_KEY,
						    "unknown key (a path object has \"path\" and "
						    "\"literal\")");
				}
			}
			path = json_object_get(e, "path");
			lit = json_object_get(e, "literal");
			if (!path)
				return fail(p, AT_VALUE, "required key 'path' is missing");
			if (lit) {
				push_key(p, "literal");
				if (!json_is_boolean(lit))
					return fail(p, AT_VALUE, "expected a boolean, got %s",
						    type_name(lit));
				pop(p);
				literal = json_is_true(lit);
			}
			push_key(p, "path");
		} else if (!json_is_string(e)) {
			return fail(p, AT_VALUE,
				    "expected a path (a string or a {\"path\", \"literal\"} "
				    "object), got %s",
				    type_name(e));
		}
		r = check_string(p, path, S_PATH);
		if (r < 0)
			return r;
		if (strlen(json_string_value(path)) != json_string_length(path))
			return fail(p, AT_VALUE, "path contains a NUL byte");
		list[i] = literal ? settings_glob_escape(json_string_value(path))
				  : strdup(json_string_value(path));
		if (!list[i])
			return oom(p);
		r = check_pattern(p, list[i], literal);
		if (r < 0)
			return r;
		if (json_is_object(e))
			pop(p);
		pop(p);
	}
	*ret = TAKE_PTR(list);
	return 0;
}

static int parse_int(struct parser *p, json_t *v, long long lo, long long hi, int *ret)
{
	long long x;

	if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else if (json_is_real(v)) {
		/* JSON has one number type; the reference (zod int) accepts 8080.0 and 8e3. */
		double d = json_real_value(v);

		if (!(d >= (double)lo && d <= (double)hi) || (double)(long long)d != d)
			return fail(p, AT_VALUE,
				    "expected an integer between %lld and %lld, got %g", lo, hi, d);
		x = (long long)d;
	} else {
		return fail(p, AT_VALUE, "expected an integer between %lld and %lld, got %s", lo,
			    hi, type_name(v));
	}
	if (x < lo || x > hi)
		return fail(p, AT_VALUE, "expected an integer between %lld and %lld, got %lld", lo,
			    hi, x);
	*ret = (int)x;
	return 0;
}

static int parse_ignore_violations(struct parser *p, json_t *v, struct srt_settings *s)
{
	const char *key;
	json_t *paths;
	size_t n;
	int r;

	if (!json_is_object(v))
		return fail(
		    p, AT_VALUE,
		    "expected an object mapping command patterns to arrays of paths, got %s",
		    type_name(v));
	n = json_object_size(v);
	if (n > SETTINGS_MAX_LIST_ENTRIES)
		return fail(p, AT_VALUE, "the object has %zu entries; at most %d are allowed", n,
			    SETTINGS_MAX_LIST_ENTRIES);
	if (n == 0)
		return 0;
	s->ignore_violations = calloc(n, sizeof(*s->ignore_violations));
	if (!s->ignore_violations)
		return oom(p);
	json_object_foreach(v, key, paths)
	{
		struct settings_ignore_rule *rule = &s->ignore_violations[s->n_ignore_violations];
		_cleanup_strv_free_ char **list = NULL;
		size_t klen = strlen(key);

		push_key(p, key);
		if (klen > SETTINGS_MAX_STRING_LEN)
			return fail(p, AT_KEY,
				    "the command pattern is %zu bytes long; at most %d are allowed",
				    klen, SETTINGS_MAX_STRING_LEN);
		r = parse_strings(p, paths, S_SOCKET, &list);
		if (r < 0)
			return r;
		pop(p);
		rule->command = strdup(key);
		if (!rule->command)
			return oom(p);
		rule->paths = TAKE_PTR(list);
		s->n_ignore_violations++;
	}
	return 0;
}

static int parse_object(struct parser *p, json_t *obj, const struct object_schema *o,
			struct srt_settings *s);

static int parse_field(struct parser *p, const struct field *f, json_t *v, struct srt_settings *s)
{
	void *dst = (char *)s + f->offset;
	char **list = NULL;
	int r;

	switch (f->type) {
	case F_NETWORK:
		return parse_object(p, v, &schemas[1], s);
	case F_FILESYSTEM:
		return parse_object(p, v, &schemas[2], s);
	case F_RIPGREP:
		return parse_object(p, v, &schemas[3], s);
	case F_ENVIRONMENT:
		return parse_object(p, v, &schemas[4], s);
	case F_ENV_NAMES:
		if (json_is_array(v) && json_array_size(v) > ENV_FILTER_MAX_PATTERNS)
			return fail(p, AT_VALUE, "the list has %zu entries; at most %d are allowed",
				    json_array_size(v), ENV_FILTER_MAX_PATTERNS);
		r = parse_strings(p, v, S_ENV_NAME, &list);
		if (r < 0)
			return r;
		strv_free(*(char ***)dst);
		*(char ***)dst = list;
		return 0;
	case F_PATHS:
		r = parse_path_patterns(p, v, &list);
		if (r < 0)
			return r;
		strv_free(*(char ***)dst);
		*(char ***)dst = list;
		return 0;
	case F_ALLOW_DOMAINS:
	case F_DENY_DOMAINS:
	case F_SOCKETS:
		r = parse_strings(p, v,
				  f->type == F_ALLOW_DOMAINS  ? S_ALLOW_DOMAIN
				  : f->type == F_DENY_DOMAINS ? S_DENY_DOMAIN
							      : S_SOCKET,
				  &list);
		if (r < 0)
			return r;
		strv_free(*(char ***)dst);
		*(char ***)dst = list;
		return 0;
	case F_BOOL:
		if (!json_is_boolean(v))
			return fail(p, AT_VALUE, "expected a boolean, got %s", type_name(v));
		*(bool *)dst = json_is_true(v);
		return 0;
	case F_PORT:
		return parse_int(p, v, 1, 65535, (int *)dst);
	case F_DEPTH:
		return parse_int(p, v, 1, 10, (int *)dst);
	case F_LANDLOCK: {
		const char *t = json_is_string(v) ? json_string_value(v) : NULL;

		if (!t)
			return fail(p, AT_VALUE, "expected a string, got %s", type_name(v));
		if (strcmp(t, "auto") == 0)
			*(int *)dst = SETTINGS_LANDLOCK_AUTO;
		else if (strcmp(t, "require") == 0)
			*(int *)dst = SETTINGS_LANDLOCK_REQUIRE;
		else if (strcmp(t, "off") == 0)
			*(int *)dst = SETTINGS_LANDLOCK_OFF;
		else
			return fail(p, AT_VALUE,
				    "expected \"auto\", \"require\" or \"off\"");
		return 0;
	}
	case F_IGNORE_VIOLATIONS:
		return parse_ignore_violations(p, v, s);
	case F_IGNORED_STRING:
		/* ripgrep: kept for compatibility; srt never runs ripgrep. */
		return check_string(p, v, S_ANY);
	case F_IGNORED_STRINGS:
		return parse_strings(p, v, S_ANY, NULL);
	case F_UNSUPPORTED:
		break;
	}
	return fail(p, AT_KEY,
		    "'%s' is not supported by this version of srt (it comes from a newer "
		    "sandbox-runtime); remove it",
		    f->name);
}

static int parse_object(struct parser *p, json_t *obj, const struct object_schema *o,
			struct srt_settings *s)
{
	const char *key;
	json_t *v;
	int r;

	if (!json_is_object(obj))
		return fail(p, AT_VALUE, "expected an object, got %s", type_name(obj));
	json_object_foreach(obj, key, v)
	{
		const struct field *f = find_field(o, key);

		push_key(p, key);
		if (!f)
			return fail_unknown_key(p, o, key);
		r = parse_field(p, f, v, s);
		if (r < 0)
			return r;
		pop(p);
	}
	for (size_t i = 0; i < o->n_fields; i++)
		if (o->fields[i].required && !json_object_get(obj, o->fields[i].name))
			return fail(p, AT_VALUE, "required key '%s' is missing", o->fields[i].name);
	return 0;
}

/* ---- Entry points ---- */

static bool is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(" \t\r\n\f\v", s[i]) || s[i] == '\0')
			return false;
	return true;
}

int settings_parse(const char *json, size_t len, const char *origin, struct srt_settings **ret,
		   srt_error **reterr)
{
	_cleanup_(settings_freep) struct srt_settings *s = NULL;
	_cleanup_(json_decrefp) json_t *root = NULL;
	json_error_t jerr;
	const char *nul;
	struct parser p = {
	    .text = json,
	    .len = len,
	    .origin = origin ? origin : "<settings>",
	    .reterr = reterr,
	};
	int r;

	if (!ret || (!json && len > 0))
		return srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, EINVAL,
				     "settings_parse: invalid arguments");
	if (len > SETTINGS_MAX_FILE_SIZE)
		return srt_error_set(reterr, SRT_E_CONFIG, EFBIG,
				     "%s: the file is larger than 1 MiB", p.origin);
	if (is_blank(json, len))
		return srt_error_set(reterr, SRT_E_CONFIG, EINVAL, "%s: the file is empty",
				     p.origin);
	if (len >= 3 && memcmp(json, "\xef\xbb\xbf", 3) == 0)
		return srt_error_set(reterr, SRT_E_CONFIG, EINVAL,
				     "%s:1:1: the file starts with a UTF-8 byte order mark, which "
				     "JSON does not allow; save it without one",
				     p.origin);

	/* jansson 2.14 accepts a NUL byte after a number or a literal ("1\0}"); a settings file is
	 * text, so refuse NUL bytes anywhere before jansson sees them. */
	nul = memchr(json, '\0', len);
	if (nul) {
		struct scan pos = position_at(json, len, (size_t)(nul - json));

		return srt_error_set(
		    reterr, SRT_E_CONFIG, EINVAL,
		    "%s:%u:%u: the file contains a NUL byte; settings must be text", p.origin,
		    pos.line, pos.col);
	}

	/* No JSON_DISABLE_EOF_CHECK: trailing garbage is an error. No JSON_ALLOW_NUL: "\u0000"
	 * is refused (it would truncate C strings). JSON_DECODE_ANY so that a top level that is
	 * not an object gets our message rather than jansson's. */
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!root)
		return fail_json(&p, &jerr);
	if (!json_is_object(root))
		return fail(&p, AT_VALUE, "expected a JSON object at the top level, got %s",
			    type_name(root));

	s = settings_new_default();
	if (!s)
		return oom(&p);
	r = parse_object(&p, root, &schemas[0], s);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

int settings_load_file(const char *path, struct srt_settings **ret, srt_error **reterr)
{
	_cleanup_(settings_freep) struct srt_settings *s = NULL;
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *data = NULL;
	size_t len = 0, cap;
	struct stat st;
	int r;

	if (!path || !ret)
		return srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, EINVAL,
				     "settings_load_file: invalid arguments");

	/* O_NONBLOCK: opening a FIFO must not hang; it is refused below as not a regular file. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT)
			return srt_error_set(reterr, SRT_E_CONFIG, ENOENT, "%s: does not exist",
					     path);
		return srt_error_set(reterr, SRT_E_CONFIG, e, "%s: cannot be read: %s", path,
				     strerror(e));
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;

		return srt_error_set(reterr, SRT_E_CONFIG, e, "%s: cannot be read: %s", path,
				     strerror(e));
	}
	if (S_ISDIR(st.st_mode))
		return srt_error_set(reterr, SRT_E_CONFIG, EISDIR,
				     "%s: is a directory, not a settings file", path);
	if (!S_ISREG(st.st_mode))
		return srt_error_set(reterr, SRT_E_CONFIG, EINVAL, "%s: is not a regular file",
				     path);
	if (st.st_size > SETTINGS_MAX_FILE_SIZE)
		return srt_error_set(reterr, SRT_E_CONFIG, EFBIG,
				     "%s: the file is larger than 1 MiB", path);

	/* The file may change size under us: read until EOF, but never more than the limit + 1. */
	cap = (size_t)st.st_size + 1;
	data = malloc(cap);
	if (!data)
		return srt_error_set(reterr, SRT_E_CONFIG, ENOMEM, "%s: out of memory", path);
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap * 2 > SETTINGS_MAX_FILE_SIZE + 1
					  ? SETTINGS_MAX_FILE_SIZE + 1
					  : cap * 2;
			char *nd;

			if (cap >= SETTINGS_MAX_FILE_SIZE + 1)
				return srt_error_set(reterr, SRT_E_CONFIG, EFBIG,
						     "%s: the file is larger than 1 MiB", path);
			nd = realloc(data, ncap);
			if (!nd)
				return srt_error_set(reterr, SRT_E_CONFIG, ENOMEM,
						     "%s: out of memory", path);
			data = nd;
			cap = ncap;
		}
		n = read(fd, data + len, cap - len);
		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			return srt_error_set(reterr, SRT_E_CONFIG, e, "%s: cannot be read: %s",
					     path, strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > SETTINGS_MAX_FILE_SIZE)
		return srt_error_set(reterr, SRT_E_CONFIG, EFBIG,
				     "%s: the file is larger than 1 MiB", path);

	r = settings_parse(data, len, path, &s, reterr);
	if (r < 0)
		return r;
	s->source = strdup(path);
	if (!s->source)
		return srt_error_set(reterr, SRT_E_CONFIG, ENOMEM, "%s: out of memory", path);
	*ret = TAKE_PTR(s);
	return 0;
}

/* ---- back to JSON ------------------------------------------------------------------------ */

static json_t *strings_json(char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; a && v && v[i]; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *object_json(const struct srt_settings *s, const struct field *fields, size_t n);

/* One field's value, or NULL when it has none to show (unset, ignored, unsupported). *err is
 * set on allocation failure. */
static json_t *field_json(const struct srt_settings *s, const struct field *f, bool *err)
{
	const char *base = (const char *)s;
	json_t *v = NULL;

	switch (f->type) {
	case F_NETWORK:
		v = object_json(s, network_fields, ELEMENTSOF(network_fields));
		break;
	case F_FILESYSTEM:
		v = object_json(s, filesystem_fields, ELEMENTSOF(filesystem_fields));
		break;
	case F_ENVIRONMENT:
		v = object_json(s, environment_fields, ELEMENTSOF(environment_fields));
		break;
	case F_ENV_NAMES:
	case F_ALLOW_DOMAINS:
	case F_DENY_DOMAINS:
	case F_PATHS:
	case F_SOCKETS:
		v = strings_json(*(char *const *const *)(const void *)(base + f->offset));
		break;
	case F_BOOL:
		v = json_boolean(*(const bool *)(const void *)(base + f->offset));
		break;
	case F_PORT: {
		int port = *(const int *)(const void *)(base + f->offset);

		if (port == 0)
			return NULL;
		v = json_integer(port);
		break;
	}
	case F_DEPTH:
		v = json_integer(*(const int *)(const void *)(base + f->offset));
		break;
	case F_LANDLOCK: {
		int l = *(const int *)(const void *)(base + f->offset);

		v = json_string(l == SETTINGS_LANDLOCK_REQUIRE ? "require"
				: l == SETTINGS_LANDLOCK_OFF   ? "off"
							       : "auto");
		break;
	}
	case F_IGNORE_VIOLATIONS:
		v = json_object();
		for (size_t i = 0; v && i < s->n_ignore_violations; i++)
			if (json_object_set_new(v, s->ignore_violations[i].command,
						strings_json(s->ignore_violations[i].paths)) < 0) {
				json_decref(v);
				v = NULL;
			}
		break;
	case F_RIPGREP:
	case F_IGNORED_STRING:
	case F_IGNORED_STRINGS:
	case F_UNSUPPORTED:
		return NULL;
	}
	if (!v)
		*err = true;
	return v;
}

static json_t *object_json(const struct srt_settings *s, const struct field *fields, size_t n)
{
	json_t *o = json_object();
	bool err = false;

	for (size_t i = 0; o && i < n; i++) {
		json_t *v = field_json(s, &fields[i], &err);

		if (err || (v && json_object_set_new(o, fields[i].name, v) < 0)) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

char *settings_to_json(const struct srt_settings *s, bool pretty)
{
	json_t *o;
	char *text;

	if (!s)
		return NULL;
	o = object_json(s, top_fields, ELEMENTSOF(top_fields));
	if (!o)
		return NULL;
	text = json_dumps(o, JSON_PRESERVE_ORDER | (pretty ? JSON_INDENT(2) : JSON_COMPACT));
	json_decref(o);
	return text;
}

int settings_set(struct srt_settings **s, const char *key, const char *value_json,
		 srt_error **reterr)
{
	_cleanup_free_ char *text = NULL, *patched = NULL;
	json_t *root = NULL, *obj, *value;
	json_error_t jerr;
	struct srt_settings *n = NULL;
	char path[128], *dot;
	int r = 0;

	if (!s || !*s || !key || !value_json)
		return srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, EINVAL, "missing argument");
	if (strlen(key) >= sizeof(path))
		return srt_error_set(reterr, SRT_E_CONFIG, EINVAL, "unknown key '%.64s...'", key);
	value = json_loads(value_json, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (!value)
		return srt_error_set(reterr, SRT_E_CONFIG, EINVAL, "%s: the value is not JSON: %s",
				     key, jerr.text);
	text = settings_to_json(*s, false);
	root = text ? json_loads(text, 0, &jerr) : NULL;
	if (!root) {
		json_decref(value);
		return srt_error_set(reterr, SRT_E_SYSTEM, ENOMEM, "out of memory");
	}
	/* "network.allowedDomains": walk the objects, set the last component */
	snprintf(path, sizeof(path), "%s", key);
	obj = root;
	for (char *p = path; (dot = strchr(p, '.')); p = dot + 1) {
		*dot = '\0';
		obj = json_object_get(obj, p);
		if (!json_is_object(obj)) {
			json_decref(root);
			json_decref(value);
			return srt_error_set(reterr, SRT_E_CONFIG, EINVAL, "unknown key '%s'", key);
		}
		*dot = '.';
		if (!strchr(dot + 1, '.')) {
			r = json_object_set_new(obj, dot + 1, value); /* takes value, even on error */
			value = NULL;
			break;
		}
	}
	if (value) /* a top-level key */
		r = json_object_set_new(root, key, value);
	patched = r == 0 ? json_dumps(root, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
	json_decref(root);
	if (!patched)
		return srt_error_set(reterr, SRT_E_SYSTEM, ENOMEM, "out of memory");
	/* the whole validation of a settings file applies */
	r = settings_parse(patched, strlen(patched), key, &n, reterr);
	if (r < 0)
		return r;
	/* what the JSON does not carry */
	strv_free(n->protected_paths);
	n->protected_paths = (*s)->protected_paths;
	(*s)->protected_paths = NULL;
	n->source = (*s)->source;
	(*s)->source = NULL;
	settings_free(*s);
	*s = n;
	return 0;
}
