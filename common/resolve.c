/*
 * RFC 3263 resolution of SIP URIs for hras (see resolve.h). A request
 * walks three steps: NAPTR of the host; SRV of each name NAPTR gave, or
 * of _sip._udp and _sip._tcp when there is none; A of each SRV target in
 * the order RFC 2782 draws, or of the host itself on port 5060 when no SRV
 * name has records. A name that does not exist or has no records moves on
 * to the next step; a server that does not answer ends the request.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>

#include <errno.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "log.h"
#include "resolve.h"

#define RESOLVE_TRIES		2	/* a query and one retry */
#define RESOLVE_BURST		16	/* datagrams read per wake-up */
#define RESOLVE_ANSWER_MAX	4096	/* bigger than any UDP answer */
#define RESOLVE_SIP_PORT	5060
#define RESOLVE_HOST_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
				"abcdefghijklmnopqrstuvwxyz0123456789-._"

/* A NAPTR or SRV query in flight, on a socket of its own. */
struct resolve_query {
	int		 fd;
	struct event	*rd;
	struct event	*timer;
	ns_type		 type;		/* ns_t_naptr, ns_t_srv */
	uint16_t	 id;
	int		 tries;
	size_t		 len;
	uint8_t		 buf[NS_PACKETSZ];
	char		 name[RESOLVE_NAME_MAX];
};

/* An A query through evdns; it outlives a request cancelled meanwhile. */
struct resolve_a {
	TAILQ_ENTRY(resolve_a)	 entry;
	struct resolver		*r;
	struct resolve_req	*req;		/* NULL once cancelled */
};

/* One URI being resolved. */
struct resolve_req {
	TAILQ_ENTRY(resolve_req) entry;
	struct resolver		*r;
	resolve_cb		 cb;
	void			*arg;
	char			 host[RESOLVE_NAME_MAX];
	uint32_t		 seed;		/* one key, one draw */
	int			 temp;		/* a server failed */
	struct resolve_query	*q;
	struct resolve_a	*a;
	/* The SRV names to ask, then the targets to try, in order. */
	struct resolve_naptr	 names[RESOLVE_RR_MAX];
	size_t			 nnames;
	size_t			 iname;
	struct resolve_srv	 targets[RESOLVE_RR_MAX];
	size_t			 ntargets;
	size_t			 itarget;
	int			 tcp;		/* theirs: TCP or UDP */
};

struct resolver {
	struct event_base	*base;
	struct evdns_base	*dns;
	struct sockaddr_storage	 server;
	socklen_t		 serverlen;
	int			 timeout;
	int			 res_ok;
	struct __res_state	 res;		/* for res_nmkquery */
	TAILQ_HEAD(, resolve_req) reqs;
	TAILQ_HEAD(, resolve_a)	 as;
};

static int	resolve_answer(const uint8_t *, size_t, uint16_t,
		    const char *, ns_type, ns_msg *);
static int	resolve_next_rr(ns_msg *, int *, ns_type, const char *,
		    const uint8_t **, const uint8_t **);
static int	resolve_cstring(const uint8_t **, const uint8_t *, char *,
		    size_t);
static size_t	resolve_naptr_add(struct resolve_naptr *, size_t, size_t,
		    const struct resolve_naptr *);
static size_t	resolve_srv_add(struct resolve_srv *, size_t, size_t,
		    const struct resolve_srv *);
static uint32_t	resolve_rand(uint32_t *);
static uint32_t	resolve_hash(const char *);
static int	resolve_srv_name(struct resolve_req *, size_t, int);
static int	resolve_query_start(struct resolve_req *, const char *,
		    ns_type);
static int	resolve_query_send(struct resolve_req *);
static void	resolve_query_end(struct resolve_req *);
static void	resolve_query_read(evutil_socket_t, short, void *);
static void	resolve_query_timer(evutil_socket_t, short, void *);
static int	resolve_from_server(const struct resolver *,
		    const struct sockaddr_storage *, socklen_t);
static void	resolve_naptr_done(struct resolve_req *, int);
static void	resolve_srv_done(struct resolve_req *, int);
static void	resolve_srv_next(struct resolve_req *);
static int	resolve_a_start(struct resolve_req *);
static void	resolve_a_next(struct resolve_req *);
static void	resolve_a_done(int, char, int, int, void *, void *);
static void	resolve_finish(struct resolve_req *, int,
		    const struct sip_addr *);
