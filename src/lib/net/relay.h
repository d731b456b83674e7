/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bidirectional byte relay for one established tunnel (CONNECT or SOCKS5), as a state machine
 * that knows nothing of the event loop driving it.
 *
 * Usage, with a level-triggered loop (shared/evloop.h; the only mode supported, see below):
 *
 *	relay_new(a, b, head, head_len, &r);
 *	loop: for each socket s in {a, b}: interest = relay_wants(r, s);  (evloop_mod())
 *	      on an event for socket s: rc = relay_handle(r, s, events);
 *	      rc == 1: done; rc < 0: failed; either way relay_free(r), then close a and b.
 *
 * Interest: RELAY_WANT_READ means EVL_IN, RELAY_WANT_WRITE means EVL_OUT. When relay_wants()
 * returns 0 for a socket, stop polling it: evloop_del() (with raw epoll: EPOLL_CTL_DEL, or
 * EPOLLET and no other bit). The kernel reports HUP/ERR whatever the interest mask says, and a
 * half-closed socket stays "hung up"; with level-triggered interest 0 it would wake the loop
 * forever while the relay waits for the *other* socket.
 *
 * Level-triggered only: relay_handle() moves at most RELAY_BUDGET bytes per direction and per
 * call, so one fast tunnel cannot starve the others, and relies on the loop to report the socket
 * again when work is left. An edge-triggered caller would lose that work.
 *
 * Memory per tunnel is bounded: per direction one pipe (RELAY_PIPE_SIZE, kernel memory) in the
 * splice() path, or one RELAY_BUF_SIZE heap buffer in the copy path, plus the initial bytes.
 * Both are made with a direction's first bytes and given back by relay_trim() when empty.
 * Nothing is read from a socket while its direction's pipe or buffer is full (back-pressure:
 * a peer that stops reading stops the relay reading from the other peer).
 *
 * splice() is Linux's: elsewhere, and in the -Dportable_net=true build, every direction takes
 * the copy path (relay_can_splice() is false). splice() into a socket cannot be given
 * MSG_NOSIGNAL, so a process using the splice path must ignore SIGPIPE (the proxy does). The
 * copy path (send with MSG_NOSIGNAL, or SO_NOSIGPIPE on the socket where there is no such flag:
 * compat.h) never raises it.
 *
 * Threads: a relay is used by one thread at a time. It never logs, never aborts.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct relay;

#define RELAY_WANT_READ (1u << 0)
#define RELAY_WANT_WRITE (1u << 1)

/* Size a direction's pipe is grown to once it carries bulk (RELAY_GROW_AFTER); silently left
 * at the kernel default (64 KiB) when fs.pipe-max-size or the user's pipe quota refuses it.
 * Pipes are made on demand and closed by relay_trim(), so idle tunnels hold none. */
#define RELAY_PIPE_SIZE (256 * 1024)
/* Size of each direction's heap buffer in the copy (no splice) path. */
#define RELAY_BUF_SIZE (64 * 1024)
/* A direction's pipe grows to RELAY_PIPE_SIZE after this many bytes went through it. */
#define RELAY_GROW_AFTER (1024 * 1024)
/* Bytes moved per direction and per relay_handle() call before yielding to the loop. */
#define RELAY_BUDGET (1024 * 1024)

typedef enum relay_flags {
	/* Never use splice(): copy through a user-space buffer (tests, benchmarks, or fds known
	 * not to support splice). */
	RELAY_NO_SPLICE = 1 << 0,
} relay_flags;

/*
 * Creates the relay for stream sockets a and b, which must be connected and O_NONBLOCK
 * (-EINVAL otherwise). Ownership: the sockets are borrowed until relay_free(); the caller
 * closes them afterwards. `initial_a_to_b` (initial_len bytes, may be NULL when initial_len is
 * 0) is copied: bytes already read from a (e.g. pipelined after a CONNECT head) that b receives
 * before anything else.
 *
 * Each direction uses a pipe (O_CLOEXEC | O_NONBLOCK) for splice(), made when it first has
 * bytes to move. A direction whose splice() fails with EINVAL/ENOSYS/EOPNOTSUPP (fd types
 * without splice support), or whose pipe cannot be created (EMFILE/ENFILE), falls back to a
 * RELAY_BUF_SIZE copy buffer, keeping byte order.
 *
 * Returns 0 and sets *ret, or -EINVAL, -EBADF or -ENOMEM (a failing pipe2() other than
 * EMFILE/ENFILE is reported later, by relay_handle()).
 */
int relay_new_flags(int a, int b, const void *initial_a_to_b, size_t initial_len,
		    relay_flags flags, struct relay **ret);

/* relay_new_flags() with flags 0. */
int relay_new(int a, int b, const void *initial_a_to_b, size_t initial_len, struct relay **ret);

/*
 * What the relay waits for on socket `which` (0 = a, 1 = b): RELAY_WANT_READ and/or
 * RELAY_WANT_WRITE, or 0 (see the top of this file). Reflects the real state: READ only while
 * the direction reading that socket has room and has not seen EOF; WRITE only while bytes wait
 * to be written to it. Once the relay is done or failed, 0 for both. Unknown `which`: 0.
 */
unsigned relay_wants(const struct relay *r, int which);

/*
 * Handles readiness of socket `which` (0 = a, 1 = b). `events` holds EVL_IN, EVL_OUT,
 * EVL_HUP, EVL_ERR bits as the loop reported them (the values of POLL* and EPOLL*). Moves as much as
 * possible without blocking (up to RELAY_BUDGET per direction).
 *
 * EOF on one socket shuts the other down for writing (SHUT_WR) once everything read before the
 * EOF has been written; the other direction goes on (half-close). EPIPE while writing ends that
 * direction (its pending bytes are dropped, its source is no longer read).
 *
 * Returns 1 when both directions have finished, 0 to be called again, or -errno when the relay
 * failed: a socket error (-ECONNRESET, -ETIMEDOUT, ... from the read, the write or SO_ERROR)
 * or a local one (-ENOMEM). Once it has returned 1 or -errno it returns the same value again.
 */
int relay_handle(struct relay *r, int which, uint32_t events);

/* Bytes written to b (from a) and to a (from b) so far, initial bytes included. Either output
 * pointer may be NULL. */
void relay_stats(const struct relay *r, uint64_t *ret_a_to_b, uint64_t *ret_b_to_a);

/* Closes the pipes, and frees the copy path's buffers, that hold no bytes (they are made again
 * when needed). For a caller that sees a tunnel idle: it then costs two sockets, no pipe and
 * no buffer. Wants do not change. */
void relay_trim(struct relay *r);

/* Is direction `dir` (0 = a→b, 1 = b→a) still using splice()? For logs and tests. */
bool relay_is_splicing(const struct relay *r, int dir);
/* Does this build use splice() at all (Linux, not the portable build)? */
bool relay_can_splice(void);
/* Bytes of heap buffer the relay holds (copy path and initial bytes; not the pipes). For
 * tests. */
size_t relay_heap_bytes(const struct relay *r);

/* Frees the relay and its pipes and buffers (not the sockets). NULL-safe; returns NULL. */
struct relay *relay_free(struct relay *r);
