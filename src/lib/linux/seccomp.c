/* SPDX-License-Identifier: Apache-2.0 */
/* The sandbox's seccomp filter: a deny list on top of a default-allow policy, compiled with
 * libseccomp into one classic-BPF program that bwrap installs with `--seccomp FD` just before
 * it execs the command (after its own mounts, with NO_NEW_PRIVS set).
 *
 * seccomp is one layer of several: bwrap already runs the command in new user/pid/mount
 * namespaces with every capability dropped, and most of the calls denied here would fail
 * without capabilities anyway. The filter closes what capabilities do not cover (AF_UNIX and
 * AF_VSOCK sockets, io_uring, terminal injection, nested user namespaces, the kernel keyring)
 * and adds defence in depth for the rest.
 *
 * Facts this file relies on (checked on Linux 6.18 with libseccomp 2.5.4 by
 * tests/unit/test-seccomp.c and by running tests/helpers/srt-probe under bwrap):
 *  - Each architecture (ABI) has its own system call numbers. A 64-bit x86 process can still
 *    enter the kernel through the i386 ABI (`int $0x80`, CONFIG_IA32_EMULATION) and, on kernels
 *    with CONFIG_X86_X32_ABI, through x32 (number | 0x40000000). Every such ABI gets the same
 *    rules; any ABI not in the filter hits libseccomp's default bad-arch action, kill.
 *  - Arguments are 64-bit in seccomp_data, but the kernel reads int arguments as 32 bits, so
 *    `socket(0x100000001, ...)` is an AF_UNIX socket. Every int argument is therefore compared
 *    on its low 32 bits only (SCMP_CMP_MASKED_EQ with mask 0xffffffff; the SCMP_A0_32 macro of
 *    libseccomp 2.5.4 only truncates the datum and still compares all 64 bits).
 *  - libseccomp 2.5.4 generates a broken program when a rule for a pseudo system call (one
 *    that does not exist on an ABI, such as socketcall on x86_64) is added to a filter holding
 *    both x86_64 and x32: the load of the system call number is dropped and the x86_64 rules
 *    never match (socket(AF_UNIX) was allowed). So every ABI is built in its own context, only
 *    with the system calls that exist on it, and the contexts are merged at the end.
 *  - seccomp_rule_add() takes the native number of a call and translates it to the other ABIs
 *    by name, so a call libseccomp does not know can only be denied on the native ABI. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <elf.h>
#include <link.h>
#include <linux/filter.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "linux/seccomp-filter.h"
#include "shared/cleanup.h"
#include "shared/macro.h"
#include "srt-build-config.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U /* Linux 6.3 */
#endif
#define X32_SYSCALL_BIT 0x40000000

DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release)

/* One deny rule: `name` (resolved per ABI) returns -err, optionally only when one argument
 * matches. */
struct deny_rule {
	const char *name;
	/* The number to use when libseccomp does not know the name at all (it is newer than
	 * libseccomp 2.5.4); 0 when it always knows it. Since Linux 5.1 new system calls have the
	 * same number on every ABI except alpha, ia64, mips (offsets) and x32 (bit 30), see
	 * arch_has_common_numbers(). Only usable on the native ABI, see add_rule(). */
	int nr_fallback;
	int err;
	/* socket() is multiplexed through socketcall() on i386; libseccomp knows and adds the rule
	 * to the direct system call (i386: since Linux 4.3) and to socketcall(SYS_SOCKET). Such a
	 * name resolves to a negative "pseudo" number but must still be added. */
	bool multiplexed;
	bool has_arg;
	struct scmp_arg_cmp arg;
	/* A second comparison on another argument; the rule matches when both do. */
	bool has_arg2;
	struct scmp_arg_cmp arg2;
	/* Creation guard (guard.h): always SCMP_ACT_NOTIFY, answered by srt's supervisor. */
	bool guard;
};

/* clang-format off */
#define DENY(n, e, ...) {.name = (n), .err = (e), __VA_ARGS__}

