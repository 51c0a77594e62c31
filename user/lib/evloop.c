// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* epoll + timer-heap event loop. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "evloop.h"

struct io_handler {
	int fd;
	bool dead; /* removed during a dispatch batch */
	xlb_io_cb cb;
	void *ctx;
	struct io_handler *next;
};

struct xlb_timer {
	uint64_t deadline;
	uint64_t seq; /* FIFO among equal deadlines */
	size_t idx;   /* position in the heap */
	xlb_timer_cb cb;
	void *ctx;
};

struct xlb_loop {
	int epfd;
	bool stop;
	struct io_handler *handlers; /* all live and dead handlers */
	struct xlb_timer **heap;
	size_t n_timers, cap_timers;
	uint64_t seq;
};

uint64_t xlb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct xlb_loop *xlb_loop_new(void)
{
	struct xlb_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	return l;
}

static void reap_handlers(struct xlb_loop *l)
{
	struct io_handler **pp = &l->handlers;

	while (*pp) {
		struct io_handler *h = *pp;

		if (h->dead) {
			*pp = h->next;
			free(h);
		} else {
			pp = &h->next;
		}
	}
}

void xlb_loop_free(struct xlb_loop *l)
{
	if (!l)
		return;
	for (struct io_handler *h = l->handlers; h; h = h->next)
		h->dead = true;
	reap_handlers(l);
	for (size_t i = 0; i < l->n_timers; i++)
		free(l->heap[i]);
	free(l->heap);
	close(l->epfd);
	free(l);
}

static struct io_handler *find_handler(struct xlb_loop *l, int fd)
{
	for (struct io_handler *h = l->handlers; h; h = h->next)
		if (h->fd == fd && !h->dead)
			return h;
	return NULL;
}

int xlb_loop_add_fd(struct xlb_loop *l, int fd, uint32_t events, xlb_io_cb cb,
		    void *ctx)
{
	struct epoll_event ev = { .events = events };
	struct io_handler *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->fd = fd;
	h->cb = cb;
	h->ctx = ctx;
	ev.data.ptr = h;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int err = -errno;

		free(h);
		return err;
	}
	h->next = l->handlers;
	l->handlers = h;
	return 0;
}

int xlb_loop_mod_fd(struct xlb_loop *l, int fd, uint32_t events)
{
	struct io_handler *h = find_handler(l, fd);
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (!h)
		return -ENOENT;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

void xlb_loop_del_fd(struct xlb_loop *l, int fd)
{
	struct io_handler *h = find_handler(l, fd);

	if (!h)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	/* freed after the current batch: its event may still be pending */
	h->dead = true;
}

static bool timer_less(const struct xlb_timer *a, const struct xlb_timer *b)
{
	return a->deadline < b->deadline ||
	       (a->deadline == b->deadline && a->seq < b->seq);
}

static void heap_swap(struct xlb_loop *l, size_t i, size_t j)
{
	struct xlb_timer *t = l->heap[i];

	l->heap[i] = l->heap[j];
	l->heap[j] = t;
	l->heap[i]->idx = i;
	l->heap[j]->idx = j;
}

static void heap_up(struct xlb_loop *l, size_t i)
{
	while (i && timer_less(l->heap[i], l->heap[(i - 1) / 2])) {
		heap_swap(l, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct xlb_loop *l, size_t i)
{
	for (;;) {
		size_t m = i, c1 = 2 * i + 1, c2 = 2 * i + 2;

		if (c1 < l->n_timers && timer_less(l->heap[c1], l->heap[m]))
			m = c1;
		if (c2 < l->n_timers && timer_less(l->heap[c2], l->heap[m]))
			m = c2;
		if (m == i)
			return;
		heap_swap(l, i, m);
		i = m;
	}
}

struct xlb_timer *xlb_timer_add(struct xlb_loop *l, uint64_t delay_ms,
				xlb_timer_cb cb, void *ctx)
{
	struct xlb_timer *t;

	if (l->n_timers == l->cap_timers) {
		size_t cap = l->cap_timers ? l->cap_timers * 2 : 64;
		void *p = realloc(l->heap, cap * sizeof(*l->heap));

		if (!p)
			return NULL;
		l->heap = p;
		l->cap_timers = cap;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->deadline = xlb_now_ms() + delay_ms;
	t->seq = l->seq++;
	t->cb = cb;
	t->ctx = ctx;
	t->idx = l->n_timers;
	l->heap[l->n_timers++] = t;
	heap_up(l, t->idx);
	return t;
}

static void heap_remove(struct xlb_loop *l, size_t i)
{
	l->n_timers--;
	if (i != l->n_timers) {
		heap_swap(l, i, l->n_timers);
		heap_down(l, i);
		heap_up(l, i);
	}
}

void xlb_timer_cancel(struct xlb_loop *l, struct xlb_timer *t)
{
	if (!t)
		return;
	heap_remove(l, t->idx);
	free(t);
}

static void run_timers(struct xlb_loop *l)
{
	uint64_t now = xlb_now_ms();

	while (l->n_timers && l->heap[0]->deadline <= now && !l->stop) {
		struct xlb_timer *t = l->heap[0];

		heap_remove(l, 0);
		t->cb(l, t->ctx);
		free(t);
	}
}

int xlb_loop_run(struct xlb_loop *l)
{
	struct epoll_event evs[64];

	l->stop = false;
	while (!l->stop) {
		int timeout = -1, n;

		if (l->n_timers) {
			uint64_t now = xlb_now_ms(), dl = l->heap[0]->deadline;

			timeout = dl > now ? (int)(dl - now) : 0;
		}
		n = epoll_wait(l->epfd, evs, 64, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !l->stop; i++) {
			struct io_handler *h = evs[i].data.ptr;

			if (!h->dead)
				h->cb(l, h->fd, evs[i].events, h->ctx);
		}
		reap_handlers(l);
		run_timers(l);
	}
	return 0;
}

void xlb_loop_stop(struct xlb_loop *l)
{
	l->stop = true;
}
