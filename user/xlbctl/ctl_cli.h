/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xlbctl's commands: command-line arguments -> validated request, and
 * response -> text. Built into libxlbctl.a with the rest of user/xlbctl/
 * but main.c, so the unit tests can exercise it; main.c only parses the
 * global options, makes the call and picks the exit code.
 *
 * Each command is one entry of a table (words, protocol command, arguments,
 * usage, request builder, text printer), so its usage, validation and
 * output are defined in one place. --json output is the response's data
 * object itself, never reformatted, so text and JSON cannot disagree on
 * what the daemon said.
 */
#ifndef XLB_CTL_CLI_H
#define XLB_CTL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

struct xlb_opts; /* opts.h */

struct xlbctl_cmd;

/*
 * Parse argv, the words after the global options ("backend", "set", "web",
 * "10.0.0.1", "--drain"), into a request ready for xlb_ctl_call().
 * Returns:
 *   0        *req (caller puts it) and *cmd are set;
 *   1        help was asked for: *cmd is the command, or NULL for the
 *            general usage; no request;
 *   -EINVAL  a wrong argument: err holds 'argument "X" is wrong: reason'
 *            (iproute2's wording; print it after "Error: "), no request;
 *   -ENOMEM  (err says so too).
 */
int xlbctl_build_request(int argc, char **argv, const struct xlbctl_cmd **cmd,
			 struct json_object **req, char *err, size_t errlen);

/*
 * Print a successful response's data: the command's text rendering, or
 * with json the data object as pretty JSON. 0, -ENOMEM or -EIO (f's
 * error indicator is set).
 */
int xlbctl_print(const struct xlbctl_cmd *cmd, struct json_object *data,
		 bool json, FILE *f);

/* Usage of cmd, or with cmd NULL the whole usage (the global options,
 * main.c's table, too). */
void xlbctl_usage(const struct xlbctl_cmd *cmd, const struct xlb_opts *globals,
		  FILE *f);

#endif /* XLB_CTL_CLI_H */
