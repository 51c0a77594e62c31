// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Limits on a YAML stream, from libyaml's events; see yaml_bounds.h. */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yaml_bounds.h"

struct anchor {
	char *name;
	unsigned int hash; /* of name: most compares stop here */
	size_t size;	   /* expanded nodes; while still open, so far */
	int level;	   /* > 0: its list or mapping is open at this depth */
};

struct bounds {
	struct yr_ctx *x;
	const struct yb_limits *lim;
	size_t nodes, expanded;
	int depth;
	size_t *start;		/* [depth]: expanded before that level opened */
	struct anchor **anchor; /* [depth]: the open level's anchor, or NULL */
	struct anchor *anchors;
	size_t n_anchors;
};

static void drop_anchors(struct bounds *b)
{
	for (size_t i = 0; i < b->n_anchors; i++)
		free(b->anchors[i].name);
	b->n_anchors = 0;
}

/* FNV-1a */
static unsigned int name_hash(const char *s)
{
	unsigned int h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct anchor *find_anchor(struct bounds *b, const char *name,
				  unsigned int hash)
{
	for (size_t i = 0; i < b->n_anchors; i++)
		if (b->anchors[i].hash == hash &&
		    !strcmp(b->anchors[i].name, name))
			return &b->anchors[i];
	return NULL;
}

/* A node that may carry an anchor; false when a limit is passed. */
static bool node(struct bounds *b, const yaml_event_t *e,
		 const yaml_char_t *name, bool opens)
{
	unsigned int hash = name ? name_hash((const char *)name) : 0;
	int line = e->start_mark.line + 1;
	struct anchor *a = NULL;

	if (opens && b->depth == b->lim->depth) {
		yr_err(b->x, line,
		       "lists and mappings nested more than %d deep",
		       b->lim->depth);
		return false;
	}
	/* A duplicate is the loader's error to report; count it once. */
	if (name && !find_anchor(b, (const char *)name, hash)) {
		if (b->n_anchors == b->lim->anchors) {
			yr_err(b->x, line, "more than %zu anchors (&name)",
			       b->lim->anchors);
			return false;
		}
		a = &b->anchors[b->n_anchors];
		a->name = strdup((const char *)name);
		if (!a->name) {
			b->x->nomem = true;
			b->x->n_err++;
			return false;
		}
		a->hash = hash;
		a->size = 1;
		a->level = 0;
		b->n_anchors++;
	}
	if (opens) {
		b->depth++;
		b->start[b->depth] = b->expanded;
		b->anchor[b->depth] = a;
		if (a)
			a->level = b->depth;
	}
	b->expanded++;
	return true;
}

static bool alias(struct bounds *b, const yaml_event_t *e)
{
	const char *name = (const char *)e->data.alias.anchor;
	struct anchor *a = find_anchor(b, name, name_hash(name));
	size_t size = 1;

	/* An alias to a list or mapping still open: a loop, as read so far. */
	if (a)
		size = a->level ? b->expanded - b->start[a->level] : a->size;
	b->expanded += size;
	if (b->expanded > b->lim->expanded) {
		yr_err(b->x, e->start_mark.line + 1,
		       "aliases expand the file to more than %zu YAML nodes (alias *%s: %zu nodes)",
		       b->lim->expanded, name, size);
		return false;
	}
	return true;
}

static void close_level(struct bounds *b)
{
	struct anchor *a = b->anchor[b->depth];

	if (a) {
		a->size = b->expanded - b->start[b->depth];
		a->level = 0;
	}
	b->depth--;
}

/* One event; false when a limit is passed. */
static bool event(struct bounds *b, const yaml_event_t *e)
{
	switch (e->type) {
	case YAML_SCALAR_EVENT:
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
	case YAML_ALIAS_EVENT:
		if (++b->nodes <= b->lim->nodes)
			break;
		yr_err(b->x, e->start_mark.line + 1,
		       "more than %zu YAML nodes (scalars, lists, mappings and aliases)",
		       b->lim->nodes);
		return false;
	default:
		break;
	}
	switch (e->type) {
	case YAML_SCALAR_EVENT:
		return node(b, e, e->data.scalar.anchor, false);
	case YAML_SEQUENCE_START_EVENT:
		return node(b, e, e->data.sequence_start.anchor, true);
	case YAML_MAPPING_START_EVENT:
		return node(b, e, e->data.mapping_start.anchor, true);
	case YAML_ALIAS_EVENT:
		return alias(b, e);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->depth > 0)
			close_level(b);
		return true;
	case YAML_DOCUMENT_END_EVENT:
		/* Anchors are per document, as the loader has them. */
		drop_anchors(b);
		return true;
	default:
		return true;
	}
}

bool yb_check(struct yr_ctx *x, const char *buf, size_t len,
	      const struct yb_limits *lim)
{
	struct bounds b = { .x = x, .lim = lim };
	bool ok = true, end = false;
	yaml_parser_t p;
	yaml_event_t e;

	b.start = calloc(lim->depth + 1, sizeof(*b.start));
	b.anchor = calloc(lim->depth + 1, sizeof(*b.anchor));
	b.anchors = calloc(lim->anchors ? lim->anchors : 1, sizeof(*b.anchors));
	if (!b.start || !b.anchor || !b.anchors ||
	    !yaml_parser_initialize(&p)) {
		x->nomem = true;
		x->n_err++;
		ok = false;
		goto out;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (ok && !end) {
		if (!yaml_parser_parse(&p, &e))
			break; /* the loader reports it */
		ok = event(&b, &e);
		end = e.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&p);
out:
	drop_anchors(&b);
	free(b.anchors);
	free(b.anchor);
	free(b.start);
	return ok;
}
