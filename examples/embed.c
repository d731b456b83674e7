/* SPDX-License-Identifier: Apache-2.0 */
/* Embedding libsrt: run argv[1..] in a sandbox that may write only to the current directory
 * and reach only the hosts given in SRT_EXAMPLE_ALLOW (comma-free, one host), then list what
 * was refused. Build: cc embed.c $(pkg-config --cflags --libs srt) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <srt/srt.h>

static void on_violation(const srt_violation *v, void *userdata)
{
	(void)userdata;
	fprintf(stderr, "refused: %s %s (%s)\n", srt_violation_kind_name(v->kind), v->target,
		v->reason);
}

int main(int argc, char **argv)
{
	const char *allow = getenv("SRT_EXAMPLE_ALLOW") ? getenv("SRT_EXAMPLE_ALLOW") : "localhost";
	char json[512];
	srt_config *cfg = NULL;
	srt_manager *m = NULL;
	srt_child *ch = NULL;
	srt_error *e = NULL;
	int status = 125;

	if (argc < 2) {
		fprintf(stderr, "usage: %s command [args...]\n", argv[0]);
		return 2;
	}
	snprintf(json, sizeof(json),
		 "{\"network\":{\"allowedDomains\":[\"%s\"],\"deniedDomains\":[]},"
		 "\"filesystem\":{\"denyRead\":[],\"allowWrite\":[\".\"],\"denyWrite\":[]}}",
		 allow);
	if (srt_config_load_string(json, strlen(json), "embed.c", &cfg, &e) < 0 ||
	    srt_manager_new(cfg, &m, &e) < 0 ||
	    srt_manager_subscribe_violations(m, on_violation, NULL) < 0 ||
	    srt_manager_spawn(m, argv + 1, NULL, &ch, &e) < 0 ||
	    srt_child_wait(ch, &status, &e) < 0) {
		fprintf(stderr, "embed: %s\n", e ? srt_error_message(e) : "out of memory");
		status = 125;
	}
	fprintf(stderr, "embed: exit %d, %" PRIu64 " refused\n", status,
		srt_manager_violation_count(m));
	srt_error_free(e);
	srt_child_free(ch);
	srt_manager_free(m);
	srt_config_free(cfg);
	return status;
}
