/* SPDX-License-Identifier: Apache-2.0 */
/* The Landlock description srt hands srt-exec, and the status srt-exec sends back
 * (landlock-spec.c): round trips, every refusal, limits, parts per ABI. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "landlock-spec.h"
#include "tap.h"

#define T(lit) lit, sizeof(lit) - 1 /* a literal with its embedded NULs, without the final one */

static int parse(const char *d, size_t n)
{
	struct landlock_spec s;
	int r = landlock_spec_parse(d, n, &s);

	if (r == 0)
		landlock_spec_free(&s);
	return r;
}

static void round_trip(void)
{
	char *paths[] = {"/home/u/proj", "/tmp/srt-1000", "/dev", "/with space/and\nnewline"};
	struct landlock_spec s = {.require = true,
				  .parts = LL_PART_ALL,
				  .connect = {3128, 1080},
				  .n_connect = 2,
				  .write = paths,
				  .n_write = 4},
			     t;
	char *text = NULL;
	size_t len = 0;

	is_int(landlock_spec_serialize(&s, &text, &len), 0, "a full spec serialises");
	ok(len > 0 && text[len - 1] == 0, "the text ends with a NUL");
	is_int(landlock_spec_parse(text, len, &t), 0, "and parses back");
	ok(t.require && t.parts == LL_PART_ALL && t.n_connect == 2 && t.connect[0] == 3128 &&
	       t.connect[1] == 1080,
	   "require, parts and ports survive");
	ok(t.n_write == 4 && strcmp(t.write[0], "/home/u/proj") == 0 &&
	       strcmp(t.write[3], "/with space/and\nnewline") == 0,
	   "paths survive, spaces and newlines included");
	landlock_spec_free(&t);
	free(text);

	s = (struct landlock_spec){.parts = LL_PART_SCOPE};
	is_int(landlock_spec_serialize(&s, &text, &len), 0, "a scope-only spec serialises");
	is_int(len, sizeof("srt-landlock 1\0require 0\0parts 16"), "to exactly the three records");
	ok(memcmp(text, "srt-landlock 1\0require 0\0parts 16\0", len) == 0,
	   "in the documented form");
	free(text);
}

static void serialise_refusals(void)
{
	char *rel[] = {"relative"}, *nul[] = {NULL};
	char *text = NULL;
	size_t len = 0;
	struct landlock_spec s = {.parts = LL_PART_FS, .write = rel, .n_write = 1};

	is_int(landlock_spec_serialize(&s, &text, &len), -EINVAL,
	       "serialise: relative path refused");
	s.write = nul;
	is_int(landlock_spec_serialize(&s, &text, &len), -EINVAL, "serialise: NULL path refused");
	s = (struct landlock_spec){.parts = LL_PART_SCOPE, .connect = {80}, .n_connect = 1};
	is_int(landlock_spec_serialize(&s, &text, &len), -EINVAL,
	       "serialise: ports without the network part refused");
	s = (struct landlock_spec){.parts = LL_PART_TRUNCATE};
	is_int(landlock_spec_serialize(&s, &text, &len), -EINVAL,
	       "serialise: truncate without the filesystem part refused");
	s = (struct landlock_spec){.parts = LL_PART_NET, .n_connect = LANDLOCK_SPEC_MAX_PORTS + 1};
	is_int(landlock_spec_serialize(&s, &text, &len), -E2BIG, "serialise: too many ports");
	s = (struct landlock_spec){.parts = LL_PART_NET, .connect = {0}, .n_connect = 1};
	is_int(landlock_spec_serialize(&s, &text, &len), -EINVAL, "serialise: port 0 refused");
}

