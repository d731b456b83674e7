/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manager's side of srt_manager_wrap(): a unix socket in a private directory below the
 * state directory, and a thread per launcher that connects (srt-launch, see
 * lib/launch-proto.h). Each launcher presents a one-time token; the command runs through
 * srt_manager_spawn() with the launcher's descriptors, working directory and environment, its
 * signals are forwarded, its status sent back. A launcher that goes away takes its sandbox
 * along (SIGKILL): no sandbox outlives what stands in for it.
 */
#pragma once

#include "error.h"
#include "launch-proto.h"
#include "srt/srt.h"

struct wrap_server;

/* Starts listening in a new directory below state_dir. */
int wrap_server_new(srt_manager *m, const char *state_dir, struct wrap_server **ret,
		    srt_error **reterr);

/* Registers a command run: opts (taken over, may be NULL) are used for the launcher that
 * presents the token written to token (LAUNCH_TOKEN_LEN hex digits and a NUL). -EAGAIN when
 * too many tokens are waiting. */
int wrap_server_add(struct wrap_server *w, srt_spawn_opts *opts, char *token);

const char *wrap_server_socket(const struct wrap_server *w);

/* Stops accepting, kills the sandboxes still running for launchers, waits for every thread,
 * removes the socket. NULL is fine. */
void wrap_server_free(struct wrap_server *w);

/* In manager.c: a copy of base (NULL: defaults) for one launcher: its stdio, and cwd and env
 * where base sets none. */
int spawn_opts_for_launch(const srt_spawn_opts *base, const char *cwd, char **env,
			  const int stdio[3], srt_spawn_opts **ret);
