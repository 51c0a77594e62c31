// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Weighted Maglev table construction.
 *
 * Each backend walks its own permutation of the slots (offset, offset+skip,
 * ... mod M, M prime so every slot is visited) and claims the first free
 * slot each time it is its turn, exactly as in the Maglev paper.
 *
 * Weights decide how many slots each backend gets, and whose turn it is.
 * How many: the exact share of a backend of weight w is w * size / W (W
 * the sum of the weights), rarely a whole number. The backends of one
 * weight together get their exact total rounded to a whole slot (largest
 * remainder first, so the totals add up to size), split evenly among them:
 * each backend gets its share rounded down or up, and each weight's
 * backends together are within one slot of theirs, however many they are
 * (rounding each backend alone would round all the light ones the same
 * way).
 *
 * Whose turn: time is divided into rounds; in every round each backend
 * earns weight/max_weight of a turn and takes a turn whenever its earnings
 * reach a whole one, until it has its slots. Filling in that order (the
 * heaviest first within a round, like the Maglev paper's round robin when
 * the weights are equal) is what keeps the table stable when a backend
 * comes or goes; counting the slots is what keeps the shares exact, where
 * a table that stops when it is full would leave the light backends short
 * of the turn they were due in the last round.
 *
 * Walking every backend every round would cost O(rounds * N), which blows
 * up when one weight dwarfs the rest (most rounds place almost nothing).
 * Instead backends of equal weight form a group that always fires in the
 * same rounds, and a min-heap of groups keyed by their next firing round
 * yields the turns in order: O(M log G + N log N) plus the probing, and with
 * the usual single weight the heap has one entry.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"
#include "xlb_hash.h"

/* Distinct seeds so offset and skip are independent functions of the addr. */
#define MAGLEV_SEED_OFFSET 0x6f666673U /* "offs" */
#define MAGLEV_SEED_SKIP 0x736b6970U   /* "skip" */

struct mg_be {
	union xlb_addr addr;
	__u32 id;
	__u32 weight;
	__u32 pos; /* next slot of this backend's permutation */
	__u32 skip;
	__u8 family;
};

/*
 * Backends be[first .. first + count) share one weight, hence one cadence.
 * Groups are numbered by descending weight, which also orders the turns of
 * groups firing in the same round. Each member takes quota turns and the
 * first extra members one more (slots = count * quota + extra).
 */
struct mg_group {
	__u32 weight;
	__u32 turns; /* rounds in which it has taken turns so far */
	__u32 first;
	__u32 count;
	__u32 quota;
	__u32 extra;
};

/*
 * The heap holds one key per group: next firing round above the group
 * number, so a plain integer compare orders turns and the low bits name
 * the group.
 */
struct mg_heap {
	__u64 *key;
	size_t len;
	unsigned int shift; /* bits holding the group number */
};

bool xlb_is_prime(__u32 n)
{
	__u32 i;

	if (n < 4)
		return n >= 2;
	if (n % 2 == 0 || n % 3 == 0)
		return false;
	for (i = 5; (__u64)i * i <= n; i += 6)
		if (n % i == 0 || n % (i + 2) == 0)
			return false;
	return true;
}

static size_t addr_len(__u8 family)
{
	return family == XLB_FAMILY_V4 ? 4 : 16;
}

/* Byte-wise, so the result does not depend on the host's endianness. */
static __u32 load_be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

static __u32 maglev_hash(const struct mg_be *b, __u32 seed)
{
	const __u8 *p = b->addr.bytes;
	__u32 x, y, z;

	x = y = z = seed + (__u32)addr_len(b->family);
	if (b->family == XLB_FAMILY_V4) {
		x += load_be32(p);
		XLB_JHASH_FINAL(x, y, z);
		return z;
	}
	x += load_be32(p);
	y += load_be32(p + 4);
	z += load_be32(p + 8);
	XLB_JHASH_MIX(x, y, z);
	x += load_be32(p + 12);
	XLB_JHASH_FINAL(x, y, z);
	return z;
}

static int be_addr_cmp(const void *pa, const void *pb)
{
	const struct mg_be *a = pa, *b = pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->addr.bytes, b->addr.bytes, addr_len(a->family));
}

static int be_weight_cmp(const void *pa, const void *pb)
{
	const struct mg_be *a = pa, *b = pb;

	if (a->weight != b->weight)
		return a->weight > b->weight ? -1 : 1;
	return be_addr_cmp(pa, pb);
}

