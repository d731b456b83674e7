/* SPDX-License-Identifier: Apache-2.0 */
#include "wrap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "shared/cleanup.h"
#include "shared/macro.h"

#define WRAP_MAX_PENDING 4096 /* tokens handed out and not yet used */
#define WRAP_MAX_RUNNING 1024 /* launchers connected at once */
#define WRAP_REQUEST_MS 10000 /* for the whole request, once connected */

struct pending {
	char token[LAUNCH_TOKEN_LEN + 1];
	srt_spawn_opts *opts;
	struct pending *next;
};

struct conn {
	struct wrap_server *w;
	int fd;
	pthread_t thread;
	bool done; /* set by the thread as its last step (under w->lock) */
	struct conn *next;
};

struct wrap_server {
	srt_manager *m;
	char *dir, *sock;
	int lfd;
	int stop; /* eventfd: readable once the server stops */
	pthread_t acceptor;
	pthread_mutex_t lock;
	struct pending *pending;
	size_t n_pending;
	struct conn *conns;
	size_t n_conns;
};

static const int forwardable[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void send_line(int fd, enum launch_line_kind kind, long num, const char *text)
{
	char out[LAUNCH_MAX_LINE];
	size_t n = launch_line_format(out, kind, num, text);

	(void)!send(fd, out, n, MSG_NOSIGNAL);
}

/* Waits until fd is readable, the server stops or the deadline passes. */
static int wait_readable(struct conn *c, uint64_t deadline)
{
	for (;;) {
		struct pollfd p[2] = {{.fd = c->fd, .events = POLLIN},
				      {.fd = c->w->stop, .events = POLLIN}};
		uint64_t now = now_ms();
		int r;

		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(p, 2, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (p[1].revents)
			return -ECANCELED;
		if (p[0].revents)
			return 0;
	}
}

/* The request: length prefix (with the three descriptors), then the fields. */
static int read_request(struct conn *c, int stdio[3], char **ret, size_t *ret_len)
{
	uint64_t deadline = now_ms() + WRAP_REQUEST_MS;
	unsigned char prefix[4];
	char cbuf[CMSG_SPACE(sizeof(int) * 3)];
	struct iovec iov = {.iov_base = prefix, .iov_len = sizeof(prefix)};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm;
	size_t got = 0, len;
	char *data;
	long l;
	ssize_t n;
	int r;

	if ((r = wait_readable(c, deadline)) < 0)
		return r;
	n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n <= 0)
		return n < 0 ? -errno : -EBADMSG;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int fds[3];

		if (k != 3 || stdio[0] >= 0) {
			/* close whatever arrived: never keep a descriptor we did not ask for */
			for (size_t i = 0; i < k; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				close(fd);
			}
			continue;
		}
		memcpy(fds, CMSG_DATA(cm), sizeof(fds));
		memcpy(stdio, fds, sizeof(fds));
	}
	if ((mh.msg_flags & MSG_CTRUNC) || stdio[0] < 0)
		return -EBADMSG;
	got = (size_t)n;
	while (got < sizeof(prefix)) {
		if ((r = wait_readable(c, deadline)) < 0)
			return r;
		n = recv(c->fd, prefix + got, sizeof(prefix) - got, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -EBADMSG;
		got += (size_t)n;
	}
	l = launch_request_length(prefix);
	if (l < 0)
		return (int)l;
	len = (size_t)l;
	data = malloc(len ? len : 1);
	if (!data)
		return -ENOMEM;
	for (got = 0; got < len;) {
		if ((r = wait_readable(c, deadline)) < 0) {
			free(data);
			return r;
		}
		n = recv(c->fd, data + got, len - got, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			free(data);
			return -EBADMSG;
		}
		got += (size_t)n;
	}
	*ret = data;
	*ret_len = len;
	return 0;
}

static srt_spawn_opts *take_token(struct wrap_server *w, const char *token, bool *found)
{
	srt_spawn_opts *o = NULL;

	*found = false;
	pthread_mutex_lock(&w->lock);
	for (struct pending **p = &w->pending; *p; p = &(*p)->next)
		if (strcmp((*p)->token, token) == 0) {
			struct pending *e = *p;
			*p = e->next;
			o = e->opts;
			free(e);
			w->n_pending--;
			*found = true;
			break;
		}
	pthread_mutex_unlock(&w->lock);
	return o;
}

static int exit_code_for(const srt_error *e)
{
	switch (srt_error_code(e)) {
	case SRT_E_COMMAND_NOT_FOUND:
		return 127;
	case SRT_E_COMMAND_NOT_EXECUTABLE:
		return 126;
	default:
		return 125;
	}
}

/* Reads "signal N" lines; returns false when the launcher is gone. */
static bool relay_signals(struct conn *c, srt_child *ch, char *line, size_t *have)
{
	ssize_t n = recv(c->fd, line + *have, LAUNCH_MAX_LINE - *have, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0)
		return false;
	*have += (size_t)n;
	for (;;) {
		char *nl = memchr(line, '\n', *have);
		enum launch_line_kind kind;
		const char *text;
		size_t tlen, used;
		long num;

		if (!nl)
			return *have < LAUNCH_MAX_LINE; /* a line too long: treat as gone */
		used = (size_t)(nl - line) + 1;
		if (launch_line_parse(line, used - 1, &kind, &num, &text, &tlen) < 0 ||
		    kind != LAUNCH_SIGNAL)
			return false;
		for (size_t i = 0; i < ELEMENTSOF(forwardable); i++)
			if (num == forwardable[i])
				(void)srt_child_kill(ch, (int)num);
		memmove(line, line + used, *have - used);
		*have -= used;
	}
}

static void serve(struct conn *c)
{
	struct wrap_server *w = c->w;
	int stdio[3] = {-1, -1, -1};
	_cleanup_free_ char *data = NULL;
	struct launch_request q = {0};
	srt_spawn_opts *base = NULL, *o = NULL;
	srt_child *ch = NULL;
	srt_error *e = NULL;
	struct ucred uc;
	socklen_t ul = sizeof(uc);
	char line[LAUNCH_MAX_LINE];
	size_t len = 0, have = 0;
	bool found, gone = false;
	int st = 0, r;

	/* only our own user may start sandboxes through us (the directory is 0700 too) */
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) < 0 || uc.uid != geteuid())
		return;
	r = read_request(c, stdio, &data, &len);
	if (r == 0)
		r = launch_request_parse(data, len, &q);
	if (r < 0) {
		send_line(c->fd, LAUNCH_ERROR, 125,
			  "malformed or incomplete request from srt-launch");
		goto out;
	}
	base = take_token(w, q.token, &found);
	if (!found) {
		send_line(
		    c->fd, LAUNCH_ERROR, 125,
		    "unknown or already used launch token (each wrapped command line runs once)");
		goto out;
	}
	r = spawn_opts_for_launch(base, q.cwd[0] ? q.cwd : NULL, q.env, stdio, &o);
	if (r < 0) {
		send_line(c->fd, LAUNCH_ERROR, 125, strerror(-r));
		goto out;
	}
	r = srt_manager_spawn(w->m, q.argv, o, &ch, &e);
	/* the sandbox has its own copies now */
	for (int k = 0; k < 3; k++) {
		close(stdio[k]);
		stdio[k] = -1;
	}
	if (r < 0) {
		send_line(c->fd, LAUNCH_ERROR, exit_code_for(e), srt_error_message(e));
		goto out;
	}
	send_line(c->fd, LAUNCH_STARTED, srt_child_pid(ch), NULL);

	for (;;) {
		struct pollfd p[3] = {{.fd = c->fd, .events = POLLIN},
				      {.fd = w->stop, .events = POLLIN},
				      {.fd = srt_child_pidfd(ch), .events = POLLIN}};

		if (p[2].fd < 0)
			break; /* no pidfd: wait without relaying signals */
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[2].revents)
			break;
		if (p[1].revents) {
			(void)srt_child_kill(ch, SIGKILL);
			gone = true;
			break;
		}
		if (p[0].revents && !relay_signals(c, ch, line, &have)) {
			/* the launcher died or broke the protocol: the sandbox goes too */
			(void)srt_child_kill(ch, SIGKILL);
			gone = true;
			break;
		}
	}
	e = srt_error_free(e);
	r = srt_child_wait(ch, &st, &e);
	if (gone)
		send_line(c->fd, LAUNCH_ERROR, 125, "the sandbox manager stopped the command");
	else if (r < 0)
		send_line(c->fd, LAUNCH_ERROR, 125, srt_error_message(e));
	else
		send_line(c->fd, LAUNCH_EXIT, st, NULL);
