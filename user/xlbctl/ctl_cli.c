// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlbctl's commands: argument validation into requests and text output of
 * responses. See ctl_cli.h; the protocol is in ctl.h.
 *
 * Validation here only makes a wrong argument fail fast, before anything
 * is sent; xlbd checks every request again and has the final word (it
 * alone knows, say, whether a backend's family matches its service).
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "ctl_arg.h"
#include "ctl_cli.h"
#include "ctl_print.h"
#include "ctl_watch.h"
#include "maglev.h"
#include "opts.h"
#include "xlb_abi.h"

#define MAX_POS 2  /* positional arguments of any command */
#define MAX_OPTS 3 /* options of any command */

struct xlbctl_opt {
	const char *name; /* without the leading "--" */
	bool has_arg;
};

/* A command line split against its command's spec. */
struct args {
	const struct xlbctl_cmd *cmd;
	const char *pos[MAX_POS];
	int npos;
	const char *val[MAX_OPTS];   /* value ("" for a flag), NULL: absent */
	int at[MAX_OPTS];	     /* index in argv, to name the later one */
	const char *given[MAX_OPTS]; /* as typed, for messages */
};

struct xlbctl_cmd {
	const char *word[2];	  /* "backend", "set"; [1] NULL if none */
	const char *req;	  /* protocol command */
	const char *pos[MAX_POS]; /* positional arguments, in order */
	int npos_min;		  /* how many of them are required */
	struct xlbctl_opt opts[MAX_OPTS];
	const char *usage; /* arguments, as shown in the usage */
	const char *help;  /* what it does, then any notes */
	int (*build)(const struct args *a, struct json_object *req, char *err,
		     size_t errlen);
	int (*print)(struct json_object *data, FILE *f);
};

static const char *optval(const struct args *a, const char *name)
{
	for (int i = 0; i < MAX_OPTS && a->cmd->opts[i].name; i++)
		if (!strcmp(a->cmd->opts[i].name, name))
			return a->val[i];
	return NULL;
}

static int add_str(struct json_object *o, const char *key, const char *s)
{
	return xlb_ctl_add(o, key, json_object_new_string(s));
}

static int add_int(struct json_object *o, const char *key, int64_t v)
{
	return xlb_ctl_add(o, key, json_object_new_int64(v));
}

/* Request builders: the positional count is already checked. */

static int build_none(const struct args *a, struct json_object *req, char *err,
		      size_t errlen)
{
	return 0;
}

static int build_service_add(const struct args *a, struct json_object *req,
			     char *err, size_t errlen)
{
	const char *proto_s = optval(a, "proto");
	const char *sched_s = optval(a, "scheduler");
	const char *table_s = optval(a, "table-size");
	char vip[XLB_ADDR_STRLEN];
	int proto = IPPROTO_TCP, sched = -1, ret;
	union xlb_addr addr;
	__u32 table = 0;
	__u8 family = 0;
	__u16 port = 0;

	ret = xlbctl_arg_name(a->pos[0], err, errlen);
	if (!ret)
		ret = xlbctl_arg_vip_port(a->pos[1], &addr, &family, &port, err,
					  errlen);
	if (ret)
		return ret;
	if (proto_s) {
		proto = xlb_parse_proto(proto_s);
		if (proto < 0)
			return xlbctl_arg_err(err, errlen, proto_s,
					      "protocol must be tcp or udp");
	}
	if (sched_s) {
		sched = xlbctl_arg_sched(sched_s, err, errlen);
		if (sched < 0)
			return sched;
	}
	if (table_s) {
		ret = xlbctl_arg_table_size(table_s, &table, err, errlen);
		if (ret)
			return ret;
	}
	/* Canonical form, so the daemon and its logs see one spelling. */
	if (xlb_format_addr(&addr, family, vip, sizeof(vip)))
		return xlbctl_arg_err(err, errlen, a->pos[1],
				      "cannot format VIP");
	if (add_str(req, "name", a->pos[0]) || add_str(req, "vip", vip) ||
	    add_int(req, "port", port) ||
	    add_str(req, "protocol", xlb_proto_name(proto)) ||
	    (sched >= 0 && add_str(req, "scheduler", xlb_sched_names[sched])) ||
	    (table_s && add_int(req, "table_size", table)))
		return -ENOMEM;
	return 0;
}

static int build_service_del(const struct args *a, struct json_object *req,
			     char *err, size_t errlen)
{
	int ret = xlbctl_arg_name(a->pos[0], err, errlen);

	if (ret)
		return ret;
	return add_str(req, "name", a->pos[0]);
}

/* SERVICE ADDRESS, the start of every backend command. */
static int build_backend_key(const struct args *a, struct json_object *req,
			     char *err, size_t errlen)
{
	char addr_s[XLB_ADDR_STRLEN];
	union xlb_addr addr;
	__u8 family = 0;
	int ret;

	ret = xlbctl_arg_name(a->pos[0], err, errlen);
	if (!ret)
		ret = xlbctl_arg_backend_addr(a->pos[1], &addr, &family, err,
					      errlen);
	if (ret)
		return ret;
	if (xlb_format_addr(&addr, family, addr_s, sizeof(addr_s)))
		return xlbctl_arg_err(err, errlen, a->pos[1],
				      "cannot format address");
	if (add_str(req, "service", a->pos[0]) ||
	    add_str(req, "address", addr_s))
		return -ENOMEM;
	return 0;
}

static int build_backend_add(const struct args *a, struct json_object *req,
			     char *err, size_t errlen)
{
	const char *weight_s = optval(a, "weight");
	__u32 weight;
	int ret;

	ret = build_backend_key(a, req, err, errlen);
	if (ret || !weight_s)
		return ret;
	ret = xlbctl_arg_weight(weight_s, &weight, err, errlen);
	if (ret)
		return ret;
	return add_int(req, "weight", weight);
}

static int build_backend_set(const struct args *a, struct json_object *req,
			     char *err, size_t errlen)
{
	const char *weight_s = optval(a, "weight");
	int n = 0, later = -1, ret;
	__u32 weight;

	/* Exactly one change per request: name the second one given. */
	for (int i = 0; i < MAX_OPTS; i++) {
		if (!a->val[i])
			continue;
		n++;
		if (later < 0 || a->at[i] > a->at[later])
			later = i;
	}
	if (!n)
		return xlbctl_arg_err(err, errlen, "--weight|--drain|--enable",
				      "missing: give one of them");
	if (n > 1)
		return xlbctl_arg_err(
			err, errlen, a->given[later],
			"only one of --weight, --drain and --enable");
	ret = build_backend_key(a, req, err, errlen);
	if (ret)
		return ret;
	if (weight_s) {
		ret = xlbctl_arg_weight(weight_s, &weight, err, errlen);
		if (ret)
			return ret;
		return add_int(req, "weight", weight);
	}
	return xlb_ctl_add(req, optval(a, "drain") ? "drain" : "enable",
			   json_object_new_boolean(1));
}

/*
 * Index in a->pos[] of the word right after option o ("--watch 0.5"), or
 * -1: the parser keeps only option indices, so count what precedes it.
 */
static int pos_after_opt(const struct args *a, int o)
{
	int idx = a->at[o] + 1, before = 0;

	for (int i = 0; i < MAX_OPTS && a->cmd->opts[i].name; i++) {
		bool sep;

		if (!a->val[i])
			continue;
		/* Its value is the next word unless given as --opt=value. */
		sep = a->cmd->opts[i].has_arg && !strchr(a->given[i], '=');
		if (a->at[i] == idx || (sep && a->at[i] + 1 == idx))
			return -1;
		before += (a->at[i] < idx) + (sep && a->at[i] + 1 < idx);
	}
	return idx - before < a->npos ? idx - before : -1;
}

/* stats [SERVICE] [--watch [SECONDS] [--count N]] */
static int build_stats(const struct args *a, struct json_object *req, char *err,
		       size_t errlen)
{
	const char *watch = optval(a, "watch"), *count = optval(a, "count");
	const char *service = NULL, *seconds = NULL;
	int after = watch ? pos_after_opt(a, 0 /* watch */) : -1, ret;

	if (count && !watch)
		return xlbctl_arg_err(err, errlen, "--count",
				      "only with --watch");
	/* SECONDS is a number right after --watch; anything else SERVICE. */
	for (int i = 0; i < a->npos; i++) {
		if (i == after && xlb_watch_is_seconds(a->pos[i]))
			seconds = a->pos[i];
		else if (!service)
			service = a->pos[i];
		else
			return xlbctl_arg_err(
				err, errlen, a->pos[i],
				watch ? "unexpected argument (SECONDS goes right after --watch)"
				      : "unexpected argument");
	}
	if (service) {
		ret = xlbctl_arg_name(service, err, errlen);
		if (!ret)
			ret = add_str(req, "service", service);
		if (ret)
			return ret;
	}
	return watch ? xlb_watch_attach(req, seconds, count, err, errlen) : 0;
}

/* A positive integer option in lo..hi, or absent. */
static int opt_num(const struct args *a, const char *name, long lo, long hi,
		   struct json_object *req, const char *key, char *err,
		   size_t errlen)
{
	const char *v = optval(a, name);
	char *end;
	long n;

	if (!v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi)
		return xlbctl_arg_err(err, errlen, v, "--%s must be %ld..%ld",
				      name, lo, hi);
	json_object_object_add(req, key, json_object_new_int64(n));
	return 0;
}

static int build_flows(const struct args *a, struct json_object *req, char *err,
		       size_t errlen)
{
	if (a->npos) {
		int ret = xlbctl_arg_name(a->pos[0], err, errlen);

		if (ret)
			return ret;
		json_object_object_add(req, "service",
				       json_object_new_string(a->pos[0]));
	}
	return opt_num(a, "limit", 1, XLB_MAX_FLOWS, req, "limit", err, errlen);
}

static int add_addr_port(struct json_object *req, const char *s,
			 const char *akey, const char *pkey, char *err,
			 size_t errlen)
{
	char buf[XLB_ADDR_STRLEN];
	union xlb_addr a;
	__u8 fam;
	__u16 port;
	int ret = xlbctl_arg_vip_port(s, &a, &fam, &port, err, errlen);

	if (ret)
		return ret;
	xlb_format_addr(&a, fam, buf, sizeof(buf));
	json_object_object_add(req, akey, json_object_new_string(buf));
	json_object_object_add(req, pkey, json_object_new_int(port));
	return 0;
}

static int build_explain(const struct args *a, struct json_object *req,
			 char *err, size_t errlen)
{
	const char *proto = optval(a, "proto");
	int ret;

	ret = add_addr_port(req, a->pos[0], "src", "sport", err, errlen);
	if (!ret)
		ret = add_addr_port(req, a->pos[1], "vip", "port", err, errlen);
	if (ret)
		return ret;
	if (proto) {
		if (xlb_parse_proto(proto) < 0)
			return xlbctl_arg_err(err, errlen, proto,
					      "protocol must be tcp or udp");
		json_object_object_add(req, "protocol",
				       json_object_new_string(proto));
	}
	if (optval(a, "syn"))
		json_object_object_add(req, "syn", json_object_new_boolean(1));
	return opt_num(a, "cpu", 0, 4095, req, "cpu", err, errlen);
}

static int build_trace(const struct args *a, struct json_object *req, char *err,
		       size_t errlen)
{
	const char *secs = optval(a, "seconds");
	char *end;
	double d;

	if (secs) {
		errno = 0;
		d = strtod(secs, &end);
		if (errno || end == secs || *end || !(d > 0 && d <= 86400))
			return xlbctl_arg_err(
				err, errlen, secs,
				"--seconds must be more than 0 and at most 86400");
		json_object_object_add(req, "seconds",
				       json_object_new_double(d));
	}
	if (!optval(a, "count"))
		json_object_object_add(req, "count", json_object_new_int(20));
	return opt_num(a, "count", 1, 1000000, req, "count", err, errlen)
		       ?: opt_num(a, "sample", 1, 1000000, req, "sample", err,
				  errlen);
}

static const struct xlbctl_cmd cmds[] = {
	{
		.word = { "status" },
		.req = "status",
		.usage = "",
		.help = "Services and their backends: weight, state, MAC.",
		.build = build_none,
		.print = xlbctl_print_status,
	},
	{
		.word = { "service", "add" },
		.req = "service_add",
		.pos = { "NAME", "VIP:PORT" },
		.npos_min = 2,
		.opts = { { "proto", true },
			  { "scheduler", true },
			  { "table-size", true } },
		.usage =
			"NAME VIP:PORT [--proto tcp|udp] [--scheduler NAME] [--table-size N]",
		.help = "Add a service. An IPv6 VIP goes in brackets: [2001:db8::1]:80.\n"
			"Defaults: --proto tcp, --scheduler maglev, --table-size 65537 (a prime).\n"
			"Schedulers: maglev, source-hash, round-robin, weighted-round-robin,\n"
			"random, least-connections.",
		.build = build_service_add,
		.print = xlbctl_print_change,
	},
	{
		.word = { "service", "del" },
		.req = "service_del",
		.pos = { "NAME" },
		.npos_min = 1,
		.usage = "NAME",
		.help = "Delete a service and its backends.",
		.build = build_service_del,
		.print = xlbctl_print_change,
	},
	{
		.word = { "backend", "add" },
		.req = "backend_add",
		.pos = { "SERVICE", "ADDRESS" },
		.npos_min = 2,
		.opts = { { "weight", true } },
		.usage = "SERVICE ADDRESS [--weight N]",
		.help = "Add a backend (an address, no port) to a service.\n"
			"Weight 0..65535, default 100; 0 takes no new flows.",
		.build = build_backend_add,
		.print = xlbctl_print_change,
	},
	{
		.word = { "backend", "del" },
		.req = "backend_del",
		.pos = { "SERVICE", "ADDRESS" },
		.npos_min = 2,
		.usage = "SERVICE ADDRESS",
		.help = "Remove a backend from a service.",
		.build = build_backend_key,
		.print = xlbctl_print_change,
	},
	{
		.word = { "backend", "set" },
		.req = "backend_set",
		.pos = { "SERVICE", "ADDRESS" },
		.npos_min = 2,
		.opts = { { "weight", true },
			  { "drain", false },
			  { "enable", false } },
		.usage = "SERVICE ADDRESS (--weight N | --drain | --enable)",
		.help = "Change a backend's weight, drain it (no new flows, existing\n"
			"ones stay) or enable it again after a drain.",
		.build = build_backend_set,
		.print = xlbctl_print_change,
	},
	{
		.word = { "stats" },
		.req = "stats",
		.pos = { "SERVICE", "SECONDS" },
		.npos_min = 0,
		.opts = { { "watch", false }, { "count", true } },
		.usage = "[SERVICE] [--watch [SECONDS] [--count N]]",
		.help = "Global counters, and packets, bytes and new flows per service\n"
			"and backend (only SERVICE's if given).\n"
			"--watch: rates per second, refreshed every SECONDS (default 1,\n"
			"fractions allowed) until Ctrl-C, or N times with --count; redrawn\n"
			"in place on a terminal, one block (--json: one line) per refresh\n"
			"otherwise.",
		.build = build_stats,
		.print = xlbctl_print_stats,
	},
	{
		.word = { "flows" },
		.req = "flows",
		.pos = { "SERVICE" },
		.npos_min = 0,
		.opts = { { "limit", true } },
		.usage = "[SERVICE] [--limit N]",
		.help = "The flow table (only SERVICE's if given): client, VIP,\n"
			"backend, age, idle time and state (open, closed after a FIN\n"
			"or RST, stale when its backend is gone). At most N rows\n"
			"(default 100); the last line says how many flows there are.",
		.build = build_flows,
		.print = xlbctl_print_flows,
	},
	{
		.word = { "explain" },
		.req = "explain",
		.pos = { "SRC:PORT", "VIP:PORT" },
		.npos_min = 2,
		.opts = { { "proto", true },
			  { "syn", false },
			  { "cpu", true } },
		.usage =
			"SRC_IP:SRC_PORT VIP:PORT [--proto tcp|udp] [--syn] [--cpu N]",
		.help = "Which backend a packet with this tuple would reach and why:\n"
			"a flow-table hit, or the scheduler's choice (hash and slot,\n"
			"the round-robin cursor of CPU N (default 0), the candidates of\n"
			"random and least-connections). --syn: as a TCP SYN, which is\n"
			"always scheduled afresh. IPv6: [2001:db8::1]:40000.",
		.build = build_explain,
		.print = xlbctl_print_explain,
	},
	{
		.word = { "trace" },
		.req = "trace",
		.opts = { { "count", true },
			  { "sample", true },
			  { "seconds", true } },
		.usage = "[--count N] [--sample N] [--seconds S]",
		.help = "Print packets the XDP program handles, with verdict, reason\n"
			"and backend, as they come: N of them (default 20), one in\n"
			"--sample N (default every one), for at most S seconds.\n"
			"Tracing is on only while this runs.",
		.build = build_trace,
		.print = xlbctl_print_none,
	},
	{
		.word = { "config" },
		.req = "config",
		.usage = "",
		.help = "The configuration in effect, as YAML.",
		.build = build_none,
		.print = xlbctl_print_config,
	},
	{
		.word = { "node", "drain" },
		.req = "node_drain",
		.usage = "",
		.help = "Withdraw every VIP this node announces (announce_table);\n"
			"forwarding goes on for whatever the routers still send.",
		.build = build_none,
		.print = xlbctl_print_node,
	},
	{
		.word = { "node", "undrain" },
		.req = "node_undrain",
		.usage = "",
		.help = "Announce this node's VIPs again (those whose services qualify).",
		.build = build_none,
		.print = xlbctl_print_node,
	},
	{
		.word = { "cluster", "status" },
		.req = "cluster_status",
		.usage = "",
		.help = "Every live node (config_source: etcd) side by side: the config\n"
			"revision it runs, the VIPs it announces, each service's ring\n"
			"digest and each backend's health. Disagreements (digests or\n"
			"health verdicts that differ, a service missing on a node) are\n"
			"listed last, marked '!'.",
		.build = build_none,
		.print = xlbctl_print_cluster,
	},
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static bool is_help(const char *s)
{
	return !strcmp(s, "-h") || !strcmp(s, "--help");
}

/* "service" -> "add, del" */
static void list_subcommands(const char *group, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < N_CMDS; i++)
		if (!strcmp(cmds[i].word[0], group))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
				 buf[0] ? ", " : "", cmds[i].word[1]);
}

