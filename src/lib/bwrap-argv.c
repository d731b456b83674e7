/* SPDX-License-Identifier: Apache-2.0 */
#include "bwrap-argv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/fs-util.h"

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
	bool private_done = false;

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

	for (size_t i = 0; i <= s->n_ops; i++) {
		const struct mount_op *o = i < s->n_ops ? &s->ops[i] : NULL;
		char fdn[16];

		/* the private /tmp: after "/" (allowWrite ["/"]), before anything at or below
		 * it, so that those binds land on the tmpfs */
		if (s->private_tmp && !private_done &&
		    (!o || path_compare(o->path, s->private_tmp) >= 0)) {
			P(put2(b, "--perms", "1777"));
			if (s->tmpfs_size)
				P(put2(b, "--size", SANDBOX_TMPFS_SIZE));
			P(put2(b, "--tmpfs", s->private_tmp));
			private_done = true;
		}
		if (!o)
			break;
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

static int cmp_op(const void *a, const void *b)
{
	return path_compare(((const struct mount_op *)a)->path, ((const struct mount_op *)b)->path);
}

/* Is p covered by an op at or above it (not p itself when `strict`) that lies strictly below
 * dir, pins left out unless `pins`? Ops already dropped (path NULL) do not count. */
static bool covered_below(const struct mount_op *ops, size_t n, const char *dir, const char *p,
			  bool strict, bool pins)
{
	for (size_t i = 0; i < n; i++)
		if (ops[i].path && path_is_under(p, ops[i].path) && path_is_under(ops[i].path, dir) &&
		    strcmp(ops[i].path, dir) != 0 && (pins || !ops[i].pin) &&
		    !(strict && strcmp(ops[i].path, p) == 0))
			return true;
	return false;
}

static int add_op(struct mount_op **ops, size_t *n, enum op_kind kind, const char *path)
{
	struct mount_op *no = realloc(*ops, (*n + 1) * sizeof(**ops));
	char *c;

	if (!no)
		return -ENOMEM;
	*ops = no;
	c = strdup(path);
	if (!c)
		return -ENOMEM;
	(*ops)[(*n)++] = (struct mount_op){.kind = kind, .path = c, .why = "private /tmp"};
	return 0;
}

int bwrap_private_dir_ops(const struct mount_plan *p, const char *dir,
			  const char *const *extra, struct mount_op **ops, size_t *n)
{
	size_t k = 0, n_extra = 0;
	int r;

	while (extra && extra[n_extra])
		n_extra++;
	for (size_t i = 0; i < p->n + n_extra; i++) {
		const char *path = i < p->n ? p->rules[i].path : extra[i - p->n];
		enum access_state a;

		if (!path || path[0] != '/' || strcmp(path, dir) == 0 || !path_is_under(path, dir))
			continue;
		if (i < p->n && p->rules[i].type == NODE_MISSING)
			continue;
		if (covered_below(*ops, *n, dir, path, false, false))
			continue;
		a = plan_access(p, path);
		if (a == ACCESS_HIDDEN)
			continue;
		r = add_op(ops, n, a == ACCESS_RW ? OP_BIND_RW : OP_BIND_RO, path);
		if (r < 0)
			return r;
	}

	/* dir itself: the tmpfs replaces it (an entry naming /tmp, or a pin there, would bind
	 * the host's /tmp back over it). A pin below dir stops renames within a tree bound in
	 * from the host; without such a tree above it, it would bind a host directory in. */
	for (size_t i = 0; i < *n; i++) {
		struct mount_op *o = &(*ops)[i];

		if (strcmp(o->path, dir) == 0 ||
		    (o->pin && path_is_under(o->path, dir) &&
		     !covered_below(*ops, *n, dir, o->path, true, false))) {
			free(o->path);
			o->path = NULL;
		}
	}
	for (size_t i = 0; i < *n; i++)
		if ((*ops)[i].path)
			(*ops)[k++] = (*ops)[i];
	*n = k;
	qsort(*ops, *n, sizeof(**ops), cmp_op);
	return 0;
}
