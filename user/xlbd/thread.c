// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Starting and stopping xlbd's background threads (thread.h says which).
 */
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "thread.h"

int xlbd_thread_spawn(pthread_t *tid, const char *name, void *(*fn)(void *),
		      void *arg)
{
	sigset_t all, old;
	int err;

	/* the new thread inherits the mask in force when it is created */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(tid, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return -err;
	/* a name is only for people looking: a failure is no error */
	pthread_setname_np(*tid, name);
	return 0;
}

void xlbd_thread_init(struct xlbd_thread *t)
{
	t->running = false;
	atomic_init(&t->stop, false);
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
}

int xlbd_thread_start(struct xlbd_thread *t, const char *name,
		      void *(*fn)(void *), void *arg)
{
	int err = xlbd_thread_spawn(&t->tid, name, fn, arg);

	t->running = !err;
	return err;
}

void xlbd_thread_stop(struct xlbd_thread *t)
{
	/* under mu: a thread between its check of stop and its wait on cv
	 * would miss the signal otherwise */
	pthread_mutex_lock(&t->mu);
	atomic_store(&t->stop, true);
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	if (t->running)
		pthread_join(t->tid, NULL);
	t->running = false;
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
}

int xlbd_thread_waker_open(struct xlb_loop *l, xlb_io_cb cb, void *ctx)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = xlb_loop_add_fd(l, fd, EPOLLIN, cb, ctx);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

void xlbd_thread_waker_close(struct xlb_loop *l, int *fd)
{
	if (*fd < 0)
		return;
	xlb_loop_del_fd(l, *fd);
	close(*fd);
	*fd = -1;
}
