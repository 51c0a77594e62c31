// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The etcd client (user/lib/etcd_client.c) against a real etcd (Debian
 * etcd-server) that the first test needing it starts on 127.0.0.1 with a
 * data directory of its own and random ports, stopped and removed at exit;
 * and its readers of etcd's JSON on replies etcd never sends.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "etcd_client.h"
#include "evloop.h"
#include "test.h"

#define ETCD_BIN "/usr/bin/etcd"

static pid_t etcd_pid;
static char etcd_dir[64], etcd_url[64];

static void etcd_stop(void)
{
	char cmd[128];

	if (etcd_pid > 0) {
		kill(etcd_pid, SIGKILL);
		waitpid(etcd_pid, NULL, 0);
		etcd_pid = 0;
	}
	if (etcd_dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", etcd_dir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", etcd_dir);
	}
}

static struct xlb_etcd *client(const char *url, long timeout_ms)
{
	struct xlb_etcd_opts o = {
		.endpoints = { url },
		.n_endpoints = 1,
		.timeout_ms = timeout_ms,
	};

	return xlb_etcd_new(&o);
}

/* One etcd for the whole run; false (test skipped) if not installed. */
static bool etcd_up(void)
{
	static bool tried, up;
	struct xlb_etcd *e;

	if (tried) {
		if (!up)
			xlb_test_skip("etcd did not start");
		return up;
	}
	tried = true;
	if (access(ETCD_BIN, X_OK)) {
		xlb_test_skip(ETCD_BIN " missing (make deps)");
		return false;
	}
	snprintf(etcd_dir, sizeof(etcd_dir), "/tmp/xlb-etcd-unit.XXXXXX");
	if (!mkdtemp(etcd_dir)) {
		etcd_dir[0] = '\0';
		return false;
	}
	atexit(etcd_stop);
	srand(getpid() ^ time(NULL));
	for (int attempt = 0; attempt < 3 && !up; attempt++) {
		int port = 20000 + rand() % 20000;
		char curl[64], purl[64], cluster[96], data[96], log[96];
		uint64_t deadline;

		snprintf(curl, sizeof(curl), "http://127.0.0.1:%d", port);
		snprintf(purl, sizeof(purl), "http://127.0.0.1:%d", port + 1);
		snprintf(cluster, sizeof(cluster), "u=%s", purl);
		snprintf(data, sizeof(data), "%s/data%d", etcd_dir, attempt);
		snprintf(log, sizeof(log), "%s/log", etcd_dir);
		etcd_pid = fork();
		if (etcd_pid < 0)
			return false;
		if (!etcd_pid) {
			if (!freopen(log, "a", stdout) ||
			    !freopen(log, "a", stderr))
				_exit(127);
			execl(ETCD_BIN, "etcd", "--name", "u", "--data-dir",
			      data, "--listen-client-urls", curl,
			      "--advertise-client-urls", curl,
			      "--listen-peer-urls", purl,
			      "--initial-advertise-peer-urls", purl,
			      "--initial-cluster", cluster, (char *)NULL);
			_exit(127);
		}
		snprintf(etcd_url, sizeof(etcd_url), "%s", curl);
		e = client(etcd_url, 500);
		deadline = xlb_now_ms() + 15000;
		while (e && xlb_now_ms() < deadline &&
		       waitpid(etcd_pid, NULL, WNOHANG) == 0) {
			if (!xlb_etcd_put(e, "/up", "1", 1, 0, NULL)) {
				up = true;
				break;
			}
			usleep(100 * 1000);
		}
		xlb_etcd_free(e);
		if (!up) {
			kill(etcd_pid, SIGKILL);
			waitpid(etcd_pid, NULL, 0);
			etcd_pid = 0;
		}
	}
	if (!up)
		xlb_test_fail(__FILE__, __LINE__, "etcd did not start (%s/log)",
			      etcd_dir);
	return up;
}

