/* SPDX-License-Identifier: Apache-2.0 */
// Pure: gitignore-style glob patterns on absolute paths, shared by the Linux backend and the
// macOS profile generator. (Line comments here, because the examples contain "/*" and "*/".)
//
// Patterns
//   - A pattern is an absolute path: it starts with '/', is at most PATH_GLOB_MAX_LEN bytes and
//     has at most PATH_GLOB_MAX_COMPONENTS components. "/" alone is the root (no components).
//   - It is split at every '/' into components, which are matched one by one against the
//     components of the path: nothing ever matches across a '/'. A '/' cannot be escaped and
//     cannot appear inside "[...]". Empty components ("//", a trailing '/') and the components
//     "." and ".." are refused: patterns are normalised, like the paths they are matched to.
//   - Inside a component: '*' matches any run of bytes (also the empty run), '?' exactly one
//     byte, "[...]" one byte of a class, '\' makes the next byte literal ("\*" is a '*').
//     A run of '*' inside a component ("a**b", "**x") is one '*'.
//   - A component that is exactly "**" (unescaped) matches zero or more whole components:
//       /**          every path, "/" included
//       /a/**        "/a" itself and everything below it
//       /a/**/b      "/a/b", "/a/x/b", "/a/x/y/b"
//       /**/*.pem    "/k.pem", "/home/u/.secret.pem"
//   - Classes: "[abc]", ranges "[a-z]" (bytes, unsigned; a reversed range is refused), negation
//     with a leading '!' or '^', ']' as the first member is literal ("[]a]", "[!]a]"), '-'
//     first or last is literal, '\' escapes the next byte ("[\]\\]"). The POSIX forms
//     "[[:alpha:]]", "[[=a=]]" and "[[.a.]]" are refused as not supported (a literal '[' followed
//     by ':', '=' or '.' in a class is written escaped: "[\[:]").
//   - Leading dots are NOT special, unlike in a shell: "*" matches ".env" and /**/*.pem matches
//     "/home/u/.secret.pem". This is deliberate: a deny rule must not be dodged by a file name
//     that starts with a dot.
//   - Matching is byte-wise and case-sensitive: no locale, no UTF-8 decoding, no case folding.
//   - Refused with a reason: NULL or empty, not absolute, too long, too many components, empty
//     or "."/".." components, a trailing lone '\', an escaped '/', an unclosed '[', a '/' inside
//     a class, a reversed range, the POSIX class forms.
//
// Paths
//   Paths are absolute and normalised: no trailing '/' except for "/" itself, no "//", no "." or
//   ".." components. For robustness a path is read as the non-empty runs between '/'s, so "/a/"
//   and "//a" behave exactly like "/a" (and nothing crashes); "." and ".." in a path are plain
//   names. A path that does not start with '/', and NULL, never match.
//
// Cost (m pattern components, n path components): compiling is linear in the pattern, with one
// allocation. A match runs the component automaton over the path: the set of pattern positions
// reached so far (a fixed bitset of m + 1 <= 257 bits on the stack, no allocation) advanced once
// per path component, so at most n * m component tests; a component test is the greedy
// two-pointer algorithm for '*', O(p * s) for a component of p atoms against a name of s bytes.
// In all O(|pattern| * |path|) byte steps in the worst case, with no recursion and no
// backtracking over components ("/**/**/**/a", "*a*a*a*b" are cheap).
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PATH_GLOB_MAX_LEN 4096
#define PATH_GLOB_MAX_COMPONENTS 256

struct path_glob; /* opaque compiled pattern */

/* Compiles pattern into *ret (free with path_glob_free()). Returns 0; -EINVAL with *ret_reason
 * (when ret_reason is not NULL) set to a static sentence saying what is wrong; or -ENOMEM. */
int path_glob_compile(const char *pattern, struct path_glob **ret, const char **ret_reason);

/* Frees g (NULL is fine); returns NULL. */
struct path_glob *path_glob_free(struct path_glob *g);

/* Does the absolute path match the pattern? */
bool path_glob_match(const struct path_glob *g, const char *path);

