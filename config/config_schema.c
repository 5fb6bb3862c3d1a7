/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration schema (libcyaml tables) and the checker that explains a
 * schema violation with the right line and key path. docs/configuration.md
 * documents every key; keep the two in step.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_schema.h"

/* ---- the schema ------------------------------------------------------ */

/* Longest string we accept for a name the schema does not bound itself. */
#define CFG_TEXT_MAX 1024

static const cyaml_strval_t non_ip_strings[] = {
	{ "forward", CONFIG_NON_IP_FORWARD },
	{ "drop", CONFIG_NON_IP_DROP },
};

static const cyaml_strval_t no_cache_strings[] = {
	{ "fail_closed", CONFIG_NO_CACHE_FAIL_CLOSED },
	{ "fail_open", CONFIG_NO_CACHE_FAIL_OPEN },
};

static const cyaml_strval_t trust_strings[] = {
	{ "untrusted", CFG_UNTRUSTED },
	{ "trusted", CFG_TRUSTED },
};

static const cyaml_strval_t egress_tag_strings[] = {
	{ "keep", CONFIG_TAG_KEEP },
	{ "add", CONFIG_TAG_ADD },
	{ "strip", CONFIG_TAG_STRIP },
};

static const cyaml_strval_t catch_all_strings[] = {
	{ "none", POLICY_CATCH_ALL_NONE },
	{ "permit", POLICY_CATCH_ALL_PERMIT },
	{ "deny", POLICY_CATCH_ALL_DENY },
};

static const cyaml_strval_t mode_strings[] = {
	{ "enforce", POLICY_CELL_ENFORCE },
	{ "monitor", POLICY_CELL_MONITOR },
	{ "disabled", POLICY_CELL_DISABLED },
};

/* Enums are strict so that libcyaml never falls back to reading a number. */
#define CFG_ENUM(key, flags, st, member, strings) \
	CYAML_FIELD_ENUM(key, (flags) | CYAML_FLAG_STRICT, st, member, \
			 strings, CYAML_ARRAY_LEN(strings))

static const cyaml_schema_field_t dataplane_fields[] = {
	CYAML_FIELD_UINT_PTR("workers", CYAML_FLAG_OPTIONAL,
			     struct cfg_raw_dataplane, workers),
	CYAML_FIELD_UINT_PTR("mbufs", CYAML_FLAG_OPTIONAL,
			     struct cfg_raw_dataplane, mbufs),
	CFG_ENUM("non_ip", CYAML_FLAG_OPTIONAL, struct cfg_raw_dataplane,
		 non_ip, non_ip_strings),
	CYAML_FIELD_UINT_PTR("log_rate", CYAML_FLAG_OPTIONAL,
			     struct cfg_raw_dataplane, log_rate),
	CYAML_FIELD_END
};

/* A Unix socket's path must fit sun_path (108 bytes, NUL included). */
#define CFG_SOCKET_PATH_MAX 107