static void	resolve_req_free(struct resolve_req *);
static void	resolve_evdns_log(int, const char *);

/*
 * Check that a datagram answers our query (ID, flags, the one question)
 * and open it: 0 to read its answers, 1 when the name does not exist, or
 * RESOLVE_BOGUS / RESOLVE_SERVFAIL.
 */
static int
resolve_answer(const uint8_t *msg, size_t len, uint16_t id,
    const char *qname, ns_type qtype, ns_msg *h)
{
	ns_rr	 rr;

	if (len > NS_MAXMSG || ns_initparse(msg, (int)len, h) == -1 ||
	    ns_msg_id(*h) != id || !ns_msg_getflag(*h, ns_f_qr) ||
	    ns_msg_getflag(*h, ns_f_opcode) != ns_o_query ||
	    ns_msg_count(*h, ns_s_qd) != 1 ||
	    ns_parserr(h, ns_s_qd, 0, &rr) == -1 ||
	    ns_rr_type(rr) != qtype || ns_rr_class(rr) != ns_c_in ||
	    strcasecmp(ns_rr_name(rr), qname) != 0)
		return RESOLVE_BOGUS;
	switch (ns_msg_getflag(*h, ns_f_rcode)) {
	case ns_r_noerror:
		return 0;
	case ns_r_nxdomain:
		return 1;
	default:
		return RESOLVE_SERVFAIL;
	}
}

/*
 * The next answer record of type t, class IN, for qname, from record *i
 * on: 1 with its data between *p and *end, 0 when there is none left, -1
 * when the answer section does not parse.
 */
static int
resolve_next_rr(ns_msg *h, int *i, ns_type t, const char *qname,
    const uint8_t **p, const uint8_t **end)
{
	ns_rr	 rr;

	while (*i < ns_msg_count(*h, ns_s_an)) {
		if (ns_parserr(h, ns_s_an, (*i)++, &rr) == -1)
			return -1;
		if (ns_rr_type(rr) != t || ns_rr_class(rr) != ns_c_in ||
		    strcasecmp(ns_rr_name(rr), qname) != 0)
			continue;
		*p = ns_rr_rdata(rr);
		*end = *p + ns_rr_rdlen(rr);
		return 1;
	}
	return 0;
}

/* Copy a <character-string> at *p, before end; -1 if it overruns. */
static int
resolve_cstring(const uint8_t **p, const uint8_t *end, char *buf,
    size_t buflen)
{
	size_t	 n;

	if (*p >= end || (n = **p) > (size_t)(end - *p - 1) || n >= buflen)
		return -1;
	memcpy(buf, *p + 1, n);
	buf[n] = '\0';
	*p += 1 + n;
	/* A NUL inside would make the string compare as something else. */
	return strlen(buf) == n ? 0 : 1;
}

/* Keep a NAPTR record among the max best, by order then preference. */
static size_t
resolve_naptr_add(struct resolve_naptr *out, size_t n, size_t max,
    const struct resolve_naptr *rec)
{
	size_t	 i;

	for (i = n; i > 0 && (out[i - 1].order > rec->order ||
	    (out[i - 1].order == rec->order && out[i - 1].pref > rec->pref));
	    i--)
		;
	if (i >= max)
		return n;
	if (n == max)
		n--;
	memmove(&out[i + 1], &out[i], (n - i) * sizeof(*out));
	out[i] = *rec;
	return n + 1;
}

/* Keep an SRV record among the max of lowest priority. */
static size_t
resolve_srv_add(struct resolve_srv *out, size_t n, size_t max,
    const struct resolve_srv *rec)
{
	size_t	 i;

	for (i = n; i > 0 && out[i - 1].prio > rec->prio; i--)
		;
	if (i >= max)
		return n;
	if (n == max)
		n--;
	memmove(&out[i + 1], &out[i], (n - i) * sizeof(*out));
	out[i] = *rec;
	return n + 1;
}

/*
 * The NAPTR records of an answer that hras can follow (RFC 3263 4.1):
 * flag "S", service SIP+D2U or SIP+D2T (no TLS: hras has none), no
 * regexp; sorted by order and preference. Returns how many, or
 * RESOLVE_BOGUS / RESOLVE_SERVFAIL.
 */
