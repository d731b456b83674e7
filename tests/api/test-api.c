/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libsrt through its public header only, with real sandboxes: two managers with different
 * policies running at once, the ask callback answered from another thread, violations through
 * subscription and copy, live replacement of the network lists, and an invalid update that
 * changes nothing. The sandboxed client is curl; the server is a thread of this program on
 * 127.0.0.1.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "srt/srt.h"
#include "tap.h"

extern char **environ;

static uint16_t port;
static int server_fd;

static void *server(void *arg)
{
	(void)arg;
	for (;;) {
		char req[2048];
		int c = accept(server_fd, NULL, NULL);

		if (c < 0)
			return NULL;
		(void)!recv(c, req, sizeof(req), 0);
		(void)!send(c, "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n", 41, MSG_NOSIGNAL);
		close(c);
	}
}

/* ---- the ask callback of manager B: answers from another thread ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char asked[8][256];
static int n_asked;

struct pending {
	srt_ask *ask;
	bool allow;
};

static void *answer_later(void *arg)
{
	struct pending *p = arg;

	usleep(50000);
	srt_ask_answer(p->ask, p->allow);
	free(p);
	return NULL;
}

static void on_ask(srt_ask *ask, const char *host, uint16_t p, void *userdata)
{
	struct pending *pe = malloc(sizeof(*pe));
	pthread_t t;

	(void)userdata;
	pthread_mutex_lock(&lock);
	if (n_asked < 8)
		snprintf(asked[n_asked], sizeof(asked[0]), "%s:%u", host, p);
	n_asked++;
	pthread_mutex_unlock(&lock);
	pe->ask = ask;
	pe->allow = strcmp(host, "asked.localhost") == 0;
	pthread_create(&t, NULL, answer_later, pe);
	pthread_detach(t);
}

static int b_seen;
static char b_last[512];

static void on_violation(const srt_violation *v, void *userdata)
{
	(void)userdata;
	b_seen++;
	snprintf(b_last, sizeof(b_last), "%s %s %s", srt_violation_kind_name(v->kind), v->target,
		 v->reason);
}

static srt_manager *manager(const char *allowed)
{
	char json[512];
	srt_config *c = NULL;
	srt_manager *m = NULL;
	srt_error *e = NULL;

	snprintf(json, sizeof(json),
		 "{\"network\":{\"allowedDomains\":[%s],\"deniedDomains\":[]},"
		 "\"filesystem\":{\"denyRead\":[],\"allowWrite\":[],\"denyWrite\":[]}}",
		 allowed);
	if (srt_config_load_string(json, strlen(json), "test", &c, &e) < 0 ||
	    srt_manager_new(c, &m, &e) < 0)
		printf("# %s\n", srt_error_message(e));
	else if (getenv("SRT_EXEC") && srt_manager_set_exec_helper(m, getenv("SRT_EXEC")) < 0)
		printf("# srt_manager_set_exec_helper failed\n");
	srt_error_free(e);
	srt_config_free(c);
	return m;
}

static srt_child *curl(srt_manager *m, const char *host)
{
	char url[300];
	char *argv[] = {"curl", "-s", "-o", "/dev/null", "--max-time", "10", "--noproxy", "", "-p",
			"-x", "http://localhost:3128", url, NULL};
	srt_child *ch = NULL;
	srt_error *e = NULL;

	snprintf(url, sizeof(url), "http://%s:%u/", host, port);
	if (srt_manager_spawn(m, argv, NULL, &ch, &e) < 0)
		printf("# spawn: %s\n", srt_error_message(e));
	srt_error_free(e);
	return ch;
}

struct thread_spawn {
	srt_manager *m;
	srt_child *ch;
};

static void *spawn_and_exit(void *arg)
{
	struct thread_spawn *ts = arg;
	char *argv[] = {"sh", "-c", "sleep 0.5; exit 7", NULL};

	if (srt_manager_spawn(ts->m, argv, NULL, &ts->ch, NULL) < 0)
		ts->ch = NULL;
	return NULL; /* the thread ends while the sandbox runs */
}