static void parse_refusals(void)
{
	is_int(parse(T("srt-landlock 1\0require 0\0parts 31\0")), 0, "minimal valid text");
	is_int(parse("", 0), -EINVAL, "empty");
	is_int(parse(T("srt-landlock 1\0require 0\0parts 31")), -EINVAL, "no final NUL");
	is_int(parse(T("srt-landlock 2\0require 0\0parts 31\0")), -EINVAL, "other version");
	is_int(parse(T("srt-landlock 1\0parts 31\0require 0\0")), -EINVAL, "wrong order");
	is_int(parse(T("srt-landlock 1\0require 0\0")), -EINVAL, "parts missing");
	is_int(parse(T("srt-landlock 1\0require 0\0parts 31\0parts 31\0")), -EINVAL,
	       "parts repeated");
	is_int(parse(T("srt-landlock 1\0require 2\0parts 31\0")), -EINVAL, "require 2");
	is_int(parse(T("srt-landlock 1\0require 0\0parts 32\0")), -EINVAL, "unknown part bit");
	is_int(parse(T("srt-landlock 1\0require 0\0parts 031\0")), -EINVAL, "leading zero");
	is_int(parse(T("srt-landlock 1\0require 0\0parts +31\0")), -EINVAL, "sign");
	is_int(parse(T("srt-landlock 1\0require 0\0parts 2\0")), -EINVAL,
	       "truncate without the filesystem part");
	is_int(parse(T("srt-landlock 1\0require 0\0parts 31\0connect 0\0")), -EINVAL, "port 0");
	is_int(parse(T("srt-landlock 1\0require 0\0parts 31\0connect 65536\0")), -EINVAL,
	       "port 65536");
	is_int(parse(T("srt-landlock 1\0require 0\0parts 31\0connect 65535\0")), 0, "port 65535");
	is_int(parse(T("srt-landlock 1\0require 0\0parts 16\0connect 80\0")), -EINVAL,
	       "a port without the network part");
	is_int(parse(T("srt-landlock 1\0require 0\0parts 16\0write /x\0")), -EINVAL,
	       "a path without the filesystem part");
	is_int(parse(T("srt-landlock 1\0require 0\0parts 31\0write /x\0connect 80\0")), -EINVAL,
	       "a port after a path");
	is_int(parse(T("srt-landlock 1\0require 0\0parts 31\0write x\0")), -EINVAL,
	       "a relative path");
	is_int(parse(T("srt-landlock 1\0require 0\0parts 31\0write \0")), -EINVAL, "an empty path");
	is_int(parse(T("srt-landlock 1\0require 0\0parts 31\0read /x\0")), -EINVAL,
	       "an unknown record");
	is_int(parse(T("srt-landlock 1\0require 0\0parts 31\0\0")), -EINVAL, "an empty record");
	is_int(parse(T("srt-landlock 1\0require 0\0parts 31\0write\0")), -EINVAL,
	       "a record without a value");
}

static void limits(void)
{
	size_t cap = 1 << 21, n = 0;
	char *b = malloc(cap);
	int k;

	if (!b)
		exit(1);
	memcpy(b, "srt-landlock 1\0require 0\0parts 31\0", 34);
	n = 34;
	for (k = 0; k < LANDLOCK_SPEC_MAX_PORTS; k++)
		n += (size_t)sprintf(b + n, "connect %d", 1000 + k) + 1;
	is_int(parse(b, n), 0, "%d ports: accepted", LANDLOCK_SPEC_MAX_PORTS);
	n += (size_t)sprintf(b + n, "connect 80") + 1;
	is_int(parse(b, n), -E2BIG, "one more: -E2BIG");

	n = 34;
	for (k = 0; k < LANDLOCK_SPEC_MAX_PATHS; k++)
		n += (size_t)sprintf(b + n, "write /p/%d", k) + 1;
	is_int(parse(b, n), 0, "%d paths: accepted", LANDLOCK_SPEC_MAX_PATHS);
	n += (size_t)sprintf(b + n, "write /q") + 1;
	is_int(parse(b, n), -E2BIG, "one more: -E2BIG");

	n = 34;
	memcpy(b + n, "write /", 7);
	memset(b + n + 7, 'a', LANDLOCK_SPEC_MAX_PATH - 1);
	n += 7 + LANDLOCK_SPEC_MAX_PATH - 1;
	b[n++] = 0;
	is_int(parse(b, n), 0, "a path of %d bytes: accepted", LANDLOCK_SPEC_MAX_PATH);
	b[n - 1] = 'a';
	b[n++] = 0;
	is_int(parse(b, n), -EINVAL, "one byte more: refused");

	memset(b, 'x', LANDLOCK_SPEC_MAX_SIZE + 1);
	b[LANDLOCK_SPEC_MAX_SIZE] = 0;
	is_int(parse(b, LANDLOCK_SPEC_MAX_SIZE + 1), -E2BIG, "above the size limit: -E2BIG");
	free(b);
}

