/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cache file: the whole image is built in memory, then written in one
 * go to a temporary name and renamed; reading takes the whole file in and
 * checks it before decoding a byte of what it holds.
 */
#include "cache_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binding_wire.h"
#include "crc32.h"
#include "err_msg.h"
#include "log.h"
#include "policy_wire.h"
#include "wire_buf.h"

#define HDR_BYTES 32u
#define CRC_BYTES 4u
#define FLAG_POLICY 0x0001u
/* The largest policy and binding list the formats allow. */
#define MAX_BYTES ((uint64_t)HDR_BYTES + POLICY_WIRE_MAX_BYTES + \
		   binding_wire_size(BINDING_WIRE_MAX) + CRC_BYTES)

struct image {
	uint8_t *buf;
	size_t len;
};

/* The file's bytes: header, policy blob, binding list, CRC. */
static int
build_image(const struct cache_contents *c, struct image *img, char *err,
	    size_t errlen)
{
	uint8_t *pol = NULL;
	size_t pol_len = 0, bind_len = binding_wire_size(c->n_bindings);
	struct wire_writer w;

	if (c->policy != NULL &&
	    policy_wire_encode(c->policy, &pol, &pol_len, err, errlen) < 0)
		return -1;
	if (c->n_bindings > BINDING_WIRE_MAX) {
		free(pol);
		return err_set(err, errlen, "%u bindings: at most %u",
			       c->n_bindings, BINDING_WIRE_MAX);
	}
	img->len = HDR_BYTES + pol_len + bind_len + CRC_BYTES;
	img->buf = malloc(img->len);
	if (img->buf == NULL) {
		free(pol);
		return err_set(err, errlen, "out of memory for a %zu-byte cache",
			       img->len);
	}
	wire_writer_init(&w, img->buf, img->len);
	wire_put_u32(&w, CACHE_FILE_MAGIC);
	wire_put_u16(&w, CACHE_FILE_VERSION);
	wire_put_u16(&w, c->policy != NULL ? FLAG_POLICY : 0);
	wire_put_u64(&w, c->bindings_generation);
	wire_put_u64(&w, c->policy_generation);
	wire_put_u32(&w, (uint32_t)pol_len);
	wire_put_u32(&w, (uint32_t)bind_len);
	wire_put_bytes(&w, pol, pol_len);
	free(pol);
	if (binding_wire_encode(c->bindings, c->n_bindings,
				wire_reserve(&w, bind_len), bind_len, err,
				errlen) < 0) {
		free(img->buf);
		img->buf = NULL;
		return -1;
	}
	wire_put_u32(&w, sg_crc32(img->buf, w.pos));
	return 0;
}

static int
write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The rename is durable only once the directory entry is on disk. */
static int
sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, rc = 0;

	if (copy == NULL)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* A stale FILE.tmp from a crash is removed first, so that O_EXCL (which
 * also refuses a planted symlink) succeeds. */
static int
write_tmp(const char *tmp, const struct image *img, const char **step)
{
	int fd, rc;

	*step = "remove stale";
	if (unlink(tmp) < 0 && errno != ENOENT)
		return -errno;
	*step = "create";
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	*step = "write";
	rc = write_all(fd, img->buf, img->len);
	if (rc == 0) {
		*step = "fsync";
		if (fsync(fd) < 0)
			rc = -errno;
	}
	if (close(fd) < 0 && rc == 0) {
		*step = "close";
		rc = -errno;
	}
	if (rc < 0)
		unlink(tmp);
	return rc;
}

static int
install(const char *path, const struct image *img, char *err, size_t errlen)
{
	size_t tlen = strlen(path) + sizeof(".tmp");
	char *tmp = malloc(tlen);
	const char *step;
	int rc;

	if (tmp == NULL)
		return err_set(err, errlen, "out of memory");
	snprintf(tmp, tlen, "%s.tmp", path);
	rc = write_tmp(tmp, img, &step);
	if (rc < 0) {
		err_set(err, errlen, "cache %s: %s %s: %s", path, step, tmp,
			strerror(-rc));
	} else if (rename(tmp, path) < 0) {
		rc = -errno;
		unlink(tmp);
		err_set(err, errlen, "cache %s: rename %s: %s", path, tmp,
			strerror(-rc));
	} else if ((rc = sync_dir(path)) < 0) {
		err_set(err, errlen, "cache %s: written, but its directory did "
			"not sync: %s", path, strerror(-rc));
	}
	free(tmp);
	return rc < 0 ? -1 : 0;
}

int
cache_file_write(const char *path, const struct cache_contents *c, char *err,
		 size_t errlen)
{
	struct image img = { 0 };
	char why[512];
	int rc;

	if (build_image(c, &img, why, sizeof(why)) < 0) {
		sg_log(LOG_ERR, "cache %s not written: %s", path, why);
		return err_set(err, errlen, "cache %s not written: %s", path, why);
	}
	rc = install(path, &img, why, sizeof(why));
	free(img.buf);
	if (rc < 0) {
		sg_log(LOG_ERR, "%s", why);
		return err_set(err, errlen, "%s", why);
	}
	return 0;
}

/*
 * Reading.
 */

static int
read_all(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EBADMSG; /* shrank while we read it */
		got += (size_t)n;
	}
	return 0;
}

