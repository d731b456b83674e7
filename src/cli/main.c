/* SPDX-License-Identifier: Apache-2.0 */
/*
 * srt: the command-line client of libsrt. It uses only <srt/srt.h>. It never writes to stdout
 * (stdin/stdout/stderr belong to the sandboxed command, e.g. a stdio MCP server); diagnostics
 * go to stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cli-args.h"
#include "srt/srt.h"

/* Exit codes of srt's own failures (documented in srt(1)). */
#define EXIT_USAGE 1
#define EXIT_SETUP 125
#define EXIT_NOEXEC 126
#define EXIT_NOTFOUND 127

static const char *level_name(srt_log_level l)
{
	switch (l) {
	case SRT_LOG_ERROR:
		return "error";
	case SRT_LOG_WARNING:
		return "warning";
	default:
		return "info";
	}
}

static void log_cb(srt_log_level level, const char *msg, void *userdata)
{
	bool debug = *(bool *)userdata;

	if (level >= SRT_LOG_INFO) {
		if (debug)
			fprintf(stderr, "[SandboxDebug] %s\n", msg);
		return;
	}
	fprintf(stderr, "srt: %s: %s\n", level_name(level), msg);
}

struct vsink {
	int fd;     /* --violations destination, or -1 */
	bool debug; /* also show each on stderr */
};

/* Called on the thread that records the violation (srt's proxy thread): one write() per
 * line, so lines never interleave. The text is escaped by libsrt. */
static void violation_cb(const srt_violation *v, void *userdata)
{
	struct vsink *sink = userdata;
	char *json = NULL;

	if (sink->debug)
		fprintf(stderr, "[SandboxDebug] violation: %s %s (%s: %s)\n",
			srt_violation_kind_name(v->kind), v->target, v->operation, v->reason);
	if (sink->fd >= 0 && srt_violation_to_json(v, &json) == 0) {
		size_t n = strlen(json);

		json[n] = '\n'; /* replaces the NUL: written by length */
		if (write(sink->fd, json, n + 1) < 0) {
			/* a full disk or a closed pipe must not stop the command */
		}
		free(json);
	}
}

