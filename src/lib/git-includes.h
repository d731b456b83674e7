/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OS (reads files; POSIX only, both platforms): which git configuration files srt protects
 * outside repositories, and the files they include, followed as git does (git-config.h parses
 * one file). Each backend protects every target: the Linux backend as a mount rule or a
 * placeholder (linux/backend-linux.c, against its mount plan), the macOS backend as a literal
 * deny-write path in the Seatbelt profile (macos/seatbelt-prepare.c). See
 * docs/threat-model.md, "Configuration".
 */
#pragma once

#include "error.h"

/* Most configuration files read for includes in one spawn (each by each name it is read by). */
#define GIT_INCLUDE_MAX_FILES 1024

/* git's own configuration files outside repositories, in this order: ~/.gitconfig,
 * ~/.config/git/config, $XDG_CONFIG_HOME/git/config (absolute only), /etc/gitconfig, then
 * the files $GIT_CONFIG_GLOBAL and $GIT_CONFIG_SYSTEM name (made absolute against home and
 * cwd; not below /dev or /proc). The XDG files and the $GIT_CONFIG_* ones are also returned in
 * *ret_named: those must never be writable themselves (~/.gitconfig is a protected name). The variables are srt's own (the host's git runs with them). home may
 * be NULL (then no per-user file). */
int git_config_files(const char *home, const char *cwd, char ***ret_configs, char ***ret_named);

/* Called for every include target `path` (absolute, as git will open it) of the configuration
 * `config`; pushes to *next what is to be read in turn (an existing regular file, by the name
 * git opens it by). 0 or -errno (the walk stops; set *reterr). */
typedef int (*git_include_fn)(void *ud, const char *path, const char *config, char ***next);
/* A configuration with a line git rejects (git refuses the whole file; srt still protects
 * what its other lines include). */
typedef void (*git_include_warn_fn)(void *ud, const char *config, unsigned line);

/* Follows the includes of `configs`, level by level, as deep as git does, calling fn for each
 * target. A configuration larger than GIT_CONFIG_MAX_SIZE or with more than
 * GIT_CONFIG_MAX_INCLUDES includes, more than GIT_INCLUDE_MAX_FILES files, or an include
 * chain deeper than git's limit refuses the run (with *reterr): srt would not know what to
 * protect. warn may be NULL. */
int git_includes_follow(char *const *configs, const char *home, git_include_fn fn,
			git_include_warn_fn warn, void *ud, srt_error **reterr);

/* Every include target of `configs` (followed as above), canonical where it exists (symbolic
 * links resolved; the longest existing prefix otherwise), each once: the literal paths the
 * macOS profile denies writing. Targets below /dev and /proc are left out. */
int git_include_targets(char *const *configs, const char *home, char ***ret,
			srt_error **reterr);
