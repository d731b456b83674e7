/* SPDX-License-Identifier: Apache-2.0 */
/* The public srt_config object: a thin owner of the parsed settings. */
#include <errno.h>
#include <stdlib.h>

#include "config.h"
#include "shared/strv.h"

static int wrap(struct srt_settings *s, srt_config **ret)
{
	srt_config *c;

	if (!s)
		return -ENOMEM;
	c = calloc(1, sizeof(*c));
	if (!c) {
		settings_free(s);
		return -ENOMEM;
	}
	c->s = s;
	*ret = c;
	return 0;
}

SRT_PUBLIC int srt_config_new_default(srt_config **ret)
{
	if (!ret)
		return -EINVAL;
	return wrap(settings_new_default(), ret);
}

SRT_PUBLIC int srt_config_load_file(const char *path, srt_config **ret, srt_error **reterr)
{
	struct srt_settings *s = NULL;
	int r;

	if (!path || !ret)
		return srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, EINVAL, "no path given");
	r = settings_load_file(path, &s, reterr);
	if (r < 0)
		return r;
	return wrap(s, ret);
}

SRT_PUBLIC int srt_config_load_string(const char *json, size_t len, const char *origin,
				      srt_config **ret, srt_error **reterr)
{
	struct srt_settings *s = NULL;
	int r;

	if (!json || !ret)
		return srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, EINVAL, "no JSON given");
	r = settings_parse(json, len, origin ? origin : "<string>", &s, reterr);
	if (r < 0)
		return r;
	return wrap(s, ret);
}

SRT_PUBLIC const char *srt_config_source(const srt_config *c)
{
	return c ? c->s->source : NULL;
}

SRT_PUBLIC int srt_config_protect_path(srt_config *c, const char *path)
{
	if (!c || !path || !*path)
		return -EINVAL;
	return strv_push(&c->s->protected_paths, path);
}

SRT_PUBLIC srt_config *srt_config_free(srt_config *c)
{
	if (c) {
		settings_free(c->s);
		free(c);
	}
	return NULL;
}

SRT_PUBLIC int srt_config_to_json(const srt_config *c, char **ret)
{
	if (!c || !ret)
		return -EINVAL;
	*ret = settings_to_json(c->s, true);
	return *ret ? 0 : -ENOMEM;
}

SRT_PUBLIC int srt_config_set(srt_config *c, const char *key, const char *value_json,
			      srt_error **reterr)
{
	if (!c)
		return srt_error_set(reterr, SRT_E_INVALID_ARGUMENT, EINVAL, "no config");
	return settings_set(&c->s, key, value_json, reterr);
}
