/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Landlock kernel interface, as far as srt uses it, declared here because the build
 * machine's <linux/landlock.h> (Linux 6.1 headers) predates network rules (ABI 4), the
 * TRUNCATE (ABI 3) and IOCTL_DEV (ABI 5) rights and scoping (ABI 6). Values are the kernel's
 * UAPI; the names carry an SRT_ prefix so that they never clash with a newer system header.
 * Used by srt (probe) and srt-exec (ruleset); no code, only declarations.
 */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif

/* landlock_create_ruleset() flags */
#define SRT_LL_CREATE_RULESET_VERSION (1U << 0)

/* rule types of landlock_add_rule() */
#define SRT_LL_RULE_PATH_BENEATH 1
#define SRT_LL_RULE_NET_PORT 2

/* filesystem rights (ABI in which each appeared) */
#define SRT_LL_FS_EXECUTE (1ULL << 0)	  /* 1 */
#define SRT_LL_FS_WRITE_FILE (1ULL << 1)  /* 1 */
#define SRT_LL_FS_READ_FILE (1ULL << 2)	  /* 1 */
#define SRT_LL_FS_READ_DIR (1ULL << 3)	  /* 1 */
#define SRT_LL_FS_REMOVE_DIR (1ULL << 4)  /* 1 */
#define SRT_LL_FS_REMOVE_FILE (1ULL << 5) /* 1 */
#define SRT_LL_FS_MAKE_CHAR (1ULL << 6)	  /* 1 */
#define SRT_LL_FS_MAKE_DIR (1ULL << 7)	  /* 1 */
#define SRT_LL_FS_MAKE_REG (1ULL << 8)	  /* 1 */
#define SRT_LL_FS_MAKE_SOCK (1ULL << 9)	  /* 1 */
#define SRT_LL_FS_MAKE_FIFO (1ULL << 10)  /* 1 */
#define SRT_LL_FS_MAKE_BLOCK (1ULL << 11) /* 1 */
#define SRT_LL_FS_MAKE_SYM (1ULL << 12)	  /* 1 */
#define SRT_LL_FS_REFER (1ULL << 13)	  /* 2 */
#define SRT_LL_FS_TRUNCATE (1ULL << 14)	  /* 3 */
#define SRT_LL_FS_IOCTL_DEV (1ULL << 15)  /* 5 */

/* network rights (ABI 4) */
#define SRT_LL_NET_BIND_TCP (1ULL << 0)
#define SRT_LL_NET_CONNECT_TCP (1ULL << 1)

/* scopes (ABI 6) */
#define SRT_LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define SRT_LL_SCOPE_SIGNAL (1ULL << 1)

/* The ruleset attribute of ABI 6 and later. The kernel accepts a shorter size (older ABIs
 * know only the leading fields), so srt passes the size that the running ABI knows. */
struct srt_ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;	     /* ABI 6 */
};
#define SRT_LL_RULESET_ATTR_SIZE_V1 8
#define SRT_LL_RULESET_ATTR_SIZE_V4 16
#define SRT_LL_RULESET_ATTR_SIZE_V6 24

struct srt_ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct srt_ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

/* The ABI version, or -errno (EOPNOTSUPP: built in but disabled at boot; ENOSYS: not built). */
static inline int srt_ll_abi_version(void)
{
	long v = syscall(__NR_landlock_create_ruleset, NULL, 0, SRT_LL_CREATE_RULESET_VERSION);
	return v < 0 ? -errno : (int)v;
}
