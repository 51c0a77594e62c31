// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Flow sync's resend schedule; the reasoning is in flow_sync_resend.h. */
#include "flow_sync_resend.h"

__u64 xlb_sync_resend_period(__u32 timeout_ms, __u32 scan_ms, __u32 batch_ms)
{
	/*
	 * A walk one whole interval late (two apart) must still send the
	 * record before the previous copy idles out.
	 */
	__u64 half = timeout_ms / 2, late = 2 * (__u64)scan_ms + batch_ms;

	if (late >= timeout_ms)
		return 1;
	return half < timeout_ms - late ? half : timeout_ms - late;
}

bool xlb_sync_resend_due(__u64 age_ms, __u64 gap_ms, __u64 period)
{
	__u64 before = age_ms > gap_ms ? age_ms - gap_ms : 0;

	return period && age_ms / period > before / period;
}
