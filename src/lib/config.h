/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "settings.h"

struct srt_config {
	struct srt_settings *s;
};
