/*
 * The SIP proxy core both halves share (RFC 3261 section 16) on libosip2.
 * Every message from the network is checked for size, NUL bytes, line
 * lengths and header count before libosip2 sees it (its parser has a
 * history of CVEs on exactly such input), and for the headers a proxy
 * cannot work without after it has parsed.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_port.h>

#include "crypto.h"
#include "log.h"
#include "sip.h"

static void	sip_trace(const char *, int, osip_trace_level_t, const char *,
		    va_list) __attribute__((format(printf, 4, 0)));
static int	sip_required(const osip_message_t *, const char **);
static int	sip_multipart(const char *, size_t, osip_message_t **);
static int	sip_raw_body(osip_message_t *, const char *, size_t);
static int	sip_is_digits(const char *, size_t);
static int	sip_port(const char *, uint16_t *);
static char	*sip_dup(const char *);

/* libosip2's own complaints about hostile input are debug lines here. */
static void
sip_trace(const char *file, int line, osip_trace_level_t level,
    const char *fmt, va_list ap)
{
	char	 msg[512];

	(void)file;
	(void)line;
	(void)level;
	if (log_get_level() < LOG_LEVEL_DEBUG)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\r\n")] = '\0';
	log_debug("libosip2: %s", msg);
}

/* Set up libosip2's parser tables; once, before any parsing. */
void
sip_init(void)
{
	parser_init();
	osip_trace_initialize_func(OSIP_WARNING, sip_trace);
}

/* libosip2 takes mutable strings it will own: give it a copy. */
static char *
sip_dup(const char *s)
{
	return osip_strdup(s);
}

/* A named parameter of a header or URI, or NULL. */
osip_generic_param_t *
sip_param(const osip_list_t *params, const char *name)
{
	osip_generic_param_t	*p;

	/* libosip2 only reads both, whatever its prototype says. */
	if (osip_generic_param_get_byname((osip_list_t *)(uintptr_t)params,
	    (char *)(uintptr_t)name, &p) != 0)
		return NULL;
	return p;
}

/* A port number 1..65535 from text; -1 for anything else. */
static int
sip_port(const char *s, uint16_t *port)
{
	unsigned long	 n;

	if (!sip_is_digits(s, 5) || (n = strtoul(s, NULL, 10)) == 0 ||
	    n > 65535)
		return -1;
	*port = (uint16_t)n;
	return 0;
}

/* True when s is 1..max digits. */
static int
sip_is_digits(const char *s, size_t max)
{
	size_t	 n = strspn(s, "0123456789");

	return n > 0 && n <= max && s[n] == '\0';
}

/*
 * Bound a message before the parser sees it: total size, NUL bytes in the
 * head, the length and number of head lines, CR and LF only as CRLF. Sets *headlen
 * to the head's length including its blank line. Leading CRLFs (RFC 3261
 * 7.5) must have been skipped by the caller.
 */
int
sip_precheck(const char *buf, size_t len, size_t *headlen, int *status,
    const char **why)
{
	const char	*p, *end, *eol;
	int		 lines = 0;

	*status = 400;
	if (len > SIP_MSG_MAX) {
		*status = 513;
		*why = "message too large";
		return -1;
	}
	end = buf + len;
	for (p = buf; p < end; p = eol + 2) {
		for (eol = p; eol < end && *eol != '\r' && *eol != '\n'; eol++)
			;
		if (eol + 1 >= end || eol[0] != '\r' || eol[1] != '\n') {
			*why = "head not made of CRLF-terminated lines";
			return -1;
		}
		if ((size_t)(eol - p) > SIP_LINE_MAX) {
			*why = "line too long";
			return -1;
		}
		if (++lines > SIP_HEADERS_MAX) {
			*why = "too many header lines";
			return -1;
		}
		if (eol == p) {
			/* libosip2 would read on past a head of one line. */
			if (lines == 2) {
				*why = "no header lines";
				return -1;
			}
			/* The head is read as C strings; the body, taken by
			 * its length, may hold any octet. */
			*headlen = (size_t)(eol + 2 - buf);
			if (memchr(buf, '\0', *headlen) != NULL) {
				*why = "NUL byte in the head";
				return -1;
			}
			return 0;
		}
	}
	*why = "no end of head";
	return -1;
}