/* The low 32 bits of argument `a` equal `v` (see the top of the file for why not SCMP_CMP_EQ). */
#define ARG_LO32_EQ(a, v)                                                                          \
	.has_arg = true, .arg = {.arg = (a), .op = SCMP_CMP_MASKED_EQ, .datum_a = 0xffffffffU,    \
				 .datum_b = (uint32_t)(v) }
/* The bits of argument `a` under `mask` equal `v` (a second comparison, see has_arg2). */
#define ARG2_MASKED_EQ(a, mask, v)                                                                 \
	.has_arg2 = true, .arg2 = {.arg = (a), .op = SCMP_CMP_MASKED_EQ, .datum_a = (mask),       \
				   .datum_b = (v) }
/* All bits of `bit` are set in argument `a`. */
#define ARG_HAS_BIT(a, bit)                                                                        \
	.has_arg = true, .arg = {.arg = (a), .op = SCMP_CMP_MASKED_EQ, .datum_a = (bit),          \
				 .datum_b = (bit) }

/* AF_UNIX sockets reach every host service with a socket file that is visible (bind-mounted)
 * in the sandbox, and every abstract socket of the host network namespace when the network is
 * not unshared: the docker daemon, ssh-agent, D-Bus (systemd-run), X11. Denied unless the
 * settings say network.allowAllUnixSockets. */
static const struct deny_rule rules_unix_socket[] = {
	DENY("socket", EPERM, .multiplexed = true, ARG_LO32_EQ(0, AF_UNIX)),
};

/* socketpair(AF_UNIX) of stream and seqpacket sockets stays allowed: such a pair is connected
 * only to itself and cannot be connected again, so it reaches nothing outside the sandbox, and
 * many runtimes need it (Python's subprocess and asyncio, Node's child_process, Chromium, GLib,
 * ssh). A datagram pair is different: connect() and sendto() on an AF_UNIX datagram socket
 * that is already connected simply pick a new peer, so a socket of such a pair can send to
 * every datagram socket file of the host that is visible in the sandbox (/dev/log,
 * /run/systemd/journal/socket, systemd's notify socket; the read-only mount does not stop a
 * connect), with SCM_RIGHTS and SCM_CREDENTIALS. Found by tests/escape/test-unix-socketpair.sh.
 * The type's low four bits are the socket type (SOCK_NONBLOCK and SOCK_CLOEXEC lie above);
 * AF_UNIX turns SOCK_RAW into SOCK_DGRAM, so both are denied. */
static const struct deny_rule rules_unix_socketpair[] = {
	DENY("socketpair", EPERM, .multiplexed = true, ARG_LO32_EQ(0, AF_UNIX),
	     ARG2_MASKED_EQ(1, 0xf, SOCK_DGRAM)),
	DENY("socketpair", EPERM, .multiplexed = true, ARG_LO32_EQ(0, AF_UNIX),
	     ARG2_MASKED_EQ(1, 0xf, SOCK_RAW)),
};