static const cyaml_schema_field_t limits_fields[] = {
	CYAML_FIELD_UINT_PTR("ipv4_hosts", CYAML_FLAG_OPTIONAL,
			     struct cfg_raw_limits, ipv4_hosts),
	CYAML_FIELD_UINT_PTR("ipv4_prefixes", CYAML_FLAG_OPTIONAL,
			     struct cfg_raw_limits, ipv4_prefixes),
	CYAML_FIELD_UINT_PTR("ipv6_hosts", CYAML_FLAG_OPTIONAL,
			     struct cfg_raw_limits, ipv6_hosts),
	CYAML_FIELD_UINT_PTR("ipv6_prefixes", CYAML_FLAG_OPTIONAL,
			     struct cfg_raw_limits, ipv6_prefixes),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t controlplane_fields[] = {
	CYAML_FIELD_STRING_PTR("socket", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			       struct cfg_raw_controlplane, socket, 1,
			       CFG_SOCKET_PATH_MAX),
	CYAML_FIELD_STRING_PTR("admin_socket",
			       CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			       struct cfg_raw_controlplane, admin_socket, 1,
			       CFG_SOCKET_PATH_MAX),
	CYAML_FIELD_STRING_PTR("cache", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			       struct cfg_raw_controlplane, cache, 1,
			       CFG_TEXT_MAX),
	CFG_ENUM("no_cache", CYAML_FLAG_OPTIONAL, struct cfg_raw_controlplane,
		 no_cache, no_cache_strings),
	CYAML_FIELD_UINT_PTR("hold_time", CYAML_FLAG_OPTIONAL,
			     struct cfg_raw_controlplane, hold_time),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t port_fields[] = {
	CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, struct cfg_raw_port,
			       name, 1, CONFIG_PORT_NAME_MAX - 1),
	CYAML_FIELD_STRING_PTR("device", CYAML_FLAG_POINTER,
			       struct cfg_raw_port, device, 1, CFG_TEXT_MAX),
	CFG_ENUM("trust", CYAML_FLAG_OPTIONAL, struct cfg_raw_port, trust,
		 trust_strings),
	CFG_ENUM("egress_tag", CYAML_FLAG_OPTIONAL, struct cfg_raw_port,
		 egress_tag, egress_tag_strings),
	CYAML_FIELD_STRING_PTR("default_sgt",
			       CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			       struct cfg_raw_port, default_sgt, 1,
			       POLICY_NAME_MAX - 1),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t port_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct cfg_raw_port,
			    port_fields),
};

static const cyaml_schema_value_t port_name_value = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1,
			   CONFIG_PORT_NAME_MAX - 1),
};

/*
 * A pair is a fixed list of two names. It is allocated on its own: libcyaml
 * 1.3.1 loads an in-place fixed list inside a list with one stride and frees
 * it with another.
 */
static const cyaml_schema_value_t pair_entry = {
	CYAML_VALUE_SEQUENCE_FIXED(CYAML_FLAG_POINTER, char *, &port_name_value,
				   2),
};

static const cyaml_schema_field_t sgt_fields[] = {
	CYAML_FIELD_UINT("value", CYAML_FLAG_DEFAULT, struct cfg_raw_sgt,
			 value),
	CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, struct cfg_raw_sgt,
			       name, 1, POLICY_NAME_MAX - 1),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t sgt_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct cfg_raw_sgt,
			    sgt_fields),
};

static const cyaml_schema_value_t ace_text_value = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, CFG_TEXT_MAX),
};

static const cyaml_schema_field_t sgacl_fields[] = {
	CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER,
			       struct cfg_raw_sgacl, name, 1,
			       POLICY_NAME_MAX - 1),
	CYAML_FIELD_SEQUENCE("aces", CYAML_FLAG_POINTER, struct cfg_raw_sgacl,
			     aces, &ace_text_value, 1, 256),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t sgacl_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct cfg_raw_sgacl,
			    sgacl_fields),
};

static const cyaml_schema_value_t name_ref_value = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, POLICY_NAME_MAX - 1),
};

static const cyaml_schema_field_t default_fields[] = {
	CYAML_FIELD_SEQUENCE("sgacls", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct cfg_raw_default, sgacls, &name_ref_value,
			     0, 256),
	CFG_ENUM("catch_all", CYAML_FLAG_DEFAULT, struct cfg_raw_default,
		 catch_all, catch_all_strings),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t cell_fields[] = {
	CYAML_FIELD_STRING_PTR("src", CYAML_FLAG_POINTER, struct cfg_raw_cell,
			       src, 1, POLICY_NAME_MAX - 1),
	CYAML_FIELD_STRING_PTR("dst", CYAML_FLAG_POINTER, struct cfg_raw_cell,
			       dst, 1, POLICY_NAME_MAX - 1),
	CYAML_FIELD_SEQUENCE("sgacls", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct cfg_raw_cell, sgacls, &name_ref_value,
			     0, 256),
	CFG_ENUM("catch_all", CYAML_FLAG_OPTIONAL, struct cfg_raw_cell,
		 catch_all, catch_all_strings),
	CFG_ENUM("mode", CYAML_FLAG_OPTIONAL, struct cfg_raw_cell, mode,
		 mode_strings),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t cell_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct cfg_raw_cell,
			    cell_fields),
};