/*
 * Find the command argv starts with; *nwords is how many words named it.
 * Returns 1 with *cmd NULL for a help request that names no command.
 */
static int find_cmd(int argc, char **argv, const struct xlbctl_cmd **cmd,
		    int *nwords, char *err, size_t errlen)
{
	bool group = false;
	char subs[64];

	*cmd = NULL;
	if (argc < 1)
		return xlbctl_arg_err(err, errlen, "COMMAND", "missing");
	if (is_help(argv[0]))
		return 1;
	for (size_t i = 0; i < N_CMDS; i++) {
		if (strcmp(cmds[i].word[0], argv[0]))
			continue;
		if (!cmds[i].word[1]) {
			*cmd = &cmds[i];
			*nwords = 1;
			return 0;
		}
		group = true;
		if (argc > 1 && !strcmp(cmds[i].word[1], argv[1])) {
			*cmd = &cmds[i];
			*nwords = 2;
			return 0;
		}
	}
	if (!group)
		return xlbctl_arg_err(err, errlen, argv[0], "unknown command");
	if (argc > 1 && is_help(argv[1]))
		return 1;
	list_subcommands(argv[0], subs, sizeof(subs));
	if (argc < 2)
		return xlbctl_arg_err(err, errlen, argv[0],
				      "missing what to do: %s", subs);
	return xlbctl_arg_err(err, errlen, argv[1], "unknown %s command (%s)",
			      argv[0], subs);
}