int
resolve_parse_naptr(const uint8_t *msg, size_t len, uint16_t id,
    const char *qname, struct resolve_naptr *out, size_t max)
{
	struct resolve_naptr	 rec;
	ns_msg			 h;
	const uint8_t		*p, *end;
	char			 flags[256], service[256], regexp[256];
	size_t			 n = 0;
	int			 i = 0, k, rc, bad;

	if ((rc = resolve_answer(msg, len, id, qname, ns_t_naptr, &h)) != 0)
		return rc == 1 ? 0 : rc;
	while ((rc = resolve_next_rr(&h, &i, ns_t_naptr, qname, &p,
	    &end)) == 1) {
		if (end - p < 4)
			return RESOLVE_BOGUS;
		memset(&rec, 0, sizeof(rec));
		rec.order = (uint16_t)ns_get16(p);
		rec.pref = (uint16_t)ns_get16(p + 2);
		p += 4;
		if ((rc = resolve_cstring(&p, end, flags, sizeof(flags))) ==
		    -1)
			return RESOLVE_BOGUS;
		bad = rc;
		if ((rc = resolve_cstring(&p, end, service,
		    sizeof(service))) == -1)
			return RESOLVE_BOGUS;
		bad |= rc;
		if ((rc = resolve_cstring(&p, end, regexp, sizeof(regexp))) ==
		    -1)
			return RESOLVE_BOGUS;
		bad |= rc;
		if (p >= end || (k = dn_expand(msg, msg + len, p, rec.srv,
		    sizeof(rec.srv))) < 0 || k != end - p)
			return RESOLVE_BOGUS;
		if (bad || strcasecmp(flags, "s") != 0 || regexp[0] != '\0' ||
		    rec.srv[0] == '\0' || strcmp(rec.srv, ".") == 0)
			continue;
		if (strcasecmp(service, "SIP+D2U") == 0)
			rec.tcp = 0;
		else if (strcasecmp(service, "SIP+D2T") == 0)
			rec.tcp = 1;
		else
			continue;
		n = resolve_naptr_add(out, n, max, &rec);
	}
	return rc == -1 ? RESOLVE_BOGUS : (int)n;
}

/*
 * The SRV records of an answer, lowest priority first (the order to try
 * them in is resolve_pick_srv's). Returns how many, or RESOLVE_BOGUS /
 * RESOLVE_SERVFAIL.
 */
int
resolve_parse_srv(const uint8_t *msg, size_t len, uint16_t id,
    const char *qname, struct resolve_srv *out, size_t max)
{
	struct resolve_srv	 rec;
	ns_msg			 h;
	const uint8_t		*p, *end;
	size_t			 n = 0;
	int			 i = 0, k, rc;

	if ((rc = resolve_answer(msg, len, id, qname, ns_t_srv, &h)) != 0)
		return rc == 1 ? 0 : rc;
	while ((rc = resolve_next_rr(&h, &i, ns_t_srv, qname, &p,
	    &end)) == 1) {
		if (end - p < 7)
			return RESOLVE_BOGUS;
		memset(&rec, 0, sizeof(rec));
		rec.prio = (uint16_t)ns_get16(p);
		rec.weight = (uint16_t)ns_get16(p + 2);
		rec.port = (uint16_t)ns_get16(p + 4);
		p += 6;
		if ((k = dn_expand(msg, msg + len, p, rec.target,
		    sizeof(rec.target))) < 0 || k != end - p)
			return RESOLVE_BOGUS;
		n = resolve_srv_add(out, n, max, &rec);
	}
	return rc == -1 ? RESOLVE_BOGUS : (int)n;
}

/* A 32-bit step of a sequence drawn from a seed (murmur3's finalizer). */
static uint32_t
resolve_rand(uint32_t *state)
{
	uint32_t	 z;

	z = (*state += 0x9e3779b9U);
	z = (z ^ (z >> 16)) * 0x85ebca6bU;
	z = (z ^ (z >> 13)) * 0xc2b2ae35U;
	return z ^ (z >> 16);
}

