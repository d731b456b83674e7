/* SPDX-License-Identifier: Apache-2.0 */
#include "bwrap-probe.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/cleanup.h"
#include "shared/fs-util.h"

#define BWRAP_MAX_SIZE (64 * 1024 * 1024)

int bwrap_probe(const char *explicit_path, const char *path_env, struct bwrap_info *ret,
		srt_error **reterr)
{
	_cleanup_close_ int fd = -EBADF;
	struct bwrap_info i = {0};
	struct stat st;
	void *map;
	int r;

	r = find_executable(explicit_path ? explicit_path : "bwrap", path_env, &i.path);
	if (r < 0)
		return srt_error_set(reterr, SRT_E_DEPENDENCY, r,
				     "bubblewrap ('%s') was not found or is not executable. "
				     "Hint: install it (Debian/Ubuntu: apt-get install bubblewrap)",
				     explicit_path ? explicit_path : "bwrap");

	fd = open(i.path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > BWRAP_MAX_SIZE) {
		r = srt_error_set(reterr, SRT_E_DEPENDENCY, fd < 0 ? errno : EINVAL,
				  "cannot read bubblewrap at '%s'", i.path);
		bwrap_info_done(&i);
		return r;
	}
	i.setuid = (st.st_mode & S_ISUID) && st.st_uid == 0;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		r = srt_error_set(reterr, SRT_E_DEPENDENCY, errno, "cannot read bubblewrap at '%s'",
				  i.path);
		bwrap_info_done(&i);
		return r;
	}
	{
		/* One pass over the binary: every "--name\0" string is checked against the
		 * options we look for. */
		static const char *const names[] = {"--disable-userns", "--size",
						    "--perms",		"--ro-bind-data",
						    "--json-status-fd", "--remount-ro",
						    "--cap-drop",	"--args"};
		bool *const flags[] = {&i.disable_userns, &i.size,	     &i.perms,
				       &i.ro_bind_data,	  &i.json_status_fd, &i.remount_ro,
				       &i.cap_drop,	  &i.args};
		const char *data = map, *end = data + st.st_size;

		for (const char *p = data; (p = memchr(p, '-', (size_t)(end - p)));) {
			size_t left = (size_t)(end - p);
			if (left > 2 && p[1] == '-') {
				for (size_t k = 0; k < ELEMENTSOF(names); k++) {
					size_t l = strlen(names[k]) + 1;
					if (l <= left && memcmp(p, names[k], l) == 0)
						*flags[k] = true;
				}
			}
			p++;
		}
	}
	munmap(map, (size_t)st.st_size);

	{
		const char *missing = !i.perms		  ? "--perms"
				      : !i.ro_bind_data	  ? "--ro-bind-data"
				      : !i.json_status_fd ? "--json-status-fd"
				      : !i.remount_ro	  ? "--remount-ro"
				      : !i.cap_drop	  ? "--cap-drop"
				      : !i.args		  ? "--args"
							  : NULL;
		if (missing) {
			r = srt_error_set(reterr, SRT_E_DEPENDENCY, ENOTSUP,
					  "bubblewrap at '%s' lacks the option %s that srt needs. "
					  "Hint: install bubblewrap 0.5.0 or newer",
					  i.path, missing);
			bwrap_info_done(&i);
			return r;
		}
	}
	*ret = i;
	return 0;
}

void bwrap_info_done(struct bwrap_info *i)
{
	free(i->path);
	i->path = NULL;
}

static long read_sysctl(const char *path)
{
	_cleanup_free_ char *s = NULL;
	char *end;
	long v;

	if (read_file_max(path, 64, &s, NULL) < 0)
		return -1;
	v = strtol(s, &end, 10);
	if (end == s)
		return -1;
	return v;
}

int userns_check(const struct bwrap_info *bw, srt_error **reterr)
{
	long v;

	if (read_sysctl("/proc/sys/user/max_user_namespaces") == 0)
		return srt_error_set(reterr, SRT_E_DEPENDENCY, EPERM,
				     "user namespaces are disabled (user.max_user_namespaces = 0); "
				     "srt needs them to sandbox commands. Hint: sysctl -w "
				     "user.max_user_namespaces=10000");
	if (bw->setuid)
		return 0; /* a setuid bwrap creates namespaces with its own privileges */
	if (geteuid() != 0 && read_sysctl("/proc/sys/kernel/unprivileged_userns_clone") == 0)
		return srt_error_set(reterr, SRT_E_DEPENDENCY, EPERM,
				     "unprivileged user namespaces are disabled "
				     "(kernel.unprivileged_userns_clone = 0). Hint: sysctl -w "
				     "kernel.unprivileged_userns_clone=1");
	v = read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	if (geteuid() != 0 && v == 1)
		return srt_error_set(
			reterr, SRT_E_DEPENDENCY, EPERM,
			"AppArmor restricts unprivileged user namespaces "
			"(kernel.apparmor_restrict_unprivileged_userns = 1), so bubblewrap cannot "
			"create a sandbox. Hint: install an AppArmor profile for %s that allows "
			"'userns,' (Ubuntu ships one in apparmor-profiles as bwrap-userns-restrict), "
			"or sysctl -w kernel.apparmor_restrict_unprivileged_userns=0",
			bw->path);
	return 0;
}
