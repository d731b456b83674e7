/* SPDX-License-Identifier: Apache-2.0 */
/* The violation store (see violations.h). */
#include "violations.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shared/macro.h"
#include "shared/strv.h"

/* The four strings of a violation live in one block that starts at `target`. */
static char *text_block(const srt_violation *v)
{
	return (char *)(uintptr_t)v->target;
}

struct vrec {
	srt_violation v;
	uint64_t child;
	char *text; /* one block holding target, operation, reason, command */
};

struct vsub {
	int id;
	srt_violation_fn fn;
	void *ud;
};

#define KINDS 6 /* index 0: any kind; 1..5: srt_violation_kind */

struct vchild {
	uint64_t child, count[KINDS];
	struct vrec first[KINDS]; /* text NULL until the first one */
};

struct vstore {
	pthread_mutex_t lock;   /* everything below but the subscribers */
	pthread_mutex_t notify; /* subscribers; held while calling them (serialises the calls) */
	struct vrec *ring;
	size_t cap, head, len; /* head: index of the oldest */
	uint64_t next_id, total, ignored;
	struct settings_ignore_rule *ignore;
	size_t n_ignore;
	struct vchild *children;
	size_t n_children;
	struct vsub *subs;
	size_t n_subs;
	int next_sub;
};

size_t violation_escape(const char *in, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (size == 0)
		return 0;
	for (const unsigned char *p = (const unsigned char *)(in ? in : ""); *p; p++) {
		bool plain = *p >= 0x20 && *p <= 0x7e && *p != '\\';
		size_t need = plain ? 1 : 4;

		if (o + need + 1 > size) {
			/* cut: mark it when there is room for the mark */
			if (size >= 4) {
				o = o + 4 > size ? size - 4 : o;
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return o;
}

int vstore_new(size_t capacity, struct vstore **ret)
{
	struct vstore *vs;

	if (!ret)
		return -EINVAL;
	vs = calloc(1, sizeof(*vs));
	if (!vs)
		return -ENOMEM;
	vs->cap = capacity ? capacity : VSTORE_DEFAULT_CAPACITY;
	vs->ring = calloc(vs->cap, sizeof(*vs->ring));
	if (!vs->ring) {
		free(vs);
		return -ENOMEM;
	}
	pthread_mutex_init(&vs->lock, NULL);
	pthread_mutex_init(&vs->notify, NULL);
	vs->next_id = 1;
	vs->next_sub = 1;
	*ret = vs;
	return 0;
}

static void rules_free(struct settings_ignore_rule *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].command);
		strv_free(r[i].paths);
	}
	free(r);
}

struct vstore *vstore_free(struct vstore *vs)
{
	if (!vs)
		return NULL;
	for (size_t i = 0; i < vs->cap; i++)
		free(vs->ring[i].text);
	for (size_t i = 0; i < vs->n_children; i++)
		for (int k = 0; k < KINDS; k++)
			free(vs->children[i].first[k].text);
	free(vs->children);
	free(vs->ring);
	rules_free(vs->ignore, vs->n_ignore);
	free(vs->subs);
	pthread_mutex_destroy(&vs->lock);
	pthread_mutex_destroy(&vs->notify);
	free(vs);
	return NULL;
}

int vstore_set_ignore(struct vstore *vs, const struct settings_ignore_rule *rules, size_t n)
{
	struct settings_ignore_rule *copy = NULL;

	if (!vs || (n > 0 && !rules))
		return -EINVAL;
	if (n > 0) {
		copy = calloc(n, sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			copy[i].command = strdup(rules[i].command ? rules[i].command : "*");
			copy[i].paths = strv_copy(rules[i].paths);
			if (!copy[i].command || (rules[i].paths && !copy[i].paths)) {
				rules_free(copy, i + 1);
				return -ENOMEM;
			}
		}
	}
	pthread_mutex_lock(&vs->lock);
	rules_free(vs->ignore, vs->n_ignore);
	vs->ignore = copy;
	vs->n_ignore = n;
	pthread_mutex_unlock(&vs->lock);
	return 0;
}

