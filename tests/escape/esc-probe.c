/* SPDX-License-Identifier: Apache-2.0 */
/* esc-probe: raw system calls for the escape battery (tests/escape/), run INSIDE a sandbox
 * (and a few on the host, to set up or to check a control).
 *
 *   esc-probe SUBCOMMAND ARGS...
 *
 * Each subcommand performs one attempt and prints one line: `OK` (the attempt worked), the
 * errno name it failed with (`EPERM`, ...), or for the i386/x32 subcommands `SIGSEGV`,
 * `SIGSYS`, ... when the attempt killed the process that made it (it runs in a child). A few
 * print a value (add-key, shm-create). Bad usage prints `USAGE` and exits 2.
 *
 * Linux only; no dependency on libsrt. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif
#ifndef SYS_io_uring_enter
#define SYS_io_uring_enter 426
#endif
#ifndef SYS_io_uring_register
#define SYS_io_uring_register 427
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#define X32_BIT 0x40000000L

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

#define REPORT(expr)                                                                               \
	({                                                                                         \
		long _r = (long)(expr);                                                            \
		report(_r, errno);                                                                 \
	})

static int usage(const char *msg)
{
	puts("USAGE");
	fprintf(stderr, "esc-probe: %s\n", msg);
	return 2;
}

static long num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "esc-probe: not a number: %s\n", s);
		exit(2);
	}
	return v;
}

static socklen_t unix_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (path[0] == '@') { /* abstract */
		strncpy(a->sun_path + 1, path + 1, sizeof(a->sun_path) - 2);
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path + 1));
	}
	strncpy(a->sun_path, path, sizeof(a->sun_path) - 1);
	return sizeof(*a);
}

/* A socket of an AF_UNIX socket pair of `type`, sent (mode "send") or connected ("connect")
 * to a socket file: a datagram socket picks a new peer on connect and sendto. */
static int do_pair(int type, const char *mode, const char *path)
{
	struct sockaddr_un a;
	socklen_t len = unix_addr(&a, path);
	int sv[2];
	long r;

	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
		return report(-1, errno);
	if (strcmp(mode, "send") == 0)
		r = sendto(sv[0], "esc-probe", 9, MSG_DONTWAIT, (struct sockaddr *)&a, len);
	else
		r = connect(sv[0], (struct sockaddr *)&a, len);
	return report(r, errno);
}

