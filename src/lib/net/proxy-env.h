/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: the environment that points a sandboxed command's clients at srt's proxies (issue 3).
 * The proxies listen inside the sandbox's own network namespace, on 127.0.0.1 and ::1, so the
 * names below are the sandbox's loopback, never the host's.
 */
#pragma once

#include <stdint.h>

/* Sets (replacing any previous value) the proxy variables of the reference (srt-behaviour.md
 * §4.6) plus those that make other common clients follow them:
 *   HTTP_PROXY HTTPS_PROXY http_proxy https_proxy   http://localhost:HTTP
 *   ALL_PROXY all_proxy FTP_PROXY ftp_proxy GRPC_PROXY grpc_proxy   socks5h://localhost:SOCKS
 *   RSYNC_PROXY   localhost:SOCKS
 *   NO_PROXY no_proxy   localhost,127.0.0.1,::1 (the sandbox's own loopback: reachable directly)
 *   DOCKER_HTTP_PROXY DOCKER_HTTPS_PROXY, CLOUDSDK_PROXY_TYPE/ADDRESS/PORT
 *   NODE_USE_ENV_PROXY=1   (Node's fetch and http follow HTTP(S)_PROXY only with it)
 *   GIT_SSH_COMMAND        ssh -o ControlMaster=no -o ControlPath=none
 *                          -o ProxyCommand='HELPER --proxy 127.0.0.1:SOCKS %h %p'
 *                          (only when connect_helper is not NULL; it must be free of shell
 *                          metacharacters; replaces the caller's value)
 *   JAVA_TOOL_OPTIONS      += -Dhttp(s).proxyHost/-Port (appended to the caller's value)
 * `*env` is a NULL-terminated vector of "NAME=VALUE" strings (strv). Returns 0 or -ENOMEM
 * (then *env holds a consistent subset of the changes). */
int proxy_env_apply(char ***env, uint16_t http_port, uint16_t socks_port,
		    const char *connect_helper);
