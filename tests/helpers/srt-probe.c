/* SPDX-License-Identifier: Apache-2.0 */
/* srt-probe: a multi-call probe that integration tests run INSIDE a sandbox.
 *
 *   srt-probe SUBCOMMAND ARGS...
 *
 * Performs one operation and prints exactly one line on stdout: `OK`, or the name of the errno
 * it failed with (`EPERM`, `EACCES`, `EROFS`, ...), and exits 0 either way, so tests assert on
 * the exact outcome without needing a shell inside the sandbox. A few subcommands print a value
 * instead of OK (capeff, nonewprivs, list-fds, whoami). Subcommands that need an x86_64 host
 * print `UNSUPPORTED` elsewhere. Bad usage prints `USAGE` (details on stderr) and exits 2.
 *
 * Linux only. The probe has no dependency on libsrt. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

#define I386_NR_SOCKETCALL 102
#define I386_NR_SOCKET 359
#define I386_SYS_SOCKET 1 /* socketcall multiplexer: socket() */
#define X32_SYSCALL_BIT 0x40000000UL
#define X86_64_NR_SOCKET 41

/* Prints the result line for a call that returned r (< 0 means failure with errno e). */
static int report(long r, int e)
{
	const char *name;

	if (r >= 0) {
		puts("OK");
		return 0;
	}
	name = strerrorname_np(e);
	if (name)
		puts(name);
	else
		printf("ERRNO_%d\n", e);
	return 0;
}

/* For plain libc calls: -1 and errno. */
#define REPORT(expr)                                                                               \
	({                                                                                         \
		long _r = (long)(expr);                                                            \
		report(_r, errno);                                                                 \
	})

/* For a result that is a new fd: close it, then report. */
static int report_fd(int fd)
{
	int e = errno;

	if (fd >= 0)
		close(fd);
	return report(fd, e);
}

static int usage(const char *msg)
{
	puts("USAGE");
	fprintf(stderr, "srt-probe: %s\n", msg);
	fprintf(stderr, "usage: srt-probe SUBCOMMAND ARGS...  (see the top of srt-probe.c)\n");
	return 2;
}

static int parse_long(const char *s, int base, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, base);
	if (errno || end == s || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int do_open_read(const char *path)
{
	char buf[256];
	ssize_t n;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return report(-1, errno);
	n = read(fd, buf, sizeof(buf));
	e = errno;
	close(fd);
	return report(n, e);
}

static int do_write(const char *path, int flags)
{
	static const char data[] = "probe\n";
	ssize_t n;
	int fd, e;

	fd = open(path, flags | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return report(-1, errno);
	n = write(fd, data, sizeof(data) - 1);
	e = errno;
	if (n >= 0 && n != (ssize_t)(sizeof(data) - 1)) {
		n = -1;
		e = EIO;
	}
	if (close(fd) < 0 && n >= 0) {
		n = -1;
		e = errno;
	}
	return report(n, e);
}

static int do_readdir(const char *path)
{
	DIR *d;
	int e = 0;

	d = opendir(path);
	if (!d)
		return report(-1, errno);
	for (;;) {
		errno = 0;
		if (!readdir(d)) {
			e = errno;
			break;
		}
	}
	closedir(d);
	return report(e ? -1 : 0, e);
}

static int do_connect_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len;
	size_t n = strlen(path);
	int fd, r, e;

	/* "@name" is an abstract socket. */
	if (n == 0 || n >= sizeof(sa.sun_path))
		return usage("connect-unix: path empty or too long");
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '@' ? 0 : 1));

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return report(-1, errno);
	r = connect(fd, (struct sockaddr *)&sa, len);
	e = errno;
	close(fd);
	return report(r, e);
}

#if defined(__x86_64__)
/* An i386 system call from this 64-bit process: `int $0x80` takes the i386 number in eax and
 * arguments in ebx, ecx, edx, and the kernel handles it with the i386 table and AUDIT_ARCH_I386
 * (seccomp sees arch x86). Pointers must be below 4 GiB. r8-r11 are clobbered by that path. */
static long int80(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "r8", "r9", "r10", "r11", "memory", "cc");
	return ret;
}

static int report_raw_fd(long r)
{
	if (r >= 0) {
		close((int)r);
		return report(0, 0);
	}
	return report(-1, (int)-r);
}

static int do_socketcall_i386(void)
{
	uint32_t *args;
	long r;

	args = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1,
		    0);
	if (args == MAP_FAILED)
		return report(-1, errno);
	args[0] = AF_UNIX;
	args[1] = SOCK_STREAM;
	args[2] = 0;
	r = int80(I386_NR_SOCKETCALL, I386_SYS_SOCKET, (long)(uintptr_t)args, 0);
	munmap(args, 4096);
	return report_raw_fd(r);
}

