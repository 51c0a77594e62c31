/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Bounds on a YAML stream, checked on libyaml's events before the stream is
 * loaded as a node tree. Without them a small file costs unbounded time:
 * libyaml's scanner slows with the square of the nesting depth (50,000
 * levels of "[" take seconds), its loader with the square of the number of
 * anchors, and a walk over the tree visits an aliased node once for every
 * alias ("billion laughs"). The check stops at the first limit passed, so
 * refusing a hostile file costs about as much as reading up to that point.
 */
#ifndef XLB_YAML_BOUNDS_H
#define XLB_YAML_BOUNDS_H

#include <stdbool.h>
#include <stddef.h>

#include "yaml_read.h"

struct yb_limits {
	int depth;	 /* lists and mappings open at once */
	size_t nodes;	 /* scalars, lists, mappings and aliases */
	size_t anchors;	 /* &names per document */
	size_t expanded; /* nodes with every alias replaced by its node */
};

/*
 * False after reporting (FILE:LINE: reason) the first limit @buf passes.
 * True if it passes none, or if it is not valid YAML: loading it reports
 * that, at the same place, having read no further than this did.
 */
bool yb_check(struct yr_ctx *x, const char *buf, size_t len,
	      const struct yb_limits *lim);

#endif /* XLB_YAML_BOUNDS_H */