TEST(etcd_client_put_get_prefix)
{
	static const char bin[] = { 'a', 0, (char)0xff, '\n', 'z' };
	struct xlb_etcd *e;
	struct xlb_etcd_kv kv, *kvs = NULL;
	int64_t rev = 0, wrev = 0;
	size_t n = 0;

	if (!etcd_up())
		return;
	e = client(etcd_url, 2000);
	if (!ASSERT_TRUE(e, "client"))
		return;
	if (!ASSERT_EQ(xlb_etcd_put(e, "/t1/b", bin, sizeof(bin), 0, &wrev), 0,
		       "put b") ||
	    !ASSERT_EQ(xlb_etcd_put(e, "/t1/a", "one", 3, 0, NULL), 0,
		       "put a") ||
	    !ASSERT_EQ(xlb_etcd_put(e, "/t10", "outside", 7, 0, NULL), 0,
		       "put a key with the prefix as a string prefix"))
		goto out;
	if (!ASSERT_EQ(xlb_etcd_get(e, "/t1/b", &kv, &rev), 0, "get b"))
		goto out;
	ASSERT_EQ(kv.len, sizeof(bin), "binary value length");
	ASSERT_TRUE(!memcmp(kv.value, bin, sizeof(bin)), "binary value bytes");
	ASSERT_EQ(kv.mod_revision, wrev, "mod_revision is the put's");
	ASSERT_TRUE(rev >= wrev, "store revision at least the put's");
	xlb_etcd_kv_free(&kv);
	ASSERT_EQ(xlb_etcd_get(e, "/t1/none", &kv, NULL), -ENOENT,
		  "a missing key");
	if (!ASSERT_EQ(xlb_etcd_get_prefix(e, "/t1/", &kvs, &n, NULL), 0,
		       "prefix") ||
	    !ASSERT_EQ(n, 2, "two keys under /t1/"))
		goto out;
	ASSERT_TRUE(!strcmp(kvs[0].key, "/t1/a") &&
			    !strcmp(kvs[1].key, "/t1/b"),
		    "sorted by key");
	ASSERT_TRUE(!strcmp(kvs[0].value, "one"), "value of a");
out:
	xlb_etcd_kvs_free(kvs, n);
	xlb_etcd_free(e);
}

TEST(etcd_client_cas)
{
	struct xlb_etcd *e;
	struct xlb_etcd_kv kv;
	int64_t r1 = 0, r2 = 0, r3 = 0, cur = -1;

	if (!etcd_up())
		return;
	e = client(etcd_url, 2000);
	if (!ASSERT_TRUE(e, "client"))
		return;
	/* 0: only if the key does not exist */
	ASSERT_EQ(xlb_etcd_cas(e, "/cas", "v1", 2, 0, &r1, &cur), 0,
		  "create with mod_revision 0");
	ASSERT_EQ(xlb_etcd_cas(e, "/cas", "vx", 2, 0, NULL, &cur), -ECANCELED,
		  "create again: the key exists");
	ASSERT_EQ(cur, r1, "the compare failed on the revision it has");
	ASSERT_EQ(xlb_etcd_cas(e, "/cas", "v2", 2, r1, &r2, NULL), 0,
		  "swap on the current revision");
	ASSERT_TRUE(r2 > r1, "a newer revision");
	cur = -1;
	ASSERT_EQ(xlb_etcd_cas(e, "/cas", "v3", 2, r1, &r3, &cur), -ECANCELED,
		  "swap on a stale revision");
	ASSERT_EQ(cur, r2, "says the revision now");
	ASSERT_TRUE(strstr(xlb_etcd_error(e), "changed since"), "and says why");
	if (ASSERT_EQ(xlb_etcd_get(e, "/cas", &kv, NULL), 0, "get")) {
		ASSERT_TRUE(!strcmp(kv.value, "v2"),
			    "the stale write did not land");
		xlb_etcd_kv_free(&kv);
	}
	xlb_etcd_free(e);
}

