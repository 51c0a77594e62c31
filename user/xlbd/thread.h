/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xlbd's background threads (thread.c): the etcd watch, the etcd job
 * worker, the cluster publisher and the config reload. Each is started
 * the same way (named, every signal blocked) and the long-lived ones are
 * stopped the same way (flag set under their lock, woken, joined); those
 * that hand results back to the event loop do it through a waker.
 */
#ifndef XLBD_THREAD_H
#define XLBD_THREAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "evloop.h"

/* A long-lived thread and the lock and condition its owner shares with it. */
struct xlbd_thread {
	pthread_t tid;
	bool running;	    /* started and not yet joined (loop) */
	pthread_mutex_t mu; /* the owner's state shared with the thread */
	pthread_cond_t cv;  /* wakes the thread: work, or stop */
	atomic_bool stop; /* set by xlbd_thread_stop(); read under mu or not */
};

/*
 * Starts fn(arg) as the thread NAME (shown by ps -L and top; the kernel
 * keeps 15 bytes) with every signal blocked: xlbd's signals reach the event
 * loop's signalfd only, never a thread that would not read it. 0 or -errno.
 */
int xlbd_thread_spawn(pthread_t *tid, const char *name, void *(*fn)(void *),
		      void *arg);

/* mu and cv ready, stop false; nothing runs yet. */
void xlbd_thread_init(struct xlbd_thread *t);
/* xlbd_thread_spawn() into t; running once started. 0 or -errno. */
int xlbd_thread_start(struct xlbd_thread *t, const char *name,
		      void *(*fn)(void *), void *arg);
/* stop set under mu, the thread woken and joined if it runs; then mu and
 * cv released (the owner takes mu no more). */
void xlbd_thread_stop(struct xlbd_thread *t);

/*
 * A thread hands results back to the event loop by writing an eventfd
 * (eventfd_write) that the loop watches with cb. The fd, or -errno with
 * nothing left open.
 */
int xlbd_thread_waker_open(struct xlb_loop *l, xlb_io_cb cb, void *ctx);
/* *fd no longer watched, closed and set to -1; nothing if *fd < 0. */
void xlbd_thread_waker_close(struct xlb_loop *l, int *fd);

#endif