/* FNV-1a of a string: the seed of the draws for one call. */
static uint32_t
resolve_hash(const char *s)
{
	uint32_t	 h = 2166136261U;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 16777619U;
	return h;
}

/*
 * Put SRV records in the order to try them (RFC 2782): drop those saying
 * the service is not there (target "." or port 0), lowest priority first,
 * and within a priority draw each place by weight among those left. The
 * draws come from seed alone, so one seed gives one order. Returns how
 * many records are kept at the front.
 */
size_t
resolve_pick_srv(struct resolve_srv *srv, size_t n, uint32_t seed)
{
	struct resolve_srv	 t;
	uint64_t		 sum, run, r;
	uint32_t		 x = seed;
	size_t			 i, j, k, end, kept = 0;

	for (i = 0; i < n; i++) {
		if (srv[i].port == 0 || srv[i].target[0] == '\0' ||
		    strcmp(srv[i].target, ".") == 0)
			continue;
		if (kept != i)
			srv[kept] = srv[i];
		kept++;
	}
	n = kept;
	/* Stable sort: priority, then weight 0 first as RFC 2782 asks. */
	for (i = 1; i < n; i++) {
		t = srv[i];
		for (j = i; j > 0 && (srv[j - 1].prio > t.prio ||
		    (srv[j - 1].prio == t.prio && srv[j - 1].weight != 0 &&
		    t.weight == 0)); j--)
			srv[j] = srv[j - 1];
		srv[j] = t;
	}
	for (i = 0; i < n; i = end) {
		for (end = i; end < n && srv[end].prio == srv[i].prio; end++)
			;
		for (j = i; j + 1 < end; j++) {
			for (sum = 0, k = j; k < end; k++)
				sum += srv[k].weight;
			r = resolve_rand(&x) % (sum + 1);
			for (run = 0, k = j; k + 1 < end; k++)
				if ((run += srv[k].weight) >= r)
					break;
			t = srv[k];
			memmove(&srv[j + 1], &srv[j], (k - j) * sizeof(*srv));
			srv[j] = t;
		}
	}
	return n;
}

/*
 * A resolver asking server ("ip" or "ip:port", "[ipv6]:port"), or the
 * first nameserver of /etc/resolv.conf when NULL; each query waits
 * timeout seconds for its answer and is sent twice at most.
 */
struct resolver *
resolver_new(struct event_base *base, const char *server, int timeout)
{
	struct resolver	*r;
	char		 secs[16];
	int		 len;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->base = base;
	r->timeout = timeout;
	TAILQ_INIT(&r->reqs);
	TAILQ_INIT(&r->as);
	if (res_ninit(&r->res) == -1) {
		log_warnx("cannot initialise libresolv");
		goto fail;
	}
	r->res_ok = 1;
	/* Only the recursion bit of resolv.conf's options in our queries. */
	r->res.options = (r->res.options & RES_INIT) | RES_RECURSE;
	evdns_set_log_fn(resolve_evdns_log);
	snprintf(secs, sizeof(secs), "%d", timeout);
	if ((r->dns = evdns_base_new(base,
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE)) == NULL ||
	    evdns_base_set_option(r->dns, "timeout:", secs) == -1 ||
	    evdns_base_set_option(r->dns, "attempts:", "2") == -1)
		goto fail;
	if (server != NULL) {
		if (evdns_base_nameserver_ip_add(r->dns, server) != 0) {
			log_warnx("DNS server %s: not ip[:port]", server);
			goto fail;
		}
	} else
		evdns_base_resolv_conf_parse(r->dns, DNS_OPTION_NAMESERVERS,
		    "/etc/resolv.conf");
	if ((len = evdns_base_get_nameserver_addr(r->dns, 0,
	    (struct sockaddr *)&r->server, sizeof(r->server))) <= 0 ||
	    (size_t)len > sizeof(r->server)) {
		log_warnx("no DNS server");
		goto fail;
	}
	r->serverlen = (socklen_t)len;
	return r;
fail:
	resolver_free(r);
	return NULL;
}

