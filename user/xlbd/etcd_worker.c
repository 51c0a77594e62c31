// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The etcd requests a control command waits on (an xlbctl change written
 * back, cluster status) run in one worker thread with a client of its
 * own, never in the event loop: a slow or unreachable etcd holds each of
 * them for up to the request timeout per endpoint, and the loop meanwhile
 * runs the health checks, the other control requests, reloads and flow
 * sync as if etcd were fine. Jobs run one at a time in the order they
 * were submitted (a write-back builds on the revision the one before it
 * wrote, etcd_source.c); each one's done runs on the loop afterwards,
 * woken by an eventfd. The queue is bounded: each control connection has
 * at most one request waiting, and past XLBD_ETCD_JOBS_MAX it is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "etcd_client.h"
#include "log.h"
#include "thread.h"
#include "xlbd.h"

#define XLBD_ETCD_JOBS_MAX 64
#define REQUEST_MS 1500

struct job_list {
	struct xlbd_etcd_job *head, **tail;
};

struct xlbd_etcd_worker {
	struct xlbd_thread th; /* the worker; th.mu guards todo and out */
	int efd;
	struct xlb_etcd *cli;	   /* the thread's */
	struct job_list todo, out; /* (mu) */
	size_t n;		   /* submitted, not yet done (loop) */
};

static void list_init(struct job_list *q)
{
	q->head = NULL;
	q->tail = &q->head;
}

static void list_push(struct job_list *q, struct xlbd_etcd_job *j)
{
	j->next = NULL;
	*q->tail = j;
	q->tail = &j->next;
}

static struct xlbd_etcd_job *list_pop(struct job_list *q)
{
	struct xlbd_etcd_job *j = q->head;

	if (j) {
		q->head = j->next;
		if (!q->head)
			q->tail = &q->head;
	}
	return j;
}

static void *worker(void *arg)
{
	struct xlbd_etcd_worker *w = arg;
	struct xlbd_etcd_job *j;

	pthread_mutex_lock(&w->th.mu);
	while (!atomic_load(&w->th.stop)) {
		j = list_pop(&w->todo);
		if (!j) {
			pthread_cond_wait(&w->th.cv, &w->th.mu);
			continue;
		}
		pthread_mutex_unlock(&w->th.mu);
		j->work(w->cli, j);
		j->ran = true;
		pthread_mutex_lock(&w->th.mu);
		list_push(&w->out, j);
		eventfd_write(w->efd, 1);
	}
	pthread_mutex_unlock(&w->th.mu);
	return NULL;
}

/* Every job done since the last call: its done, on the loop. */
static void finish(struct xlbd *d, struct job_list *q, bool stopping)
{
	struct xlbd_etcd_job *j;

	while ((j = list_pop(q))) {
		d->etcd_worker->n--;
		j->done(d, j, stopping);
	}
}

static void on_done(struct xlb_loop *l, int fd, uint32_t events, void *ctx)
{
	struct xlbd *d = ctx;
	struct xlbd_etcd_worker *w = d->etcd_worker;
	struct job_list q;
	eventfd_t v;

	if (eventfd_read(fd, &v))
		return;
	pthread_mutex_lock(&w->th.mu);
	q = w->out;
	if (!q.head)
		q.tail = &q.head;
	list_init(&w->out);
	pthread_mutex_unlock(&w->th.mu);
	finish(d, &q, false);
}

int xlbd_etcd_worker_start(struct xlbd *d)
{
	struct xlbd_etcd_worker *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	d->etcd_worker = w;
	w->efd = -1;
	list_init(&w->todo);
	list_init(&w->out);
	xlbd_thread_init(&w->th);
	w->cli = xlbd_etcd_client(d, REQUEST_MS);
	if (!w->cli)
		return -ENOMEM;
	w->efd = xlbd_thread_waker_open(d->loop, on_done, d);
	if (w->efd < 0)
		return w->efd;
	return xlbd_thread_start(&w->th, "xlbd-etcd-jobs", worker, w);
}

int xlbd_etcd_submit(struct xlbd *d, struct xlbd_etcd_job *j)
{
	struct xlbd_etcd_worker *w = d->etcd_worker;

	if (!w || !w->th.running)
		return -ESHUTDOWN;
	if (w->n >= XLBD_ETCD_JOBS_MAX)
		return -EBUSY;
	j->ran = false;
	w->n++;
	pthread_mutex_lock(&w->th.mu);
	list_push(&w->todo, j);
	pthread_cond_signal(&w->th.cv);
	pthread_mutex_unlock(&w->th.mu);
	return 0;
}

size_t xlbd_etcd_jobs(const struct xlbd *d)
{
	return d->etcd_worker ? d->etcd_worker->n : 0;
}

void xlbd_etcd_worker_stop(struct xlbd *d)
{
	struct xlbd_etcd_worker *w = d->etcd_worker;

	if (!w)
		return;
	/* the job in hand, if any, ends within its request timeout */
	xlbd_thread_stop(&w->th);
	/* answered as they are: done, or not run (ran false) */
	finish(d, &w->out, true);
	finish(d, &w->todo, true);
	xlbd_thread_waker_close(d->loop, &w->efd);
	xlb_etcd_free(w->cli);
	free(w);
	d->etcd_worker = NULL;
}
