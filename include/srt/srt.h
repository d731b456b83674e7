/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libsrt — run commands inside an OS-level sandbox (filesystem, network, syscalls).
 *
 * Lifecycle:
 *   srt_config_load_file() / srt_config_load_string() / srt_config_new_default()
 *   → srt_manager_new(config)          copies what it needs from the config
 *   → srt_manager_spawn(argv, opts)    as many times as wanted, one srt_child each
 *     or srt_manager_wrap(argv, opts)  a command line the caller starts itself
 *   → srt_child_wait() / srt_child_kill()
 *   → srt_child_free(), srt_manager_free(), srt_config_free()
 *
 * Errors: every int-returning function returns 0 (or a positive value where documented) on
 * success and a negative errno on failure. When `reterr` is not NULL it receives an error object
 * (stable category, errno, human sentence with a hint) that the caller frees with
 * srt_error_free(). The library never prints, never exits and keeps no global state: two managers
 * in one process are independent.
 *
 * Threads: objects are not internally locked. Use one object from one thread at a time; distinct
 * objects may be used concurrently. Exceptions, callable from any thread: srt_manager_spawn()
 * and srt_manager_wrap() (serialised inside the manager; its setters must not run meanwhile),
 * srt_child_kill() (while another thread is blocked in srt_child_wait()), the violation
 * functions, and srt_ask_answer(). A manager must outlive its children. Callbacks (log, violations, ask) are
 * called on srt's proxy thread as well as on the caller's; they must not block.
 *
 * Any thread may spawn: a sandbox outlives the thread that spawned it (spawns from threads other
 * than the main one fork on a thread of the manager's, because the parent-death signal that
 * ties a sandbox to srt follows the forking thread), and ends when the process ends.
 *
 * Linking: pkg-config --cflags --libs srt (shared, soname libsrt.so.0; libsrt.a for static
 * linking with pkg-config --static). examples/embed.c is a complete program.
 */
#ifndef SRT_SRT_H
#define SRT_SRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SRT_PUBLIC __attribute__((visibility("default")))
#else
#define SRT_PUBLIC
#endif

/* Error categories. Append only: values never change. */
typedef enum srt_code {
	SRT_OK = 0,
	SRT_E_INVALID_ARGUMENT = 1, /* a caller passed a bad argument */
	SRT_E_CONFIG = 2,           /* settings unreadable or invalid */
	SRT_E_UNSUPPORTED = 3,      /* a requested protection cannot be enforced here */
	SRT_E_DEPENDENCY = 4,       /* bubblewrap missing or unusable, namespaces unavailable */
	SRT_E_PROXY = 5,            /* network proxy failure */
	SRT_E_SPAWN = 6,            /* the sandbox could not be set up */
	SRT_E_SYSTEM = 7,           /* unexpected system call failure, see srt_error_errno() */
	SRT_E_COMMAND_NOT_FOUND = 8,
	SRT_E_COMMAND_NOT_EXECUTABLE = 9,
} srt_code;

typedef struct srt_error srt_error;

/* The category, the errno (positive, 0 if none) and the message (never NULL; owned by e).
 * All three accept NULL and then return SRT_OK, 0 and "". */
SRT_PUBLIC srt_code srt_error_code(const srt_error *e);
SRT_PUBLIC int srt_error_errno(const srt_error *e);
SRT_PUBLIC const char *srt_error_message(const srt_error *e);
/* Frees e (NULL is fine). Returns NULL. */
SRT_PUBLIC srt_error *srt_error_free(srt_error *e);
/* A static description of a category; never NULL. */
SRT_PUBLIC const char *srt_strerror(srt_code code);
/* The library version, e.g. "0.1.0"; static. */
SRT_PUBLIC const char *srt_version(void);

/* ---- Configuration (the ~/.srt-settings.json format; see srt-settings(5)) ---- */

typedef struct srt_config srt_config;

/* The embedded default: no network, writes only to the default write paths, reads
 * unrestricted. *ret is owned by the caller. */
SRT_PUBLIC int srt_config_new_default(srt_config **ret);