/* Runs fn in a child, so that a signal it dies of is reported instead of killing us. */
static int in_child(long (*fn)(long), long arg)
{
	int st;
	pid_t p;

	fflush(stdout);
	p = fork();
	if (p < 0)
		return report(-1, errno);
	if (p == 0) {
		long r;

		/* The sanitizers' handlers would turn the signal into an exit. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGSYS, SIG_DFL);
		r = fn(arg);

		report(r < 0 ? -1 : 0, r < 0 ? (int)-r : 0);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(p, &st, 0) < 0)
		return report(-1, errno);
	if (WIFSIGNALED(st))
		printf("SIG%s\n", sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
	else if (WEXITSTATUS(st) != 0)
		printf("EXIT%d\n", WEXITSTATUS(st));
	return 0;
}

/* The attempts made through the other ABIs: name, i386 number, x86_64 number, arguments. A
 * memory argument points at a zeroed page below 4 GiB (i386 pointers are 32 bits). */
struct abi_call {
	const char *name;
	long nr_i386, nr_64;
	long a, b, c;
};
static const struct abi_call abi_calls[] = {
	{"getpid", 20, 39, 0, 0, 0},
	{"socket-unix", 359, 41, AF_UNIX, SOCK_STREAM, 0},
	{"socketpair-dgram", 360, 53, AF_UNIX, SOCK_DGRAM, -1 /* page */},
	{"socketcall-socket", 102, -1, 1 /* SYS_SOCKET */, -1 /* page */, 0},
	{"io_uring_setup", 425, 425, 4, -1, 0},
	{"unshare-user", 310, 272, CLONE_NEWUSER, 0, 0},
	{"keyctl", 288, 250, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0},
	{"mount", 21, 165, -1, -1, -1},
	{"bpf", 357, 321, BPF_MAP_CREATE, -1, 128},
	{"userfaultfd", 374, 323, 0, 0, 0},
	{"setns", 346, 308, 0, 0, 0},
	/* creations under a deny glob (the creation guard): -2 is the path "esc-abi.pem" */
	{"mkdir-pem", 39, 83, -2, 0755, 0},
	{"open-creat-pem", 5, 2, -2, 0101 /* O_CREAT | O_WRONLY */, 0644},
};
static const struct abi_call *abi_call;
static uint32_t *low_page;

static long arg_of(long v)
{
	if (v == -2)
		return (long)(uintptr_t)((char *)low_page + 64);
	return v == -1 ? (long)(uintptr_t)low_page : v;
}

#if defined(__x86_64__)
static long call_i386(long unused)
{
	long ret;

	(void)unused;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(abi_call->nr_i386), "b"(arg_of(abi_call->a)), "c"(arg_of(abi_call->b)),
			   "d"(arg_of(abi_call->c))
			 : "r8", "r9", "r10", "r11", "memory", "cc");
	return ret;
}

static long call_x32(long unused)
{
	long r;

	(void)unused;
	r = syscall(abi_call->nr_64 | X32_BIT, arg_of(abi_call->a), arg_of(abi_call->b),
		    arg_of(abi_call->c));
	return r < 0 ? -errno : r;
}
#endif

static int do_abi(const char *abi, const char *name)
{
#if defined(__x86_64__)
	for (size_t i = 0; i < sizeof(abi_calls) / sizeof(abi_calls[0]); i++) {
		if (strcmp(abi_calls[i].name, name) != 0)
			continue;
		abi_call = &abi_calls[i];
		low_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		if (low_page == MAP_FAILED)
			return report(-1, errno);
		low_page[0] = AF_UNIX; /* socketcall(SYS_SOCKET, {AF_UNIX, SOCK_STREAM, 0}) */
		low_page[1] = SOCK_STREAM;
		memcpy((char *)low_page + 64, "esc-abi.pem", 12);
		if (strcmp(abi, "i386") == 0)
			return in_child(call_i386, 0);
		if (strcmp(abi, "x32") == 0 && abi_call->nr_64 >= 0)
			return in_child(call_x32, 0);
		return usage("no such ABI or call");
	}
	return usage("unknown call");
#else
	(void)abi;
	(void)name;
	puts("UNSUPPORTED");
	return 0;
#endif
}

static int do_ptrace(pid_t pid)
{
	long r = ptrace(PTRACE_SEIZE, pid, 0, 0);
	int e = errno;

	if (r == 0)
		ptrace(PTRACE_DETACH, pid, 0, 0);
	return report(r, e);
}

/* Writes one byte of our own into the other process at an address it certainly has mapped
 * (its stack pointer is unknown; the vDSO is at a random address): /proc/PID/mem opened for
 * writing is the attempt, the write itself is not needed to prove the point. */
static int do_proc_mem(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	int e = errno;

	if (fd >= 0)
		close(fd);
	return report(fd, e);
}

static int do_vm_write(pid_t pid)
{
	char b = 0;
	struct iovec local = {.iov_base = &b, .iov_len = 1};
	struct iovec remote = {.iov_base = (void *)4096, .iov_len = 1};
	long r = process_vm_writev(pid, &local, 1, &remote, 1, 0);

	/* EFAULT means the permission check passed and only the address was bad. */
	return report(r, errno);
}

static int do_perf(void)
{
	struct perf_event_attr a = {.type = PERF_TYPE_SOFTWARE,
				    .size = sizeof(a),
				    .config = PERF_COUNT_SW_CPU_CLOCK,
				    .disabled = 1};
	long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);

	return report(fd, errno);
}

