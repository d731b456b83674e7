/* SPDX-License-Identifier: Apache-2.0 */
#include "landlock-spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER "srt-landlock 1"

unsigned landlock_parts_for_abi(int abi)
{
	unsigned p = 0;

	/* ABI 1 cannot handle REFER: every rename or link across directories would fail, so the
	 * filesystem part starts at ABI 2. */
	if (abi >= 2)
		p |= LL_PART_FS;
	if (abi >= 3)
		p |= LL_PART_TRUNCATE;
	if (abi >= 4)
		p |= LL_PART_NET;
	if (abi >= 5)
		p |= LL_PART_IOCTL_DEV;
	if (abi >= 6)
		p |= LL_PART_SCOPE;
	return p;
}

static bool path_ok(const char *p, size_t n)
{
	return n >= 1 && n <= LANDLOCK_SPEC_MAX_PATH && p[0] == '/' && !memchr(p, 0, n);
}

/* Checks what both directions require. */
static int spec_check(const struct landlock_spec *s)
{
	if (s->parts & ~LL_PART_ALL)
		return -EINVAL;
	/* the refinements of the filesystem part need the part itself */
	if ((s->parts & (LL_PART_TRUNCATE | LL_PART_IOCTL_DEV)) && !(s->parts & LL_PART_FS))
		return -EINVAL;
	if (s->n_connect > LANDLOCK_SPEC_MAX_PORTS || s->n_write > LANDLOCK_SPEC_MAX_PATHS)
		return -E2BIG;
	if (s->n_connect && !(s->parts & LL_PART_NET))
		return -EINVAL;
	if (s->n_write && !(s->parts & LL_PART_FS))
		return -EINVAL;
	for (size_t i = 0; i < s->n_connect; i++)
		if (s->connect[i] == 0)
			return -EINVAL;
	return 0;
}

struct out {
	char *p;
	size_t len, cap;
};

static int out_rec(struct out *o, const char *key, const char *val, size_t vlen)
{
	size_t klen = strlen(key), need = klen + 1 + vlen + 1;

	if (o->len + need > LANDLOCK_SPEC_MAX_SIZE)
		return -E2BIG;
	if (o->len + need > o->cap) {
		size_t cap = o->cap ? o->cap : 256;
		char *n;

		while (cap < o->len + need)
			cap *= 2;
		n = realloc(o->p, cap);
		if (!n)
			return -ENOMEM;
		o->p = n;
		o->cap = cap;
	}
	memcpy(o->p + o->len, key, klen);
	o->p[o->len + klen] = ' ';
	memcpy(o->p + o->len + klen + 1, val, vlen);
	o->p[o->len + need - 1] = 0;
	o->len += need;
	return 0;
}

int landlock_spec_serialize(const struct landlock_spec *s, char **ret, size_t *ret_len)
{
	struct out o = {0};
	char num[24];
	int r;

	r = spec_check(s);
	if (r < 0)
		return r;
	r = out_rec(&o, "srt-landlock", "1", 1);
	if (r >= 0)
		r = out_rec(&o, "require", s->require ? "1" : "0", 1);
	if (r >= 0) {
		snprintf(num, sizeof(num), "%u", s->parts);
		r = out_rec(&o, "parts", num, strlen(num));
	}
	for (size_t i = 0; r >= 0 && i < s->n_connect; i++) {
		snprintf(num, sizeof(num), "%u", (unsigned)s->connect[i]);
		r = out_rec(&o, "connect", num, strlen(num));
	}
	for (size_t i = 0; r >= 0 && i < s->n_write; i++) {
		size_t n = s->write[i] ? strlen(s->write[i]) : 0;

		if (!s->write[i] || !path_ok(s->write[i], n))
			r = -EINVAL;
		else
			r = out_rec(&o, "write", s->write[i], n);
	}
	if (r < 0) {
		free(o.p);
		return r;
	}
	*ret = o.p;
	*ret_len = o.len;
	return 0;
}

/* A decimal number without sign or leading zero, at most max. */
static int parse_num(const char *v, size_t n, unsigned long max, unsigned long *ret)
{
	unsigned long x = 0;

	if (n == 0 || n > 10 || (v[0] == '0' && n > 1))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		x = x * 10 + (unsigned long)(v[i] - '0');
	}
	if (x > max)
		return -EINVAL;
	*ret = x;
	return 0;
}

void landlock_spec_free(struct landlock_spec *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_write; i++)
		free(s->write[i]);
	free(s->write);
	s->write = NULL;
	s->n_write = 0;
}