/* Loads and validates a settings file. Any problem (missing, unreadable, empty, bad JSON,
 * duplicate or unknown key, wrong type, invalid value) is an SRT_E_CONFIG error whose message
 * names the file, the line:column and the dotted key. Files larger than 1 MiB are refused.
 * Relative paths and "~" inside the file are resolved when the sandbox is built, against the
 * working directory of that command and $HOME. */
SRT_PUBLIC int srt_config_load_file(const char *path, srt_config **ret, srt_error **reterr);

/* The same from memory. `origin` names the source in messages (e.g. "<string>"). */
SRT_PUBLIC int srt_config_load_string(const char *json, size_t len, const char *origin,
				      srt_config **ret, srt_error **reterr);

/* The path this config was loaded from, or NULL (default or string). Owned by c. */
SRT_PUBLIC const char *srt_config_source(const srt_config *c);

/* Records that the sandboxed command must never be able to write `path` (it need not exist;
 * the CLI passes the settings file it was started with and the default settings path). */
SRT_PUBLIC int srt_config_protect_path(srt_config *c, const char *path);

/* Replaces one setting: `key` is a dotted path as in the settings file ("allowPty",
 * "network.allowedDomains", "filesystem.allowWrite", "ignoreViolations"), `value_json` its
 * new value as JSON text ("[\"example.com\"]", "true"). The result is validated as a whole
 * settings file would be; on any error (unknown key, wrong type, invalid entry: an
 * SRT_E_CONFIG error with the message) c is unchanged. Returns 0 or -errno. */
SRT_PUBLIC int srt_config_set(srt_config *c, const char *key, const char *value_json,
			      srt_error **reterr);

/* The settings as JSON in the settings-file format, every key with its effective value
 * (indented; free() it). Returns 0, -EINVAL or -ENOMEM. */
SRT_PUBLIC int srt_config_to_json(const srt_config *c, char **ret);

/* Frees c (NULL is fine). Returns NULL. */
SRT_PUBLIC srt_config *srt_config_free(srt_config *c);

/* ---- Manager ---- */

typedef struct srt_manager srt_manager;

typedef enum srt_log_level {
	SRT_LOG_ERROR = 0,
	SRT_LOG_WARNING = 1,
	SRT_LOG_INFO = 2,
	SRT_LOG_DEBUG = 3,
} srt_log_level;

/* Diagnostics callback. `msg` is one line without a trailing newline, valid during the call. */
typedef void (*srt_log_fn)(srt_log_level level, const char *msg, void *userdata);

/* Creates a manager for config c (deep-copied; c may be freed afterwards). Checks that the
 * settings can be enforced on this system (bubblewrap found in $PATH with the options srt needs,
 * user namespaces available, no setting this version cannot enforce) and fails with
 * SRT_E_UNSUPPORTED / SRT_E_DEPENDENCY and a hint if not. Facts that depend on the command's
 * working directory (paths, protected files) are checked by srt_manager_spawn(). */
SRT_PUBLIC int srt_manager_new(const srt_config *c, srt_manager **ret, srt_error **reterr);

/* Installs a log callback (NULL to remove). Debug-level messages describe every decision. */
SRT_PUBLIC void srt_manager_set_log_fn(srt_manager *m, srt_log_fn fn, void *userdata);

/* Uses `path` as the bubblewrap binary instead of looking up "bwrap" in PATH. Copies path.
 * Returns -errno if that binary is missing or unusable (it is then still recorded, and
 * srt_manager_spawn() reports the problem with a message). */
SRT_PUBLIC int srt_manager_set_bwrap_path(srt_manager *m, const char *path);

/* ---- Network lists while the manager lives -------------------------------------------------
 *
 * srt_manager_update_network() replaces allowedDomains / deniedDomains (NULL-terminated lists,
 * NULL meaning empty) for every later connection, including those of sandboxes already
 * running; open connections are not re-judged. The entries are validated as in the settings
 * file; on any error nothing changes. A sandbox started while allowedDomains was empty (and no
 * ask callback and no external proxy was set) has no proxy at all and stays offline.
 * Returns 0 or -EINVAL (with an SRT_E_INVALID_ARGUMENT error naming the entry) or -ENOMEM. */
