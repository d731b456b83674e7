/* SPDX-License-Identifier: Apache-2.0 */
#include "sbpl.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* Length of the well-formed UTF-8 sequence at s (a byte >= 0x80), or 0. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	unsigned min;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000;
	else
		return 0;
	unsigned cp = c & (0x3f >> (n - 1));
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool sbpl_string_ok(const char *s, const char **reason)
{
	const char *why = NULL;

	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		if (*p < 0x20 || *p == 0x7f) {
			why = *p == '\n' ? "a newline cannot be expressed in a Seatbelt profile"
					 : "a control character cannot be expressed in a Seatbelt "
					   "profile";
			break;
		}
		if (*p < 0x80) {
			p++;
			continue;
		}
		size_t n = utf8_seq(p);
		if (n == 0) {
			why = "not valid UTF-8 (macOS file names are UTF-8)";
			break;
		}
		p += n;
	}
	if (why && reason)
		*reason = why;
	return !why;
}

int sbpl_put_string(struct buf *b, const char *s, const char **reason)
{
	int r;

	if (!sbpl_string_ok(s, reason))
		return -EINVAL;
	r = buf_reserve(b, 2 * strlen(s) + 3);
	if (r < 0)
		return r;
	b->data[b->len++] = '"';
	for (const char *p = s; *p; p++) {
		if (*p == '\\' || *p == '"')
			b->data[b->len++] = '\\';
		b->data[b->len++] = *p;
	}
	b->data[b->len++] = '"';
	b->data[b->len] = '\0';
	return 0;
}

static bool has(const uint64_t *bits, unsigned c) { return (bits[c >> 6] >> (c & 63)) & 1; }

/* Appends the members c of [lo, hi] with has(bits, c) == want as bracket-expression members. */
static int put_members(struct buf *out, const uint64_t *bits, bool want, const char **reason)
{
	bool dash = false;
	int r;

	for (unsigned c = 1; c < 0x80;) {
		if (has(bits, c) != want || c == '/') {
			c++;
			continue;
		}
		if (c < 0x20 || c == 0x7f || c == '[' || c == ']' || c == '\\' || c == '^') {
			*reason =
			    "a class holding a control character, '[', ']', '\\' or '^' cannot "
			    "be expressed faithfully in a Seatbelt regex";
			return -EINVAL;
		}
		if (c == '-') {
			dash = true;
			c++;
			continue;
		}
		unsigned end = c;
		bool alnum_run =
		    (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
		if (alnum_run) {
			unsigned top = c <= '9' ? '9' : c <= 'Z' ? 'Z' : 'z';
			while (end + 1 <= top && has(bits, end + 1) == want)
				end++;
		}
		if (end - c >= 2) {
			r = buf_printf(out, "%c-%c", (char)c, (char)end);
			c = end + 1;
		} else {
			r = buf_append(out, &(char){(char)c}, 1);
			c++;
		}
		if (r < 0)
			return r;
	}
	return dash ? buf_puts(out, "-") : 0;
}

static int put_class(struct buf *out, const uint64_t *bits, const char **reason)
{
	size_t high = 0;
	int r;

	for (unsigned c = 0x80; c < 0x100; c++)
		high += has(bits, c);
	if (high == 0) {
		r = buf_puts(out, "[");
		if (r >= 0)
			r = put_members(out, bits, true, reason);
		return r < 0 ? r : buf_puts(out, "]");
	}
	if (high == 0x80) {
		r = buf_puts(out, "[^/");
		if (r >= 0)
			r = put_members(out, bits, false, reason);
		return r < 0 ? r : buf_puts(out, "]");
	}
	*reason =
	    "a class taking some but not all bytes >= 0x80 cannot be expressed faithfully in a "
	    "Seatbelt regex";
	return -EINVAL;
}

static int put_component(struct buf *out, const struct path_glob *g, size_t i, size_t n_atoms,
			 const char **reason)
{
	int r = 0;

	for (size_t j = 0; j < n_atoms && r >= 0; j++) {
		struct path_glob_atom a;

		path_glob_atom_at(g, i, j, &a);
		switch (a.kind) {
		case PATH_GLOB_ATOM_BYTE:
			if (a.byte && strchr(".^$*+?()[]{}|\\", a.byte))
				r = buf_append(out, "\\", 1);
			if (r >= 0)
				r = buf_append(out, &a.byte, 1);
			break;
		case PATH_GLOB_ATOM_ANY:
			r = buf_puts(out, "[^/]");
			break;
		case PATH_GLOB_ATOM_STAR:
			r = buf_puts(out, n_atoms == 1 ? "[^/]+" : "[^/]*");
			break;
		case PATH_GLOB_ATOM_CLASS:
			r = put_class(out, a.class_bits, reason);
			break;
		}
	}
	return r;
}

int sbpl_glob_regex(const struct path_glob *g, size_t n_comps, bool cover, struct buf *out,
		    const char **reason)
{
	bool all_tree = true;
	int r;

	if (n_comps == 0 || n_comps > path_glob_n_components(g)) {
		*reason = "internal: bad component count";
		return -EINVAL;
	}
	r = buf_puts(out, "^");
	for (size_t i = 0; i < n_comps && r >= 0; i++) {
		size_t n_atoms;
		bool sat;
		enum path_glob_comp_kind k = path_glob_component(g, i, &n_atoms, &sat);

		if (k == PATH_GLOB_COMP_TREE) {
			/* "**" followed by "**" is one "**" */
			if (!(out->len >= 9 &&
			      memcmp(out->data + out->len - 9, "(/[^/]+)*", 9) == 0))
				r = buf_puts(out, "(/[^/]+)*");
			continue;
		}
		all_tree = false;
		r = buf_puts(out, "/");
		if (r >= 0)
			r = put_component(out, g, i, n_atoms, reason);
	}
	if (r < 0)
		return r;
	if (cover)
		return buf_puts(out, "(/.*)?$");
	/* only "**" components: they also match "/" itself, which "(/[^/]+)*" alone does not */
	return buf_puts(out, all_tree ? "/?$" : "$");
}
