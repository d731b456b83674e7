/* SPDX-License-Identifier: Apache-2.0 */
#include "mandatory-names.h"

#include <string.h>

#include "shared/macro.h"

const char *const mandatory_dangerous_files[] = {
    ".gitconfig", ".gitmodules", ".bashrc", ".bash_profile", ".bash_login", ".zshrc",
    ".zprofile",  ".zshenv",	 ".zlogin", ".profile",	     ".ripgreprc",  ".mcp.json",
};
const size_t mandatory_n_dangerous_files = ELEMENTSOF(mandatory_dangerous_files);

const char *const mandatory_dangerous_dirs[] = {".vscode", ".idea"};
const size_t mandatory_n_dangerous_dirs = ELEMENTSOF(mandatory_dangerous_dirs);

const struct mandatory_claude_child mandatory_claude_children[] = {
    {"commands", true},
    {"agents", true},
    {"settings.json", false},
    {"settings.local.json", false},
};
const size_t mandatory_n_claude_children = ELEMENTSOF(mandatory_claude_children);

bool mandatory_is_dangerous_file(const char *name)
{
	for (size_t i = 0; i < mandatory_n_dangerous_files; i++)
		if (strcmp(name, mandatory_dangerous_files[i]) == 0)
			return true;
	return false;
}

bool mandatory_is_dangerous_dir(const char *name)
{
	for (size_t i = 0; i < mandatory_n_dangerous_dirs; i++)
		if (strcmp(name, mandatory_dangerous_dirs[i]) == 0)
			return true;
	return false;
}