/* The headers a proxy cannot do without, and their consistency. */
static int
sip_required(const osip_message_t *m, const char **why)
{
	const osip_via_t	*via;
	uint16_t		 port;
	int			 i, nvia = osip_list_size(&m->vias);

	if (nvia < 1 || nvia > SIP_VIAS_MAX) {
		*why = nvia < 1 ? "no Via" : "too many Via";
		return -1;
	}
	for (i = 0; i < nvia; i++) {
		via = osip_list_get(&m->vias, i);
		/* Blanks where the host goes parse as an empty host. */
		if (via == NULL || via->host == NULL || via->host[0] == '\0' ||
		    via->protocol == NULL ||
		    (via->port != NULL && sip_port(via->port, &port) == -1)) {
			*why = "malformed Via";
			return -1;
		}
	}
	if (m->from == NULL || m->from->url == NULL || m->to == NULL ||
	    m->to->url == NULL) {
		*why = "missing or malformed From or To";
		return -1;
	}
	if (m->call_id == NULL || m->call_id->number == NULL ||
	    strlen(m->call_id->number) + (m->call_id->host != NULL ?
	    strlen(m->call_id->host) : 0) > 200) {
		*why = "missing or oversized Call-ID";
		return -1;
	}
	if (m->cseq == NULL || m->cseq->number == NULL ||
	    m->cseq->method == NULL || !sip_is_digits(m->cseq->number, 10) ||
	    strtoul(m->cseq->number, NULL, 10) > 0x7fffffffUL) {
		*why = "missing or malformed CSeq";
		return -1;
	}
	if (MSG_IS_REQUEST(m)) {
		if (m->sip_method == NULL || m->req_uri == NULL ||
		    m->req_uri->scheme == NULL) {
			*why = "malformed request line";
			return -1;
		}
		if (strcmp(m->sip_method, m->cseq->method) != 0 &&
		    strcmp(m->sip_method, "ACK") != 0) {
			*why = "CSeq method differs from the request's";
			return -1;
		}
	} else if (m->status_code < 100 || m->status_code > 699) {
		*why = "bad status code";
		return -1;
	}
	if (m->content_length != NULL && (m->content_length->value == NULL ||
	    !sip_is_digits(m->content_length->value, 6))) {
		*why = "malformed Content-Length";
		return -1;
	}
	return 0;
}

/*
 * Parse one message from the network. On error, *status is the response
 * a request deserves (400, 513) and *why says what was wrong; *out is the
 * parsed message when only its content was wrong (the caller answers from
 * it and frees it), NULL when it never reached the parser.
 */
