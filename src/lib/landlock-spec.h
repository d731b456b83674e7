/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: the Landlock layer's description as srt hands it to srt-exec, and srt-exec's status
 * report back. Self-contained (libc only): srt-exec compiles this file in, libsrt too.
 *
 * The ruleset ("spec") travels in a sealed memfd as NUL-terminated text records, in this
 * order, each exactly once unless marked "*":
 *
 *     srt-landlock 1          format and version
 *     require 0|1             1: every wanted part must be applied, or the command does not run
 *     parts N                 wanted parts (LL_PART_* bits), decimal
 *     connect PORT       *    TCP ports connect(2) may reach (only with LL_PART_NET)
 *     write PATH         *    absolute paths below which writing is allowed (only with LL_PART_FS)
 *
 * Numbers are decimal without sign or leading zeros. Anything else (unknown or repeated
 * records, wrong order, a missing final NUL, more than the limits below) is refused.
 *
 * The status is a fixed 16-byte record (host byte order: both ends run on the same machine)
 * that srt-exec sends over its socket to srt, with the seccomp listener attached when srt
 * observes refused system calls, just before it executes the command.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The parts of the Landlock layer, each with the ABI that first provides it. */
#define LL_PART_FS (1U << 0)	    /* ABI 2: writes (write, make, remove, refer) below the roots */
#define LL_PART_TRUNCATE (1U << 1)  /* ABI 3: truncate(2) below the roots only */
#define LL_PART_NET (1U << 2)	    /* ABI 4: TCP connect to the listed ports, bind to none */
#define LL_PART_IOCTL_DEV (1U << 3) /* ABI 5: device ioctls below the roots only */
#define LL_PART_SCOPE (1U << 4)	    /* ABI 6: abstract unix sockets and signals stay inside */
#define LL_PART_ALL 0x1fU

#define LANDLOCK_SPEC_MAX_SIZE (1U << 20) /* bytes */
#define LANDLOCK_SPEC_MAX_PATHS 4096
#define LANDLOCK_SPEC_MAX_PATH 4095 /* bytes, without the NUL */
#define LANDLOCK_SPEC_MAX_PORTS 16

struct landlock_spec {
	bool require;
	unsigned parts; /* LL_PART_* */
	uint16_t connect[LANDLOCK_SPEC_MAX_PORTS];
	size_t n_connect;
	char **write; /* n_write absolute paths (owned) */
	size_t n_write;
};

/* Parts a kernel of this Landlock ABI version provides (0 for abi < 2). */
unsigned landlock_parts_for_abi(int abi);

/* Serialises s into a malloc'ed buffer (*ret, *ret_len). -EINVAL for a spec the parser would
 * refuse (so what srt sends always parses), -ENOMEM. */
int landlock_spec_serialize(const struct landlock_spec *s, char **ret, size_t *ret_len);

/* Parses data[0..len) into *s (zeroed first; free with landlock_spec_free() on success).
 * Returns 0, -EINVAL (malformed), -E2BIG (beyond a limit), -ENOMEM. */
int landlock_spec_parse(const char *data, size_t len, struct landlock_spec *s);

void landlock_spec_free(struct landlock_spec *s);

#define LANDLOCK_STATUS_MAGIC 0x4c545253U /* "SRTL" */
#define LANDLOCK_STATUS_SIZE 16

struct landlock_status {
	int32_t abi;	  /* the kernel's Landlock ABI; <= 0: none (-errno of the probe) */
	uint32_t applied; /* LL_PART_* really in force for the command */
	int32_t error;	  /* 0, or the errno of the failure that stopped srt-exec */
};

void landlock_status_encode(const struct landlock_status *st,
			    unsigned char out[LANDLOCK_STATUS_SIZE]);

/* Exactly LANDLOCK_STATUS_SIZE bytes with the magic, known bits only, error >= 0. 0 or
 * -EINVAL. */
int landlock_status_parse(const void *data, size_t len, struct landlock_status *st);

/* Names of the parts in `parts`, comma-separated ("filesystem writes, truncate, ...") into
 * buf (always NUL-terminated). "nothing" for 0. */
void landlock_parts_describe(unsigned parts, char *buf, size_t size);