TEST(etcd_client_lease)
{
	struct xlb_etcd *e;
	struct xlb_etcd_kv kv;
	int64_t id = 0;
	long ttl = 0;

	if (!etcd_up())
		return;
	e = client(etcd_url, 2000);
	if (!ASSERT_TRUE(e, "client"))
		return;
	if (!ASSERT_EQ(xlb_etcd_lease_grant(e, 5, &id), 0, "grant") ||
	    !ASSERT_EQ(xlb_etcd_put(e, "/lease/k", "x", 1, id, NULL), 0,
		       "put on the lease"))
		goto out;
	ASSERT_EQ(xlb_etcd_lease_keepalive(e, id, &ttl), 0, "keepalive");
	ASSERT_EQ(ttl, 5, "the TTL again");
	if (ASSERT_EQ(xlb_etcd_get(e, "/lease/k", &kv, NULL), 0, "key there")) {
		ASSERT_EQ(kv.lease, id, "on the lease");
		xlb_etcd_kv_free(&kv);
	}
	ASSERT_EQ(xlb_etcd_lease_revoke(e, id), 0, "revoke");
	ASSERT_EQ(xlb_etcd_get(e, "/lease/k", &kv, NULL), -ENOENT,
		  "the key went with the lease");
	ASSERT_EQ(xlb_etcd_lease_keepalive(e, id, &ttl), -ENOENT,
		  "keepalive of a lease gone");
out:
	xlb_etcd_free(e);
}

struct events {
	int n;
	char val[4][8];
	bool deleted[4];
	int64_t rev[4];
};

static int on_event(void *ctx, const struct xlb_etcd_kv *kv, int64_t rev)
{
	struct events *ev = ctx;

	if (ev->n < 4) {
		snprintf(ev->val[ev->n], sizeof(ev->val[0]), "%s",
			 kv->value ? kv->value : "");
		ev->deleted[ev->n] = !kv->value;
		ev->rev[ev->n] = rev;
	}
	return ++ev->n == 4;
}

struct writer {
	atomic_bool *created;
	int err;
};

static void *write_three(void *arg)
{
	struct writer *w = arg;
	struct xlb_etcd *e = client(etcd_url, 2000);
	uint64_t deadline = xlb_now_ms() + 5000;

	while (!atomic_load(w->created) && xlb_now_ms() < deadline)
		usleep(10 * 1000);
	w->err = !e || !atomic_load(w->created);
	w->err = w->err ?: xlb_etcd_put(e, "/w/other", "no", 2, 0, NULL);
	w->err = w->err ?: xlb_etcd_put(e, "/w/k", "1", 1, 0, NULL);
	w->err = w->err ?: xlb_etcd_put(e, "/w/k", "2", 1, 0, NULL);
	w->err = w->err ?: xlb_etcd_put(e, "/w/k", "", 0, 0, NULL);
	w->err = w->err ?: xlb_etcd_delete(e, "/w/k");
	xlb_etcd_free(e);
	return NULL;
}

TEST(etcd_client_watch)
{
	atomic_bool stop = false, created = false;
	struct writer w = { .created = &created };
	struct events ev = {};
	struct xlb_etcd *e;
	pthread_t t;
	int r;

	if (!etcd_up())
		return;
	e = client(etcd_url, 2000);
	if (!ASSERT_TRUE(e, "client") ||
	    !ASSERT_EQ(pthread_create(&t, NULL, write_three, &w), 0, "thread"))
		return;
	r = xlb_etcd_watch(e, "/w/k", 0, on_event, &ev, &stop, &created);
	pthread_join(t, NULL);
	ASSERT_EQ(w.err, 0, "the writes");
	ASSERT_EQ(r, 1, "the watch ends with the callback's value");
	if (!ASSERT_EQ(ev.n, 4, "four events on the key, none of the other"))
		goto out;
	ASSERT_TRUE(!strcmp(ev.val[0], "1") && !strcmp(ev.val[1], "2") &&
			    !strcmp(ev.val[2], ""),
		    "values in order (the empty value too)");
	ASSERT_TRUE(!ev.deleted[2] && ev.deleted[3], "the delete is one");
	ASSERT_TRUE(ev.rev[0] < ev.rev[1] && ev.rev[1] < ev.rev[2],
		    "revisions grow");
	/* from a revision: the history since */
	ev.n = 0;
	r = xlb_etcd_watch(e, "/w/k", 1, on_event, &ev, &stop, NULL);
	ASSERT_EQ(r, 1, "a watch from revision 1 replays the events");
	ASSERT_TRUE(!strcmp(ev.val[0], "1"), "from the first");
out:
	xlb_etcd_free(e);
}