static int do_socket_i386(void)
{
	return report_raw_fd(int80(I386_NR_SOCKET, AF_UNIX, SOCK_STREAM, 0));
}

static int do_socket_x32(void)
{
	return report_fd((int)syscall(X86_64_NR_SOCKET | X32_SYSCALL_BIT, AF_UNIX, SOCK_STREAM, 0));
}
#else
static int do_socketcall_i386(void)
{
	puts("UNSUPPORTED");
	return 0;
}

static int do_socket_i386(void)
{
	puts("UNSUPPORTED");
	return 0;
}

static int do_socket_x32(void)
{
	puts("UNSUPPORTED");
	return 0;
}
#endif

static int do_io_uring_setup(void)
{
	struct io_uring_params params;

	memset(&params, 0, sizeof(params));
	return report_fd((int)syscall(SYS_io_uring_setup, 1, &params));
}

/* Waits for a child that was created by a raw clone and should _exit(0) at once. */
static int report_child(long pid, int e)
{
	if (pid < 0)
		return report(-1, e);
	if (waitpid((pid_t)pid, NULL, __WALL) < 0)
		return report(-1, errno);
	return report(0, 0);
}

static int do_clone_newuser(void)
{
	long pid;

	/* x86_64 and most ABIs: clone(flags, newsp, parent_tid, child_tid, tls); newsp = 0 keeps
	 * the (copied) stack, as fork does. */
	pid = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), 0UL, 0UL, 0UL, 0UL);
	if (pid == 0)
		_exit(0);
	return report_child(pid, errno);
}

/* struct clone_args as of Linux 5.3 (CLONE_ARGS_SIZE_VER0 = 64 bytes). */
struct probe_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static int do_clone3(void)
{
	struct probe_clone_args args;
	long pid;

	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		_exit(0);
	return report_child(pid, errno);
}

static int do_setns_net(void)
{
	int fd, r, e;

	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return report(-1, errno);
	r = setns(fd, CLONE_NEWNET);
	e = errno;
	close(fd);
	return report(r, e);
}

