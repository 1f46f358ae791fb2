/*
 * hrac's path doctor (hrac -T): one tunnel attempt through the real
 * session and link code, watched step by step, with one line per step
 * for the sysadmin: the names resolve, the proxy answers and accepts our
 * credentials, it lets the request (GET or CONNECT) through, TLS verifies,
 * hras admits us, the path streams or buffers, the tunnel's round-trip
 * time and how long the path lets a request live. It binds no SIP port and
 * leaves the control socket alone, so it runs beside a running hrac; hras
 * sees one more admission. Exit 0 when every step passed, 1 otherwise.
 */
#include <netinet/in.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "daemon.h"
#include "frame.h"
#include "hrac.h"
#include "log.h"
#include "tunnel.h"

#define DOCTOR_RTT_SAMPLES	5
#define DOCTOR_ANSWER_WAIT	5	/* seconds for each round trip */
#define DOCTOR_CONNECT_WAIT	40	/* seconds to reach tunnel up */

enum doctor_step {
	STEP_DISCOVER,		/* proxy = "auto" */
	STEP_DNS_SERVER,
	STEP_DNS_PROXY,
	STEP_TCP,
	STEP_PROXY_AUTH,
	STEP_PASS,		/* CONNECT (https://) or GET (http://) */
	STEP_TLS,
	STEP_ADMISSION,
	STEP_MODE,
	STEP_RTT,
	STEP_LIFETIME,
	STEP_MAX
};

enum doctor_status {
	ST_PENDING,
	ST_OK,
	ST_FAIL,
	ST_SKIP,
	ST_NONE			/* does not apply to this configuration */
};

enum doctor_phase {
	PHASE_CONNECT,		/* until the tunnel is up */
	PHASE_RTT,
	PHASE_LIFETIME,
	PHASE_DONE
};

/* One run of the doctor. */
struct doctor {
	struct hrac		 h;
	struct hrac_link_cb	 fwd;		/* the session's own */
	enum doctor_status	 st[STEP_MAX];
	char			 detail[STEP_MAX][768];
	int			 next;		/* next line to print */
	int			 failed;
	enum doctor_phase	 phase;
	enum tunnel_mode	 want_mode;	/* the configured one */
	int			 get_age;	/* the configured one */
	int			 limit;		/* -L */
	struct hrac_link	*head_link;	/* last response head seen */
	int			 head_status;
	struct doctor_lookup {
		struct doctor	*d;
		int		 proxy;
		int		 busy;
		struct evdns_getaddrinfo_request *req;
	}			 lookup[2];	/* server, proxy */
	struct event		*timer;
	double			 sent;		/* stream probe out, or 0 */
	uint64_t		 post;		/* poll: number of the POST
						   carrying our keepalive, or 0 */
	double			 rtt[DOCTOR_RTT_SAMPLES];
	int			 nrtt;
	double			 down_start;	/* lane 0's GET was sent */
};

static const char *const doctor_names[STEP_MAX] = {
	"proxy", "dns server", "dns proxy", "tcp", "proxy auth", "pass", "tls",
	"admission", "mode", "rtt", "lifetime"
};

