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
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "ctl_cli.h"
#include "ctl_decap.h"
#include "ctl_trace.h"
#include "ctl_watch.h"
#include "opts.h"
#include "xlb_util.h"
#include "xlb_version.h"

int main(int argc, char **argv)
{
	const char *sock = XLB_CTL_SOCKET, *msg;
	bool json = false;
	const struct xlb_opt opts[] = {
		{ "socket", 's', true, "PATH",
		  "xlbd's control socket (default " XLB_CTL_SOCKET ")",
		  .str = &sock },
		{ "json", 'j', false, NULL, "print the response data as JSON",
		  .flag = &json },
		{ "version", 'V', true, NULL, "version and git revision" },
		{ "help", 'h', true, NULL,
		  "this help; COMMAND --help for one command" },
	};
	/* stop at the command: its own options (--weight ...) are not ours */
	struct xlb_opts o = { "xlbctl", opts, ARRAY_SIZE(opts),
			      .stop_at_word = true };
	struct json_object *req = NULL, *resp = NULL, *data;
	const struct xlbctl_cmd *cmd = NULL;
	char err[512];
	int c, ret = 1;

	while ((c = xlb_opts_next(&o, argc, argv)) != -1) {
		switch (c) {
		case 'V':
			printf("xlbctl %s (git %s)\n", XLB_VERSION,
			       XLB_GIT_REV);
			return 0;
		case 'h':
			xlbctl_usage(NULL, &o, stdout);
			return 0;
		default: /* in iproute2's form, like the commands' errors */
			fprintf(stderr, "Error: argument \"%s\" is wrong: %s\n",
				o.bad, o.why);
			return 1;
		}
	}
	if (optind == argc) {
		xlbctl_usage(NULL, &o, stderr);
		return 1;
	}
	if (!strcmp(argv[optind], "decap")) /* local: no xlbd involved */
		return xlb_decap_cli(argc - optind, argv + optind, json,
				     stdout);
	ret = xlbctl_build_request(argc - optind, argv + optind, &cmd, &req,
				   err, sizeof(err));
	if (ret == 1) {
		xlbctl_usage(cmd, &o, stdout);
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