int landlock_spec_parse(const char *data, size_t len, struct landlock_spec *s)
{
	enum { S_HEADER, S_REQUIRE, S_PARTS, S_CONNECT, S_WRITE } st = S_HEADER;
	size_t off = 0, cap = 0;
	int r = 0;

	memset(s, 0, sizeof(*s));
	if (len > LANDLOCK_SPEC_MAX_SIZE)
		return -E2BIG;
	if (len == 0 || data[len - 1] != 0)
		return -EINVAL;
	while (off < len && r >= 0) {
		const char *rec = data + off, *sp, *v;
		size_t rlen = strlen(rec), klen, vlen;
		unsigned long x;

		off += rlen + 1;
		sp = memchr(rec, ' ', rlen);
		if (!sp) {
			r = -EINVAL;
			break;
		}
		klen = (size_t)(sp - rec);
		v = sp + 1;
		vlen = rlen - klen - 1;
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(rec, k, klen) == 0)
		if (st == S_HEADER) {
			r = rlen == strlen(HEADER) && memcmp(rec, HEADER, rlen) == 0 ? 0 : -EINVAL;
			st = S_REQUIRE;
		} else if (st == S_REQUIRE) {
			if (!KEY("require") || vlen != 1 || (v[0] != '0' && v[0] != '1'))
				r = -EINVAL;
			s->require = v[0] == '1';
			st = S_PARTS;
		} else if (st == S_PARTS) {
			if (!KEY("parts") || parse_num(v, vlen, LL_PART_ALL, &x) < 0)
				r = -EINVAL;
			else
				s->parts = (unsigned)x;
			st = S_CONNECT;
		} else if (st == S_CONNECT && KEY("connect")) {
			if (s->n_connect >= LANDLOCK_SPEC_MAX_PORTS)
				r = -E2BIG;
			else if (parse_num(v, vlen, 65535, &x) < 0 || x == 0)
				r = -EINVAL;
			else
				s->connect[s->n_connect++] = (uint16_t)x;
		} else if (KEY("write")) {
			st = S_WRITE;
			if (s->n_write >= LANDLOCK_SPEC_MAX_PATHS) {
				r = -E2BIG;
			} else if (!path_ok(v, vlen)) {
				r = -EINVAL;
			} else {
				if (s->n_write == cap) {
					size_t ncap = cap ? cap * 2 : 16;
					char **n = realloc(s->write, ncap * sizeof(*n));

					if (!n) {
						r = -ENOMEM;
						break;
					}
					s->write = n;
					cap = ncap;
				}
				s->write[s->n_write] = strndup(v, vlen);
				if (!s->write[s->n_write])
					r = -ENOMEM;
				else
					s->n_write++;
			}
		} else {
			r = -EINVAL;
		}
#undef KEY
	}
	if (r >= 0 && st < S_CONNECT)
		r = -EINVAL; /* header, require and parts are mandatory */
	if (r >= 0)
		r = spec_check(s);
	if (r < 0)
		landlock_spec_free(s);
	return r;
}

static void put32(unsigned char *o, uint32_t v) { memcpy(o, &v, 4); }

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

void landlock_status_encode(const struct landlock_status *st,
			    unsigned char out[LANDLOCK_STATUS_SIZE])
{
	put32(out, LANDLOCK_STATUS_MAGIC);
	put32(out + 4, (uint32_t)st->abi);
	put32(out + 8, st->applied);
	put32(out + 12, (uint32_t)st->error);
}

int landlock_status_parse(const void *data, size_t len, struct landlock_status *st)
{
	const unsigned char *p = data;
	struct landlock_status s;

	if (len != LANDLOCK_STATUS_SIZE || get32(p) != LANDLOCK_STATUS_MAGIC)
		return -EINVAL;
	s.abi = (int32_t)get32(p + 4);
	s.applied = get32(p + 8);
	s.error = (int32_t)get32(p + 12);
	if ((s.applied & ~LL_PART_ALL) || s.error < 0 || s.error > 4095 || s.abi < -4095 ||
	    (s.applied & ~landlock_parts_for_abi(s.abi)))
		return -EINVAL;
	*st = s;
	return 0;
}

void landlock_parts_describe(unsigned parts, char *buf, size_t size)
{
	static const char *const names[] = {"filesystem writes", "truncate", "TCP bind/connect",
					    "device ioctls", "abstract unix sockets and signals"};
	size_t n = 0;

	if (!size)
		return;
	buf[0] = 0;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int k;

		if (!(parts & (1U << i)))
			continue;
		k = snprintf(buf + n, size - n, "%s%s", n ? ", " : "", names[i]);
		if (k < 0 || (size_t)k >= size - n)
			return;
		n += (size_t)k;
	}
	if (!n)
		snprintf(buf, size, "nothing");
}
