/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The daemon's one event loop: epoll for file descriptors plus one-shot
 * timers kept in a binary heap (thousands of health-check timers cost
 * O(log n) each, and the loop starts no thread).
 *
 * Callbacks may add or remove any fd or timer, including their own.
 */
#ifndef XLB_EVLOOP_H
#define XLB_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

struct xlb_loop;
struct xlb_timer;

typedef void (*xlb_io_cb)(struct xlb_loop *l, int fd, uint32_t events,
			  void *ctx);
typedef void (*xlb_timer_cb)(struct xlb_loop *l, void *ctx);

struct xlb_loop *xlb_loop_new(void);
void xlb_loop_free(struct xlb_loop *l);

int xlb_loop_add_fd(struct xlb_loop *l, int fd, uint32_t events, xlb_io_cb cb,
		    void *ctx);
int xlb_loop_mod_fd(struct xlb_loop *l, int fd, uint32_t events);
/* Stops watching fd (does not close it). */
void xlb_loop_del_fd(struct xlb_loop *l, int fd);

/* One-shot timer; returns NULL on allocation failure. */
struct xlb_timer *xlb_timer_add(struct xlb_loop *l, uint64_t delay_ms,
				xlb_timer_cb cb, void *ctx);
/* NULL-safe; a timer must not be cancelled after it has fired. */
void xlb_timer_cancel(struct xlb_loop *l, struct xlb_timer *t);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t xlb_now_ms(void);

/* Runs until xlb_loop_stop(); returns 0 or -errno. */
int xlb_loop_run(struct xlb_loop *l);
void xlb_loop_stop(struct xlb_loop *l);

#endif /* XLB_EVLOOP_H */
