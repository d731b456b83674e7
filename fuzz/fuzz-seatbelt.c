/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the macOS profile generator (macos/seatbelt-profile.c, macos/sbpl.c).
 *
 * The input is a settings file. When it parses, its rules go through
 * seatbelt_rules_from_settings() (home /Users/u, cwd /Users/u/p) and seatbelt_profile(). Either
 * the profile is refused with -EINVAL or -E2BIG and a reason, or these must hold of its text:
 *   - at most SEATBELT_PROFILE_MAX bytes;
 *   - outside strings and comments the parentheses balance and never go below zero;
 *   - every string literal is closed on its line, holds no control byte, and uses no escape
 *     but \\ and \" (so no path can end a string early or smuggle profile text);
 *   - every (regex "...") compiles as a POSIX extended regex and is anchored with ^ and $;
 *   - it starts with (version 1) and the tagged default deny.
 */
#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macos/seatbelt-profile.h"
#include "settings.h"
#include "shared/strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TAG "srt_00000000000000ab_1"

static void check_regex(const char *re)
{
	regex_t r;
	size_t n = strlen(re);

	if (n < 2 || re[0] != '^' || re[n - 1] != '$')
		abort();
	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		abort();
	regfree(&r);
}

static void check_profile(const char *t)
{
	long depth = 0;
	struct buf str = BUF_INIT;
	bool regex_next = false;

	if (strlen(t) > SEATBELT_PROFILE_MAX)
		abort();
	if (strncmp(t, "(version 1)\n(deny default (with message \"" TAG "\"))\n",
		    strlen("(version 1)\n(deny default (with message \"" TAG "\"))\n")) != 0)
		abort();
	for (const char *p = t; *p; p++) {
		if (*p == ';') {
			while (p[1] && p[1] != '\n')
				p++;
			continue;
		}
		if (*p == '"') {
			str.len = 0;
			for (p++; *p != '"'; p++) {
				if (*p == '\0' || (unsigned char)*p < 0x20 || *p == 0x7f)
					abort();
				if (*p == '\\') {
					p++;
					if (*p != '\\' && *p != '"')
						abort();
				}
				if (buf_append(&str, p, 1) < 0)
					abort();
			}
			if (regex_next) {
				if (buf_reserve(&str, 1) < 0)
					abort();
				str.data[str.len] = '\0';
				check_regex(str.data);
			}
			regex_next = false;
			continue;
		}
		if (*p == '(') {
			depth++;
			regex_next = strncmp(p, "(regex ", 7) == 0;
		} else if (*p == ')' && --depth < 0) {
			abort();
		} else if ((unsigned char)*p < 0x20 && *p != '\n') {
			abort();
		}
	}
	if (depth != 0)
		abort();
	buf_free(&str);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srt_settings *s = NULL;
	struct seatbelt_rules *rules = NULL;
	struct seatbelt_params p = {0};
	srt_error *err = NULL;
	char *text = NULL, *reason = NULL;
	int r;

	if (size > 64 * 1024)
		return 0;
	if (settings_parse((const char *)data, size, "fuzz", &s, &err) < 0) {
		srt_error_free(err);
		return 0;
	}
	r = seatbelt_rules_from_settings(s, "/Users/u", "/Users/u/p", "/private/tmp/srt", NULL,
					 &rules, &reason);
	if (r < 0) {
		if (r != -EINVAL && r != -ENOMEM)
			abort();
		if (r == -EINVAL && !reason)
			abort();
		goto out;
	}
	seatbelt_rules_params(rules, &p);
	p.tag = TAG;
	p.http_port = 3128;
	r = seatbelt_profile(&p, &text, &reason);
	if (r == 0)
		check_profile(text);
	else if ((r != -EINVAL && r != -E2BIG && r != -ENOMEM) || (r != -ENOMEM && !reason))
		abort();
out:
	free(text);
	free(reason);
	seatbelt_rules_free(rules);
	settings_free(s);
	return 0;
}
