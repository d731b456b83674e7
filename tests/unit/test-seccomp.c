/* SPDX-License-Identifier: Apache-2.0 */
/* The seccomp filter, for real: each check runs in a forked child that loads the exported BPF
 * program (as bwrap does: NO_NEW_PRIVS, then SECCOMP_SET_MODE_FILTER) and reports the result of
 * one system call through a pipe. The parent reports "OK", an errno name, or "SIG..." when the
 * filter killed the child. Each check also runs without the filter first, to show that the
 * probe itself works here (printed as a diagnostic; it depends on the machine). */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/seccomp-filter.h"
#include "shared/cleanup.h"
#include "srt/srt.h"
#include "tap.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#define X32_SYSCALL_BIT 0x40000000L
#define NR_OPEN_TREE_ATTR 467

/* A check performs one operation and returns 0 or -errno. */
typedef long (*check_fn)(void);

static long neg_errno(long r) { return r < 0 ? -errno : 0; }

static long close_result(long fd)
{
	long r = neg_errno(fd);

	if (fd >= 0)
		close((int)fd);
	return r;
}

static long check_socket_unix(void)
{
	return close_result(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
}

static long check_socket_unix_highbits(void)
{
	return close_result(syscall(SYS_socket, 0x100000001UL, (unsigned long)SOCK_STREAM, 0UL));
}

static long check_socket_inet(void)
{
	return close_result(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
}

static long check_socket_vsock(void)
{
	return close_result(socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0));
}

static long check_socketpair_unix(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

static long check_io_uring_setup(void)
{
	unsigned char params[120]; /* struct io_uring_params */

	memset(params, 0, sizeof(params));
	return close_result(syscall(425 /* io_uring_setup */, 1, params));
}

/* Makes a new pty the controlling terminal of this (new) session and returns its slave fd, so
 * that TIOCSTI is allowed for an unprivileged caller. */
static int open_ctty(void)
{
	int master, slave;

	if (setsid() < 0)
		return -errno;
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return -errno;
	if (grantpt(master) < 0 || unlockpt(master) < 0)
		return -errno;
	slave = open(ptsname(master), O_RDWR | O_CLOEXEC); /* no O_NOCTTY: becomes the ctty */
	if (slave < 0)
		return -errno;
	/* master stays open until the child exits */
	return slave;
}

static long ioctl_on_ctty(unsigned long request, void *arg)
{
	int tty = open_ctty();

	if (tty < 0)
		return tty;
	return neg_errno(syscall(SYS_ioctl, tty, request, arg));
}

static long check_tiocsti(void)
{
	char c = 'x';

	return ioctl_on_ctty(TIOCSTI, &c);
}

static long check_tiocsti_highbits(void)
{
	char c = 'x';

	return ioctl_on_ctty((unsigned long)TIOCSTI | (1UL << 32), &c);
}

static long check_tioclinux(void)
{
	char subcode = 6; /* TIOCL_GETSHIFTSTATE */

	return ioctl_on_ctty(TIOCLINUX, &subcode);
}

static long check_unshare_user(void) { return neg_errno(unshare(CLONE_NEWUSER)); }

static long wait_child(long pid)
{
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(0);
	if (waitpid((pid_t)pid, NULL, __WALL) < 0)
		return -errno;
	return 0;
}

static long check_clone_newuser(void)
{
	return wait_child(
	    syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), 0UL, 0UL, 0UL, 0UL));
}

static long check_clone3(void)
{
	uint64_t args[8] = {0}; /* struct clone_args, CLONE_ARGS_SIZE_VER0 */

	args[4] = SIGCHLD; /* exit_signal */
	return wait_child(syscall(435 /* clone3 */, args, sizeof(args)));
}

static long check_fork(void) { return wait_child(fork()); }

static void *thread_main(void *arg) { return arg; }

static long check_pthread_create(void)
{
	pthread_t t;
	int r;

	r = pthread_create(&t, NULL, thread_main, NULL);
	if (r != 0)
		return -r;
	pthread_join(t, NULL);
	return 0;
}

static long check_keyctl(void)
{
	/* KEYCTL_GET_KEYRING_ID (0) of KEY_SPEC_SESSION_KEYRING (-3), create = 0 */
	return neg_errno(syscall(SYS_keyctl, 0, -3, 0));
}

static long check_setns(void)
{
	_cleanup_close_ int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return neg_errno(setns(fd, CLONE_NEWNET));
}