SRT_PUBLIC int srt_manager_update_network(srt_manager *m, const char *const *allowed,
					  const char *const *denied, srt_error **reterr);

/* ---- Asking about hosts in neither list -----------------------------------------------------
 *
 * With an ask callback, a connection to a host that is in neither list waits while fn decides
 * (the reference's SandboxAskCallback). fn is called on srt's proxy thread and must not block:
 * it hands the question on and returns. The answer is given with srt_ask_answer(), exactly
 * once per ask, from any thread, possibly from inside fn. Concurrent connections to the same
 * host and port share one ask. Without an answer within timeout_ms (0: 30 s) the connections
 * are refused, and the late answer returns -ETIMEDOUT; the same happens to answers given after
 * the sandbox ended. Every ask must still be answered (that frees it). Denials by the answer
 * or by the timeout are violations like any other. There is no cache: every new connection to
 * an unlisted host asks. A name allowed by an answer is still refused when it resolves to a
 * loopback, private, link-local or metadata address unless that address is itself allowed.
 * The callback applies to sandboxes spawned after it was set; with it, a sandbox gets srt's
 * proxy even when allowedDomains is empty. */
typedef struct srt_ask srt_ask;
typedef void (*srt_ask_fn)(srt_ask *ask, const char *host, uint16_t port, void *userdata);

/* The proxy ports a sandbox started now would get, as seen inside it (on 127.0.0.1 and ::1:
 * HTTP 3128, SOCKS5 1080; HTTP_PROXY and the other variables name them). Returns 1 when
 * sandboxes get srt's network namespace and proxy (an allow list, an ask callback or an
 * external proxy port), 0 when they get no network at all (both ports 0), -EINVAL. The ports
 * are not on the host: nothing listens there (the reference's getProxyPort() named host ports).
 * Either pointer may be NULL. */
SRT_PUBLIC int srt_manager_get_proxy_ports(const srt_manager *m, uint16_t *ret_http,
					   uint16_t *ret_socks);

/* The manager's effective settings as JSON (the network lists as last updated); free() it.
 * Returns 0, -EINVAL or -ENOMEM. */
SRT_PUBLIC int srt_manager_get_config_json(srt_manager *m, char **ret);

/* Sets (or with NULL removes) the ask callback. Returns 0 or -EINVAL. */
SRT_PUBLIC int srt_manager_set_ask_fn(srt_manager *m, srt_ask_fn fn, void *userdata,
				      unsigned timeout_ms);
/* Allows or denies the connections waiting on ask. Returns 0 or -ETIMEDOUT (already refused);
 * either way ask is freed and must not be used again. */
SRT_PUBLIC int srt_ask_answer(srt_ask *ask, bool allow);

/* Uses `path` as the SOCKS5 connect helper that GIT_SSH_COMMAND names inside the sandbox
 * (ssh's ProxyCommand; see srt-connect(1) in srt(1)). Default: "srt-connect" next to the
 * running executable, then in the build tree's layout (../connect/), then
 * $libexecdir/srt/srt-connect. NULL restores the default. The path must consist of
 * [A-Za-z0-9/._+-] only (it is interpreted by two shells); otherwise, or when no helper is
 * found, GIT_SSH_COMMAND is not set (logged at debug level). Returns 0, -ENOMEM or -EINVAL. */
SRT_PUBLIC int srt_manager_set_connect_helper(srt_manager *m, const char *path);

/* The srt-exec helper (absolute path of an executable; NULL: the default), which srt binds
 * into each sandbox to apply Landlock and to observe refused system calls. By default srt
 * looks next to the running program, in the build tree's layout, and in $libexecdir/srt; a
 * program that embeds libsrt from elsewhere sets it here. Without it Landlock is not applied
 * (srt_child_landlock() says why; with "landlock": "require" spawning fails). Returns 0,
 * -EINVAL (not absolute or not executable) or -ENOMEM. */