static const struct deny_rule rules_always[] = {
	/* AF_VSOCK talks to the hypervisor or VM host (vsock to CID 2), which is outside every
	 * namespace and any network policy of ours. */
	DENY("socket", EPERM, .multiplexed = true, ARG_LO32_EQ(0, AF_VSOCK)),

	/* io_uring performs socket/connect/openat inside the kernel without entering the syscall
	 * path, so seccomp rules on socket() are bypassed by IORING_OP_SOCKET (Linux >= 5.19);
	 * confirmed on this machine. io_uring_enter and io_uring_register also cover a ring fd
	 * that would leak in (such a ring keeps its creator's credentials). */
	DENY("io_uring_setup", EPERM),
	DENY("io_uring_enter", EPERM),
	DENY("io_uring_register", EPERM),

	/* Terminal injection: TIOCSTI pushes bytes into the input queue of the terminal, so a
	 * sandboxed command could type commands into the user's shell after it exits
	 * (CVE-2017-5226; legacy_tiocsti=1 here). TIOCLINUX can do the same on a virtual console
	 * (TIOCL_PASTESEL) and read its contents. The request number is an unsigned int in the
	 * kernel: compare the low 32 bits so TIOCSTI | 1 << 32 is caught (CVE-2019-10063). */
	DENY("ioctl", EPERM, ARG_LO32_EQ(1, TIOCSTI)),
	DENY("ioctl", EPERM, ARG_LO32_EQ(1, TIOCLINUX)),

	/* The kernel keyring is not namespaced: keys of the invoking user (Kerberos tickets, fs
	 * encryption keys, ecryptfs) would be readable and changeable from inside, and keys
	 * added inside would outlive the sandbox (Docker blocks these for the same reason). */
	DENY("keyctl", EPERM),
	DENY("add_key", EPERM),
	DENY("request_key", EPERM),

	/* Defence in depth: kernel attack surface and host-global state that a sandboxed command
	 * has no business with. Most need a capability we drop anyway; the filter also holds
	 * when the caller (root, or a kernel bug) leaves one behind.
	 *  - bpf: verifier bugs are a classic local root; unprivileged_bpf_disabled=2 here.
	 *  - perf_event_open: a history of kernel bugs, and side channels on other processes.
	 *  - userfaultfd: lets an exploit stall the kernel at a chosen page fault (race widening).
	 *    /dev/userfaultfd is not in bwrap's --dev.
	 *  - kexec_*, *_module, reboot, swapon/off, acct, quotactl*, syslog: host-global. */
	DENY("bpf", EPERM),
	DENY("perf_event_open", EPERM),
	DENY("userfaultfd", EPERM),
	DENY("kexec_load", EPERM),
	DENY("kexec_file_load", EPERM),
	DENY("init_module", EPERM),
	DENY("finit_module", EPERM),
	DENY("delete_module", EPERM),
	DENY("reboot", EPERM),
	DENY("swapon", EPERM),
	DENY("swapoff", EPERM),
	DENY("acct", EPERM),
	DENY("quotactl", EPERM),
	DENY("quotactl_fd", EPERM, .nr_fallback = 443),
	DENY("syslog", EPERM),
};

/* ptrace, process_vm_readv/writev and pidfd_getfd stay allowed: debuggers (gdb, strace, rr)
 * inside the sandbox are legitimate. The sandbox has its own pid namespace, so the only
 * processes they can reach are sandboxed ones; bwrap's pid 1 is itself under this filter; and
 * with every capability dropped in a child user namespace, ptrace of anything outside fails.
 *
 * personality() stays allowed: the flags it offers (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, ...)
 * weaken only the calling process, and a correct "allow only these values" rule cannot be
 * expressed as a deny rule with libseccomp. */

/* Nested namespaces, unless the settings say allowNestedUserNamespaces. A user namespace
 * created inside the sandbox gives the command a full capability set there, which re-opens the
 * kernel interfaces the outer sandbox closed (mounting over deny paths in a new mount
 * namespace, new network namespaces, nftables, ...) and is the entry point of many kernel
 * exploits. */
