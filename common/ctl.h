/*
 * The control socket: a Unix stream socket on which each daemon answers
 * its administrator (kamcmd's and rtpengine-ctl's role). One command line
 * in ("calls" or "calls json"), the answer out as the client reads it,
 * then the close. The daemon binary is also the client (-c).
 */
#ifndef VOFW_CTL_H
#define VOFW_CTL_H

#include <stdint.h>

#include "json.h"

#define CTL_LINE_MAX	64		/* bytes of a command line */
#define CTL_CONNS_MAX	16		/* clients at once; more are closed */
#define CTL_READ_SECS	5		/* for the whole command line */
#define CTL_WRITE_SECS	30		/* a client that stops reading */
#define CTL_BATCH	(32 * 1024)	/* bytes a producer writes at once */
#define CTL_LOW		(8 * 1024)	/* ... when less than this waits */

struct config_ctx;
struct config_setting_t;
struct event_base;
struct evbuffer;
struct ctl;

/* One command being answered: the producer's state between batches. */
struct ctl_job {
	int		 json;		/* "json" was asked */
	struct json	 j;		/* writer over the client's output */
	int		 stage;		/* the producer's own */
	uint64_t	 pos;		/* cursor into what it lists */
};

/*
 * A command: fill writes about CTL_BATCH bytes of the answer into out
 * (through job->j for JSON) and says 1 when the answer is complete, 0 to
 * be called again once the client has read most of it, -1 to cut it
 * short (out of memory).
 */
struct ctl_cmd {
	const char	*name;
	int		(*fill)(void *, struct ctl_job *, struct evbuffer *);
};

/*
 * Listen on path (mode 0660, group of user when started as root). NULL
 * when there is no socket to be had (logged once): a missing directory,
 * a live daemon already there. cmds ends with a NULL name.
 */
struct ctl	*ctl_new(struct event_base *, const char *path,
		    const char *user, const struct ctl_cmd *, void *arg);
void		 ctl_free(struct ctl *);
/*
 * Parse a command line (without its newline): a command's index in cmds,
 * json set when " json" follows; -1 when it is not one.
 */
int		 ctl_parse(const char *, const struct ctl_cmd *, int *json);
/* control.socket: an absolute path that fits a socket address, or "". */
int		 ctl_check_path(struct config_ctx *,
		    const struct config_setting_t *, void *);
/* -c and -j: ask the daemon at path ("": none); an exit status. */
int		 ctl_main(const char *progname, const char *path,
		    const struct ctl_cmd *, const char *cmd, int json);
/* The client: send cmd, copy the answer to stdout; an exit status. */
int		 ctl_client(const char *progname, const char *path,
		    const char *cmd, int json);

#endif
