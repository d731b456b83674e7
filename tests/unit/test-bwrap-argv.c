/* SPDX-License-Identifier: Apache-2.0 */
/* The bubblewrap argument list: golden output for a representative sandbox. */
#include <string.h>

#include "bwrap-argv.h"
#include "tap.h"

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
	return tap_exit();
}
