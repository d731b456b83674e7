/* SPDX-License-Identifier: Apache-2.0 */
/* The bubblewrap argument list: golden output for a representative sandbox. */
#include <string.h>

#include "bwrap-argv.h"
#include "tap.h"

static char *joined(const struct buf *b);

/* filesystem.privateTmp: the tmpfs goes after "/" and before /tmp's ops; the plan's paths
 * below /tmp are bound into it. */
static void test_private_tmp(void)
{
	struct mount_plan p = {0};
	struct mount_op *ops = NULL;
	size_t n = 0;
	struct buf b = BUF_INIT;
	char *j;

	ok(plan_add(&p, "/", RULE_ALLOW_WRITE, NODE_DIR, "allowWrite") == 0 &&
		   plan_add(&p, "/tmp/w", RULE_ALLOW_WRITE, NODE_DIR, "allowWrite") == 0 &&
		   plan_add(&p, "/tmp/w/.bashrc", RULE_DENY_WRITE, NODE_OTHER, "mandatory") == 0 &&
		   plan_add(&p, "/tmp/ro", RULE_ALLOW_READ, NODE_DIR, "allowRead") == 0 &&
		   plan_add(&p, "/tmp/gone", RULE_DENY_READ, NODE_MISSING, "denyRead") == 0 &&
		   plan_add(&p, "/tmp/secret", RULE_DENY_READ, NODE_OTHER, "denyRead") == 0 &&
		   plan_add(&p, "/tmp/w/a/k", RULE_DENY_WRITE, NODE_OTHER, "denyWrite") == 0 &&
		   plan_add(&p, "/usr", RULE_DENY_WRITE, NODE_DIR, "denyWrite") == 0,
	   "plan");
	ok(plan_compile(&p, &ops, &n) == 0, "compiled");
	/* allowWrite "/" makes /tmp/w and /tmp/ro (allowRead leaves it writable) the same as their
	 * parent: no op of their own in the host view, so they must be added; the pin at /tmp
	 * (for /tmp/secret) is dropped, the pin at /tmp/w/a (for /tmp/w/a/k) is kept */
	const char *const extra1[] = {"/tmp/ro/sub", "", NULL};
	is_int(bwrap_private_dir_ops(&p, "/tmp", extra1, &ops, &n), 0, "private ops");
	struct sandbox_spec s = {.ops = ops,
				 .n_ops = n,
				 .private_tmp = "/tmp",
				 .tmpfs_size = true,
				 .seccomp_fd = -1,
				 .json_status_fd = -1,
				 .first_mask_fd = 6};
	ok(bwrap_args_build(&s, &b) == 0, "build");
	j = joined(&b);
	like_str(j,
		 "--ro-bind / / --bind / / --perms 1777 --size " SANDBOX_TMPFS_SIZE " --tmpfs /tmp "
		 "--bind /tmp/ro /tmp/ro --perms 0000 --ro-bind-data 6 /tmp/secret "
		 "--bind /tmp/w /tmp/w --ro-bind /tmp/w/.bashrc /tmp/w/.bashrc "
		 "--bind /tmp/w/a /tmp/w/a --ro-bind /tmp/w/a/k /tmp/w/a/k --ro-bind /usr /usr --dev",
		 "tmpfs after '/', before /tmp's binds; allowRead and write roots bound in; "
		 "the cwd below a bound path needs nothing more; missing paths nothing");
	buf_free(&b);
	mount_ops_free(ops, n);
	ops = NULL;
	n = 0;

	/* nothing below /tmp in the plan: the tmpfs after all ops; the cwd bound read-only */
	plan_free(&p);
	p = (struct mount_plan){0};
	ok(plan_add(&p, "/w", RULE_ALLOW_WRITE, NODE_DIR, "allowWrite") == 0, "plan 2");
	ok(plan_compile(&p, &ops, &n) == 0, "compiled 2");
	const char *const extra2[] = {"/tmp/cwd", "/tmp/bin/cmd", NULL};
	is_int(bwrap_private_dir_ops(&p, "/tmp", extra2, &ops, &n), 0, "private ops 2");
	s.ops = ops;
	s.n_ops = n;
	s.tmpfs_size = false;
	ok(bwrap_args_build(&s, &b) == 0, "build 2");
	like_str(joined(&b),
		 "--ro-bind / / --perms 1777 --tmpfs /tmp --ro-bind /tmp/bin/cmd /tmp/bin/cmd "
		 "--ro-bind /tmp/cwd /tmp/cwd --bind /w /w --dev",
		 "the working directory and the command below /tmp stay visible, read-only");
	buf_free(&b);
	mount_ops_free(ops, n);
	plan_free(&p);
}

static char *joined(const struct buf *b)
{
	static char out[8192];
	size_t o = 0;
	for (size_t off = 0; off < b->len && o < sizeof(out) - 2; off += strlen(b->data + off) + 1) {
		size_t l = strlen(b->data + off);
		if (o + l + 2 >= sizeof(out))
			break;
		if (o)
			out[o++] = ' ';
		memcpy(out + o, b->data + off, l);
		o += l;
	}
	out[o] = '\0';
	return out;
}

