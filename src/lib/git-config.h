/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: the include directives of a git configuration file, read as git 2.39 reads the file
 * (git-config(1), "CONFIGURATION FILE": Syntax, Includes), so that srt can protect every file
 * a protected configuration pulls in. A writable included file is as good as a writable
 * .git/config: core.hooksPath, core.fsmonitor, core.sshCommand there run code on the host.
 *
 * What counts as an include, conservatively (more than git honours, never less):
 *  - the variable "path" (any case) in a section named "include" or "includeIf" (any case),
 *    with or without a subsection, whatever the condition ("gitdir:", "onbranch:",
 *    "hasconfig:remote.*.url:", ...): srt cannot know where the host's git will run, so every
 *    target counts;
 *  - the old "[include.sub]" spelling as well.
 *
 * The syntax followed: comments ('#', ';') to the end of the line outside quotes; a "\r\n" is a
 * newline; a UTF-8 byte order mark at the start is skipped; "[section]", "[section.sub]" and
 * "[section "sub"]" headers (subsection escapes: a backslash keeps the next character), with
 * variables allowed on the rest of the header's line; names of letters, digits and '-';
 * "name" alone (boolean true, no path) or "name = value"; values with quotes, the escapes \" \\
 * \n \t \b, a backslash-newline continuation, leading and trailing blanks dropped outside
 * quotes. A line git rejects ("bad config line": git then refuses the whole file) is reported
 * with its number, and the reading goes on at the next line, so that every include a later
 * fix of that line could bring back into use is found; after a bad section header the
 * section is unknown and its "path" variables count as includes.
 *
 * Limits: GIT_CONFIG_MAX_SIZE bytes per file (-EFBIG above: the caller refuses to run),
 * GIT_CONFIG_MAX_INCLUDES include directives per file (-E2BIG above).
 */
#pragma once

#include <stddef.h>

#define GIT_CONFIG_MAX_SIZE (1024 * 1024)
#define GIT_CONFIG_MAX_INCLUDES 256
/* git stops (dies) at an include nested deeper than this (config.c MAX_INCLUDE_DEPTH). */
#define GIT_CONFIG_MAX_DEPTH 10

/* The include paths of a configuration file's content, in file order, each as the raw value
 * (a C string: git cuts it at a NUL byte). Empty values are left out (git includes nothing
 * useful with them). Returns 0 with *ret a NULL-terminated vector (NULL when there is none;
 * caller frees with strv_free()) and *ret_line 0, or the 1-based number of the first line git
 * rejects (the includes are then those of every other line); -EFBIG above
 * GIT_CONFIG_MAX_SIZE, -E2BIG above GIT_CONFIG_MAX_INCLUDES, -ENOMEM. */
int git_config_includes(const char *data, size_t len, char ***ret, unsigned *ret_line);

/* Where git looks for an include path `raw` found in the configuration file `config_path`
 * (absolute): "~" and "~/..." below `home`, an absolute path as is, a relative one below the
 * directory of `config_path`. Not normalised (a ".." after a symbolic link leaves the link's
 * target for the kernel and for git). Returns 0 with *ret (caller frees); -EINVAL when git
 * cannot use it either (no home, or config_path not absolute); -EOPNOTSUPP for "~user/...",
 * which the caller looks up (git_config_split_user()); -ENOMEM. */
int git_config_include_resolve(const char *raw, const char *home, const char *config_path,
			       char **ret);

/* For "~user" or "~user/rest": the user name (*ret_user) and the rest from its '/' on
 * ("" or "/rest", pointing into raw). -EINVAL when raw is not of that form. */
int git_config_split_user(const char *raw, char **ret_user, const char **ret_rest);
