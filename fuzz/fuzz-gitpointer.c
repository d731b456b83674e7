/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the git pointer parsers (git-pointer.c): a ".git" file and a
 * "commondir" file. Whatever the bytes: no crash or leak; a parsed path is a C string never
 * longer than the input; -EFBIG exactly above the size limit, -EINVAL for the other
 * refusals; joining the path to a base gives an absolute path.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "git-pointer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int r, char *p, size_t size)
{
	char *j;

	if (r == -ENOMEM)
		return;
	if ((size > GIT_POINTER_MAX_SIZE) != (r == -EFBIG))
		__builtin_trap();
	if (r < 0) {
		if (p || (r != -EINVAL && r != -EFBIG))
			__builtin_trap();
		return;
	}
	if (!p || strlen(p) > size)
		__builtin_trap();
	j = git_pointer_join("/base/dir", p);
	if (j && j[0] != '/')
		__builtin_trap();
	free(j);
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p = NULL;
	int r;

	r = git_parse_gitfile((const char *)data, size, &p);
	check(r, p, size);
	p = NULL;
	r = git_parse_commondir((const char *)data, size, &p);
	check(r, p, size);
	return 0;
}
