/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the settings parser: any bytes must give either settings or an error,
 * never a crash, a leak or unbounded work. */
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srt_settings *s = NULL, *c;
	srt_error *e = NULL;

	if (settings_parse((const char *)data, size, "fuzz.json", &s, &e) < 0) {
		/* every failure carries a message */
		if (!e || !strlen(srt_error_message(e)))
			__builtin_trap();
		srt_error_free(e);
		return 0;
	}
	c = settings_copy(s);
	{
		/* back to JSON and in again: the same settings, the same JSON */
		char *j1 = settings_to_json(s, false), *j2 = NULL;
		struct srt_settings *r = NULL;

		if (!j1 || settings_parse(j1, strlen(j1), "round trip", &r, NULL) < 0)
			__builtin_trap();
		j2 = settings_to_json(r, false);
		if (!j2 || strcmp(j1, j2) != 0)
			__builtin_trap();
		/* one key replaced with a value of another key: accepted or refused, never a
		 * half change */
		if (settings_set(&r, "network.allowedDomains", j1, &e) < 0) {
			char *j3 = settings_to_json(r, false);

			if (!e || !j3 || strcmp(j2, j3) != 0)
				__builtin_trap();
			free(j3);
			srt_error_free(e);
		}
		settings_free(r);
		free(j1);
		free(j2);
	}
	settings_free(s);
	settings_free(c);
	return 0;
}