static const struct deny_rule rules_no_userns[] = {
	DENY("unshare", EPERM, ARG_HAS_BIT(0, CLONE_NEWUSER)),
	DENY("clone", EPERM, ARG_HAS_BIT(0, CLONE_NEWUSER)), /* argument 1 on s390, see add_rule() */
	/* clone3 passes its flags in memory, where seccomp cannot look, so deny it whole.
	 * ENOSYS, not EPERM: glibc (>= 2.34, pthread_create, posix_spawn) then falls back to
	 * clone(), whose flags we can check. */
	DENY("clone3", ENOSYS),
	/* Joining existing namespaces (with a leaked /proc/PID/ns fd or a pidfd). */
	DENY("setns", EPERM),
	/* Changing the mount table, old and new API: with capabilities in a nested namespace
	 * these would cover or reveal paths the sandbox hides. "umount" is i386's oldumount.
	 * The new mount API (Linux 5.2+) and open_tree_attr (6.15) are listed by name, with
	 * their common numbers for a libseccomp that does not know them: 2.5.4 does not know
	 * open_tree_attr (467), so it is denied on the native ABI only. */
	DENY("mount", EPERM),
	DENY("umount", EPERM),
	DENY("umount2", EPERM),
	DENY("pivot_root", EPERM),
	DENY("open_tree", EPERM, .nr_fallback = 428),
	DENY("move_mount", EPERM, .nr_fallback = 429),
	DENY("fsopen", EPERM, .nr_fallback = 430),
	DENY("fsconfig", EPERM, .nr_fallback = 431),
	DENY("fsmount", EPERM, .nr_fallback = 432),
	DENY("fspick", EPERM, .nr_fallback = 433),
	DENY("mount_setattr", EPERM, .nr_fallback = 442),
	DENY("open_tree_attr", EPERM, .nr_fallback = 467),
};

/* The creation guard (linux/guard.h), only when the settings have deny patterns that a path
 * created in a write root could match: every system call that gives a new name to a file goes
 * to srt's listener, and srt's helper performs it (or refuses it with EACCES). Plain opens
 * (without O_CREAT) stay untrapped: the O_CREAT bit is an int argument the filter can test
 * (O_CREAT is 0100 on every ABI filtered here). O_TMPFILE opens carry no O_CREAT and create no
 * name; linkat() gives them one and is trapped. openat2() keeps its flags in memory, where the
 * filter cannot look: it fails with ENOSYS while the guard is on (glibc's open() never uses it;
 * callers that do fall back to openat()). The old calls (open, creat, mkdir, mknod, rename,
 * link, symlink) exist on x86_64 and i386 and are skipped where they do not exist (aarch64);
 * x32 and i386 get the same rules as every other rule here (build_filter()). io_uring, which
 * could create files without these calls, is denied by rules_always. bind() of AF_UNIX
 * pathname sockets is not trapped (docs/architecture.md, "Creation guard"). */
static const struct deny_rule rules_guard[] = {
	DENY("open", EPERM, .guard = true, ARG_HAS_BIT(1, O_CREAT)),
	DENY("openat", EPERM, .guard = true, ARG_HAS_BIT(2, O_CREAT)),
	DENY("creat", EPERM, .guard = true),
	DENY("openat2", ENOSYS, .nr_fallback = 437),
	DENY("mkdir", EPERM, .guard = true),
	DENY("mkdirat", EPERM, .guard = true),
	DENY("mknod", EPERM, .guard = true),
	DENY("mknodat", EPERM, .guard = true),
	DENY("rename", EPERM, .guard = true),
	DENY("renameat", EPERM, .guard = true),
	DENY("renameat2", EPERM, .guard = true),
	DENY("link", EPERM, .guard = true),
	DENY("linkat", EPERM, .guard = true),
	DENY("symlink", EPERM, .guard = true),
	DENY("symlinkat", EPERM, .guard = true),
};

/* clang-format on */

/* The ABIs a process on `native` can use besides its own. */
static size_t compat_arches(uint32_t native, uint32_t ret[static 2])
{
	switch (native) {
	case SCMP_ARCH_X86_64:
		/* i386 through int $0x80 / sysenter (CONFIG_IA32_EMULATION) and x32 (bit 30 of
		 * the number, CONFIG_X86_X32_ABI). On a kernel without x32 its system calls fail
		 * with ENOSYS, so filtering them costs nothing and keeps one policy. */
		ret[0] = SCMP_ARCH_X86;
		ret[1] = SCMP_ARCH_X32;
		return 2;
	case SCMP_ARCH_AARCH64:
		ret[0] = SCMP_ARCH_ARM; /* CONFIG_COMPAT */
		return 1;
	default:
		/* Other hosts: the native ABI only; anything else is killed as a bad arch. */
		return 0;
	}
}

