/*
 * hrac, the inside half (paper 3.1): keeps the HTTP tunnel to hras open
 * through whatever proxy the LAN has. This header ties its modules
 * together: the daemon context (struct hrac), the tunnel's HTTP
 * connections (hrac_link.c) and the tunnel session (hrac_session.c). Each
 * layer calls the one below it directly and hears from it only through a
 * callback struct: a link reports to hrac_link_cb, the session hands
 * records up through hrac_session_cb.
 */
#ifndef VOFW_HRAC_H
#define VOFW_HRAC_H

#include <stdint.h>
#include <time.h>

#include "auth.h"
#include "config.h"
#include "hrac_config.h"
#include "http.h"
#include "pace.h"
#include "recent.h"
#include "tunnel.h"

struct bufferevent;
struct event;
struct event_base;
struct evbuffer;
struct evdns_base;
struct hook;
struct hrac;
struct hrac_discover;
struct hrac_link;
struct hrac_sip;
struct osip_message;
struct osip_uri;
struct sip_addr;
struct ssl_ctx_st;
struct x509_st;
struct tunnel;

#define HRAC_CHUNK_MAX		(64 * 1024)
#define HRAC_HIGH_WATER		(256 * 1024)
#define HRAC_READ_MAX		(64 * 1024)	/* a tunnel body per turn */
#define HRAC_PROBE_TIMEOUT	5	/* seconds for hras's answer, once both
				   links have sent their requests */
#define HRAC_CONNECT_TIMEOUT	10
#define HRAC_LANE_RETRY		5	/* seconds before a lane beyond the
					   first is opened again */

enum hrac_link_role {
	LINK_CTRL,		/* handshake requests */
	LINK_DOWN,		/* GETs carrying frames to hrac */
	LINK_UP			/* POSTs carrying frames to hras */
};

enum hrac_link_state {
	LINK_CONNECTING,	/* TCP to the proxy or the server */
	LINK_PROXY_CONNECT,	/* CONNECT sent, waiting for the proxy */
	LINK_TLS,		/* TLS handshake with hras */
	LINK_IDLE,		/* ready for a request */
	LINK_WAIT_HEAD,		/* request sent, waiting for the response */
	LINK_BODY,		/* reading the response body */
	LINK_PROXY_AUTH,	/* authenticating the connection: HEAD sent */
	LINK_AUTH_DRAIN,	/* reading a 407's body before answering */
	LINK_CLOSED		/* the connection closed after a response:
				   the next request opens a new one */
};

/* What a link reports up; it does not know what it carries. */
struct hrac_link_cb {
	/* Connected (through the proxy and TLS): ready for a request. */
	void	(*ready)(void *, struct hrac_link *);
	/* Response body bytes wait in l->body; done once it has ended. */
	void	(*body)(void *, struct hrac_link *, int done);
	/* The link failed; the callee frees it. */
	void	(*error)(void *, struct hrac_link *, const char *why);
	/* Output drained below the low-water mark: room for more. */
	void	(*drained)(void *, struct hrac_link *);
	/* Optional: a response head is in l->msg, before it is acted on. */
	void	(*head)(void *, struct hrac_link *);
	void	*arg;
};

/* Where the session hands the records it opens. */
struct hrac_session_cb {
	/* The tunnel came (back) up: hras may have forgotten everything. */
	void	(*up)(void *);
	void	(*sip)(void *, uint32_t flow, const uint8_t *, size_t);
	void	(*media)(void *, unsigned int type, uint32_t flow,
		    const uint8_t *, size_t);
	/* Optional: every control record from hras (the path doctor's
	   probe answers). */
	void	(*control)(void *, const uint8_t *, size_t);
	/* Optional: this attempt failed or the tunnel went down, and why;
	   the session retries after its back-off. */
	void	(*lost)(void *, const char *why);
	/* Optional: proxy = "auto" found this attempt's proxy (has_proxy,
	   proxy; auto_line says which and why). */
	void	(*discovered)(void *);
	void	*arg;
};

/*
 * How a link gets its connection. Without one (connect NULL) it is a
 * socket towards the proxy, or hras when there is none; the unit tests
 * hand it one end of a bufferevent pair whose other end hras adopts.
 */
struct hrac_connector {
	/* A connected bufferevent on base, or NULL on failure. */
	struct bufferevent *(*connect)(void *, struct event_base *);
	void	*arg;
};

/* A link's proxy authentication handshake (hrac_proxyauth.c). */
struct hrac_pauth {
	enum proxy_auth_method	 scheme;	/* AUTO: none chosen yet */
	int			 round;		/* tokens sent on this
						   connection */
	void			*gss;		/* its GSSAPI context */
	int			 gss_complete;
};

/* The session's proxy credentials and scheme (hrac_proxyauth.c). */
struct hrac_pauth_conf {
	enum proxy_auth_method	 method;	/* configured */
	enum proxy_auth_method	 learnt;	/* auto: chosen from a 407 */
	char			 user[128];
	char			 password[128];
	char			 domain[128];
	char			 workstation[64];
	int			 gss_failed;	/* no Kerberos credentials */
	int			 basic_said;
};

