/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bidirectional relay state machine (see relay.h).
 *
 * Each direction (src → dst) owns, in output order:
 *   1. `buf` [buf_off, buf_len): bytes to write before anything else. In the splice path this
 *      holds only the initial bytes and is freed once written; in the copy path it is the
 *      RELAY_BUF_SIZE staging buffer.
 *   2. the pipe (pipe_len bytes): filled by splice(src → pipe), emptied by splice(pipe → dst),
 *      or, after a fallback to the copy path, by read(pipe) into `buf`.
 * New bytes from src only ever enter at the tail of this queue, so the order holds across a
 * fallback and the initial bytes always go first.
 *
 * Pipes are made when a direction first has bytes to move, start at the kernel's default size,
 * grow to RELAY_PIPE_SIZE once the direction has moved RELAY_GROW_AFTER bytes through them
 * (bulk), and are closed again by relay_trim() when empty: an idle tunnel holds two sockets and
 * no pipe, so thousands of idle tunnels cost neither descriptors nor the per-user pipe quota.
 *
 * Wants must mirror what a call would really do, or a level-triggered loop spins. The one
 * ambiguity is splice(src → pipe) returning EAGAIN while the pipe holds bytes: the socket may
 * be empty, or the pipe may be out of slots before pipe_len reaches its byte capacity (a slot
 * holds one partial page of an skb). FIONREAD on src tells which; when the pipe is the problem,
 * `pipe_stuck` drops the READ interest until some bytes leave the pipe. WRITE interest on dst
 * is set then, since pipe_len > 0, so the direction cannot stall.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay.h"
#include "shared/compat.h"
#include "shared/evloop.h"

/* splice() and pipe sizes are Linux's. Elsewhere (and in the -Dportable_net=true build) every
 * direction takes the copy path from the start, so the stand-ins below are never reached; they
 * fail like a kernel without splice would, which falls back to the copy path anyway. */