int
sip_parse(const char *buf, size_t len, osip_message_t **out, int *status,
    const char **why)
{
	osip_message_t	*m;
	osip_header_t	*h;
	size_t		 headlen, body;
	unsigned long	 clen;

	*out = NULL;
	/* RFC 3261 7.5: empty lines before the start line are ignored. */
	while (len >= 2 && buf[0] == '\r' && buf[1] == '\n') {
		buf += 2;
		len -= 2;
	}
	if (sip_precheck(buf, len, &headlen, status, why) == -1)
		return -1;
	body = len - headlen;
	*status = 400;
	if (osip_message_init(&m) != 0) {
		*status = 500;
		*why = "out of memory";
		return -1;
	}
	if (len > headlen && sip_multipart(buf, headlen, out)) {
		osip_message_free(m);
		*status = 415;
		*why = "multipart bodies are not relayed";
		return -1;
	}
	if (osip_message_parse(m, buf, len) != 0) {
		osip_message_free(m);
		*why = "unparsable message";
		return -1;
	}
	/* From here on *out is set even on error: the caller may answer. */
	*out = m;
	if (sip_required(m, why) == -1)
		return -1;
	/* RFC 3261 8.2.2.x, 16.3: what a proxy refuses with its own code. */
	if (m->sip_version == NULL || strcmp(m->sip_version, "SIP/2.0") != 0) {
		*status = 505;
		*why = "unsupported SIP version";
		return -1;
	}
	if (MSG_IS_REQUEST(m) && strcasecmp(m->req_uri->scheme, "sip") != 0 &&
	    strcasecmp(m->req_uri->scheme, "sips") != 0) {
		*status = 416;
		*why = "unsupported URI scheme";
		return -1;
	}
	/* This proxy supports no extension a request could require of it. */
	if (MSG_IS_REQUEST(m) && !MSG_IS_ACK(m) && !MSG_IS_CANCEL(m) &&
	    osip_message_header_get_byname(m, "proxy-require", 0, &h) >= 0) {
		*status = 420;
		*why = "Proxy-Require names an extension we do not support";
		return -1;
	}
	clen = m->content_length != NULL ?
	    strtoul(m->content_length->value, NULL, 10) : body;
	if (clen > body) {
		*why = "body shorter than Content-Length";
		return -1;
	}
	if (sip_raw_body(m, buf + headlen, clen) == -1) {
		*status = 500;
		*why = "out of memory";
		return -1;
	}
	return 0;
}

/*
 * True when a message's head says its body is multipart, which libosip2
 * would split into parts with a parser that leaks memory on crafted input
 * (and join differently): such a message is refused before that parser
 * sees it. Only the head is given to libosip2 here; when it parses well
 * enough to be answered, *out is set to it.
 */
static int
sip_multipart(const char *buf, size_t headlen, osip_message_t **out)
{
	osip_message_t	*h;
	const char	*why;

	if (osip_message_init(&h) != 0)
		return 0;
	/* Fails on the missing body; the headers before it are parsed. */
	(void)osip_message_parse(h, buf, headlen);
	if (h->content_type == NULL || h->content_type->type == NULL ||
	    strcasecmp(h->content_type->type, "multipart") != 0) {
		osip_message_free(h);
		return 0;
	}
	if (sip_required(h, &why) == 0)
		*out = h;
	else
		osip_message_free(h);
	return 1;
}

/*
 * A proxy passes a body on as it came: Content-Length bytes of what was
 * received, whatever octets they hold, as one opaque body.
 */
static int
sip_raw_body(osip_message_t *m, const char *body, size_t len)
{
	osip_body_t	*b;

	while ((b = osip_list_get(&m->bodies, 0)) != NULL) {
		osip_list_remove(&m->bodies, 0);
		osip_body_free(b);
	}
	return len == 0 || osip_message_set_body(m, body, len) == 0 ? 0 : -1;
}

/* The message as bytes to send (caller frees with osip_free). */
int
sip_serialize(osip_message_t *m, char **buf, size_t *len)
{
	osip_message_force_update(m);
	return osip_message_to_str(m, buf, len) == 0 ? 0 : -1;
}

/* "number@host" of a message's Call-ID. */
const char *
sip_call_id(const osip_message_t *m, char *buf, size_t len)
{
	if (m->call_id->host != NULL)
		snprintf(buf, len, "%s@%s", m->call_id->number,
		    m->call_id->host);
	else
		snprintf(buf, len, "%s", m->call_id->number);
	return buf;
}

/*
 * A response to a request, as a proxy sends its own: the request's Via,
 * From, To (with a tag of ours when it has none), Call-ID and CSeq; NULL
 * when the request lacks one of them and cannot be answered.
 */
