/* SPDX-License-Identifier: Apache-2.0 */
/* NULL-terminated string vectors and a growable byte buffer. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

char **strv_free(char **v);
void strv_freep(char ***v);
size_t strv_length(char *const *v);
/* Appends a copy of s. Returns 0 or -ENOMEM (v unchanged on failure). */
int strv_push(char ***v, const char *s);
/* Appends s itself (takes ownership on success only). */
int strv_consume(char ***v, char *s);
int strv_extend(char ***v, char *const *other);
char **strv_copy(char *const *v);
bool strv_contains(char *const *v, const char *s);

/* Environment vectors ("NAME=VALUE" strv): the value of NAME or NULL; replace or add. */
const char *env_vector_get(char *const *env, const char *name);
int env_vector_set(char ***env, const char *name, const char *value);

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT ((struct buf){NULL, 0, 0})
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
/* Appends s and a NUL byte (bwrap --args format). */
int buf_put_arg(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) SRT_PRINTF(2, 3);
void buf_free(struct buf *b);
/* Returns the NUL-terminated string and resets b; NULL if b holds nothing and allocation fails. */
char *buf_steal(struct buf *b);