static bool ignored_locked(const struct vstore *vs, const char *target, const char *command)
{
	for (size_t i = 0; i < vs->n_ignore; i++) {
		const struct settings_ignore_rule *r = &vs->ignore[i];

		if (strcmp(r->command, "*") != 0 && !strstr(command, r->command))
			continue;
		for (char **p = r->paths; p && *p; p++)
			if (**p && strstr(target, *p))
				return true;
	}
	return false;
}

/* Fills v's strings from one allocation. */
static int rec_fill(struct vrec *r, const char *target, const char *op, const char *reason,
		    const char *command)
{
	const char *src[4] = {target, op, reason, command};
	char tmp[4][VSTORE_TEXT_MAX];
	size_t len[4], total = 0;
	char *p;

	for (int i = 0; i < 4; i++) {
		len[i] = violation_escape(src[i], tmp[i], sizeof(tmp[i]));
		total += len[i] + 1;
	}
	p = malloc(total);
	if (!p)
		return -ENOMEM;
	r->text = p;
	for (int i = 0; i < 4; i++) {
		memcpy(p, tmp[i], len[i] + 1);
		if (i == 0)
			r->v.target = p;
		else if (i == 1)
			r->v.operation = p;
		else if (i == 2)
			r->v.reason = p;
		else
			r->v.command = p;
		p += len[i] + 1;
	}
	return 0;
}

/* Copies a stored violation (its text is escaped already: copied as is). */
static int rec_copy(const struct vrec *r, srt_violation *out)
{
	const char *src[4] = {r->v.target, r->v.operation, r->v.reason, r->v.command};
	const char **dst[4] = {&out->target, &out->operation, &out->reason, &out->command};
	size_t len[4], total = 0;
	char *p;

	for (int i = 0; i < 4; i++) {
		len[i] = strlen(src[i]);
		total += len[i] + 1;
	}
	p = malloc(total);
	if (!p)
		return -ENOMEM;
	*out = r->v;
	for (int i = 0; i < 4; i++) {
		memcpy(p, src[i], len[i] + 1);
		*dst[i] = p; /* the first, target, owns the block */
		p += len[i] + 1;
	}
	return 0;
}

static struct vchild *child_locked(struct vstore *vs, uint64_t child, bool create)
{
	struct vchild *n;

	for (size_t i = 0; i < vs->n_children; i++)
		if (vs->children[i].child == child)
			return &vs->children[i];
	if (!create)
		return NULL;
	n = realloc(vs->children, (vs->n_children + 1) * sizeof(*n));
	if (!n)
		return NULL;
	vs->children = n;
	n = &vs->children[vs->n_children++];
	*n = (struct vchild){.child = child};
	return n;
}

int vstore_add(struct vstore *vs, srt_violation_kind kind, const char *target,
	       const char *operation, const char *reason, const char *command, uint64_t child)
{
	struct vrec rec = {0}, *slot;
	struct timespec ts;
	int r;

	if (!vs)
		return -EINVAL;
	clock_gettime(CLOCK_REALTIME, &ts);
	rec.v.kind = kind;
	rec.v.time_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	rec.child = child;
	r = rec_fill(&rec, target, operation, reason, command);
	if (r < 0)
		return r;

	pthread_mutex_lock(&vs->lock);
	if (ignored_locked(vs, rec.v.target, rec.v.command)) {
		vs->ignored++;
		pthread_mutex_unlock(&vs->lock);
		free(rec.text);
		return 0;
	}
	rec.v.id = vs->next_id++;
	vs->total++;
	if (child) {
		struct vchild *c = child_locked(vs, child, true);
		int ks[2] = {0, kind > 0 && kind < KINDS ? (int)kind : 0};

		for (int i = 0; c && i < (ks[1] ? 2 : 1); i++)
			if (c->count[ks[i]]++ == 0 && rec_copy(&rec, &c->first[ks[i]].v) == 0)
				c->first[ks[i]].text = text_block(&c->first[ks[i]].v);
	}
	if (vs->len == vs->cap) {
		slot = &vs->ring[vs->head];
		free(slot->text);
		vs->head = (vs->head + 1) % vs->cap;
		vs->len--;
	}
	slot = &vs->ring[(vs->head + vs->len) % vs->cap];
	*slot = rec;
	vs->len++;
	pthread_mutex_unlock(&vs->lock);

	/* rec's strings now belong to the ring, which may drop them as soon as the lock is
	 * released: notify from a copy */
	pthread_mutex_lock(&vs->notify);
	if (vs->n_subs > 0) {
		srt_violation copy;

		if (rec_copy(&rec, &copy) == 0) {
			for (size_t i = 0; i < vs->n_subs; i++)
				vs->subs[i].fn(&copy, vs->subs[i].ud);
			free(text_block(&copy));
		}
	}
	pthread_mutex_unlock(&vs->notify);
	return 1;
}