out:
	for (int k = 0; k < 3; k++)
		if (stdio[k] >= 0)
			close(stdio[k]);
	srt_child_free(ch);
	srt_error_free(e);
	srt_spawn_opts_free(o);
	srt_spawn_opts_free(base);
	launch_request_done(&q);
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;

	serve(c);
	close(c->fd);
	pthread_mutex_lock(&c->w->lock);
	c->done = true;
	pthread_mutex_unlock(&c->w->lock);
	return NULL;
}

/* Joins the threads that have finished. Called with w->lock held. */
static void reap_conns(struct wrap_server *w)
{
	for (struct conn **p = &w->conns; *p;) {
		struct conn *c = *p;
		if (!c->done) {
			p = &c->next;
			continue;
		}
		*p = c->next;
		pthread_join(c->thread, NULL);
		free(c);
		w->n_conns--;
	}
}

static void *acceptor_main(void *arg)
{
	struct wrap_server *w = arg;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	for (;;) {
		struct pollfd p[2] = {{.fd = w->lfd, .events = POLLIN},
				      {.fd = w->stop, .events = POLLIN}};
		struct conn *c;
		int fd;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (p[1].revents)
			return NULL;
		fd = accept4(w->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				poll(NULL, 0, 100); /* do not spin; launchers wait in the backlog */
			continue;
		}
		pthread_mutex_lock(&w->lock);
		reap_conns(w);
		c = w->n_conns < WRAP_MAX_RUNNING ? calloc(1, sizeof(*c)) : NULL;
		if (c) {
			c->w = w;
			c->fd = fd;
			if (pthread_create(&c->thread, NULL, conn_main, c) == 0) {
				c->next = w->conns;
				w->conns = c;
				w->n_conns++;
			} else {
				free(c);
				c = NULL;
			}
		}
		pthread_mutex_unlock(&w->lock);
		if (!c) {
			send_line(fd, LAUNCH_ERROR, 125,
				  "too many wrapped commands running at once");
			close(fd);
		}
	}
}

