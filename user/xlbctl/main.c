// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlbctl: command-line client of xlbd's control socket.
 *
 * Only the global options, the call and the exit code are here; commands,
 * their validation and their output are in user/xlbctl/ctl_cli.c so the unit
 * tests cover them. Exit code 0 on success, 1 on any error (wrong
 * argument, daemon unreachable, daemon refused).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "ctl_cli.h"
#include "ctl_decap.h"
#include "ctl_trace.h"
#include "ctl_watch.h"
#include "xlb_version.h"

/* After getopt_long() returned '?': say which option and why. */
static void bad_option(const char *arg)
{
	char shortopt[3] = { '-', optopt, '\0' };
	const char *why = "unknown option";

	/* In "-jx" the culprit is a letter, not the whole word. */
	if (strncmp(arg, "--", 2) && optopt)
		arg = shortopt;
	if (optopt == 's')
		why = "missing value";
	else if (optopt == 'j' || optopt == 'h' || optopt == 'V')
		why = "takes no value";
	fprintf(stderr, "Error: argument \"%s\" is wrong: %s\n", arg, why);
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct json_object *req = NULL, *resp = NULL, *data;
	const char *sock = XLB_CTL_SOCKET, *msg;
	const struct xlbctl_cmd *cmd = NULL;
	bool json = false;
	char err[512];
	int c, ret = 1;

	/*
	 * "+": stop at the command, whose own options (--weight ...) are
	 * not ours. Quiet: errors are reported in iproute2's form below.
	 */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+s:Vh", long_opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'V':
			printf("xlbctl %s (git %s)\n", XLB_VERSION,
			       XLB_GIT_REV);
			return 0;
		case 'h':
			xlbctl_usage(NULL, stdout);
			return 0;
		default:
			bad_option(argv[optind - 1]);
			return 1;
		}
	}
	if (optind == argc) {
		xlbctl_usage(NULL, stderr);
		return 1;
	}
	if (!strcmp(argv[optind], "decap")) /* local: no xlbd involved */
		return xlb_decap_cli(argc - optind, argv + optind, json,
				     stdout);
	ret = xlbctl_build_request(argc - optind, argv + optind, &cmd, &req,
				   err, sizeof(err));
	if (ret == 1) {
		xlbctl_usage(cmd, stdout);
		return 0;
	}
	if (ret) {
		fprintf(stderr, "Error: %s\n", err);
		return 1;
	}
	ret = 1;
	if (xlb_watch_opts_of(req)) { /* stats --watch: a loop of calls */
		if (xlb_watch_run(sock, req, json, stdout, err, sizeof(err)))
			fprintf(stderr, "Error: %s\n", err);
		else
			ret = 0;
		goto out;
	}
	if (xlb_trace_is(req)) { /* trace: a loop of calls */
		if (xlb_trace_run(sock, req, json, stdout, err, sizeof(err)))
			fprintf(stderr, "Error: %s\n", err);
		else
			ret = 0;
		goto out;
	}
	if (xlb_ctl_call(sock, req, &resp, XLB_CTL_TIMEOUT_MS, err,
			 sizeof(err))) {
		fprintf(stderr, "Error: %s\n", err);
		goto out;
	}
	if (!xlb_ctl_resp_ok(resp, &data, &msg)) {
		fprintf(stderr, "Error: %s\n", msg);
		goto out;
	}
	if (xlbctl_print(cmd, data, json, stdout)) {
		fprintf(stderr, "Error: writing the output: %s\n",
			strerror(errno));
		goto out;
	}
	ret = 0;
out:
	json_object_put(resp);
	json_object_put(req);
	return ret;
}