static const char *arch_name(uint32_t arch)
{
	switch (arch) {
	case SCMP_ARCH_X86_64:
		return "x86_64";
	case SCMP_ARCH_X86:
		return "x86";
	case SCMP_ARCH_X32:
		return "x32";
	case SCMP_ARCH_AARCH64:
		return "aarch64";
	case SCMP_ARCH_ARM:
		return "arm";
	default:
		return "native";
	}
}

/* Whether system calls added since Linux 5.1 have their common number on this ABI. */
static bool arch_has_common_numbers(uint32_t arch)
{
	switch (arch) {
	case SCMP_ARCH_X86_64:
	case SCMP_ARCH_X86:
	case SCMP_ARCH_X32: /* with X32_SYSCALL_BIT added */
	case SCMP_ARCH_AARCH64:
	case SCMP_ARCH_ARM:
	case SCMP_ARCH_PPC:
	case SCMP_ARCH_PPC64:
	case SCMP_ARCH_PPC64LE:
	case SCMP_ARCH_S390:
	case SCMP_ARCH_S390X:
	case SCMP_ARCH_RISCV64:
		return true;
	default:
		return false;
	}
}

static int add_rule(scmp_filter_ctx ctx, uint32_t arch, const struct deny_rule *d, bool notify,
		    srt_error **reterr)
{
	struct scmp_arg_cmp args[2] = {d->arg, d->arg2};
	unsigned int nargs = d->has_arg ? (d->has_arg2 ? 2 : 1) : 0;
	int nr, r;

	/* Does the call exist on this ABI? A negative "pseudo" number says it does not
	 * (socketcall or umount on x86_64): nothing to deny, and adding it would hit the
	 * libseccomp bug described at the top of the file. socket() on i386 is the exception
	 * (see struct deny_rule). __NR_SCMP_ERROR means libseccomp does not know the name. */
	nr = seccomp_syscall_resolve_name_arch(arch, d->name);
	if (nr < 0 && nr != __NR_SCMP_ERROR && !d->multiplexed)
		return 0;

	/* seccomp_rule_add() takes the NATIVE number (or pseudo number) and translates it to
	 * each ABI of the context by name. */
	nr = seccomp_syscall_resolve_name(d->name);
	if (nr == __NR_SCMP_ERROR) {
		/* Newer than this libseccomp: the number can be given only where no translation
		 * happens, on the native ABI, and only if it is the common one. libseccomp 2.5.4
		 * cannot express the rule for a compat ABI (it fails with EFAULT); those calls
		 * are all mount-API ones and need capabilities that the sandbox does not have
		 * (see rules_no_userns). */
		if (d->nr_fallback <= 0 || arch != seccomp_arch_native() ||
		    !arch_has_common_numbers(arch))
			return 0;
		nr = d->nr_fallback;
		if (arch == SCMP_ARCH_X32)
			nr |= X32_SYSCALL_BIT;
	}

	/* clone's flags are the second argument on s390 (the stack pointer comes first). */
	if (d->has_arg && streq_ptr(d->name, "clone") &&
	    (arch == SCMP_ARCH_S390 || arch == SCMP_ARCH_S390X))
		args[0].arg = 1;

	/* Observed denials go to srt's listener, which answers EPERM (srt-exec.c); ENOSYS
	 * answers (clone3, to make callers fall back) are not violations and stay silent. */
	r = seccomp_rule_add_array(ctx,
				   d->guard || (notify && d->err == EPERM)
					   ? SCMP_ACT_NOTIFY
					   : SCMP_ACT_ERRNO((uint32_t)d->err),
				   nr, nargs, nargs ? args : NULL);
	if (r < 0)
		return srt_error_set(reterr, SRT_E_SYSTEM, r,
				     "seccomp: cannot add the rule for '%s' on %s: %s", d->name,
				     arch_name(arch), strerror(-r));
	return 0;
}

