/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Placeholders: a protected path that does not exist yet (".git/hooks" in a fresh directory,
 * "~/.bashrc" when the user has none) cannot be created from inside the sandbox only if a
 * read-only mount sits on it, and a mount needs a mount point on the host. srt creates an
 * empty file or directory there before the sandbox starts and removes it afterwards.
 *
 * Every placeholder is first written to a journal in the per-user state directory. All srt
 * runs of a user hold a shared lock while their sandbox lives; placeholders are removed only
 * under the exclusive lock (no sandbox of this user running, so no sandbox relies on them), by
 * the run that finishes last or by the next run after a crash or SIGKILL. A placeholder is
 * removed only if it is still the same inode and still empty.
 */
#pragma once

#include "error.h"
#include "mount-plan.h"

struct placeholders;

/* Opens (creating 0700 if needed) the state directory `state_dir`, takes the shared lock and
 * removes leftovers of earlier runs when no other run is active. */
int placeholders_open(const char *state_dir, struct placeholders **ret, srt_error **reterr);

/* Creates `path` (and any missing parent directories) as an empty directory (NODE_DIR) or an
 * empty file (NODE_OTHER), journaled first. Returns 0, or 1 when this uid may not create it
 * (EACCES/EPERM/EROFS: the sandbox, same uid and no capabilities, cannot either, so nothing
 * needs protecting), or -errno. */
int placeholders_create(struct placeholders *ph, const char *path, enum node_type type,
			srt_error **reterr);

/* Number of placeholders this run created. */
size_t placeholders_count(const struct placeholders *ph);

/* Drops the shared lock and, when this is the last active run, removes every journaled
 * placeholder. NULL is fine. Returns NULL. */
struct placeholders *placeholders_close(struct placeholders *ph);

/* The per-user state directory: /tmp/srt-UID (created 0700, must be owned by us). */
int state_dir_ensure(char **ret_path, srt_error **reterr);
