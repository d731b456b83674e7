/* SPDX-License-Identifier: Apache-2.0 */
/* Internal side of srt_error: build an error at the place that knows the context. */
#pragma once

#include "srt/srt.h"
#include "shared/macro.h"

struct srt_error {
	srt_code code;
	int errnum; /* positive errno or 0 */
	char *message;
};

/* Sets *reterr (if reterr is not NULL and *reterr is NULL) to a new error and returns -errnum
 * (or -EINVAL when errnum is 0), so call sites read `return srt_error_set(reterr, ...);`.
 * errnum may be given negative or positive. */
int srt_error_set(srt_error **reterr, srt_code code, int errnum, const char *fmt, ...)
	SRT_PRINTF(4, 5);