ssize_t vstore_copy(struct vstore *vs, size_t max, srt_violation **ret)
{
	srt_violation *out;
	size_t n, skip;

	if (!vs || !ret)
		return -EINVAL;
	pthread_mutex_lock(&vs->lock);
	n = vs->len;
	if (max && max < n)
		n = max;
	skip = vs->len - n; /* the newest n */
	out = calloc(n ? n : 1, sizeof(*out));
	if (!out) {
		pthread_mutex_unlock(&vs->lock);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct vrec *r = &vs->ring[(vs->head + skip + i) % vs->cap];

		if (rec_copy(r, &out[i]) < 0) {
			pthread_mutex_unlock(&vs->lock);
			srt_violations_free(out, i);
			return -ENOMEM;
		}
	}
	pthread_mutex_unlock(&vs->lock);
	*ret = out;
	return (ssize_t)n;
}

uint64_t vstore_total(struct vstore *vs, uint64_t child)
{
	return vstore_total_of(vs, child, 0);
}

uint64_t vstore_total_of(struct vstore *vs, uint64_t child, int kind)
{
	uint64_t n = 0;

	if (!vs || kind < 0 || kind >= KINDS || (child == 0 && kind != 0))
		return 0;
	pthread_mutex_lock(&vs->lock);
	if (child == 0) {
		n = vs->total;
	} else {
		struct vchild *c = child_locked(vs, child, false);

		n = c ? c->count[kind] : 0;
	}
	pthread_mutex_unlock(&vs->lock);
	return n;
}

uint64_t vstore_ignored(struct vstore *vs)
{
	uint64_t n;

	if (!vs)
		return 0;
	pthread_mutex_lock(&vs->lock);
	n = vs->ignored;
	pthread_mutex_unlock(&vs->lock);
	return n;
}

srt_violation *vstore_first_of(struct vstore *vs, uint64_t child)
{
	return vstore_first_of_kind(vs, child, 0);
}

srt_violation *vstore_first_of_kind(struct vstore *vs, uint64_t child, int kind)
{
	srt_violation *out = NULL;
	struct vchild *c;

	if (!vs || !child || kind < 0 || kind >= KINDS)
		return NULL;
	pthread_mutex_lock(&vs->lock);
	c = child_locked(vs, child, false);
	if (c && c->first[kind].text) {
		out = calloc(1, sizeof(*out));
		if (out && rec_copy(&c->first[kind], out) < 0) {
			free(out);
			out = NULL;
		}
	}
	pthread_mutex_unlock(&vs->lock);
	return out;
}

void vstore_clear(struct vstore *vs)
{
	if (!vs)
		return;
	pthread_mutex_lock(&vs->lock);
	for (size_t i = 0; i < vs->cap; i++) {
		free(vs->ring[i].text);
		vs->ring[i].text = NULL;
	}
	vs->head = vs->len = 0;
	pthread_mutex_unlock(&vs->lock);
}

