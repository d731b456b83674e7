/* SPDX-License-Identifier: Apache-2.0 */
#include "fs-cache-format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Hit kinds and node types as stored (checked on load; see fs-scan.h and mount-plan.h). */
#define KIND_MAX 1
#define TYPE_MAX 3

uint64_t fs_cache_fnv1a(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

struct reader {
	const unsigned char *p;
	size_t left;
};

static bool take(struct reader *r, void *out, size_t n)
{
	if (r->left < n)
		return false;
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return true;
}

static int take_path(struct reader *r, char **ret)
{
	uint16_t len;
	char *p;

	if (!take(r, &len, sizeof(len)) || len == 0 || len > FS_CACHE_MAX_PATH || r->left < len)
		return -EINVAL;
	if (r->p[0] != '/' || memchr(r->p, '\0', len))
		return -EINVAL;
	p = malloc((size_t)len + 1);
	if (!p)
		return -ENOMEM;
	memcpy(p, r->p, len);
	p[len] = '\0';
	r->p += len;
	r->left -= len;
	*ret = p;
	return 0;
}

/* A listing blob: n entries, well formed, sorted, no duplicates. */
static bool list_valid(const unsigned char *p, size_t len, uint32_t n)
{
	const unsigned char *prev = NULL;
	size_t prev_len = 0, off = 0;

	for (uint32_t i = 0; i < n; i++) {
		size_t l;
		int c;

		if (len - off < 2)
			return false;
		l = p[off + 1];
		if (l == 0 || len - off - 2 < l)
			return false;
		if (memchr(p + off + 2, '/', l) || memchr(p + off + 2, '\0', l))
			return false;
		if ((l == 1 && p[off + 2] == '.') || (l == 2 && p[off + 2] == '.' && p[off + 3] == '.'))
			return false;
		if (prev) {
			c = memcmp(prev, p + off + 2, prev_len < l ? prev_len : l);
			if (c > 0 || (c == 0 && prev_len >= l))
				return false;
		}
		prev = p + off + 2;
		prev_len = l;
		off += 2 + l;
	}
	return off == len;
}

struct list_ent {
	const char *p;
	size_t len;
};

static int cmp_ent(const void *a, const void *b)
{
	const struct list_ent *x = a, *y = b;
	int c = memcmp(x->p + 2, y->p + 2, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

int fs_cache_list_add(struct buf *list, const char *name, unsigned char d_type)
{
	size_t l = strlen(name);
	unsigned char h[2] = {d_type, (unsigned char)l};

	if (l == 0 || l > 255)
		return -EINVAL;
	if (buf_append(list, h, 2) < 0 || buf_append(list, name, l) < 0)
		return -ENOMEM;
	return 0;
}

int fs_cache_list_sort(struct buf *list, uint32_t n)
{
	struct list_ent *v;
	char *out;
	size_t off = 0, k = 0;

	if (n == 0)
		return 0;
	v = calloc(n, sizeof(*v));
	out = malloc(list->len);
	if (!v || !out) {
		free(v);
		free(out);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n && off + 2 <= list->len; i++) {
		v[i].p = list->data + off;
		v[i].len = (unsigned char)list->data[off + 1];
		off += 2 + v[i].len;
	}
	qsort(v, n, sizeof(*v), cmp_ent);
	for (uint32_t i = 0; i < n; i++) {
		if (i > 0 && cmp_ent(&v[i - 1], &v[i]) == 0) {
			free(v);
			free(out);
			return -EINVAL;
		}
		memcpy(out + k, v[i].p, 2 + v[i].len);
		k += 2 + v[i].len;
	}
	memcpy(list->data, out, k);
	free(v);
	free(out);
	return 0;
}

void fs_cache_free(struct fs_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_watch; i++) {
		free(c->watch[i].path);
		free(c->watch[i].list);
	}
	for (size_t i = 0; i < c->n_hits; i++)
		free(c->hits[i].path);
	free(c->watch);
	free(c->hits);
	free(c->key);
	*c = (struct fs_cache){0};
}

int fs_cache_parse(const void *data, size_t len, const struct fs_cache_limits *lim,
		   struct fs_cache *ret)
{
	struct reader r = {data, len};
	struct fs_cache c = {0};
	uint64_t sum, want_sum;
	uint32_t n32;
	char magic[8];
	int e = -EINVAL;

	*ret = (struct fs_cache){0};
	if (!data || len > FS_CACHE_MAX_SIZE || len < sizeof(magic) + sizeof(sum))
		return -EINVAL;
	memcpy(&sum, (const unsigned char *)data + len - sizeof(sum), sizeof(sum));
	want_sum = fs_cache_fnv1a(data, len - sizeof(sum));
	if (sum != want_sum)
		return -EINVAL;
	r.left -= sizeof(sum);
	if (!take(&r, magic, sizeof(magic)) || memcmp(magic, FS_CACHE_MAGIC, sizeof(magic)) != 0)
		return -EINVAL;

	if (!take(&r, &n32, sizeof(n32)) || n32 > FS_CACHE_MAX_KEY || r.left < n32)
		return -EINVAL;
	c.key = malloc(n32 ? n32 : 1);
	if (!c.key)
		return -ENOMEM;
	memcpy(c.key, r.p, n32);
	c.key_len = n32;
	r.p += n32;
	r.left -= n32;
	if (!take(&r, &c.scan_start, sizeof(c.scan_start)) ||
	    !take(&r, &c.entries, sizeof(c.entries)) || c.entries < 0 || c.scan_start < 0)
		goto fail;

	/* each watch record is at least 68 bytes, each hit at least 11: counts are checked
	 * against what is left before anything is allocated */
	if (!take(&r, &n32, sizeof(n32)) || n32 > FS_CACHE_MAX_WATCH || n32 > r.left / 66)
		goto fail;
	c.watch = calloc(n32 ? n32 : 1, sizeof(*c.watch));
	if (!c.watch) {
		e = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < n32; i++) {
		struct fs_cache_watch *w = &c.watch[i];
		if (!take(&r, &w->kind, 1) || !take(&r, &w->type, 1) || !take(&r, &w->racy, 1) ||
		    w->kind > FS_WATCH_LOOKUP || w->type > TYPE_MAX || w->racy > 1 ||
		    (w->kind != FS_WATCH_LOOKUP && w->type != 0) ||
		    (w->kind != FS_WATCH_LIST && w->racy != 0))
			goto fail;
		if (!take(&r, &w->dev, 8) || !take(&r, &w->ino, 8) || !take(&r, &w->mode, 4) ||
		    !take(&r, &w->mtime_sec, 8) || !take(&r, &w->mtime_nsec, 8) ||
		    !take(&r, &w->ctime_sec, 8) || !take(&r, &w->ctime_nsec, 8) ||
		    !take(&r, &w->size, 8))
			goto fail;
		if ((e = take_path(&r, &w->path)) < 0)
			goto fail;
		e = -EINVAL;
		c.n_watch++;
		if (w->kind == FS_WATCH_LIST) {
			const unsigned char *start;
			uint32_t n;
			size_t l = 0;

			if (!take(&r, &n, 4) || n > FS_CACHE_MAX_LIST || n > r.left / 3)
				goto fail;
			/* the listing's length: walk the entries' own lengths */
			start = r.p;
			for (uint32_t k = 0; k < n; k++) {
				if (r.left - l < 2 || r.left - l - 2 < start[l + 1])
					goto fail;
				l += 2 + start[l + 1];
			}
			if (!list_valid(start, l, n))
				goto fail;
			w->list = malloc(l ? l : 1);
			if (!w->list) {
				e = -ENOMEM;
				goto fail;
			}
			memcpy(w->list, start, l);
			w->list_len = l;
			w->list_n = n;
			r.p += l;
			r.left -= l;
		}
	}

	if (!take(&r, &n32, sizeof(n32)) || n32 > FS_CACHE_MAX_HITS || n32 > r.left / 11)
		goto fail;
	c.hits = calloc(n32 ? n32 : 1, sizeof(*c.hits));
	if (!c.hits) {
		e = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < n32; i++) {
		struct fs_scan_hit *h = &c.hits[i];
		if (!take(&r, &h->kind, 1) || !take(&r, &h->type, 1) || !take(&r, &h->want, 1) ||
		    !take(&r, &h->why, 1) || !take(&r, &h->rule, 4))
			goto fail;
		if (h->kind > KIND_MAX || h->type > TYPE_MAX || h->want > TYPE_MAX)
			goto fail;
		if (h->kind == 0 && (h->rule >= lim->n_rules || h->why != 0))
			goto fail;
		if (h->kind == 1 && (h->why >= lim->n_whys || h->rule != 0))
			goto fail;
		if ((e = take_path(&r, &h->path)) < 0)
			goto fail;
		e = -EINVAL;
		c.n_hits++;
	}
	if (r.left != 0)
		goto fail;
	*ret = c;
	return 0;
fail:
	fs_cache_free(&c);
	return e;
}

static int put_path(struct buf *b, const char *p)
{
	size_t n = strlen(p);
	uint16_t len = (uint16_t)n;

	if (n == 0 || n > FS_CACHE_MAX_PATH || p[0] != '/')
		return -E2BIG;
	if (buf_append(b, &len, sizeof(len)) < 0 || buf_append(b, p, n) < 0)
		return -ENOMEM;
	return 0;
}

#define PUT(b, v)                                                                                  \
	do {                                                                                       \
		if (buf_append((b), &(v), sizeof(v)) < 0)                                          \
			return -ENOMEM;                                                            \
	} while (0)

int fs_cache_serialize(const struct fs_cache *c, struct buf *out)
{
	uint32_t n32;
	uint64_t sum;
	size_t start = out->len;
	int r;

	if (c->key_len > FS_CACHE_MAX_KEY || c->n_watch > FS_CACHE_MAX_WATCH ||
	    c->n_hits > FS_CACHE_MAX_HITS)
		return -E2BIG;
	if (buf_append(out, FS_CACHE_MAGIC, 8) < 0)
		return -ENOMEM;
	n32 = (uint32_t)c->key_len;
	PUT(out, n32);
	if (c->key_len && buf_append(out, c->key, c->key_len) < 0)
		return -ENOMEM;
	PUT(out, c->scan_start);
	PUT(out, c->entries);
	n32 = (uint32_t)c->n_watch;
	PUT(out, n32);
	for (size_t i = 0; i < c->n_watch; i++) {
		const struct fs_cache_watch *w = &c->watch[i];
		PUT(out, w->kind);
		PUT(out, w->type);
		PUT(out, w->racy);
		PUT(out, w->dev);
		PUT(out, w->ino);
		PUT(out, w->mode);
		PUT(out, w->mtime_sec);
		PUT(out, w->mtime_nsec);
		PUT(out, w->ctime_sec);
		PUT(out, w->ctime_nsec);
		PUT(out, w->size);
		if ((r = put_path(out, w->path)) < 0)
			return r;
		if (w->kind == FS_WATCH_LIST) {
			if (w->list_n > FS_CACHE_MAX_LIST)
				return -E2BIG;
			PUT(out, w->list_n);
			if (w->list_len && buf_append(out, w->list, w->list_len) < 0)
				return -ENOMEM;
		}
	}
	n32 = (uint32_t)c->n_hits;
	PUT(out, n32);
	for (size_t i = 0; i < c->n_hits; i++) {
		const struct fs_scan_hit *h = &c->hits[i];
		PUT(out, h->kind);
		PUT(out, h->type);
		PUT(out, h->want);
		PUT(out, h->why);
		PUT(out, h->rule);
		if ((r = put_path(out, h->path)) < 0)
			return r;
	}
	if (out->len - start > FS_CACHE_MAX_SIZE - sizeof(sum))
		return -E2BIG;
	sum = fs_cache_fnv1a(out->data + start, out->len - start);
	PUT(out, sum);
	return 0;
}