osip_message_t *
sip_reply(const osip_message_t *req, int status, const char *reason)
{
	osip_message_t	*r;
	osip_via_t	*via, *copy;
	osip_header_t	*h;
	uint8_t		 raw[8];
	char		 hex[17];
	int		 i;

	/* What a response cannot be built without. */
	if (osip_list_size(&req->vias) < 1 || req->from == NULL ||
	    req->to == NULL || req->call_id == NULL || req->cseq == NULL)
		return NULL;
	if (osip_message_init(&r) != 0)
		return NULL;
	osip_message_set_version(r, sip_dup("SIP/2.0"));
	osip_message_set_status_code(r, status);
	osip_message_set_reason_phrase(r, sip_dup(reason != NULL ? reason :
	    osip_message_get_reason(status) != NULL ?
	    osip_message_get_reason(status) : "Unknown"));
	for (i = 0; (via = osip_list_get(&req->vias, i)) != NULL; i++) {
		if (osip_via_clone(via, &copy) != 0)
			goto fail;
		osip_list_add(&r->vias, copy, -1);
	}
	if (osip_from_clone(req->from, &r->from) != 0 ||
	    osip_to_clone(req->to, &r->to) != 0 ||
	    osip_call_id_clone(req->call_id, &r->call_id) != 0 ||
	    osip_cseq_clone(req->cseq, &r->cseq) != 0)
		goto fail;
	if (status > 100 && sip_param(&r->to->gen_params, "tag") == NULL) {
		if (crypto_random(raw, sizeof(raw)) == -1)
			goto fail;
		crypto_hex(raw, sizeof(raw), hex);
		osip_to_set_tag(r->to, sip_dup(hex));
	}
	/* A 420 lists what it does not support (RFC 3261 20.40). */
	for (i = 0; status == 420 && osip_message_header_get_byname(req,
	    "proxy-require", i, &h) >= 0; i++)
		if (h->hvalue != NULL &&
		    osip_message_set_header(r, "Unsupported", h->hvalue) != 0)
			goto fail;
	if (osip_message_set_content_length(r, "0") != 0)
		goto fail;
	return r;
fail:
	osip_message_free(r);
	return NULL;
}

/* Put our Via on top of a request we forward. */
int
sip_via_push(osip_message_t *m, const struct sip_addr *self,
    const char *branch)
{
	osip_via_t	*via;
	char		 port[8];

	if (osip_via_init(&via) != 0)
		return -1;
	snprintf(port, sizeof(port), "%u", self->port);
	osip_via_set_version(via, sip_dup("2.0"));
	osip_via_set_protocol(via, sip_dup(self->tcp ? "TCP" : "UDP"));
	osip_via_set_host(via, sip_dup(self->host));
	osip_via_set_port(via, sip_dup(port));
	osip_via_set_branch(via, sip_dup(branch));
	osip_via_param_add(via, sip_dup("rport"), NULL);
	if (osip_list_add(&m->vias, via, 0) < 0) {
		osip_via_free(via);
		return -1;
	}
	return 0;
}

/* Take our Via off a response before passing it on. */
int
sip_via_pop(osip_message_t *m)
{
	osip_via_t	*via = osip_list_get(&m->vias, 0);

	if (via == NULL || osip_list_remove(&m->vias, 0) < 0)
		return -1;
	osip_via_free(via);
	return osip_list_size(&m->vias) > 0 ? 0 : -1;
}

/*
 * Record where a request really came from in its top Via (RFC 3261
 * 18.2.1 "received", RFC 3581 "rport"), so the response finds its way
 * back through the sender's NAT.
 */
int
sip_via_received(osip_message_t *m, const struct sip_addr *src)
{
	osip_via_t		*via = osip_list_get(&m->vias, 0);
	osip_generic_param_t	*rport, *rcvd;
	char			 port[8];

	if (via == NULL)
		return -1;
	snprintf(port, sizeof(port), "%u", src->port);
	if ((rport = sip_param(&via->via_params, "rport")) != NULL) {
		osip_free(rport->gvalue);
		rport->gvalue = sip_dup(port);
	}
	if ((rcvd = sip_param(&via->via_params, "received")) != NULL) {
		osip_free(rcvd->gvalue);
		rcvd->gvalue = sip_dup(src->host);
	} else if (rport != NULL || strcmp(via->host, src->host) != 0)
		osip_via_set_received(via, sip_dup(src->host));
	return 0;
}

