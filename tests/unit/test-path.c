/* SPDX-License-Identifier: Apache-2.0 */
/* Path helpers: normalisation, "~" and relative resolution, symlink resolution. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path-resolve.h"
#include "shared/fs-util.h"
#include "tap.h"

static void check_norm(const char *in, const char *want)
{
	char *n = path_normalize(in);
	is_str(n, want, "normalize '%s'", in);
	free(n);
}

static void check_abs(const char *raw, const char *want)
{
	char *r = NULL;
	int rc = path_absolute(raw, "/home/u", "/work/proj", &r);
	ok(rc == 0, "path_absolute('%s') succeeds", raw);
	is_str(r, want, "path_absolute('%s')", raw);
	free(r);
}

int main(void)
{
	char *r = NULL;
	char tmpl[] = "/tmp/srt-test-path-XXXXXX";
	enum node_type t;

	check_norm("/", "/");
	check_norm("//a//b/", "/a/b");
	check_norm("/a/./b/../c", "/a/c");
	check_norm("/../..", "/");
	check_norm("/a/b/../../..", "/");
	check_norm("/a/..b/c", "/a/..b/c");
	ok(path_normalize("rel") == NULL, "normalize refuses a relative path");

	check_abs("~", "/home/u");
	check_abs("~/.ssh", "/home/u/.ssh");
	check_abs(".", "/work/proj");
	check_abs("..", "/work");
	check_abs("./src/../lib", "/work/proj/lib");
	check_abs("/etc//passwd", "/etc/passwd");
	check_abs("~user/x", "/work/proj/~user/x"); /* not expanded, as the reference */
	is_int(path_absolute("", "/h", "/c", &r), -EINVAL, "empty path refused");
	is_int(path_absolute("~/x", NULL, "/c", &r), -EINVAL, "~ without HOME refused");

	ok(path_is_under("/a/b", "/a"), "/a/b under /a");
	ok(path_is_under("/a", "/a"), "/a under /a");
	ok(!path_is_under("/ab", "/a"), "/ab not under /a");
	ok(path_is_under("/anything", "/"), "everything under /");
	ok(path_compare("/a", "/a/b") < 0 && path_compare("/a/b", "/a-b") < 0 &&
		   path_compare("/a-b", "/a/b") > 0,
	   "path_compare sorts parents before children and '/' lowest");

	/* symlink resolution on a real tree */
	if (!mkdtemp(tmpl)) {
		ok(0, "mkdtemp");
		return tap_exit();
	}
	{
		char real[256], link[256], file[256], want[512];
		char *canon = NULL;

		snprintf(real, sizeof(real), "%s/real", tmpl);
		snprintf(link, sizeof(link), "%s/link", tmpl);
		snprintf(file, sizeof(file), "%s/real/f", tmpl);
		mkdir(real, 0755);
		close(open(file, O_CREAT | O_WRONLY, 0644));
		if (symlink(real, link) < 0)
			ok(0, "symlink");

		snprintf(want, sizeof(want), "%s/real/f", tmpl);
		snprintf(file, sizeof(file), "%s/link/f", tmpl);
		ok(path_canonical(file, &canon, &t) == 0, "canonical of existing path via symlink");
		is_str(canon, want, "symlink resolved");
		is_int(t, NODE_OTHER, "type file");
		free(canon);

		snprintf(file, sizeof(file), "%s/link/missing/deeper", tmpl);
		snprintf(want, sizeof(want), "%s/real/missing/deeper", tmpl);
		ok(path_canonical(file, &canon, &t) == 0, "canonical of a missing path");
		is_str(canon, want, "existing prefix resolved, rest appended");
		is_int(t, NODE_MISSING, "type missing");
		free(canon);

		ok(path_canonical(tmpl, &canon, &t) == 0 && t == NODE_DIR, "dir type");
		free(canon);

		/* path_canonical_follow(): dangling links are followed to what they name */
		snprintf(file, sizeof(file), "%s/dangling", tmpl);
		snprintf(want, sizeof(want), "%s/real/later", tmpl);
		if (symlink("real/later", file) < 0)
			ok(0, "symlink");
		ok(path_canonical_follow(file, NULL, NULL, &canon, &t) == 0, "follow: dangling link");
		is_str(canon, want, "follow: a dangling link leads to its missing target");
		is_int(t, NODE_MISSING, "follow: missing");
		free(canon);
		snprintf(file, sizeof(file), "%s/dlink", tmpl);
		if (symlink("real/newdir", file) < 0)
			ok(0, "symlink");
		snprintf(file, sizeof(file), "%s/dlink/x", tmpl);
		snprintf(want, sizeof(want), "%s/real/newdir/x", tmpl);
		ok(path_canonical_follow(file, NULL, NULL, &canon, &t) == 0 && t == NODE_MISSING,
		   "follow: through a dangling directory link");
		is_str(canon, want, "follow: the link's missing directory, then the rest");
		free(canon);
		snprintf(file, sizeof(file), "%s/link/../link/f", tmpl);
		snprintf(want, sizeof(want), "%s/real/f", tmpl);
		ok(path_canonical_follow(file, NULL, NULL, &canon, &t) == 0 && t == NODE_OTHER,
		   "follow: existing file through links and ..");
		is_str(canon, want, "follow: resolved like the kernel");
		free(canon);
		snprintf(file, sizeof(file), "%s/real/f/x", tmpl);
		ok(path_canonical_follow(file, NULL, NULL, &canon, &t) == 0 && t == NODE_MISSING,
		   "follow: below a file is missing");
		free(canon);
		snprintf(file, sizeof(file), "%s/loop", tmpl);
		if (symlink("loop", file) < 0)
			ok(0, "symlink");
		is_int(path_canonical_follow(file, NULL, NULL, &canon, &t), -ELOOP, "follow: a link loop is ELOOP");
		snprintf(file, sizeof(file), "%s/link/missing/../g", tmpl);
		snprintf(want, sizeof(want), "%s/real/missing/../g", tmpl);
		ok(path_canonical_follow(file, NULL, NULL, &canon, &t) == 0 && t == NODE_MISSING,
		   "follow: .. after a missing directory");
		is_str(canon, want, "follow: kept as it is after the first missing component");
		free(canon);

		snprintf(file, sizeof(file), "rm -rf '%s'", tmpl);
		if (fork() == 0) {
			execl("/bin/sh", "sh", "-c", file, (char *)NULL);
			_exit(1);
		}
	}
	/* read_file_max: a regular file, the size cap, and never a wait on a FIFO */
	{
		char dir[] = "/tmp/srt-test-readfile-XXXXXX", f[64], fifo[64], *data = NULL;
		size_t len = 0;
		int fd;

		ok(mkdtemp(dir) != NULL, "read_file_max: a directory");
		snprintf(f, sizeof(f), "%s/f", dir);
		snprintf(fifo, sizeof(fifo), "%s/p", dir);
		fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		ok(fd >= 0 && write(fd, "hello", 5) == 5 && close(fd) == 0, "a file of 5 bytes");
		is_int(read_file_max(f, 5, &data, &len), 0, "read_file_max reads it");
		ok(data && len == 5 && strcmp(data, "hello") == 0, "... whole, NUL-terminated");
		free(data);
		data = NULL;
		is_int(read_file_max(f, 4, &data, &len), -EFBIG, "above the cap: -EFBIG");
		ok(mkfifo(fifo, 0600) == 0, "a FIFO without a writer");
		is_int(read_file_max(fifo, 100, &data, &len), -EINVAL,
		       "a FIFO: -EINVAL at once (no wait for a writer)");
		is_int(read_file_max(dir, 100, &data, &len), -EINVAL, "a directory: -EINVAL");
		unlink(fifo);
		unlink(f);
		rmdir(dir);
	}
	ok(path_has_dot_component("/a/./b") && path_has_dot_component("/a/..") &&
		   path_has_dot_component("/a/../b") && path_has_dot_component("/."),
	   "path_has_dot_component: . and .. components, in the middle and at the end");
	ok(!path_has_dot_component("/a/.b/c") && !path_has_dot_component("/a/..b") &&
		   !path_has_dot_component("/a/b..") && !path_has_dot_component("/"),
	   "path_has_dot_component: names that only start or end with dots are not");
	return tap_exit();
}