/*
 * One HTTP client of the tunnel towards hras, over one connection at a
 * time: when the proxy closes it after a response (HTTP/1.0, Connection:
 * close, or an idle-closing proxy), the next request goes on a new one.
 */
struct hrac_link {
	struct hrac_session	*s;
	struct bufferevent	*bev;
	struct event		*start_ev;	/* connector's: go on */
	enum hrac_link_role	 role;
	int			 lane;		/* of the session's lanes */
	uint64_t		 rx_last;	/* last frame it carried */
	struct lanes_tcp	 tcp;		/* its connection's losses */
	enum hrac_link_state	 state;
	struct http_msg		*msg;
	struct http_chunked	 chunked;
	int			 body_chunked;
	int64_t			 body_left;	/* -1: until the close */
	struct evbuffer		*body;
	int			 streaming;	/* our chunked body is open */
	int			 req_body;	/* the request had a body */
	struct hrac_pauth	 pa;		/* proxy authentication */
	char			*auth_line;	/* the next Proxy-Authorization,
						   while a 407 is drained */
	struct evbuffer		*req;		/* last complete request, to
						   send again on a new
						   connection */
	int			 pending;	/* req waits for a connection */
	struct timespec		 sent_at;	/* req went out (monotonic) */
	unsigned int		 served;	/* responses on this
						   connection */
	struct x509_st		*peer;		/* the server's certificate,
						   when it failed to verify */
};

/*
 * One lane of the tunnel: a downstream GET and an upstream POST (each with
 * its renewal). Every lane carries the same frames; the first is the one
 * probed and, in poll mode, the only one.
 */
struct hrac_lane {
	struct hrac_link	*down;
	struct hrac_link	*down_next;	/* renewal, read after down */
	struct hrac_link	*up;
	struct hrac_link	*up_old;	/* renewed, awaiting answer */
	time_t			 down_since;
	time_t			 up_since;
	time_t			 wrote;		/* last batch into its up */
	uint64_t		 took;		/* that batch's id (recent.h) */
};

enum hrac_session_state {
	SESSION_WAIT,		/* back-off before the next attempt */
	SESSION_CHALLENGE,
	SESSION_OPEN,
	SESSION_PROBE,		/* stream links open, probing the path */
	SESSION_UP
};

/* The tunnel session with hras: admission, then the data links. */
struct hrac_session {
	struct hrac		*h;
	struct evdns_base	*dns;
	struct ssl_ctx_st	*ssl;
	struct config_url	 server;
	struct config_url	 proxy;
	int			 has_proxy;
	int			 auto_proxy;	/* proxy = "auto": found at
						   each attempt */
	struct hrac_discover	*disc;		/* finding it */
	char			 auto_last[300]; /* the last one found */
	char			 auto_good[300]; /* the last a tunnel came
						    up through ("DIRECT") */
	char			 auto_line[600]; /* and where from */
	struct tunnel		*tun;
	enum hrac_session_state	 state;
	uint64_t		 ups;		/* times it came up */
	enum tunnel_mode	 mode;		/* stream or poll once chosen */
	struct hrac_link	*ctrl;
	struct hrac_lane	 lane[TUNNEL_LANES];	/* 0: probed, polls */
	time_t			 lane_retry;	/* reopen a later lane then */
	struct evbuffer		*copy;		/* frames for another lane */
	struct lanes		 lanes;		/* when later lanes take them */
	struct recent		 recent;	/* for a lane that joins */
	int			 copying;	/* as last logged */
	int			 post_inflight;
	uint64_t		 posts;		/* poll-mode POSTs sent */
	unsigned int		 probe_links;	/* links whose request is out */
	char			 sid[2 * AUTH_SIDLEN + 1];
	char			 snonce[2 * AUTH_CHALLENGELEN + 1];
	struct crypto_kx	 kx;		/* ours, during admission */
	uint8_t			 req_key[CRYPTO_KEYLEN];
	uint64_t		 req;
	double			 backoff;
	time_t			 last_rx;
	time_t			 last_tx;
	struct event		*retry_ev;
	struct event		*probe_ev;
	struct event		*timer_ev;
	struct hrac_pauth_conf	 pa;		/* proxy authentication */
	struct hrac_link_cb	 link_cb;	/* what its links report */
	struct hrac_connector	 connector;	/* how they connect */
	struct hrac_session_cb	 cb;		/* records, up; set by main */
};

/* The daemon: its loop, its configuration and the parts it owns. */
struct hrac {
	struct event_base	*base;
	struct pace		 pace;		/* of its loop */
	struct hrac_config	*conf;		/* swapped on reload */
	struct hrac_session	 session;
	struct hrac_sip		*sip;
	struct hook		*hook;
	struct ctl		*ctl;		/* control socket, or NULL */
	struct metrics		*metrics;	/* endpoint, or NULL */
	struct pacd		*pacd;		/* runs PAC files, or NULL */
	int			 daemon;	/* the daemon (no runner of its
						   own: it may not fork) */
};