static const char *const global_opts[] = { "json", "socket", "s" };

/* Split argv (after the command words) by cmd's spec. 1: help asked. */
static int parse_args(const struct xlbctl_cmd *cmd, int argc, char **argv,
		      struct args *a, char *err, size_t errlen)
{
	int npos_max = 0, i, o;
	bool opts_done = false;

	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	while (npos_max < MAX_POS && cmd->pos[npos_max])
		npos_max++;
	for (i = 0; i < argc; i++) {
		const char *s = argv[i], *eq, *name;
		size_t nlen;

		if (opts_done || s[0] != '-' || !s[1]) {
			if (a->npos == npos_max)
				return xlbctl_arg_err(err, errlen, s,
						      "unexpected argument");
			a->pos[a->npos++] = s;
			continue;
		}
		if (!strcmp(s, "--")) {
			opts_done = true;
			continue;
		}
		if (is_help(s))
			return 1;
		name = s + (s[1] == '-' ? 2 : 1);
		eq = strchr(name, '=');
		nlen = eq ? (size_t)(eq - name) : strlen(name);
		for (o = 0; o < MAX_OPTS && cmd->opts[o].name; o++)
			if (s[1] == '-' && strlen(cmd->opts[o].name) == nlen &&
			    !strncmp(cmd->opts[o].name, name, nlen))
				break;
		if (o == MAX_OPTS || !cmd->opts[o].name) {
			for (size_t g = 0; g < 3; g++)
				if (strlen(global_opts[g]) == nlen &&
				    !strncmp(global_opts[g], name, nlen))
					return xlbctl_arg_err(
						err, errlen, s,
						"global options go before the command: xlbctl %s ...",
						s);
			return xlbctl_arg_err(err, errlen, s, "unknown option");
		}
		if (a->val[o])
			return xlbctl_arg_err(err, errlen, s, "given twice");
		a->at[o] = i;
		a->given[o] = s;
		if (!cmd->opts[o].has_arg) {
			if (eq)
				return xlbctl_arg_err(err, errlen, s,
						      "takes no value");
			a->val[o] = "";
		} else if (eq) {
			a->val[o] = eq + 1;
		} else if (i + 1 < argc) {
			a->val[o] = argv[++i];
		} else {
			return xlbctl_arg_err(err, errlen, s, "missing value");
		}
	}
	if (a->npos < cmd->npos_min)
		return xlbctl_arg_err(err, errlen, cmd->pos[a->npos],
				      "missing");
	return 0;
}

