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

uint64_t fs_cache_sum(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)len, w;
	size_t i = 0;

	for (; len - i >= 8; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, p + i, len - i);
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 32);
}

_Static_assert(sizeof(struct fs_cache_wrec) == 88, "the stored watch record has no padding");

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

/* A stored watch record, checked against the string area (whose next unread byte is *at). */
static bool wrec_valid(const struct fs_cache_wrec *w, const char *strings, uint64_t strings_len,
		       uint64_t *at)
{
	if (w->kind > FS_WATCH_LOOKUP || w->type > TYPE_MAX || w->racy > 1 || w->zero0 != 0 ||
	    w->zero1 != 0 || (w->kind != FS_WATCH_LOOKUP && w->type != 0) ||
	    (w->kind != FS_WATCH_LIST && w->racy != 0))
		return false;
	if (w->path_off != *at || w->path_len == 0 || w->path_len > FS_CACHE_MAX_PATH ||
	    strings_len - *at < (uint64_t)w->path_len + 1)
		return false;
	if (strings[*at] != '/' || memchr(strings + *at, '\0', w->path_len) ||
	    strings[*at + w->path_len] != '\0')
		return false;
	*at += (uint64_t)w->path_len + 1;
	if (w->kind != FS_WATCH_LIST)
		return w->list_off == 0 && w->list_len == 0 && w->list_n == 0;
	/* an entry takes 3 to 257 bytes */
	if (w->list_off != *at || w->list_n > FS_CACHE_MAX_LIST || strings_len - *at < w->list_len ||
	    w->list_len < (uint64_t)w->list_n * 3 || w->list_len > (uint64_t)w->list_n * 257)
		return false;
	*at += w->list_len;
	return true;
}

int fs_cache_parse(const void *data, size_t len, const struct fs_cache_limits *lim,
		   struct fs_cache_view *ret)
{
	struct reader r = {.p = data, .left = len};
	struct fs_cache_view v = {0};
	uint64_t sum, strings_len, at = 0;
	uint32_t n32, n_watch, n_hits;
	char magic[8];
	int e = -EINVAL;

	*ret = (struct fs_cache_view){0};
	if (!data || len > FS_CACHE_MAX_SIZE || len < sizeof(magic) + sizeof(sum))
		return -EINVAL;
	memcpy(&sum, (const unsigned char *)data + len - sizeof(sum), sizeof(sum));
	if (sum != fs_cache_sum(data, len - sizeof(sum)))
		return -EINVAL;
	r.left -= sizeof(sum);
	if (!take(&r, magic, sizeof(magic)) || memcmp(magic, FS_CACHE_MAGIC, sizeof(magic)) != 0)
		return -EINVAL;

	if (!take(&r, &n32, sizeof(n32)) || n32 > FS_CACHE_MAX_KEY || r.left < n32)
		return -EINVAL;
	v.key = (const char *)r.p;
	v.key_len = n32;
	r.p += n32;
	r.left -= n32;
	while ((len - r.left) % 8 != 0) {
		uint8_t z;
		if (!take(&r, &z, 1) || z != 0)
			return -EINVAL;
	}
	if (!take(&r, &v.scan_start, sizeof(v.scan_start)) ||
	    !take(&r, &v.entries, sizeof(v.entries)) || v.entries < 0 || v.scan_start < 0)
		return -EINVAL;
	if (!take(&r, &n_watch, 4) || !take(&r, &n_hits, 4) || !take(&r, &strings_len, 8) ||
	    n_watch > FS_CACHE_MAX_WATCH || n_hits > FS_CACHE_MAX_HITS ||
	    r.left / sizeof(struct fs_cache_wrec) < n_watch ||
	    r.left - (size_t)n_watch * sizeof(struct fs_cache_wrec) < strings_len)
		return -EINVAL;
	v.wrecs = r.p;
	v.n_watch = n_watch;
	v.strings = (const char *)r.p + (size_t)n_watch * sizeof(struct fs_cache_wrec);
	v.strings_len = (size_t)strings_len;
	for (size_t i = 0; i < n_watch; i++) {
		struct fs_cache_wrec w;

		memcpy(&w, v.wrecs + i * sizeof(w), sizeof(w));
		if (!wrec_valid(&w, v.strings, strings_len, &at))
			return -EINVAL;
	}
	if (at != strings_len)
		return -EINVAL;
	r.p += (size_t)n_watch * sizeof(struct fs_cache_wrec) + strings_len;
	r.left -= (size_t)n_watch * sizeof(struct fs_cache_wrec) + strings_len;

	/* each hit record is at least 11 bytes: the count is checked against what is left
	 * before anything is allocated */
	if (n_hits > r.left / 11)
		return -EINVAL;
	v.hits = calloc(n_hits ? n_hits : 1, sizeof(*v.hits));
	if (!v.hits)
		return -ENOMEM;
	for (uint32_t i = 0; i < n_hits; i++) {
		struct fs_scan_hit *h = &v.hits[i];
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
		v.n_hits++;
	}
	if (r.left != 0)
		goto fail;
	*ret = v;
	return 0;
fail:
	fs_cache_view_free(&v);
	return e;
}

