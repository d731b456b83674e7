/* SPDX-License-Identifier: Apache-2.0 */
/* The proxy environment: exact values, replacement of the caller's values, JVM options kept. */
#include <stdlib.h>
#include <string.h>

#include "net/proxy-env.h"
#include "shared/strv.h"
#include "tap.h"

int main(void)
{
	char **env = NULL;
	size_t n;

	strv_push(&env, "PATH=/usr/bin");
	strv_push(&env, "HTTP_PROXY=http://corp:8080");
	strv_push(&env, "JAVA_TOOL_OPTIONS=-Xmx1g");
	ok(proxy_env_apply(&env, 3128, 1080, NULL) == 0, "apply");
	is_str(env_vector_get(env, "HTTP_PROXY"), "http://localhost:3128",
	       "the caller's HTTP_PROXY is replaced: the sandbox cannot reach it anyway");
	is_str(env_vector_get(env, "https_proxy"), "http://localhost:3128", "https_proxy");
	is_str(env_vector_get(env, "ALL_PROXY"), "socks5h://localhost:1080",
	       "ALL_PROXY: SOCKS5 with names resolved by the proxy (socks5h)");
	is_str(env_vector_get(env, "RSYNC_PROXY"), "localhost:1080", "RSYNC_PROXY");
	is_str(env_vector_get(env, "GRPC_PROXY"), "socks5h://localhost:1080", "GRPC_PROXY");
	is_str(env_vector_get(env, "NO_PROXY"), "localhost,127.0.0.1,::1",
	       "NO_PROXY: only the sandbox's own loopback");
	is_str(env_vector_get(env, "NODE_USE_ENV_PROXY"), "1", "Node follows the variables");
	is_str(env_vector_get(env, "CLOUDSDK_PROXY_PORT"), "3128", "gcloud port");
	is_str(env_vector_get(env, "JAVA_TOOL_OPTIONS"),
	       "-Xmx1g -Dhttp.proxyHost=localhost -Dhttp.proxyPort=3128 "
	       "-Dhttps.proxyHost=localhost -Dhttps.proxyPort=3128",
	       "JVM options appended to the caller's");
	is_str(env_vector_get(env, "PATH"), "/usr/bin", "other variables untouched");
	n = strv_length(env);
	ok(proxy_env_apply(&env, 3128, 1080, NULL) == 0, "apply twice");
	is_int(strv_length(env), n, "applying twice adds nothing");
	is_str(env_vector_get(env, "JAVA_TOOL_OPTIONS"),
	       "-Xmx1g -Dhttp.proxyHost=localhost -Dhttp.proxyPort=3128 "
	       "-Dhttps.proxyHost=localhost -Dhttps.proxyPort=3128",
	       "JVM options not duplicated");
	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], "HTTP_PROXY=", 11) == 0 && strcmp(env[i] + 11, "http://localhost:3128"))
			ok(0, "stale HTTP_PROXY left: %s", env[i]);
	strv_free(env);

	env = NULL;
	ok(proxy_env_apply(&env, 8080, 9050, NULL) == 0, "apply to an empty environment, other ports");
	is_str(env_vector_get(env, "HTTPS_PROXY"), "http://localhost:8080", "ports are used");
	is_str(env_vector_get(env, "ftp_proxy"), "socks5h://localhost:9050", "socks port used");
	is_str(env_vector_get(env, "JAVA_TOOL_OPTIONS"),
	       "-Dhttp.proxyHost=localhost -Dhttp.proxyPort=8080 -Dhttps.proxyHost=localhost "
	       "-Dhttps.proxyPort=8080",
	       "JVM options alone");
	ok(env_vector_get(env, "NOPE") == NULL, "missing variable: NULL");
	ok(env_vector_get(env, "GIT_SSH_COMMAND") == NULL, "no helper: GIT_SSH_COMMAND not set");
	strv_free(env);

	env = NULL;
	ok(env_vector_set(&env, "GIT_SSH_COMMAND", "ssh -i /host/key") == 0, "caller's own value");
	ok(proxy_env_apply(&env, 3128, 1080, "/usr/libexec/srt/srt-connect") == 0,
	   "apply with a connect helper");
	is_str(env_vector_get(env, "GIT_SSH_COMMAND"),
	       "ssh -o ControlMaster=no -o ControlPath=none "
	       "-o ProxyCommand='/usr/libexec/srt/srt-connect --proxy 127.0.0.1:1080 %h %p'",
	       "GIT_SSH_COMMAND: ssh through the SOCKS5 port, no control master");
	strv_free(env);

	/* a name the caller's environment holds twice: srt's value is the only one left */
	env = NULL;
	ok(strv_push(&env, "HTTP_PROXY=http://evil:1") == 0 && strv_push(&env, "X=1") == 0 &&
		   strv_push(&env, "HTTP_PROXY=http://evil:2") == 0 &&
		   strv_push(&env, "HTTP_PROXYX=keep") == 0,
	   "an environment with HTTP_PROXY twice");
	ok(env_vector_set(&env, "HTTP_PROXY", "http://localhost:3128") == 0, "set HTTP_PROXY");
	is_int((int)strv_length(env), 3, "one HTTP_PROXY left, the other names kept");
	is_str(env[0], "HTTP_PROXY=http://localhost:3128", "srt's value in the first's place");
	is_str(env[1], "X=1", "X kept");
	is_str(env[2], "HTTP_PROXYX=keep", "a longer name with the same prefix kept");
	ok(env[3] == NULL, "terminated");
	strv_free(env);
	return tap_exit();
}
