/*
 * hrac's proxy discovery (proxy = "auto"), run at the start of every
 * tunnel attempt since the answer may change: the PAC file proxy_pac
 * names (a path, or an http:// URL fetched directly), else the
 * environment (https_proxy or http_proxy, and no_proxy), else WPAD
 * (http://wpad.DOMAIN/wpad.dat for the resolver's domain and each parent
 * with two labels or more), else direct. A PAC script runs in the PAC
 * runner (common/pacd.c: a process of its own, under proxy_pac_timeout)
 * once hras's name is resolved (its dnsResolve and isInNet need the
 * address) and the address hrac reaches out from is known (its
 * myIpAddress). A script that runs past its time or kills its process is
 * refused, and hrac keeps the last proxy a tunnel came up through, else
 * goes direct. The answer goes to the session, hrac_session_discovered.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>

#include "hrac.h"
#include "log.h"
#include "pac.h"
#include "pacd.h"

#define DISCOVER_WPAD_MAX	4	/* wpad.DOMAIN names tried */
#define DISCOVER_TIMEOUT	10	/* seconds for a PAC file to come */

struct hrac_discover {
	struct hrac_session	*s;
	struct evhttp_connection *evcon;
	struct evdns_getaddrinfo_request *dnsreq;
	struct event		*done_ev;
	struct event		*run_ev;	/* run the script, next turn */
	struct pacd		*own;		/* the doctor's runner */
	int			 asked;		/* the runner has the script */
	char			 source[300];	/* where the script came from */
	char			 wpad[DISCOVER_WPAD_MAX][300];
	int			 nwpad, next_wpad;
	char			*script;
	size_t			 len;
	struct pac_net		 net;
	int			 wpad_missed;	/* try the next WPAD name */
	int			 failed;
	char			 proxy[300];	/* the outcome: "" direct */
	char			 why[512];
};

static void	hrac_discover_fetch(struct hrac_discover *, const char *);
static void	hrac_discover_fetched(struct evhttp_request *, void *);
static void	hrac_discover_wpad_next(struct hrac_discover *);
static void	hrac_discover_file(struct hrac_discover *, const char *);
static void	hrac_discover_resolve(struct hrac_discover *);
static void	hrac_discover_resolved(int, struct evutil_addrinfo *, void *);
static void	hrac_discover_run(struct hrac_discover *);
static void	hrac_discover_ask(evutil_socket_t, short, void *);
static void	hrac_discover_ran(enum pacd_status, const char *, void *);
static void	hrac_discover_fallback(struct hrac_discover *, const char *);
static void	hrac_discover_my_ip(struct hrac_discover *);
static void	hrac_discover_done(evutil_socket_t, short, void *);
static void	hrac_discover_finish(struct hrac_discover *, const char *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
static int	hrac_discover_domains(struct hrac_discover *);

/*
 * Find the proxy for this attempt. The answer comes through
 * hrac_session_discovered: at once for the environment, later for a PAC
 * file. -1 when nothing could be started.
 */
int
hrac_discover_start(struct hrac_session *s)
{
	struct hrac_discover	*d;
	const struct config_url	*srv = &s->server;
	const char		*pac = s->h->conf->proxy_pac;
	const char		*env, *var = NULL, *np;
	char			 why[600];

	hrac_discover_free(s->disc);
	s->disc = NULL;
	if (pac == NULL && (env = pac_env_proxy(srv->tls, &var)) != NULL) {
		if (((np = getenv("no_proxy")) != NULL ||
		    (np = getenv("NO_PROXY")) != NULL) &&
		    pac_no_proxy(np, srv->host, srv->port)) {
			snprintf(why, sizeof(why), "no_proxy exempts %s",
			    srv->host);
			hrac_session_discovered(s, "", why);
		} else {
			snprintf(why, sizeof(why), "from %s", var);
			hrac_session_discovered(s, env, why);
		}
		return 0;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->done_ev = event_new(s->h->base, -1, 0, hrac_discover_done,
	    d)) == NULL || (d->run_ev = event_new(s->h->base, -1, 0,
	    hrac_discover_ask, d)) == NULL) {
		if (d != NULL && d->done_ev != NULL)
			event_free(d->done_ev);
		free(d);
		return -1;
	}
	d->s = s;
	d->net.host = srv->host;
	s->disc = d;
	if (pac != NULL && strncmp(pac, "http://", 7) == 0)
		hrac_discover_fetch(d, pac);
	else if (pac != NULL)
		hrac_discover_file(d, pac);
	else if (hrac_discover_domains(d) > 0)
		hrac_discover_wpad_next(d);
	else
		hrac_discover_finish(d, "", "no proxy_pac, no https_proxy or "
		    "http_proxy, no domain for WPAD in /etc/resolv.conf");
	return 0;
}