static const cyaml_schema_field_t policy_fields[] = {
	CYAML_FIELD_BOOL("monitor_mode", CYAML_FLAG_OPTIONAL,
			 struct cfg_raw_policy, monitor_mode),
	CYAML_FIELD_MAPPING_PTR("default", CYAML_FLAG_POINTER,
				struct cfg_raw_policy, def, default_fields),
	CYAML_FIELD_SEQUENCE("cells", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct cfg_raw_policy, cells, &cell_entry,
			     0, CYAML_UNLIMITED),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t binding_fields[] = {
	CYAML_FIELD_STRING_PTR("prefix", CYAML_FLAG_POINTER,
			       struct cfg_raw_binding, prefix, 1, 64),
	CYAML_FIELD_STRING_PTR("sgt", CYAML_FLAG_POINTER,
			       struct cfg_raw_binding, sgt, 1,
			       POLICY_NAME_MAX - 1),
	CYAML_FIELD_END
};

static const cyaml_schema_value_t binding_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct cfg_raw_binding,
			    binding_fields),
};

static const cyaml_schema_field_t top_fields[] = {
	CYAML_FIELD_MAPPING_PTR("dataplane",
				CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
				struct cfg_raw, dataplane, dataplane_fields),
	CYAML_FIELD_SEQUENCE("ports", CYAML_FLAG_POINTER, struct cfg_raw,
			     ports, &port_entry, 1, 32),
	CYAML_FIELD_SEQUENCE("port_pairs",
			     CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct cfg_raw, port_pairs, &pair_entry, 0, 16),
	CYAML_FIELD_SEQUENCE("sgts", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct cfg_raw, sgts, &sgt_entry,
			     0, CYAML_UNLIMITED),
	CYAML_FIELD_SEQUENCE("sgacls", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct cfg_raw, sgacls, &sgacl_entry,
			     0, CYAML_UNLIMITED),
	CYAML_FIELD_MAPPING_PTR("policy",
				CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
				struct cfg_raw, policy, policy_fields),
	CYAML_FIELD_SEQUENCE("bindings",
			     CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct cfg_raw, bindings, &binding_entry,
			     0, CYAML_UNLIMITED),
	CYAML_FIELD_MAPPING_PTR("controlplane",
				CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
				struct cfg_raw, controlplane,
				controlplane_fields),
	CYAML_FIELD_MAPPING_PTR("limits",
				CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
				struct cfg_raw, limits, limits_fields),
	CYAML_FIELD_END
};

const cyaml_schema_value_t cfg_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct cfg_raw, top_fields),
};

/* ---- the checker ----------------------------------------------------- */

/* Mappings in the schema have at most this many fields. */
#define CFG_FIELDS_MAX 16

struct walk {
	yaml_document_t *doc;
	unsigned char *reached;   /* per node: visited once (a second is an alias) */
	struct cfg_err *err;
	char path[CFG_KEY_MAX];
};

static int check_value(struct walk *w, yaml_node_t *node,
		       const cyaml_schema_value_t *schema, unsigned long ref_line);

unsigned long
cfg_node_line(const yaml_node_t *node)
{
	return node ? (unsigned long)node->start_mark.line + 1 : 0;
}

