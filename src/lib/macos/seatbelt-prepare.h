/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Portable (POSIX; reads git configurations and resolves paths, no Apple interface): what the
 * macOS backend makes of what the manager prepared (backend.h: struct backend_spawn) before it
 * runs sandbox-exec: the Seatbelt profile. Built and unit-tested on Linux
 * (tests/unit/test-backend.c); macos/seatbelt-exec.c, macOS only, calls it.
 *
 * The profile's input: the command's filesystem rules (seatbelt_rules_from_settings(); the
 * network and terminal keys always the manager's, as on Linux), the manager's settings files
 * when a per-command configuration is in use, the files named by
 * $GIT_CONFIG_GLOBAL / $GIT_CONFIG_SYSTEM, and every file the protected git configurations
 * include (git-includes.h: git's own files and the repository of the working directory), all
 * as literal deny-write paths.
 */
#pragma once

#include <stdint.h>

#include "backend.h"
#include "macos/seatbelt-profile.h"

/* The git configuration of the repository the working directory is in (the nearest
 * ancestor with a ".git" directory: its "config" and "config.worktree"), appended to *configs.
 * A ".git" file (linked worktree, submodule) is not followed yet. */
int seatbelt_repo_configs(const char *cwd, char ***configs);

/* The profile for one command. canonical as for seatbelt_rules_from_settings() (NULL: paths
 * taken as they are, for tests); the proxy's loopback ports (0: no network); the tag's
 * session and child. 0 with *ret_profile, or -errno with *reterr (the generator's reason for
 * a rule it cannot express: SRT_E_CONFIG). */
int seatbelt_prepare(const struct backend_spawn *s, seatbelt_canonical_fn canonical,
		     uint16_t http_port, uint16_t socks_port, uint64_t session, uint64_t child,
		     char **ret_profile, srt_error **reterr);