static int do_bpf(void)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	return REPORT(syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a)));
}

static int do_open_by_handle(const char *path)
{
	struct {
		struct file_handle h;
		unsigned char buf[128];
	} fh;
	int mount_id, fd;

	fh.h.handle_bytes = sizeof(fh.buf);
	if (name_to_handle_at(AT_FDCWD, path, &fh.h, &mount_id, 0) < 0)
		return report(-1, errno);
	fd = open_by_handle_at(AT_FDCWD, &fh.h, O_RDONLY | O_CLOEXEC);
	return report(fd, errno);
}

static int do_setns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return report(-1, errno);
	return REPORT(setns(fd, 0));
}

static int do_linkat_fd(const char *src, const char *dst)
{
	int fd = open(src, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return report(-1, errno);
	return REPORT(linkat(fd, "", AT_FDCWD, dst, AT_EMPTY_PATH));
}

/* Re-opens an O_PATH descriptor of `path` for writing through its /proc magic link. */
static int do_reopen_write(const char *path)
{
	char link[64];
	int fd = open(path, O_PATH | O_CLOEXEC), w;

	if (fd < 0)
		return report(-1, errno);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	w = open(link, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (w >= 0 && write(w, "esc\n", 4) < 0)
		return report(-1, errno);
	return report(w, errno);
}

static int do_add_key(const char *desc, const char *payload)
{
	long k = syscall(SYS_add_key, "user", desc, payload, strlen(payload),
			 KEY_SPEC_USER_KEYRING);

	if (k < 0)
		return report(-1, errno);
	printf("%ld\n", k);
	return 0;
}

/* In a new user and mount namespace (capabilities over a private copy of the mount tree, no
 * exec that would drop them): unmask `mask`, remount the read-only bind `ro` read-write and
 * write to it, remount / read-write, mount a tmpfs over `dir`. Prints KEY=RESULT lines. */
static int do_nested(const char *mask, const char *ro, const char *dir)
{
	char line[256];
	FILE *f;
	int fd;

	printf("unshare=");
	REPORT(unshare(CLONE_NEWUSER | CLONE_NEWNS));
	f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "CapEff:\t", 8) == 0)
			printf("capeff=%s", line + 8);
	if (f)
		fclose(f);
	printf("umount=");
	REPORT(umount2(mask, MNT_DETACH));
	printf("remount=");
	REPORT(mount(NULL, ro, NULL, MS_REMOUNT | MS_BIND, NULL));
	printf("write=");
	fd = open(ro, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd >= 0 && write(fd, "pwned\n", 6) < 0)
		fd = -1;
	report(fd, errno);
	printf("rootrw=");
	REPORT(mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL));
	printf("tmpfs=");
	REPORT(mount("none", dir, "tmpfs", 0, NULL));
	return 0;
}

