/*
 * The metrics endpoint (metrics = { address; port; }): a small HTTP/1.1
 * server that answers GET /metrics with what a half writes through
 * prom.h, for Prometheus to scrape. Nothing else is served: 404 for other
 * paths, 405 for other methods. Request heads go through http.c's parser
 * (bounded, fuzzed); one request per connection; at most
 * METRICS_CONNS_MAX connections, a newcomer closing the oldest one that
 * has not finished its head, so idle connections never lock a scraper
 * out.
 */
#ifndef VOFW_METRICS_H
#define VOFW_METRICS_H

#include <time.h>

struct call_ctx;
struct config_endpoint;
struct event_base;
struct evbuffer;
struct media;
struct pace;
struct metrics;
struct prom;
struct tunnel_stats;

#define METRICS_CONNS_MAX	8	/* connections at once */
#define METRICS_HEAD_SECS	5	/* for the whole request head */
#define METRICS_WRITE_SECS	10	/* a scraper that stops reading */
#define METRICS_BODY_MAX	(16 * 1024 * 1024)	/* an answer cut here
							   is a 500 */

/* Write the metrics into out: 0, or -1 (out of memory: a 500). */
typedef int	(*metrics_fill_fn)(void *, struct evbuffer *);

/*
 * Listen on ep (before the privilege drop; a NULL address is
 * CONFIG_METRICS_ADDRESS); NULL on failure (logged).
 */
struct metrics	*metrics_new(struct event_base *, const struct config_endpoint *,
		    metrics_fill_fn, void *arg);
void		 metrics_free(struct metrics *);
/* Whether a reload turns the endpoint on or off or moves it (restart). */
int		 metrics_moved(int, const struct config_endpoint *, int,
		    const struct config_endpoint *);

/*
 * The families both halves write (metrics_std.c): build and start time,
 * calls ended by cause and their voice figures (loss by place, jitter,
 * MOS), voice relayed and dropped by this half's relay, the event loop's
 * pace; calls and media may be NULL (not set up yet).
 */
void		 metrics_std_process(struct prom *, const char *daemon,
		    time_t started);
void		 metrics_std_calls(struct prom *, struct call_ctx *);
void		 metrics_std_media(struct prom *, const struct media *);
void		 metrics_std_pace(struct prom *, const struct pace *);
/*
 * One tunnel's counters as the sample of each family: a half writes
 * every family's HELP and TYPE once (metrics_std_tunnel_family), then the
 * samples of each of its tunnels (client NULL on hrac: no label; the
 * stats and lanes NULL for a client not connected).
 */
enum metrics_tunnel_family {
	METRICS_TUNNEL_BYTES,
	METRICS_TUNNEL_FRAMES,
	METRICS_TUNNEL_DROPPED,
	METRICS_TUNNEL_COPIES,
	METRICS_TUNNEL_LOSS,
	METRICS_TUNNEL_COPYING,
	METRICS_TUNNEL_FAMILIES
};
struct lanes;
void		 metrics_std_tunnel_family(struct prom *,
		    enum metrics_tunnel_family);
void		 metrics_std_tunnel(struct prom *, enum metrics_tunnel_family,
		    const char *client, const struct tunnel_stats *,
		    const struct lanes *);

#endif
