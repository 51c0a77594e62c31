/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xlbd configuration file: the structs, their lifecycle, load and dump.
 * The value vocabulary (addresses, durations, names) is in value.h.
 *
 * The file is YAML. Every key, its type, default and limits:
 *
 *   interface: eth0
 *	Required. The interface xlb attaches to (at most 15 bytes, no '/',
 *	no whitespace, not "." or "..").
 *   reply_interfaces: [eth1]
 *	Further interfaces (0..XLB_CONFIG_MAX_REPLY_IFS, 7) the program is
 *	attached to, each named once and not the interface: in a two-armed
 *	set-up, where the backends' replies to the SNAT addresses arrive
 *	(README "Two-armed"). Every packet there is handled as on the
 *	interface. Default none. A change takes a restart.
 *   xdp_mode: native
 *	native | generic. Default native.
 *   control_socket: /run/xlb/xlb.sock
 *	Unix socket xlbctl talks to. At most 107 bytes. Relative paths are
 *	taken from xlbd's working directory. Default /run/xlb/xlb.sock.
 *   pin_dir: /sys/fs/bpf/xlb
 *	bpffs directory the maps are pinned under. At most 255 bytes.
 *	Default /sys/fs/bpf/xlb.
 *   metrics_listen: ""
 *	Prometheus endpoint as "ADDR:PORT" with a numeric address, e.g.
 *	127.0.0.1:9641 or [::1]:9641 (IPv6 needs the brackets). Empty or
 *	absent: no metrics endpoint.
 *   flow_timeout_tcp: 15m
 *   flow_timeout_udp: 5m
 *   flow_timeout_closed: 1m
 *	How long a flow may stay idle (no packet from the client) before
 *	xlbd deletes it from the flow table: established TCP, UDP, and TCP
 *	after its first FIN or RST. A packet of a deleted flow is scheduled
 *	again (same backend under maglev and source-hash). Durations > 0.
 *   flow_scan_interval: 5s
 *	How often xlbd walks the flow table to expire idle flows, count
 *	active flows per backend and correct least-connections' counts.
 *	Duration > 0, default 5s.
 *   hash_seed: 0
 *	Flow hash seed, 0..4294967295 (decimal, or hex with 0x). Nodes of
 *	one cluster must share it (and their backends): then every node
 *	sends a flow to the same backend, which `xlbctl status` shows as
 *	equal ring digests. Default 0.
 *   encap_source: { ipv4: 10.0.0.1, ipv6: 2001:db8::1 }
 *	Outer source address of ipip and gue packets, per family of the
 *	backend (either key may be absent). Absent: the address the kernel
 *	would use towards the backend (its FIB). Numeric, of that family,
 *	not unspecified, multicast or broadcast.
 *   gue_port: 6080
 *	UDP destination port of gue packets, 1..65535, for every gue
 *	service (the backends' decapsulators listen on one port). Default
 *	XLB_GUE_PORT_DEFAULT (6080).
 *   announce_table: 0
 *	Kernel routing table (1..4294967295, not 253..255) that xlbd puts a
 *	/32 or /128 route through lo into for every VIP it announces; BIRD
 *	learns that table and exports it over BGP (tools/bird/). Default 0:
 *	nothing is announced.
 *   flow_sync:
 *	Optional mapping: share the flows of services with flow_sync: true
 *	with peer nodes over UDP, and insert theirs (README "Several
 *	nodes"). Keys:
 *	address: 192.0.2.1:7800
 *		Required. "ADDR:PORT" (numeric) this node receives on and
 *		sends from; its peers list it.
 *	peers: [192.0.2.2:7800, 192.0.2.3:7800]
 *		Required, 1..XLB_SYNC_MAX_PEERS (16) "ADDR:PORT", each once,
 *		not address.
 *	key_file: /etc/xlb/sync.key
 *		Required. The shared secret every node has: the file's
 *		bytes (trailing newlines dropped), 16..256 of them. Read by
 *		the loader, so a reload picks up a new key.
 *	max_rate: 100000
 *		Records per second sent and accepted, 1..10000000; beyond it
 *		records are dropped and counted. Default 100000.
 *	batch_delay: 5ms
 *		How long a record may wait for others to fill a datagram,
 *		1ms..1s. Default 5ms.
 *   snat:
 *	Optional mapping: this node's source addresses and ports for
 *	services with forwarding: nat (README "Backends you cannot touch").
 *	Keys:
 *	addresses: [10.1.0.1, 2001:db8:b::1]
 *		Required, 1..XLB_NAT_MAX_ADDRS (16) numeric addresses per
 *		family, each once: addresses this node owns, which backends
 *		route back to it.
 *	ports: 1024-65535
 *		"LOW-HIGH" or one port, 1..65535. Default 1024-65535.
 *	tcp_syn_timeout: 30s
 *	tcp_established_timeout: 2h4m
 *	tcp_closing_timeout: 10s
 *	udp_timeout: 5m
 *		Idle time after which a NAT flow ends: TCP before the
 *		client's first ACK, established, after a FIN or RST; UDP.
 *		Durations > 0, at most 24h.
 *   config_source: file
 *	file | etcd. Default file: this file is the whole config. etcd:
 *	this file is the node's bootstrap file, holding only the node's
 *	own keys (interface, reply_interfaces, xdp_mode, control_socket, pin_dir,
 *	metrics_listen, announce_table, flow_sync, snat) and etcd:; the cluster's keys
 *	(hash_seed, flow_*, new_flow_rate_limit, services) are the YAML
 *	document in the etcd key PREFIX/config, and are errors here.
 *   etcd:
 *	Mapping, with config_source: etcd only:
 *	endpoints: [http://127.0.0.1:2379]
 *		Required. 1..8 URLs (http:// or https://), < 256 bytes each,
 *		tried in turn.
 *	prefix: /xlb
 *		Key prefix: starts with '/', does not end with one, < 100
 *		bytes. Default /xlb.
 *	name: node1
 *		This node's name in PREFIX/nodes/NAME, 1..63 of
 *		[A-Za-z0-9_.-]. Default the host name.
 *	ca_file, cert_file, key_file:
 *		TLS: the CA to check etcd's certificate with, and this
 *		node's client certificate and key (both or neither).
 *   services:
 *	List of services, may be empty or absent. Each item:
 *
 *	name: web
 *		Required, unique across the file, 1..63 of [A-Za-z0-9_.-].
 *	vip: 198.18.0.100
 *		Required. Numeric IPv4 or IPv6 address; not unspecified,
 *		multicast or broadcast.
 *	port: 80
 *		Required, 1..65535.
 *	protocol: tcp
 *		tcp | udp. Default tcp. Two services may share a vip if port
 *		or protocol differ; the same (vip, port, protocol) twice is
 *		an error.
 *	scheduler: maglev
 *		maglev | source-hash | round-robin | weighted-round-robin |
 *		random | least-connections. Default maglev.
 *	forwarding: l2
 *		l2 | ipip | gue | nat (enum xlb_fwd). Default l2; a mode
 *		not implemented (xlb_fwd_supported()) is an error. nat
 *		needs an snat address of the vip's family. ipip
 *		and gue backends may be of either family.
 *	table_size: 65537
 *		Lookup table slots: a prime in 2..XLB_MAX_TABLE_SIZE
 *		(1048573), at least the number of backends. Default
 *		XLB_DEFAULT_TABLE_SIZE (65537).
 *	on_all_down: drop
 *		drop | keep_last. What to do when no backend is healthy:
 *		drop the traffic, or keep sending it to the backends last
 *		known up. Default drop.
 *	slow_start: 0s
 *		Duration over which a backend coming up ramps to its full
 *		weight. Default 0 (off).
 *	announce: true
 *		true | false. Whether this node announces the VIP (see
 *		announce_table). A VIP is announced while the program is
 *		attached, the node is not drained, and every announcing
 *		service on that VIP has at least min_up_backends backends
 *		up. Default true.
 *	min_up_backends: 1
 *		0..65535. Default 1.
 *	flow_sync: false
 *		true | false. Send the flows this node pins for the service
 *		to the flow_sync peers (which needs the top-level flow_sync
 *		mapping). Default false.
 *	health_check:
 *		Optional mapping, see below. Absent: type none.
 *	backends:
 *		List, may be empty or absent. Each item is a mapping, block
 *		or flow style ({ address: 198.18.0.11, weight: 100 }):
 *
 *		address: 198.18.0.11
 *			Required, same family as the vip (any family
 *			with ipip and gue), unique within
 *			the service.
 *		weight: 100
 *			0..65535, default 100. 0 drains the backend: no
 *			new flows, existing ones stay.
 *		port: 8080
 *			1..65535, forwarding: nat only: the port the
 *			backend listens on. Default the service port.
 *		health_check:
 *			Optional per-backend override: the keys given here
 *			replace the service's, the others are inherited.
 *
 *   health_check keys (service or backend level):
 *	type: none
 *		tcp | http | udp | none. Default none; a backend override
 *		without type inherits the service's.
 *	port: 8080
 *		1..65535. Default the service port.
 *	interval: 2s
 *		Duration > 0. Default 2s.
 *	timeout: 1s
 *		Duration > 0 and <= interval. Default 1s.
 *	rise: 2
 *		Consecutive successes to mark a backend up, 1..100. Default 2.
 *	fall: 3
 *		Consecutive failures to mark it down, 1..100. Default 3.
 *	path: /healthz
 *		http only. Must start with '/', no spaces or control
 *		characters, < 256 bytes. Default "/".
 *	host: example.org
 *		http only. Host header; default the backend address. "" in a
 *		backend override goes back to that default.
 *	expect_status: 200-399
 *		http only. A code (200), a range (200-399) or a list of either
 *		([200, 204, 300-302]), at most 8 entries, codes 100..599.
 *		Default 200-399.
 *	expect_body: ok
 *		http only. Substring the body must contain. Default none.
 *	payload: ping
 *		udp only. Datagram to send, < 256 bytes, default "ping". In a
 *		double-quoted string \x00-style escapes give control bytes;
 *		characters from U+0080 up are sent UTF-8 encoded.
 *	expect: pong
 *		udp only. Substring the reply must contain. Default none:
 *		any reply counts as up.
 *	Keys of one type under another (path with type tcp) are errors.
 *	Type-specific keys inherited by a backend that overrides the type
 *	are ignored.
 *
 * Durations: an integer or decimal number followed by ms, s, m or h, or a
 * bare number meaning seconds: "500ms", "1.5s", "2", "1m". Stored in whole
 * milliseconds (uint32, so at most ~49 days); "1.0005s" is an error.
 *
 * A key with an empty value (`slow_start:`, `~`, `null`) is the same as the
 * key being absent, so it takes its default; for a required key that is an
 * error. Unknown keys, duplicate keys, a list or mapping where a scalar is
 * expected and more than one YAML document are errors. Every error found is
 * reported, each as "FILE:LINE: reason", sorted by line.
 */
#ifndef XLB_CONFIG_H
#define XLB_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "value.h"
#include "xlb_abi.h"

#define XLB_CONFIG_CONTROL_SOCKET "/run/xlb/xlb.sock"
#define XLB_CONFIG_PIN_DIR XLB_PIN_DIR
#define XLB_CONFIG_FLOW_TCP_MS (15 * 60 * 1000)
#define XLB_CONFIG_FLOW_UDP_MS (5 * 60 * 1000)
#define XLB_CONFIG_FLOW_CLOSED_MS (60 * 1000)
#define XLB_CONFIG_FLOW_SCAN_MS 5000
#define XLB_CONFIG_WEIGHT 100
#define XLB_CONFIG_MIN_UP 1
/* flow_sync (config_sync.c) */
#define XLB_SYNC_MAX_PEERS 16
#define XLB_SYNC_ADDR_LEN 64	 /* "[v6]:port" */
#define XLB_SYNC_KEY_MIN 16	 /* bytes of the shared key */
#define XLB_SYNC_KEY_MAX 256	 /* the key file, trailing newlines dropped */
#define XLB_SYNC_MAX_RATE 100000 /* records/s, each way, default */
#define XLB_SYNC_BATCH_MS 5	 /* flush delay, default */

/*
 * Bounds on the file, refused with the line where they are passed (README,
 * "Configuration"). They hold 65,535 backends with a few keys each, and
 * keep the time to refuse a hostile file well under a second.
 */
#define XLB_CONFIG_MAX_BYTES (16 << 20) /* 16 MiB */
#define XLB_CONFIG_MAX_DEPTH 64		/* lists and mappings open */
#define XLB_CONFIG_MAX_NODES 1000000	/* scalars, lists, maps, aliases */
#define XLB_CONFIG_MAX_ANCHORS 256	/* &names */
#define XLB_CONFIG_MAX_EXPANDED 4000000 /* nodes with aliases expanded */

/*
 * The health_check keys in file order: X(NAME, "key", first, last, cmp).
 * Key i is bit i of xlb_hc_conf.set_mask (XLB_HC_SET_NAME); its value is
 * the fields first..last of struct xlb_hc_conf, which follow each other,
 * and two values compare as bytes, C strings, status ranges or payloads.
 */
#define XLB_HC_KEYS(X)                                           \
	X(TYPE, "type", type, type, BYTES)                       \
	X(PORT, "port", port, port, BYTES)                       \
	X(INTERVAL, "interval", interval_ms, interval_ms, BYTES) \
	X(TIMEOUT, "timeout", timeout_ms, timeout_ms, BYTES)     \
	X(RISE, "rise", rise, rise, BYTES)                       \
	X(FALL, "fall", fall, fall, BYTES)                       \
	X(PATH, "path", path, path, STR)                         \
	X(HOST, "host", host, host, STR)                         \
	X(STATUS, "expect_status", status_lo, n_status, STATUS)  \
	X(BODY, "expect_body", expect_body, expect_body, STR)    \
	X(PAYLOAD, "payload", payload, payload_len, PAYLOAD)     \
	X(EXPECT, "expect", expect, expect, STR)                 \
	X(VIA_TUNNEL, "via_tunnel", via_tunnel, via_tunnel, BYTES)

enum xlb_hc_key {
#define XLB_HC_KEY_INDEX(k, ...) XLB_HC_KEY_##k,
	XLB_HC_KEYS(XLB_HC_KEY_INDEX)
#undef XLB_HC_KEY_INDEX
	XLB_HC_N_KEYS
};

/* xlb_hc_conf.set_mask: keys given explicitly in the file. */
enum {
#define XLB_HC_KEY_BIT(k, ...) XLB_HC_SET_##k = 1U << XLB_HC_KEY_##k,
	XLB_HC_KEYS(XLB_HC_KEY_BIT)
#undef XLB_HC_KEY_BIT
};

/* The keys only one check type uses; the others apply to every type. */
#define XLB_HC_HTTP_KEYS                                         \
	(XLB_HC_SET_PATH | XLB_HC_SET_HOST | XLB_HC_SET_STATUS | \
	 XLB_HC_SET_BODY)
#define XLB_HC_UDP_KEYS (XLB_HC_SET_PAYLOAD | XLB_HC_SET_EXPECT)

#define XLB_HC_MAX_STATUS 8
#define XLB_HC_STR_LEN 256

/*
 * A health check. After loading every field holds its effective value
 * (defaults and inheritance applied, port resolved to the service port), so
 * consumers never look at set_mask. An empty host, expect_body or expect
 * means "not set".
 */
struct xlb_hc_conf {
	enum xlb_hc_type type;
	__u16 port;
	__u32 interval_ms;
	__u32 timeout_ms;
	__u16 rise;
	__u16 fall;
	char path[XLB_HC_STR_LEN];
	char host[XLB_HC_STR_LEN];
	/* expect_status: code c matches if lo[i] <= c <= hi[i] for some i */
	__u16 status_lo[XLB_HC_MAX_STATUS];
	__u16 status_hi[XLB_HC_MAX_STATUS];
	int n_status;
	char expect_body[XLB_HC_STR_LEN];
	char payload[XLB_HC_STR_LEN]; /* binary: see payload_len */
	size_t payload_len;
	char expect[XLB_HC_STR_LEN];
	/* ipip, gue: probe the VIP through the encapsulation (hc_tunnel.c) */
	bool via_tunnel;
	/* not a key: SO_MARK of the probes (xlbd's, via_tunnel), 0 none */
	__u32 mark;
	/*
	 * XLB_HC_SET_* of the keys given at this level. For a backend these
	 * are its overrides; the other fields were copied from the service
	 * by xlb_hc_conf_merge(), which can be rerun if the service changes.
	 */
	unsigned int set_mask;
	int line; /* of the health_check mapping, or 0 */
};

struct xlb_backend_conf {
	union xlb_addr addr;   /* unused bytes zero */
	__u8 family;	       /* enum xlb_family */
	__u32 weight;	       /* 0..65535 */
	__u16 port;	       /* nat: backend port, host order; 0: vip's */
	bool has_hc;	       /* had a health_check mapping */
	struct xlb_hc_conf hc; /* effective, after the merge */
	int line;	       /* of the backend item, or 0 */
};

struct xlb_service_conf {
	char name[64];
	union xlb_addr vip; /* unused bytes zero */
	__u8 family;	    /* enum xlb_family */
	__u16 port;	    /* host order */
	__u8 proto;	    /* IPPROTO_TCP or IPPROTO_UDP */
	enum xlb_sched sched;
	enum xlb_fwd fwd; /* forwarding: default l2 */
	__u32 table_size;
	bool keep_last; /* on_all_down: keep_last */
	__u32 slow_start_ms;
	bool announce;			   /* this node may announce the vip */
	bool flow_sync;			   /* XLB_SVC_F_SYNC */
	__u32 min_up_backends;		   /* ... while this many are up */
	struct xlb_hc_conf hc;		   /* effective, service level */
	struct xlb_backend_conf *backends; /* malloc'd, n_backends */
	size_t n_backends;
	int line; /* of the service item, or 0 */
};

enum xlb_config_source {
	XLB_CONFIG_SOURCE_FILE, /* this file holds everything */
	XLB_CONFIG_SOURCE_ETCD, /* the cluster's part is in etcd */
};

#define XLB_ETCD_CONF_MAX_ENDPOINTS 8
#define XLB_ETCD_CONF_PREFIX "/xlb"

/* config_source: etcd (config.h's schema above, "etcd:") */
struct xlb_etcd_conf {
	char endpoints[XLB_ETCD_CONF_MAX_ENDPOINTS][256];
	size_t n_endpoints;
	char prefix[128]; /* keys are PREFIX/config, PREFIX/nodes/NAME */
	char name[64];	  /* this node's; "": the host name */
	char ca_file[256], cert_file[256], key_file[256]; /* "": none */
};

#define XLB_CONFIG_MAX_REPLY_IFS 7

struct xlb_config {
	enum xlb_config_source source;
	struct xlb_etcd_conf etcd; /* source etcd only */
	char interface[IFNAMSIZ];
	/* reply_interfaces: the program is attached there too */
	char reply_ifs[XLB_CONFIG_MAX_REPLY_IFS][IFNAMSIZ];
	size_t n_reply_ifs;
	bool xdp_generic;
	char control_socket[108]; /* sizeof(sockaddr_un.sun_path) */
	char pin_dir[256];
	char metrics_listen[128]; /* "" = off */
	__u32 hash_seed;	  /* xlb_svc.hash_seed of every service */
	__u32 announce_table;	  /* 0: announcing off */
	struct xlb_encap_conf {
		union xlb_addr src4, src6; /* encap_source; zero: the FIB's */
		__u16 gue_port;		   /* host order */
	} encap;
	struct xlb_flow_conf {
		__u32 tcp_timeout_ms;	 /* idle established TCP flow */
		__u32 udp_timeout_ms;	 /* idle UDP flow */
		__u32 closed_timeout_ms; /* idle after FIN or RST */
		__u32 scan_interval_ms;	 /* flow-table walk period */
		/* new_flow_rate_limit: new entries/s per CPU, 0: unlimited */
		__u32 new_flow_limit;
	} flows;
	/* flow_sync: flows shared with peer nodes (absent: on is false) */
	struct xlb_sync_conf {
		bool on;
		char address[XLB_SYNC_ADDR_LEN]; /* bind, "ADDR:PORT" */
		char peers[XLB_SYNC_MAX_PEERS][XLB_SYNC_ADDR_LEN];
		size_t n_peers;
		char key_file[256];
		__u8 key[XLB_SYNC_KEY_MAX]; /* its bytes, read by the loader */
		size_t key_len;
		__u32 max_rate; /* records/s sent, and accepted */
		__u32 batch_ms; /* a record waits at most this to be sent */
	} sync;
	/* snat: full NAT's pool (absent: n_addrs 0) */
	struct xlb_snat_conf {
		union xlb_addr addrs[2 * XLB_NAT_MAX_ADDRS];
		__u8 families[2 * XLB_NAT_MAX_ADDRS];
		size_t n_addrs;
		__u16 port_min, port_max;
		__u32 tcp_syn_ms, tcp_est_ms, tcp_close_ms, udp_ms;
	} snat;
	struct xlb_service_conf *services; /* malloc'd, n_services */
	size_t n_services;
};

struct xlb_config_error {
	int line;  /* 1-based; 0: about the whole file */
	char *msg; /* "FILE:LINE: reason" */
};

/* Growable list of errors; zero-initialise before the first use. */
struct xlb_config_errors {
	struct xlb_config_error *v;
	size_t n;
	size_t cap;
};

/*
 * Parse and validate the file at path into *out. Returns 0, -EINVAL if the
 * file has any error (each one appended to errs, which may be NULL), or
 * -errno if it cannot be read (also appended) or memory runs out. On
 * failure *out is zeroed and owns nothing.
 */
int xlb_config_load(const char *path, struct xlb_config *out,
		    struct xlb_config_errors *errs);
/* Same, from a string; name is used in the messages in place of FILE. */
int xlb_config_load_str(const char *name, const char *yaml,
			struct xlb_config *out, struct xlb_config_errors *errs);
/* Same, from @len bytes at @buf (NULs included). */
int xlb_config_load_mem(const char *name, const char *buf, size_t len,
			struct xlb_config *out, struct xlb_config_errors *errs);
/*
 * The cluster's document of a node with config_source: etcd (name:
 * "etcd:KEY", so messages read etcd:KEY:LINE): only the shared keys
 * (hash_seed, flow_*, new_flow_rate_limit, services); the node's own keys
 * (interface, xdp_mode, control_socket, pin_dir, metrics_listen,
 * announce_table, flow_sync, snat, config_source, etcd) are errors there and are copied
 * into *out from @node, its bootstrap file as loaded.
 */
int xlb_config_load_shared(const char *name, const char *buf, size_t len,
			   const struct xlb_config *node,
			   struct xlb_config *out,
			   struct xlb_config_errors *errs);
void xlb_config_free(struct xlb_config *c);
/* Calls fn for every key the loader accepts, section by section. */
void xlb_config_keys(void (*fn)(const char *section, const char *key,
				void *ctx),
		     void *ctx);

/*
 * Write c as YAML that xlb_config_load() accepts and that loads back to a
 * config equal to c. Keys at their default are left out, except name, vip,
 * port, protocol, scheduler, backends and backend weights. Returns 0 or
 * -EIO (write error) / -EINVAL (c cannot be represented).
 */
int xlb_config_dump(const struct xlb_config *c, FILE *f);
/* Only the shared keys: what xlb_config_load_shared() reads. */
int xlb_config_dump_shared(const struct xlb_config *c, FILE *f);
/*
 * The same (only the shared keys with @shared) into a string: *buf, of
 * *len bytes and NUL-terminated, for the caller to free(). Returns 0, or
 * -ENOMEM or xlb_config_dump()'s error with *buf NULL.
 */
int xlb_config_dump_str(const struct xlb_config *c, bool shared, char **buf,
			size_t *len);

void xlb_config_errors_free(struct xlb_config_errors *e);
void xlb_config_errors_print(const struct xlb_config_errors *e, FILE *f);

/* Forwarding modes this build implements (the others are refused). */
bool xlb_fwd_supported(enum xlb_fwd fwd);
/* ipip or gue: the backend is reached by encapsulation (any family). */
bool xlb_fwd_is_encap(enum xlb_fwd fwd);
/* nat, ipip, gue: the data plane finds the next hop in the kernel's FIB. */
bool xlb_fwd_uses_fib(enum xlb_fwd fwd);

/* Defaults, for code that builds a config without a file. */
void xlb_config_init(struct xlb_config *c);
void xlb_service_conf_init(struct xlb_service_conf *s);
void xlb_backend_conf_init(struct xlb_backend_conf *b,
			   const struct xlb_service_conf *s);
/* Health check defaults; port 0 stands for the service port. */
void xlb_hc_conf_init(struct xlb_hc_conf *hc, __u16 port);
/* Copy into hc every field whose key is not in hc->set_mask from base. */
void xlb_hc_conf_merge(struct xlb_hc_conf *hc, const struct xlb_hc_conf *base);
/* The keys (XLB_HC_SET_*) whose values differ between a and b. */
unsigned int xlb_hc_conf_diff(const struct xlb_hc_conf *a,
			      const struct xlb_hc_conf *b);
/* The keys a check of type t uses: the general ones and its own. */
unsigned int xlb_hc_type_keys(enum xlb_hc_type t);

/* Deep copy (dst is overwritten, not freed) and free of one service. */
int xlb_service_conf_copy(struct xlb_service_conf *dst,
			  const struct xlb_service_conf *src);
void xlb_service_conf_free(struct xlb_service_conf *s);

/*
 * Equality of effective values: set_mask, has_hc and line numbers are
 * ignored, and so are health-check fields the check type does not use.
 * Backends compare in order, so reordering them counts as a change.
 */
bool xlb_hc_conf_equal(const struct xlb_hc_conf *a,
		       const struct xlb_hc_conf *b);
bool xlb_service_conf_equal(const struct xlb_service_conf *a,
			    const struct xlb_service_conf *b);
/* flow_sync: the same peers, key and bounds (absent: equal to absent). */
bool xlb_sync_conf_equal(const struct xlb_sync_conf *a,
			 const struct xlb_sync_conf *b);
/*
 * The keys xlbd applies only on a restart: interface, reply_interfaces (the
 * same names in order), xdp_mode, pin_dir and control_socket.
 */
bool xlb_config_restart_equal(const struct xlb_config *a,
			      const struct xlb_config *b);
/* Everything but the services. */
bool xlb_config_globals_equal(const struct xlb_config *a,
			      const struct xlb_config *b);

#endif /* XLB_CONFIG_H */
