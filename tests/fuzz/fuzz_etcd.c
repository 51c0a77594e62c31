// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Fuzz target: what xlbd reads from etcd (user/lib/etcd_client.c): a
 * range reply, a line of the watch stream, base64. Input: byte 0 picks the
 * reader, the rest is the bytes as they came over HTTP.
 *
 * Properties: no sanitizer report; every reader returns 0 or -errno; a
 * reply accepted has keys NUL-terminated and values of the length said;
 * base64 accepted encodes back to what was read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "etcd_client.h"
#include "fuzz.h"

static int on_event(void *ctx, const struct xlb_etcd_kv *kv, int64_t rev)
{
	fuzz_assert(kv->key && strlen(kv->key) < (size_t)-1, "event key");
	if (kv->value)
		fuzz_assert(kv->value[kv->len] == '\0', "event value ends");
	++*(int *)ctx;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;

	if (size < 1 || size > 1 << 20)
		return 0;
	switch (data[0] % 3) {
	case 0: {
		struct xlb_etcd_kv *kvs;
		size_t nk;
		int64_t rev;
		int r = xlb_etcd_parse_range(p, n, &kvs, &nk, &rev);

		fuzz_assert(r == 0 || r == -EPROTO || r == -ENOMEM, "range");
		if (r)
			fuzz_assert(!kvs && !nk, "refused: nothing kept");
		for (size_t i = 0; i < nk; i++)
			fuzz_assert(kvs[i].key && kvs[i].value &&
					    kvs[i].value[kvs[i].len] == '\0',
				    "accepted kv");
		xlb_etcd_kvs_free(kvs, nk);
		break;
	}
	case 1: {
		bool created = false;
		int64_t rev;
		int events = 0;
		int r = xlb_etcd_parse_watch(p, n, on_event, &events, &created,
					     &rev);

		fuzz_assert(r == 0 || r == -EPROTO || r == -ENOMEM, "watch");
		break;
	}
	default: {
		char *out = NULL, *enc;
		size_t len;

		if (xlb_b64_decode(p, n, &out, &len))
			break;
		enc = xlb_b64_encode(out, len);
		fuzz_assert(enc, "encode");
		/* canonical input encodes back the same; at least same length */
		fuzz_assert(strlen(enc) == n, "length round trip");
		free(enc);
		free(out);
	}
	}
	return 0;
}