/* hrac_ctl.c */
#define HRAC_CTL_SOCKET	"/run/vofw/hrac.sock"
struct ctl;
struct daemon_args;
struct ctl	*hrac_ctl_new(struct hrac *);
int	 hrac_ctl_client(const struct hrac_config *, const struct daemon_args *);

/* hrac_metrics.c */
struct metrics;
struct metrics	*hrac_metrics_new(struct hrac *);
/* hrac_discover.c */
int	 hrac_discover_start(struct hrac_session *);
void	 hrac_discover_free(struct hrac_discover *);

/* hrac_doctor.c */
int	 hrac_doctor(struct hrac_config *, const struct daemon_args *);

/* hrac_link.c */
struct hrac_link *hrac_link_new(struct hrac_session *, enum hrac_link_role);
void	 hrac_link_free(struct hrac_link *);
int	 hrac_link_can_send(const struct hrac_link *);
int	 hrac_link_request(struct hrac_link *, const char *method,
	    const char *target, const void *body, size_t len, int chunked);
int	 hrac_link_write_chunk(struct hrac_link *, struct evbuffer *);
void	 hrac_link_end_chunks(struct hrac_link *);
size_t	 hrac_link_output(const struct hrac_link *);
void	 hrac_link_fail(struct hrac_link *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* hrac_tls.c */
int	 hrac_tls_pinned(struct hrac_link *);
void	 hrac_tls_not_pinned(struct hrac_link *);
void	 hrac_tls_failed(struct hrac_link *, short);
struct ssl_ctx_st *hrac_tls_ctx(const struct hrac_config *);

/* hrac_proxyauth.c */
#define HRAC_PAUTH_LINE_MAX	8400	/* a Proxy-Authorization line */
int	 hrac_proxyauth_init(struct hrac_session *, const struct hrac_config *);
void	 hrac_proxyauth_free(struct hrac_session *);
int	 hrac_proxyauth_preflight(const struct hrac_link *);
int	 hrac_proxyauth_per_request(const struct hrac_link *);
int	 hrac_proxyauth_header(struct hrac_link *, char *, size_t, char *,
	    size_t);
int	 hrac_proxyauth_next(struct hrac_link *, const struct http_msg *,
	    char *, size_t, char *, size_t);
void	 hrac_proxyauth_done(struct hrac_link *);

/* hrac_session.c */
int	 hrac_session_init(struct hrac_session *, struct hrac *,
	    const struct hrac_connector *);
void	 hrac_session_free(struct hrac_session *);
void	 hrac_session_discovered(struct hrac_session *, const char *proxy,
	    const char *why);
int	 hrac_hook_send(void *, const void *, size_t);
int	 hrac_session_is_up(const struct hrac_session *);
double	 hrac_session_rtt_ms(const struct hrac_session *);
void	 hrac_session_on_drop(struct hrac_session *, tunnel_drop_fn, void *);
void	 hrac_session_lanes_reload(struct hrac_session *);
int	 hrac_session_lanes_up(const struct hrac_session *);
int	 hrac_session_send(struct hrac_session *, unsigned int type,
	    uint32_t flow, const void *, size_t);

/* hrac_local.c */
struct hrac_local;
/* An inside phone's binding, as a lookup finds it. */
struct hrac_local_hit {
	char		 aor[256];	/* user@domain */
	char		 contact[512];
};
struct hrac_local *hrac_local_new(void);
void	 hrac_local_free(struct hrac_local *);
void	 hrac_local_learn(struct hrac_local *, const struct osip_message *);
void	 hrac_local_set_domains(struct hrac_local *, char *const *, size_t);
int	 hrac_local_served(const struct hrac_local *, const char *);
unsigned int hrac_local_count(struct hrac_local *);
int	 hrac_local_lookup(struct hrac_local *, const struct osip_uri *,
	    const char *, struct hrac_local_hit *);
int	 hrac_local_nth(struct hrac_local *, unsigned int,
	    struct hrac_local_hit *, long long *);
int	 hrac_local_walk(struct hrac_local *, int (*)(void *, const char *,
	    const char *, long), void *);

/* hrac_txn.c */
struct hrac_txn;
struct hrac_txn *hrac_txn_new(unsigned int max);
void	 hrac_txn_free(struct hrac_txn *);
void	 hrac_txn_set_max(struct hrac_txn *, unsigned int);
unsigned int hrac_txn_count(const struct hrac_txn *);
void	 hrac_txn_remember(struct hrac_txn *, const struct osip_message *,
	    const struct sip_addr *, time_t);
int	 hrac_txn_sender(struct hrac_txn *, const struct osip_message *,
	    const char *host, time_t);

/* hrac_sip.c */
struct hrac_sip *hrac_sip_new(struct hrac *);
void	 hrac_sip_free(struct hrac_sip *);
int	 hrac_sip_reconfigure(struct hrac_sip *, const struct hrac_config *);
void	 hrac_sip_from_tunnel(struct hrac_sip *, uint32_t, const uint8_t *,
	    size_t);
void	 hrac_sip_tunnel_up(void *);

/* hrac_media.c */
void	 hrac_media_from_tunnel(struct hrac_sip *, unsigned int, uint32_t,
	    const uint8_t *, size_t);

#endif