static int
fail(struct walk *w, unsigned long line, const char *fmt, ...)
{
	va_list ap;

	w->err->line = line;
	snprintf(w->err->key, sizeof(w->err->key), "%s", w->path);
	va_start(ap, fmt);
	vsnprintf(w->err->msg, sizeof(w->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Append ".key" or "[i]" to the path; returns the old length to restore. */
static size_t
path_push_key(struct walk *w, const char *key)
{
	size_t len = strlen(w->path);

	snprintf(w->path + len, sizeof(w->path) - len, "%s%s",
		 len ? "." : "", key);
	return len;
}

static size_t
path_push_index(struct walk *w, size_t i)
{
	size_t len = strlen(w->path);

	snprintf(w->path + len, sizeof(w->path) - len, "[%zu]", i);
	return len;
}

static const char *
node_kind(const yaml_node_t *node)
{
	switch (node->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		return node->data.scalar.length ? "a single value" :
						  "an empty value";
	default:
		return "nothing";
	}
}

static const char *
schema_kind(const cyaml_schema_value_t *schema)
{
	switch (schema->type) {
	case CYAML_MAPPING:
		return "a mapping (key: value)";
	case CYAML_SEQUENCE:
	case CYAML_SEQUENCE_FIXED:
		return "a list";
	case CYAML_UINT:
		return "a whole number";
	case CYAML_BOOL:
		return "true or false";
	default:
		return "a single value";
	}
}

static const cyaml_schema_field_t *
field_by_key(const cyaml_schema_field_t *fields, const char *key, size_t *idx)
{
	for (size_t i = 0; fields[i].key; i++) {
		if (strcmp(fields[i].key, key) == 0) {
			*idx = i;
			return &fields[i];
		}
	}
	return NULL;
}

static void
field_list(const cyaml_schema_field_t *fields, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; fields[i].key && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i ? ", " : "", fields[i].key);
}

static int
check_key(struct walk *w, yaml_node_pair_t *pair,
	  const cyaml_schema_field_t *fields, unsigned long *seen)
{
	yaml_node_t *key = yaml_document_get_node(w->doc, pair->key);
	yaml_node_t *value = yaml_document_get_node(w->doc, pair->value);
	const cyaml_schema_field_t *field;
	char expected[CFG_MSG_MAX / 2];
	size_t idx, old;
	int rc;

	if (key->type != YAML_SCALAR_NODE)
		return fail(w, cfg_node_line(key),
			    "a key must be a plain word, not %s",
			    node_kind(key));
	old = path_push_key(w, (const char *)key->data.scalar.value);
	field = field_by_key(fields, (const char *)key->data.scalar.value,
			     &idx);
	if (!field) {
		field_list(fields, expected, sizeof(expected));
		return fail(w, cfg_node_line(key),
			    "unknown key (expected one of: %s)", expected);
	}
	if (seen[idx])
		return fail(w, cfg_node_line(key),
			    "given twice (first on line %lu)", seen[idx]);
	seen[idx] = cfg_node_line(key);
	rc = check_value(w, value, &field->value, cfg_node_line(key));
	w->path[old] = '\0';
	return rc;
}

/* A missing key is blamed on ref_line, the line of the key holding the map. */
static int
check_mapping(struct walk *w, yaml_node_t *node,
	      const cyaml_schema_value_t *schema, unsigned long ref_line)
{
	const cyaml_schema_field_t *fields = schema->mapping.fields;
	unsigned long seen[CFG_FIELDS_MAX] = { 0 };
	yaml_node_pair_t *pair;

	for (pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		if (check_key(w, pair, fields, seen) < 0)
			return -1;
	}
	for (size_t i = 0; fields[i].key; i++) {
		if (seen[i] || (fields[i].value.flags & CYAML_FLAG_OPTIONAL))
			continue;
		path_push_key(w, fields[i].key);
		return fail(w, ref_line, "missing (required)");
	}
	return 0;
}

static int
check_sequence(struct walk *w, yaml_node_t *node,
	       const cyaml_schema_value_t *schema)
{
	yaml_node_item_t *item = node->data.sequence.items.start;
	size_t n = (size_t)(node->data.sequence.items.top - item);
	uint32_t min = schema->sequence.min, max = schema->sequence.max;

	if (schema->type == CYAML_SEQUENCE_FIXED && n != min)
		return fail(w, cfg_node_line(node),
			    "needs exactly %u entries, has %zu", min, n);
	if (n < min)
		return fail(w, cfg_node_line(node),
			    "needs at least %u entr%s, has %zu", min,
			    min == 1 ? "y" : "ies", n);
	if (n > max)
		return fail(w, cfg_node_line(node),
			    "has %zu entries, %u at most", n, max);
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *entry = yaml_document_get_node(w->doc, item[i]);
		size_t old = path_push_index(w, i);

		if (check_value(w, entry, schema->sequence.entry,
				cfg_node_line(entry)) < 0)
			return -1;
		w->path[old] = '\0';
	}
	return 0;
}

static int
check_string(struct walk *w, yaml_node_t *node,
	     const cyaml_schema_value_t *schema)
{
	const char *s = (const char *)node->data.scalar.value;
	size_t len = node->data.scalar.length;

	if (strlen(s) != len)
		return fail(w, cfg_node_line(node),
			    "contains a NUL character");
	if (len < schema->string.min)
		return fail(w, cfg_node_line(node), "must not be empty");
	if (len > schema->string.max)
		return fail(w, cfg_node_line(node),
			    "is %zu characters long, %u at most", len,
			    schema->string.max);
	return 0;
}

/*
 * Decimal digits only, no sign and no leading zero: libcyaml reads numbers
 * with strtoull(base 0), which takes "010" as octal and "12abc" as 12.
 */
static int
check_uint(struct walk *w, yaml_node_t *node,
	   const cyaml_schema_value_t *schema)
{
	const char *s = (const char *)node->data.scalar.value;
	uint64_t max = UINT64_MAX >> (64 - 8 * schema->data_size);
	uint64_t v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return fail(w, cfg_node_line(node), "'%s' is too large",
				    s);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == 0 || s[i] != '\0')
		return fail(w, cfg_node_line(node),
			    "expected a whole number, got '%s'", s);
	if (s[0] == '0' && i > 1)
		return fail(w, cfg_node_line(node),
			    "'%s': write numbers in decimal without leading zeros",
			    s);
	if (v > max)
		return fail(w, cfg_node_line(node),
			    "'%s' is too large (%llu at most)", s,
			    (unsigned long long)max);
	return 0;
}

