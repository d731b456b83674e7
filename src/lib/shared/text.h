/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Text that reaches a terminal. srt's messages quote paths and names that hostile code can
 * choose (a file created in a write root, a git configuration's include path): such a name must
 * not move the cursor, retitle the window, rewrite earlier lines or forge a line of its own.
 */
#pragma once

/* A copy of s in which every byte that is not part of a printable UTF-8 character becomes
 * \xNN: C0 controls (newline and tab too), DEL, C1 controls (U+0080..U+009F, and bare bytes
 * 0x80..0xFF outside a valid sequence, which 8-bit terminals read as C1), overlong forms,
 * surrogates, and the bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069)
 * that reorder what is shown. Everything else, backslashes included, is kept. NULL on ENOMEM;
 * a NULL s gives "". */
char *text_terminal_safe(const char *s);
