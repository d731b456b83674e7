/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: the names that must never be writable from inside a sandbox wherever they appear in a
 * write root (shell start-up files, git hooks and config, editor and agent settings). One list
 * for both backends: the Linux walk (linux/mandatory-deny.c) looks for them, the macOS profile
 * generator (macos/seatbelt-profile.c) turns them into glob rules.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Files that a shell, git or an agent executes or trusts when they appear in a directory the
 * user works in. The reference's list plus the other shell start-up files (.zshenv, .zlogin,
 * .bash_login), which are just as much code as .bashrc. */
extern const char *const mandatory_dangerous_files[];
extern const size_t mandatory_n_dangerous_files;

/* Directories whose whole content is configuration that runs code. */
extern const char *const mandatory_dangerous_dirs[];
extern const size_t mandatory_n_dangerous_dirs;

/* Below ".claude": agent commands and agents (reference), and the settings files that can
 * disable the agent's own sandbox (CVE-2026-25725 class). */
struct mandatory_claude_child {
	const char *name;
	bool is_dir;
};
extern const struct mandatory_claude_child mandatory_claude_children[];
extern const size_t mandatory_n_claude_children;

/* Below ".git": "hooks" (a directory) always, "config" unless filesystem.allowGitConfig. */
#define MANDATORY_GIT_HOOKS "hooks"
#define MANDATORY_GIT_CONFIG "config"

bool mandatory_is_dangerous_file(const char *name);
bool mandatory_is_dangerous_dir(const char *name);
