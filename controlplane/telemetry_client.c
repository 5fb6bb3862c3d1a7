/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "telemetry_client.h"
#include "err_msg.h"

/* Pages are never empty before the end, so paging always ends; this caps
 * a server that serves rows without end. No real table comes near it. */
#define TEL_MAX_PAGES 1000000u

struct tel_client {
	int fd;
	json_t *greeting;
	char buf[TEL_REPLY_MAX];
};

int
tel_socket_path(char *buf, size_t len, const char *file_prefix)
{
	const char *dir = "/var/run";
	int n;

	/* Same choice as DPDK's eal_create_runtime_dir(), so that a non-root
	 * dataplane is found by a ctl run as the same user. */
	if (getuid() != 0) {
		const char *xdg = getenv("XDG_RUNTIME_DIR");

		dir = (xdg != NULL && xdg[0] != '\0') ? xdg : "/tmp";
	}
	n = snprintf(buf, len, "%s/dpdk/%s/dpdk_telemetry.v2", dir, file_prefix);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

/* Receive one whole message into c->buf (NUL-terminated); returns its
 * length or -1 with errno set and err written. */
static ssize_t
recv_message(struct tel_client *c, const char *what, char *err, size_t errlen)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	struct iovec iov = { .iov_base = c->buf, .iov_len = sizeof(c->buf) - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;
	int rc;

	do
		rc = poll(&pfd, 1, TEL_TIMEOUT_MS);
	while (rc < 0 && errno == EINTR);
	if (rc == 0) {
		errno = ETIMEDOUT;
		err_set(err, errlen, "no %s within %d ms", what, TEL_TIMEOUT_MS);
		return -1;
	}
	do
		n = recvmsg(c->fd, &msg, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		err_set(err, errlen, "reading %s: %s", what, strerror(errno));
		return -1;
	}
	if (n == 0) {
		/* DPDK closes new connections beyond its limit of 10 clients. */
		errno = ECONNRESET;
		err_set(err, errlen, "connection closed before the %s "
			"(too many telemetry clients?)", what);
		return -1;
	}
	if (msg.msg_flags & MSG_TRUNC) {
		errno = EMSGSIZE;
		err_set(err, errlen, "%s larger than %d bytes", what, TEL_REPLY_MAX - 1);
		return -1;
	}
	c->buf[n] = '\0';
	return n;
}

static json_t *
parse_message(const char *buf, size_t len, const char *what, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, 0, &jerr);

	if (root == NULL) {
		errno = EPROTO;
		err_set(err, errlen, "%s is not JSON: %s", what, jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		errno = EPROTO;
		err_set(err, errlen, "%s is not a JSON object", what);
		return NULL;
	}
	return root;
}

static int
read_greeting(struct tel_client *c, char *err, size_t errlen)
{
	char why[TEL_ERR_MAX];
	ssize_t n = recv_message(c, "greeting", err, errlen);

	if (n < 0)
		return -1;
	c->greeting = parse_message(c->buf, (size_t)n, "greeting", why, sizeof(why));
	if (c->greeting == NULL) {
		err_set(err, errlen, "%s (not a DPDK telemetry v2 socket?)", why);
		return -1;
	}
	return 0;
}

static int
open_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, saved;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		err_set(err, errlen, "%s", strerror(errno));
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err_set(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		saved = errno;
		err_set(err, errlen, "%s", strerror(saved));
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

struct tel_client *
tel_connect(const char *path, char *err, size_t errlen)
{
	struct tel_client *c;
	int saved;

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		err_set(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	c->fd = open_socket(path, err, errlen);
	if (c->fd < 0) {
		saved = errno;
		free(c);
		errno = saved;
		return NULL;
	}
	if (read_greeting(c, err, errlen) < 0) {
		saved = errno;
		tel_close(c);
		errno = saved;
		return NULL;
	}
	return c;
}

const json_t *
tel_greeting(const struct tel_client *c)
{
	return c->greeting;
}

/* The reply is {"<command without its parameter>": value}; take the one
 * value rather than trusting the key, which DPDK builds from its own copy. */
static json_t *
reply_value(json_t *root, const char *cmd, char *err, size_t errlen)
{
	const char *key;
	json_t *value;

	if (json_object_size(root) != 1) {
		err_set(err, errlen, "%s: reply has %zu members, expected 1",
			cmd, json_object_size(root));
		return NULL;
	}
	json_object_foreach(root, key, value) {
		(void)key;
		if (json_is_null(value)) {
			err_set(err, errlen, "%s: the dataplane has no such command or "
				"rejected its parameter", cmd);
			return NULL;
		}
		return json_incref(value);
	}
	return NULL;
}

json_t *
tel_command(struct tel_client *c, const char *cmd, char *err, size_t errlen)
{
	char why[TEL_ERR_MAX];
	json_t *root, *value;
	ssize_t n;

	if (send(c->fd, cmd, strlen(cmd), MSG_NOSIGNAL) < 0) {
		err_set(err, errlen, "%s: sending: %s", cmd, strerror(errno));
		return NULL;
	}
	n = recv_message(c, "reply", why, sizeof(why));
	if (n < 0) {
		err_set(err, errlen, "%s: %s", cmd, why);
		return NULL;
	}
	root = parse_message(c->buf, (size_t)n, "reply", why, sizeof(why));
	if (root == NULL) {
		err_set(err, errlen, "%s: %s", cmd, why);
		return NULL;
	}
	value = reply_value(root, cmd, err, errlen);
	json_decref(root);
	return value;
}

struct keyed_row {
	unsigned long long n;
	json_t *row;
};

static int
cmp_keyed_row(const void *a, const void *b)
{
	const struct keyed_row *x = a, *y = b;

	return (x->n > y->n) - (x->n < y->n);
}

/* The row number a member's key holds, or -1 if it is not a number. */
static int
row_number(const char *key, unsigned long long *n)
{
	char *end;

	if (key[0] < '0' || key[0] > '9')
		return -1;
	errno = 0;
	*n = strtoull(key, &end, 10);
	return (*end != '\0' || errno != 0) ? -1 : 0;
}

/* The N rows of a page starting at row START, sorted, must be numbered
 * START, START + 1, ...: the one place where a lost row shows. */
static int
check_numbers(const struct keyed_row *kr, size_t n, size_t start, const char *cmd,
	      char *err, size_t errlen)
{
	size_t i;

	if (n > 0 && kr[0].n < start) {
		err_set(err, errlen, "%s: row %llu comes before the start row (dataplane "
			"ignores the start row?)", cmd, kr[0].n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (kr[i].n != start + i) {
			err_set(err, errlen, "%s: row %zu missing from the reply", cmd, start + i);
			return -1;
		}
	}
	return 0;
}

/* The members of OBJ, each a row keyed by its number, into ROWS in
 * numeric order: DPDK writes them in order, but only the numbers are
 * documented, and "10" sorts before "9" as text. */
static int
object_rows(json_t *obj, size_t start, json_t *rows, const char *cmd,
	    char *err, size_t errlen)
{
	struct keyed_row *kr = calloc(json_object_size(obj) + 1, sizeof(*kr));
	size_t n = 0, i;
	const char *key;
	json_t *row;
	int rc = 0;

	if (kr == NULL) {
		err_set(err, errlen, "%s: out of memory", cmd);
		return -1;
	}
	json_object_foreach(obj, key, row) {
		if (row_number(key, &kr[n].n) < 0 || !json_is_object(row)) {
			err_set(err, errlen, "%s: member '%s' is not a numbered row", cmd, key);
			rc = -1;
			break;
		}
		kr[n++].row = row;
	}
	qsort(kr, n, sizeof(*kr), cmp_keyed_row);
	if (rc == 0)
		rc = check_numbers(kr, n, start, cmd, err, errlen);
	for (i = 0; i < n && rc == 0; i++) {
		if (json_array_append(rows, kr[i].row) < 0) {
			err_set(err, errlen, "%s: out of memory", cmd);
			rc = -1;
		}
	}
	free(kr);
	return rc;
}

/* VALUE, a page starting at row START, as a new array of rows, or NULL. */
static json_t *
as_rows(json_t *value, size_t start, const char *cmd, char *err, size_t errlen)
{
	json_t *rows;

	if (json_is_array(value))
		return json_incref(value);
	if (!json_is_object(value)) {
		err_set(err, errlen, "%s: reply is not a table", cmd);
		return NULL;
	}
	rows = json_array();
	if (rows == NULL) {
		err_set(err, errlen, "%s: out of memory", cmd);
		return NULL;
	}
	if (object_rows(value, start, rows, cmd, err, errlen) < 0) {
		json_decref(rows);
		return NULL;
	}
	return rows;
}

/* The page of CMD starting at row START, appended to ROWS; returns its
 * row count (0: the table's end), or -1. */
static long
fetch_page(struct tel_client *c, const char *cmd, size_t start, json_t *rows,
	   json_t **prev, char *err, size_t errlen)
{
	char page_cmd[256];
	json_t *value, *page;
	size_t n;
	int len;

	len = snprintf(page_cmd, sizeof(page_cmd), "%s,%zu", cmd, start);
	if (len < 0 || (size_t)len >= sizeof(page_cmd)) {
		err_set(err, errlen, "%s: command too long", cmd);
		return -1;
	}
	value = tel_command(c, page_cmd, err, errlen);
	if (value == NULL)
		return -1;
	page = as_rows(value, start, page_cmd, err, errlen);
	json_decref(value);
	if (page == NULL)
		return -1;
	n = json_array_size(page);
	/* An array page carries no row numbers: the same rows as the page
	 * before mean the start parameter was ignored. */
	if (n > 0 && *prev != NULL && json_equal(page, *prev)) {
		err_set(err, errlen, "%s: same page as before (dataplane ignores "
			"the start row?)", page_cmd);
		json_decref(page);
		return -1;
	}
	json_array_extend(rows, page);
	json_decref(*prev);
	*prev = page;
	return (long)n;
}

json_t *
tel_fetch_table(struct tel_client *c, const char *cmd, char *err, size_t errlen)
{
	json_t *rows = json_array(), *prev = NULL;
	size_t start = 0;
	unsigned int pages;
	long n = 1;

	if (rows == NULL) {
		err_set(err, errlen, "%s: out of memory", cmd);
		return NULL;
	}
	/* Each page but the last brings at least one row, so START grows and
	 * the loop ends; the page cap only bounds a table without end. */
	for (pages = 0; n > 0 && pages < TEL_MAX_PAGES; pages++) {
		n = fetch_page(c, cmd, start, rows, &prev, err, errlen);
		if (n > 0)
			start += (size_t)n;
	}
	json_decref(prev);
	if (n < 0) {
		json_decref(rows);
		return NULL;
	}
	if (n > 0) {
		err_set(err, errlen, "%s: more than %u pages", cmd, TEL_MAX_PAGES);
		json_decref(rows);
		return NULL;
	}
	return rows;
}

void
tel_close(struct tel_client *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	json_decref(c->greeting);
	free(c);
}
