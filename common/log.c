/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "log.h"

static bool log_to_stderr = true;
static int log_max_prio = LOG_INFO;
static const char *log_ident = "sgtgw";

static const char *const prio_names[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

void
sg_log_open(const char *ident, bool to_stderr)
{
	log_ident = ident;
	log_to_stderr = to_stderr;
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
sg_log_set_level(int max_prio)
{
	log_max_prio = max_prio;
}

static void
sg_vlog(int prio, const char *fmt, va_list ap)
{
	char msg[1024];

	if (prio > log_max_prio)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	syslog(prio, "%s", msg);
	if (log_to_stderr)
		fprintf(stderr, "%s: %s: %s\n", log_ident, prio_names[prio & 7], msg);
}

void
sg_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sg_vlog(prio, fmt, ap);
	va_end(ap);
}

/* fopencookie write hook: split the stream into lines, one record each. */
struct log_cookie {
	int (*prio_of_line)(void);
	size_t len;
	char line[1024];
};

static ssize_t
log_cookie_write(void *c, const char *buf, size_t size)
{
	struct log_cookie *lc = c;

	for (size_t i = 0; i < size; i++) {
		if (buf[i] == '\n' || lc->len == sizeof(lc->line) - 1) {
			lc->line[lc->len] = '\0';
			if (lc->len > 0)
				sg_log(lc->prio_of_line ? lc->prio_of_line() : LOG_INFO,
				       "%s", lc->line);
			lc->len = 0;
			if (buf[i] == '\n')
				continue;
		}
		lc->line[lc->len++] = buf[i];
	}
	return (ssize_t)size;
}

FILE *
sg_log_stream(int (*prio_of_line)(void))
{
	static struct log_cookie cookie;
	cookie_io_functions_t io = { .write = log_cookie_write };

	cookie.prio_of_line = prio_of_line;
	cookie.len = 0;
	FILE *f = fopencookie(&cookie, "w", io);
	if (f != NULL)
		setvbuf(f, NULL, _IONBF, 0);
	return f;
}
