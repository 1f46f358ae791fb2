/*
 * hras, the outside half (paper 3.1): holds the HTTP tunnels of its hrac
 * clients. This header ties its modules together: the daemon context, the
 * tunnel connections (hras_link.c) and the tunnel sessions
 * (hras_session.c). Each layer calls the one below it directly and hears
 * from it only through a callback struct: the HTTP layer reports to
 * hras_link_cb, the sessions hand records up through hras_session_cb.
 */
#ifndef VOFW_HRAS_H
#define VOFW_HRAS_H

#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#include "auth.h"
#include "call.h"
#include "crypto.h"
#include "http.h"
#include "lanes.h"
#include "pace.h"
#include "recent.h"
#include "sip.h"
#include "tunnel.h"

struct bufferevent;
struct event;
struct event_base;
struct evbuffer;
struct evconnlistener;
struct hook;
struct hras_config;
struct media;
struct metrics;
struct pike;
struct resolve_req;
struct resolver;
struct siptr;
struct sockaddr;
struct vcit;
struct ssl_ctx_st;

#define HRAS_NONCE_TTL		30	/* seconds a challenge may be answered */
#define HRAS_CHUNK_MAX		(64 * 1024)
#define HRAS_MARK_PATH		"/vofw/"	/* answers here carry HRAS_MARK */
#define HRAS_MARK		HTTP_MARK_NAME ": " HTTP_MARK_VALUE "\r\n"
#define HRAS_HIGH_WATER		(256 * 1024)	/* per-connection output */
#define HRAS_READ_MAX		(64 * 1024)	/* per-connection input */
#define HRAS_OUT_PAUSE		(64 * 1024)	/* answers waiting to be read:
						   no more requests read */

enum hras_link_state {
	LINK_HEAD,		/* reading a request head */
	LINK_UPSTREAM,		/* reading a request body (upstream) */
	LINK_DOWNSTREAM,		/* holding a downstream response */
	LINK_CLOSING		/* flushing a last response, then close */
};

enum hras_link_role {
	ROLE_NONE,
	ROLE_DOWN,
	ROLE_UP
};

/*
 * One HTTP connection from a client (or a proxy acting for it). Until a
 * request on it passes a session's check it is "unadmitted" and sits in
 * h->unauth, a smaller pool that gives way oldest first.
 */
struct hras_link {
	TAILQ_ENTRY(hras_link)	 entry;
	TAILQ_ENTRY(hras_link)	 up_entry;
	TAILQ_ENTRY(hras_link)	 unauth_entry;
	struct hras		*h;
	int			 refs;		/* the list, and read loops */
	int			 dead;		/* closed, freed at last unref */
	int			 admitted;	/* a request passed a session */
	int			 paused;	/* reading stopped: answers wait */
	int			 queued;	/* upstream waiting for its turn */
	struct event		*resume_ev;	/* read again next loop turn */
	struct event		*deadline_ev;	/* whole head, or sized body */
	struct bufferevent	*bev;
	enum hras_link_state	 state;
	enum hras_link_role	 role;
	struct http_msg		*msg;
	struct http_chunked	 chunked;
	int			 body_chunked;
	uint64_t		 body_left;
	struct evbuffer		*body;
	struct hras_session	*s;
	int			 lane;		/* of the session's lanes */
	uint64_t		 rx_last;	/* last frame this one carried */
	struct lanes_tcp	 tcp;		/* its connection's losses */
	int			 poll;
	int			 http10;
	int			 keep_alive;
	int			 tunnel;	/* a /vofw/ path: mark answers */
	struct event		*hold_ev;
	char			 peer[64];	/* address:port */
	char			 addr[48];	/* address alone */
};

/*
 * What the HTTP layer reports up about a connection; it knows nothing of
 * who serves the tunnel on it.
 */
struct hras_link_cb {
	/* A request head was read: 0 when it is not the tunnel's. */
	int	(*request)(void *, struct hras_link *, const char *path);
	/* Upstream body bytes wait in c->body: -1 when c was closed. */
	int	(*body)(void *, struct hras_link *);
	/* c carries nothing more (its body ended, or it is closing). */
	void	(*detach)(void *, struct hras_link *);
	/* A downstream's output drained below its mark: room for more. */
	void	(*drained)(void *, struct hras_link *);
	void	*arg;
};

