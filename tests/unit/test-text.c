/* SPDX-License-Identifier: Apache-2.0 */
/* text_terminal_safe() (shared/text.c): what a hostile name can no longer do to a terminal,
 * and what stays readable. Also through srt_error (every error message goes through it). */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "shared/text.h"
#include "tap.h"

static void check(const char *in, const char *want, const char *what)
{
	char *got = text_terminal_safe(in);

	is_str(got, want, "%s", what);
	free(got);
}

int main(void)
{
	srt_error *e = NULL;

	check("/home/u/project/a b.txt", "/home/u/project/a b.txt", "plain ASCII is kept");
	check("C:\\dir\\x1b", "C:\\dir\\x1b", "backslashes are kept as they are");
	check("caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac/\xf0\x9f\x94\x91", "caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac/\xf0\x9f\x94\x91",
	      "valid UTF-8 (2, 3 and 4 bytes) is kept");
	check("x\x1b]0;pwned\x07y", "x\\x1b]0;pwned\\x07y", "ESC and BEL (a window-title sequence)");
	check("a\nsrt: all clear", "a\\x0asrt: all clear", "a newline cannot forge a line");
	check("a\rb\tc\x7f", "a\\x0db\\x09c\\x7f", "CR, tab and DEL");
	check("\xc2\x9b" "31m", "\\xc2\\x9b31m", "C1 CSI encoded in UTF-8");
	check("\x9b" "31m", "\\x9b31m", "a bare C1 byte");
	check("\xc0\xaf", "\\xc0\\xaf", "an overlong form");
	check("\xed\xa0\x80", "\\xed\\xa0\\x80", "a surrogate");
	check("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80", "beyond U+10FFFF");
	check("ab\xe2\x80\xaeverse", "ab\\xe2\\x80\\xaeverse", "U+202E RIGHT-TO-LEFT OVERRIDE");
	check("\xe2\x81\xa6x\xe2\x81\xa9", "\\xe2\\x81\\xa6x\\xe2\\x81\\xa9", "U+2066 and U+2069 isolates");
	check("\xe2\x80\x94", "\xe2\x80\x94", "U+2014 (an ordinary E2 80 character) is kept");
	check("end\xc3", "end\\xc3", "a sequence cut by the end of the string");
	check("\xe6\x97", "\\xe6\\x97", "a 3-byte sequence cut short");
	check(NULL, "", "NULL gives an empty string");

	srt_error_set(&e, SRT_E_CONFIG, 0, "cannot read '%s'", "/w/\x1b[2Jx");
	is_str(srt_error_message(e), "cannot read '/w/\\x1b[2Jx'", "srt_error messages are made safe");
	srt_error_free(e);
	return tap_exit();
}