/* Launch directories of processes that are gone (they died without srt_manager_free()):
 * STATE/launch-PID-XXXXXX holding at most the socket "s". A pid that was reused keeps its
 * directory until that process is gone too. */
static void remove_stale_dirs(const char *state_dir)
{
	DIR *d = opendir(state_dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end;
		long pid;
		int fd;

		if (strncmp(e->d_name, "launch-", 7) != 0)
			continue;
		pid = strtol(e->d_name + 7, &end, 10);
		if (end == e->d_name + 7 || *end != '-' || pid <= 0 || pid > INT32_MAX ||
		    !(kill((pid_t)pid, 0) < 0 && errno == ESRCH))
			continue;
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		(void)unlinkat(fd, "s", 0);
		close(fd);
		(void)unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR); /* fails if anything else is in it */
	}
	closedir(d);
}

int wrap_server_new(srt_manager *m, const char *state_dir, struct wrap_server **ret,
		    srt_error **reterr)
{
	struct wrap_server *w = calloc(1, sizeof(*w));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int r;

	if (!w)
		return -ENOMEM;
	w->m = m;
	w->lfd = w->stop = -1;
	pthread_mutex_init(&w->lock, NULL);
	remove_stale_dirs(state_dir);
	if (asprintf(&w->dir, "%s/launch-%d-XXXXXX", state_dir, (int)getpid()) < 0) {
		w->dir = NULL;
		r = -ENOMEM;
		goto fail;
	}
	if (!mkdtemp(w->dir)) { /* 0700 */
		r = srt_error_set(reterr, SRT_E_SYSTEM, errno, "cannot create %s: %s", w->dir,
				  strerror(errno));
		free(w->dir);
		w->dir = NULL;
		goto fail;
	}
	if (asprintf(&w->sock, "%s/s", w->dir) < 0) {
		w->sock = NULL;
		r = -ENOMEM;
		goto fail;
	}
	if (strlen(w->sock) >= sizeof(sa.sun_path)) {
		r = srt_error_set(reterr, SRT_E_SYSTEM, ENAMETOOLONG, "socket path too long: %s",
				  w->sock);
		goto fail;
	}
	memcpy(sa.sun_path, w->sock, strlen(w->sock) + 1);
	w->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	w->stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->lfd < 0 || w->stop < 0 || bind(w->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(w->sock, 0600) < 0 || listen(w->lfd, 128) < 0) {
		r = srt_error_set(reterr, SRT_E_SYSTEM, errno, "cannot listen on %s: %s", w->sock,
				  strerror(errno));
		goto fail;
	}
	r = -pthread_create(&w->acceptor, NULL, acceptor_main, w);
	if (r < 0) {
		r = srt_error_set(reterr, SRT_E_SYSTEM, -r, "cannot start a thread: %s",
				  strerror(-r));
		goto fail;
	}
	*ret = w;
	return 0;
fail:
	if (w->lfd >= 0)
		close(w->lfd);
	if (w->stop >= 0)
		close(w->stop);
	if (w->sock)
		unlink(w->sock);
	if (w->dir)
		rmdir(w->dir);
	free(w->sock);
	free(w->dir);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return r;
}