/* libcyaml takes every word outside its false list as true: be exact. */
static int
check_bool(struct walk *w, yaml_node_t *node)
{
	static const char *const words[] = {
		"true", "false", "yes", "no", "on", "off",
	};
	const char *s = (const char *)node->data.scalar.value;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcasecmp(s, words[i]) == 0)
			return 0;
	}
	return fail(w, cfg_node_line(node), "expected true or false, got '%s'",
		    s);
}

static int
check_enum(struct walk *w, yaml_node_t *node,
	   const cyaml_schema_value_t *schema)
{
	const char *s = (const char *)node->data.scalar.value;
	char expected[CFG_MSG_MAX / 2];
	size_t used = 0;

	for (uint32_t i = 0; i < schema->enumeration.count; i++) {
		if (strcmp(s, schema->enumeration.strings[i].str) == 0)
			return 0;
	}
	expected[0] = '\0';
	for (uint32_t i = 0; i < schema->enumeration.count &&
			     used < sizeof(expected); i++)
		used += (size_t)snprintf(expected + used,
					 sizeof(expected) - used, "%s%s",
					 i ? ", " : "",
					 schema->enumeration.strings[i].str);
	return fail(w, cfg_node_line(node), "expected one of %s; got '%s'",
		    expected, s);
}

static int
check_scalar(struct walk *w, yaml_node_t *node,
	     const cyaml_schema_value_t *schema)
{
	switch (schema->type) {
	case CYAML_STRING:
		return check_string(w, node, schema);
	case CYAML_UINT:
		return check_uint(w, node, schema);
	case CYAML_BOOL:
		return check_bool(w, node);
	case CYAML_ENUM:
		return check_enum(w, node, schema);
	default:
		return fail(w, cfg_node_line(node),
			    "internal: schema type %d has no checker",
			    (int)schema->type);
	}
}

static bool
wants(const cyaml_schema_value_t *schema, yaml_node_type_t type)
{
	switch (schema->type) {
	case CYAML_MAPPING:
		return type == YAML_MAPPING_NODE;
	case CYAML_SEQUENCE:
	case CYAML_SEQUENCE_FIXED:
		return type == YAML_SEQUENCE_NODE;
	default:
		return type == YAML_SCALAR_NODE;
	}
}

/*
 * ref_line is where the value is referred to from (its key), which is the
 * place to blame for an alias: the aliased node itself sits elsewhere.
 */