int main(void)
{
	struct mount_op ops[] = {
		{.kind = OP_BIND_RW, .path = (char *)"/w"},
		{.kind = OP_BIND_RO, .path = (char *)"/w/.git/hooks"},
		{.kind = OP_MASK_DIR, .path = (char *)"/home/u/.ssh"},
		{.kind = OP_MASK_DIR, .path = (char *)"/home/u/x", .traverse = true},
		{.kind = OP_MASK_FILE, .path = (char *)"/w/token"},
		{.kind = OP_MASK_FILE, .path = (char *)"/w/token2"},
	};
	struct sandbox_spec s = {
		.ops = ops,
		.n_ops = 6,
		.tmpdir = "/tmp/srt-0",
		.cwd = "/w",
		.unshare_net = true,
		.disable_userns = true,
		.tmpfs_size = true,
		.seccomp_fd = 4,
		.json_status_fd = 5,
		.first_mask_fd = 6,
	};
	struct buf b = BUF_INIT;

	is_int(bwrap_args_mask_fds(ops, 6), 2, "two empty-file fds needed");
	ok(bwrap_args_build(&s, &b) == 0, "build");
	is_str(joined(&b),
	       "--unshare-user --disable-userns --unshare-ipc --unshare-pid --unshare-uts "
	       "--unshare-cgroup-try --unshare-net --cap-drop ALL --die-with-parent --new-session "
	       "--ro-bind / / --bind /w /w --ro-bind /w/.git/hooks /w/.git/hooks "
	       "--perms 0000 --tmpfs /home/u/.ssh --perms 0111 --tmpfs /home/u/x "
	       "--perms 0000 --ro-bind-data 6 /w/token --perms 0000 --ro-bind-data 7 /w/token2 "
	       "--dev /dev --proc /proc --ro-bind /proc/sys /proc/sys "
	       "--ro-bind-try /proc/sysrq-trigger /proc/sysrq-trigger "
	       "--ro-bind-try /dev/null /proc/keys --ro-bind-try /dev/null /proc/key-users "
	       "--perms 0700 --size " SANDBOX_TMPFS_SIZE
	       " --tmpfs /tmp/srt-0 --remount-ro /home/u/.ssh --remount-ro /home/u/x "
	       "--seccomp 4 --json-status-fd 5 --chdir /w",
	       "golden argument list");
	buf_free(&b);

	s.weaker_nested = true;
	s.disable_userns = false;
	s.tmpfs_size = false;
	s.n_ops = 0;
	ok(bwrap_args_build(&s, &b) == 0, "build weaker");
	ok(memmem(b.data, b.len, "--proc\0", 7) == NULL, "enableWeakerNestedSandbox: no fresh /proc");
	ok(memmem(b.data, b.len, "--disable-userns\0", 17) == NULL, "no --disable-userns when off");
	ok(memmem(b.data, b.len, "--unshare-user\0", 15) != NULL &&
		   memmem(b.data, b.len, "--cap-drop\0ALL\0", 15) != NULL,
	   "user namespace and no capabilities in every mode");
	buf_free(&b);

	/* file violations: the shim and its FIFO in the private TMPDIR, the environment set by
	 * bwrap for the command (not for bwrap itself) */
	{
		static const char *const env[] = {"LD_PRELOAD", "/tmp/srt-0/.srt-report.so x.so",
						  "SRT_REPORT_FIFO", "/tmp/srt-0/.srt-report", NULL};
		s.report_lib = "/usr/libexec/srt/srt-report.so";
		s.report_lib_dst = "/tmp/srt-0/.srt-report.so";
		s.report_fifo = "/tmp/srt-0/report-1-1-ab";
		s.report_fifo_dst = "/tmp/srt-0/.srt-report";
		s.setenv = env;
		ok(bwrap_args_build(&s, &b) == 0, "build with the report shim");
		like_str(joined(&b),
			 "--tmpfs /tmp/srt-0 --ro-bind /usr/libexec/srt/srt-report.so "
			 "/tmp/srt-0/.srt-report.so --ro-bind /tmp/srt-0/report-1-1-ab "
			 "/tmp/srt-0/.srt-report --setenv LD_PRELOAD /tmp/srt-0/.srt-report.so x.so "
			 "--setenv SRT_REPORT_FIFO /tmp/srt-0/.srt-report",
			 "shim and FIFO bound read-only after the TMPDIR, then the variables");
		buf_free(&b);
		s.report_lib = s.report_lib_dst = s.report_fifo = s.report_fifo_dst = NULL;
		s.setenv = NULL;
	}

	s.n_ops = 6;
	s.first_mask_fd = -1;
	ok(bwrap_args_build(&s, &b) == -EINVAL, "masks without fds refused");
	buf_free(&b);
	test_private_tmp();
	return tap_exit();
}
