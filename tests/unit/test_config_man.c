// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlb.yaml(5) against the loader: every key xlb_config_keys() reports (the
 * loader's own key tables) is documented in its section of the manual's
 * source, as a "*key:*" entry, and the manual documents no key the loader
 * refuses. Run from the top of the tree (as tests/run.sh does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "test.h"
#include "xlb_util.h"

#define MAN_SRC "user/lib/xlb.yaml.5.scd"
#define MAX_KEYS 128

/* the loader's section names and the manual's headings for them */
static const struct {
	const char *section, *heading;
} sections[] = {
	{ "top level", "# TOP LEVEL" }, { "service", "# SERVICE" },
	{ "backend", "# BACKEND" },	{ "health_check", "# HEALTH CHECK" },
	{ "flow_sync", "# FLOW SYNC" }, { "snat", "# SNAT" },
	{ "etcd", "# ETCD" },		{ "encap_source", "# ENCAP SOURCE" },
};

struct keyset {
	char v[MAX_KEYS][2][48]; /* section, key */
	int n;
};

static void add(struct keyset *ks, const char *section, const char *key)
{
	if (ks->n >= MAX_KEYS)
		return;
	snprintf(ks->v[ks->n][0], sizeof(ks->v[0][0]), "%s", section);
	snprintf(ks->v[ks->n][1], sizeof(ks->v[0][1]), "%s", key);
	ks->n++;
}

static bool has(const struct keyset *ks, const char *section, const char *key)
{
	for (int i = 0; i < ks->n; i++)
		if (!strcmp(ks->v[i][0], section) && !strcmp(ks->v[i][1], key))
			return true;
	return false;
}

static void loader_key(const char *section, const char *key, void *ctx)
{
	add(ctx, section, key);
}

/* "*key:*" entries under each known heading of the manual's source */
static int man_keys(struct keyset *ks)
{
	FILE *f = fopen(MAN_SRC, "r");
	const char *section = NULL;
	char line[512];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char key[48];
		size_t n;

		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#') {
			section = NULL;
			for (size_t i = 0; i < ARRAY_SIZE(sections); i++)
				if (!strcmp(line, sections[i].heading))
					section = sections[i].section;
			continue;
		}
		if (!section || line[0] != '*')
			continue;
		n = strcspn(line + 1, ":*");
		if (n == 0 || n >= sizeof(key) || line[1 + n] != ':' ||
		    line[2 + n] != '*')
			continue;
		memcpy(key, line + 1, n);
		key[n] = 0;
		add(ks, section, key);
	}
	fclose(f);
	return 0;
}

TEST(config_man_page_lists_every_key)
{
	static struct keyset loader, man;
	int missing = 0, extra = 0;

	loader.n = man.n = 0;
	xlb_config_keys(loader_key, &loader);
	if (!ASSERT_TRUE(loader.n > 30, "the loader reports its keys"))
		return;
	if (!ASSERT_EQ(man_keys(&man), 0,
		       "open " MAN_SRC " (run from the top of the tree)"))
		return;
	for (int i = 0; i < loader.n; i++) {
		if (has(&man, loader.v[i][0], loader.v[i][1]))
			continue;
		xlb_test_fail(__FILE__, __LINE__,
			      "xlb.yaml(5) does not document %s key '%s'",
			      loader.v[i][0], loader.v[i][1]);
		missing++;
	}
	for (int i = 0; i < man.n; i++) {
		if (has(&loader, man.v[i][0], man.v[i][1]))
			continue;
		xlb_test_fail(
			__FILE__, __LINE__,
			"xlb.yaml(5) documents %s key '%s', which the loader refuses",
			man.v[i][0], man.v[i][1]);
		extra++;
	}
	ASSERT_EQ(missing + extra, 0,
		  "keys the manual and the loader disagree on");
}
