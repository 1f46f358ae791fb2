/*
 * The PAC runner: a process forked at start-up, before the sandbox, that
 * runs PAC scripts (common/pac.c) for hrac. For each script it forks a
 * worker under a tighter system call filter and kills it when it runs
 * past its time limit or dies, so a script that never returns costs one
 * worker, never the daemon. hrac talks to it over a socketpair through
 * libevent, with a timer of its own in case the runner itself is stuck.
 */
#ifndef VOFW_PACD_H
#define VOFW_PACD_H

#include <stddef.h>
#include <stdint.h>

#include "pac.h"

#define PACD_URL_MAX	2048	/* bytes of the URL asked about */
#define PACD_HOST_MAX	256	/* bytes of its host */
#define PACD_TEXT_MAX	(PAC_RESULT_MAX + 512) /* an answer's text */
#define PACD_REQ_HDR	(4 * 4 + 2 * 2 + 64 + 64)
#define PACD_ANS_HDR	(4 * 3)
#define PACD_REQ_MAX	(PACD_REQ_HDR + PAC_SCRIPT_MAX + PACD_URL_MAX + \
			    PACD_HOST_MAX)
#define PACD_TIMEOUT_MIN 50	/* ms, proxy_pac_timeout's range */
#define PACD_TIMEOUT_MAX 60000

/* pacd_start's flags. */
#define PACD_FILTER	0x1	/* the runner enters its system call filter */
#define PACD_REAP	0x2	/* pacd_free kills and reaps it (a process
				   without a sandbox of its own) */

enum pacd_status {
	PACD_OK,		/* text: FindProxyForURL's answer */
	PACD_FAILED,		/* text: why the script failed */
	PACD_TIMEOUT,		/* it ran past its time; killed */
	PACD_DIED,		/* its process died; text: how */
	PACD_GONE		/* no runner (it died or does not answer) */
};

/* A request as the runner decodes it: pointers into the buffer. */
struct pacd_req {
	uint32_t	 id;
	uint32_t	 timeout_ms;
	const char	*script;
	size_t		 len;
	char		 url[PACD_URL_MAX + 1];
	char		 host[PACD_HOST_MAX + 1];
	struct pac_net	 net;
};

struct pacd_ans {
	uint32_t	 id;
	enum pacd_status status;
	char		 text[PACD_TEXT_MAX + 1];
};

struct event_base;
struct evbuffer;
struct pacd;

typedef void (*pacd_cb)(enum pacd_status, const char *, void *);

struct pacd	*pacd_start(struct event_base *, int);
int		 pacd_ask(struct pacd *, const char *, size_t, const char *,
		    const struct pac_net *, unsigned int, pacd_cb, void *);
void		 pacd_cancel(struct pacd *);
void		 pacd_free(struct pacd *);

/* The wire format, for both ends and the unit tests. */
int		 pacd_req_encode(struct evbuffer *, uint32_t, const char *,
		    size_t, const char *, const struct pac_net *, uint32_t);
int		 pacd_req_decode(const uint8_t *, size_t, struct pacd_req *);
int		 pacd_ans_encode(uint8_t *, size_t, uint32_t, enum pacd_status,
		    const char *);
int		 pacd_ans_decode(const uint8_t *, size_t, struct pacd_ans *);

#endif
