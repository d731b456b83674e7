/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "shared/text.h"
#include "srt-build-config.h"

/* Messages quote paths and names hostile code may have chosen: made terminal-safe here, once
 * for every error (shared/text.h). */
static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL, *safe;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	safe = text_terminal_safe(s);
	free(s);
	return safe;
}

int srt_error_set(srt_error **reterr, srt_code code, int errnum, const char *fmt, ...)
{
	int e = errnum < 0 ? -errnum : errnum;
	va_list ap;

	if (reterr && !*reterr) {
		srt_error *err = calloc(1, sizeof(*err));
		if (err) {
			err->code = code;
			err->errnum = e;
			va_start(ap, fmt);
			err->message = vformat(fmt, ap);
			va_end(ap);
			*reterr = err;
		}
	}
	return e ? -e : -EINVAL;
}

SRT_PUBLIC srt_code srt_error_code(const srt_error *e)
{
	return e ? e->code : SRT_OK;
}

SRT_PUBLIC int srt_error_errno(const srt_error *e)
{
	return e ? e->errnum : 0;
}

SRT_PUBLIC const char *srt_error_message(const srt_error *e)
{
	if (!e)
		return "";
	return e->message ? e->message : "out of memory while formatting an error";
}

SRT_PUBLIC srt_error *srt_error_free(srt_error *e)
{
	if (e) {
		free(e->message);
		free(e);
	}
	return NULL;
}

SRT_PUBLIC const char *srt_strerror(srt_code code)
{
	switch (code) {
	case SRT_OK:
		return "success";
	case SRT_E_INVALID_ARGUMENT:
		return "invalid argument";
	case SRT_E_CONFIG:
		return "invalid settings";
	case SRT_E_UNSUPPORTED:
		return "protection not supported on this system";
	case SRT_E_DEPENDENCY:
		return "sandbox dependency missing or unusable";
	case SRT_E_PROXY:
		return "network proxy failure";
	case SRT_E_SPAWN:
		return "sandbox setup failed";
	case SRT_E_SYSTEM:
		return "system call failed";
	case SRT_E_COMMAND_NOT_FOUND:
		return "command not found";
	case SRT_E_COMMAND_NOT_EXECUTABLE:
		return "command not executable";
	}
	return "unknown error";
}

SRT_PUBLIC const char *srt_version(void)
{
	return SRT_VERSION;
}
