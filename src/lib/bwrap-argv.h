/* SPDX-License-Identifier: Apache-2.0 */
/* Pure: the bubblewrap argument list for one sandbox (passed to bwrap with --args FD). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "mount-plan.h"
#include "shared/strv.h"

struct sandbox_spec {
	const struct mount_op *ops;
	size_t n_ops;
	const char *tmpdir;     /* private tmpfs mounted here (mount point exists), or NULL */
	const char *private_tmp; /* filesystem.privateTmp: an empty tmpfs here ("/tmp"), mounted
				  * after the ops above it and before the ops at or below it */
	const char *cwd;        /* --chdir */
	bool unshare_net;
	bool weaker_nested;     /* enableWeakerNestedSandbox: no fresh /proc */
	bool disable_userns;    /* bwrap --disable-userns */
	bool tmpfs_size;        /* bwrap knows --size */
	int seccomp_fd;         /* <0: none */
	/* srt-exec (violation observer): bound read-only at exec_helper_dst (inside tmpdir) */
	const char *exec_helper, *exec_helper_dst;
	/* srt-report.so and its FIFO (file violations): bound read-only at the *_dst paths
	 * (inside tmpdir); a FIFO stays writable on a read-only mount */
	const char *report_lib, *report_lib_dst, *report_fifo, *report_fifo_dst;
	/* --setenv NAME VALUE for each pair (NAME, VALUE, ..., NULL), or NULL */
	const char *const *setenv;
	int json_status_fd;     /* <0: none */
	int first_mask_fd;      /* OP_MASK_FILE ops consume fds first_mask_fd, +1, ... in order */
};

/* Appends NUL-separated arguments to out. Returns 0 or -ENOMEM / -EINVAL. */
int bwrap_args_build(const struct sandbox_spec *s, struct buf *out);

/* Number of OP_MASK_FILE ops (the number of empty-file fds the caller must provide). */
size_t bwrap_args_mask_fds(const struct mount_op *ops, size_t n);

/* With a private directory (privateTmp: "/tmp"), the plan's paths below it that the ops leave
 * to the host view (a read-only allowRead entry, a write root inside another) would not be
 * visible: adds a bind for each rule path strictly below dir, and for each `extra` path (a
 * NULL-terminated list of absolute paths: the working directory, the command; "" entries are
 * ignored) below dir, that no op at or above it (below dir) covers, with the access plan_access() gives it
 * (hidden paths get nothing: the tmpfs has none), and sorts *ops again (parents first). The
 * added ops have .why "private /tmp". Removes the ops at dir itself (the tmpfs wins) and the
 * pins below dir that no other op below dir holds (they would bind host directories in).
 * 0 or -ENOMEM. */
int bwrap_private_dir_ops(const struct mount_plan *p, const char *dir,
			  const char *const *extra, struct mount_op **ops, size_t *n);

/* bubblewrap's own limit on its arguments, those read with --args included (MAX_ARGS in
 * bubblewrap 0.8); beyond it bubblewrap refuses to start. */
#define BWRAP_MAX_ARGS 9000

/* Size limit of the private TMPDIR tmpfs. */
#define SANDBOX_TMPFS_SIZE "1073741824"