static int add_rules(scmp_filter_ctx ctx, uint32_t arch, const struct deny_rule *rules, size_t n,
		     bool notify, srt_error **reterr)
{
	int r;

	for (size_t i = 0; i < n; i++) {
		r = add_rule(ctx, arch, &rules[i], notify, reterr);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_policy(scmp_filter_ctx ctx, uint32_t arch, const struct seccomp_policy *p,
		      srt_error **reterr)
{
	int r;

	if (!p->allow_unix_sockets) {
		r = add_rules(ctx, arch, rules_unix_socket, ELEMENTSOF(rules_unix_socket), p->notify,
			      reterr);
		if (r < 0)
			return r;
		r = add_rules(ctx, arch, rules_unix_socketpair, ELEMENTSOF(rules_unix_socketpair),
			      p->notify, reterr);
		if (r < 0)
			return r;
	}

	r = add_rules(ctx, arch, rules_always, ELEMENTSOF(rules_always), p->notify, reterr);
	if (r < 0)
		return r;

	if (!p->allow_nested_userns) {
		r = add_rules(ctx, arch, rules_no_userns, ELEMENTSOF(rules_no_userns), p->notify,
			      reterr);
		if (r < 0)
			return r;
	}

	if (p->guard) {
		r = add_rules(ctx, arch, rules_guard, ELEMENTSOF(rules_guard), p->notify, reterr);
		if (r < 0)
			return r;
	}

	/* i386 (and other ABIs with a real socketcall): socketcall() passes the arguments of
	 * socket(), connect(), ... in memory, where the filter cannot see the address family.
	 * libseccomp turns the socket() rules above into socketcall(SYS_SOCKET) denials (of
	 * every family); deny socketcall entirely so no socket operation bypasses the argument
	 * checks of the direct calls, which exist on i386 since Linux 4.3.
	 * Cost: glibc on i386 uses socketcall for every socket function unless it was built for
	 * kernels >= 4.3 only (distributions build for older ones), so 32-bit programs will
	 * likely have no working sockets inside the sandbox. */
	if (seccomp_syscall_resolve_name_arch(arch, "socketcall") >= 0) {
		static const struct deny_rule socketcall = DENY("socketcall", EPERM);

		r = add_rule(ctx, arch, &socketcall, p->notify, reterr);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A filter context for `arch` alone, with every rule of the policy. */
static int build_arch_ctx(uint32_t arch, const struct seccomp_policy *p, scmp_filter_ctx *ret,
			  srt_error **reterr)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	int r;

	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return srt_error_set(reterr, SRT_E_SYSTEM, ENOMEM, "seccomp: seccomp_init failed");

	if (arch != seccomp_arch_native()) {
		r = seccomp_arch_add(ctx, arch);
		if (r < 0)
			return srt_error_set(reterr, SRT_E_UNSUPPORTED, r,
					     "seccomp: libseccomp cannot add the %s ABI: %s",
					     arch_name(arch), strerror(-r));
		r = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
		if (r < 0)
			return srt_error_set(reterr, SRT_E_SYSTEM, r,
					     "seccomp: cannot remove the native ABI: %s",
					     strerror(-r));
	}

	r = add_policy(ctx, arch, p, reterr);
	if (r < 0)
		return r;

	*ret = TAKE_PTR(ctx);
	return 0;
}

static int build_filter(const struct seccomp_policy *p, scmp_filter_ctx *ret, srt_error **reterr)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	uint32_t native = seccomp_arch_native(), compat[2];
	size_t n;
	int r;

	if (native == 0)
		return srt_error_set(reterr, SRT_E_UNSUPPORTED, EOPNOTSUPP,
				     "seccomp: libseccomp does not support this architecture");

	r = build_arch_ctx(native, p, &ctx, reterr);
	if (r < 0)
		return r;

	n = compat_arches(native, compat);
	for (size_t i = 0; i < n; i++) {
		_cleanup_(seccomp_releasep) scmp_filter_ctx sub = NULL;

		r = build_arch_ctx(compat[i], p, &sub, reterr);
		if (r < 0)
			return r;
		/* On success seccomp_merge() consumes `sub`. */
		r = seccomp_merge(ctx, sub);
		if (r < 0)
			return srt_error_set(reterr, SRT_E_SYSTEM, r,
					     "seccomp: cannot merge the %s filter: %s",
					     arch_name(compat[i]), strerror(-r));
		sub = NULL;
	}

	*ret = TAKE_PTR(ctx);
	return 0;
}

/* An SRT_E_SYSTEM error for the failed call that set errno. */
static int sys_error(srt_error **reterr, const char *what)
{
	int e = errno;

	return srt_error_set(reterr, SRT_E_SYSTEM, e, "seccomp: %s: %s", what, strerror(e));
}

static int filter_memfd(srt_error **reterr)
{
	int fd;

	/* The filter is data: ask for a non-executable memfd first (required when
	 * vm.memfd_noexec=2); kernels before 6.3 reject the flag with EINVAL. */
	fd = memfd_create("srt-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("srt-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		int e = errno;

		return srt_error_set(reterr, e == ENOSYS ? SRT_E_UNSUPPORTED : SRT_E_SYSTEM, e,
				     "seccomp: memfd_create failed: %s", strerror(e));
	}
	return fd;
}

int seccomp_build_filter_fd(const struct seccomp_policy *p, int *ret_fd, srt_error **reterr)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	int r;

	if (!p || !ret_fd)
		return srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, EINVAL,
				     "seccomp: missing policy or result pointer");

	r = build_filter(p, &ctx, reterr);
	if (r < 0)
		return r;

	fd = filter_memfd(reterr);
	if (fd < 0)
		return fd;

	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return srt_error_set(reterr, SRT_E_SYSTEM, r,
				     "seccomp: cannot export the filter: %s", strerror(-r));

	if (fstat(fd, &st) < 0)
		return sys_error(reterr, "fstat of the filter");
	/* bwrap (and the kernel) take an array of struct sock_filter of at most BPF_MAXINSNS. */
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
	    st.st_size > (off_t)(BPF_MAXINSNS * sizeof(struct sock_filter)))
		return srt_error_set(reterr, SRT_E_SYSTEM, EINVAL,
				     "seccomp: exported filter has an invalid size of %lld bytes",
				     (long long)st.st_size);

	/* Seal it: nobody holding the fd (it passes through bwrap) can change the program
	 * between now and the moment it is loaded. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return sys_error(reterr, "cannot seal the filter memfd");

	if (lseek(fd, 0, SEEK_SET) < 0)
		return sys_error(reterr, "lseek of the filter memfd");

	*ret_fd = TAKE_FD(fd);
	return 0;
}

struct build_id_search {
	uintptr_t addr;
	char hex[41];
};

/* Finds the GNU build-id of the loaded object that contains `addr` (libsrt itself). */
static int build_id_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct build_id_search *b = data;
	bool contains = false;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && b->addr >= start && b->addr < start + ph->p_memsz)
			contains = true;
	}
	if (!contains)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p, *end;

		if (ph->p_type != PT_NOTE)
			continue;
		p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)(const void *)p;
			const unsigned char *desc =
				(const unsigned char *)p + sizeof(*n) + ((n->n_namesz + 3) & ~3U);
			if (n->n_type == NT_GNU_BUILD_ID && n->n_descsz >= 8 &&
			    (const char *)desc + n->n_descsz <= end) {
				for (unsigned k = 0; k < n->n_descsz && k < 20; k++)
					snprintf(b->hex + 2 * k, 3, "%02x", desc[k]);
				return 1;
			}
			p += sizeof(*n) + ((n->n_namesz + 3) & ~3U) + ((n->n_descsz + 3) & ~3U);
		}
	}
	return 1;
}

