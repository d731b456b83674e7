/* SPDX-License-Identifier: Apache-2.0 */
/* The compiled-filter cache: a second build reads the file the first wrote (same bytes), and a
 * file that srt would not have written (wrong mode, wrong size) is rebuilt, never used. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/seccomp-filter.h"
#include "tap.h"

static size_t slurp(int fd, char *buf, size_t max)
{
	ssize_t k = pread(fd, buf, max, 0);
	return k > 0 ? (size_t)k : 0;
}

static int count_cache_files(const char *dir, char *first, size_t n)
{
	char cmd[512];
	FILE *p;
	int c = 0;
	snprintf(cmd, sizeof(cmd), "ls %s | grep '^seccomp-'", dir);
	p = popen(cmd, "r");
	while (p && fgets(first, (int)n, p))
		c++;
	if (p)
		pclose(p);
	first[strcspn(first, "\n")] = '\0';
	return c;
}

int main(void)
{
	char dir[] = "/tmp/srt-test-sc-XXXXXX", name[256] = "", path[512], a[65536], b[65536];
	struct seccomp_policy pol = {0};
	struct stat st;
	int fd1 = -1, fd2 = -1, fd3 = -1;
	size_t la, lb;

	if (!mkdtemp(dir))
		return 1;
	ok(seccomp_filter_fd_cached(dir, &pol, &fd1, NULL) == 0, "first build");
	is_int(count_cache_files(dir, name, sizeof(name)), 1, "one cache file written");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "cache file is private (0600)");
	ok(seccomp_filter_fd_cached(dir, &pol, &fd2, NULL) == 0, "second build");
	la = slurp(fd1, a, sizeof(a));
	lb = slurp(fd2, b, sizeof(b));
	ok(la > 0 && la == lb && memcmp(a, b, la) == 0, "the cached filter is byte-identical");
	{
		char link[64], target[600] = "";
		ssize_t k;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd2);
		k = readlink(link, target, sizeof(target) - 1);
		if (k > 0)
			target[k] = '\0';
		is_str(target, path, "the second one is the cache file itself");
	}

	/* tamper: a mode srt never writes -> ignored and rebuilt */
	chmod(path, 0644);
	ok(seccomp_filter_fd_cached(dir, &pol, &fd3, NULL) == 0, "build with a tampered cache");
	lb = slurp(fd3, b, sizeof(b));
	ok(lb == la && memcmp(a, b, la) == 0, "tampered (0644) cache not used: same filter rebuilt");
	close(fd3);
	/* tamper: size not a multiple of 8 */
	{
		int w = open(path, O_WRONLY | O_APPEND);
		if (w >= 0) {
			(void)!write(w, "x", 1);
			close(w);
		}
	}
	ok(seccomp_filter_fd_cached(dir, &pol, &fd3, NULL) == 0, "build with a truncated cache");
	lb = slurp(fd3, b, sizeof(b));
	ok(lb == la && memcmp(a, b, la) == 0, "malformed cache not used: same filter rebuilt");

	/* a different policy gets its own entry */
	pol.allow_unix_sockets = true;
	close(fd3);
	ok(seccomp_filter_fd_cached(dir, &pol, &fd3, NULL) == 0, "other policy");
	lb = slurp(fd3, b, sizeof(b));
	ok(!(lb == la && memcmp(a, b, la) == 0), "another policy gives another filter");

	/* a temporary file left by a writer that died before its rename goes with the next
	 * build; one of a writer still alive stays */
	{
		char dead[256], alive[256];
		pid_t pid = fork();
		int wst;

		if (pid == 0)
			_exit(0);
		waitpid(pid, &wst, 0);
		snprintf(dead, sizeof(dead), "%s/.seccomp-x.bpf.%d", dir, (int)pid);
		snprintf(alive, sizeof(alive), "%s/.seccomp-y.bpf.%d", dir, (int)getpid());
		close(open(dead, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
		close(open(alive, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
		pol.allow_nested_userns = true; /* a cache miss */
		close(fd3);
		ok(seccomp_filter_fd_cached(dir, &pol, &fd3, NULL) == 0, "build with leftovers");
		ok(access(dead, F_OK) < 0, "a dead writer's temporary file is removed");
		ok(access(alive, F_OK) == 0, "a live writer's is kept");
	}

	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("# cleanup failed\n");
	}
	return tap_exit();
}