/* Where the response to a message goes, from its top Via. */
int
sip_via_target(const osip_message_t *m, struct sip_addr *to)
{
	osip_via_t		*via = osip_list_get(&m->vias, 0);
	osip_generic_param_t	*p;
	const char		*host;
	struct in6_addr		 a;

	if (via == NULL)
		return -1;
	host = via->host;
	if ((p = sip_param(&via->via_params, "received")) != NULL &&
	    p->gvalue != NULL)
		host = p->gvalue;
	if (inet_pton(AF_INET, host, &a) != 1 &&
	    inet_pton(AF_INET6, host, &a) != 1)
		return -1;
	snprintf(to->host, sizeof(to->host), "%s", host);
	to->port = 5060;
	if (((p = sip_param(&via->via_params, "rport")) == NULL ||
	    p->gvalue == NULL || sip_port(p->gvalue, &to->port) == -1) &&
	    via->port != NULL && sip_port(via->port, &to->port) == -1)
		return -1;
	to->tcp = strcasecmp(via->protocol, "TCP") == 0;
	return to->port == 0 ? -1 : 0;
}

/*
 * The branch of the Via we add to a request: a hash of what identifies
 * its transaction upstream (RFC 3261 16.6 step 8 for stateless proxies),
 * so that a CANCEL or the ACK of a failed INVITE gets the same branch as
 * the INVITE it belongs to, and a retransmission the same as the original.
 */
int
sip_branch(const osip_message_t *m, const uint8_t *key, size_t keylen,
    char out[SIP_BRANCH_LEN])
{
	osip_via_t		*via = osip_list_get(&m->vias, 0);
	osip_generic_param_t	*b;
	uint8_t			 mac[CRYPTO_MACLEN];
	char			 data[1024], hex[25];
	char			 cid[256];

	if (via == NULL)
		return -1;
	snprintf(data, sizeof(data), "%s|%s:%s|%s|%s",
	    (b = sip_param(&via->via_params, "branch")) != NULL &&
	    b->gvalue != NULL ? b->gvalue : "", via->host,
	    via->port != NULL ? via->port : "", sip_call_id(m, cid,
	    sizeof(cid)), m->cseq->number);
	if (crypto_hmac(key, keylen, data, strlen(data), mac) == -1)
		return -1;
	crypto_hex(mac, 12, hex);
	snprintf(out, SIP_BRANCH_LEN, "z9hG4bK-vofw-%s", hex);
	return 0;
}

/*
 * RFC 3261 16.3 step 4: a request that already carries the branch we
 * would give it has been here before and is looping.
 */
int
sip_loop_check(const osip_message_t *m, const char *branch)
{
	osip_via_t		*via;
	osip_generic_param_t	*b;
	int			 i;

	for (i = 0; (via = osip_list_get(&m->vias, i)) != NULL; i++)
		if ((b = sip_param(&via->via_params, "branch")) != NULL &&
		    b->gvalue != NULL && strcmp(b->gvalue, branch) == 0)
			return -1;
	return 0;
}

/*
 * Decrement Max-Forwards (adding it when absent); -1 when it was already
 * 0 and the request must be answered 483.
 */
int
sip_max_forwards(osip_message_t *m)
{
	osip_header_t	*h;
	unsigned long	 n;
	char		 v[12];

	if (osip_message_header_get_byname(m, "max-forwards", 0, &h) < 0 ||
	    h->hvalue == NULL) {
		snprintf(v, sizeof(v), "%d", SIP_MAX_FORWARDS);
		return osip_message_set_header(m, "Max-Forwards", v) == 0 ?
		    SIP_MAX_FORWARDS : -2;
	}
	/* Leading zeros are legal (RFC 4475 3.1.1.1: "0068"). */
	if (!sip_is_digits(h->hvalue, 10))
		return -2;
	n = strtoul(h->hvalue, NULL, 10);
	if (n == 0)
		return -1;
	n = n > 255 ? 254 : n - 1;
	snprintf(v, sizeof(v), "%lu", n);
	osip_free(h->hvalue);
	h->hvalue = sip_dup(v);
	return (int)n;
}

