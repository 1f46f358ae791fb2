/*
 * What hras lets outsiders do to it (docs/security.md): the per-source
 * request limiter (common/pike.c) in front of its SIP port, and the
 * targets it never sends a request to, whoever names them (a Request-URI,
 * an alias, DNS): loopback, link-local, unspecified, multicast and
 * broadcast addresses, and its own.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "config.h"
#include "hras.h"
#include "hras_config.h"
#include "log.h"
#include "pike.h"
#include "siptr.h"


static int	hras_limit_conf(const struct hras_config *, struct pike_conf *,
		    struct pike_net *);
static int	hras_limit_admit(void *, const struct sip_addr *, const char *,
		    size_t);
static void	hras_limit_sweep(evutil_socket_t, short, void *);
static uint64_t	hras_limit_ms(void);
static int	hras_limit_forbidden(const char *, int);
static int	hras_limit_same(const char *, const char *);

/* The monotonic clock in milliseconds. */
static uint64_t
hras_limit_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The limiter's settings from the config (its allow list parsed). */
static int
hras_limit_conf(const struct hras_config *conf, struct pike_conf *pc,
    struct pike_net *nets)
{
	size_t	 i;

	if (conf->limits.nallow > PIKE_ALLOW_MAX)
		return -1;
	for (i = 0; i < conf->limits.nallow; i++)
		if (pike_net_parse(conf->limits.allow[i], &nets[i]) == -1)
			return -1;
	pc->requests = (unsigned int)conf->limits.requests;
	pc->window = (unsigned int)conf->limits.window;
	pc->ban = (unsigned int)conf->limits.ban;
	pc->sources = conf->limits.sources;
	pc->allow = nets;
	pc->nallow = conf->limits.nallow;
	return 0;
}

/* Put the limiter in front of the SIP port, swept once a second. */
int
hras_limit_init(struct hras *h)
{
	struct pike_net		 nets[PIKE_ALLOW_MAX];
	struct pike_conf	 pc;
	struct timeval		 sec = { 1, 0 };

	if (hras_limit_conf(h->conf, &pc, nets) == -1 ||
	    (h->pike = pike_new(&pc)) == NULL ||
	    (h->pike_ev = event_new(h->base, -1, EV_PERSIST, hras_limit_sweep,
	    h)) == NULL || event_add(h->pike_ev, &sec) == -1)
		return -1;
	siptr_set_admit(h->sip, hras_limit_admit, h);
	return 0;
}

/* Stop the limiter (shutdown). */
void
hras_limit_free(struct hras *h)
{
	if (h->pike_ev != NULL)
		event_free(h->pike_ev);
	h->pike_ev = NULL;
	pike_free(h->pike);
	h->pike = NULL;
}

/* New limits (SIGHUP); bans in force stay. */
void
hras_limit_reload(struct hras *h, const struct hras_config *conf)
{
	struct pike_net		 nets[PIKE_ALLOW_MAX];
	struct pike_conf	 pc;

	if (h->pike == NULL || hras_limit_conf(conf, &pc, nets) == -1 ||
	    pike_configure(h->pike, &pc) == -1)
		log_warnx("reload: the SIP flood limits stay as they were");
}

/* Bans end and idle sources are forgotten. */
static void
hras_limit_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct hras	*h = arg;

	(void)fd;
	(void)what;
	pike_sweep(h->pike, hras_limit_ms());
}

/*
 * Every message and TCP connection at the SIP port: dropped while its
 * source is banned. Requests count, responses do not; what hras sends
 * itself (a call between two clients' phones crosses it twice) is the
 * clients' own and never counts.
 */
static int
hras_limit_admit(void *arg, const struct sip_addr *from, const char *buf,
    size_t len)
{
	struct hras	*h = arg;
	int		 request;

	if (!from->tcp && from->port == h->conf->sip.port &&
	    strcmp(from->host, h->conf->sip.address) == 0)
		return 0;
	request = buf != NULL && !(len >= 4 && memcmp(buf, "SIP/", 4) == 0);
	if (pike_check(h->pike, from->host, request, hras_limit_ms()) == 0)
		return 0;
	h->pike_dropped++;
	return -1;
}

/* Whether a line refusing a client's request may be written now. */
int
hras_limit_note(void)
{
	static struct log_limit	 ll = LOG_LIMIT("client-request");

	return log_limit_pass(&ll);
}

/* True when two numeric addresses are the same address. */
static int
hras_limit_same(const char *a, const char *b)
{
	uint8_t	 x[16], y[16];

	if (inet_pton(AF_INET, a, x) == 1)
		return inet_pton(AF_INET, b, y) == 1 && memcmp(x, y, 4) == 0;
	return inet_pton(AF_INET6, a, x) == 1 &&
	    inet_pton(AF_INET6, b, y) == 1 && memcmp(x, y, 16) == 0;
}

/*
 * True for an address no request may go to: unspecified, link-local,
 * multicast, broadcast and reserved, and loopback unless loopback_ok.
 */
static int
hras_limit_forbidden(const char *host, int loopback_ok)
{
	uint8_t	 a[16];

	if (inet_pton(AF_INET6, host, a) == 1) {
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
		    0, 0, 0xff, 0xff };
		static const uint8_t zero[16];

		if (memcmp(a, mapped, 12) == 0)
			memmove(a, a + 12, 4);
		else {
			if (memcmp(a, zero, 15) == 0 && (a[15] == 0 ||
			    (a[15] == 1 && !loopback_ok)))
				return 1;	/* :: and ::1 */
			return a[0] == 0xff ||	/* multicast */
			    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
		}
	} else if (inet_pton(AF_INET, host, a) != 1)
		return 1;
	return a[0] == 0 ||			/* 0.0.0.0/8 */
	    (a[0] == 127 && !loopback_ok) ||
	    (a[0] == 169 && a[1] == 254) ||	/* link-local */
	    a[0] >= 224;			/* multicast, reserved,
						   broadcast */
}

/*
 * Whether hras may send a request to an address it did not choose (a
 * Request-URI, an alias, a DNS answer): 0 yes, -1 no. Its own SIP
 * address and port is allowed, over UDP (a call to a served domain
 * crosses hras twice); its other addresses and ports are not. Loopback
 * is refused unless hras itself listens on loopback (everything on one
 * host).
 */
int
hras_limit_target(struct hras *h, struct sip_addr *to)
{
	const struct hras_config	*c = h->conf;
	int				 lo;

	/* To itself over UDP, as the second leg of such a call goes. */
	if (hras_limit_same(to->host, c->sip.address) &&
	    to->port == c->sip.port) {
		to->tcp = 0;
		return 0;
	}
	lo = hras_limit_forbidden(c->sip.address, 0) &&
	    !hras_limit_forbidden(c->sip.address, 1);
	if (hras_limit_forbidden(to->host, lo) ||
	    hras_limit_same(to->host, c->sip.address) ||
	    hras_limit_same(to->host, c->media.address) ||
	    hras_limit_same(to->host, c->tunnel.address) ||
	    (c->hook.enabled && hras_limit_same(to->host,
	    c->hook.listen.address)))
		return -1;
	return 0;
}