#if SRT_NET_LINUX
#define RELAY_HAVE_SPLICE 1
static ssize_t splice_move(int from, int to, size_t len)
{
	return splice(from, NULL, to, NULL, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
}
static int pipe_size_get(int fd)
{
	return fcntl(fd, F_GETPIPE_SZ);
}
static void pipe_size_set(int fd, int size)
{
	(void)fcntl(fd, F_SETPIPE_SZ, size);
}
#else
#define RELAY_HAVE_SPLICE 0
static ssize_t splice_move(int from, int to, size_t len)
{
	(void)from;
	(void)to;
	(void)len;
	errno = ENOSYS;
	return -1;
}
static int pipe_size_get(int fd)
{
	(void)fd;
	errno = ENOSYS;
	return -1;
}
static void pipe_size_set(int fd, int size)
{
	(void)fd;
	(void)size;
}
#endif

bool relay_can_splice(void)
{
	return RELAY_HAVE_SPLICE;
}

struct relay_dir {
	int src, dst;
	int pipe_rd, pipe_wr; /* -EBADF in the copy path (or once closed) */
	size_t pipe_cap, pipe_len;
	bool splice;     /* splice path: the pipe is made on demand (pipe_rd < 0 until then) */
	bool grown;      /* the pipe was asked for RELAY_PIPE_SIZE */
	bool pipe_stuck; /* see the top of this file */
	uint64_t moved_at_pipe; /* `moved` when the current pipe was made */
	bool eof;        /* src reached EOF, or the direction was aborted */
	bool done;       /* nothing left to do: dst shut down, or aborted */
	unsigned char *buf;
	size_t buf_cap, buf_off, buf_len;
	uint64_t moved; /* bytes written to dst */
};

struct relay {
	struct relay_dir dir[2]; /* [0] a → b, [1] b → a */
	int error;               /* first failure as -errno, then sticky */
};

static void close_pipe(struct relay_dir *d)
{
	if (d->pipe_rd >= 0)
		close(d->pipe_rd);
	if (d->pipe_wr >= 0)
		close(d->pipe_wr);
	d->pipe_rd = d->pipe_wr = -EBADF;
	d->pipe_cap = d->pipe_len = 0;
	d->pipe_stuck = false;
	d->grown = false;
}

static size_t dir_pending(const struct relay_dir *d)
{
	return d->buf_len - d->buf_off + d->pipe_len;
}

/* Would a read from src make progress now (or at least not be refused for lack of room)? */
static bool dir_can_fill(const struct relay_dir *d)
{
	if (d->eof || d->done)
		return false;
	if (d->splice)
		return d->pipe_rd < 0 || (!d->pipe_stuck && d->pipe_len < d->pipe_cap);
	/* copy path: the pipe (left over from a fallback) drains into buf before new reads; no
	 * buffer yet (or trimmed) is room: it comes with the read */
	return d->pipe_len == 0 && (d->buf_cap == 0 || d->buf_len < d->buf_cap || d->buf_off > 0);
}

/* Switches a direction to the copy path, keeping whatever sits in buf and in the pipe. */
static int dir_to_copy(struct relay_dir *d)
{
	d->splice = false;
	d->pipe_stuck = false;
	if (d->pipe_len == 0)
		close_pipe(d);
	if (d->buf_cap >= RELAY_BUF_SIZE)
		return 0;

	unsigned char *nb = realloc(d->buf, RELAY_BUF_SIZE);
	if (!nb)
		return -ENOMEM;
	d->buf = nb;
	d->buf_cap = RELAY_BUF_SIZE;
	return 0;
}

/* EPIPE on dst: nobody will read what we have, so drop it and stop reading src. */
static void dir_abort(struct relay_dir *d)
{
	close_pipe(d);
	d->buf_off = d->buf_len = 0;
	d->eof = d->done = true;
}

static bool splice_unsupported(int err)
{
	return err == EINVAL || err == ENOSYS || err == EOPNOTSUPP;
}

/* Writes buf, then the pipe, to dst until it would block. */
static int dir_flush(struct relay_dir *d, bool *progress)
{
	ssize_t n;
	int r;

	for (;;) {
		if (d->buf_off < d->buf_len) {
			n = send(d->dst, d->buf + d->buf_off, d->buf_len - d->buf_off,
				 COMPAT_MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					return 0;
				if (errno == EPIPE) {
					dir_abort(d);
					*progress = true;
					return 0;
				}
				return -errno;
			}
			d->buf_off += (size_t)n;
			d->moved += (uint64_t)n;
			*progress = true;
			if (d->buf_off < d->buf_len)
				continue;
			d->buf_off = d->buf_len = 0;
			if (d->splice) {
				/* the initial bytes are out: give their memory back */
				free(d->buf);
				d->buf = NULL;
				d->buf_cap = 0;
			}
			continue;
		}
		if (d->pipe_len == 0)
			return 0;

		if (!d->splice) {
			/* leftover pipe bytes after a fallback: stage them through buf */
			size_t want = d->pipe_len < d->buf_cap ? d->pipe_len : d->buf_cap;

			n = read(d->pipe_rd, d->buf, want);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return n < 0 ? -errno : -EIO; /* the pipe holds bytes: cannot happen */
			d->buf_off = 0;
			d->buf_len = (size_t)n;
			d->pipe_len -= (size_t)n;
			if (d->pipe_len == 0)
				close_pipe(d);
			continue;
		}

		n = splice_move(d->pipe_rd, d->dst, d->pipe_len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EPIPE) {
				dir_abort(d);
				*progress = true;
				return 0;
			}
			if (splice_unsupported(errno)) {
				r = dir_to_copy(d);
				if (r < 0)
					return r;
				continue;
			}
			return -errno;
		}
		if (n == 0)
			return -EIO; /* pipe_len > 0 but the pipe is empty: our accounting broke */
		d->pipe_len -= (size_t)n;
		d->moved += (uint64_t)n;
		d->pipe_stuck = false;
		*progress = true;
	}
}

/* After splice(src → pipe) said EAGAIN with bytes in the pipe: was that the socket being empty
 * (keep READ interest) or the pipe being out of slots (drop it until the pipe drains)? When in
 * doubt, say "not empty": dropping READ interest is safe, WRITE interest on dst is set. */
static bool src_is_empty(int fd)
{
	int avail = 0;

	return ioctl(fd, FIONREAD, &avail) == 0 && avail == 0;
}

/* Makes the direction's pipe (splice path), or falls back to the copy path when the process is
 * out of descriptors: a buffer costs no descriptor, so degrade rather than fail the tunnel. */
static int dir_make_pipe(struct relay_dir *d)
{
	int p[2] = { -1, -1 }, sz, r;

	r = compat_pipe_nonblock(p);
	if (r < 0) {
		if (r == -EMFILE || r == -ENFILE)
			return dir_to_copy(d);
		return r;
	}
	d->pipe_rd = p[0];
	d->pipe_wr = p[1];
	sz = pipe_size_get(d->pipe_wr);
	if (sz <= 0) {
		close_pipe(d);
		return dir_to_copy(d);
	}
	d->pipe_cap = (size_t)sz;
	d->pipe_len = 0;
	d->moved_at_pipe = d->moved;
	return 0;
}