int xlbctl_build_request(int argc, char **argv, const struct xlbctl_cmd **cmd,
			 struct json_object **req, char *err, size_t errlen)
{
	struct json_object *r = NULL;
	struct args a;
	int nwords = 0, ret;

	*req = NULL;
	if (argc > 0 && !strcmp(argv[0], "help")) {
		/* "help [COMMAND]" */
		if (argc == 1 ||
		    find_cmd(argc - 1, argv + 1, cmd, &nwords, NULL, 0) < 0)
			*cmd = NULL;
		return 1;
	}
	ret = find_cmd(argc, argv, cmd, &nwords, err, errlen);
	if (ret)
		return ret;
	ret = parse_args(*cmd, argc - nwords, argv + nwords, &a, err, errlen);
	if (ret)
		return ret;
	r = json_object_new_object();
	if (!r || add_str(r, "cmd", (*cmd)->req)) {
		ret = -ENOMEM;
		goto out;
	}
	ret = (*cmd)->build(&a, r, err, errlen);
out:
	if (ret == -ENOMEM && err && errlen)
		snprintf(err, errlen, "out of memory");
	if (ret) {
		json_object_put(r);
		return ret;
	}
	*req = r;
	return 0;
}

int xlbctl_print(const struct xlbctl_cmd *cmd, struct json_object *data,
		 bool json, FILE *f)
{
	int ret = 0;

	if (json) {
		/* Exactly the daemon's data, for jq and scripts. */
		const char *s = json_object_to_json_string_ext(
			data, JSON_C_TO_STRING_PRETTY |
				      JSON_C_TO_STRING_SPACED |
				      JSON_C_TO_STRING_NOSLASHESCAPE);

		/* json-c would spread an empty object over two lines. */
		if (!data || (json_object_is_type(data, json_type_object) &&
			      !json_object_object_length(data)))
			s = "{}";
		if (!s)
			return -ENOMEM;
		fprintf(f, "%s\n", s);
	} else {
		ret = cmd->print(data, f);
	}
	if (!ret && (fflush(f) || ferror(f)))
		ret = -EIO;
	return ret;
}