/* Put our Record-Route on top, so the dialog's requests come through us. */
int
sip_rr_push(osip_message_t *m, const char *uri)
{
	osip_record_route_t	*rr;
	char			 value[300];

	snprintf(value, sizeof(value), "<%s>", uri);
	if (osip_record_route_init(&rr) != 0)
		return -1;
	if (osip_record_route_parse(rr, value) != 0 ||
	    osip_list_add(&m->record_routes, rr, 0) < 0) {
		osip_record_route_free(rr);
		return -1;
	}
	return 0;
}

/*
 * The pair of halves is one proxy: where a message crosses the tunnel, the
 * other half's Record-Route (marked with the vofw parameter) is replaced
 * by this half's, which is the one its side of the dialog must route to.
 * A call that crosses hras twice (two legs) has two marked entries: the
 * first is the one nearest the callee, the last the one nearest the
 * caller; which says which one is replaced.
 */
int
sip_rr_swap(osip_message_t *m, const char *uri, enum sip_rr_which which)
{
	osip_record_route_t	*rr;
	char			 value[300];
	int			 i, at = -1;

	for (i = 0; (rr = osip_list_get(&m->record_routes, i)) != NULL; i++) {
		if (rr->url == NULL ||
		    sip_param(&rr->url->url_params, "vofw") == NULL)
			continue;
		at = i;
		if (which == SIP_RR_FIRST)
			break;
	}
	if (at == -1)
		return 0;
	rr = osip_list_get(&m->record_routes, at);
	osip_list_remove(&m->record_routes, at);
	osip_record_route_free(rr);
	snprintf(value, sizeof(value), "<%s>", uri);
	if (osip_record_route_init(&rr) != 0)
		return -1;
	if (osip_record_route_parse(rr, value) != 0 ||
	    osip_list_add(&m->record_routes, rr, at) < 0) {
		osip_record_route_free(rr);
		return -1;
	}
	return 0;
}

/* Remove the top Route if it names us (loose routing, RFC 3261 16.4). */
int
sip_route_pop(osip_message_t *m, int (*ours)(const osip_uri_t *, void *),
    void *arg)
{
	osip_route_t	*r = osip_list_get(&m->routes, 0);

	if (r == NULL || r->url == NULL || !ours(r->url, arg))
		return 0;
	osip_list_remove(&m->routes, 0);
	osip_route_free(r);
	return 1;
}

/* Replace the Request-URI with a URI given as text. */
int
sip_set_ruri(osip_message_t *m, const char *uri)
{
	osip_uri_t	*u;

	if (osip_uri_init(&u) != 0)
		return -1;
	if (osip_uri_parse(u, uri) != 0) {
		osip_uri_free(u);
		return -1;
	}
	osip_uri_free(m->req_uri);
	m->req_uri = u;
	return 0;
}

/* The SDP body of a message, if it has one. */
int
sip_body(const osip_message_t *m, const char **body, size_t *len)
{
	osip_body_t	*b = osip_list_get(&m->bodies, 0);

	if (b == NULL || b->body == NULL || m->content_type == NULL ||
	    m->content_type->type == NULL ||
	    m->content_type->subtype == NULL ||
	    strcasecmp(m->content_type->type, "application") != 0 ||
	    strcasecmp(m->content_type->subtype, "sdp") != 0 ||
	    osip_list_size(&m->bodies) != 1)
		return -1;
	*body = b->body;
	*len = b->length;
	return 0;
}