/* Could a path strictly below dir match (dir itself excluded)? false means that no descendant
 * of dir can ever match, so a directory walk may skip it. Never false when a descendant could
 * match; exact up to "." and ".." names, which normalised paths do not contain. */
bool path_glob_may_match_below(const struct path_glob *g, const char *dir);

/* Has the pattern no glob syntax at all (escaped bytes count as literal)? */
bool path_glob_is_literal(const struct path_glob *g);

// The path made of the pattern's leading components that have no glob syntax, unescaped:
// "/home/u/proj" for /home/u/proj/**/*.pem, "/" for /** and /*.c, the whole path for a literal
// pattern. Every path the pattern matches is this path or lies below it, so a walk starts here
// (and must consider the start itself: /a/** matches "/a"). Caller frees; NULL only on ENOMEM.
char *path_glob_literal_prefix(const struct path_glob *g);

// For a literal pattern the one path it matches, unescaped ("/a/*b" for the pattern "/a/\*b");
// NULL if the pattern is not literal (or on allocation failure). Caller frees.
char *path_glob_literal_path(const struct path_glob *g);

// A read-only view of a compiled pattern, for translators that must follow exactly the parse
// above (the macOS profile generator turns it into SBPL regexes). Components are numbered
// 0..n-1 from the root; i and j must be in range.
enum path_glob_comp_kind {
	PATH_GLOB_COMP_LITERAL, // only literal bytes
	PATH_GLOB_COMP_GLOB,    // some '?', '[...]' or '*'
	PATH_GLOB_COMP_TREE,    // "**": zero or more whole components; no atoms
};
enum path_glob_atom_kind {
	PATH_GLOB_ATOM_BYTE,  // exactly .byte (escapes resolved)
	PATH_GLOB_ATOM_ANY,   // '?': one byte
	PATH_GLOB_ATOM_CLASS, // one byte of the 256-bit set .class_bits (negation applied; never
			      // NUL or '/')
	PATH_GLOB_ATOM_STAR,  // '*': any run of bytes; never two in a row
};
struct path_glob_atom {
	enum path_glob_atom_kind kind;
	uint8_t byte;
	const uint64_t *class_bits; // 4 words, bit b of word b/64 (ATOM_CLASS only)
};

size_t path_glob_n_components(const struct path_glob *g);
// Component i: its kind, its number of atoms, and whether any name can match it (a class may
// be empty: a negated class of every byte).
enum path_glob_comp_kind path_glob_component(const struct path_glob *g, size_t i,
					     size_t *ret_n_atoms, bool *ret_satisfiable);
void path_glob_atom_at(const struct path_glob *g, size_t i, size_t j, struct path_glob_atom *ret);

// Incremental matching, for directory walks: the automaton's state after a path's components,
// advanced by one name at a time, so a walk pays one step per entry instead of re-running the
// whole path. path_glob_state_init() gives the state for "/"; stepping over "a", then "b"
// gives the state of "/a/b", on which _matches() and _may_match_below() answer exactly like
// path_glob_match() and path_glob_may_match_below() on "/a/b".
#define PATH_GLOB_STATE_WORDS ((PATH_GLOB_MAX_COMPONENTS + 1 + 63) / 64)
struct path_glob_state {
	uint64_t w[PATH_GLOB_STATE_WORDS];
};

void path_glob_state_init(const struct path_glob *g, struct path_glob_state *st);

/* The state after one more component `name` (len > 0 bytes, no '/'). Returns false when no
 * position is left: neither this path nor any path below it can match. */
bool path_glob_state_step(const struct path_glob *g, const struct path_glob_state *from,
			  const char *name, size_t len, struct path_glob_state *to);

bool path_glob_state_matches(const struct path_glob *g, const struct path_glob_state *st);
bool path_glob_state_may_match_below(const struct path_glob *g, const struct path_glob_state *st);

/* Whether the pattern has a "." or ".." component after a component with glob syntax ('*',
 * '?', '[' not escaped by '\'). Such a pattern cannot be normalised or made absolute before
 * matching: what a glob component matched has no parent yet, so both the settings and the
 * macOS profile refuse it. */
bool path_pattern_dots_after_glob(const char *raw);
