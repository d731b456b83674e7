/* SPDX-License-Identifier: Apache-2.0 */
#include "net/proxy-env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/cleanup.h"
#include "shared/macro.h"
#include "shared/strv.h"

int proxy_env_apply(char ***env, uint16_t http_port, uint16_t socks_port,
		    const char *connect_helper)
{
	char http[64], socks[64], rsync[64], port[16], java[160];
	const char *old_java;
	char *java_all = NULL;
	int r;
	const struct {
		const char *name;
		const char *value;
	} vars[] = {
		{"HTTP_PROXY", http},
		{"HTTPS_PROXY", http},
		{"http_proxy", http},
		{"https_proxy", http},
		{"ALL_PROXY", socks},
		{"all_proxy", socks},
		{"FTP_PROXY", socks},
		{"ftp_proxy", socks},
		{"GRPC_PROXY", socks},
		{"grpc_proxy", socks},
		{"RSYNC_PROXY", rsync},
		/* The sandbox's own loopback is reachable directly (a server the command starts
		 * itself); the host's is not reachable at all from the sandbox's namespace. */
		{"NO_PROXY", "localhost,127.0.0.1,::1"},
		{"no_proxy", "localhost,127.0.0.1,::1"},
		{"DOCKER_HTTP_PROXY", http},
		{"DOCKER_HTTPS_PROXY", http},
		{"CLOUDSDK_PROXY_TYPE", "http"},
		{"CLOUDSDK_PROXY_ADDRESS", "localhost"},
		{"CLOUDSDK_PROXY_PORT", port},
		{"NODE_USE_ENV_PROXY", "1"},
	};

	snprintf(http, sizeof(http), "http://localhost:%u", (unsigned)http_port);
	snprintf(socks, sizeof(socks), "socks5h://localhost:%u", (unsigned)socks_port);
	snprintf(rsync, sizeof(rsync), "localhost:%u", (unsigned)socks_port);
	snprintf(port, sizeof(port), "%u", (unsigned)http_port);
	for (size_t i = 0; i < ELEMENTSOF(vars); i++) {
		r = env_vector_set(env, vars[i].name, vars[i].value);
		if (r < 0)
			return r;
	}

	if (connect_helper) {
		/* ssh has no SOCKS client of its own: the helper is its transport. No control
		 * master: a master connection made outside the sandbox must not be reused. The
		 * path has no shell metacharacters (the caller checks). */
		_cleanup_free_ char *ssh = NULL;

		if (asprintf(&ssh,
			     "ssh -o ControlMaster=no -o ControlPath=none "
			     "-o ProxyCommand='%s --proxy 127.0.0.1:%u %%h %%p'",
			     connect_helper, (unsigned)socks_port) < 0)
			return -ENOMEM;
		r = env_vector_set(env, "GIT_SSH_COMMAND", ssh);
		if (r < 0)
			return r;
	}

	/* The JVM ignores the variables above; its system properties come from here. */
	snprintf(java, sizeof(java),
		 "-Dhttp.proxyHost=localhost -Dhttp.proxyPort=%u -Dhttps.proxyHost=localhost "
		 "-Dhttps.proxyPort=%u",
		 (unsigned)http_port, (unsigned)http_port);
	old_java = env_vector_get(*env, "JAVA_TOOL_OPTIONS");
	if (old_java && *old_java) {
		if (strstr(old_java, java))
			return 0; /* already there (applied twice) */
		if (asprintf(&java_all, "%s %s", old_java, java) < 0)
			return -ENOMEM;
		r = env_vector_set(env, "JAVA_TOOL_OPTIONS", java_all);
		free(java_all);
		return r;
	}
	return env_vector_set(env, "JAVA_TOOL_OPTIONS", java);
}
