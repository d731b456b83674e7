/* SPDX-License-Identifier: Apache-2.0 */
/* The report lines of srt-report.so (file-report.c): strict parsing, unescaping, lexical
 * normalisation, limits; and the classifier against a mount plan (plan_explain()). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file-report.h"
#include "tap.h"

static struct file_report rep;

static int parse(const char *s)
{
	return file_report_parse(s, strlen(s), &rep);
}

static const char *norm(const char *in)
{
	static char b[256];

	snprintf(b, sizeof(b), "%s", in);
	return file_path_normalise(b) == 0 ? b : "(error)";
}

static int classify(const char *line, const struct mount_plan *p, const char **path,
		    char *reason, size_t n)
{
	static const char *const skip[] = {"/tmp/srt-1000", "/dev", "/proc", NULL};

	if (parse(line) < 0)
		return -1;
	return file_report_classify(&rep, p, skip, path, reason, n);
}

int main(void)
{
	struct mount_plan p = {0};
	const char *path = NULL;
	char reason[256], big[FILE_REPORT_LINE_MAX + 64];

	plan_no_plan();

	/* normalisation */
	is_str(norm("/a//b/./c/"), "/a/b/c", "normalise: // . and a trailing slash");
	is_str(norm("/a/b/../../.."), "/", "normalise: .. above the root stays at the root");
	is_str(norm("/a/../etc/x"), "/etc/x", "normalise: .. removes one component");
	is_str(norm("/.../x"), "/.../x", "normalise: ... is a name");
	is_str(norm("rel"), "(error)", "normalise: relative paths are refused");

	/* parsing */
	is_int(parse("F1 open 13 0 /home/u/secret"), 0, "parse: a read-only open");
	is_str(rep.op_name, "open", "... op");
	is_int(rep.err, EACCES, "... errno");
	ok(!rep.write, "... O_RDONLY is a read");
	is_str(rep.path, "/home/u/secret", "... path");
	is_int(parse("F1 open 1e 241 /etc/x"), -EINVAL, "parse: errno must be decimal");
	is_int(parse("F1 open 30 241 /etc/x"), 0, "parse: EROFS, O_WRONLY|O_CREAT|O_TRUNC");
	ok(rep.write, "... is a write");
	is_int(parse("F1 open 30 40 /etc/x"), 0, "parse: O_CREAT alone");
	ok(rep.write, "... is a write too");
	is_int(parse("F1 mkdir 30 0 /etc/d"), 0, "parse: mkdir");
	ok(rep.write, "... is a write");
	is_int(parse("F1 stat 13 0 /h/x"), 0, "parse: stat");
	ok(!rep.write, "... is a read");
	is_int(parse("F1 rename 30 0 /a /b/../c"), 0, "parse: rename with two paths");
	is_str(rep.path2, "/c", "... the second path normalised");
	is_int(parse("F1 rename 30 0 /a"), -EINVAL, "parse: rename needs two paths");
	is_int(parse("F1 open 13 0 /a /b"), -EINVAL, "parse: open has one path");
	is_int(parse("F1 open 2 0 /a"), -EINVAL, "parse: ENOENT is not reported");
	is_int(parse("F1 open 013 0 /a"), -EINVAL, "parse: leading zeros refused");
	is_int(parse("F1 open 13 00 /a"), -EINVAL, "parse: leading zeros refused in flags");
	is_int(parse("F1 open 13 123456789 /a"), -EINVAL, "parse: more than 8 hex digits");
	is_int(parse("F1 open 13 0 a"), -EINVAL, "parse: relative path");
	is_int(parse("F1 open 13 0 /a "), -EINVAL, "parse: trailing space");
	is_int(parse("F1  open 13 0 /a"), -EINVAL, "parse: two spaces");
	is_int(parse("F2 open 13 0 /a"), -EINVAL, "parse: unknown version");
	is_int(parse("F1 write 13 0 /a"), -EINVAL, "parse: unknown operation");
	is_int(parse("F1 open 13 0 /a\tb"), -EINVAL, "parse: raw control byte refused");
	is_int(parse("F1 open 13 0 /a\\x0ab"), 0, "parse: escaped newline");
	is_str(rep.path, "/a\nb", "... unescaped");
	is_int(parse("F1 open 13 0 /a\\x0Ab"), -EINVAL, "parse: upper-case hex refused");
	is_int(parse("F1 open 13 0 /a\\x00b"), -EINVAL, "parse: escaped NUL refused");
	is_int(parse("F1 open 13 0 /a\\x0"), -EINVAL, "parse: cut escape refused");
	is_int(parse("F1 open 13 0 /a\\"), -EINVAL, "parse: lone backslash refused");
	is_int(parse("F1 open 13 0 /a\\x5cb"), 0, "parse: escaped backslash");
	is_str(rep.path, "/a\\b", "... unescaped");
	is_int(file_report_parse("F1 open 13 0 /a\nF1", 18, &rep), -EINVAL,
	       "parse: a newline inside the line refused");
	is_int(file_report_parse("F1 open 13 0 /a\0b", 17, &rep), -EINVAL,
	       "parse: a NUL inside the line refused");
	memset(big, 'a', sizeof(big));
	memcpy(big, "F1 open 13 0 /", 14);
	is_int(file_report_parse(big, FILE_REPORT_LINE_MAX, &rep), 0,
	       "parse: the longest line (a path cannot exceed the path limit within it)");
	is_int(strlen(rep.path), FILE_REPORT_LINE_MAX - 13, "... the whole path kept");
	is_int(file_report_parse(big, FILE_REPORT_LINE_MAX + 1, &rep), -EINVAL,
	       "parse: a line longer than the limit");
	big[4096 - 20] = 0;
	is_int(parse(big), 0, "parse: a long path under the limit");

	/* classification */
	plan_add(&p, "/home/u/proj", RULE_ALLOW_WRITE, NODE_DIR, "allowWrite");
	plan_add(&p, "/home/u/proj/.git/hooks", RULE_DENY_WRITE, NODE_DIR, "mandatory");
	plan_add(&p, "/home/u/.ssh", RULE_DENY_READ, NODE_DIR, "denyRead");
	plan_add(&p, "/home/u/proj/secret", RULE_DENY_READ, NODE_OTHER, "denyRead");
	plan_add(&p, "/home/u/proj/missing", RULE_DENY_WRITE, NODE_MISSING, "denyWrite");

	is_int(classify("F1 open 13 0 /home/u/.ssh/id_rsa", &p, &path, reason, sizeof(reason)),
	       SRT_VIOLATION_FILE_READ, "classify: a read below denyRead is a read violation");
	is_str(path, "/home/u/.ssh/id_rsa", "... of that path");
	like_str(reason, "EACCES: hidden by denyRead /home/u/.ssh", "... the rule named");
	is_int(classify("F1 open 13 0 /home/u/proj/secret", &p, &path, reason, sizeof(reason)),
	       SRT_VIOLATION_FILE_READ, "classify: a hidden file inside a write root");
	is_int(classify("F1 open 13 241 /home/u/proj/secret", &p, &path, reason, sizeof(reason)),
	       SRT_VIOLATION_FILE_WRITE, "classify: writing a hidden file is a write violation");
	is_int(classify("F1 open 1e 241 /etc/passwd", &p, &path, reason, sizeof(reason)), -1,
	       "classify: (bad line)");
	is_int(classify("F1 open 30 241 /etc/passwd", &p, &path, reason, sizeof(reason)),
	       SRT_VIOLATION_FILE_WRITE, "classify: writing outside allowWrite");
	like_str(reason, "EROFS: read-only, not in filesystem.allowWrite", "... the default named");
	is_int(classify("F1 open 13 0 /etc/shadow", &p, &path, reason, sizeof(reason)), 0,
	       "classify: EACCES reading a readable area is the file's own mode");
	is_int(classify("F1 open 13 241 /home/u/proj/x", &p, &path, reason, sizeof(reason)), 0,
	       "classify: EACCES writing in a write root (chmod 000) is not the sandbox's");
	is_int(classify("F1 mkdir 30 0 /home/u/proj/.git/hooks/x", &p, &path, reason,
			sizeof(reason)),
	       SRT_VIOLATION_FILE_WRITE, "classify: mkdir in a protected directory");
	like_str(reason, "read-only by mandatory /home/u/proj/.git/hooks", "... the rule named");
	is_int(classify("F1 open 13 241 /home/u/proj/missing", &p, &path, reason, sizeof(reason)),
	       0, "classify: a rule on a missing path mounts nothing: not a violation");
	is_int(classify("F1 open 30 241 /tmp/srt-1000/x", &p, &path, reason, sizeof(reason)), 0,
	       "classify: the private TMPDIR is skipped");
	is_int(classify("F1 open 30 241 /proc/sys/kernel/x", &p, &path, reason, sizeof(reason)),
	       0, "classify: /proc is skipped");
	is_int(classify("F1 open 13 0 /home/u/proj/../.ssh/k", &p, &path, reason, sizeof(reason)),
	       SRT_VIOLATION_FILE_READ, "classify: .. is resolved before matching");
	is_int(classify("F1 rename 30 0 /home/u/proj/a /etc/b", &p, &path, reason,
			sizeof(reason)),
	       SRT_VIOLATION_FILE_WRITE, "classify: rename to a read-only place");
	is_str(path, "/etc/b", "... reports the read-only name");
	is_int(classify("F1 link 1 0 /home/u/proj/l /etc/shadow", &p, &path, reason,
			sizeof(reason)),
	       0, "classify: link's existing file is not written (protected_hardlinks EPERM)");
	is_int(classify("F1 stat 13 0 /etc/x", &p, &path, reason, sizeof(reason)), 0,
	       "classify: stat in a readable area");
	is_int(classify("F1 opendir 13 10000 /home/u/.ssh", &p, &path, reason, sizeof(reason)),
	       SRT_VIOLATION_FILE_READ, "classify: listing a hidden directory");

	plan_free(&p);
	return tap_exit();
}
