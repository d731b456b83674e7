/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure: the two kinds of text that carry user data into a Seatbelt (SBPL) profile.
 *
 * String literals. Every path, regex and message goes into the profile as "...". Inside, '\'
 * becomes "\\" and '"' becomes "\"", so nothing a path contains can end the string or start an
 * escape of the profile language. Bytes that the profile language's reader would turn into
 * something else or that cannot appear in a file name are refused (-EINVAL with a reason): NUL,
 * the control bytes 0x01-0x1f (newline included) and 0x7f, and bytes >= 0x80 that are not
 * well-formed UTF-8 (macOS file systems store UTF-8 names only).
 *
 * Regexes. A compiled glob (path-glob.h) becomes a POSIX-extended regex anchored at both ends,
 * with exactly the glob's semantics on normalised absolute paths:
 *   - a literal byte that is a regex metacharacter (. ^ $ * + ? ( ) [ ] { } | \) gets a '\';
 *   - '*' is "[^/]*" ("[^/]+" when it is the whole component, as a name is never empty), '?' is
 *     "[^/]";
 *   - a class becomes a bracket expression listing its members (runs of digits or letters as
 *     ranges, '-' last), or "[^/...]" listing what it excludes when it takes every byte >= 0x80;
 *     members that bracket expressions treat specially in some engines ('[', ']', '\', '^'),
 *     control bytes, and a class taking only some bytes >= 0x80 are refused;
 *   - "**" is "(/[^/]+)*" (zero or more whole components);
 *   - "cover" mode appends "(/.*)?": the path matches, or lies below a path that matches (the
 *     meaning of a rule on a directory, like SBPL's subpath).
 * One difference cannot be removed here and is documented in docs/macos.md: the glob matches
 * bytes, and if the Seatbelt regex engine matches characters, '?', '*' and classes see a
 * multi-byte UTF-8 character as one unit. ASCII names are unaffected.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "path-glob.h"
#include "shared/strv.h"

/* Appends s as a quoted SBPL string literal. -EINVAL (with *reason) for a byte that cannot be
 * expressed, -ENOMEM. */
int sbpl_put_string(struct buf *b, const char *s, const char **reason);

/* Is s free of the bytes sbpl_put_string() refuses? (*reason says which, when not NULL.) */
bool sbpl_string_ok(const char *s, const char **reason);

/* Appends the regex (unquoted) for the first n_comps components of g, anchored with '^' and
 * '$'; cover: also every path below a match. n_comps must be >= 1 and at most the number of
 * components. -EINVAL (with *reason) for a class that cannot be expressed, -ENOMEM. */
int sbpl_glob_regex(const struct path_glob *g, size_t n_comps, bool cover, struct buf *out,
		    const char **reason);