static void cmd_name(const struct xlbctl_cmd *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", c->word[0], c->word[1] ? " " : "",
		 c->word[1] ?: "");
}

/* Prints help indented by indent, one line at a time. */
static void print_help(const char *help, int indent, FILE *f)
{
	const char *nl;

	for (; *help; help = nl + 1) {
		nl = strchrnul(help, '\n');
		fprintf(f, "%*s%.*s\n", indent, "", (int)(nl - help), help);
		if (!*nl)
			break;
	}
}

void xlbctl_usage(const struct xlbctl_cmd *cmd, const struct xlb_opts *globals,
		  FILE *f)
{
	char name[32];

	if (cmd) {
		cmd_name(cmd, name, sizeof(name));
		fprintf(f, "Usage: xlbctl [OPTIONS] %s%s%s\n\n", name,
			cmd->usage[0] ? " " : "", cmd->usage);
		print_help(cmd->help, 0, f);
		return;
	}
	fprintf(f, "Usage: xlbctl [OPTIONS] COMMAND [ARGS]\n"
		   "\n"
		   "Options (before the command):\n");
	xlb_opts_help(globals, f);
	fprintf(f, "\nCommands:\n");
	for (size_t i = 0; i < N_CMDS; i++) {
		cmd_name(&cmds[i], name, sizeof(name));
		fprintf(f, "  %s%s%s\n", name, cmds[i].usage[0] ? " " : "",
			cmds[i].usage);
		print_help(cmds[i].help, 6, f);
	}
	fputs("  decap (attach|detach|status) DEV [--vip ADDR ...] [--mode xdp|generic|tc]\n"
	      "      The backends' decapsulator for ipip and gue services, on this\n"
	      "      host (no xlbd involved): xlbctl decap --help\n",
	      f);
	fputs("\nA wrong argument is reported as 'argument \"X\" is wrong' and nothing is sent.\n",
	      f);
}
