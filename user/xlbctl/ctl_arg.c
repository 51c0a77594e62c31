// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xlbctl's one wording for a wrong argument (iproute2's). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl_arg.h"

int xlbctl_arg_err(char *err, size_t errlen, const char *arg, const char *fmt,
		   ...)
{
	size_t n;
	va_list ap;

	if (!err || !errlen)
		return -EINVAL;
	snprintf(err, errlen, "argument \"%s\" is wrong: ", arg);
	n = strlen(err);
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}