int vstore_subscribe(struct vstore *vs, srt_violation_fn fn, void *userdata)
{
	struct vsub *n;
	int id;

	if (!vs || !fn)
		return -EINVAL;
	pthread_mutex_lock(&vs->notify);
	n = realloc(vs->subs, (vs->n_subs + 1) * sizeof(*n));
	if (!n) {
		pthread_mutex_unlock(&vs->notify);
		return -ENOMEM;
	}
	vs->subs = n;
	id = vs->next_sub++;
	vs->subs[vs->n_subs++] = (struct vsub){.id = id, .fn = fn, .ud = userdata};
	pthread_mutex_unlock(&vs->notify);
	return id;
}

int vstore_unsubscribe(struct vstore *vs, int id)
{
	int r = -ENOENT;

	if (!vs)
		return -EINVAL;
	pthread_mutex_lock(&vs->notify);
	for (size_t i = 0; i < vs->n_subs; i++)
		if (vs->subs[i].id == id) {
			memmove(&vs->subs[i], &vs->subs[i + 1],
				(vs->n_subs - i - 1) * sizeof(vs->subs[0]));
			vs->n_subs--;
			r = 0;
			break;
		}
	pthread_mutex_unlock(&vs->notify);
	return r;
}

/* ---- public helpers ------------------------------------------------------------------- */

SRT_PUBLIC void srt_violations_free(srt_violation *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(text_block(&v[i]));
	free(v);
}

SRT_PUBLIC const char *srt_violation_kind_name(srt_violation_kind k)
{
	switch (k) {
	case SRT_VIOLATION_NETWORK:
		return "network";
	case SRT_VIOLATION_FILE_READ:
		return "file-read";
	case SRT_VIOLATION_FILE_WRITE:
		return "file-write";
	case SRT_VIOLATION_UNIX_SOCKET:
		return "unix-socket";
	case SRT_VIOLATION_SYSCALL:
		return "syscall";
	}
	return "unknown";
}

/* Appends s as a JSON string; stored text is printable ASCII already, so only '"' and '\\'
 * need an escape. Returns 0 or -ENOMEM. */
static int json_str(struct buf *b, const char *s)
{
	int r = buf_append(b, "\"", 1);

	for (; r >= 0 && s && *s; s++) {
		if (*s == '"' || *s == '\\')
			r = buf_append(b, "\\", 1);
		if (r >= 0)
			r = buf_append(b, s, 1);
	}
	return r < 0 ? r : buf_append(b, "\"", 1);
}

SRT_PUBLIC int srt_violation_to_json(const srt_violation *v, char **ret)
{
	struct buf b = BUF_INIT;
	struct tm tm;
	time_t sec;
	char when[64];
	int r;

	if (!v || !ret)
		return -EINVAL;
	sec = (time_t)(v->time_ns / 1000000000);
	gmtime_r(&sec, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(v->time_ns % 1000000000 / 1000000));
	r = buf_printf(&b, "{\"id\":%llu,\"time\":\"%s\",\"kind\":\"%s\",\"target\":",
		       (unsigned long long)v->id, when, srt_violation_kind_name(v->kind));
	if (r >= 0)
		r = json_str(&b, v->target);
	if (r >= 0)
		r = buf_puts(&b, ",\"operation\":");
	if (r >= 0)
		r = json_str(&b, v->operation);
	if (r >= 0)
		r = buf_puts(&b, ",\"reason\":");
	if (r >= 0)
		r = json_str(&b, v->reason);
	if (r >= 0)
		r = buf_puts(&b, ",\"command\":");
	if (r >= 0)
		r = json_str(&b, v->command);
	if (r >= 0)
		r = buf_puts(&b, "}");
	if (r < 0) {
		buf_free(&b);
		return -ENOMEM;
	}
	*ret = buf_steal(&b);
	return *ret ? 0 : -ENOMEM;
}