/* Replace the body (the rewritten SDP) and its Content-Length. */
int
sip_set_body(osip_message_t *m, const char *body, size_t len)
{
	osip_body_t	*b;
	char		 clen[16];

	while ((b = osip_list_get(&m->bodies, 0)) != NULL) {
		osip_list_remove(&m->bodies, 0);
		osip_body_free(b);
	}
	if (osip_message_set_body(m, body, len) != 0)
		return -1;
	snprintf(clen, sizeof(clen), "%zu", len);
	if (m->content_length != NULL) {
		osip_free(m->content_length->value);
		m->content_length->value = sip_dup(clen);
		return 0;
	}
	return osip_message_set_content_length(m, clen) == 0 ? 0 : -1;
}

/* Host, port and transport a SIP URI names, when its host is numeric. */
int
sip_uri_target(const osip_uri_t *u, struct sip_addr *to)
{
	osip_uri_param_t	*t;
	struct in6_addr		 a;

	/* SIP over UDP or TCP only: no sips:, no TLS, here. */
	if (u == NULL || u->host == NULL || u->scheme == NULL ||
	    strcasecmp(u->scheme, "sip") != 0 ||
	    (inet_pton(AF_INET, u->host, &a) != 1 &&
	    inet_pton(AF_INET6, u->host, &a) != 1))
		return -1;
	t = sip_param(&u->url_params, "transport");
	if (t != NULL && (t->gvalue == NULL ||
	    (strcasecmp(t->gvalue, "udp") != 0 &&
	    strcasecmp(t->gvalue, "tcp") != 0)))
		return -1;
	snprintf(to->host, sizeof(to->host), "%s", u->host);
	to->port = 5060;
	if (u->port != NULL && sip_port(u->port, &to->port) == -1)
		return -1;
	to->tcp = t != NULL && strcasecmp(t->gvalue, "tcp") == 0;
	return to->port == 0 ? -1 : 0;
}

/*
 * True when a URI can be a Request-URI both halves parse and route: sip:
 * or sips:, a host that is an address or a domain name (RFC 3261 25.1
 * hostname), a port in range if it has one. A URI hrac sends to
 * directly must pass sip_uri_target too; one reached through the inside
 * proxy need not.
 */
int
sip_uri_usable(const osip_uri_t *u)
{
	struct in6_addr	 a;
	size_t		 i, len, label = 0, last = 0;
	uint16_t	 port;
	unsigned char	 c;

	if (u == NULL || u->scheme == NULL || u->host == NULL ||
	    (strcasecmp(u->scheme, "sip") != 0 &&
	    strcasecmp(u->scheme, "sips") != 0) ||
	    (u->port != NULL && sip_port(u->port, &port) == -1))
		return 0;
	if (inet_pton(AF_INET, u->host, &a) == 1 ||
	    inet_pton(AF_INET6, u->host, &a) == 1)
		return 1;
	/*
	 * A name: dot-separated labels of letters, digits and inner hyphens,
	 * the last one starting with a letter; a final dot is allowed.
	 */
	len = strlen(u->host);
	if (len > 0 && u->host[len - 1] == '.')
		len--;
	if (len == 0)
		return 0;
	for (i = 0; i <= len; i++) {
		c = i < len ? (unsigned char)u->host[i] : '.';
		if (c == '.') {
			if (i == label || u->host[i - 1] == '-')
				return 0;
			last = label;
			label = i + 1;
		} else if (!isalnum(c) && (c != '-' || i == label))
			return 0;
	}
	return isalpha((unsigned char)u->host[last]) != 0;
}

/*
 * A phone behind its own NAT puts its private address in Contact. Mark
 * each Contact that is not where the message came from with the address
 * it really came from (an "alias", as SIP proxies call it), so that the
 * dialog's requests to that Contact can be sent there. The mark's value
 * is the caller's (hras seals sip_alias_format's text): marks already
 * there came from the sender and are taken off first, so no sender
 * chooses where those requests go.
 */
