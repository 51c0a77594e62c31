/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading a libyaml node tree with every problem reported as
 * "FILE:LINE: reason": the key table of a mapping (unknown, duplicate and
 * missing keys) and typed scalar readers. config_load.c walks the schema
 * with these.
 */
#ifndef XLB_YAML_READ_H
#define XLB_YAML_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "config.h"

struct yr_ctx {
	const char *name; /* FILE in the messages */
	yaml_document_t *doc;
	struct xlb_config_errors *errs; /* may be NULL */
	size_t errs_from;		/* first entry of this load */
	int n_err;
	bool nomem;
};

/* A value given for a key, or not. */
struct yr_field {
	yaml_node_t *val; /* NULL if absent or empty */
	int line;	  /* of the key; 0 if absent */
};

/*
 * Record "FILE:LINE: reason" (line 0: "FILE: reason"), sorted by line among
 * this load's errors. Control characters and line separators in the file's
 * name and in the reason (the values it quotes) are escaped.
 */
void yr_err(struct yr_ctx *x, int line, const char *fmt, ...);

/* Line and column (1-based, characters) of byte @off of the file @buf. */
void yr_offset_pos(const char *buf, size_t len, size_t off, int *line,
		   int *col);

int yr_node_line(const yaml_node_t *n);

yaml_node_t *yr_node(struct yr_ctx *x, int i);

/* calloc(), noting x->nomem when it fails. */
void *yr_calloc(struct yr_ctx *x, size_t n, size_t size);

/* The length of list @n, the value of @key; -1 (reported) if not a list. */
long yr_list_len(struct yr_ctx *x, const yaml_node_t *n, const char *key);
/* Item @i of list @n. */
yaml_node_t *yr_list_item(struct yr_ctx *x, const yaml_node_t *n, size_t i);

const char *yr_kind(const yaml_node_t *n);

bool yr_is_null(const yaml_node_t *n);

/*
 * A mapping's keys, from a list LIST(X) of X(INDEX, "key"): the indexes
 * INDEX... and N in an enum, and their names in keys[N] for yr_collect().
 */
#define YR_KEY_INDEX(idx, key) idx,
#define YR_KEY_NAME(idx, key) [idx] = key,
#define YR_KEYS(LIST, N, keys)       \
	enum {                       \
		LIST(YR_KEY_INDEX) N \
	};                           \
	static const char *const keys[N] = { LIST(YR_KEY_NAME) }

/* A mapping's key names, exported by its parser's file for the loader. */
struct yr_keys {
	const char *const *names;
	size_t n;
};

/* YR_KEYS(LIST, N, keys), and keys exported for the loader as @pub. */
#define YR_KEYS_EXPORT(LIST, N, keys, pub) \
	YR_KEYS(LIST, N, keys);            \
	const struct yr_keys pub = { keys, N }

/*
 * Sort the pairs of mapping @map into f[] by key name (keys[i] -> f[i]),
 * reporting unknown and duplicate keys. False if @map is not a mapping.
 */
bool yr_collect(struct yr_ctx *x, yaml_node_t *map, const char *what,
		const char *const *keys, size_t n, struct yr_field *f);

void yr_missing(struct yr_ctx *x, const yaml_node_t *map,
		const struct yr_field *f, const char *key, const char *what);

/* The text of scalar @f->val, or NULL after reporting why not. */
const char *yr_scalar(struct yr_ctx *x, const struct yr_field *f,
		      const char *key);

bool yr_get_str(struct yr_ctx *x, const struct yr_field *f, const char *key,
		char *buf, size_t size);

/* yr_get_str() of a key @map (a @what) must have: yr_missing() if absent. */
bool yr_get_required_str(struct yr_ctx *x, const yaml_node_t *map,
			 const struct yr_field *f, const char *key,
			 const char *what, char *buf, size_t size);

bool yr_get_u32(struct yr_ctx *x, const struct yr_field *f, const char *key,
		__u32 min, __u32 max, __u32 *out);

bool yr_get_duration(struct yr_ctx *x, const struct yr_field *f,
		     const char *key, bool nonzero, __u32 *ms);

/* Index of the value in names[], or -1 after listing the choices. */
int yr_get_enum(struct yr_ctx *x, const struct yr_field *f, const char *key,
		const char *const *names, size_t n);

bool yr_get_addr(struct yr_ctx *x, const struct yr_field *f, const char *key,
		 union xlb_addr *a, __u8 *family);

#endif /* XLB_YAML_READ_H */