static void *stop_soon(void *arg)
{
	usleep(300 * 1000);
	atomic_store((atomic_bool *)arg, true);
	return NULL;
}

TEST(etcd_client_watch_stops)
{
	atomic_bool stop = false;
	struct events ev = {};
	struct xlb_etcd *e;
	pthread_t t;
	uint64_t t0;
	int r;

	if (!etcd_up())
		return;
	e = client(etcd_url, 2000);
	if (!ASSERT_TRUE(e, "client") ||
	    !ASSERT_EQ(pthread_create(&t, NULL, stop_soon, &stop), 0, "thread"))
		return;
	t0 = xlb_now_ms();
	r = xlb_etcd_watch(e, "/quiet", 0, on_event, &ev, &stop, NULL);
	pthread_join(t, NULL);
	ASSERT_EQ(r, 0, "stopped, not failed");
	ASSERT_RANGE(xlb_now_ms() - t0, 250, 2500,
		     "within a second and a bit of the flag");
	xlb_etcd_free(e);
}

TEST(etcd_client_endpoints)
{
	struct xlb_etcd_opts o = {
		.endpoints = { "http://127.0.0.1:1", NULL },
		.n_endpoints = 1,
		.timeout_ms = 500,
	};
	struct xlb_etcd_kv kv;
	struct xlb_etcd *e;
	uint64_t t0;

	e = xlb_etcd_new(&o);
	if (!ASSERT_TRUE(e, "client"))
		return;
	t0 = xlb_now_ms();
	ASSERT_EQ(xlb_etcd_get(e, "/x", &kv, NULL), -EHOSTUNREACH,
		  "nothing listens");
	ASSERT_TRUE(xlb_now_ms() - t0 < 2000, "bounded by the timeout");
	ASSERT_TRUE(strstr(xlb_etcd_error(e), "127.0.0.1:1"),
		    "the error names the endpoint");
	xlb_etcd_free(e);
	if (!etcd_up())
		return;
	/* a dead endpoint first: the next one answers */
	o.endpoints[1] = etcd_url;
	o.n_endpoints = 2;
	e = xlb_etcd_new(&o);
	if (!ASSERT_TRUE(e, "client"))
		return;
	ASSERT_EQ(xlb_etcd_put(e, "/ep", "1", 1, 0, NULL), 0,
		  "put through the second endpoint");
	ASSERT_TRUE(!strcmp(xlb_etcd_endpoint(e), etcd_url),
		    "which is remembered");
	xlb_etcd_free(e);
}

