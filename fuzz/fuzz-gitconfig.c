/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the git configuration include extractor (git-config.c). Whatever the
 * bytes: no crash or leak; -EFBIG exactly above the size limit; on an error nothing is
 * returned; a line git rejects is one within the input; every include path is a
 * non-empty C string no longer than the input, at most GIT_CONFIG_MAX_INCLUDES of them, and
 * each resolves to an absolute path against an absolute configuration file.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "git-config.h"
#include "shared/strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char **v = (char **)1;
	unsigned line = 12345;
	size_t lines = 1, n;
	int r;

	r = git_config_includes((const char *)data, size, &v, &line);
	if (r == -ENOMEM)
		return 0;
	if ((size > GIT_CONFIG_MAX_SIZE) != (r == -EFBIG))
		__builtin_trap();
	if (r < 0) {
		if (v || (r != -EFBIG && r != -E2BIG))
			__builtin_trap();
		return 0;
	}
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (line > lines + 1)
		__builtin_trap();
	n = strv_length(v);
	if (n > GIT_CONFIG_MAX_INCLUDES)
		__builtin_trap();
	for (size_t i = 0; i < n; i++) {
		char *p = NULL;

		if (!v[i][0] || strlen(v[i]) > size)
			__builtin_trap();
		r = git_config_include_resolve(v[i], "/home/u", "/repo/.git/config", &p);
		if (r == 0 && p[0] != '/')
			__builtin_trap();
		if (r < 0 && r != -ENOMEM && r != -EOPNOTSUPP)
			__builtin_trap();
		free(p);
	}
	strv_free(v);
	return 0;
}
