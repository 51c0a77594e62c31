/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* HTTP header helpers shared by the lab's backend server and load tool. */
#ifndef XLB_HTTP_TOKEN_H
#define XLB_HTTP_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Does the comma-separated header value v[0..len) hold tok (case-insensitive,
 * blanks around list items ignored)? E.g. "keep-alive, Upgrade" holds
 * "upgrade".
 */
bool xlb_http_has_token(const char *v, size_t len, const char *tok);

#endif /* XLB_HTTP_TOKEN_H */
