/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's cache file and the binding list inside it: written
 * atomically (no FILE.tmp left, a stale or planted FILE.tmp does no harm,
 * a failed write leaves the old file as it was), read back whole, and
 * refused when missing, truncated at any length, flipped anywhere, padded,
 * or holding a binding that fails its checks behind valid CRCs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "binding_wire.h"
#include "cache_file.h"
#include "config.h"
#include "crc32.h"
#include "log.h"
#include "wire_buf.h"

#define EXAMPLE "../../config/sgtgw.example.yaml"

struct fixture {
	char dir[64];
	char path[96];
	char tmp[112];
	struct config *cfg;
	struct binding bindings[4];
};

static struct binding
mk(uint8_t family, const char *addr, uint8_t len, sgt_t sgt, uint8_t src)
{
	struct binding b;

	/* memset, so that the padding compares equal too */
	memset(&b, 0, sizeof(b));
	b.family = family;
	b.prefix_len = len;
	b.sgt = sgt;
	b.source = src;

	if (inet_pton(family, addr, b.addr) != 1)
		abort();
	return b;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[CONFIG_ERR_MAX];

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/sgtgw-test-cache-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/state.cache", f->dir);
	snprintf(f->tmp, sizeof(f->tmp), "%s.tmp", f->path);
	f->cfg = config_load(EXAMPLE, err, sizeof(err));
	if (f->cfg == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	f->bindings[0] = mk(AF_INET, "10.10.0.0", 16, 4, BINDING_SRC_CLI);
	f->bindings[1] = mk(AF_INET, "10.10.66.6", 32, 255, BINDING_SRC_SXP);
	f->bindings[2] = mk(AF_INET6, "2001:db8:100::", 64, 10, BINDING_SRC_LOCAL);
	f->bindings[3] = mk(AF_INET6, "2001:db8:100::10", 128, 10,
			    BINDING_SRC_INTERNAL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	unlink(f->tmp);
	rmdir(f->dir);
	config_free(f->cfg);
	free(f);
	return 0;
}

static struct cache_contents
contents(struct fixture *f, bool with_policy, uint32_t n)
{
	struct cache_contents c = {
		.bindings_generation = 1234567890123ull,
		.policy_generation = 42,
		.policy = with_policy ? &f->cfg->policy : NULL,
		.n_bindings = n,
		.bindings = f->bindings,
	};

	return c;
}

static void
write_ok(struct fixture *f, const struct cache_contents *c)
{
	char err[512];

	if (cache_file_write(f->path, c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(access(f->tmp, F_OK), -1);
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	*len = (size_t)st.st_size;
	buf = malloc(*len + 16);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, *len), (ssize_t)*len);
	close(fd);
	return buf;
}

static void
spill(const char *path, const uint8_t *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static int
read_rc(struct fixture *f, char *err, size_t errlen)
{
	struct cache_contents c;
	int rc = cache_file_read(f->path, &c, err, errlen);

	if (rc != 0) {
		assert_null(c.policy);
		assert_null(c.bindings);
		assert_int_equal(c.n_bindings, 0);
	}
	cache_contents_free(&c);
	return rc;
}

static void
test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct cache_contents w = contents(f, true, 4), r;
	struct stat st;
	char err[512];

	write_ok(f, &w);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(cache_file_read(f->path, &r, err, sizeof(err)), 0);
	assert_int_equal(r.bindings_generation, w.bindings_generation);
	assert_int_equal(r.policy_generation, 42);
	assert_int_equal(r.n_bindings, 4);
	assert_memory_equal(r.bindings, f->bindings, sizeof(f->bindings));
	assert_non_null(r.policy);
	assert_int_equal(r.policy->n_cells, f->cfg->policy.n_cells);
	assert_string_equal(r.policy->sgacls[0].ace_text[2], "permit icmp");
	cache_contents_free(&r);
	assert_null(r.policy);
}

static void
test_overwrite_and_empty(void **state)
{
	struct fixture *f = *state;
	struct cache_contents w = contents(f, true, 4), r;
	char err[512];

	write_ok(f, &w);
	w = contents(f, false, 0);
	w.bindings_generation = 7;
	write_ok(f, &w);
	assert_int_equal(cache_file_read(f->path, &r, err, sizeof(err)), 0);
	assert_null(r.policy);
	assert_null(r.bindings);
	assert_int_equal(r.n_bindings, 0);
	assert_int_equal(r.bindings_generation, 7);
	cache_contents_free(&r);
}

static void
test_missing(void **state)
{
	struct fixture *f = *state;
	char err[512] = "";

	assert_int_equal(read_rc(f, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, f->path));
}

static void
test_every_truncation(void **state)
{
	struct fixture *f = *state;
	struct cache_contents w = contents(f, true, 4);
	char err[512] = "";
	uint8_t *buf;
	size_t len;

	write_ok(f, &w);
	buf = slurp(f->path, &len);
	sg_log_set_level(LOG_CRIT); /* one refusal per length: keep the log short */
	for (size_t n = 0; n < len; n++) {
		spill(f->path, buf, n);
		err[0] = '\0';
		assert_int_equal(read_rc(f, err, sizeof(err)), -EBADMSG);
		assert_true(strlen(err) > 0);
	}
	buf[len] = 0;
	spill(f->path, buf, len + 1);
	assert_int_equal(read_rc(f, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "header adds up to"));
	sg_log_set_level(LOG_INFO);
	free(buf);
}

static void
test_every_flip(void **state)
{
	struct fixture *f = *state;
	struct cache_contents w = contents(f, true, 4);
	char err[512] = "";
	uint8_t *buf;
	size_t len;

	write_ok(f, &w);
	buf = slurp(f->path, &len);
	sg_log_set_level(LOG_CRIT);
	for (size_t at = 0; at < len; at++) {
		buf[at] ^= 0x5a;
		spill(f->path, buf, len);
		assert_int_equal(read_rc(f, err, sizeof(err)), -EBADMSG);
		buf[at] ^= 0x5a;
	}
	sg_log_set_level(LOG_INFO);
	spill(f->path, buf, len);
	assert_int_equal(read_rc(f, err, sizeof(err)), 0);
	free(buf);
}

static void
fix_crc(uint8_t *buf, size_t len)
{
	struct wire_writer w;

	wire_writer_init(&w, buf + len - 4, 4);
	wire_put_u32(&w, sg_crc32(buf, len - 4));
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* A bad binding behind two valid CRCs: the content check refuses it. */
static void
test_bad_binding_behind_crc(void **state)
{
	struct fixture *f = *state;
	struct cache_contents w = contents(f, true, 4);
	char err[512] = "";
	uint8_t *buf, *list;
	size_t len, list_len;

	write_ok(f, &w);
	buf = slurp(f->path, &len);
	list = buf + 32 + le32(buf + 24);
	list_len = le32(buf + 28);
	list[12 + 1] = 8;  /* binding 0: 10.10.0.0/16 becomes /8 */
	fix_crc(list, list_len);
	fix_crc(buf, len);
	spill(f->path, buf, len);
	assert_int_equal(read_rc(f, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "binding 0: host bits set"));
	free(buf);
}

static void
test_write_refusals_keep_old_file(void **state)
{
	struct fixture *f = *state;
	struct cache_contents w = contents(f, true, 4);
	char err[512] = "", bad_path[160];
	uint8_t *before, *after;
	size_t len1, len2;

	write_ok(f, &w);
	before = slurp(f->path, &len1);
	f->bindings[2].prefix_len = 36; /* host bits set in 2001:db8:100::/36 */
	assert_int_equal(cache_file_write(f->path, &w, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "binding 2: host bits set"));
	f->bindings[2].prefix_len = 64;
	after = slurp(f->path, &len2);
	assert_int_equal(len1, len2);
	assert_memory_equal(before, after, len1);
	assert_int_equal(access(f->tmp, F_OK), -1);
	free(before);
	free(after);

	snprintf(bad_path, sizeof(bad_path), "%s/no/such/dir/cache", f->dir);
	assert_int_equal(cache_file_write(bad_path, &w, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "create"));
}

/* A stale FILE.tmp (a crash mid-write), even a symlink someone planted, is
 * replaced, never written through. */
static void
test_stale_tmp(void **state)
{
	struct fixture *f = *state;
	struct cache_contents w = contents(f, false, 2), r;
	char err[512], victim[128];
	uint8_t *buf;
	size_t len;

	snprintf(victim, sizeof(victim), "%s/victim", f->dir);
	spill(victim, (const uint8_t *)"keep", 4);
	assert_int_equal(symlink(victim, f->tmp), 0);
	write_ok(f, &w);
	buf = slurp(victim, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, "keep", 4);
	free(buf);
	unlink(victim);

	spill(f->tmp, (const uint8_t *)"half a file", 11);
	write_ok(f, &w);
	assert_int_equal(cache_file_read(f->path, &r, err, sizeof(err)), 0);
	assert_int_equal(r.n_bindings, 2);
	cache_contents_free(&r);
}

static void
test_not_a_file(void **state)
{
	struct fixture *f = *state;
	char err[512] = "";

	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_int_equal(read_rc(f, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "not a regular file"));
	rmdir(f->path);
}

/* What sg_log writes to stderr while fn runs. */
static void
capture_stderr(void (*fn)(struct fixture *), struct fixture *f, char *out,
	       size_t len)
{
	char path[] = "/tmp/sgtgw-test-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	unlink(path);
	assert_int_equal(dup2(fd, 2), 2);
	fn(f);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	n = pread(fd, out, len - 1, 0);
	close(fd);
	assert_true(n >= 0);
	out[n] = '\0';
}

static void
read_corrupt(struct fixture *f)
{
	char err[512];

	spill(f->path, (const uint8_t *)"SGCF but not really a cache file, no",
	      36);
	assert_int_equal(read_rc(f, err, sizeof(err)), -EBADMSG);
}

static void
read_missing(struct fixture *f)
{
	char err[512];

	unlink(f->path);
	assert_int_equal(read_rc(f, err, sizeof(err)), -ENOENT);
}

/* A refused cache is an error in the log, a missing one a notice. */
static void
test_refusal_is_logged(void **state)
{
	struct fixture *f = *state;
	char log[2048];

	capture_stderr(read_corrupt, f, log, sizeof(log));
	assert_non_null(strstr(log, "err: cache "));
	assert_non_null(strstr(log, "refused: "));
	capture_stderr(read_missing, f, log, sizeof(log));
	assert_non_null(strstr(log, "notice: cache "));
	assert_non_null(strstr(log, "none yet"));
}

/*
 * The binding list on its own.
 */

static void
test_binding_list(void **state)
{
	struct fixture *f = *state;
	size_t len = binding_wire_size(4);
	uint8_t *buf = malloc(len + 1);
	struct binding *out;
	uint32_t n;
	char err[256] = "";

	assert_non_null(buf);
	assert_int_equal(len, 12 + 4 * 24 + 4);
	assert_int_equal(binding_wire_encode(f->bindings, 4, buf, len - 1, err,
					     sizeof(err)), -1);
	assert_non_null(strstr(err, "need"));
	assert_int_equal(binding_wire_encode(f->bindings, 4, buf, len, err,
					     sizeof(err)), 0);
	assert_int_equal(buf[12], 4);       /* IP version, not AF_INET */
	assert_int_equal(buf[12 + 48], 6);
	assert_int_equal(binding_wire_decode(buf, len, &out, &n, err,
					     sizeof(err)), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(out, f->bindings, sizeof(f->bindings));
	free(out);

	for (size_t cut = 0; cut < len; cut++) {
		assert_int_equal(binding_wire_decode(buf, cut, &out, &n, err,
						     sizeof(err)), -1);
		assert_null(out);
	}
	buf[6] = 20;                         /* record size */
	assert_int_equal(binding_wire_decode(buf, len, &out, &n, err,
					     sizeof(err)), -1);
	assert_non_null(strstr(err, "20-byte records"));
	buf[6] = 24;
	buf[12] = 5;                         /* IP version 5 */
	fix_crc(buf, len);
	assert_int_equal(binding_wire_decode(buf, len, &out, &n, err,
					     sizeof(err)), -1);
	assert_non_null(strstr(err, "binding 0: IP version 5"));
	buf[12] = 4;
	buf[12 + 3] = 1;                     /* reserved */
	fix_crc(buf, len);
	assert_int_equal(binding_wire_decode(buf, len, &out, &n, err,
					     sizeof(err)), -1);
	assert_non_null(strstr(err, "reserved"));
	buf[12 + 3] = 0;
	buf[12 + 4] = 0xff;                  /* SGT 0xFFFF */
	buf[12 + 5] = 0xff;
	fix_crc(buf, len);
	assert_int_equal(binding_wire_decode(buf, len, &out, &n, err,
					     sizeof(err)), -1);
	assert_non_null(strstr(err, "SGT 65535 is reserved"));
	buf[8] = 5;                          /* count 5 in a 4-record list */
	assert_int_equal(binding_wire_decode(buf, len, &out, &n, err,
					     sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot hold the 5 bindings"));
	free(buf);
}

int
main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_round_trip),
		T(test_overwrite_and_empty),
		T(test_missing),
		T(test_every_truncation),
		T(test_every_flip),
		T(test_bad_binding_behind_crc),
		T(test_write_refusals_keep_old_file),
		T(test_stale_tmp),
		T(test_not_a_file),
		T(test_refusal_is_logged),
		T(test_binding_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