/*
 * Replace the top key. The new key is the group's next turn, usually later
 * than most keys in the heap, so walk the hole down to a leaf along the
 * smaller children (no compare against the new key: fewer mispredicted
 * branches) and then float the key back up, which rarely takes a step.
 */
static void heap_replace_top(struct mg_heap *h, __u64 key)
{
	__u64 *k = h->key;
	size_t i = 0, c, n = h->len;

	while ((c = 2 * i + 1) < n) {
		c += c + 1 < n && k[c + 1] < k[c];
		k[i] = k[c];
		i = c;
	}
	while (i > 0 && k[(i - 1) / 2] > key) {
		k[i] = k[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	k[i] = key;
}

/* Drop the top key (a group that has all its slots). */
static void heap_pop(struct mg_heap *h)
{
	if (--h->len)
		heap_replace_top(h, h->key[h->len]);
}

/*
 * Key for group number gi's next turn: the first round r in which it has
 * taken turns + 1 turns, i.e. the smallest r with
 * (r + 1) * weight >= (turns + 1) * max_weight. A group takes at most
 * weight * size / W + 2 turns, so r < max_weight * size / W + 2 *
 * max_weight / weight < 2^34 and the key fits in 64 bits with the group
 * number (under 16 bits) below it.
 */
static __u64 group_key(const struct mg_heap *h, const struct mg_group *g,
		       size_t gi, __u32 max_weight)
{
	__u64 need = (__u64)(g->turns + 1) * max_weight;
	__u64 round = (need + g->weight - 1) / g->weight - 1;

	return round << h->shift | gi;
}

/* Claim the next free slot on b's permutation; one exists (caller counts). */
static void be_take_slot(struct mg_be *b, __u32 *table, __u32 size)
{
	__u32 pos = b->pos;

	while (table[pos]) {
		pos += b->skip;
		if (pos >= size)
			pos -= size;
	}
	table[pos] = b->id;
	pos += b->skip;
	if (pos >= size)
		pos -= size;
	b->pos = pos;
}

static void fill_table(struct mg_be *bes, struct mg_group *groups,
		       struct mg_heap *h, __u32 *table, __u32 size)
{
	__u64 mask = ((__u64)1 << h->shift) - 1;
	__u32 max_weight = groups[0].weight, filled = 0;

	memset(table, 0, (size_t)size * sizeof(*table));
	/* The groups' slots add up to size: the heap empties as it fills. */
	while (h->len) {
		size_t gi = h->key[0] & mask;
		struct mg_group *g = &groups[gi];
		__u32 i, end;

		end = g->first + (g->turns < g->quota ? g->count : g->extra);
		for (i = g->first; i < end; i++) {
			be_take_slot(&bes[i], table, size);
			if (++filled == size)
				return;
		}
		g->turns++;
		if (g->turns < g->quota || (g->turns == g->quota && g->extra))
			heap_replace_top(h, group_key(h, g, gi, max_weight));
		else
			heap_pop(h);
	}
}

/*
 * floor(a * m / w) and its remainder, for a <= w < 2^48 and m < 2^32,
 * without a 128-bit product: Horner over m's bits, keeping
 * (product so far) = q * w + r with r < w.
 */
static __u64 share_floor(__u64 a, __u32 m, __u64 w, __u64 *rem)
{
	__u64 q = 0, r = 0;

	for (int bit = 31; bit >= 0; bit--) {
		q <<= 1;
		r <<= 1;
		if (m >> bit & 1)
			r += a;
		while (r >= w) {
			r -= w;
			q++;
		}
	}
	*rem = r;
	return q;
}

static int u64_desc(const void *pa, const void *pb)
{
	__u64 a = *(const __u64 *)pa, b = *(const __u64 *)pb;

	return a < b ? 1 : a > b ? -1 : 0;
}

/*
 * Each group's slots: its exact share count * weight * size / wsum rounded
 * down, and one more for the groups with the largest remainders until the
 * total is size (ties to the heavier group). Then split evenly among the
 * members. tmp holds ngroups keys: remainder (< wsum < 2^48) above
 * 0xffff - group number (< 2^16), so one descending sort ranks them.
 */
static void apportion(struct mg_group *groups, size_t ngroups, __u64 wsum,
		      __u32 size, __u64 *tmp)
{
	__u64 given = 0, rem;
	size_t i;

	for (i = 0; i < ngroups; i++) {
		struct mg_group *g = &groups[i];
		__u64 share = share_floor((__u64)g->count * g->weight, size,
					  wsum, &rem);

		/* share <= size, kept in quota until the split below */
		g->quota = (__u32)share;
		given += share;
		tmp[i] = rem << 16 | (0xffff - i);
	}
	/* The remainders add up to (size - given) * wsum: fewer than ngroups. */
	qsort(tmp, ngroups, sizeof(*tmp), u64_desc);
	for (i = 0; i < size - given; i++)
		groups[0xffff - (tmp[i] & 0xffff)].quota++;
	for (i = 0; i < ngroups; i++) {
		struct mg_group *g = &groups[i];

		g->extra = g->quota % g->count;
		g->quota /= g->count;
	}
}

int xlb_maglev_build(const struct xlb_maglev_backend *be, size_t n,
		     __u32 *table, __u32 size)
{
	struct mg_heap heap = { 0 };
	struct mg_group *groups;
	struct mg_be *bes;
	size_t i, active = 0, ngroups = 0;
	__u64 wsum = 0;
	void *mem;

	if (!table || size > XLB_MAX_TABLE_SIZE || !xlb_is_prime(size))
		return -EINVAL;
	if (!n)
		return -ENOENT;
	/* More than there are ids; also keeps the counts below in 32 bits. */
	if (!be || n >= XLB_MAX_BACKENDS)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!be[i].id || (be[i].family != XLB_FAMILY_V4 &&
				  be[i].family != XLB_FAMILY_V6))
			return -EINVAL;
		if (be[i].weight)
			active++;
		wsum += be[i].weight;
	}
	/* One block: the 8-byte keys first, for their alignment. */
	mem = malloc(n * (sizeof(*heap.key) + sizeof(*groups) + sizeof(*bes)));
	if (!mem)
		return -ENOMEM;
	heap.key = mem;
	groups = (struct mg_group *)(heap.key + n);
	bes = (struct mg_be *)(groups + n);

	for (i = 0; i < n; i++) {
		memset(&bes[i], 0, sizeof(bes[i]));
		bes[i].id = be[i].id;
		bes[i].weight = be[i].weight;
		bes[i].family = be[i].family;
		memcpy(bes[i].addr.bytes, be[i].addr.bytes,
		       addr_len(be[i].family));
	}

	/*
	 * Duplicates are an error even at weight 0: the caller's set is
	 * inconsistent, and silently picking one would hide that.
	 */
	qsort(bes, n, sizeof(*bes), be_addr_cmp);
	for (i = 1; i < n; i++) {
		if (!be_addr_cmp(&bes[i - 1], &bes[i])) {
			free(mem);
			return -EINVAL;
		}
	}
	if (!active) {
		free(mem);
		return -ENOENT;
	}

	/*
	 * Heaviest first puts the weight-0 entries at the tail, out of the
	 * way; the address tie-break keeps the order independent of input.
	 */
	qsort(bes, n, sizeof(*bes), be_weight_cmp);
	for (i = 0; i < active; i++) {
		struct mg_be *b = &bes[i];
		struct mg_group *g = &groups[ngroups];

		b->pos = maglev_hash(b, MAGLEV_SEED_OFFSET) % size;
		b->skip = maglev_hash(b, MAGLEV_SEED_SKIP) % (size - 1) + 1;

		if (ngroups && groups[ngroups - 1].weight == b->weight) {
			groups[ngroups - 1].count++;
			continue;
		}
		g->weight = b->weight;
		g->turns = 0;
		g->first = i;
		g->count = 1;
		ngroups++;
	}

	apportion(groups, ngroups, wsum, size, heap.key);
	while (((size_t)1 << heap.shift) < ngroups)
		heap.shift++;
	/*
	 * Groups were made in descending weight, so their keys ascend (first
	 * round and group number both grow): already a valid min-heap. A
	 * group whose share rounds to no slot stays out.
	 */
	for (i = 0; i < ngroups; i++)
		if (groups[i].quota || groups[i].extra)
			heap.key[heap.len++] = group_key(&heap, &groups[i], i,
							 groups[0].weight);

	fill_table(bes, groups, &heap, table, size);
	free(mem);
	return 0;
}
