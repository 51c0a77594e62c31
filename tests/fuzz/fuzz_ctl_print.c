// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Fuzz target: xlbctl's side of the control socket, a reply's bytes (from
 * whatever answers on the socket) -> JSON -> the text printers of every
 * command (user/xlbctl/ctl_print.c). Input: byte 0 picks the printer, the
 * rest is the reply's "data" as JSON text.
 *
 * Properties: no sanitizer report; a printer returns 0 or -errno (a reply
 * missing a field is refused, not printed half or crashed on).
 */
#include <string.h>
#include <json-c/json.h>

#include "ctl_print.h"
#include "fuzz.h"

static int (*const printers[])(struct json_object *, FILE *) = {
	xlbctl_print_none,  xlbctl_print_status,  xlbctl_print_change,
	xlbctl_print_stats, xlbctl_print_config,  xlbctl_print_node,
	xlbctl_print_flows, xlbctl_print_explain, xlbctl_print_cluster,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t np = sizeof(printers) / sizeof(printers[0]);
	struct json_tokener *tok;
	struct json_object *o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (size < 1 || size > 65536)
		return 0;
	tok = json_tokener_new();
	fuzz_assert(tok, "json_tokener_new");
	o = json_tokener_parse_ex(tok, (const char *)data + 1, size - 1);
	json_tokener_free(tok);
	if (!o)
		return 0;
	f = open_memstream(&buf, &len);
	fuzz_assert(f, "open_memstream");
	r = printers[data[0] % np](o, f);
	fclose(f);
	fuzz_assert(r <= 0, "printer returned %d", r);
	free(buf);
	json_object_put(o);
	return 0;
}
