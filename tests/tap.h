/* SPDX-License-Identifier: Apache-2.0 */
/* A tiny TAP producer for unit tests (meson: protocol 'tap'). Header-only. */
#pragma once

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void plan_no_plan(void)
{
}

static inline void tap_done(void)
{
	printf("1..%d\n", tap_n);
}

__attribute__((format(printf, 2, 3))) static inline int ok(int cond, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

#define is_int(got, want, ...)                                                                     \
	do {                                                                                       \
		long long _g = (long long)(got), _w = (long long)(want);                          \
		if (!ok(_g == _w, __VA_ARGS__))                                                    \
			printf("#   got %lld, want %lld\n", _g, _w);                                   \
	} while (0)

#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *_g = (got), *_w = (want);                                              \
		int _eq = (_g && _w) ? strcmp(_g, _w) == 0 : _g == _w;                             \
		if (!ok(_eq, __VA_ARGS__))                                                         \
			printf("#   got  '%s'\n#   want '%s'\n", _g ? _g : "(null)",                  \
			       _w ? _w : "(null)");                                                \
	} while (0)

#define like_str(got, needle, ...)                                                                 \
	do {                                                                                       \
		const char *_g = (got), *_n = (needle);                                            \
		if (!ok(_g && strstr(_g, _n) != NULL, __VA_ARGS__))                                \
			printf("#   '%s'\n#   does not contain '%s'\n", _g ? _g : "(null)", _n);     \
	} while (0)

static inline int tap_exit(void)
{
	tap_done();
	return tap_failed ? 1 : 0;
}
