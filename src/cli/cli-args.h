/* SPDX-License-Identifier: Apache-2.0 */
/* Command-line parsing for srt (testable apart from main). */
#pragma once

#include <stdbool.h>

struct cli_args {
	const char *settings; /* -s/--settings, NULL for the default */
	bool debug;           /* -d/--debug */
	const char *command;  /* -c STRING */
	const char *violations; /* --violations FILE or fd:N, NULL for none */
	bool version;         /* -V/--version */
	bool help;            /* -h/--help */
	char **argv;          /* the command (points into the caller's argv), may be empty */
};

/* Parses options up to the first word that is not an option (so `srt ls -d` passes -d to ls)
 * or "--". Returns 0, or -1 with a message in *ret_error (static or owned by argv). */
int cli_parse(int argc, char **argv, struct cli_args *ret, const char **ret_error,
	      const char **ret_error_arg);

extern const char cli_usage[];