int wrap_server_add(struct wrap_server *w, srt_spawn_opts *opts, char *token)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[LAUNCH_TOKEN_LEN / 2];
	ssize_t k = getrandom(rnd, sizeof(rnd), 0);
	struct pending *e;

	if (k != (ssize_t)sizeof(rnd))
		return k < 0 ? -errno : -EIO; /* never a token with unset bytes */
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(rnd); i++) {
		e->token[2 * i] = hex[rnd[i] >> 4];
		e->token[2 * i + 1] = hex[rnd[i] & 15];
	}
	pthread_mutex_lock(&w->lock);
	if (w->n_pending >= WRAP_MAX_PENDING) {
		pthread_mutex_unlock(&w->lock);
		free(e);
		return -EAGAIN;
	}
	e->opts = opts;
	e->next = w->pending;
	w->pending = e;
	w->n_pending++;
	memcpy(token, e->token, sizeof(e->token));
	pthread_mutex_unlock(&w->lock);
	return 0;
}

const char *wrap_server_socket(const struct wrap_server *w) { return w->sock; }

void wrap_server_free(struct wrap_server *w)
{
	uint64_t one = 1;

	if (!w)
		return;
	(void)!write(w->stop, &one, sizeof(one));
	pthread_join(w->acceptor, NULL);
	close(w->lfd);
	unlink(w->sock);
	rmdir(w->dir);
	for (;;) {
		struct conn *c;

		pthread_mutex_lock(&w->lock);
		c = w->conns;
		if (c)
			w->conns = c->next;
		pthread_mutex_unlock(&w->lock);
		if (!c)
			break;
		pthread_join(c->thread, NULL);
		free(c);
	}
	while (w->pending) {
		struct pending *e = w->pending;
		w->pending = e->next;
		srt_spawn_opts_free(e->opts);
		free(e);
	}
	close(w->stop);
	pthread_mutex_destroy(&w->lock);
	free(w->sock);
	free(w->dir);
	free(w);
}
