/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: the messages between srt-launch (the program a wrapped command line starts, see
 * srt_manager_wrap()) and the manager that runs the sandbox for it, over a unix stream socket.
 *
 * Request, launcher → manager, once, with the launcher's fds 0, 1, 2 attached (SCM_RIGHTS) to
 * its first byte: a 4-byte little-endian length L, then L bytes of NUL-terminated fields:
 *
 *     "srt-launch/1" TOKEN CWD ARGC ARGV[0..ARGC-1] ENVC ENV[0..ENVC-1]
 *
 * ARGC and ENVC are decimal without leading zeros; TOKEN is LAUNCH_TOKEN_LEN lower-case hex
 * digits; CWD is absolute or empty (unknown); nothing may follow the last field.
 *
 * Lines, manager → launcher: "started PID", "error EXIT MESSAGE" (the launcher prints MESSAGE
 * and exits with EXIT), "exit STATUS" (the command's status as srt_child_wait() gives it).
 * Launcher → manager: "signal N" (forward signal N to the command).
 * Every line is at most LAUNCH_MAX_LINE bytes with its '\n'; messages are printable ASCII.
 */
#pragma once

#include <stddef.h>

#include "shared/strv.h"

#define LAUNCH_MAGIC "srt-launch/1"
#define LAUNCH_TOKEN_LEN 32
#define LAUNCH_MAX_REQUEST (4u << 20) /* twice the usual ARG_MAX: argv and environment */
#define LAUNCH_MAX_STRINGS 65536      /* per vector */
#define LAUNCH_MAX_LINE 1024

struct launch_request {
	char *token;
	char *cwd;   /* "" when the launcher could not tell */
	char **argv; /* at least one element */
	char **env;
	char *blob; /* owns the strings above */
};

/* Appends the whole request (length prefix included) to out. -E2BIG when it would exceed the
 * limits, -EINVAL for a bad token, an empty argv or a string that is not NUL-free. */
int launch_request_build(const char *token, const char *cwd, char *const argv[], char *const env[],
			 struct buf *out);

/* The length announced by a request's first 4 bytes: 0..LAUNCH_MAX_REQUEST, or -EMSGSIZE. */
long launch_request_length(const unsigned char prefix[4]);

/* Parses the L bytes after the prefix. Returns 0, -EBADMSG for anything malformed, -E2BIG
 * past the limits, -ENOMEM. On success *ret owns a copy; free with launch_request_done(). */
int launch_request_parse(const char *data, size_t len, struct launch_request *ret);
void launch_request_done(struct launch_request *r);

enum launch_line_kind {
	LAUNCH_STARTED, /* num: pid */
	LAUNCH_ERROR,	/* num: exit status for the launcher, text: message */
	LAUNCH_EXIT,	/* num: the command's status */
	LAUNCH_SIGNAL,	/* num: signal number */
};

/* One line without its '\n': kind, number (0..2^31-1) and, for errors, the message (a pointer
 * into line). Returns 0 or -EBADMSG. */
int launch_line_parse(const char *line, size_t len, enum launch_line_kind *ret_kind, long *ret_num,
		      const char **ret_text, size_t *ret_text_len);

/* Formats a line with its '\n' into out (LAUNCH_MAX_LINE bytes); text is made printable
 * (other bytes become '?') and cut to fit. Returns the length. */
size_t launch_line_format(char out[LAUNCH_MAX_LINE], enum launch_line_kind kind, long num,
			  const char *text);
