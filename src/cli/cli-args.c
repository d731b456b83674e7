/* SPDX-License-Identifier: Apache-2.0 */
#include "cli-args.h"

#include <string.h>

const char cli_usage[] =
	"Usage: srt [options] [--] command [args...]\n"
	"       srt [options] -c 'shell command'\n"
	"\n"
	"Run a command in a sandbox with filesystem, network and system-call restrictions.\n"
	"\n"
	"Options:\n"
	"  -s, --settings PATH  settings file (default: ~/.srt-settings.json)\n"
	"  -d, --debug          print sandbox diagnostics on stderr (same as SRT_DEBUG=1)\n"
	"  -c COMMAND           run COMMAND with the user's shell ($SHELL, else /bin/sh)\n"
	"  --violations DEST    write each refused operation as a JSON line to DEST: a file\n"
	"                       (appended to, created 0600) or fd:N (an open descriptor)\n"
	"  -V, --version        print the version and exit\n"
	"  -h, --help           print this help and exit\n"
	"\n"
	"Options are read up to the first word that is not an option: in `srt ls -d /tmp`,\n"
	"-d is an argument of ls. Exit status: the command's, 128+N if it died of signal N;\n"
	"1 for usage or settings errors, 125 if the sandbox could not be set up, 126 if the\n"
	"command cannot be executed, 127 if it does not exist. See srt(1), srt-settings(5).\n";

int cli_parse(int argc, char **argv, struct cli_args *a, const char **ret_error,
	      const char **ret_error_arg)
{
	int i;

	*a = (struct cli_args){0};
	*ret_error = NULL;
	*ret_error_arg = NULL;
	for (i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (strcmp(s, "--") == 0) {
			i++;
			break;
		}
		if (s[0] != '-' || s[1] == '\0')
			break; /* first word of the command */
		if (strcmp(s, "-d") == 0 || strcmp(s, "--debug") == 0) {
			a->debug = true;
		} else if (strcmp(s, "-V") == 0 || strcmp(s, "--version") == 0) {
			a->version = true;
		} else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
			a->help = true;
		} else if (strcmp(s, "-s") == 0 || strcmp(s, "--settings") == 0) {
			if (i + 1 >= argc) {
				*ret_error = "option requires an argument";
				*ret_error_arg = s;
				return -1;
			}
			a->settings = argv[++i];
		} else if (strncmp(s, "--settings=", 11) == 0) {
			a->settings = s + 11;
		} else if (strcmp(s, "--violations") == 0) {
			if (i + 1 >= argc) {
				*ret_error = "option requires an argument";
				*ret_error_arg = s;
				return -1;
			}
			a->violations = argv[++i];
		} else if (strncmp(s, "--violations=", 13) == 0) {
			a->violations = s + 13;
		} else if (strcmp(s, "-c") == 0) {
			if (i + 1 >= argc) {
				*ret_error = "option requires an argument";
				*ret_error_arg = s;
				return -1;
			}
			a->command = argv[++i];
		} else {
			*ret_error = "unknown option";
			*ret_error_arg = s;
			return -1;
		}
	}
	if (a->settings && a->settings[0] == '\0') {
		*ret_error = "the settings path is empty";
		return -1;
	}
	if (a->violations && a->violations[0] == '\0') {
		*ret_error = "the --violations destination is empty";
		return -1;
	}
	a->argv = argv + i;
	if (a->command && a->argv[0]) {
		*ret_error = "-c takes the whole command as one string; unexpected argument";
		*ret_error_arg = a->argv[0];
		return -1;
	}
	return 0;
}