/* Free a resolver; its lookups end without calling back. */
void
resolver_free(struct resolver *r)
{
	struct resolve_req	*req;
	struct resolve_a	*a;

	if (r == NULL)
		return;
	while ((req = TAILQ_FIRST(&r->reqs)) != NULL)
		resolve_req_free(req);
	/* evdns drops its requests without calling back: free ours. */
	if (r->dns != NULL)
		evdns_base_free(r->dns, 0);
	while ((a = TAILQ_FIRST(&r->as)) != NULL) {
		TAILQ_REMOVE(&r->as, a, entry);
		free(a);
	}
	if (r->res_ok)
		res_nclose(&r->res);
	free(r);
}

/*
 * Start resolving a sip: URI whose host is a name (RFC 3263 4): with a
 * port, A only; with a transport, SRV for it; else NAPTR first. Requests
 * with the same key draw the same SRV order and address. The callback
 * comes later, never from here; NULL with errno EINVAL for a URI this
 * cannot resolve (a numeric host, sips:, a transport other than UDP or
 * TCP), ENOMEM, or EAGAIN when a query cannot start.
 */
struct resolve_req *
resolve_sip_uri(struct resolver *r, const osip_uri_t *u, const char *key,
    resolve_cb cb, void *arg)
{
	struct resolve_req	*req;
	osip_uri_param_t	*t;
	unsigned char		 a[16];
	unsigned long		 port = 0;
	char			*end;
	size_t			 len;
	int			 transport = -1, rc;

	if (u == NULL || u->scheme == NULL || strcasecmp(u->scheme, "sip") !=
	    0 || u->host == NULL || (len = strlen(u->host)) == 0 ||
	    len >= RESOLVE_NAME_MAX || strspn(u->host, RESOLVE_HOST_CHARS) !=
	    len || inet_pton(AF_INET, u->host, a) == 1)
		goto invalid;
	if (u->port != NULL) {
		if (u->port[0] < '0' || u->port[0] > '9' ||
		    strlen(u->port) > 5)
			goto invalid;
		port = strtoul(u->port, &end, 10);
		if (*end != '\0' || port == 0 || port > 65535)
			goto invalid;
	}
	if ((t = sip_param(&u->url_params, "transport")) != NULL) {
		if (t->gvalue != NULL && strcasecmp(t->gvalue, "udp") == 0)
			transport = 0;
		else if (t->gvalue != NULL && strcasecmp(t->gvalue, "tcp") == 0)
			transport = 1;
		else
			goto invalid;
	}
	if ((req = calloc(1, sizeof(*req))) == NULL)
		return NULL;
	req->r = r;
	req->cb = cb;
	req->arg = arg;
	req->seed = key != NULL ? resolve_hash(key) : arc4random();
	memcpy(req->host, u->host, len + 1);
	if (len > 1 && req->host[len - 1] == '.')
		req->host[len - 1] = '\0';
	if (port != 0) {
		/* A name with a port: its address, UDP unless told. */
		memcpy(req->targets[0].target, req->host, sizeof(req->host));
		req->targets[0].port = (uint16_t)port;
		req->ntargets = 1;
		req->tcp = transport == 1;
		rc = resolve_a_start(req);
	} else if (transport != -1) {
		if (resolve_srv_name(req, 0, transport) == -1) {
			free(req);
			goto invalid;
		}
		req->nnames = 1;
		rc = resolve_query_start(req, req->names[0].srv, ns_t_srv);
	} else
		rc = resolve_query_start(req, req->host, ns_t_naptr);
	if (rc == -1) {
		free(req);
		errno = EAGAIN;
		return NULL;
	}
	TAILQ_INSERT_TAIL(&r->reqs, req, entry);
	return req;
invalid:
	errno = EINVAL;
	return NULL;
}

/* Stop a lookup; its callback is not called. */
void
resolve_cancel(struct resolve_req *req)
{
	if (req != NULL)
		resolve_req_free(req);
}

/* Make names[i] the SRV name of the host for a transport (RFC 3263 4.1). */
static int
resolve_srv_name(struct resolve_req *req, size_t i, int tcp)
{
	struct resolve_naptr	*n = &req->names[i];
	int			 len;

	memset(n, 0, sizeof(*n));
	n->tcp = tcp;
	len = snprintf(n->srv, sizeof(n->srv), "_sip._%s.%s",
	    tcp ? "tcp" : "udp", req->host);
	return len < 0 || (size_t)len >= sizeof(n->srv) ? -1 : 0;
}