/* Stop whatever discovery still does and forget it. */
void
hrac_discover_free(struct hrac_discover *d)
{
	if (d == NULL)
		return;
	if (d->dnsreq != NULL)
		evdns_getaddrinfo_cancel(d->dnsreq);
	if (d->evcon != NULL)
		evhttp_connection_free(d->evcon);
	if (d->done_ev != NULL)
		event_free(d->done_ev);
	if (d->run_ev != NULL)
		event_free(d->run_ev);
	if (d->asked && d->own == NULL)
		pacd_cancel(d->s->h->pacd);
	pacd_free(d->own);
	free(d->script);
	free(d);
}

/*
 * The WPAD names to try: wpad. before the resolver's domain (the first
 * of "search", or "domain") and each parent of two labels or more.
 */
static int
hrac_discover_domains(struct hrac_discover *d)
{
	FILE	*f;
	char	 line[512], dom[256] = "", *p;
	int	 n = 0;

	if ((f = fopen("/etc/resolv.conf", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL && dom[0] == '\0')
		if (sscanf(line, "search %255s", dom) != 1 &&
		    sscanf(line, "domain %255s", dom) != 1)
			dom[0] = '\0';
	fclose(f);
	for (p = dom; *p != '\0' && strchr(p, '.') != NULL &&
	    n < DISCOVER_WPAD_MAX; p = strchr(p, '.') + 1)
		snprintf(d->wpad[n++], sizeof(d->wpad[0]),
		    "http://wpad.%s/wpad.dat", p);
	d->nwpad = n;
	return n;
}

/* Fetch the next WPAD candidate; none left: direct. */
static void
hrac_discover_wpad_next(struct hrac_discover *d)
{
	if (d->next_wpad >= d->nwpad) {
		hrac_discover_finish(d, "", "no WPAD file (%s%s)", d->wpad[0],
		    d->nwpad > 1 ? " and its parents" : "");
		return;
	}
	hrac_discover_fetch(d, d->wpad[d->next_wpad++]);
}

/* Read a PAC file from a path. */
static void
hrac_discover_file(struct hrac_discover *d, const char *path)
{
	struct evbuffer	*b;
	int		 fd;
	ssize_t		 n;

	snprintf(d->source, sizeof(d->source), "%s", path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		hrac_discover_finish(d, NULL, "cannot read the PAC file %s: %s",
		    path, strerror(errno));
		return;
	}
	if ((b = evbuffer_new()) == NULL) {
		close(fd);
		hrac_discover_finish(d, NULL, "out of memory");
		return;
	}
	while ((n = evbuffer_read(b, fd, 65536)) > 0 &&
	    evbuffer_get_length(b) <= PAC_SCRIPT_MAX)
		;
	close(fd);
	if (n == -1 || evbuffer_get_length(b) > PAC_SCRIPT_MAX ||
	    (d->len = evbuffer_get_length(b)) == 0 ||
	    (d->script = malloc(d->len)) == NULL) {
		evbuffer_free(b);
		hrac_discover_finish(d, NULL, "cannot read the PAC file %s: %s",
		    path, n == -1 ? strerror(errno) : d->len == 0 ? "empty" :
		    "over 256 KB");
		return;
	}
	evbuffer_remove(b, d->script, d->len);
	evbuffer_free(b);
	hrac_discover_resolve(d);
}

/* GET a PAC file over http://, straight to its server. */
static void
hrac_discover_fetch(struct hrac_discover *d, const char *url)
{
	struct hrac_session	*s = d->s;
	struct evhttp_request	*req;
	struct config_url	 u;

	snprintf(d->source, sizeof(d->source), "%s", url);
	if (config_parse_url(url, &u) == -1 || u.tls) {
		hrac_discover_finish(d, NULL, "the PAC URL %s is not http://",
		    url);
		return;
	}
	if (d->evcon != NULL)
		evhttp_connection_free(d->evcon);
	if ((d->evcon = evhttp_connection_base_new(s->h->base, s->dns,
	    u.host, u.port)) == NULL ||
	    (req = evhttp_request_new(hrac_discover_fetched, d)) == NULL) {
		hrac_discover_finish(d, NULL, "out of memory");
		return;
	}
	evhttp_connection_set_timeout(d->evcon, DISCOVER_TIMEOUT);
	evhttp_connection_set_max_body_size(d->evcon, PAC_SCRIPT_MAX);
	evhttp_connection_set_max_headers_size(d->evcon, HTTP_HEAD_MAX);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	    u.host);
	if (evhttp_make_request(d->evcon, req, EVHTTP_REQ_GET, u.path) == -1)
		hrac_discover_finish(d, NULL, "cannot fetch %s", url);
}

/* The PAC file's answer (req is NULL when the connection failed). */
static void
hrac_discover_fetched(struct evhttp_request *req, void *arg)
{
	struct hrac_discover	*d = arg;
	struct evbuffer		*b;
	int			 code = req != NULL ?
				    evhttp_request_get_response_code(req) : 0;

	if (code != 200 || (b = evhttp_request_get_input_buffer(req)) ==
	    NULL || (d->len = evbuffer_get_length(b)) == 0 ||
	    (d->script = malloc(d->len)) == NULL) {
		if (d->next_wpad > 0) {
			log_debug("proxy discovery: no %s (%d)", d->source,
			    code);
			/* Not from inside evhttp's callback: next turn. */
			d->wpad_missed = 1;
			event_active(d->done_ev, EV_TIMEOUT, 1);
			return;
		}
		hrac_discover_finish(d, NULL, "cannot fetch the PAC file %s: "
		    "%s", d->source, code == 0 ? "no answer" : "not 200");
		return;
	}
	evbuffer_remove(b, d->script, d->len);
	hrac_discover_resolve(d);
}

/* Resolve hras's name for the script (numeric: nothing to do). */
static void
hrac_discover_resolve(struct hrac_discover *d)
{
	struct evutil_addrinfo	 hints;
	unsigned char		 a[16];
	const char		*host = d->s->server.host;

	if (inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1) {
		/* Numeric, so it fits. */
		snprintf(d->net.host_ip, sizeof(d->net.host_ip), "%.63s",
		    host);
		hrac_discover_run(d);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	d->dnsreq = evdns_getaddrinfo(d->s->dns, host, NULL, &hints,
	    hrac_discover_resolved, d);
}

/* hras's address, or none: the script runs either way. */
static void
hrac_discover_resolved(int err, struct evutil_addrinfo *ai, void *arg)
{
	struct hrac_discover	*d = arg;

	d->dnsreq = NULL;
	if (err == EVUTIL_EAI_CANCEL)
		return;
	if (err == 0 && ai != NULL)
		evutil_inet_ntop(ai->ai_family, ai->ai_family == AF_INET ?
		    (void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
		    (void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr,
		    d->net.host_ip, sizeof(d->net.host_ip));
	if (ai != NULL)
		evutil_freeaddrinfo(ai);
	hrac_discover_run(d);
}

/*
 * myIpAddress(): the address a datagram towards hras would leave from.
 * Connecting a UDP socket sends nothing.
 */
static void
hrac_discover_my_ip(struct hrac_discover *d)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	int			 fd, af;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, d->net.host_ip, &sin->sin_addr) == 1) {
		af = sin->sin_family = AF_INET;
		sin->sin_port = htons(d->s->server.port);
		sl = sizeof(*sin);
	} else if (inet_pton(AF_INET6, d->net.host_ip, &sin6->sin6_addr) ==
	    1) {
		af = sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(d->s->server.port);
		sl = sizeof(*sin6);
	} else
		return;
	if ((fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		evutil_inet_ntop(af, af == AF_INET ? (void *)&sin->sin_addr :
		    (void *)&sin6->sin6_addr, d->net.my_ip,
		    sizeof(d->net.my_ip));
	close(fd);
}

/*
 * Run FindProxyForURL for hras's URL, on the next loop turn: discovery
 * starts inside hrac_session_init, before the daemon has its runner.
 */
static void
hrac_discover_run(struct hrac_discover *d)
{
	hrac_discover_my_ip(d);
	event_active(d->run_ev, EV_TIMEOUT, 1);
}

/* Hand the script to the PAC runner (the doctor starts one of its own). */
static void
hrac_discover_ask(evutil_socket_t fd, short what, void *arg)
{
	struct hrac_discover	*d = arg;
	struct hrac		*h = d->s->h;
	struct pacd		*p = h->pacd;

	(void)fd;
	(void)what;
	if (p == NULL && !h->daemon)
		p = d->own = pacd_start(h->base, PACD_FILTER | PACD_REAP);
	if (pacd_ask(p, d->script, d->len, h->conf->server, &d->net,
	    (unsigned int)h->conf->proxy_pac_timeout, hrac_discover_ran,
	    d) == -1) {
		hrac_discover_fallback(d, "could not be run (no PAC runner)");
		return;
	}
	d->asked = 1;
}

/* The runner's answer: the first usable entry, a failure, or a refusal. */
static void
hrac_discover_ran(enum pacd_status st, const char *text, void *arg)
{
	struct hrac_discover	*d = arg;
	char			 proxy[300], bad[PACD_TEXT_MAX + 64];

	d->asked = 0;
	switch (st) {
	case PACD_OK:
		break;
	case PACD_FAILED:
		hrac_discover_finish(d, NULL, "the PAC file %s: %s", d->source,
		    text);
		return;
	case PACD_TIMEOUT:
		snprintf(bad, sizeof(bad), "did not answer within %d ms",
		    d->s->h->conf->proxy_pac_timeout);
		hrac_discover_fallback(d, bad);
		return;
	case PACD_DIED:
		snprintf(bad, sizeof(bad), "ended the process that ran it "
		    "(%s)", text);
		hrac_discover_fallback(d, bad);
		return;
	default:
		snprintf(bad, sizeof(bad), "could not be run (%s)", text);
		hrac_discover_fallback(d, bad);
		return;
	}
	if (pac_pick(text, proxy, sizeof(proxy)) == -1) {
		hrac_discover_finish(d, NULL, "the PAC file %s answers "
		    "\"%.200s\" for %s: no PROXY or DIRECT entry hrac can use",
		    d->source, text, d->s->server.host);
		return;
	}
	free(d->script);
	d->script = NULL;
	hrac_discover_finish(d, proxy, "the PAC file %s says \"%.200s\"",
	    d->source, text);
}

/*
 * A script that ran past its time or killed its process is refused, as
 * a browser would: hrac keeps the last proxy a tunnel came up through,
 * else goes direct, and says so.
 */
static void
hrac_discover_fallback(struct hrac_discover *d, const char *bad)
{
	struct hrac_session	*s = d->s;
	struct config_url	 u;

	if (s->auto_good[0] != '\0' && strcmp(s->auto_good, "DIRECT") != 0 &&
	    config_parse_url(s->auto_good, &u) == 0) {
		log_warnx("the PAC file %s %s: refused; hrac keeps the last "
		    "proxy that worked, %s:%u", d->source, bad, u.host,
		    u.port);
		hrac_discover_finish(d, s->auto_good, "the last that worked; "
		    "the PAC file %s %s", d->source, bad);
		return;
	}
	log_warnx("the PAC file %s %s: refused; hrac goes direct%s",
	    d->source, bad, s->auto_good[0] != '\0' ? ", as it last did" :
	    " (no proxy has worked yet)");
	hrac_discover_finish(d, "", "the PAC file %s %s", d->source, bad);
}

/*
 * Keep the outcome, proxy ("" direct, NULL failed) and why, and hand it
 * to the session on the next loop turn, outside evhttp's and evdns's
 * callbacks.
 */
static void
hrac_discover_finish(struct hrac_discover *d, const char *proxy,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
	d->failed = proxy == NULL;
	snprintf(d->proxy, sizeof(d->proxy), "%s", proxy != NULL ? proxy : "");
	event_active(d->done_ev, EV_TIMEOUT, 1);
}

/* Deliver the outcome; the session frees d. */
static void
hrac_discover_done(evutil_socket_t fd, short what, void *arg)
{
	struct hrac_discover	*d = arg;
	struct hrac_session	*s = d->s;
	char			 proxy[300], why[512];

	(void)fd;
	(void)what;
	if (d->wpad_missed) {
		d->wpad_missed = 0;
		hrac_discover_wpad_next(d);
		return;
	}
	/* Copies: the session frees d. */
	memcpy(proxy, d->proxy, sizeof(proxy));
	memcpy(why, d->why, sizeof(why));
	hrac_session_discovered(s, d->failed ? NULL : proxy, why);
}