SRT_PUBLIC int srt_manager_set_exec_helper(srt_manager *m, const char *path);

/* Frees m (NULL is fine). Children already spawned keep running. Returns NULL.
 * The reference's reset() is srt_manager_free() followed by srt_manager_new(): a manager holds
 * all of its state, nothing global outlives it. Its cleanupAfterCommand() is srt_child_wait()
 * (which removes what the sandbox needed on the host) and srt_child_free(). */
SRT_PUBLIC srt_manager *srt_manager_free(srt_manager *m);

/* ---- Spawning ---- */

typedef struct srt_spawn_opts srt_spawn_opts;

SRT_PUBLIC srt_spawn_opts *srt_spawn_opts_new(void);
SRT_PUBLIC srt_spawn_opts *srt_spawn_opts_free(srt_spawn_opts *o);
/* Working directory of the command (default: the caller's). Relative settings paths resolve
 * against it. Copies cwd. */
SRT_PUBLIC int srt_spawn_opts_set_cwd(srt_spawn_opts *o, const char *cwd);
/* Environment of the command (default: the caller's `environ`). Copies envp. */
SRT_PUBLIC int srt_spawn_opts_set_env(srt_spawn_opts *o, char *const envp[]);

/* Runs the command on a new pseudo-terminal instead of the caller's stdin/stdout: the command becomes a session leader with the pty as its
 * controlling terminal, so job control, line editing and ^C work inside, while the caller's
 * own terminal never enters the sandbox (no TIOCSTI into it, whatever the kernel allows).
 * `terminal_fd` is the caller's terminal (usually 0): the pty starts with its termios and
 * window size. stdin and stdout of the command are the pty; stderr too if the caller's fd 2 is
 * a terminal. The caller relays bytes between its terminal and srt_child_pty_fd(), and
 * forwards window size changes with srt_child_resize(). Pass -1 to turn it off. */
SRT_PUBLIC int srt_spawn_opts_set_pty(srt_spawn_opts *o, int terminal_fd);

/* This command's filesystem rules (denyRead, allowRead, allowWrite, denyWrite, allowGitConfig,
 * privateTmp, strictDenyGlobs, mandatoryDenySearchDepth) come from c instead of the manager's config, as the reference's
 * per-command configuration: each list replaces the manager's as a whole. Everything else
 * (network, system calls, limits) stays the manager's; the settings files the manager's
 * config protects stay protected. c is copied (NULL restores the manager's rules). Returns 0,
 * -EINVAL or -ENOMEM. */
SRT_PUBLIC int srt_spawn_opts_set_config(srt_spawn_opts *o, const srt_config *c);

/* The soft RLIMIT_NOFILE the command starts with (0, the default: the caller's own). For a
 * caller that raised its own limit so the proxy can hold many connections (the srt CLI does)
 * and wants the command to see the limit it had before. Ignored when above the hard limit. */
SRT_PUBLIC int srt_spawn_opts_set_fd_limit(srt_spawn_opts *o, unsigned long soft);

/* The command's standard input, output and error: in_fd, out_fd and err_fd become its fds 0, 1
 * and 2 (-1 for any of them: the caller's own, the default). The descriptors are not taken
 * over: they must stay open until srt_manager_spawn() returns, and the caller closes them (its
 * copy of a pipe's write end, say, so that a reader sees EOF). A descriptor that is not open
 * gives -EBADF and changes nothing. With srt_spawn_opts_set_pty(), in_fd and out_fd must stay
 * -1 (srt_manager_spawn() refuses with SRT_E_INVALID_ARGUMENT); err_fd still applies. */
SRT_PUBLIC int srt_spawn_opts_set_stdio(srt_spawn_opts *o, int in_fd, int out_fd, int err_fd);

typedef struct srt_child srt_child;