static void status(void)
{
	struct landlock_status st = {.abi = 7, .applied = LL_PART_ALL}, got;
	unsigned char b[LANDLOCK_STATUS_SIZE + 1];

	landlock_status_encode(&st, b);
	is_int(landlock_status_parse(b, LANDLOCK_STATUS_SIZE, &got), 0, "status round trip");
	ok(got.abi == 7 && got.applied == LL_PART_ALL && got.error == 0, "fields survive");
	is_int(landlock_status_parse(b, LANDLOCK_STATUS_SIZE - 1, &got), -EINVAL, "short: refused");
	is_int(landlock_status_parse(b, LANDLOCK_STATUS_SIZE + 1, &got), -EINVAL, "long: refused");
	st.abi = 3; /* claims parts ABI 3 does not have */
	landlock_status_encode(&st, b);
	is_int(landlock_status_parse(b, LANDLOCK_STATUS_SIZE, &got), -EINVAL,
	       "parts beyond the reported ABI: refused");
	st = (struct landlock_status){.abi = -95, .applied = 0, .error = 0};
	landlock_status_encode(&st, b);
	is_int(landlock_status_parse(b, LANDLOCK_STATUS_SIZE, &got), 0,
	       "no Landlock (abi -EOPNOTSUPP), nothing applied: fine");
	st = (struct landlock_status){.abi = 7, .error = -1};
	landlock_status_encode(&st, b);
	is_int(landlock_status_parse(b, LANDLOCK_STATUS_SIZE, &got), -EINVAL,
	       "negative error: refused");
	b[0] ^= 1;
	is_int(landlock_status_parse(b, LANDLOCK_STATUS_SIZE, &got), -EINVAL, "bad magic: refused");
}

static void abi_parts(void)
{
	char d[200];

	is_int(landlock_parts_for_abi(-38), 0, "no Landlock: nothing");
	is_int(landlock_parts_for_abi(1), 0,
	       "ABI 1: nothing (no REFER: renames across "
	       "directories would always fail)");
	is_int(landlock_parts_for_abi(2), LL_PART_FS, "ABI 2: filesystem");
	is_int(landlock_parts_for_abi(4), LL_PART_FS | LL_PART_TRUNCATE | LL_PART_NET,
	       "ABI 4: + truncate, network");
	is_int(landlock_parts_for_abi(6), LL_PART_ALL, "ABI 6: everything");
	is_int(landlock_parts_for_abi(7), LL_PART_ALL, "ABI 7: everything");
	landlock_parts_describe(0, d, sizeof(d));
	is_str(d, "nothing", "describe 0");
	landlock_parts_describe(LL_PART_NET | LL_PART_SCOPE, d, sizeof(d));
	is_str(d, "TCP bind/connect, abstract unix sockets and signals", "describe two parts");
	landlock_parts_describe(LL_PART_ALL, d, 10);
	ok(strlen(d) < 10, "describe truncates safely");
}

int main(void)
{
	round_trip();
	serialise_refusals();
	parse_refusals();
	limits();
	status();
	abi_parts();
	return tap_exit();
}