static int do_ptrace_attach(pid_t pid)
{
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
		return report(-1, errno);
	/* Wait for the attach stop, then let the tracee go. */
	(void)waitpid(pid, NULL, __WALL);
	(void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return report(0, 0);
}

/* Prints the value of "Key:" from /proc/self/status (without leading blanks). */
static int print_status_field(const char *key)
{
	char line[512];
	size_t klen = strlen(key);
	FILE *f;

	f = fopen("/proc/self/status", "re");
	if (!f)
		return report(-1, errno);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			const char *v = line + klen + 1;

			v += strspn(v, " \t");
			fputs(v, stdout); /* keeps its newline */
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return report(-1, ENOENT);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int do_list_fds(void)
{
	int fds[1024];
	size_t n = 0;
	struct dirent *de;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (!d)
		return report(-1, errno);
	while ((de = readdir(d))) {
		long v;

		if (de->d_name[0] == '.' || parse_long(de->d_name, 10, &v) < 0)
			continue;
		if (v == dirfd(d) || n == sizeof(fds) / sizeof(fds[0]))
			continue;
		fds[n++] = (int)v;
	}
	closedir(d);
	qsort(fds, n, sizeof(fds[0]), cmp_int);
	for (size_t i = 0; i < n; i++)
		printf(i ? " %d" : "%d", fds[i]);
	putchar('\n');
	return 0;
}

static int do_tiocsti(unsigned long request)
{
	char c = 'x';

	/* Raw syscall so the request keeps all 64 bits (glibc passes it through unchanged
	 * anyway, but this does not depend on it). */
	return REPORT(syscall(SYS_ioctl, 0, request, &c));
}

/* Whether cmd is `name`; exits with a usage error when it is but nargs is not n. */
static bool is_cmd(const char *cmd, const char *name, int nargs, int n)
{
	if (strcmp(cmd, name) != 0)
		return false;
	if (nargs != n) {
		fprintf(stderr, "srt-probe: %s takes %d argument(s)\n", name, n);
		exit(usage("wrong number of arguments"));
	}
	return true;
}

int main(int argc, char **argv)
{
	const char *cmd;
	long v, v2;

	if (argc < 2)
		return usage("missing subcommand");
	cmd = argv[1];

#define IS(name, n) is_cmd(cmd, (name), argc - 2, (n))

	if (IS("open-read", 1))
		return do_open_read(argv[2]);
	if (IS("open-write", 1))
		return do_write(argv[2], O_CREAT | O_TRUNC);
	if (IS("append", 1))
		return do_write(argv[2], O_APPEND);
	if (IS("mkdir", 1))
		return REPORT(mkdir(argv[2], 0755));
	if (IS("rename", 2))
		return REPORT(rename(argv[2], argv[3]));
	if (IS("unlink", 1))
		return REPORT(unlink(argv[2]));
	if (IS("rmdir", 1))
		return REPORT(rmdir(argv[2]));
	if (IS("symlink", 2))
		return REPORT(symlink(argv[2], argv[3]));
	if (IS("link", 2))
		return REPORT(link(argv[2], argv[3]));
	if (IS("chmod", 2)) {
		if (parse_long(argv[3], 8, &v) < 0 || v < 0 || v > 07777)
			return usage("chmod: MODE must be octal, at most 7777");
		return REPORT(chmod(argv[2], (mode_t)v));
	}
	if (IS("truncate", 1))
		return REPORT(truncate(argv[2], 0));
	if (IS("readdir", 1))
		return do_readdir(argv[2]);

	if (IS("socket-unix", 0))
		return report_fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (IS("socket-unix-highbits", 0))
		return report_fd(
		    (int)syscall(SYS_socket, 0x100000001UL, (unsigned long)SOCK_STREAM, 0UL));
	if (IS("socket-vsock", 0))
		return report_fd(socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (IS("socket-inet", 0))
		return report_fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (IS("socketpair-unix", 0)) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return report(-1, errno);
		close(sv[0]);
		close(sv[1]);
		return report(0, 0);
	}
	if (IS("connect-unix", 1))
		return do_connect_unix(argv[2]);
	if (IS("socketcall-unix-i386", 0))
		return do_socketcall_i386();
	if (IS("socket-i386", 0))
		return do_socket_i386();
	if (IS("socket-x32", 0))
		return do_socket_x32();
	if (IS("io-uring-setup", 0))
		return do_io_uring_setup();

	if (IS("tiocsti", 0)) {
		char c = 'x';

		return REPORT(ioctl(0, TIOCSTI, &c));
	}
	if (IS("tiocsti-highbits", 0))
		return do_tiocsti((unsigned long)TIOCSTI | (1UL << 32));
	if (IS("tioclinux", 0)) {
		char subcode = 6; /* TIOCL_GETSHIFTSTATE: read-only */

		return REPORT(ioctl(0, TIOCLINUX, &subcode));
	}

	if (IS("unshare-user", 0))
		return REPORT(unshare(CLONE_NEWUSER));
	if (IS("unshare-mount", 0))
		return REPORT(unshare(CLONE_NEWNS));
	if (IS("clone-newuser", 0))
		return do_clone_newuser();
	if (IS("clone3", 0))
		return do_clone3();
	if (IS("mount-tmpfs", 1))
		return REPORT(mount("tmpfs", argv[2], "tmpfs", 0, "size=1m"));
	if (IS("remount-rw", 1))
		return REPORT(mount(NULL, argv[2], NULL, MS_REMOUNT | MS_BIND, NULL));
	if (IS("setns-net", 0))
		return do_setns_net();
	if (IS("keyctl", 0))
		return REPORT(
		    syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));

	if (IS("ptrace-attach", 1)) {
		if (parse_long(argv[2], 10, &v) < 0 || v <= 0 || v > INT_MAX)
			return usage("ptrace-attach: PID must be a positive number");
		return do_ptrace_attach((pid_t)v);
	}
	if (IS("kill", 2)) {
		if (parse_long(argv[2], 10, &v) < 0 || v < INT_MIN || v > INT_MAX ||
		    parse_long(argv[3], 10, &v2) < 0 || v2 < 0 || v2 > 64)
			return usage("kill: PID and SIG must be numbers");
		return REPORT(kill((pid_t)v, (int)v2));
	}

	if (IS("capeff", 0))
		return print_status_field("CapEff");
	if (IS("nonewprivs", 0))
		return print_status_field("NoNewPrivs");
	if (IS("list-fds", 0))
		return do_list_fds();
	if (IS("whoami", 0)) {
		printf("%u\n", (unsigned)getuid());
		return 0;
	}
	if (IS("exec", 1)) {
		char *const args[] = {argv[2], NULL};

		fflush(stdout);
		execv(argv[2], args);
		return report(-1, errno);
	}

	return usage("unknown subcommand");
}
