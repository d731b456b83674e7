/* SPDX-License-Identifier: Apache-2.0 */
/* The violation store: order and capacity, escaping, ignore rules, per-child counts,
 * subscriptions, JSON lines, concurrent producers. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "violations.h"

static int seen;
static char last_target[256];

static void on_violation(const srt_violation *v, void *ud)
{
	(void)ud;
	seen++;
	snprintf(last_target, sizeof(last_target), "%s", v->target);
}

static void *producer(void *arg)
{
	struct vstore *vs = arg;

	for (int i = 0; i < 1000; i++)
		(void)vstore_add(vs, SRT_VIOLATION_NETWORK, "h:1", "CONNECT", "r", "cmd", 7);
	return NULL;
}

int main(void)
{
	struct vstore *vs = NULL;
	srt_violation *v = NULL;
	char buf[64], *json = NULL;
	ssize_t n;
	int id;

	plan_no_plan();

	/* escaping */
	violation_escape("a\nb\x1b[31m\\\"\xc3\xa9", buf, sizeof(buf));
	is_str(buf, "a\\x0ab\\x1b[31m\\x5c\"\\xc3\\xa9",
	       "escape: newline, ESC, backslash and non-ASCII become \\xNN; quote kept");
	violation_escape("abcdefghij", buf, 8);
	is_str(buf, "abcd...", "escape: cut text is marked (and fits the buffer)");
	violation_escape(NULL, buf, sizeof(buf));
	is_str(buf, "", "escape: NULL is empty");

	/* order, capacity, ids */
	is_int(vstore_new(3, &vs), 0, "vstore_new");
	for (int i = 1; i <= 5; i++) {
		snprintf(buf, sizeof(buf), "host%d:443", i);
		is_int(vstore_add(vs, SRT_VIOLATION_NETWORK, buf, "CONNECT", "not allowed",
				  "curl x", i <= 2 ? 1 : 2),
		       1, "add %d", i);
	}
	n = vstore_copy(vs, 0, &v);
	is_int((int)n, 3, "capacity 3: the newest three are kept");
	if (n == 3) {
		is_str(v[0].target, "host3:443", "oldest kept first");
		is_str(v[2].target, "host5:443", "newest last");
		ok(v[0].id == 3 && v[2].id == 5, "ids count every violation");
		is_str(v[1].command, "curl x", "command recorded");
	}
	srt_violations_free(v, (size_t)n);
	n = vstore_copy(vs, 1, &v);
	ok(n == 1 && strcmp(v[0].target, "host5:443") == 0, "max 1: the newest");
	srt_violations_free(v, (size_t)n);
	ok(vstore_total(vs, 0) == 5 && vstore_total(vs, 1) == 2 && vstore_total(vs, 2) == 3,
	   "totals: manager 5, child 1 two, child 2 three");
	v = vstore_first_of(vs, 2);
	ok(v && strcmp(v->target, "host3:443") == 0, "first of child 2 (even after eviction)");
	srt_violations_free(v, 1);
	ok(vstore_first_of(vs, 9) == NULL, "no first for a child without violations");
	vstore_clear(vs);
	n = vstore_copy(vs, 0, &v);
	ok(n == 0 && vstore_total(vs, 0) == 5, "clear empties the store, keeps the total");
	srt_violations_free(v, 0);

	/* ignore rules: command substring or "*", target substring */
	{
		char *p1[] = {"registry.npmjs.org", NULL}, *p2[] = {"telemetry", NULL};
		struct settings_ignore_rule rules[] = {{"npm test", p1}, {"*", p2}};

		is_int(vstore_set_ignore(vs, rules, 2), 0, "set ignore rules");
	}
	is_int(vstore_add(vs, SRT_VIOLATION_NETWORK, "registry.npmjs.org:443", "CONNECT", "r",
			  "npm test --ci", 3),
	       0, "ignored: command contains the key, target the path");
	is_int(vstore_add(vs, SRT_VIOLATION_NETWORK, "registry.npmjs.org:443", "CONNECT", "r",
			  "npm install", 3),
	       1, "not ignored: another command");
	is_int(vstore_add(vs, SRT_VIOLATION_FILE_WRITE, "/x/telemetry/db", "open", "r", "anything",
			  3),
	       0, "ignored by the \"*\" rule");
	ok(vstore_ignored(vs) == 2 && vstore_total(vs, 3) == 1,
	   "ignored ones are counted apart, not in the child's total");

	/* subscriptions */
	id = vstore_subscribe(vs, on_violation, NULL);
	ok(id > 0, "subscribe");
	(void)vstore_add(vs, SRT_VIOLATION_UNIX_SOCKET, "/run/x.sock", "connect", "r", "c", 0);
	ok(seen == 1 && strcmp(last_target, "/run/x.sock") == 0, "the subscriber is called");
	(void)vstore_add(vs, SRT_VIOLATION_NETWORK, "telemetry.example:443", "CONNECT", "r", "c",
			 0);
	is_int(seen, 1, "... not for an ignored one");
	is_int(vstore_unsubscribe(vs, id), 0, "unsubscribe");
	(void)vstore_add(vs, SRT_VIOLATION_NETWORK, "a:1", "CONNECT", "r", "c", 0);
	is_int(seen, 1, "... and not after unsubscribing");
	is_int(vstore_unsubscribe(vs, id), -ENOENT, "unsubscribe twice: -ENOENT");

	/* JSON: one line, escaped, quoted */
	(void)vstore_add(vs, SRT_VIOLATION_FILE_READ, "/home/u/\"x\"\n{\"id\":0}", "open",
			 "denyRead", "cat \x1b]0;pwned\x07", 0);
	n = vstore_copy(vs, 1, &v);
	ok(n == 1 && srt_violation_to_json(&v[0], &json) == 0, "to JSON");
	if (json) {
		ok(strchr(json, '\n') == NULL, "JSON: a single line");
		like_str(json, "\"kind\":\"file-read\"", "JSON: kind name");
		like_str(json, "\"target\":\"/home/u/\\\"x\\\"\\\\x0a{\\\"id\\\":0}\"",
			 "JSON: quotes escaped, the newline stays \\x0a text");
		like_str(json, "\"command\":\"cat \\\\x1b]0;pwned\\\\x07\"",
			 "JSON: terminal escapes are inert text");
		like_str(json, "\"time\":\"20", "JSON: an ISO 8601 time");
	}
	free(json);
	srt_violations_free(v, (size_t)n);
	is_str(srt_violation_kind_name(SRT_VIOLATION_SYSCALL), "syscall", "kind names");
	vs = vstore_free(vs);

	/* concurrent producers */
	{
		pthread_t t[4];

		is_int(vstore_new(16, &vs), 0, "vstore_new for threads");
		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, producer, vs);
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		ok(vstore_total(vs, 0) == 4000 && vstore_total(vs, 7) == 4000,
		   "4 threads x 1000: every violation counted");
		n = vstore_copy(vs, 0, &v);
		ok(n == 16 && v[15].id == 4000, "the ring holds the newest 16");
		srt_violations_free(v, (size_t)n);
		vs = vstore_free(vs);
	}
	return tap_exit();
}