/* Runs argv[0] (looked up in PATH) with argv inside a new sandbox. stdin, stdout and stderr are
 * the caller's fds 0, 1 and 2; no other descriptor is inherited. Returns once the sandbox
 * process exists and, when srt-exec runs (Landlock or observed system calls), once srt-exec
 * has reported; the command may still fail to start (see srt_child_wait()).
 * A command that does not exist gives SRT_E_COMMAND_NOT_FOUND and starts nothing. */
SRT_PUBLIC int srt_manager_spawn(srt_manager *m, char *const argv[], const srt_spawn_opts *o,
				 srt_child **ret, srt_error **reterr);

/* Wraps argv into a command line for the caller to start itself, with its own process
 * machinery (a subprocess module, a job runner, a shell): the reference's wrapWithSandbox().
 * *ret_argv (free with srt_strv_free()) is
 *
 *     LIBEXECDIR/srt/srt-launch SOCKET TOKEN -- argv...
 *
 * srt-launch hands its descriptors 0, 1 and 2, working directory and environment to this
 * manager over a unix socket in a private directory (0700, below /tmp/srt-UID), which runs argv
 * in a sandbox exactly as srt_manager_spawn() would, with o's options (copied; where o sets
 * no working directory or environment, the launcher's are used; a pty is refused). srt-launch
 * stands in for the command: the signals INT, TERM, HUP, QUIT, USR1, USR2 and WINCH it receives
 * are forwarded, and it exits with the command's status (the exit code, or 128+N after signal
 * N), or 125 (126, 127 for a command that cannot run) with a message on stderr when the
 * sandbox could not be made. The sandbox lives in this process (proxy, observer, violations are
 * this manager's), so the manager must outlive the launcher: srt_manager_free() kills
 * sandboxes still running for launchers (their launchers exit 125). A launcher that dies takes
 * its sandbox along (SIGKILL). Each command line runs once (the token is used up); at most 4096
 * may wait to be started. Only processes of the caller's uid may connect.
 * To run it through a shell, srt_shell_quote() makes one string of it.
 * Any thread, concurrently with srt_manager_spawn() (spawns are serialised internally); the
 * manager's setters must not run while launchers are being served. */
SRT_PUBLIC int srt_manager_wrap(srt_manager *m, char *const argv[], const srt_spawn_opts *o,
				char ***ret_argv, srt_error **reterr);

/* argv as one string for `sh -c`: words made only of [A-Za-z0-9_./=:,+@%-] as they are, every
 * other word in single quotes ('\'' for a quote). Free with free(); NULL on allocation failure. */
SRT_PUBLIC char *srt_shell_quote(char *const argv[]);

/* Frees a NULL-terminated string vector returned by libsrt. NULL is fine. Returns NULL. */
SRT_PUBLIC char **srt_strv_free(char **v);

/* The Landlock layer in force for the command (settings key "landlock", srt-settings(5)):
 * srt-exec applies it inside the sandbox after bubblewrap has built the mounts, under the mount
 * and namespace rules, and reports what it applied before it executes the command.
 *   FULL: every part the settings call for is in force (writes only below the write roots,
 *         TCP connect only to srt's proxy ports and bind to none, abstract unix sockets and
 *         signals confined to the sandbox; with allowLocalBinding TCP is left to the network
 *         namespace, with allowNestedUserNamespaces writes to the mount layer);
 *   PARTIAL: some parts (the kernel's Landlock ABI is older);
 *   NONE: nothing ("landlock": "off", no Landlock in the kernel, no srt-exec helper, or the
 *         sandbox ended before srt-exec ran).
 * With "landlock": "require" srt_manager_spawn() fails instead of running the command with
 * less than FULL. `description`, when not NULL, receives a sentence saying the level, the
 * kernel's ABI and the parts applied and missing (owned by ch; "" for NULL ch). Known when
 * srt_manager_spawn() returns. */
typedef enum srt_landlock_level {
	SRT_LANDLOCK_NONE = 0,
	SRT_LANDLOCK_PARTIAL = 1,
	SRT_LANDLOCK_FULL = 2,
} srt_landlock_level;

SRT_PUBLIC srt_landlock_level srt_child_landlock(const srt_child *ch, const char **description);

