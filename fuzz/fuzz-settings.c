/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the settings parser: any bytes must give either settings or an error,
 * never a crash, a leak or unbounded work. */
#include <stddef.h>
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
	settings_free(s);
	settings_free(c);
	return 0;
}