/* Reads once from src into the pipe or buf, if there is room. */
static int dir_fill(struct relay_dir *d, bool *progress)
{
	ssize_t n;
	int r;

	while (dir_can_fill(d)) {
		if (d->splice && d->pipe_rd < 0) {
			r = dir_make_pipe(d);
			if (r < 0)
				return r;
			continue;
		}
		if (d->splice && !d->grown && d->moved - d->moved_at_pipe >= RELAY_GROW_AFTER) {
			/* bulk: best effort, fs.pipe-max-size or the per-user quota may refuse */
			int sz;

			d->grown = true;
			pipe_size_set(d->pipe_wr, RELAY_PIPE_SIZE);
			sz = pipe_size_get(d->pipe_wr);
			if (sz > 0 && (size_t)sz >= d->pipe_len)
				d->pipe_cap = (size_t)sz;
		}
		if (d->splice) {
			n = splice_move(d->src, d->pipe_wr, d->pipe_cap - d->pipe_len);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK) {
					if (d->pipe_len > 0 && !src_is_empty(d->src))
						d->pipe_stuck = true;
					return 0;
				}
				if (splice_unsupported(errno)) {
					r = dir_to_copy(d);
					if (r < 0)
						return r;
					continue;
				}
				return -errno;
			}
			if (n == 0)
				d->eof = true;
			d->pipe_len += (size_t)n;
			*progress = true;
			return 0;
		}

		if (d->buf_cap == 0) {
			d->buf = malloc(RELAY_BUF_SIZE);
			if (!d->buf)
				return -ENOMEM;
			d->buf_cap = RELAY_BUF_SIZE;
			d->buf_off = d->buf_len = 0;
		}
		if (d->buf_len == d->buf_cap) {
			memmove(d->buf, d->buf + d->buf_off, d->buf_len - d->buf_off);
			d->buf_len -= d->buf_off;
			d->buf_off = 0;
		}
		n = read(d->src, d->buf + d->buf_len, d->buf_cap - d->buf_len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		if (n == 0)
			d->eof = true;
		d->buf_len += (size_t)n;
		*progress = true;
		return 0;
	}
	return 0;
}

/* EOF seen and everything before it written: pass the EOF on. */
static int dir_finish(struct relay_dir *d)
{
	if (d->done || !d->eof || dir_pending(d) > 0)
		return 0;
	/* ENOTCONN: the peer is already gone, which is as finished as this gets */
	if (shutdown(d->dst, SHUT_WR) < 0 && errno != ENOTCONN)
		return -errno;
	d->done = true;
	close_pipe(d);
	free(d->buf);
	d->buf = NULL;
	d->buf_cap = d->buf_off = d->buf_len = 0;
	return 0;
}

static int dir_pump(struct relay_dir *d)
{
	uint64_t limit = d->moved + RELAY_BUDGET;
	int r;

	while (!d->done) {
		bool progress = false;

		r = dir_flush(d, &progress);
		if (r < 0)
			return r;
		if (d->done)
			break;
		r = dir_fill(d, &progress);
		if (r < 0)
			return r;
		if (!progress || d->moved >= limit)
			break;
	}
	/* one last flush may be needed for bytes read just before the budget ran out: they stay
	 * pending and WRITE interest brings us back */
	return dir_finish(d);
}

static bool relay_done(const struct relay *r)
{
	return r->dir[0].done && r->dir[1].done;
}

static void dir_init(struct relay_dir *d, int src, int dst)
{
	*d = (struct relay_dir){ .src = src, .dst = dst, .pipe_rd = -EBADF, .pipe_wr = -EBADF };
}

static int dir_setup(struct relay_dir *d, relay_flags flags)
{
	if (RELAY_HAVE_SPLICE && !(flags & RELAY_NO_SPLICE)) {
		d->splice = true; /* the pipe comes with the first bytes (dir_make_pipe()) */
		return 0;
	}
	if (!d->buf) {
		/* copy path from the start: the buffer comes with the first bytes (dir_fill()) and
		 * goes again when relay_trim() finds it empty, as the pipes do */
		d->splice = false;
		return 0;
	}
	return dir_to_copy(d);
}

static bool fd_is_nonblocking_socket(int fd)
{
	int type, fl;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
		return false;
	fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK);
}