static int
check_value(struct walk *w, yaml_node_t *node,
	    const cyaml_schema_value_t *schema, unsigned long ref_line)
{
	size_t id = (size_t)(node - w->doc->nodes.start);

	if (w->reached[id]) {
		w->err->alias = true;
		return fail(w, ref_line,
			    "YAML aliases (*name) are not supported here");
	}
	w->reached[id] = 1;
	if (!wants(schema, node->type))
		return fail(w, cfg_node_line(node), "expected %s, got %s",
			    schema_kind(schema), node_kind(node));
	switch (schema->type) {
	case CYAML_MAPPING:
		return check_mapping(w, node, schema, ref_line);
	case CYAML_SEQUENCE:
	case CYAML_SEQUENCE_FIXED:
		return check_sequence(w, node, schema);
	default:
		return check_scalar(w, node, schema);
	}
}

int
cfg_schema_check(yaml_document_t *doc, const cyaml_schema_value_t *schema,
		 struct cfg_err *err)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);
	struct walk w = { .doc = doc, .err = err };
	size_t n_nodes = (size_t)(doc->nodes.top - doc->nodes.start);
	int rc;

	if (!root) {
		err->line = 1;
		err->key[0] = '\0';
		snprintf(err->msg, sizeof(err->msg),
			 "the file is empty; at least 'ports' is required");
		return -1;
	}
	w.reached = calloc(n_nodes, 1);
	if (!w.reached) {
		err->line = 0;
		err->key[0] = '\0';
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	rc = check_value(&w, root, schema, cfg_node_line(root));
	free(w.reached);
	return rc;
}

/* ---- finding a node by key path ------------------------------------ */

static yaml_node_t *
mapping_get(yaml_document_t *doc, yaml_node_t *map, const char *key,
	    size_t keylen, unsigned long *key_line)
{
	yaml_node_pair_t *pair;

	if (map->type != YAML_MAPPING_NODE)
		return NULL;
	for (pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(doc, pair->key);

		if (k->type == YAML_SCALAR_NODE &&
		    k->data.scalar.length == keylen &&
		    memcmp(k->data.scalar.value, key, keylen) == 0) {
			if (key_line)
				*key_line = cfg_node_line(k);
			return yaml_document_get_node(doc, pair->value);
		}
	}
	return NULL;
}

static yaml_node_t *
sequence_get(yaml_document_t *doc, yaml_node_t *seq, unsigned long i)
{
	yaml_node_item_t *start;

	if (seq->type != YAML_SEQUENCE_NODE)
		return NULL;
	start = seq->data.sequence.items.start;
	if (i >= (unsigned long)(seq->data.sequence.items.top - start))
		return NULL;
	return yaml_document_get_node(doc, start[i]);
}

/*
 * Follow path from the root. *key_line (when asked) gets the line of the
 * key that names the node reached, if the last step was a key: for a block
 * mapping or list that is where a reader looks, not the first line inside.
 */
static yaml_node_t *
doc_walk(yaml_document_t *doc, const char *path, unsigned long *key_line)
{
	yaml_node_t *node = yaml_document_get_root_node(doc);
	const char *p = path;

	while (node && *p) {
		yaml_node_t *next;

		if (*p == '[') {
			char *end;
			unsigned long i = strtoul(p + 1, &end, 10);

			if (*end != ']')
				break;
			next = sequence_get(doc, node, i);
			p = end + 1;
			if (next && key_line)
				*key_line = 0;
		} else {
			size_t len = strcspn(p, ".[");

			next = mapping_get(doc, node, p, len, key_line);
			p += len;
		}
		if (!next)
			break;
		node = next;
		if (*p == '.')
			p++;
	}
	return node;
}
yaml_node_t *
cfg_doc_find(yaml_document_t *doc, const char *path)
{
	return doc_walk(doc, path, NULL);
}

unsigned long
cfg_doc_line(yaml_document_t *doc, const char *path)
{
	unsigned long line = 0;
	yaml_node_t *node = doc_walk(doc, path, &line);

	return line ? line : cfg_node_line(node);
}