/* The file's bytes, or a negative errno with a message. */
static int
load(const char *path, struct image *img, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		err_set(err, errlen, "%s", strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		err_set(err, errlen, "fstat: %s", strerror(-rc));
	} else if (!S_ISREG(st.st_mode)) {
		rc = -EBADMSG;
		err_set(err, errlen, "not a regular file");
	} else if ((uint64_t)st.st_size < HDR_BYTES + CRC_BYTES ||
		   (uint64_t)st.st_size > MAX_BYTES) {
		rc = -EBADMSG;
		err_set(err, errlen, "%lld bytes: a cache is %u to %llu bytes",
			(long long)st.st_size, HDR_BYTES + CRC_BYTES,
			(unsigned long long)MAX_BYTES);
	} else if ((img->buf = malloc((size_t)st.st_size)) == NULL) {
		rc = -ENOMEM;
		err_set(err, errlen, "out of memory for %lld bytes",
			(long long)st.st_size);
	} else {
		img->len = (size_t)st.st_size;
		rc = read_all(fd, img->buf, img->len);
		if (rc < 0)
			err_set(err, errlen, "read: %s", rc == -EBADMSG ?
				"file shrank while being read" : strerror(-rc));
	}
	close(fd);
	return rc;
}

struct header {
	uint32_t magic;
	uint16_t version, flags;
	uint64_t bindings_gen, policy_gen;
	uint32_t policy_len, bindings_len;
};

static bool
check_header(struct wire_reader *r, struct header *h)
{
	wire_get_u32(r, &h->magic, "magic");
	wire_get_u16(r, &h->version, "version");
	wire_get_u16(r, &h->flags, "flags");
	wire_get_u64(r, &h->bindings_gen, "bindings generation");
	wire_get_u64(r, &h->policy_gen, "policy generation");
	wire_get_u32(r, &h->policy_len, "policy length");
	if (!wire_get_u32(r, &h->bindings_len, "bindings length"))
		return false;
	if (h->magic != CACHE_FILE_MAGIC)
		return wire_fail(r, "not an sgtgw cache (magic 0x%08x)", h->magic);
	if (h->version != CACHE_FILE_VERSION)
		return wire_fail(r, "cache format version %u, expected %u",
				 h->version, CACHE_FILE_VERSION);
	if ((h->flags & ~FLAG_POLICY) != 0 ||
	    ((h->flags & FLAG_POLICY) != 0) != (h->policy_len != 0))
		return wire_fail(r, "flags 0x%04x disagree with a %u-byte policy",
				 h->flags, h->policy_len);
	if ((uint64_t)HDR_BYTES + h->policy_len + h->bindings_len + CRC_BYTES !=
	    r->len)
		return wire_fail(r, "file is %zu bytes, its header adds up to %llu",
				 r->len, (unsigned long long)HDR_BYTES +
				 h->policy_len + h->bindings_len + CRC_BYTES);
	return true;
}

static int
check_crc(const struct image *img, char *err, size_t errlen)
{
	struct wire_reader tail;
	uint32_t stored, real = sg_crc32(img->buf, img->len - CRC_BYTES);

	wire_reader_init(&tail, img->buf + img->len - CRC_BYTES, CRC_BYTES,
			 NULL, 0);
	wire_get_u32(&tail, &stored, "CRC");
	if (stored != real)
		return err_set(err, errlen, "CRC 0x%08x does not match the "
			       "file's bytes (0x%08x)", stored, real);
	return 0;
}

static int
decode_parts(const struct image *img, const struct header *h,
	     struct cache_contents *c, char *err, size_t errlen)
{
	const uint8_t *part = img->buf + HDR_BYTES;

	if (h->policy_len != 0) {
		c->policy = calloc(1, sizeof(*c->policy));
		if (c->policy == NULL)
			return err_set(err, errlen, "out of memory");
		if (policy_wire_decode(part, h->policy_len, c->policy, err,
				       errlen) < 0)
			return -1;
	}
	part += h->policy_len;
	if (binding_wire_decode(part, h->bindings_len, &c->bindings,
				&c->n_bindings, err, errlen) < 0)
		return -1;
	c->bindings_generation = h->bindings_gen;
	c->policy_generation = h->policy_gen;
	return 0;
}

static int
parse(const struct image *img, struct cache_contents *c, char *err,
      size_t errlen)
{
	struct wire_reader r;
	struct header h;

	wire_reader_init(&r, img->buf, img->len, err, errlen);
	if (!check_header(&r, &h) || check_crc(img, err, errlen) < 0 ||
	    decode_parts(img, &h, c, err, errlen) < 0) {
		cache_contents_free(c);
		return -EBADMSG;
	}
	return 0;
}

int
cache_file_read(const char *path, struct cache_contents *c, char *err,
		size_t errlen)
{
	struct image img = { 0 };
	char why[512];
	int rc;

	memset(c, 0, sizeof(*c));
	rc = load(path, &img, why, sizeof(why));
	if (rc == 0)
		rc = parse(&img, c, why, sizeof(why));
	free(img.buf);
	if (rc == -ENOENT) {
		sg_log(LOG_NOTICE, "cache %s: none yet, starting empty", path);
	} else if (rc == -EBADMSG) {
		sg_log(LOG_ERR, "cache %s refused: %s", path, why);
	} else if (rc < 0) {
		sg_log(LOG_ERR, "cache %s cannot be read: %s", path, why);
	} else {
		sg_log(LOG_INFO, "cache %s: %u bindings (generation %llu), %s",
		       path, c->n_bindings,
		       (unsigned long long)c->bindings_generation,
		       c->policy != NULL ? "a policy" : "no policy");
	}
	if (rc < 0)
		err_set(err, errlen, "cache %s: %s", path, why);
	return rc;
}

void
cache_contents_free(struct cache_contents *c)
{
	if (c == NULL)
		return;
	if (c->policy != NULL) {
		policy_model_free(c->policy);
		free(c->policy);
	}
	free(c->bindings);
	memset(c, 0, sizeof(*c));
}
