/* SPDX-License-Identifier: Apache-2.0 */
#include "bwrap-argv.h"

#include <errno.h>
#include <stdio.h>

size_t bwrap_args_mask_fds(const struct mount_op *ops, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (ops[i].kind == OP_MASK_FILE)
			k++;
	return k;
}

static int put(struct buf *b, const char *a)
{
	return buf_put_arg(b, a);
}

static int put2(struct buf *b, const char *a, const char *c)
{
	int r = buf_put_arg(b, a);
	return r < 0 ? r : buf_put_arg(b, c);
}

static int put3(struct buf *b, const char *a, const char *c, const char *d)
{
	int r = put2(b, a, c);
	return r < 0 ? r : buf_put_arg(b, d);
}

static int put_fd(struct buf *b, const char *opt, int fd)
{
	char n[16];
	snprintf(n, sizeof(n), "%d", fd);
	return put2(b, opt, n);
}

int bwrap_args_build(const struct sandbox_spec *s, struct buf *b)
{
	int r = 0, mask_fd = s->first_mask_fd;

#define P(x)                                                                                       \
	do {                                                                                       \
		r = (x);                                                                           \
		if (r < 0)                                                                         \
			return r;                                                                  \
	} while (0)

	/* Namespaces: always a new user namespace with no capabilities, also for root, so that
	 * nothing inside can remount the read-only tree (reference bug S1). */
	P(put(b, "--unshare-user"));
	if (s->disable_userns)
		P(put(b, "--disable-userns"));
	P(put(b, "--unshare-ipc"));
	P(put(b, "--unshare-pid"));
	P(put(b, "--unshare-uts"));
	P(put(b, "--unshare-cgroup-try"));
	if (s->unshare_net)
		P(put(b, "--unshare-net"));
	P(put2(b, "--cap-drop", "ALL"));
	P(put(b, "--die-with-parent"));
	/* A new session: the command has no controlling terminal, so TIOCSTI cannot inject
	 * into the caller's terminal (CVE-2017-5226); seccomp refuses TIOCSTI/TIOCLINUX too. */
	P(put(b, "--new-session"));

	P(put3(b, "--ro-bind", "/", "/"));

	for (size_t i = 0; i < s->n_ops; i++) {
		const struct mount_op *o = &s->ops[i];
		char fdn[16];

		switch (o->kind) {
		case OP_BIND_RW:
			P(put3(b, "--bind", o->path, o->path));
			break;
		case OP_BIND_RO:
			P(put3(b, "--ro-bind", o->path, o->path));
			break;
		case OP_MASK_DIR:
			P(put2(b, "--perms", o->traverse ? "0111" : "0000"));
			P(put2(b, "--tmpfs", o->path));
			break;
		case OP_MASK_FILE:
			if (mask_fd < 0)
				return -EINVAL;
			snprintf(fdn, sizeof(fdn), "%d", mask_fd++);
			P(put2(b, "--perms", "0000"));
			P(put3(b, "--ro-bind-data", fdn, o->path));
			break;
		}
	}

	P(put2(b, "--dev", "/dev"));
	if (!s->weaker_nested) {
		P(put2(b, "--proc", "/proc"));
		/* The sysctls are guarded by their file modes only (root-owned, 0644), and a caller
		 * that is root keeps kuid 0 inside its user namespace: kernel.core_pattern,
		 * kernel.modprobe and hundreds of other global settings were writable from a
		 * sandbox started by root (host code execution at the next crash). bubblewrap's
		 * own cover of /proc/sys is skipped because the directory is not writable.
		 * Binding /proc/sys (of the outer /proc: lookups below it follow the reader's
		 * namespaces, so hostname and net.* still show the sandbox's) read-only closes it.
		 * Found by tests/escape/test-sys-dev.sh. */
		P(put3(b, "--ro-bind", "/proc/sys", "/proc/sys"));
		P(put3(b, "--ro-bind-try", "/proc/sysrq-trigger", "/proc/sysrq-trigger"));
		/* /proc/keys lists every key its reader may view, which includes the caller's
		 * own (description, serial, owner): covered by /dev/null, which bubblewrap binds
		 * nodev, so reading it fails (tests/escape/test-keyring.sh). */
		P(put3(b, "--ro-bind-try", "/dev/null", "/proc/keys"));
		P(put3(b, "--ro-bind-try", "/dev/null", "/proc/key-users"));
	}

	if (s->tmpdir) {
		P(put2(b, "--perms", "0700"));
		if (s->tmpfs_size)
			P(put2(b, "--size", SANDBOX_TMPFS_SIZE));
		P(put2(b, "--tmpfs", s->tmpdir));
	}
	if (s->exec_helper && s->exec_helper_dst)
		P(put3(b, "--ro-bind", s->exec_helper, s->exec_helper_dst));
	if (s->report_lib && s->report_lib_dst && s->report_fifo && s->report_fifo_dst) {
		P(put3(b, "--ro-bind", s->report_lib, s->report_lib_dst));
		P(put3(b, "--ro-bind", s->report_fifo, s->report_fifo_dst));
	}
	for (size_t i = 0; s->setenv && s->setenv[i] && s->setenv[i + 1]; i += 2)
		P(put3(b, "--setenv", s->setenv[i], s->setenv[i + 1]));

	/* Masks become read-only last: their mount points had to be created first. */
	for (size_t i = 0; i < s->n_ops; i++)
		if (s->ops[i].kind == OP_MASK_DIR)
			P(put2(b, "--remount-ro", s->ops[i].path));

	if (s->seccomp_fd >= 0)
		P(put_fd(b, "--seccomp", s->seccomp_fd));
	if (s->json_status_fd >= 0)
		P(put_fd(b, "--json-status-fd", s->json_status_fd));
	if (s->cwd)
		P(put2(b, "--chdir", s->cwd));
#undef P
	return 0;
}
