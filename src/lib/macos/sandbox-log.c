/* SPDX-License-Identifier: Apache-2.0 */
#include "sandbox-log.h"

#include <errno.h>
#include <string.h>

#include "violations.h"

#define TAG_PREFIX "srt_"
#define TAG_HEX 16

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_space(char c) { return c == ' ' || c == '\t'; }

static void copy_field(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Is s[0..n) exactly a tag of this session? */
static bool parse_tag(const char *s, size_t n, uint64_t session, uint64_t *child)
{
	uint64_t sess = 0, c = 0;
	size_t i = sizeof(TAG_PREFIX) - 1;

	if (n < i + TAG_HEX + 2 || memcmp(s, TAG_PREFIX, i) != 0)
		return false;
	for (size_t k = 0; k < TAG_HEX; k++, i++) {
		int v = hexval(s[i]);
		if (v < 0)
			return false;
		sess = sess << 4 | (uint64_t)v;
	}
	if (s[i++] != '_' || sess != session || i >= n || n - i > 20)
		return false;
	for (; i < n; i++) {
		if (!is_digit(s[i]) || c > (UINT64_MAX - 9) / 10)
			return false;
		c = c * 10 + (uint64_t)(s[i] - '0');
	}
	*child = c;
	return true;
}

bool sblog_parse_tag_line(const char *line, size_t len, uint64_t session, uint64_t *child)
{
	while (len > 0 && is_space(line[0]))
		line++, len--;
	while (len > 0 && is_space(line[len - 1]))
		len--;
	return parse_tag(line, len, session, child);
}

/* At s: "(DIGITS) deny(DIGITS) "? Returns the length of that text, else 0; *pid. */
static size_t pid_deny_at(const char *s, const char *end, long *pid)
{
	const char *p = s;
	long v = 0;

	if (p >= end || *p != '(')
		return 0;
	p++;
	if (p >= end || !is_digit(*p))
		return 0;
	for (; p < end && is_digit(*p); p++) {
		if (v > 99999999)
			return 0;
		v = v * 10 + (*p - '0');
	}
	static const char mid[] = ") deny(";
	if ((size_t)(end - p) < sizeof(mid) - 1 || memcmp(p, mid, sizeof(mid) - 1) != 0)
		return 0;
	p += sizeof(mid) - 1;
	if (p >= end || !is_digit(*p))
		return 0;
	while (p < end && is_digit(*p))
		p++;
	if (p >= end || *p != ')')
		return 0;
	p++;
	if (p < end && *p != ' ')
		return 0;
	*pid = v;
	return (size_t)(p - s);
}

int sblog_parse_line(const char *line, size_t len, uint64_t session, struct sblog_event *ev)
{
	static const char marker[] = "Sandbox: ";
	const char *end = line + len, *s = NULL, *p;
	size_t k = 0;

	/* the first "Sandbox: " */
	for (p = line; (size_t)(end - p) >= sizeof(marker) - 1; p++)
		if (memcmp(p, marker, sizeof(marker) - 1) == 0) {
			s = p + sizeof(marker) - 1;
			break;
		}
	if (!s)
		return 0;
	memset(ev, 0, sizeof(*ev));
	/* NAME: everything up to the first "(PID) deny(N)" (a name may hold spaces and
	 * parentheses, e.g. "Code Helper (Renderer)") */
	for (p = s; p < end; p++)
		if (*p == '(' && p > s && (k = pid_deny_at(p, end, &ev->pid)) > 0)
			break;
	if (p >= end || k == 0)
		return 0;
	copy_field(ev->process, sizeof(ev->process), s, (size_t)(p - s));
	p += k;
	while (p < end && *p == ' ')
		p++;
	/* OPERATION */
	const char *op = p;
	while (p < end && !is_space(*p))
		p++;
	if (p == op || (size_t)(p - op) >= SBLOG_OPERATION_MAX)
		return 0;
	for (const char *q = op; q < p; q++)
		if (!((*q >= 'a' && *q <= 'z') || is_digit(*q) || *q == '-' || *q == '*' ||
		      *q == '_'))
			return 0;
	copy_field(ev->operation, sizeof(ev->operation), op, (size_t)(p - op));
	/* TARGET [TAG] */
	while (p < end && is_space(*p))
		p++;
	const char *t_end = end;
	while (t_end > p && is_space(t_end[-1]))
		t_end--;
	const char *last = t_end;
	while (last > p && !is_space(last[-1]))
		last--;
	if (parse_tag(last, (size_t)(t_end - last), session, &ev->child)) {
		ev->tagged = true;
		t_end = last;
		while (t_end > p && is_space(t_end[-1]))
			t_end--;
	}
	copy_field(ev->target, sizeof(ev->target), p, (size_t)(t_end - p));
	return 1;
}

srt_violation_kind sblog_kind(const struct sblog_event *ev)
{
	if (strncmp(ev->operation, "file-read", 9) == 0)
		return SRT_VIOLATION_FILE_READ;
	if (strncmp(ev->operation, "file-write", 10) == 0)
		return SRT_VIOLATION_FILE_WRITE;
	if (strncmp(ev->operation, "network", 7) == 0)
		return ev->target[0] == '/' ? SRT_VIOLATION_UNIX_SOCKET : SRT_VIOLATION_NETWORK;
	return SRT_VIOLATION_SYSCALL;
}

int sblog_lines_feed(struct sblog_lines *a, const char *data, size_t n, sblog_line_fn fn,
		     void *userdata)
{
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;

		if (!a->discarding) {
			if (a->len + take > sizeof(a->buf)) {
				a->discarding = true;
				a->overlong++;
				a->len = 0;
			} else {
				memcpy(a->buf + a->len, data, take);
				a->len += take;
			}
		}
		if (!nl)
			return 0;
		data += take + 1;
		n -= take + 1;
		if (a->discarding) {
			a->discarding = false;
			continue;
		}
		size_t len = a->len;
		a->len = 0;
		if (len > 0 && a->buf[len - 1] == '\r')
			len--;
		if (memchr(a->buf, '\0', len)) {
			a->with_nul++;
			continue;
		}
		int r = fn(userdata, a->buf, len);
		if (r < 0)
			return r;
	}
	return 0;
}