int main(int argc, char **argv)
{
	const char *c;

	if (argc < 2)
		return usage("no subcommand");
	c = argv[1];
#define IS(n, k) (strcmp(c, (n)) == 0 && (argc == (k) + 2 || (exit(usage("wrong arguments")), 0)))
	if (IS("pair-dgram", 2))
		return do_pair(SOCK_DGRAM, argv[2], argv[3]);
	if (IS("pair-raw", 2))
		return do_pair(SOCK_RAW, argv[2], argv[3]);
	if (IS("pair-stream", 2))
		return do_pair(SOCK_STREAM, argv[2], argv[3]);
	if (IS("pair-seqpacket", 2))
		return do_pair(SOCK_SEQPACKET, argv[2], argv[3]);
	if (IS("abi", 2))
		return do_abi(argv[2], argv[3]);
	if (IS("io-uring-enter", 1))
		return REPORT(syscall(SYS_io_uring_enter, (int)num(argv[2]), 1, 0, 0, NULL, 0));
	if (IS("io-uring-register", 1))
		return REPORT(syscall(SYS_io_uring_register, (int)num(argv[2]), 0, NULL, 0));
	if (IS("ptrace", 1))
		return do_ptrace((pid_t)num(argv[2]));
	if (IS("proc-mem", 1))
		return do_proc_mem((pid_t)num(argv[2]));
	if (IS("vm-write", 1))
		return do_vm_write((pid_t)num(argv[2]));
	if (IS("perf", 0))
		return do_perf();
	if (IS("bpf", 0))
		return do_bpf();
	if (IS("userfaultfd", 0))
		return REPORT(syscall(SYS_userfaultfd, O_CLOEXEC));
	if (IS("open-by-handle", 1))
		return do_open_by_handle(argv[2]);
	if (IS("pivot-root", 2))
		return REPORT(syscall(SYS_pivot_root, argv[2], argv[3]));
	if (IS("chroot", 1))
		return REPORT(chroot(argv[2]));
	if (IS("setns", 1))
		return do_setns(argv[2]);
	if (IS("unshare", 1))
		return REPORT(unshare((int)num(argv[2])));
	if (IS("mount-bind", 2))
		return REPORT(mount(argv[2], argv[3], NULL, MS_BIND, NULL));
	if (IS("umount", 1))
		return REPORT(umount2(argv[2], MNT_DETACH));
	if (IS("mknod", 1))
		return REPORT(mknod(argv[2], S_IFCHR | 0666, makedev(1, 3)));
	if (IS("kill", 2))
		return REPORT(kill((pid_t)num(argv[2]), (int)num(argv[3])));
	if (IS("pidfd-open", 1))
		return REPORT(syscall(SYS_pidfd_open, (pid_t)num(argv[2]), 0));
	if (IS("setpriority", 1))
		return REPORT(setpriority(PRIO_PROCESS, (id_t)num(argv[2]), 19));
	if (IS("add-key", 2))
		return do_add_key(argv[2], argv[3]);
	if (IS("key-search", 1))
		return REPORT(syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user",
				      argv[2], 0));
	if (IS("request-key", 1))
		return REPORT(syscall(SYS_request_key, "user", argv[2], NULL, 0));
	if (IS("key-invalidate", 1))
		return REPORT(syscall(SYS_keyctl, KEYCTL_INVALIDATE, num(argv[2])));
	if (IS("sethostname", 1))
		return REPORT(sethostname(argv[2], strlen(argv[2])));
	if (IS("shm-create", 1)) {
		int id = shmget((key_t)num(argv[2]), 4096, IPC_CREAT | IPC_EXCL | 0600);

		if (id < 0)
			return report(-1, errno);
		printf("%d\n", id);
		return 0;
	}
	if (IS("shm-get", 1))
		return REPORT(shmget((key_t)num(argv[2]), 0, 0));
	if (IS("shm-rm", 1))
		return REPORT(shmctl((int)num(argv[2]), IPC_RMID, NULL));
	if (IS("linkat-fd", 2))
		return do_linkat_fd(argv[2], argv[3]);
	if (IS("reopen-write", 1))
		return do_reopen_write(argv[2]);
	if (IS("rename-exchange", 2))
		return REPORT(renameat2(AT_FDCWD, argv[2], AT_FDCWD, argv[3], RENAME_EXCHANGE));
	if (IS("settime", 0)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		return REPORT(clock_settime(CLOCK_REALTIME, &ts));
	}
	if (IS("nested", 3))
		return do_nested(argv[2], argv[3], argv[4]);
	if (IS("ids", 0)) {
		printf("%d/%d\n", (int)getuid(), (int)geteuid());
		return 0;
	}
	if (IS("fd-open", 1))
		return REPORT(fcntl((int)num(argv[2]), F_GETFD));
	return usage("unknown subcommand");
}