static long check_mount(void)
{
	return neg_errno(syscall(SYS_mount, "none", "/nonexistent-srt-test", "tmpfs", 0UL, NULL));
}

static long check_open_tree_attr(void)
{
	/* Unknown to libseccomp 2.5.4: denied by number. Bad arguments on purpose. */
	return close_result(syscall(NR_OPEN_TREE_ATTR, -1, "", 0UL, NULL, 0UL));
}

static long check_bpf(void) { return neg_errno(syscall(SYS_bpf, -1, NULL, 0)); }

static long check_process_vm_readv(void)
{
	char src[8] = "abcdefg", dst[8];
	struct iovec l = {dst, sizeof(dst)}, r = {src, sizeof(src)};

	return neg_errno(process_vm_readv(getpid(), &l, 1, &r, 1, 0));
}

#if defined(__x86_64__)
/* An i386 system call from this 64-bit process (seccomp sees AUDIT_ARCH_I386). */
static long int80(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "r8", "r9", "r10", "r11", "memory", "cc");
	return ret;
}

static long raw_close_result(long r)
{
	if (r >= 0) {
		close((int)r);
		return 0;
	}
	return r;
}

static long check_socket_i386(void)
{
	return raw_close_result(int80(359 /* i386 socket */, AF_UNIX, SOCK_STREAM, 0));
}

static long check_socketcall_i386(void)
{
	uint32_t *args;
	long r;

	/* The argument block must be addressable with 32 bits. */
	args = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1,
		    0);
	if (args == MAP_FAILED)
		return -errno;
	args[0] = AF_UNIX;
	args[1] = SOCK_STREAM;
	args[2] = 0;
	r = int80(102 /* i386 socketcall */, 1 /* SYS_SOCKET */, (long)(uintptr_t)args, 0);
	return raw_close_result(r);
}

static long check_socketcall_i386_inet(void)
{
	uint32_t *args;
	long r;

	args = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1,
		    0);
	if (args == MAP_FAILED)
		return -errno;
	args[0] = AF_INET;
	args[1] = SOCK_STREAM;
	args[2] = 0;
	r = int80(102, 1, (long)(uintptr_t)args, 0);
	return raw_close_result(r);
}

static long check_socket_x32(void)
{
	return close_result(syscall(41 | X32_SYSCALL_BIT, AF_UNIX, SOCK_STREAM, 0));
}

static long check_socket_x32_inet(void)
{
	return close_result(syscall(41 | X32_SYSCALL_BIT, AF_INET, SOCK_STREAM, 0));
}
#endif

/* Loads the program in filter_fd into this process, as bwrap does. */
static int load_filter(int filter_fd)
{
	struct sock_filter insns[BPF_MAXINSNS];
	struct sock_fprog prog;
	ssize_t n;

	n = pread(filter_fd, insns, sizeof(insns), 0);
	if (n <= 0 || n % (ssize_t)sizeof(insns[0]) != 0)
		return -EINVAL;
	prog.len = (unsigned short)(n / (ssize_t)sizeof(insns[0]));
	prog.filter = insns;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return -errno;
	return 0;
}

/* Runs fn in a child, under the filter when filter_fd >= 0; returns "OK", an errno name,
 * "SIG<name>" or "LOAD-<errno>" in a static buffer. */