static double	doctor_now(void);
static void	doctor_ok(struct doctor *, enum doctor_step, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	doctor_fail(struct doctor *, enum doctor_step, const char *,
		    ...) __attribute__((format(printf, 3, 4)));
static void	doctor_flush(struct doctor *);
static void	doctor_finish(struct doctor *);
static enum doctor_step doctor_first_pending(const struct doctor *);
static void	doctor_resolve(struct doctor *, int, const char *);
static void	doctor_resolved(int, struct evutil_addrinfo *, void *);
static void	doctor_link_ready(void *, struct hrac_link *);
static void	doctor_link_head(void *, struct hrac_link *);
static void	doctor_link_body(void *, struct hrac_link *, int);
static void	doctor_link_error(void *, struct hrac_link *, const char *);
static void	doctor_link_drained(void *, struct hrac_link *);
static void	doctor_up(void *);
static void	doctor_control(void *, const uint8_t *, size_t);
static void	doctor_lost(void *, const char *);
static void	doctor_discovered(void *);
static void	doctor_timer(evutil_socket_t, short, void *);
static void	doctor_probe(struct doctor *);
static void	doctor_sample(struct doctor *, double);
static void	doctor_lifetime(struct doctor *);
static void	doctor_arm(struct doctor *, double);
static int	doctor_cmp(const void *, const void *);

/* Seconds on a monotonic clock. */
static double
doctor_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A step passed (once: the first word on a step stands). */
static void
doctor_ok(struct doctor *d, enum doctor_step step, const char *fmt, ...)
{
	va_list	 ap;

	if (d->st[step] != ST_PENDING)
		return;
	va_start(ap, fmt);
	vsnprintf(d->detail[step], sizeof(d->detail[step]), fmt, ap);
	va_end(ap);
	d->st[step] = ST_OK;
	doctor_flush(d);
}

/* A step failed: the ones after it cannot run; stop. */
static void
doctor_fail(struct doctor *d, enum doctor_step step, const char *fmt, ...)
{
	va_list	 ap;
	int	 i;

	if (d->phase == PHASE_DONE)
		return;
	va_start(ap, fmt);
	vsnprintf(d->detail[step], sizeof(d->detail[step]), fmt, ap);
	va_end(ap);
	d->st[step] = ST_FAIL;
	d->failed = 1;
	for (i = 0; i < STEP_MAX; i++)
		if (d->st[i] == ST_PENDING)
			d->st[i] = ST_SKIP;
	doctor_finish(d);
}

/* Every step decided: print the rest and leave the loop. */
static void
doctor_finish(struct doctor *d)
{
	d->phase = PHASE_DONE;
	doctor_flush(d);
	event_base_loopexit(d->h.base, NULL);
}

/* Print the decided steps in order, up to the first undecided one. */
static void
doctor_flush(struct doctor *d)
{
	const char	*name;

	for (; d->next < STEP_MAX && d->st[d->next] != ST_PENDING; d->next++) {
		name = doctor_names[d->next];
		if (d->next == STEP_PASS)
			name = d->h.session.server.tls ? "connect" : "get";
		switch (d->st[d->next]) {
		case ST_OK:
			printf("ok  %s: %s\n", name, d->detail[d->next]);
			break;
		case ST_FAIL:
			printf("FAIL %s: %s\n", name, d->detail[d->next]);
			break;
		case ST_SKIP:
			printf("skip %s: not run after the failure above\n",
			    name);
			break;
		default:
			break;
		}
	}
	fflush(stdout);
}

/* The first step not yet decided: where a failure of the session lies. */
static enum doctor_step
doctor_first_pending(const struct doctor *d)
{
	int	 i;

	for (i = 0; i < STEP_MAX; i++)
		if (d->st[i] == ST_PENDING)
			return (enum doctor_step)i;
	return STEP_LIFETIME;
}

/* Look a name up with the session's own resolver (its resolv.conf). */
static void
doctor_resolve(struct doctor *d, int proxy, const char *host)
{
	struct doctor_lookup	*lk = &d->lookup[proxy];
	struct evutil_addrinfo	 hints;
	struct evdns_getaddrinfo_request *r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	lk->d = d;
	lk->proxy = proxy;
	lk->busy = 1;
	/* The answer may come at once, before the call returns. */
	r = evdns_getaddrinfo(d->h.session.dns, host, NULL, &hints,
	    doctor_resolved, lk);
	if (lk->busy)
		lk->req = r;
}

/* A lookup's answer: the first address, or why there is none. */
static void
doctor_resolved(int err, struct evutil_addrinfo *ai, void *arg)
{
	struct doctor_lookup	*lk = arg;
	struct doctor		*d = lk->d;
	struct hrac_session	*s = &d->h.session;
	char			 addr[64] = "?";
	const void		*a;

	lk->busy = 0;
	lk->req = NULL;
	if (err == EVUTIL_EAI_CANCEL || d->phase == PHASE_DONE) {
		if (ai != NULL)
			evutil_freeaddrinfo(ai);
		return;
	}
	if (err != 0 || ai == NULL) {
		if (lk->proxy)
			doctor_fail(d, STEP_DNS_PROXY, "cannot resolve the "
			    "proxy's name %s: %s; check proxy in hrac.conf and "
			    "the resolver (/etc/resolv.conf)", s->proxy.host,
			    evutil_gai_strerror(err));
		else if (s->has_proxy)
			doctor_ok(d, STEP_DNS_SERVER, "%s is not known here "
			    "(%s); the proxy resolves it", s->server.host,
			    evutil_gai_strerror(err));
		else
			doctor_fail(d, STEP_DNS_SERVER, "cannot resolve hras's "
			    "name %s: %s; check server in hrac.conf and the "
			    "resolver (/etc/resolv.conf)", s->server.host,
			    evutil_gai_strerror(err));
		return;
	}
	a = ai->ai_family == AF_INET6 ?
	    (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr :
	    (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
	evutil_inet_ntop(ai->ai_family, a, addr, sizeof(addr));
	evutil_freeaddrinfo(ai);
	if (lk->proxy)
		doctor_ok(d, STEP_DNS_PROXY, "%s is %s", s->proxy.host, addr);
	else
		doctor_ok(d, STEP_DNS_SERVER, "%s is %s", s->server.host, addr);
}

/* A link is connected (through the proxy and TLS). */
static void
doctor_link_ready(void *arg, struct hrac_link *l)
{
	struct doctor		*d = arg;
	struct hrac_session	*s = &d->h.session;
	const char		*pin = d->h.conf->tls_fingerprint;

	if (s->has_proxy)
		doctor_ok(d, STEP_TCP, "the proxy at %s:%u answers",
		    s->proxy.host, s->proxy.port);
	else
		doctor_ok(d, STEP_TCP, "hras at %s:%u answers", s->server.host,
		    s->server.port);
	if (s->server.tls)
		doctor_ok(d, STEP_TLS, "%s", pin != NULL ? "hras's certificate "
		    "matches the pinned fingerprint" : "hras's certificate "
		    "verifies");
	/* Lane 0's GET: only its end ends the session, so only it is timed. */
	if (l->role == LINK_DOWN && l->lane == 0)
		d->down_start = doctor_now();
	d->fwd.ready(d->fwd.arg, l);
}

/*
 * A response head: the proxy's answer to CONNECT, or through a proxy
 * without CONNECT the first answer to a GET, tells whether it took our
 * credentials and let the request through. A refusal fails later, in
 * doctor_link_error, with the link's own words.
 */
static void
doctor_link_head(void *arg, struct hrac_link *l)
{
	struct doctor		*d = arg;
	struct hrac_session	*s = &d->h.session;
	const char		*mark = http_header(l->msg, HTTP_MARK_NAME);
	int			 hras, status = l->msg->status;

	d->head_link = l;
	d->head_status = status;
	if (!s->has_proxy)
		return;
	hras = mark != NULL && strcmp(mark, HTTP_MARK_VALUE) == 0;
	if (l->state != LINK_PROXY_CONNECT && (s->server.tls ||
	    (status == 407 && !hras)))
		return;
	if (l->state == LINK_PROXY_CONNECT && status == 407)
		return;
	if (l->pa.scheme != PROXY_AUTH_AUTO && s->pa.user[0] != '\0')
		doctor_ok(d, STEP_PROXY_AUTH, "the proxy accepts user %s (%s)",
		    s->pa.user, l->pa.scheme == PROXY_AUTH_BASIC ? "Basic" :
		    l->pa.scheme == PROXY_AUTH_NTLM ? "NTLM" : "Negotiate");
	else if (l->pa.scheme == PROXY_AUTH_NEGOTIATE)
		doctor_ok(d, STEP_PROXY_AUTH, "the proxy accepts the Kerberos "
		    "ticket (Negotiate)");
	else
		doctor_ok(d, STEP_PROXY_AUTH, "the proxy asks for none");
	if (l->state == LINK_PROXY_CONNECT && status == 200)
		doctor_ok(d, STEP_PASS, "the proxy allows CONNECT to %s:%u",
		    s->server.host, s->server.port);
	else if (l->state != LINK_PROXY_CONNECT && hras)
		doctor_ok(d, STEP_PASS, "a plain GET reaches hras at %s:%u "
		    "through the proxy", s->server.host, s->server.port);
}

/* Response body on a link: admission's answers, poll-mode round trips. */
static void
doctor_link_body(void *arg, struct hrac_link *l, int done)
{
	struct doctor		*d = arg;
	struct hrac_session	*s = &d->h.session;
	enum hrac_link_role	 role = l->role;
	struct timespec		 at = l->sent_at;
	int			 ours;

	/*
	 * Poll mode: one POST is out at a time, so the answer that ends
	 * while the POST carrying our keepalive is out is its own. Judged
	 * before the session reads it: that may send the next POST, or
	 * bring the tunnel up and start the first probe.
	 */
	ours = role == LINK_UP && done && d->phase == PHASE_RTT &&
	    s->mode == TUNNEL_MODE_POLL && d->post != 0 && s->post_inflight &&
	    s->posts == d->post && l == s->lane[0].up;
	d->fwd.body(d->fwd.arg, l, done);
	/* l may be gone now. */
	if (role == LINK_CTRL && s->state == SESSION_PROBE)
		doctor_ok(d, STEP_ADMISSION, "hras admits id %s (session "
		    "%.8s...)", d->h.conf->id, s->sid);
	if (ours) {
		d->post = 0;
		doctor_sample(d, doctor_now() - ((double)at.tv_sec +
		    (double)at.tv_nsec / 1e9));
	}
}

/*
 * A link failed. Before the tunnel is up, the state it was in says which
 * step failed, and the link's own line says why and what to change.
 */
static void
doctor_link_error(void *arg, struct hrac_link *l, const char *why)
{
	struct doctor		*d = arg;
	struct hrac_session	*s = &d->h.session;
	int			 head = d->head_link == l ? d->head_status : 0;

	d->head_link = NULL;
	if (d->phase != PHASE_CONNECT) {
		d->fwd.error(d->fwd.arg, l, why);
		return;
	}
	switch (l->state) {
	case LINK_CONNECTING:
		if (bufferevent_socket_get_dns_error(l->bev) != 0)
			doctor_fail(d, s->has_proxy ? STEP_DNS_PROXY :
			    STEP_DNS_SERVER, "%s", why);
		else
			doctor_fail(d, STEP_TCP, "%s", why);
		break;
	case LINK_PROXY_CONNECT:
		doctor_ok(d, STEP_TCP, "the proxy at %s:%u answers",
		    s->proxy.host, s->proxy.port);
		doctor_fail(d, head == 407 ? STEP_PROXY_AUTH : STEP_PASS, "%s",
		    why);
		break;
	case LINK_TLS:
		/* The link's line names the certificate presented. */
		doctor_fail(d, STEP_TLS, "%s", why);
		break;
	default:
		if (head == 407 && s->has_proxy && !s->server.tls)
			doctor_fail(d, STEP_PROXY_AUTH, "%s", why);
		else
			doctor_fail(d, doctor_first_pending(d), "%s", why);
		break;
	}
	d->fwd.error(d->fwd.arg, l, why);
}

/* Output drained: nothing to watch. */
static void
doctor_link_drained(void *arg, struct hrac_link *l)
{
	struct doctor	*d = arg;

	d->fwd.drained(d->fwd.arg, l);
}

/* The tunnel is up: the mode the real probe chose; then round trips. */
static void
doctor_up(void *arg)
{
	struct doctor		*d = arg;
	struct hrac_session	*s = &d->h.session;

	if (s->mode == TUNNEL_MODE_POLL && d->want_mode == TUNNEL_MODE_STREAM) {
		doctor_fail(d, STEP_MODE, "the path buffers (no answer to the "
		    "stream probe), so tunnel.mode = \"stream\" cannot come "
		    "up; set tunnel.mode = \"auto\" (or \"poll\")");
		return;
	}
	if (s->mode == TUNNEL_MODE_POLL)
		doctor_ok(d, STEP_MODE, "poll: something on the path buffers "
		    "streamed requests; auto picks poll (more delay per "
		    "packet)");
	else if (d->want_mode == TUNNEL_MODE_POLL)
		doctor_ok(d, STEP_MODE, "stream: the path streams both ways; "
		    "tunnel.mode = \"poll\" is set, \"auto\" would stream");
	else
		doctor_ok(d, STEP_MODE, "stream: the path streams both ways; "
		    "auto picks stream");
	d->phase = PHASE_RTT;
	doctor_probe(d);
}

/*
 * One round trip: a probe in stream mode, timed from now to its answer;
 * in poll mode a keepalive, timed from the POST that carries it going
 * out to that POST's answer. It goes in the next POST sent: now, or
 * after the answer to one already out.
 */
static void
doctor_probe(struct doctor *d)
{
	struct hrac_session	*s = &d->h.session;
	uint8_t			 probe = FRAME_CTL_PROBE;
	int			 rc;

	d->sent = doctor_now();
	if (s->mode == TUNNEL_MODE_POLL) {
		d->sent = 0;
		d->post = s->posts + 1;
		rc = hrac_session_send(s, FRAME_KEEPALIVE, 0, NULL, 0);
	} else
		rc = hrac_session_send(s, FRAME_CONTROL, 0, &probe, 1);
	if (rc == -1) {
		doctor_fail(d, STEP_RTT, "cannot queue a probe");
		return;
	}
	tunnel_pump_kick(s->tun, 1);
	doctor_arm(d, DOCTOR_ANSWER_WAIT);
}

/* An answer came back after sec: note it, then the next or the end. */
static void
doctor_sample(struct doctor *d, double sec)
{
	double	 v[DOCTOR_RTT_SAMPLES];

	d->rtt[d->nrtt++] = sec * 1000.0;
	d->sent = 0;
	if (d->nrtt < DOCTOR_RTT_SAMPLES) {
		doctor_probe(d);
		return;
	}
	memcpy(v, d->rtt, sizeof(v));
	qsort(v, DOCTOR_RTT_SAMPLES, sizeof(v[0]), doctor_cmp);
	doctor_ok(d, STEP_RTT, "min %.1f ms, median %.1f ms over %d %s",
	    v[0], v[DOCTOR_RTT_SAMPLES / 2], DOCTOR_RTT_SAMPLES,
	    d->h.session.mode == TUNNEL_MODE_POLL ? "keepalive POSTs" :
	    "probes");
	doctor_lifetime(d);
}

/* Order two doubles for qsort. */
static int
doctor_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * How long the path lets a request live: keep the streamed GET open up to
 * the limit (the session's renewal is held off meanwhile) and see whether
 * something cuts it. Poll mode's requests end by themselves.
 */
static void
doctor_lifetime(struct doctor *d)
{
	double	 left;

	if (d->h.session.mode == TUNNEL_MODE_POLL) {
		doctor_ok(d, STEP_LIFETIME, "not measured: poll mode's "
		    "requests are short");
		doctor_finish(d);
		return;
	}
	d->phase = PHASE_LIFETIME;
	left = (double)d->limit - (doctor_now() - d->down_start);
	doctor_arm(d, left > 0 ? left : 0);
}

/* Arm the doctor's one timer. */
static void
doctor_arm(struct doctor *d, double sec)
{
	struct timeval	 tv;

	tv.tv_sec = (time_t)sec;
	tv.tv_usec = (suseconds_t)((sec - (double)tv.tv_sec) * 1e6);
	evtimer_add(d->timer, &tv);
}

/* The timer: a step took too long, or the lifetime limit passed. */
static void
doctor_timer(evutil_socket_t fd, short what, void *arg)
{
	struct doctor	*d = arg;

	(void)fd;
	(void)what;
	switch (d->phase) {
	case PHASE_CONNECT:
		doctor_fail(d, doctor_first_pending(d), "no progress in %d s "
		    "(nothing answered); run with -d to see the exchange",
		    DOCTOR_CONNECT_WAIT);
		break;
	case PHASE_RTT:
		doctor_fail(d, STEP_RTT, "no answer from hras within %d s",
		    DOCTOR_ANSWER_WAIT);
		break;
	case PHASE_LIFETIME:
		doctor_ok(d, STEP_LIFETIME, "a request lives at least %d s "
		    "(-L for longer; tunnel.get_age = %d renews them)",
		    d->limit, d->get_age);
		doctor_finish(d);
		break;
	default:
		break;
	}
}

/* A control record from hras: the answer to a probe. */
static void
doctor_control(void *arg, const uint8_t *data, size_t len)
{
	struct doctor	*d = arg;

	if (len == 1 && data[0] == FRAME_CTL_PROBE_ACK &&
	    d->phase == PHASE_RTT && d->sent > 0)
		doctor_sample(d, doctor_now() - d->sent);
}

/*
 * proxy = "auto" found the proxy: say which and where from, and check
 * the proxy's steps when there is one.
 */
static void
doctor_discovered(void *arg)
{
	struct doctor		*d = arg;
	struct hrac_session	*s = &d->h.session;
	enum doctor_step	 i;

	for (i = STEP_DNS_PROXY; i <= STEP_PASS; i++)
		if (i != STEP_TCP && d->st[i] == (s->has_proxy ? ST_NONE :
		    ST_PENDING))
			d->st[i] = s->has_proxy ? ST_PENDING : ST_NONE;
	if (s->has_proxy && d->lookup[1].req == NULL)
		doctor_resolve(d, 1, s->proxy.host);
	doctor_ok(d, STEP_DISCOVER, "%s", s->auto_line);
}

/*
 * The attempt failed or the tunnel went down. Link failures were already
 * placed; what remains is the session's own (admission, the probe), or
 * the path cutting a request while the doctor watched it.
 */
static void
doctor_lost(void *arg, const char *why)
{
	struct doctor	*d = arg;
	double		 age = doctor_now() - d->down_start;

	if (d->phase == PHASE_LIFETIME) {
		if (age > (double)d->get_age + 1)
			doctor_ok(d, STEP_LIFETIME, "the path ends a request "
			    "after %.0f s (%s); tunnel.get_age = %d renews "
			    "them before that", age, why, d->get_age);
		else
			doctor_fail(d, STEP_LIFETIME, "the path ends a request "
			    "after %.0f s (%s); set tunnel.get_age below that "
			    "(now %d)", age, why, d->get_age);
		doctor_finish(d);
		return;
	}
	doctor_fail(d, doctor_first_pending(d), "%s", why);
}

/*
 * hrac -T: run the doctor on the configuration conf and print one line
 * per step. 0 when every step passed, 1 when one failed.
 */
int
hrac_doctor(struct hrac_config *conf, const struct daemon_args *args)
{
	struct doctor		*d;
	struct hrac_session	*s;
	int			 rc, i;

	log_init("hrac", 0, args->debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERR);
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		fprintf(stderr, "hrac: out of memory\n");
		return 1;
	}
	d->limit = args->doctor_limit;
	d->want_mode = conf->mode;
	d->get_age = conf->get_age;
	/* The real probe decides, and no renewal cuts the watched GET. */
	conf->mode = TUNNEL_MODE_AUTO;
	conf->get_age = d->limit + 60;
	s = &d->h.session;
	d->h.conf = conf;
	rc = 1;
	if ((d->h.base = daemon_event_base()) == NULL ||
	    (d->timer = evtimer_new(d->h.base, doctor_timer, d)) == NULL) {
		fprintf(stderr, "hrac: cannot set up the event loop\n");
		goto out;
	}
	if (hrac_session_init(s, &d->h, NULL) == -1) {
		fprintf(stderr, "hrac: cannot set up a tunnel to %s (tls.ca?)\n",
		    conf->server);
		goto out;
	}
	/* Nothing here needs root: give it up before reading the network. */
	if (daemon_drop_privileges(conf->user != NULL ? conf->user :
	    CONFIG_USER) == -1) {
		fprintf(stderr, "hrac: cannot drop privileges to %s\n",
		    conf->user != NULL ? conf->user : CONFIG_USER);
		goto out;
	}
	d->fwd = s->link_cb;
	s->link_cb.ready = doctor_link_ready;
	s->link_cb.body = doctor_link_body;
	s->link_cb.error = doctor_link_error;
	s->link_cb.drained = doctor_link_drained;
	s->link_cb.head = doctor_link_head;
	s->link_cb.arg = d;
	s->cb.up = doctor_up;
	s->cb.control = doctor_control;
	s->cb.lost = doctor_lost;
	s->cb.discovered = doctor_discovered;
	s->cb.arg = d;
	if (!s->auto_proxy)
		d->st[STEP_DISCOVER] = ST_NONE;
	if (!s->has_proxy) {
		d->st[STEP_DNS_PROXY] = ST_NONE;
		d->st[STEP_PROXY_AUTH] = ST_NONE;
		d->st[STEP_PASS] = ST_NONE;
	}
	if (!s->server.tls)
		d->st[STEP_TLS] = ST_NONE;
	doctor_resolve(d, 0, s->server.host);
	if (s->has_proxy)
		doctor_resolve(d, 1, s->proxy.host);
	/* From the environment, the proxy is known already. */
	if (s->auto_proxy && s->disc == NULL && s->auto_line[0] != '\0')
		doctor_discovered(d);
	if (d->phase == PHASE_CONNECT)
		doctor_arm(d, DOCTOR_CONNECT_WAIT);
	if (d->phase != PHASE_DONE)
		event_base_dispatch(d->h.base);
	rc = d->failed ? 1 : 0;
out:
	for (i = 0; i < 2; i++)
		if (d->lookup[i].req != NULL)
			evdns_getaddrinfo_cancel(d->lookup[i].req);
	if (d->h.base != NULL && s->tun != NULL)
		hrac_session_free(s);
	if (d->timer != NULL)
		event_free(d->timer);
	if (d->h.base != NULL)
		event_base_free(d->h.base);
	free(d);
	return rc;
}
