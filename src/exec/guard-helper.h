/* SPDX-License-Identifier: Apache-2.0 */
/* srt-exec --guard: the creation guard's helper (guard-helper.c). */
#pragma once

/* Runs the helper; apply(fd) applies the Landlock description in fd (exits on failure). */
int guard_main(int argc, char **argv, void (*apply)(int ll_fd));