/* --violations DEST: "fd:N" (an open descriptor), else a file appended to (created 0600). */
static int open_violations(const char *dest)
{
	int fd;

	if (strncmp(dest, "fd:", 3) == 0) {
		char *end;
		long n = strtol(dest + 3, &end, 10);

		if (end == dest + 3 || *end || n < 0 || n > 1 << 20 ||
		    fcntl((int)n, F_GETFL) < 0) {
			fprintf(stderr, "srt: --violations %s: not an open descriptor\n", dest);
			return -1;
		}
		if (n == STDOUT_FILENO) {
			fprintf(stderr, "srt: --violations fd:1: stdout belongs to the command\n");
			return -1;
		}
		(void)fcntl((int)n, F_SETFD, FD_CLOEXEC);
		return (int)n;
	}
	fd = open(dest, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		fprintf(stderr, "srt: --violations %s: %s\n", dest, strerror(errno));
	return fd;
}

static int fail_error(srt_error *e, const char *what)
{
	srt_code c = srt_error_code(e);
	int code;

	fprintf(stderr, "srt: %s%s%s\n", what ? what : "", what ? ": " : "",
		srt_error_message(e));
	switch (c) {
	case SRT_E_CONFIG:
	case SRT_E_INVALID_ARGUMENT:
		code = EXIT_USAGE;
		break;
	case SRT_E_COMMAND_NOT_FOUND:
		code = EXIT_NOTFOUND;
		break;
	case SRT_E_COMMAND_NOT_EXECUTABLE:
		code = EXIT_NOEXEC;
		break;
	default:
		code = EXIT_SETUP;
		break;
	}
	srt_error_free(e);
	return code;
}

/* Loads --settings, or the default file, or the embedded default when the default file does
 * not exist. Every other problem refuses to run: dropping the user's rules silently would run
 * the command with less isolation than asked (reference bug S12). */
static int load_settings(const char *explicit_path, srt_config **ret, bool debug)
{
	srt_error *e = NULL;
	char *def = NULL;
	const char *home = getenv("HOME");
	int r;

	if (home && home[0] == '/' && asprintf(&def, "%s/.srt-settings.json", home) < 0)
		def = NULL;

	if (explicit_path) {
		r = srt_config_load_file(explicit_path, ret, &e);
		if (r < 0) {
			fprintf(stderr, "srt: error: %s\n", srt_error_message(e));
			fprintf(stderr, "srt: refusing to run without the rules of '%s'.\n",
				explicit_path);
			srt_error_free(e);
			free(def);
			return -1;
		}
	} else {
		struct stat st;
		int sr = def ? stat(def, &st) : -1;

		if (!def || (sr < 0 && errno == ENOENT) ||
		    (sr == 0 && S_ISREG(st.st_mode) && st.st_size == 0)) {
			/* No default file (or the empty mount point srt itself puts there while
			 * another sandbox runs): the embedded default holds no rule to drop. */
			if (debug)
				fprintf(stderr, "[SandboxDebug] no settings file at %s; using the "
						"embedded default (no network, writes only to the "
						"default write paths)\n",
					def ? def : "~/.srt-settings.json");
			r = srt_config_new_default(ret);
		} else {
			r = srt_config_load_file(def, ret, &e);
			if (r < 0) {
				fprintf(stderr, "srt: error: %s\n", srt_error_message(e));
				fprintf(stderr, "srt: refusing to run without the rules of '%s'. "
						"Fix the file, or pass --settings.\n",
					def);
				srt_error_free(e);
				free(def);
				return -1;
			}
		}
		if (r < 0) {
			free(def);
			return -1;
		}
	}

	/* The sandbox must never rewrite its own settings (config-based escape). */
	if (explicit_path) {
		char *abs = realpath(explicit_path, NULL);
		r = srt_config_protect_path(*ret, abs ? abs : explicit_path);
		free(abs);
		if (r < 0)
			goto oom;
	}
	if (def && srt_config_protect_path(*ret, def) < 0)
		goto oom;
	free(def);
	return 0;
oom:
	free(def);
	fprintf(stderr, "srt: out of memory\n");
	return -1;
}

static char *user_shell(void)
{
	const char *s = getenv("SHELL");

	if (s && s[0] == '/' && access(s, X_OK) == 0)
		return strdup(s);
	return strdup("/bin/sh");
}

static bool child_exited(srt_child *ch)
{
	siginfo_t info = {0};
	return waitid(P_PID, (id_t)srt_child_pid(ch), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	       info.si_pid != 0;
}

static bool write_all_fd(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/* Waits for the sandbox while forwarding signals and, in pty mode, relaying bytes between the
 * caller's terminal and the command's pty until the pty closes. */
static void relay(srt_child *ch, int sfd, bool use_pty, bool debug)
{
	int master = use_pty ? srt_child_pty_fd(ch) : -1;
	bool in_open = use_pty, out_open = use_pty, exited = false;
	char buf[16384];

	for (;;) {
		struct pollfd p[3];
		int n = 0, i_sig, i_in = -1, i_out = -1, rc;

		if (!exited && child_exited(ch))
			exited = true;
		if (exited && !out_open)
			return;
		p[n] = (struct pollfd){.fd = sfd, .events = POLLIN};
		i_sig = n++;
		if (in_open && !exited) {
			p[n] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
			i_in = n++;
		}
		if (out_open) {
			p[n] = (struct pollfd){.fd = master, .events = POLLIN};
			i_out = n++;
		}
		/* After the exit only drain what the pty still holds. */
		rc = poll(p, (nfds_t)n, exited ? 200 : -1);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0) {
			if (exited)
				return;
			continue;
		}
		if (p[i_sig].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si) &&
			    si.ssi_signo != SIGCHLD) {
				if (use_pty && si.ssi_signo == SIGWINCH) {
					(void)srt_child_resize(ch, STDIN_FILENO);
				} else {
					if (debug)
						fprintf(stderr,
							"[SandboxDebug] forwarding signal %u to the "
							"sandbox\r\n",
							si.ssi_signo);
					(void)srt_child_kill(ch, (int)si.ssi_signo);
				}
			}
		}
		if (i_out >= 0 && (p[i_out].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t k = read(master, buf, sizeof(buf));
			if (k > 0) {
				if (!write_all_fd(STDOUT_FILENO, buf, (size_t)k))
					out_open = false;
			} else if (k == 0 || (k < 0 && errno != EINTR && errno != EAGAIN)) {
				out_open = false; /* EIO: nothing holds the pty any more */
			}
		}
		if (i_in >= 0 && (p[i_in].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t k = read(STDIN_FILENO, buf, sizeof(buf));
			if (k > 0)
				(void)write_all_fd(master, buf, (size_t)k);
			else if (k == 0 || (k < 0 && errno != EINTR && errno != EAGAIN))
				in_open = false;
		}
	}
}

int main(int argc, char **argv)
{
	struct cli_args a;
	const char *err, *err_arg;
	srt_config *cfg = NULL;
	srt_manager *m = NULL;
	srt_spawn_opts *opts = NULL;
	srt_child *ch = NULL;
	srt_error *e = NULL;
	char *shell = NULL;
	char **cmd;
	char *cmd_c[4], dash_c[] = "-c", *command_copy = NULL;
	bool debug;
	sigset_t mask, old;
	int sfd = -1, status = 0, code;
	struct termios tio;
	bool have_tio, use_pty, raw_mode = false;
	struct vsink sink = {.fd = -1};
	int sub = 0;

	if (cli_parse(argc, argv, &a, &err, &err_arg) < 0) {
		fprintf(stderr, "srt: %s%s%s\n%s", err, err_arg ? ": " : "", err_arg ? err_arg : "",
			cli_usage);
		return EXIT_USAGE;
	}
	if (a.help) {
		fputs(cli_usage, stdout);
		return 0;
	}
	if (a.version) {
		printf("%s\n", srt_version());
		return 0;
	}
	debug = a.debug || (getenv("SRT_DEBUG") && getenv("SRT_DEBUG")[0]);

	if (a.command) {
		if (!a.command[0]) {
			fprintf(stderr, "Error: No command specified. Use -c <command> or provide "
					"command arguments.\n");
			return EXIT_USAGE;
		}
		shell = user_shell();
		if (!shell)
			return EXIT_SETUP;
		cmd_c[0] = shell;
		cmd_c[1] = dash_c;
		cmd_c[2] = command_copy = strdup(a.command);
		if (!command_copy) {
			free(shell);
			return EXIT_SETUP;
		}
		cmd_c[3] = NULL;
		cmd = cmd_c;
		if (debug)
			fprintf(stderr, "[SandboxDebug] Command string mode (-c): %s -c %s\n", shell,
				a.command);
	} else if (a.argv[0]) {
		cmd = a.argv;
		if (debug) {
			fprintf(stderr, "[SandboxDebug] Original command:");
			for (size_t i = 0; cmd[i]; i++)
				fprintf(stderr, " %s", cmd[i]);
			fputc('\n', stderr);
		}
	} else {
		fprintf(stderr,
			"Error: No command specified. Use -c <command> or provide command "
			"arguments.\n");
		return EXIT_USAGE;
	}

	if (load_settings(a.settings, &cfg, debug) < 0) {
		free(shell);
		return EXIT_USAGE;
	}
	if (a.violations) {
		sink.fd = open_violations(a.violations);
		if (sink.fd < 0) {
			code = EXIT_USAGE;
			goto out;
		}
		if (strncmp(a.violations, "fd:", 3) != 0) {
			/* the record must not be writable from inside the sandbox */
			char *abs = realpath(a.violations, NULL);

			if (!abs || srt_config_protect_path(cfg, abs) < 0) {
				free(abs);
				fprintf(stderr, "srt: --violations %s: cannot protect it\n",
					a.violations);
				code = EXIT_SETUP;
				goto out;
			}
			free(abs);
		}
	}
	sink.debug = debug;
	if (srt_manager_new(cfg, &m, &e) < 0) {
		code = fail_error(e, NULL);
		goto out;
	}
	srt_manager_set_log_fn(m, log_cb, &debug);
	if (sink.fd >= 0 || debug) {
		/* someone reads them: refused system calls too (an observer costs a little start-up
		 * time, so plain runs go without) */
		(void)srt_manager_set_observe_syscalls(m, true);
		(void)srt_manager_set_observe_files(m, true);
		sub = srt_manager_subscribe_violations(m, violation_cb, &sink);
		if (sub < 0) {
			code = EXIT_SETUP;
			goto out;
		}
	}
	opts = srt_spawn_opts_new();
	if (!opts) {
		code = EXIT_SETUP;
		goto out;
	}
	{
		/* The proxy holds two descriptors per open connection: let srt use what the hard
		 * limit allows, and give the command the limit it would have had without srt. */
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rlim_t orig = rl.rlim_cur;

			rl.rlim_cur = rl.rlim_max;
			if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
				(void)srt_spawn_opts_set_fd_limit(opts, (unsigned long)orig);
		}
	}

	/* Signals that srt forwards are taken through a signalfd, so none is lost between the
	 * spawn and the wait. SIGCHLD tells when the sandbox is done. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, "srt: signalfd: %s\n", strerror(errno));
		code = EXIT_SETUP;
		goto out;
	}

	have_tio = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &tio) == 0;
	/* Interactive use (both ends a terminal): the command gets a pty of its own, the
	 * caller's terminal stays outside the sandbox, srt relays the bytes. */
	use_pty = have_tio && isatty(STDOUT_FILENO);
	if (use_pty && srt_spawn_opts_set_pty(opts, STDIN_FILENO) < 0)
		use_pty = false;

	if (srt_manager_spawn(m, cmd, opts, &ch, &e) < 0) {
		code = fail_error(e, NULL);
		goto out;
	}
	if (use_pty) {
		struct termios raw = tio;
		cfmakeraw(&raw);
		/* keep output post-processing as the inner terminal does its own */
		(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &raw);
		raw_mode = true;
	}

	relay(ch, sfd, use_pty, debug);

	if (srt_child_wait(ch, &status, &e) < 0) {
		if (raw_mode)
			(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &tio);
		code = fail_error(e, NULL);
		goto out;
	}
	if (raw_mode || have_tio)
		(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &tio);
	code = status;
	{
		/* Refused connections and file accesses are never silent (--debug and --violations
		 * show each as it happens, system calls included). Refused system calls are left
		 * out of this line: the C library tries an AF_UNIX socket (nscd) in most name
		 * lookups, and the line would follow nearly every command. */
		static const srt_violation_kind summarised[] = {
			SRT_VIOLATION_NETWORK, SRT_VIOLATION_FILE_READ, SRT_VIOLATION_FILE_WRITE};
		uint64_t nv = 0;
		srt_violation *first = NULL;

		for (size_t i = 0; i < sizeof(summarised) / sizeof(summarised[0]); i++) {
			uint64_t k = srt_child_violation_count_of(ch, summarised[i]);

			if (k && !first)
				first = srt_child_first_violation_of(ch, summarised[i]);
			nv += k;
		}

		if (first && !debug)
			fprintf(stderr,
				"srt: the sandbox refused %llu operation%s; the first: %s %s "
				"(%s: %s)%s\n",
				(unsigned long long)nv, nv == 1 ? "" : "s",
				srt_violation_kind_name(first->kind), first->target,
				first->operation, first->reason,
				a.violations ? "" : " (--debug or --violations FILE shows each)");
		srt_violations_free(first, 1);
	}
out:
	if (sub > 0)
		(void)srt_manager_unsubscribe_violations(m, sub);
	srt_child_free(ch);
	srt_spawn_opts_free(opts);
	srt_manager_free(m);
	srt_config_free(cfg);
	if (sfd >= 0)
		close(sfd);
	if (sink.fd > 2 && !(a.violations && strncmp(a.violations, "fd:", 3) == 0))
		close(sink.fd);
	free(shell);
	free(command_copy);
	return code;
}
