/* SPDX-License-Identifier: Apache-2.0 */
/* Finding bubblewrap, learning which options it has, and checking that user namespaces work. */
#pragma once

#include <stdbool.h>

#include "error.h"
#include "shared/fs-util.h" /* find_executable() */

struct bwrap_info {
	char *path;
	bool setuid;          /* installed setuid root (then userns checks differ) */
	bool disable_userns;  /* --disable-userns (0.8.0) */
	bool size;            /* --size (0.7.0) */
	bool perms;           /* --perms (0.5.0) */
	bool ro_bind_data;
	bool json_status_fd;
	bool remount_ro;
	bool cap_drop;
	bool args;
};

/* Finds bwrap (explicit path, else "bwrap" in `path_env`, else a default PATH) and reads its
 * option table from the binary itself (no exec, so it costs no process start). Refuses a bwrap
 * that lacks an option srt needs, naming it. */
int bwrap_probe(const char *explicit_path, const char *path_env, struct bwrap_info *ret,
		srt_error **reterr);
void bwrap_info_done(struct bwrap_info *i);

/* Reads the sysctls that can disable unprivileged user namespaces and explains how to fix
 * each (fail closed before bwrap prints something cryptic). */
int userns_check(const struct bwrap_info *bw, srt_error **reterr);