int
sip_contact_alias(osip_message_t *m, const struct sip_addr *src,
    const char *value)
{
	osip_contact_t		*c;
	osip_uri_param_t	*p;
	struct sip_addr		 a;
	int			 i, k;

	for (i = 0; (c = osip_list_get(&m->contacts, i)) != NULL; i++) {
		if (c->url == NULL)
			continue;
		for (k = 0; (p = osip_list_get(&c->url->url_params, k)) !=
		    NULL;) {
			if (p->gname == NULL || strcasecmp(p->gname,
			    SIP_ALIAS) != 0) {
				k++;
				continue;
			}
			osip_list_remove(&c->url->url_params, k);
			osip_uri_param_free(p);
		}
		if (sip_uri_target(c->url, &a) == 0 && a.port == src->port &&
		    strcmp(a.host, src->host) == 0)
			continue;
		if (osip_uri_uparam_add(c->url, sip_dup(SIP_ALIAS),
		    sip_dup(value)) != 0)
			return -1;
	}
	return 0;
}

/* An address as an alias's text, "host~port~u" or "host~port~t"; -1. */
int
sip_alias_format(const struct sip_addr *a, char *buf, size_t len)
{
	int	 n;

	n = snprintf(buf, len, "%s~%u~%c", a->host, a->port,
	    a->tcp ? 't' : 'u');
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The address in an alias's text; -1 when it is not one. */
int
sip_alias_parse(const char *s, struct sip_addr *to)
{
	char		 host[64], kind, extra;
	unsigned int	 port;
	struct in6_addr	 a;

	if (sscanf(s, "%63[^~]~%5u~%c%c", host, &port, &kind, &extra) != 3 ||
	    port == 0 || port > 65535 || (kind != 't' && kind != 'u') ||
	    (inet_pton(AF_INET, host, &a) != 1 &&
	    inet_pton(AF_INET6, host, &a) != 1))
		return -1;
	snprintf(to->host, sizeof(to->host), "%s", host);
	to->port = (uint16_t)port;
	to->tcp = kind == 't';
	return 0;
}

/*
 * Take the alias mark off a URI (a request's target): 1 with its value
 * in buf, 0 when it has none, -1 when it has one without a value or one
 * too long for buf.
 */
int
sip_uri_alias(osip_uri_t *u, char *buf, size_t len)
{
	osip_uri_param_t	*p;
	int			 i;

	for (i = 0; (p = osip_list_get(&u->url_params, i)) != NULL; i++)
		if (p->gname != NULL && strcasecmp(p->gname, SIP_ALIAS) == 0)
			break;
	if (p == NULL)
		return 0;
	if (p->gvalue == NULL || strlen(p->gvalue) >= len)
		return -1;
	memcpy(buf, p->gvalue, strlen(p->gvalue) + 1);
	osip_list_remove(&u->url_params, i);
	osip_uri_param_free(p);
	return 1;
}

/* "user@domain" of a URI, the domain in lower case (a registrar's key). */
int
sip_uri_aor(const osip_uri_t *u, char *buf, size_t len)
{
	size_t	 i;

	if (u == NULL || u->host == NULL || u->username == NULL ||
	    (size_t)snprintf(buf, len, "%s@%s", u->username, u->host) >= len)
		return -1;
	for (i = strlen(u->username) + 1; buf[i] != '\0'; i++)
		if (buf[i] >= 'A' && buf[i] <= 'Z')
			buf[i] = (char)(buf[i] - 'A' + 'a');
	return 0;
}

/*
 * An Expires value (RFC 3261 delta-seconds: digits only) into *secs,
 * values past 2^32 - 1 taken as that; -1 for anything else, which a
 * bare strtol would read as 0, an unregistration.
 */
int
sip_delta_seconds(const char *s, long *secs)
{
	unsigned long long	 v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		if (v < 0xffffffffULL)
			v = v * 10 + (unsigned long long)(*s - '0');
	}
	*secs = v > 0xffffffffULL ? 0xffffffffL : (long)v;
	return 0;
}