/* Send a NAPTR or SRV query for name from a new socket. */
static int
resolve_query_start(struct resolve_req *req, const char *name,
    ns_type type)
{
	struct resolver		*r = req->r;
	struct resolve_query	*q;
	int			 n;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return -1;
	q->fd = -1;
	q->type = type;
	req->q = q;
	snprintf(q->name, sizeof(q->name), "%s", name);
	if ((n = res_nmkquery(&r->res, ns_o_query, name, ns_c_in, type, NULL,
	    0, NULL, q->buf, sizeof(q->buf))) < NS_HFIXEDSZ) {
		log_warnx("cannot make a DNS query for %s", name);
		goto fail;
	}
	q->len = (size_t)n;
	/* Our own ID: libresolv's comes from the clock. */
	q->id = (uint16_t)arc4random_uniform(65536);
	ns_put16(q->id, q->buf);
	/* Connected: ICMP errors reach us, other sources are filtered. */
	if ((q->fd = socket(r->server.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 || connect(q->fd,
	    (struct sockaddr *)&r->server, r->serverlen) == -1) {
		log_warn("DNS socket");
		goto fail;
	}
	if ((q->rd = event_new(r->base, q->fd, EV_READ | EV_PERSIST,
	    resolve_query_read, req)) == NULL ||
	    (q->timer = evtimer_new(r->base, resolve_query_timer, req)) ==
	    NULL || event_add(q->rd, NULL) == -1 ||
	    resolve_query_send(req) == -1)
		goto fail;
	log_debug("resolve %s: %s query for %s", req->host,
	    type == ns_t_naptr ? "NAPTR" : "SRV", name);
	return 0;
fail:
	resolve_query_end(req);
	return -1;
}

/* Send (or send again) the query in flight and arm its timer. */
static int
resolve_query_send(struct resolve_req *req)
{
	struct resolve_query	*q = req->q;
	struct timeval		 tv = { req->r->timeout, 0 };

	if (send(q->fd, q->buf, q->len, 0) == -1) {
		log_warn("DNS query for %s", q->name);
		return -1;
	}
	q->tries++;
	return evtimer_add(q->timer, &tv);
}

/* Close the query in flight, if any. */
static void
resolve_query_end(struct resolve_req *req)
{
	struct resolve_query	*q = req->q;

	if (q == NULL)
		return;
	if (q->rd != NULL)
		event_free(q->rd);
	if (q->timer != NULL)
		event_free(q->timer);
	if (q->fd != -1)
		close(q->fd);
	free(q);
	req->q = NULL;
}

/* Whether a datagram came from the server we asked. */
static int
resolve_from_server(const struct resolver *r,
    const struct sockaddr_storage *ss, socklen_t len)
{
	const struct sockaddr_storage	*srv = &r->server;
	const struct sockaddr_in	*a = (const struct sockaddr_in *)ss;
	const struct sockaddr_in	*b = (const struct sockaddr_in *)srv;
	const struct sockaddr_in6	*a6 = (const struct sockaddr_in6 *)ss;
	const struct sockaddr_in6	*b6 = (const struct sockaddr_in6 *)srv;

	if (ss->ss_family != r->server.ss_family)
		return 0;
	if (ss->ss_family == AF_INET)
		return len >= sizeof(*a) && a->sin_port == b->sin_port &&
		    a->sin_addr.s_addr == b->sin_addr.s_addr;
	if (ss->ss_family == AF_INET6)
		return len >= sizeof(*a6) && a6->sin6_port == b6->sin6_port &&
		    memcmp(&a6->sin6_addr, &b6->sin6_addr,
		    sizeof(a6->sin6_addr)) == 0;
	return 0;
}

/* Datagrams on a query's socket: the answer ends the query. */
static void
resolve_query_read(evutil_socket_t fd, short what, void *arg)
{
	struct resolve_req	*req = arg;
	struct resolve_query	*q = req->q;
	struct sockaddr_storage	 ss;
	socklen_t		 slen;
	uint8_t			 buf[RESOLVE_ANSWER_MAX];
	ssize_t			 len;
	ns_type			 type = q->type;
	int			 i, n;

	(void)what;
	for (i = 0; i < RESOLVE_BURST; i++) {
		slen = sizeof(ss);
		if ((len = recvfrom(fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&ss, &slen)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			/* Most likely ICMP: nothing listens there. */
			log_info("resolve %s: DNS server: %s", req->host,
			    strerror(errno));
			resolve_query_end(req);
			resolve_finish(req, RESOLVE_ETEMP, NULL);
			return;
		}
		if (!resolve_from_server(req->r, &ss, slen))
			continue;
		if (type == ns_t_naptr)
			n = resolve_parse_naptr(buf, (size_t)len, q->id,
			    q->name, req->names, RESOLVE_RR_MAX);
		else
			n = resolve_parse_srv(buf, (size_t)len, q->id, q->name,
			    req->targets, RESOLVE_RR_MAX);
		if (n == RESOLVE_BOGUS) {
			log_debug("resolve %s: ignored a datagram that does "
			    "not answer %s", req->host, q->name);
			continue;
		}
		resolve_query_end(req);
		if (type == ns_t_naptr)
			resolve_naptr_done(req, n);
		else
			resolve_srv_done(req, n);
		return;
	}
}

/* No answer in time: ask once more, then give up on the server. */
static void
resolve_query_timer(evutil_socket_t fd, short what, void *arg)
{
	struct resolve_req	*req = arg;
	struct resolve_query	*q = req->q;

	(void)fd;
	(void)what;
	if (q->tries < RESOLVE_TRIES && resolve_query_send(req) == 0) {
		log_debug("resolve %s: no answer for %s yet, asking again",
		    req->host, q->name);
		return;
	}
	log_info("resolve %s: no answer from the DNS server for %s",
	    req->host, q->name);
	resolve_query_end(req);
	resolve_finish(req, RESOLVE_ETEMP, NULL);
}

/* NAPTR answered: the SRV names it gives, or the default two. */
static void
resolve_naptr_done(struct resolve_req *req, int n)
{
	if (n == RESOLVE_SERVFAIL) {
		req->temp = 1;
		n = 0;
	}
	req->nnames = (size_t)n;
	if (n == 0 && resolve_srv_name(req, 0, 0) == 0 &&
	    resolve_srv_name(req, 1, 1) == 0)
		req->nnames = 2;
	log_debug("resolve %s: %d NAPTR record%s for SIP", req->host, n,
	    n == 1 ? "" : "s");
	req->iname = 0;
	resolve_srv_next(req);
}

/* Ask for the next SRV name, or for the host's own address when done. */
static void
resolve_srv_next(struct resolve_req *req)
{
	if (req->iname < req->nnames) {
		if (resolve_query_start(req, req->names[req->iname].srv,
		    ns_t_srv) == -1)
			resolve_finish(req, RESOLVE_ETEMP, NULL);
		return;
	}
	/* No SRV (RFC 3263 4.2): the host, port 5060, the first transport. */
	memset(&req->targets[0], 0, sizeof(req->targets[0]));
	memcpy(req->targets[0].target, req->host, sizeof(req->host));
	req->targets[0].port = RESOLVE_SIP_PORT;
	req->ntargets = 1;
	req->itarget = 0;
	req->tcp = req->nnames > 0 && req->names[0].tcp;
	resolve_a_next(req);
}

/* SRV answered: its targets in order, or the next SRV name. */
static void
resolve_srv_done(struct resolve_req *req, int n)
{
	if (n == RESOLVE_SERVFAIL) {
		req->temp = 1;
		n = 0;
	}
	n = (int)resolve_pick_srv(req->targets, (size_t)n, req->seed);
	log_debug("resolve %s: %d SRV target%s for %s", req->host, n,
	    n == 1 ? "" : "s", req->names[req->iname].srv);
	if (n > 0) {
		req->ntargets = (size_t)n;
		req->itarget = 0;
		req->tcp = req->names[req->iname].tcp;
		resolve_a_next(req);
		return;
	}
	req->iname++;
	resolve_srv_next(req);
}

/* Ask evdns for the address of the current target. */
static int
resolve_a_start(struct resolve_req *req)
{
	struct resolve_a	*a;
	const char		*name = req->targets[req->itarget].target;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -1;
	a->r = req->r;
	a->req = req;
	TAILQ_INSERT_TAIL(&req->r->as, a, entry);
	req->a = a;
	if (evdns_base_resolve_ipv4(req->r->dns, name, DNS_QUERY_NO_SEARCH,
	    resolve_a_done, a) == NULL) {
		log_warnx("resolve %s: cannot ask for the address of %s",
		    req->host, name);
		TAILQ_REMOVE(&req->r->as, a, entry);
		free(a);
		req->a = NULL;
		return -1;
	}
	log_debug("resolve %s: A query for %s", req->host, name);
	return 0;
}

/* Look up the current target, or end: found nothing, or a failure. */
static void
resolve_a_next(struct resolve_req *req)
{
	struct resolve_srv	*t;
	struct sip_addr		 to;
	unsigned char		 a[16];

	if (req->itarget >= req->ntargets) {
		resolve_finish(req, req->temp ? RESOLVE_ETEMP :
		    RESOLVE_ENOTFOUND, NULL);
		return;
	}
	t = &req->targets[req->itarget];
	/* Not what RFC 2782 allows, but a target may be an address. */
	if (inet_pton(AF_INET, t->target, a) == 1) {
		memset(&to, 0, sizeof(to));
		snprintf(to.host, sizeof(to.host), "%s", t->target);
		to.port = t->port;
		to.tcp = req->tcp;
		resolve_finish(req, RESOLVE_OK, &to);
		return;
	}
	if (resolve_a_start(req) == -1)
		resolve_finish(req, RESOLVE_ETEMP, NULL);
}

/* evdns answered: an address ends the lookup, else the next target. */
static void
resolve_a_done(int result, char type, int count, int ttl, void *addrs,
    void *arg)
{
	struct resolve_a	*a = arg;
	struct resolve_req	*req = a->req;
	struct sip_addr		 to;
	struct in_addr		 in;

	(void)ttl;
	TAILQ_REMOVE(&a->r->as, a, entry);
	free(a);
	if (req == NULL)
		return;
	req->a = NULL;
	if (result == DNS_ERR_NONE && type == DNS_IPv4_A && count > 0 &&
	    addrs != NULL) {
		memcpy(&in, (const uint8_t *)addrs + sizeof(in) *
		    (req->seed % (uint32_t)count), sizeof(in));
		memset(&to, 0, sizeof(to));
		if (inet_ntop(AF_INET, &in, to.host, sizeof(to.host)) ==
		    NULL) {
			resolve_finish(req, RESOLVE_ETEMP, NULL);
			return;
		}
		to.port = req->targets[req->itarget].port;
		to.tcp = req->tcp;
		resolve_finish(req, RESOLVE_OK, &to);
		return;
	}
	log_debug("resolve %s: no address for %s: %s", req->host,
	    req->targets[req->itarget].target, evdns_err_to_string(result));
	if (result == DNS_ERR_TIMEOUT) {
		resolve_finish(req, RESOLVE_ETEMP, NULL);
		return;
	}
	if (result != DNS_ERR_NONE && result != DNS_ERR_NOTEXIST)
		req->temp = 1;
	req->itarget++;
	resolve_a_next(req);
}

/* End a request: free it, then tell its owner. */
static void
resolve_finish(struct resolve_req *req, int error, const struct sip_addr *to)
{
	struct sip_addr	 addr;
	resolve_cb	 cb = req->cb;
	void		*arg = req->arg;

	memset(&addr, 0, sizeof(addr));
	if (to != NULL) {
		addr = *to;
		log_debug("resolve %s: %s:%u over %s", req->host, addr.host,
		    addr.port, addr.tcp ? "TCP" : "UDP");
	} else
		log_debug("resolve %s: %s", req->host,
		    error == RESOLVE_ENOTFOUND ? "not found" : "failed");
	resolve_req_free(req);
	cb(arg, error, to != NULL ? &addr : NULL);
}

/* Free a request and what it has in flight. */
static void
resolve_req_free(struct resolve_req *req)
{
	resolve_query_end(req);
	/* evdns calls back later anyway: the lookup forgets us. */
	if (req->a != NULL)
		req->a->req = NULL;
	TAILQ_REMOVE(&req->r->reqs, req, entry);
	free(req);
}

/* evdns's own messages, in our log: a failing server is worth a line. */
static void
resolve_evdns_log(int warning, const char *msg)
{
	if (warning)
		log_info("evdns: %s", msg);
}
