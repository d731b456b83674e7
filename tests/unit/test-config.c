/* SPDX-License-Identifier: Apache-2.0 */
/* srt_config beyond loading: back to JSON (a round trip keeps every value) and replacing one
 * key with validation (nothing changes on error). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srt/srt.h"
#include "tap.h"

static char *json_of(const srt_config *c)
{
	char *j = NULL;

	return srt_config_to_json(c, &j) == 0 ? j : NULL;
}

int main(void)
{
	char path[512], *j1 = NULL, *j2 = NULL;
	const char *data = getenv("SRT_TEST_DATA");
	srt_config *c = NULL, *c2 = NULL;
	srt_error *e = NULL;

	plan_no_plan();
	snprintf(path, sizeof(path), "%s/valid-full.json", data ? data : ".");
	is_int(srt_config_load_file(path, &c, &e), 0, "load valid-full.json");
	if (!c)
		return tap_exit();
	j1 = json_of(c);
	ok(j1 != NULL, "to JSON");
	ok(j1 && srt_config_load_string(j1, strlen(j1), "round trip", &c2, NULL) == 0,
	   "the JSON loads as settings");
	j2 = c2 ? json_of(c2) : NULL;
	ok(j1 && j2 && strcmp(j1, j2) == 0, "and gives the same JSON again");
	like_str(j1 ? j1 : "", "\"registry.npmjs.org:443\"", "lists are there");
	like_str(j1 ? j1 : "", "\"httpProxyPort\": 3128", "ports are there");
	like_str(j1 ? j1 : "", "\"npm test\": [", "ignoreViolations is there");
	ok(j1 && !strstr(j1, "ripgrep"), "the ignored ripgrep key is left out");
	free(j2);
	j2 = NULL;

	is_int(srt_config_set(c, "network.allowedDomains", "[\"example.org\", \"*.example.net\"]",
			      &e),
	       0, "set network.allowedDomains");
	j2 = json_of(c);
	like_str(j2 ? j2 : "", "\"allowedDomains\": [\n      \"example.org\",\n      \"*.example.net\"",
		 "the new list is in place");
	free(j2);
	is_int(srt_config_set(c, "allowPty", "true", NULL), 0, "set a top-level boolean");
	free(j1);
	j1 = json_of(c);
	{
		int r = srt_config_set(c, "network.allowedDomains", "[\"*.com\"]", &e);

		ok(r < 0 && srt_error_code(e) == SRT_E_CONFIG && strstr(srt_error_message(e), "*.com"),
		   "an invalid entry is refused with a message (%s)", e ? srt_error_message(e) : "");
	}
	e = srt_error_free(e);
	ok(srt_config_set(c, "network.allowedDomain", "[]", &e) < 0 && e, "an unknown key is refused");
	e = srt_error_free(e);
	ok(srt_config_set(c, "nope.allowedDomains", "[]", &e) < 0 && e,
	   "an unknown object is refused");
	e = srt_error_free(e);
	ok(srt_config_set(c, "allowPty", "\"yes\"", &e) < 0 && e, "a wrong type is refused");
	e = srt_error_free(e);
	ok(srt_config_set(c, "allowPty", "tru", &e) < 0 && e, "text that is not JSON is refused");
	e = srt_error_free(e);
	j2 = json_of(c);
	ok(j1 && j2 && strcmp(j1, j2) == 0, "after every refusal the config is unchanged");
	ok(strcmp(srt_config_source(c), path) == 0, "the source file is kept");
	free(j1);
	free(j2);
	srt_config_free(c);
	srt_config_free(c2);
	return tap_exit();
}
