/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Placeholders: a protected path that does not exist yet (".git/hooks" in a fresh directory,
 * "~/.bashrc" when the user has none) cannot be created from inside the sandbox only if a
 * read-only mount sits on it, and a mount needs a mount point on the host. srt creates an
 * empty file or directory there before the sandbox starts and removes it afterwards.
 *
 * Every placeholder is first written to a journal in the per-user state directory. Every run
 * read-locks a slot per protected path its sandbox mounts (placeholders_use()), for as long as
 * the sandbox lives. A placeholder is removed when its run ends, unless another sandbox still
 * mounts it; then, or after a crash or SIGKILL, a later run removes it once nobody uses it.
 * A placeholder is removed only if it is still the same inode and still empty (or, for a
 * git commondir placeholder, still holds exactly what srt wrote).
 */
#pragma once

#include "error.h"
#include "mount-plan.h"

struct placeholders;

/* Opens the state directory `state_dir` (see state_dir_ensure()) and removes what runs that
 * are gone left behind and nobody uses. */
int placeholders_open(const char *state_dir, struct placeholders **ret, srt_error **reterr);

/* The one content a file placeholder may have besides none: a git "commondir" that names the
 * git directory it is in, which git treats exactly like a missing commondir (an empty one
 * makes git die). */
#define PLACEHOLDER_COMMONDIR_SELF ".\n"

/* Creates `path` (and any missing parent directories) as an empty directory (NODE_DIR) or a
 * file (NODE_OTHER), journaled first. `content` is NULL (an empty file) or
 * PLACEHOLDER_COMMONDIR_SELF; a file with content appears with it in place (linked from an
 * unnamed temporary file where the file system can). Returns 0, or 1 when this uid may not
 * create it (EACCES/EPERM/EROFS: the sandbox, same uid and no capabilities, cannot either, so
 * nothing needs protecting), or -errno. */
int placeholders_create(struct placeholders *ph, const char *path, enum node_type type,
			const char *content, srt_error **reterr);

/* Marks `path` (protected, mounted by this run's sandbox) as in use until
 * placeholders_close(): no other run removes a placeholder there meanwhile. The caller must
 * check the path's existence after this call. */
int placeholders_use(struct placeholders *ph, const char *path);

/* Removes this run's placeholders that no other sandbox mounts, finishes the work of dead
 * runs, releases every lock. NULL is fine. Returns NULL. */
struct placeholders *placeholders_close(struct placeholders *ph);

/* The per-user state directory: /tmp/srt-UID (created 0700, must be owned by us). */
int state_dir_ensure(char **ret_path, srt_error **reterr);