bool fs_cache_view_watch(const struct fs_cache_view *v, size_t i, struct fs_cache_wview *ret)
{
	const struct fs_cache_wrec *w = &ret->rec;

	memcpy(&ret->rec, v->wrecs + i * sizeof(ret->rec), sizeof(ret->rec));
	if (w->path_len == 0 || (uint64_t)w->path_off + w->path_len >= v->strings_len ||
	    (uint64_t)w->list_off + w->list_len > v->strings_len)
		return false;
	ret->path = v->strings + w->path_off;
	ret->list = w->list_len ? v->strings + w->list_off : NULL;
	return ret->path[w->path_len] == '\0';
}

void fs_cache_view_free(struct fs_cache_view *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n_hits; i++)
		free(v->hits[i].path);
	free(v->hits);
	*v = (struct fs_cache_view){0};
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
	struct buf strings = BUF_INIT;
	uint32_t n32;
	uint64_t sum, strings_len;
	size_t start = out->len, len_at;
	int r = -ENOMEM;

	if (c->key_len > FS_CACHE_MAX_KEY || c->n_watch > FS_CACHE_MAX_WATCH ||
	    c->n_hits > FS_CACHE_MAX_HITS)
		return -E2BIG;
	if (buf_append(out, FS_CACHE_MAGIC, 8) < 0)
		return -ENOMEM;
	n32 = (uint32_t)c->key_len;
	PUT(out, n32);
	if (c->key_len && buf_append(out, c->key, c->key_len) < 0)
		return -ENOMEM;
	while ((out->len - start) % 8 != 0)
		if (buf_append(out, "", 1) < 0)
			return -ENOMEM;
	PUT(out, c->scan_start);
	PUT(out, c->entries);
	n32 = (uint32_t)c->n_watch;
	PUT(out, n32);
	n32 = (uint32_t)c->n_hits;
	PUT(out, n32);
	len_at = out->len; /* the string area's length, known after the records */
	strings_len = 0;
	PUT(out, strings_len);
	for (size_t i = 0; i < c->n_watch; i++) {
		const struct fs_cache_watch *w = &c->watch[i];
		size_t pl = w->path ? strlen(w->path) : 0;
		struct fs_cache_wrec rec = {
			.kind = w->kind, .type = w->type, .racy = w->racy,
			.mode = w->mode, .dev = w->dev, .ino = w->ino, .size = w->size,
			.mtime_sec = w->mtime_sec, .mtime_nsec = w->mtime_nsec,
			.ctime_sec = w->ctime_sec, .ctime_nsec = w->ctime_nsec,
		};

		if (pl == 0 || pl > FS_CACHE_MAX_PATH || w->path[0] != '/' ||
		    strings.len > FS_CACHE_MAX_SIZE ||
		    (w->kind == FS_WATCH_LIST &&
		     (w->list_n > FS_CACHE_MAX_LIST || w->list_len > FS_CACHE_MAX_SIZE))) {
			r = -E2BIG;
			goto out;
		}
		rec.path_off = (uint32_t)strings.len;
		rec.path_len = (uint32_t)pl;
		if (buf_append(&strings, w->path, pl + 1) < 0)
			goto out;
		if (w->kind == FS_WATCH_LIST) {
			rec.list_off = (uint32_t)strings.len;
			rec.list_len = (uint32_t)w->list_len;
			rec.list_n = w->list_n;
			if (w->list_len && buf_append(&strings, w->list, w->list_len) < 0)
				goto out;
		}
		if (buf_append(out, &rec, sizeof(rec)) < 0)
			goto out;
	}
	if (strings.len > FS_CACHE_MAX_SIZE) {
		r = -E2BIG;
		goto out;
	}
	strings_len = strings.len;
	memcpy(out->data + len_at, &strings_len, sizeof(strings_len));
	if (strings.len && buf_append(out, strings.data, strings.len) < 0)
		goto out;
	for (size_t i = 0; i < c->n_hits; i++) {
		const struct fs_scan_hit *h = &c->hits[i];

		if (buf_append(out, &h->kind, 1) < 0 || buf_append(out, &h->type, 1) < 0 ||
		    buf_append(out, &h->want, 1) < 0 || buf_append(out, &h->why, 1) < 0 ||
		    buf_append(out, &h->rule, 4) < 0)
			goto out;
		if ((r = put_path(out, h->path)) < 0)
			goto out;
		r = -ENOMEM;
	}
	if (out->len - start > FS_CACHE_MAX_SIZE - sizeof(sum)) {
		r = -E2BIG;
		goto out;
	}
	sum = fs_cache_sum(out->data + start, out->len - start);
	if (buf_append(out, &sum, sizeof(sum)) < 0)
		goto out;
	r = 0;
out:
	buf_free(&strings);
	return r;
}
