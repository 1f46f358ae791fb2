/*
 * Configuration of hras, the outside half: the keys of hras.conf (the SIP
 * domains it serves, its public listeners, the hracs allowed to open a
 * tunnel to it, its limits), read by the table walker of common/config.h.
 */
#ifndef VOFW_HRAS_CONFIG_H
#define VOFW_HRAS_CONFIG_H

#include <stddef.h>

#include "config.h"

/* One hrac allowed to open a tunnel to hras. */
struct config_client {
	char		*id;
	char		*secret;
	char		**domains;
	size_t		 ndomains;
};

/*
 * hras's limits on what outsiders and each client may use: the per-source
 * SIP request limiter (pike.h) and per-client quotas.
 */
struct config_limits {
	int		 requests;	/* limits.requests: more than this ... */
	int		 window;	/* limits.window: ... in this many s */
	int		 ban;		/* limits.ban: bans for this many s */
	size_t		 sources;	/* limits.sources: addresses tracked */
	char		**allow;	/* limits.allow: never counted */
	size_t		 nallow;
	int		 bindings;	/* limits.bindings: per client */
	int		 lookups;	/* limits.lookups: DNS waits, per client */
};

struct hras_config {
	char			*file;
	char			*user;		/* user: who a root start becomes
						   (NULL: CONFIG_USER) */
	int			 sandbox;	/* sandbox: system call filter */
	int			 log_debug;	/* log.debug = true */
	int			 log_syslog;	/* log.syslog: to syslog, not
						   stderr (unless -d) */
	int			 log_limit_lines; /* log.limit_lines */
	int			 log_limit_interval; /* log.limit_interval, s */
	char			**domains;
	size_t			 ndomains;
	struct config_endpoint	 sip;
	struct config_sip_tcp	 sip_tcp;
	int			 timer_c;	/* sip.timer_c, seconds */
	struct config_media	 media;
	struct config_endpoint	 tunnel;
	int			 conns_max;	/* tunnel.conns_max */
	int			 unauth_max;	/* tunnel.unauth_max: not yet
						   admitted connections */
	int			 conns_per_address; /* tunnel.conns_per_address:
						   not yet admitted, one
						   address */
	int			 head_timeout;	/* tunnel.head_timeout, s for a
						   whole request head */
	int			 body_timeout;	/* tunnel.body_timeout, s for a
						   whole sized request body */
	char			*tls_cert;	/* tunnel.tls.cert, or NULL */
	char			*tls_key;	/* tunnel.tls.key */
	int			 keepalive;	/* tunnel.keepalive, seconds */
	int			 dead_after;	/* tunnel.timeout, seconds */
	size_t			 queue_max;	/* tunnel.queue_max, bytes */
	int			 batch_wait;	/* tunnel.batch_wait, µs */
	size_t			 batch_bytes;	/* tunnel.batch_bytes */
	struct config_client	*clients;
	size_t			 nclients;
	char			*upstream;	/* "host:port" or NULL */
	char			*dns_server;	/* dns.server: "ip[:port]", or
						   NULL for resolv.conf's */
	int			 dns_timeout;	/* dns.timeout, seconds */
	struct config_limits	 limits;
	struct config_hook	 hook;
	char			*control;	/* control.socket, or NULL: the
						   default; "": none */
	int			 metrics_on;	/* a metrics group is there */
	struct config_endpoint	 metrics;	/* address NULL: loopback */
};

struct hras_config *hras_config_load(const char *path, char *err, size_t);
void	 hras_config_free(struct hras_config *);
const struct config_client *hras_config_client(const struct hras_config *,
	    const char *id);
int	 hras_config_serves(const struct hras_config *, const char *domain);

#define HRAS_METRICS_PORT	9466

#endif
