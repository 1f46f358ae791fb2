/*
 * The calls a half knows, as its control socket lists them (ctl_calls.c).
 */
#ifndef VOFW_CTL_CALLS_H
#define VOFW_CTL_CALLS_H

struct call_ctx;
struct ctl_job;
struct evbuffer;

/* A ctl_cmd fill for "calls"; clients: say which client each is (hras). */
int	 ctl_calls(struct call_ctx *, int clients, struct ctl_job *,
	    struct evbuffer *);

#endif
