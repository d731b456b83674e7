/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The violation store: a bounded, thread-safe record of what the sandbox refused, one per
 * manager (no global state), fed from any thread (the proxy thread, the observers) and read
 * through srt.h.
 *
 * Text is escaped when it is recorded: every byte outside printable ASCII (0x20-0x7e), and the
 * backslash, becomes \xNN. A sandboxed process chooses the host names and paths that end up
 * here; escaped, they can neither forge a second line in a log nor carry terminal escapes, and
 * every stored string is valid UTF-8 (ASCII), so JSON output needs no further care beyond
 * quoting '"'.
 *
 * ignoreViolations (the reference's semantics, srt-behaviour.md section 8): a rule
 * {COMMAND: [SUBSTRING...]} suppresses a violation whose command contains COMMAND (or any
 * command for "*") and whose target contains one of the SUBSTRINGs. Plain substring matching,
 * on the escaped text. Suppressed violations are counted, not stored, not notified.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "settings.h"
#include "srt/srt.h"

#define VSTORE_DEFAULT_CAPACITY 256
#define VSTORE_TEXT_MAX 1024 /* bytes of one escaped field; longer text is cut, marked "..." */

struct vstore;

/* capacity: how many violations are kept (the oldest go first); 0 = VSTORE_DEFAULT_CAPACITY. */
int vstore_new(size_t capacity, struct vstore **ret);
struct vstore *vstore_free(struct vstore *vs);

/* Replaces the ignore rules (copied). Returns 0 or -ENOMEM (rules unchanged then). */
int vstore_set_ignore(struct vstore *vs, const struct settings_ignore_rule *rules, size_t n);

/* Records a violation. Strings may be NULL (empty) and contain any bytes. child is an id the
 * caller chooses (0 = none). Returns 1 (stored and notified), 0 (suppressed by an ignore rule)
 * or -ENOMEM. Subscribers are called on the calling thread before it returns. */
int vstore_add(struct vstore *vs, srt_violation_kind kind, const char *target,
	       const char *operation, const char *reason, const char *command, uint64_t child);

/* Copies out the stored violations, oldest first, at most max (0 = all); *ret is freed with
 * srt_violations_free(). Returns the count, or -ENOMEM. */
ssize_t vstore_copy(struct vstore *vs, size_t max, srt_violation **ret);

/* Counters: ever recorded (suppressed excluded), and suppressed. With child != 0, only that
 * child's (recorded ones). */
uint64_t vstore_total(struct vstore *vs, uint64_t child);
uint64_t vstore_ignored(struct vstore *vs);

/* The first recorded violation of a child, copied (srt_violations_free(v, 1)), or NULL. */
srt_violation *vstore_first_of(struct vstore *vs, uint64_t child);
/* The same for one kind (0 = any): a child's count and first violation of that kind. */
uint64_t vstore_total_of(struct vstore *vs, uint64_t child, int kind);
srt_violation *vstore_first_of_kind(struct vstore *vs, uint64_t child, int kind);

void vstore_clear(struct vstore *vs);

/* Subscriptions: fn is called for each recorded violation, on the thread that records it,
 * serialised (never two calls at once). It must not subscribe or unsubscribe. Returns an id
 * > 0, or -ENOMEM / -EINVAL. After vstore_unsubscribe() returns, fn is not called again. */
int vstore_subscribe(struct vstore *vs, srt_violation_fn fn, void *userdata);
int vstore_unsubscribe(struct vstore *vs, int id);

/* The escaping described above, into out (size >= 4 * strlen + 4 for no truncation); always
 * NUL-terminates when size > 0. Returns the length written. */
size_t violation_escape(const char *in, char *out, size_t size);