bool libsrt_build_id(char hex[41])
{
	struct build_id_search bid = {.addr = (uintptr_t)&libsrt_build_id};

	dl_iterate_phdr(build_id_cb, &bid);
	memcpy(hex, bid.hex, sizeof(bid.hex));
	return bid.hex[0] != '\0';
}

/* The compiled filter depends only on the policy, srt's version, libseccomp's version and the
 * architecture, and compiling it is most of srt's own start-up work; so it is kept in srt's
 * private per-user state directory (0700, hidden inside every sandbox under the TMPDIR
 * tmpfs), written atomically, and re-validated when read. */
/* The suffix of a cache temporary file names a process that no longer exists. */
static bool dead_writer(const char *pid_text)
{
	char *end;
	long pid;

	errno = 0;
	pid = strtol(pid_text, &end, 10);
	if (errno || end == pid_text || *end || pid <= 0 || pid > INT32_MAX)
		return false;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

int seccomp_filter_fd_cached(const char *cache_dir, const struct seccomp_policy *p, int *ret_fd,
			     srt_error **reterr)
{
	const struct scmp_version *v = seccomp_version();
	char name[160], tmp[200], path[4096];
	struct stat st;
	int fd, out, r;

	struct build_id_search bid = {.addr = (uintptr_t)&seccomp_filter_fd_cached};

	/* Keyed on the build-id of the code that builds it: a rebuilt srt never reads a filter
	 * compiled by an older one. Without a build-id, no cache. */
	dl_iterate_phdr(build_id_cb, &bid);
	if (!cache_dir || !bid.hex[0])
		return seccomp_build_filter_fd(p, ret_fd, reterr);
	snprintf(name, sizeof(name), "seccomp-%s-%s-%u.%u.%u-%s-u%dn%do%dg%d.bpf", SRT_VERSION,
		 bid.hex, v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0,
		 arch_name(seccomp_arch_native()), p->allow_unix_sockets ? 1 : 0,
		 p->allow_nested_userns ? 1 : 0, p->notify ? 1 : 0, p->guard ? 1 : 0);
	snprintf(path, sizeof(path), "%s/%s", cache_dir, name);

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
		    (st.st_mode & 0077) == 0 && st.st_size > 0 && st.st_size % 8 == 0 &&
		    st.st_size <= (off_t)(BPF_MAXINSNS * 8)) {
			*ret_fd = fd;
			return 0;
		}
		close(fd);
		(void)unlink(path); /* not something we wrote: rebuild */
	}

	r = seccomp_build_filter_fd(p, &fd, reterr);
	if (r < 0)
		return r;
	/* Filters of other builds are of no use any more. */
	{
		DIR *d = opendir(cache_dir);
		struct dirent *de;
		char mine[80];

		snprintf(mine, sizeof(mine), "seccomp-%s-%s-", SRT_VERSION, bid.hex);
		while (d && (de = readdir(d))) {
			const char *dot;

			if (strncmp(de->d_name, "seccomp-", 8) == 0 &&
			    strncmp(de->d_name, mine, strlen(mine)) != 0)
				(void)unlinkat(dirfd(d), de->d_name, 0);
			/* ".seccomp-....bpf.PID": a writer that died before its rename */
			else if (strncmp(de->d_name, ".seccomp-", 9) == 0 &&
				 (dot = strrchr(de->d_name, '.')) && dead_writer(dot + 1))
				(void)unlinkat(dirfd(d), de->d_name, 0);
		}
		if (d)
			closedir(d);
	}
	/* Best effort: a failure to cache only costs the next run the compile again. */
	snprintf(tmp, sizeof(tmp), "%s/.%s.%d", cache_dir, name, (int)getpid());
	out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out >= 0) {
		char buf[4096];
		ssize_t k;
		bool okay = true;

		while (okay && (k = pread(fd, buf, sizeof(buf), lseek(out, 0, SEEK_CUR))) > 0)
			okay = write(out, buf, (size_t)k) == k;
		okay = okay && fsync(out) == 0;
		close(out);
		if (!okay || rename(tmp, path) < 0)
			(void)unlink(tmp);
	}
	*ret_fd = fd;
	return 0;
}