static const char *run(int filter_fd, check_fn fn)
{
	static char out[64];
	int pfd[2];
	long result = 0;
	ssize_t n;
	pid_t pid;
	int status;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return "PIPE-FAILED";
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return "FORK-FAILED";
	if (pid == 0) {
		long r;

		close(pfd[0]);
		/* a fault is the result, not a crash of the test (the sanitizers catch SIGSEGV) */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		if (filter_fd >= 0) {
			r = load_filter(filter_fd);
			if (r < 0) {
				r = -100000 + r; /* mark a load failure */
				(void)!write(pfd[1], &r, sizeof(r));
				_exit(0);
			}
		}
		r = fn();
		(void)!write(pfd[1], &r, sizeof(r));
		_exit(0);
	}
	close(pfd[1]);
	n = read(pfd[0], &result, sizeof(result));
	close(pfd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return "WAIT-FAILED";

	if (WIFSIGNALED(status)) {
		const char *s = sigabbrev_np(WTERMSIG(status));

		snprintf(out, sizeof(out), "SIG%s", s ? s : "?");
	} else if (n != (ssize_t)sizeof(result)) {
		snprintf(out, sizeof(out), "NO-RESULT");
	} else if (result <= -100000) {
		snprintf(out, sizeof(out), "LOAD-%s", strerrorname_np((int)(-100000 - result)));
	} else if (result == 0) {
		snprintf(out, sizeof(out), "OK");
	} else {
		const char *e = strerrorname_np((int)-result);

		if (e)
			snprintf(out, sizeof(out), "%s", e);
		else
			snprintf(out, sizeof(out), "ERRNO_%ld", -result);
	}
	return out;
}

/* Runs one check without and with the filter and asserts the filtered result. */
static void expect(int filter_fd, const char *name, check_fn fn, const char *want)
{
	char baseline[64];

	snprintf(baseline, sizeof(baseline), "%s", run(-1, fn));
	is_str(run(filter_fd, fn), want, "%s -> %s (without the filter: %s)", name, want, baseline);
}

#if defined(__x86_64__)
/* As expect(), for an i386 call: some kernels (and VMs) have no i386 entry point, and int 0x80
 * then faults with or without the filter. There the filter cannot be what decides, so the
 * check is that the outcome is the same fault (no socket either way). */
static void expect_i386(int filter_fd, const char *name, check_fn fn, const char *want)
{
	char baseline[64];

	snprintf(baseline, sizeof(baseline), "%s", run(-1, fn));
	if (strncmp(baseline, "SIG", 3) == 0 || strcmp(baseline, "NO-RESULT") == 0)
		is_str(run(filter_fd, fn), baseline,
		       "%s: i386 unavailable on this host, the same %s with the filter", name,
		       baseline);
	else
		is_str(run(filter_fd, fn), want, "%s -> %s (without the filter: %s)", name, want,
		       baseline);
}
#endif

static int build(bool unix_ok, bool userns_ok)
{
	struct seccomp_policy p = {.allow_unix_sockets = unix_ok, .allow_nested_userns = userns_ok};
	srt_error *err = NULL;
	int fd = -EBADF, r;

	r = seccomp_build_filter_fd(&p, &fd, &err);
	if (!ok(r == 0 && fd >= 0, "build filter (unix=%d, userns=%d)", unix_ok, userns_ok))
		printf("#   r=%d: %s\n", r, srt_error_message(err));
	srt_error_free(err);
	return r == 0 ? fd : -1;
}

static void test_fd_properties(int fd)
{
	struct stat st = {0};
	int flags, seals;

	is_int(fstat(fd, &st), 0, "fstat of the filter fd");
	ok(st.st_size > 0, "filter is not empty (%lld bytes)", (long long)st.st_size);
	is_int(st.st_size % 8, 0, "filter size is a multiple of 8");
	ok(st.st_size <= BPF_MAXINSNS * 8, "filter has at most BPF_MAXINSNS instructions");
	is_int(lseek(fd, 0, SEEK_CUR), 0, "filter fd is at offset 0");
	flags = fcntl(fd, F_GETFD);
	ok(flags >= 0 && (flags & FD_CLOEXEC), "filter fd is close-on-exec");
	seals = fcntl(fd, F_GET_SEALS);
	ok(seals >= 0 && (seals & F_SEAL_WRITE) && (seals & F_SEAL_SEAL), "filter memfd is sealed");
	ok(write(fd, "x", 1) < 0 && errno == EPERM, "filter memfd cannot be written");
}

static void test_bad_arguments(void)
{
	struct seccomp_policy p = {0};
	srt_error *err = NULL;
	int fd = 12345;

	is_int(seccomp_build_filter_fd(NULL, &fd, &err), -EINVAL, "NULL policy -> -EINVAL");
	is_int(srt_error_code(err), SRT_E_INVALID_ARGUMENT, "NULL policy error code");
	is_int(fd, 12345, "ret_fd untouched on failure");
	err = srt_error_free(err);
	is_int(seccomp_build_filter_fd(&p, NULL, NULL), -EINVAL, "NULL ret_fd -> -EINVAL");
}

static void test_default_policy(void)
{
	_cleanup_close_ int fd = build(false, false);

	if (fd < 0)
		return;
	test_fd_properties(fd);

	expect(fd, "socket(AF_UNIX)", check_socket_unix, "EPERM");
	expect(fd, "socket(AF_UNIX | 1 << 32)", check_socket_unix_highbits, "EPERM");
	expect(fd, "socket(AF_INET)", check_socket_inet, "OK");
	expect(fd, "socket(AF_VSOCK)", check_socket_vsock, "EPERM");
	expect(fd, "socketpair(AF_UNIX)", check_socketpair_unix, "OK");
	expect(fd, "io_uring_setup", check_io_uring_setup, "EPERM");
	expect(fd, "ioctl(TIOCSTI) on the ctty", check_tiocsti, "EPERM");
	expect(fd, "ioctl(TIOCSTI | 1 << 32) on the ctty", check_tiocsti_highbits, "EPERM");
	expect(fd, "ioctl(TIOCLINUX)", check_tioclinux, "EPERM");
	expect(fd, "unshare(CLONE_NEWUSER)", check_unshare_user, "EPERM");
	expect(fd, "clone(CLONE_NEWUSER)", check_clone_newuser, "EPERM");
	expect(fd, "clone3", check_clone3, "ENOSYS");
	expect(fd, "fork still works", check_fork, "OK");
	expect(fd, "pthread_create still works (clone3 -> clone fallback)", check_pthread_create,
	       "OK");
	expect(fd, "keyctl", check_keyctl, "EPERM");
	expect(fd, "setns", check_setns, "EPERM");
	expect(fd, "mount", check_mount, "EPERM");
	expect(fd, "open_tree_attr (by number)", check_open_tree_attr, "EPERM");
	expect(fd, "bpf", check_bpf, "EPERM");
	expect(fd, "process_vm_readv stays allowed", check_process_vm_readv, "OK");
#if defined(__x86_64__)
	expect_i386(fd, "i386 socket(AF_UNIX) via int 0x80", check_socket_i386, "EPERM");
	expect_i386(fd, "i386 socketcall(SYS_SOCKET, AF_UNIX) via int 0x80", check_socketcall_i386,
	       "EPERM");
	expect_i386(fd, "i386 socketcall(SYS_SOCKET, AF_INET) is denied too", check_socketcall_i386_inet,
	       "EPERM");
	/* x32 is in the filter, so its socket() gets the same rule as x86_64. (A kernel without
	 * CONFIG_X86_X32_ABI, like this one, answers ENOSYS to x32 calls the filter lets by.) */
	expect(fd, "x32 socket(AF_UNIX)", check_socket_x32, "EPERM");
	{
		const char *got = run(fd, check_socket_x32_inet);

		ok(strcmp(got, "OK") == 0 || strcmp(got, "ENOSYS") == 0,
		   "x32 socket(AF_INET) is allowed by the filter (kernel decides: %s)", got);
	}
#endif
}

static void test_allow_unix_sockets(void)
{
	_cleanup_close_ int fd = build(true, false);

	if (fd < 0)
		return;
	expect(fd, "allowAllUnixSockets: socket(AF_UNIX)", check_socket_unix, "OK");
	expect(fd, "allowAllUnixSockets: socket(AF_UNIX | 1 << 32)", check_socket_unix_highbits,
	       "OK");
	expect(fd, "allowAllUnixSockets: socket(AF_VSOCK)", check_socket_vsock, "EPERM");
	expect(fd, "allowAllUnixSockets: io_uring_setup", check_io_uring_setup, "EPERM");
	expect(fd, "allowAllUnixSockets: unshare(CLONE_NEWUSER)", check_unshare_user, "EPERM");
#if defined(__x86_64__)
	expect_i386(fd, "allowAllUnixSockets: i386 socket(AF_UNIX)", check_socket_i386, "OK");
	/* socketcall stays denied: its arguments cannot be checked (AF_VSOCK). */
	expect_i386(fd, "allowAllUnixSockets: i386 socketcall", check_socketcall_i386, "EPERM");
#endif
}

static void test_allow_nested_userns(void)
{
	_cleanup_close_ int fd = build(false, true);
	const char *base;

	if (fd < 0)
		return;
	expect(fd, "allowNestedUserNamespaces: clone3", check_clone3, "OK");
	expect(fd, "allowNestedUserNamespaces: socket(AF_UNIX)", check_socket_unix, "EPERM");
	expect(fd, "allowNestedUserNamespaces: keyctl", check_keyctl, "EPERM");
	/* Whether a user namespace can be created at all depends on the machine: the filter must
	 * simply not change the answer. */
	base = run(-1, check_unshare_user);
	{
		char b[64];

		snprintf(b, sizeof(b), "%s", base);
		is_str(run(fd, check_unshare_user), b,
		       "allowNestedUserNamespaces: unshare(CLONE_NEWUSER) as without the filter");
	}
}

int main(void)
{
	plan_no_plan();
	test_bad_arguments();
	test_default_policy();
	test_allow_unix_sockets();
	test_allow_nested_userns();
	return tap_exit();
}
