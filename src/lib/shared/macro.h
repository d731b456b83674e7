/* SPDX-License-Identifier: Apache-2.0 */
/* Small macros shared by every libsrt file. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRT_HIDDEN __attribute__((visibility("hidden")))
#define SRT_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#define SRT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define SRT_UNUSED __attribute__((unused))
#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Convert a libc "-1 and errno" result into "-errno". */
#define RET_NERRNO(expr)                                                                           \
	({                                                                                         \
		__typeof__(expr) _r = (expr);                                                      \
		_r < 0 ? -errno : _r;                                                              \
	})

static inline bool streq_ptr(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *a == *b; a++, b++)
		;
	return *a == *b;
}

/* Banned functions (sprintf, strcpy, strcat, atoi, ...) are refused by tools/check-banned.sh,
 * which runs as a test: a #pragma poison here would also trip over the libc headers. */