TEST(etcd_client_parse_refuses)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{",
		"{\"kvs\":[]}", /* no header */
		"{\"header\":{\"revision\":\"x\"}}",
		"{\"header\":{},\"kvs\":{}}",
		"{\"header\":{},\"kvs\":[{\"value\":\"eA==\"}]}", /* no key */
		"{\"header\":{},\"kvs\":[{\"key\":\"!!!!\"}]}",	  /* base64 */
		"{\"header\":{},\"kvs\":[{\"key\":\"eA\"}]}",	  /* padding */
		"{\"header\":{},\"kvs\":[{\"key\":\"YQBi\"}]}",	  /* NUL */
		"{\"header\":{},\"kvs\":[{\"key\":\"eA==\",\"mod_revision\":[]}]}",
	};
	const char *good =
		"{\"header\":{\"revision\":\"7\"},\"kvs\":[{\"key\":\"eA==\",\"mod_revision\":\"5\"}]}";
	struct xlb_etcd_kv *kvs;
	int64_t rev;
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!ASSERT_EQ(xlb_etcd_parse_range(bad[i], strlen(bad[i]),
						    &kvs, &n, &rev),
			       -EPROTO, bad[i]))
			xlb_etcd_kvs_free(kvs, n);
	ASSERT_EQ(xlb_etcd_parse_range(good, strlen(good), &kvs, &n, &rev), 0,
		  "a good reply");
	ASSERT_TRUE(n == 1 && rev == 7 && kvs[0].mod_revision == 5 &&
			    !strcmp(kvs[0].key, "x") && kvs[0].len == 0,
		    "read as sent (no value: empty)");
	xlb_etcd_kvs_free(kvs, n);
}

static int count_event(void *ctx, const struct xlb_etcd_kv *kv, int64_t rev)
{
	++*(int *)ctx;
	return 0;
}

TEST(etcd_client_parse_watch)
{
	static const char *const bad[] = {
		"{\"result\":{}}",
		"{\"result\":{\"header\":{},\"canceled\":true}}",
		"{\"result\":{\"header\":{},\"events\":{}}}",
		"{\"result\":{\"header\":{},\"events\":[{}]}}",
		"{\"result\":{\"header\":{},\"events\":[{\"type\":\"NOPE\",\"kv\":{\"key\":\"eA==\"}}]}}",
		"{\"error\":{\"message\":\"x\"}}",
	};
	const char *ok =
		"{\"result\":{\"header\":{\"revision\":\"3\"},\"events\":[{\"kv\":{\"key\":\"eA==\",\"value\":\"eQ==\"}},{\"type\":\"DELETE\",\"kv\":{\"key\":\"eA==\"}}]}}";
	bool created = false;
	int64_t rev;
	int n = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_EQ(xlb_etcd_parse_watch(bad[i], strlen(bad[i]),
					       count_event, &n, &created, &rev),
			  -EPROTO, bad[i]);
	ASSERT_EQ(n, 0, "no event from a bad line");
	ASSERT_EQ(xlb_etcd_parse_watch(ok, strlen(ok), count_event, &n,
				       &created, &rev),
		  0, "a good line");
	ASSERT_EQ(n, 2, "both events");
	ASSERT_TRUE(!created, "not a creation");
}

TEST(etcd_client_base64)
{
	const char *in = "\x00\x01\xfe\xffhello, etcd";

	for (size_t len = 0; len <= 15; len++) {
		char *enc = xlb_b64_encode(in, len), *dec = NULL;
		size_t dlen = 0;

		if (!ASSERT_TRUE(enc, "encode"))
			return;
		ASSERT_EQ(strlen(enc), (len + 2) / 3 * 4, "padded length");
		if (ASSERT_EQ(xlb_b64_decode(enc, strlen(enc), &dec, &dlen), 0,
			      "decode")) {
			ASSERT_EQ(dlen, len, "round trip length");
			ASSERT_TRUE(!memcmp(dec, in, len), "round trip bytes");
		}
		free(enc);
		free(dec);
	}
	{
		char *dec = NULL;
		size_t dlen;

		ASSERT_EQ(xlb_b64_decode("eA=a", 4, &dec, &dlen), -EINVAL,
			  "padding inside");
		ASSERT_EQ(xlb_b64_decode("e===", 4, &dec, &dlen), -EINVAL,
			  "three pads");
		ASSERT_EQ(xlb_b64_decode("eA", 2, &dec, &dlen), -EINVAL,
			  "not a multiple of 4");
	}
}