int sblog_lines_finish(struct sblog_lines *a, sblog_line_fn fn, void *userdata)
{
	int r = 0;

	if (!a->discarding && a->len > 0)
		r = sblog_lines_feed(a, "\n", 1, fn, userdata);
	a->len = 0;
	a->discarding = false;
	return r;
}

void sblog_monitor_init(struct sblog_monitor *m, uint64_t session, sblog_event_fn fn,
			void *userdata)
{
	memset(m, 0, sizeof(*m));
	m->session = session;
	m->fn = fn;
	m->userdata = userdata;
}

static int emit(struct sblog_monitor *m, const struct sblog_event *ev)
{
	m->events++;
	return m->fn(m->userdata, ev);
}

static int monitor_line(void *ud, const char *line, size_t len)
{
	struct sblog_monitor *m = ud;
	uint64_t child;

	if (m->has_pending) {
		m->has_pending = false;
		if (sblog_parse_tag_line(line, len, m->session, &child)) {
			m->pending.child = child;
			m->pending.tagged = true;
			return emit(m, &m->pending);
		}
		m->untagged++;
	}
	if (sblog_parse_line(line, len, m->session, &m->pending) == 1) {
		if (m->pending.tagged)
			return emit(m, &m->pending);
		m->has_pending = true;
		return 0;
	}
	m->skipped++;
	return 0;
}

int sblog_monitor_feed(struct sblog_monitor *m, const char *data, size_t n)
{
	return sblog_lines_feed(&m->lines, data, n, monitor_line, m);
}

int sblog_monitor_finish(struct sblog_monitor *m)
{
	int r = sblog_lines_finish(&m->lines, monitor_line, m);

	if (m->has_pending) {
		m->has_pending = false;
		m->untagged++;
	}
	return r;
}

int sblog_record_violation(void *userdata, const struct sblog_event *ev)
{
	static const char *const noise[] = {"com.apple.diagnosticd", "com.apple.analyticsd"};
	struct vstore *vs = userdata;

	if (strcmp(ev->operation, "mach-lookup") == 0)
		for (size_t i = 0; i < sizeof(noise) / sizeof(noise[0]); i++)
			if (strcmp(ev->target, noise[i]) == 0)
				return 0;
	int r = vstore_add(vs, sblog_kind(ev), ev->target, ev->operation, "seatbelt", ev->process,
			   ev->child);
	return r < 0 ? r : 0;
}