static int status_of(srt_child *ch)
{
	int st = -1;

	if (ch && srt_child_wait(ch, &st, NULL) < 0)
		st = -1;
	srt_child_free(ch);
	return st;
}

/* Starts argv with stdin, stdout and stderr on new pipes; the caller's ends in io[0..2]. */
static pid_t start_piped(char *const argv[], int io[3])
{
	posix_spawn_file_actions_t fa;
	int in[2], out[2], err[2];
	pid_t pid = -1;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	io[0] = in[1];
	io[1] = out[0];
	io[2] = err[0];
	return pid;
}

/* Everything until EOF (at most cap-1 bytes). */
static void slurp(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
}

static int exit_of(pid_t pid)
{
	int st;

	if (pid <= 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Waits (up to 5 s) until a process with exactly this command line exists (present) or no
 * longer exists (!present); returns whether it came to that. */
static bool wait_process(const char *cmdline, size_t len, bool present)
{
	for (int i = 0; i < 100; i++) {
		DIR *d = opendir("/proc");
		struct dirent *de;
		bool seen = false;

		while (d && (de = readdir(d))) {
			char p[300], b[256];
			FILE *f;
			size_t n;

			if (de->d_name[0] < '0' || de->d_name[0] > '9')
				continue;
			snprintf(p, sizeof(p), "/proc/%s/cmdline", de->d_name);
			if (!(f = fopen(p, "r")))
				continue;
			n = fread(b, 1, sizeof(b), f);
			fclose(f);
			if (n == len && memcmp(b, cmdline, len) == 0)
				seen = true;
		}
		if (d)
			closedir(d);
		if (seen == present)
			return true;
		usleep(50000);
	}
	return false;
}

int main(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sin);
	srt_manager *a, *b;
	srt_child *ca, *cb1, *cb2;
	srt_violation *v = NULL;
	srt_error *e = NULL;
	pthread_t st;
	ssize_t n;
	int sub;

	plan_no_plan();
	if (access("/usr/bin/curl", X_OK) != 0 && access("/bin/curl", X_OK) != 0) {
		printf("1..0 # SKIP curl needed\n");
		return 0;
	}
	server_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (bind(server_fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(server_fd, 16) < 0 ||
	    getsockname(server_fd, (struct sockaddr *)&sin, &sl) < 0)
		return 99;
	port = ntohs(sin.sin_port);
	pthread_create(&st, NULL, server, NULL);
	pthread_detach(st);

	a = manager("\"localhost\"");
	b = manager("\"127.0.0.1\"");
	ok(a && b, "two managers");
	if (!a || !b)
		return tap_exit();
	is_int(srt_manager_set_ask_fn(b, on_ask, NULL, 5000), 0, "B: ask callback");
	sub = srt_manager_subscribe_violations(b, on_violation, NULL);
	ok(sub > 0, "B: subscribed to violations");

	/* both at once, different policies */
	ca = curl(a, "localhost");
	cb1 = curl(b, "asked.localhost");
	cb2 = curl(b, "localhost");
	{
		const char *d = NULL;
		srt_landlock_level l = srt_child_landlock(ca, &d);
		long abi = syscall(444, NULL, 0, 1); /* landlock_create_ruleset(VERSION) */

		/* A has the network on and no allowLocalBinding: every part is wanted */
		is_int(l, abi >= 6 ? SRT_LANDLOCK_FULL : abi >= 2 ? SRT_LANDLOCK_PARTIAL
								  : SRT_LANDLOCK_NONE,
		       "srt_child_landlock(): the level this kernel (ABI %ld) allows", abi);
		like_str(d, abi >= 6 ? "full (ABI" : abi >= 2 ? "partial (ABI" : "none (",
			 "... and its description says so");
		is_int(srt_child_landlock(NULL, &d), SRT_LANDLOCK_NONE, "NULL child: none");
		is_str(d, "", "... with an empty description");
	}
	is_int(status_of(ca), 0, "A allows localhost: curl succeeds");
	is_int(status_of(cb1), 0, "B: an unlisted host allowed by the ask callback's answer");
	is_int(status_of(cb2), 56, "B: an unlisted host denied by the answer (curl 56)");
	is_int(n_asked, 2, "B's callback was asked twice");
	ok(n_asked >= 2 && ((strstr(asked[0], "asked.localhost:") && strstr(asked[1], "localhost:")) ||
			    (strstr(asked[1], "asked.localhost:") && strstr(asked[0], "localhost:"))),
	   "... about host:port of each (%s, %s)", asked[0], asked[1]);
	ok(srt_manager_violation_count(a) == 0, "A: no violation");
	ok(srt_manager_violation_count(b) == 1, "B: one violation");
	is_int(b_seen, 1, "B's subscriber saw it");
	like_str(b_last, "network localhost:", "... a network refusal of localhost");
	like_str(b_last, "denied by the ask callback", "... with the reason");
	n = srt_manager_get_violations(b, 0, &v);
	ok(n == 1 && strstr(v[0].command, "curl -s -o /dev/null"), "B: the store has it, with the command");
	srt_violations_free(v, n > 0 ? (size_t)n : 0);

	/* B's store emptied; its counter stays */
	srt_manager_clear_violations(b);
	n = srt_manager_get_violations(b, 0, &v);
	ok(n == 0 && srt_manager_violation_count(b) == 1,
	   "clear empties B's store, the count of ever recorded stays");
	srt_violations_free(v, 0);

	/* the SOCKS5 connect helper named in GIT_SSH_COMMAND */
	{
		char *check[] = {"sh", "-c",
				 "case \"$GIT_SSH_COMMAND\" in *\"ProxyCommand='/bin/true --proxy "
				 "127.0.0.1:1080 %h %p'\"*) exit 0 ;; *) exit 3 ;; esac",
				 NULL};
		srt_child *ch = NULL;

		is_int(srt_manager_set_connect_helper(a, "/tmp/with space;rm"), -EINVAL,
		       "a helper path with shell metacharacters is refused");
		is_int(srt_manager_set_connect_helper(a, "/bin/true"), 0, "a plain helper path");
		ok(srt_manager_spawn(a, check, NULL, &ch, NULL) == 0, "spawn");
		is_int(status_of(ch), 0, "GIT_SSH_COMMAND inside names that helper");
		is_int(srt_manager_set_connect_helper(a, NULL), 0, "back to the default");
	}

	/* live update of A's lists */
	{
		const char *lh[] = {"localhost", NULL}, *bad[] = {"*.com", NULL};

		ok(srt_manager_update_network(a, bad, NULL, &e) < 0 &&
			   srt_error_code(e) == SRT_E_INVALID_ARGUMENT,
		   "an invalid list is refused (%s)", e ? srt_error_message(e) : "");
		e = srt_error_free(e);
		is_int(status_of(curl(a, "localhost")), 0, "... and changed nothing");
		is_int(srt_manager_update_network(a, lh, lh, &e), 0,
		       "A: localhost allowed and denied (deny wins)");
		is_int(status_of(curl(a, "localhost")), 56, "A's next sandbox is refused");
		{
			char *j = NULL;

			ok(srt_manager_get_config_json(a, &j) == 0 && j &&
				   strstr(j, "\"deniedDomains\": [\n      \"localhost\""),
			   "A's effective config shows the updated lists");
			free(j);
		}
		n = srt_manager_get_violations(a, 0, &v);
		ok(n == 1 && strcmp(v[0].reason, "host is on the deny list") == 0,
		   "A: the refusal is recorded with the deny-list reason");
		srt_violations_free(v, n > 0 ? (size_t)n : 0);
	}
	/* a sandbox spawned from a thread that ends at once lives on */
	{
		struct thread_spawn ts = {.m = a};
		pthread_t t;

		pthread_create(&t, NULL, spawn_and_exit, &ts);
		pthread_join(t, NULL);
		ok(ts.ch != NULL, "spawned from a worker thread, which has ended");
		is_int(status_of(ts.ch), 7,
		       "the sandbox outlived the spawning thread and exited normally");
	}
	/* per-command filesystem rules; the manager's protected files stay protected */
	{
		char dir[] = "/tmp/srt-api-XXXXXX", json[512], file[600], prot[600];
		char *touch[] = {"sh", "-c", "touch \"$0\"", file, NULL};
		char *write_prot[] = {"sh", "-c", "echo x > \"$0\"", prot, NULL};
		srt_config *c = NULL, *mc = NULL;
		srt_manager *p = NULL;
		srt_spawn_opts *o = srt_spawn_opts_new();
		srt_child *ch = NULL;
		const char *base = "{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},"
				   "\"filesystem\":{\"denyRead\":[],\"allowWrite\":[],\"denyWrite\":[]}}";

		ok(mkdtemp(dir) != NULL, "a directory for the override");
		snprintf(file, sizeof(file), "%s/made", dir);
		snprintf(prot, sizeof(prot), "%s/protected.json", dir);
		fclose(fopen(prot, "w"));
		ok(srt_config_load_string(base, strlen(base), "m", &mc, NULL) == 0 &&
			   srt_config_protect_path(mc, prot) == 0 && srt_manager_new(mc, &p, NULL) == 0,
		   "a manager that protects a file");
		snprintf(json, sizeof(json),
			 "{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},"
			 "\"filesystem\":{\"denyRead\":[],\"allowWrite\":[\"%s\"],\"denyWrite\":[]}}",
			 dir);
		ok(srt_config_load_string(json, strlen(json), "override", &c, NULL) == 0,
		   "an override config");
		ok(srt_manager_spawn(p, touch, NULL, &ch, NULL) == 0, "spawn without the override");
		ok(status_of(ch) != 0 && access(file, F_OK) < 0, "... cannot write the directory");
		is_int(srt_spawn_opts_set_config(o, c), 0, "srt_spawn_opts_set_config");
		ch = NULL;
		ok(srt_manager_spawn(p, touch, o, &ch, NULL) == 0, "spawn with the override");
		ok(status_of(ch) == 0 && access(file, F_OK) == 0, "... writes there");
		ch = NULL;
		ok(srt_manager_spawn(p, write_prot, o, &ch, NULL) == 0, "spawn to write the protected file");
		{
			FILE *f = fopen(prot, "r");
			int got = f ? fgetc(f) : 'E';

			if (f)
				fclose(f);
			ok(status_of(ch) != 0 && got == EOF,
			   "the manager's protected file stays read-only under the override");
		}
		srt_spawn_opts_free(o);
		srt_manager_free(p);
		srt_config_free(c);
		srt_config_free(mc);
		unlink(file);
		unlink(prot);
		rmdir(dir);
	}
	/* the command's stdin, stdout and stderr from the caller's pipes */
	{
		char *argv[] = {"sh", "-c", "read l; echo \"out:$l\"; echo err >&2; exit 3", NULL};
		int in[2], out[2], err[2];
		srt_spawn_opts *o = srt_spawn_opts_new();
		srt_child *ch = NULL;
		char buf[64] = "";
		ssize_t k;

		ok(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0 &&
			   pipe2(err, O_CLOEXEC) == 0,
		   "three pipes");
		is_int(srt_spawn_opts_set_stdio(o, 1000, -1, -1), -EBADF, "a closed fd is refused");
		is_int(srt_spawn_opts_set_stdio(o, in[0], out[1], err[1]), 0, "srt_spawn_opts_set_stdio");
		ok(srt_manager_spawn(a, argv, o, &ch, NULL) == 0, "spawn with the caller's pipes");
		close(in[0]);
		close(out[1]);
		close(err[1]);
		ok(write(in[1], "hello\n", 6) == 6, "write to its stdin");
		close(in[1]);
		k = read(out[0], buf, sizeof(buf) - 1);
		buf[k > 0 ? k : 0] = '\0';
		is_str(buf, "out:hello\n", "its stdout came through the pipe");
		k = read(err[0], buf, sizeof(buf) - 1);
		buf[k > 0 ? k : 0] = '\0';
		is_str(buf, "err\n", "its stderr came through the other pipe");
		is_int(status_of(ch), 3, "exit status");
		ok(read(out[0], buf, 1) == 0, "no writer is left on the stdout pipe");
		close(out[0]);
		close(err[0]);
		ok(srt_spawn_opts_set_pty(o, 0) == 0 && srt_spawn_opts_set_stdio(o, 0, -1, -1) == 0 &&
			   srt_manager_spawn(a, argv, o, &ch, &e) < 0 &&
			   srt_error_code(e) == SRT_E_INVALID_ARGUMENT,
		   "a pty with the caller's stdin is refused (%s)", e ? srt_error_message(e) : "");
		e = srt_error_free(e);
		srt_spawn_opts_free(o);
	}
	/* the proxy ports inside a sandbox */
	{
		uint16_t hp = 1, sp = 1;
		srt_manager *none = manager("");

		is_int(srt_manager_get_proxy_ports(a, &hp, &sp), 1, "A's sandboxes get the proxy");
		ok(hp == 3128 && sp == 1080, "... on 3128 and 1080 inside (%u, %u)", hp, sp);
		is_int(srt_manager_get_proxy_ports(none, &hp, &sp), 0,
		       "nothing allowed, no ask callback: no network at all");
		ok(hp == 0 && sp == 0, "... and no ports");
		srt_manager_free(none);
	}
	/* srt_manager_wrap: a command line the caller starts itself */
	{
		char *cmd[] = {"sh", "-c", "read l; echo \"w:$l:$PWD\"; echo e >&2; exit 5", NULL};
		char *trap[] = {"sh", "-c", "trap 'exit 42' TERM; echo ready; while :; do sleep 0.1; done",
				NULL};
		char *lingering[] = {"sleep", "61.4242", NULL};
		char *missing[] = {"srt-no-such-command-xyz", NULL};
		char *quote_me[] = {"echo", "a b", "it's", "", "x=1", NULL};
		char **w = NULL, *q, out[256], err[512], cwd[256];
		int io[3];
		pid_t pid;

		char stale[128], alive[128], sf[160];
		pid_t dead = fork();

		/* a launch directory left by a process that died without srt_manager_free(), and
		 * one of a process that lives (pid 1): the first wrap server removes the first */
		if (dead == 0)
			_exit(0);
		waitpid(dead, NULL, 0);
		snprintf(stale, sizeof(stale), "/tmp/srt-%u/launch-%d-stale", (unsigned)geteuid(),
			 (int)dead);
		snprintf(alive, sizeof(alive), "/tmp/srt-%u/launch-1-alive", (unsigned)geteuid());
		snprintf(sf, sizeof(sf), "%s/s", stale);
		ok(mkdir(stale, 0700) == 0 && mkdir(alive, 0700) == 0 && close(creat(sf, 0600)) == 0,
		   "a stale and a live launch directory");
		ok(getcwd(cwd, sizeof(cwd)) != NULL, "cwd");
		ok(srt_manager_wrap(a, cmd, NULL, &w, &e) == 0 && w && strstr(w[0], "srt-launch") &&
			   strcmp(w[3], "--") == 0 && strcmp(w[4], "sh") == 0,
		   "wrap: LAUNCHER SOCKET TOKEN -- argv (%s)", e ? srt_error_message(e) : "");
		e = srt_error_free(e);
		ok(access(stale, F_OK) < 0 && errno == ENOENT, "the stale launch directory is gone");
		ok(access(alive, F_OK) == 0 && rmdir(alive) == 0, "the live one is kept");
		if (w) {
			pid = start_piped(w, io);
			ok(pid > 0, "the caller starts it itself, on its own pipes");
			ok(write(io[0], "hi\n", 3) == 3, "writes to its stdin");
			close(io[0]);
			slurp(io[1], out, sizeof(out));
			slurp(io[2], err, sizeof(err));
			close(io[1]);
			close(io[2]);
			{
				char want[300];
				snprintf(want, sizeof(want), "w:hi:%s\n", cwd);
				is_str(out, want, "the sandboxed command read the caller's pipe and "
						  "ran in the launcher's directory");
			}
			is_str(err, "e\n", "its stderr is the launcher's");
			is_int(exit_of(pid), 5, "the launcher exits with the command's status");
			pid = start_piped(w, io);
			close(io[0]);
			slurp(io[1], out, sizeof(out));
			slurp(io[2], err, sizeof(err));
			close(io[1]);
			close(io[2]);
			is_int(exit_of(pid), 125, "the same command line a second time: 125");
			like_str(err, "already used", "... with the reason on stderr");
			memset(w[2], 'a', strlen(w[2]));
			pid = start_piped(w, io);
			close(io[0]);
			slurp(io[1], out, sizeof(out));
			slurp(io[2], err, sizeof(err));
			close(io[1]);
			close(io[2]);
			is_int(exit_of(pid), 125, "a made-up token: 125, nothing runs");
			w = srt_strv_free(w);
		}
		ok(srt_manager_wrap(a, trap, NULL, &w, NULL) == 0, "wrap a command that traps TERM");
		if (w) {
			pid = start_piped(w, io);
			close(io[0]);
			ok(read(io[1], out, 6) == 6 && memcmp(out, "ready\n", 6) == 0, "it runs");
			kill(pid, SIGTERM);
			is_int(exit_of(pid), 42, "SIGTERM to the launcher reaches the command");
			close(io[1]);
			close(io[2]);
			w = srt_strv_free(w);
		}
		ok(srt_manager_wrap(a, lingering, NULL, &w, NULL) == 0, "wrap a long sleep");
		if (w) {
			pid = start_piped(w, io);
			close(io[0]);
			ok(wait_process("sleep\00061.4242", sizeof("sleep\00061.4242"), true),
			   "the sandboxed sleep runs");
			kill(pid, SIGKILL);
			is_int(exit_of(pid), 128 + SIGKILL, "the launcher is killed");
			ok(wait_process("sleep\00061.4242", sizeof("sleep\00061.4242"), false),
			   "... and its sandbox goes with it");
			close(io[1]);
			close(io[2]);
			w = srt_strv_free(w);
		}
		ok(srt_manager_wrap(a, missing, NULL, &w, NULL) == 0, "wrap a missing command");
		if (w) {
			pid = start_piped(w, io);
			close(io[0]);
			slurp(io[2], err, sizeof(err));
			is_int(exit_of(pid), 127, "the launcher exits 127");
			like_str(err, "command not found", "... saying why");
			close(io[1]);
			close(io[2]);
			w = srt_strv_free(w);
		}
		q = srt_shell_quote(quote_me);
		is_str(q, "echo 'a b' 'it'\\''s' '' x=1", "srt_shell_quote");
		free(q);
		ok(srt_manager_wrap(a, cmd, NULL, &w, NULL) == 0, "wrap again");
		if (w) {
			char *sh[] = {"/bin/sh", "-c", NULL, NULL};

			sh[2] = srt_shell_quote(w);
			pid = start_piped(sh, io);
			ok(write(io[0], "via-sh\n", 7) == 7, "through sh -c with srt_shell_quote");
			close(io[0]);
			slurp(io[1], out, sizeof(out));
			close(io[1]);
			close(io[2]);
			like_str(out, "w:via-sh:", "... the same command runs");
			is_int(exit_of(pid), 5, "... and its status comes back through the shell");
			free(sh[2]);
			w = srt_strv_free(w);
		}
	}
	/* the "environment" settings apply to every spawn: explicit environments and wrapped
	 * command lines (the launcher's environment) alike */
	{
		const char *json =
		    "{\"network\":{\"allowedDomains\":[],\"deniedDomains\":[]},"
		    "\"filesystem\":{\"denyRead\":[],\"allowWrite\":[],\"denyWrite\":[]},"
		    "\"environment\":{\"dropSecrets\":true,\"drop\":[\"API_TEST_DROP*\"],"
		    "\"keep\":[\"API_TEST_KEPT_TOKEN\"]}}";
		char *show[] = {"sh", "-c",
				"echo \"${API_TEST_TOKEN-none}:${API_TEST_DROP_X-none}:"
				"${API_TEST_KEPT_TOKEN-none}:${API_TEST_PLAIN-none}\"",
				NULL};
		char *envp[] = {"PATH=/usr/bin:/bin", "API_TEST_TOKEN=v1", "API_TEST_DROP_X=v2",
				"API_TEST_KEPT_TOKEN=k", "API_TEST_PLAIN=p", NULL};
		srt_config *ec = NULL;
		srt_manager *em = NULL;
		srt_spawn_opts *o = srt_spawn_opts_new();
		srt_child *ch = NULL;
		char out[256], err[256], **w = NULL;
		int pp[2] = {-1, -1}, io[3];
		pid_t pid;

		ok(srt_config_load_string(json, strlen(json), "env", &ec, NULL) == 0 &&
			   srt_manager_new(ec, &em, NULL) == 0,
		   "a manager with dropSecrets, drop and keep");
		ok(o && pipe2(pp, O_CLOEXEC) == 0 && srt_spawn_opts_set_env(o, envp) == 0 &&
			   srt_spawn_opts_set_stdio(o, -1, pp[1], -1) == 0 &&
			   srt_manager_spawn(em, show, o, &ch, NULL) == 0,
		   "spawn with an explicit environment");
		if (pp[1] >= 0)
			close(pp[1]);
		if (pp[0] >= 0) {
			slurp(pp[0], out, sizeof(out));
			close(pp[0]);
			is_str(out, "none:none:k:p\n",
			       "explicit environment: secret and drop removed, keep and the rest pass");
		}
		is_int(status_of(ch), 0, "... exit status");
		srt_spawn_opts_free(o);

		setenv("API_TEST_TOKEN", "v1", 1);
		setenv("API_TEST_DROP_X", "v2", 1);
		setenv("API_TEST_KEPT_TOKEN", "k", 1);
		setenv("API_TEST_PLAIN", "p", 1);
		ok(em && srt_manager_wrap(em, show, NULL, &w, NULL) == 0 && w, "wrap with the filter");
		if (w) {
			pid = start_piped(w, io);
			close(io[0]);
			slurp(io[1], out, sizeof(out));
			slurp(io[2], err, sizeof(err));
			close(io[1]);
			close(io[2]);
			is_str(out, "none:none:k:p\n",
			       "wrapped: the launcher's environment is filtered the same way");
			is_int(exit_of(pid), 0, "... exit status");
			w = srt_strv_free(w);
		}
		unsetenv("API_TEST_TOKEN");
		unsetenv("API_TEST_DROP_X");
		unsetenv("API_TEST_KEPT_TOKEN");
		unsetenv("API_TEST_PLAIN");
		srt_manager_free(em);
		srt_config_free(ec);
	}
	/* file reports through the callback (srt-report.so, found next to libsrt in the build) */
	{
		char *argv[] = {"sh", "-c", "echo x >/etc/srt-api-test-file", NULL};
		srt_child *ch = NULL;

		b_seen = 0;
		b_last[0] = 0;
		is_int(srt_manager_set_observe_files(b, true), 0, "B: observe files");
		if (srt_manager_spawn(b, argv, NULL, &ch, &e) < 0)
			printf("# spawn: %s\n", srt_error_message(e));
		srt_error_free(e);
		e = NULL;
		ok(ch && status_of(ch) != 0, "a write to /etc fails inside");
		is_int(b_seen, 1, "B's subscriber saw one violation");
		like_str(b_last, "file-write /etc/srt-api-test-file EROFS: read-only",
			 "... a file-write with the path and the reason");
		is_int(srt_manager_set_observe_files(b, false), 0, "B: files no longer observed");
	}
	is_int(srt_manager_unsubscribe_violations(b, sub), 0, "B: unsubscribed");
	srt_manager_free(a);
	srt_manager_free(b);
	return tap_exit();
}
