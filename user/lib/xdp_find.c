// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Finding and detaching an xlb XDP program by name; see xdp_find.h. */
#include <string.h>

#include "xdp_find.h"

struct xdp_program *xlb_xdp_find(int ifindex, const char *name,
				 struct xdp_multiprog **mpp, int *err)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *p;

	*mpp = NULL;
	*err = libxdp_get_error(mp);
	if (*err || !mp)
		return NULL;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && !strcmp(xdp_program__name(p), name)) {
			*mpp = mp;
			return p;
		}
	}
	for (p = xdp_multiprog__next_prog(NULL, mp); p;
	     p = xdp_multiprog__next_prog(p, mp)) {
		if (!strcmp(xdp_program__name(p), name)) {
			*mpp = mp;
			return p;
		}
	}
	xdp_multiprog__close(mp);
	return NULL;
}

int xlb_xdp_detach(struct xdp_multiprog *mp, struct xdp_program *prog,
		   int ifindex)
{
	if (xdp_multiprog__is_legacy(mp))
		return xdp_multiprog__detach(mp);
	return xdp_program__detach(prog, ifindex,
				   xdp_multiprog__attach_mode(mp), 0);
}