/* Where the sessions hand the records they open from a client's tunnel. */
struct hras_session_cb {
	void	(*sip)(void *, const char *client, uint32_t flow,
		    const uint8_t *, size_t);
	void	(*media)(void *, const char *client, unsigned int type,
		    uint32_t flow, const uint8_t *, size_t);
	void	*arg;
	/* Voice of a flow the tunnel threw away (queue full, stale). */
	void	(*dropped)(void *, uint32_t flow);
};

/* The tunnel session of one client; survives its connections. */
struct hras_session {
	TAILQ_ENTRY(hras_session) entry;
	struct hras		*h;
	char			 id[65];
	char			 sid[2 * AUTH_SIDLEN + 1];
	uint8_t			 req_key[32];
	struct auth_window	 win;
	struct tunnel		*tun;
	/* Per lane: the downstream, and the upstreams, oldest first. */
	struct hras_link	*down[TUNNEL_LANES];
	TAILQ_HEAD(, hras_link)	 ups[TUNNEL_LANES];
	struct evbuffer		*copy;		/* frames for another lane */
	struct lanes		 lanes;		/* when later lanes take them
						   (hrac says) */
	time_t			 wrote[TUNNEL_LANES]; /* last batch into each */
	uint64_t		 took[TUNNEL_LANES]; /* its id (recent.h) */
	struct recent		 recent;	/* for a lane that joins */
	int			 confirmed;	/* down stream proven to flow */
	int			 probe_pending;	/* probed before the down
						   stream came */
	int			 connected;
	time_t			 last_rx;
	time_t			 last_tx;
	struct event		*timer_ev;
	uint64_t		 nonce_seen;	/* newest challenge answered */
	uint64_t		 admissions;	/* sessions it opened */
};

/*
 * Why hras refused a tunnel request or a connection, counted for the
 * metrics (hras_metrics.c names them).
 */
enum hras_refusal {
	HRAS_REFUSED_VERSION,		/* admission protocol of another age */
	HRAS_REFUSED_MALFORMED,		/* handshake or tunnel request */
	HRAS_REFUSED_CLIENT,		/* unknown client id */
	HRAS_REFUSED_NONCE,		/* stale or forged challenge */
	HRAS_REFUSED_REPLAY,		/* a nonce or request number again */
	HRAS_REFUSED_SECRET,		/* wrong secret */
	HRAS_REFUSED_KEY,		/* unusable public key */
	HRAS_REFUSED_RESOURCES,		/* out of memory or randomness */
	HRAS_REFUSED_SESSION,		/* no such session (hras restarted) */
	HRAS_REFUSED_MAC,		/* bad request MAC */
	HRAS_REFUSED_CONNS,		/* connection limits */
	HRAS_REFUSED_TIMEOUT,		/* head or body not in time */
	HRAS_REFUSED_HTTP,		/* malformed HTTP */
	HRAS_REFUSED_MAX
};

/* A registrar binding: an inside phone reachable through a client. */
struct hras_binding {
	TAILQ_ENTRY(hras_binding) entry;
	char			 aor[256];	/* user@domain */
	char			 contact[512];	/* the phone's Contact URI */
	char			 client[65];
	time_t			 expires;	/* monotonic */
};

#define HRAS_BINDINGS_MAX	10000
#define HRAS_EXPIRES_DEFAULT	3600
#define HRAS_EXPIRES_MAX	86400

/* A request to another domain waiting for its DNS lookup (RFC 3263). */
struct hras_pending {
	TAILQ_ENTRY(hras_pending) entry;
	struct hras		*h;
	struct resolve_req	*rq;
	osip_message_t		*m;
	char			 client[65];
	uint32_t		 flow;
	int			 upstream;	/* the configured next hop */
};

#define HRAS_PENDING_MAX	256