/* The pid of the sandbox's outermost process (bubblewrap) in the caller's pid namespace. */
SRT_PUBLIC pid_t srt_child_pid(const srt_child *ch);

/* A pidfd for that process (owned by ch), readable when it exits: poll() it in an event loop. */
SRT_PUBLIC int srt_child_pidfd(const srt_child *ch);

/* The pty master (owned by ch; O_CLOEXEC, blocking) in pty mode, else -1. Reading it returns
 * EIO once the sandbox has exited and nothing holds the terminal. */
SRT_PUBLIC int srt_child_pty_fd(const srt_child *ch);

/* Copies the window size of `terminal_fd` to the pty (the command gets SIGWINCH). */
SRT_PUBLIC int srt_child_resize(srt_child *ch, int terminal_fd);

/* Delivers sig to the sandboxed command's process group (as a terminal would). Before the
 * sandbox has started the command, SIGKILL/SIGTERM/SIGINT/SIGHUP tear the sandbox down. */
SRT_PUBLIC int srt_child_kill(srt_child *ch, int sig);

/* ---- Violations ---------------------------------------------------------------------------
 *
 * Every operation the sandbox refuses and srt can see is recorded in the manager's violation
 * store: every refusal of the network proxy (policy, malformed or mismatched host, a resolved
 * address that is not allowed), and, with srt_manager_set_observe_syscalls(), every system
 * call the seccomp filter refuses (AF_UNIX sockets as SRT_VIOLATION_UNIX_SOCKET, the rest as
 * SRT_VIOLATION_SYSCALL) when the srt-exec helper is installed. Note that the C library tries an AF_UNIX socket (nscd) for many name
 * lookups, so unix-socket refusals are common and mostly harmless. The store keeps the most recent 256; ignoreViolations
 * from the settings suppresses matching ones (counted apart, not stored). All text is escaped
 * when recorded (bytes outside printable ASCII and the backslash become \xNN), so a sandboxed
 * process cannot forge lines or terminal sequences through a host name or path.
 *
 * Threads: these functions may be called from any thread. Subscribers are called on the thread
 * that records the violation (srt's proxy thread for network refusals, the sandbox's observer
 * thread for system calls and file accesses), one call at a time;
 * a subscriber must not subscribe or unsubscribe, and should return quickly. */

typedef enum srt_violation_kind {
	SRT_VIOLATION_NETWORK = 1, /* target "host:port", operation CONNECT, HTTP or SOCKS5 */
	SRT_VIOLATION_FILE_READ,
	SRT_VIOLATION_FILE_WRITE,
	SRT_VIOLATION_UNIX_SOCKET,
	SRT_VIOLATION_SYSCALL,
} srt_violation_kind;

typedef struct srt_violation {
	uint64_t id;             /* 1, 2, ... within the manager */
	srt_violation_kind kind;
	int64_t time_ns;         /* CLOCK_REALTIME, nanoseconds since the epoch */
	const char *target;      /* escaped, never NULL */
	const char *operation;   /* escaped, never NULL */
	const char *reason;      /* escaped, never NULL */
	const char *command;     /* the command line that caused it, escaped, never NULL */
} srt_violation;

typedef void (*srt_violation_fn)(const srt_violation *v, void *userdata);

/* Reports refused system calls too (off by default): the sandbox then starts through the
 * srt-exec helper, which installs the filter with a listener for srt (about 1 ms more per
 * start on the machine measured; nothing for allowed calls: bench/observer). Network refusals
 * are always reported. Applies to sandboxes spawned afterwards. Returns 0 or -EINVAL. */
SRT_PUBLIC int srt_manager_set_observe_syscalls(srt_manager *m, bool on);