int relay_new_flags(int a, int b, const void *initial_a_to_b, size_t initial_len,
		    relay_flags flags, struct relay **ret)
{
	struct relay *r;
	int k;

	if (!ret || (initial_len > 0 && !initial_a_to_b) || (flags & ~RELAY_NO_SPLICE))
		return -EINVAL;
	if (a < 0 || b < 0)
		return -EBADF;
	if (a == b || !fd_is_nonblocking_socket(a) || !fd_is_nonblocking_socket(b))
		return -EINVAL;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	dir_init(&r->dir[0], a, b);
	dir_init(&r->dir[1], b, a);

	if (initial_len > 0) {
		/* in the copy path the staging buffer doubles as the initial bytes' home */
		size_t cap = initial_len;

		if ((flags & RELAY_NO_SPLICE) && cap < RELAY_BUF_SIZE)
			cap = RELAY_BUF_SIZE;
		r->dir[0].buf = malloc(cap);
		if (!r->dir[0].buf) {
			relay_free(r);
			return -ENOMEM;
		}
		memcpy(r->dir[0].buf, initial_a_to_b, initial_len);
		r->dir[0].buf_cap = cap;
		r->dir[0].buf_len = initial_len;
	}

	for (k = 0; k < 2; k++) {
		int e = dir_setup(&r->dir[k], flags);

		if (e < 0) {
			relay_free(r);
			return e;
		}
	}

	*ret = r;
	return 0;
}

int relay_new(int a, int b, const void *initial_a_to_b, size_t initial_len, struct relay **ret)
{
	return relay_new_flags(a, b, initial_a_to_b, initial_len, 0, ret);
}

unsigned relay_wants(const struct relay *r, int which)
{
	unsigned w = 0;

	if (!r || (which != 0 && which != 1) || r->error || relay_done(r))
		return 0;
	if (dir_can_fill(&r->dir[which]))
		w |= RELAY_WANT_READ;
	if (!r->dir[!which].done && dir_pending(&r->dir[!which]) > 0)
		w |= RELAY_WANT_WRITE;
	return w;
}

static int relay_fail(struct relay *r, int err)
{
	r->error = err;
	return err;
}

int relay_handle(struct relay *r, int which, uint32_t events)
{
	int e;

	if (!r || (which != 0 && which != 1))
		return -EINVAL;
	if (r->error)
		return r->error;
	if (relay_done(r))
		return 1;

	if (events & EVL_ERR) {
		int err = 0;
		socklen_t len = sizeof(err);

		/* the error may concern a socket we are not reading or writing any more, where
		 * no syscall below would see it */
		if (getsockopt(r->dir[which].src, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			return relay_fail(r, -errno);
		if (err)
			return relay_fail(r, -err);
	}

	/* reading `which` is direction `which`; writing `which` is the other one */
	if (events & (EVL_IN | EVL_HUP | EVL_ERR)) {
		e = dir_pump(&r->dir[which]);
		if (e < 0)
			return relay_fail(r, e);
	}
	if (events & (EVL_OUT | EVL_HUP | EVL_ERR)) {
		e = dir_pump(&r->dir[!which]);
		if (e < 0)
			return relay_fail(r, e);
	}
	return relay_done(r) ? 1 : 0;
}

void relay_stats(const struct relay *r, uint64_t *ret_a_to_b, uint64_t *ret_b_to_a)
{
	if (ret_a_to_b)
		*ret_a_to_b = r ? r->dir[0].moved : 0;
	if (ret_b_to_a)
		*ret_b_to_a = r ? r->dir[1].moved : 0;
}

void relay_trim(struct relay *r)
{
	if (!r)
		return;
	for (int k = 0; k < 2; k++) {
		struct relay_dir *d = &r->dir[k];

		if (d->splice && d->pipe_rd >= 0 && d->pipe_len == 0)
			close_pipe(d);
		/* copy path, nothing pending (and no pipe left from a fallback): the buffer goes */
		if (!d->splice && d->buf && d->pipe_rd < 0 && d->buf_off == d->buf_len) {
			free(d->buf);
			d->buf = NULL;
			d->buf_cap = d->buf_off = d->buf_len = 0;
		}
	}
}

bool relay_is_splicing(const struct relay *r, int dir)
{
	if (!r || (dir != 0 && dir != 1))
		return false;
	return r->dir[dir].splice;
}

size_t relay_heap_bytes(const struct relay *r)
{
	return r ? r->dir[0].buf_cap + r->dir[1].buf_cap : 0;
}

struct relay *relay_free(struct relay *r)
{
	if (!r)
		return NULL;
	for (int k = 0; k < 2; k++) {
		close_pipe(&r->dir[k]);
		free(r->dir[k].buf);
	}
	free(r);
	return NULL;
}
