/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench/fs-policy's scanner driver: runs srt's filesystem scan (src/lib/linux/fs-scan.c, from
 * the internal static library) once, exactly as srt does before a sandbox starts, and prints
 * one line: hits, entries, whether the cache answered, and the scan's own wall time.
 *
 *   srt-bench-fs-scan [--cache DIR [--drop-cache]] [--depth N] [--root DIR]... [--glob PAT]...
 *
 * --drop-cache removes DIR's scan-cache files first, so the scan is a first scan.
 * Exit status 0 on success, 1 when the scan fails, 2 on usage errors.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "linux/fs-scan.h"

#define MAX_ARGS 64

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void drop_cache(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (strncmp(de->d_name, "fscache-", 8) == 0)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
}

int main(int argc, char **argv)
{
	const char *roots[MAX_ARGS + 1] = {0};
	struct fs_scan_rule rules[MAX_ARGS];
	struct path_glob *globs[MAX_ARGS];
	struct fs_scan_opts o = {.mandatory = {.depth = 3}};
	struct fs_scan_result res = {0};
	size_t nr = 0, ng = 0, n_rule_hits = 0;
	bool drop = false;
	double t0, t1;
	int r;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--drop-cache") == 0) {
			drop = true;
			continue;
		}
		if (!v) {
			fprintf(stderr, "srt-bench-fs-scan: %s needs a value\n", a);
			return 2;
		}
		i++;
		if (strcmp(a, "--cache") == 0) {
			o.cache_dir = v;
		} else if (strcmp(a, "--depth") == 0) {
			o.mandatory.depth = atoi(v);
		} else if (strcmp(a, "--root") == 0 && nr < MAX_ARGS) {
			roots[nr++] = v;
		} else if (strcmp(a, "--glob") == 0 && ng < MAX_ARGS) {
			const char *why = NULL;
			if (path_glob_compile(v, &globs[ng], &why) < 0) {
				fprintf(stderr, "srt-bench-fs-scan: %s: %s\n", v, why ? why : "invalid");
				return 2;
			}
			rules[ng] = (struct fs_scan_rule){.glob = globs[ng], .pattern = v};
			ng++;
		} else {
			fprintf(stderr, "srt-bench-fs-scan: unknown argument %s\n", a);
			return 2;
		}
	}
	o.mandatory_roots = nr ? roots : NULL;
	o.rules = rules;
	o.n_rules = ng;
	if (drop && o.cache_dir)
		drop_cache(o.cache_dir);

	t0 = now_ms();
	r = fs_scan(&o, &res);
	t1 = now_ms();
	if (r < 0) {
		fprintf(stderr, "srt-bench-fs-scan: scan failed at %s: %s\n",
			res.failed_at ? res.failed_at : "?", strerror(-r));
		return 1;
	}
	for (size_t i = 0; i < res.n_hits; i++)
		n_rule_hits += res.hits[i].kind == FS_HIT_RULE;
	printf("hits %zu rule-hits %zu entries %ld watched %zu from-cache %d stored %d ms %.3f\n",
	       res.n_hits, n_rule_hits, res.entries, res.n_watched, res.from_cache ? 1 : 0,
	       !res.from_cache && res.cacheable ? 1 : 0, t1 - t0);
	fs_scan_result_free(&res);
	for (size_t i = 0; i < ng; i++)
		path_glob_free(globs[i]);
	return 0;
}