/* Reports refused file accesses (SRT_VIOLATION_FILE_READ, SRT_VIOLATION_FILE_WRITE) of the
 * sandboxed command, off by default. srt preloads its srt-report.so shim into the command
 * (LD_PRELOAD, prepended to the caller's value; SRT_REPORT_FIFO names the FIFO it writes
 * to); when a file call fails with EACCES, EPERM or EROFS the shim sends the path and the
 * operation to srt, which records it only if the sandbox's rules explain it: a write where
 * the mounted plan is not read-write, a read of a hidden path. Each kind and path is recorded
 * once per child, at most 128 per child. The shim changes no result.
 *
 * These reports are ADVISORY: they come from inside the sandbox, so the command can suppress
 * them (statically linked programs, direct system calls, a cleared environment or
 * LD_PRELOAD are not observed at all) or invent plausible ones (a report is recorded only for
 * a path the rules do refuse, but the command may claim an access it never tried). Nothing
 * is ever decided from them. Needs the shim installed in $libexecdir/srt (or next to the
 * program, or in the build tree); without it nothing is reported (a debug log line says so).
 * Applies to sandboxes spawned afterwards; like the other manager setters, not to be called
 * concurrently with a spawn on the same manager. Returns 0 or -EINVAL. */
SRT_PUBLIC int srt_manager_set_observe_files(srt_manager *m, bool on);

/* "network", "file-read", "file-write", "unix-socket", "syscall" (static). */
SRT_PUBLIC const char *srt_violation_kind_name(srt_violation_kind kind);

/* Calls fn for every violation recorded from now on (v is valid during the call only).
 * Returns a subscription id > 0, or -EINVAL / -ENOMEM. */
SRT_PUBLIC int srt_manager_subscribe_violations(srt_manager *m, srt_violation_fn fn,
						void *userdata);
/* After it returns, fn is not called again for that id. Returns 0 or -ENOENT. */
SRT_PUBLIC int srt_manager_unsubscribe_violations(srt_manager *m, int id);

/* Copies the stored violations (the newest `max` of them, 0 = all), oldest first, into a new
 * array *ret, freed with srt_violations_free(*ret, count). Returns the count or -ENOMEM. */
SRT_PUBLIC ssize_t srt_manager_get_violations(srt_manager *m, size_t max, srt_violation **ret);
/* Violations ever recorded by the manager (suppressed ones excluded); not reset by clear. */
SRT_PUBLIC uint64_t srt_manager_violation_count(srt_manager *m);
/* Empties the store (the counters stay). */
SRT_PUBLIC void srt_manager_clear_violations(srt_manager *m);
/* Frees n violations copied out by this library, and the array. NULL-safe. */
SRT_PUBLIC void srt_violations_free(srt_violation *v, size_t n);
/* One JSON object on one line, no newline: {"id":..,"time":"2026-12-04T17:05:37.123Z",
 * "kind":"network","target":..,"operation":..,"reason":..,"command":..}. *ret is freed with
 * free(). Returns 0, -EINVAL or -ENOMEM. */
SRT_PUBLIC int srt_violation_to_json(const srt_violation *v, char **ret);

/* Violations this child caused so far, and the first of them (a copy freed with
 * srt_violations_free(v, 1), or NULL when there is none). Any thread. */
SRT_PUBLIC uint64_t srt_child_violation_count(const srt_child *ch);
SRT_PUBLIC srt_violation *srt_child_first_violation(const srt_child *ch);
/* The same, for one kind only. */
SRT_PUBLIC uint64_t srt_child_violation_count_of(const srt_child *ch, srt_violation_kind kind);
SRT_PUBLIC srt_violation *srt_child_first_violation_of(const srt_child *ch,
							srt_violation_kind kind);

/* Waits for the command and returns its status in *ret_status: the exit code, or 128+N when it
 * died of signal N. If the sandbox could not start the command, returns -errno with an
 * SRT_E_SPAWN error. Removes everything the sandbox needed on the host. */
SRT_PUBLIC int srt_child_wait(srt_child *ch, int *ret_status, srt_error **reterr);

/* Kills the sandbox if it still runs, waits for it, cleans up. NULL is fine. Returns NULL. */
SRT_PUBLIC srt_child *srt_child_free(srt_child *ch);

#ifdef __cplusplus
}
#endif

#endif /* SRT_SRT_H */