struct hras {
	struct event_base	*base;
	struct pace		 pace;		/* of its loop */
	struct hras_config	*conf;
	struct evconnlistener	*listener;
	struct ssl_ctx_st	*ssl;
	TAILQ_HEAD(, hras_link)	 links;
	unsigned int		 nlinks;
	TAILQ_HEAD(, hras_link)	 unauth;	/* not admitted, oldest first */
	unsigned int		 nunauth;
	struct hras_link_cb	 link_cb;	/* set by the sessions */
	TAILQ_HEAD(, hras_session) sessions;
	struct hras_session_cb	 session_cb;	/* set by main */
	uint8_t			 nonce_key[CRYPTO_KEYLEN];	/* challenges */
	uint64_t		 nonce_count;	/* challenges issued */
	struct hook		*hook;
	struct ctl		*ctl;		/* control socket, or NULL */
	struct siptr		*sip;
	struct media		*media;
	struct vcit		*vcit;
	struct call_ctx		 calls;
	TAILQ_HEAD(, hras_binding) bindings;
	unsigned int		 nbindings;
	struct resolver		*resolver;
	TAILQ_HEAD(, hras_pending) pending;
	unsigned int		 npending;
	struct crypto_aead	 token_key;	/* sealed Contact tokens */
	struct crypto_aead	 via_key;	/* inside Vias sealed in ours */
	struct crypto_aead	 route_key;	/* inside Record-Routes, ours */
	struct crypto_aead	 alias_key;	/* outside Contacts' sources */
	struct pike		*pike;		/* per-source request limiter */
	uint64_t		 pike_dropped;	/* SIP from banned sources */
	uint64_t		 refused[HRAS_REFUSED_MAX];
	struct metrics		*metrics;	/* endpoint, or NULL */
	struct event		*pike_ev;
	uint64_t		 token_seq;
	uint8_t			 branch_key[CRYPTO_KEYLEN];
	char			 rr_uri[128];	/* our Record-Route */
};

/* hras_link.c */
int	 hras_link_listen(struct hras *);
void	 hras_link_close_all(struct hras *);
int	 hras_link_new(struct hras *, struct bufferevent *,
	    const struct sockaddr *);
void	 hras_link_close(struct hras_link *, const char *why);
void	 hras_link_respond(struct hras_link *, int status, const char *ctype,
	    const void *, size_t);
void	 hras_link_admit(struct hras_link *);
void	 hras_link_start_body(struct hras_link *);
void	 hras_link_resume(struct hras_link *);
int	 hras_link_start_stream(struct hras_link *);
void	 hras_link_hold(struct hras_link *);
void	 hras_link_next(struct hras_link *);
int	 hras_link_write_frames(struct hras_link *, struct evbuffer *);
void	 hras_link_end_stream(struct hras_link *);

/* hras_session.c */
void	 hras_sessions_init(struct hras *, const struct hras_session_cb *);
void	 hras_sessions_free(struct hras *);
void	 hras_session_revoke(struct hras *, const char *client,
	    const char *why);
int	 hras_hook_send(void *, const void *, size_t);
int	 hras_client_up(struct hras *, const char *);
unsigned int hras_session_lanes(struct hras_session *);
const struct lanes *hras_session_copies(const struct hras_session *);
double	 hras_session_rtt(void *, const char *);
int	 hras_session_send(struct hras *, const char *client, unsigned int,
	    uint32_t, const void *, size_t);

/* hras_sip.c */
int	 hras_sip_init(struct hras *);
void	 hras_sip_free(struct hras *);
void	 hras_sip_from_tunnel(struct hras *, const char *client, uint32_t,
	    const uint8_t *, size_t);

/* hras_media.c */
void	 hras_media_from_tunnel(struct hras *, const char *client,
	    unsigned int, uint32_t, const uint8_t *, size_t);

/* hras_ctl.c */
#define HRAS_CTL_SOCKET	"/run/vofw/hras.sock"
struct ctl;
struct ctl	*hras_ctl_new(struct hras *);
struct daemon_args;
int	 hras_ctl_client(const struct hras_config *, const struct daemon_args *);

/* hras_metrics.c */
struct metrics	*hras_metrics_new(struct hras *);

/* hras_limit.c */
int	 hras_limit_init(struct hras *);
void	 hras_limit_free(struct hras *);
void	 hras_limit_reload(struct hras *, const struct hras_config *);
int	 hras_limit_target(struct hras *, struct sip_addr *);
int	 hras_limit_note(void);

#endif
