/* SPDX-License-Identifier: Apache-2.0 */
/* The network-namespace plumbing for the proxy (issue 3): a sandbox started with a namespace of
 * srt's own reaches srt's accept queue through loopback listeners that srt holds; direct
 * connections elsewhere fail at once; the sandbox cannot reconfigure its namespace. Runs a real
 * bubblewrap sandbox and a real python3 client inside it. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/bwrap-probe.h"
#include "linux/spawn.h"
#include "tap.h"

static char client[] =
	"import socket, errno, fcntl, struct\n"
	"def talk(fam, addr, msg):\n"
	"    s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(5); s.connect(addr)\n"
	"    s.sendall(msg); r = s.recv(64); s.close(); return r.decode()\n"
	"print('v4', talk(socket.AF_INET, ('127.0.0.1', 3128), b'hello4'))\n"
	"print('v6', talk(socket.AF_INET6, ('::1', 3128), b'hello6'))\n"
	"for addr in [('127.0.0.1', 1), ('192.0.2.1', 80)]:\n"
	"    s = socket.socket(); s.settimeout(5)\n"
	"    try:\n"
	"        s.connect(addr); print('connected', addr)\n"
	"    except OSError as e:\n"
	"        print('refused', addr[0], errno.errorcode.get(e.errno, e.errno))\n"
	"s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
	"try:\n"
	"    fcntl.ioctl(s, 0x8914, struct.pack('16sH14x', b'lo', 0)); print('lo-down done')\n"
	"except OSError as e:\n"
	"    print('lo-down', errno.errorcode.get(e.errno, e.errno))\n";

static int serve_one(int lfd, const char *reply, char *got, size_t gotsz)
{
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	int c;
	ssize_t k;

	if (poll(&p, 1, 10000) != 1)
		return -1;
	c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return -1;
	k = read(c, got, gotsz - 1);
	got[k > 0 ? k : 0] = '\0';
	if (write(c, reply, strlen(reply)) < 0)
		k = -1;
	close(c);
	return k > 0 ? 0 : -1;
}

int main(void)
{
	struct netns_listener l[] = {{AF_INET, 3128}, {AF_INET6, 3128}};
	int lfds[2] = {-1, -1}, out[2], status = 0;
	struct spawn_net net = {.listen = l, .n = 2, .ret_fds = lfds};
	struct spawn_fds sf = {.src = NULL, .n = 0, .stdio = {-1, -1, -1}};
	char *bwrap = NULL, got4[64], got6[64], outbuf[2048];
	bool own = false;
	srt_error *e = NULL;
	pid_t pid;
	ssize_t k;
	size_t len = 0;
	extern char **environ;

	if (find_executable("bwrap", getenv("PATH"), &bwrap) < 0 ||
	    access("/usr/bin/python3", X_OK) < 0) {
		printf("1..0 # SKIP bwrap or python3 missing\n");
		return getenv("SRT_TESTS_MUST_WORK") ? 1 : 0;
	}
	char *argv[] = {bwrap,	     "--unshare-user", "--unshare-pid", "--cap-drop",
			"ALL",	     "--die-with-parent", "--ro-bind", "/",
			"/",	     "--dev",		  "/dev",	"--proc",
			"/proc",     "--",		  "/usr/bin/python3", "-c",
			(char *)client, NULL};

	if (pipe2(out, O_CLOEXEC) < 0)
		return 1;
	sf.stdio[1] = out[1];
	pid = spawn_bwrap(bwrap, argv, environ, &sf, true, &net, &own, &e);
	close(out[1]);
	ok(pid > 0, "sandbox spawned with a network namespace of srt's own (%s)",
	   e ? srt_error_message(e) : "ok");
	if (pid <= 0)
		return tap_exit();
	ok(own, "bwrap is pid 1 of srt's namespaces");
	ok(lfds[0] >= 0 && lfds[1] >= 0, "srt received both listeners");
	ok(fcntl(lfds[0], F_GETFD) & FD_CLOEXEC, "received listeners are CLOEXEC");

	ok(serve_one(lfds[0], "world4", got4, sizeof(got4)) == 0, "accepted the IPv4 connection");
	is_str(got4, "hello4", "bytes from inside arrive at srt");
	ok(serve_one(lfds[1], "world6", got6, sizeof(got6)) == 0, "accepted the IPv6 connection");
	is_str(got6, "hello6", "IPv6 too");

	while (len < sizeof(outbuf) - 1 && (k = read(out[0], outbuf + len, sizeof(outbuf) - 1 - len)) > 0)
		len += (size_t)k;
	outbuf[len] = '\0';
	waitpid(pid, &status, 0);
	like_str(outbuf, "v4 world4", "the client inside got srt's reply (IPv4)");
	like_str(outbuf, "v6 world6", "the client inside got srt's reply (IPv6)");
	like_str(outbuf, "refused 127.0.0.1 ECONNREFUSED",
		 "another loopback port inside: refused at once");
	like_str(outbuf, "refused 192.0.2.1 ENETUNREACH",
		 "anything off loopback: unreachable at once, nothing leaves");
	like_str(outbuf, "lo-down EPERM", "the sandbox cannot reconfigure its namespace");
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "sandbox exited cleanly");
	if (len)
		printf("# sandbox output:\n# %s\n", outbuf);
	close(lfds[0]);
	close(lfds[1]);
	free(bwrap);
	srt_error_free(e);
	return tap_exit();
}
