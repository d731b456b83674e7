/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the report lines of srt-report.so (file-report.c). Whatever the bytes:
 * no crash or leak; a parsed report has an absolute, normalised path (normalising it again
 * changes nothing) without NUL or "/./", "/../", "//" pieces, a known errno, and a second
 * path exactly for rename and link; the classifier, run against a small fixed plan, returns 0
 * or a file violation kind and then names one of the report's paths.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "file-report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_path(const char *p)
{
	char copy[FILE_REPORT_PATH_MAX + 1];
	size_t n = strlen(p);

	if (p[0] != '/' || n > FILE_REPORT_PATH_MAX || strstr(p, "//") || strstr(p, "/./") ||
	    strstr(p, "/../") || (n > 1 && p[n - 1] == '/'))
		__builtin_trap();
	if ((n >= 2 && strcmp(p + n - 2, "/.") == 0) || (n >= 3 && strcmp(p + n - 3, "/..") == 0))
		__builtin_trap();
	memcpy(copy, p, n + 1);
	if (file_path_normalise(copy) < 0 || strcmp(copy, p) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mount_plan plan;
	static const char *const skip[] = {"/tmp/srt-0", "/dev", "/proc", NULL};
	static struct file_report r;
	const char *path = NULL;
	char reason[128];
	int k;

	if (!plan.n) {
		plan_add(&plan, "/w", RULE_ALLOW_WRITE, NODE_DIR, "allowWrite");
		plan_add(&plan, "/w/ro", RULE_DENY_WRITE, NODE_DIR, "denyWrite");
		plan_add(&plan, "/w/h", RULE_DENY_READ, NODE_DIR, "denyRead");
		plan_add(&plan, "/h", RULE_DENY_READ, NODE_DIR, "denyRead");
		plan_add(&plan, "/h/r", RULE_ALLOW_READ, NODE_DIR, "allowRead");
	}
	if (file_report_parse((const char *)data, size, &r) < 0)
		return 0;
	if (size > FILE_REPORT_LINE_MAX || !r.op_name ||
	    (r.err != EACCES && r.err != EPERM && r.err != EROFS))
		__builtin_trap();
	check_path(r.path);
	if (r.has_path2 != (r.op == FOP_RENAME || r.op == FOP_LINK))
		__builtin_trap();
	if (r.has_path2)
		check_path(r.path2);
	k = file_report_classify(&r, &plan, skip, &path, reason, sizeof(reason));
	if (k != 0 && k != SRT_VIOLATION_FILE_READ && k != SRT_VIOLATION_FILE_WRITE)
		__builtin_trap();
	if (k && (!path || (path != r.path && path != r.path2) || !reason[0]))
		__builtin_trap();
	if (k == SRT_VIOLATION_FILE_READ && r.write)
		__builtin_trap();
	return 0;
}
