/*
 * Where a SIP request for another domain goes (RFC 3263 section 4): NAPTR
 * records choose a transport and an SRV name, SRV records (RFC 2782) the
 * servers by priority and weight, A records their addresses. NAPTR and SRV
 * queries are built by libresolv and sent on a UDP socket of our own, A
 * queries go through evdns; the answer parsers and the SRV ordering touch
 * no socket, so that tests and fuzzers can drive them with canned answers.
 */
#ifndef VOFW_RESOLVE_H
#define VOFW_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "sip.h"

#define RESOLVE_NAME_MAX	256	/* a domain name and its NUL */
#define RESOLVE_RR_MAX		16	/* records kept of one answer */

/* How a lookup ended, as its callback is told. */
#define RESOLVE_OK		0
#define RESOLVE_ENOTFOUND	1	/* no such name, or no address */
#define RESOLVE_ETEMP		2	/* no answer, server failed */

/* What a parser makes of a datagram, besides a count of records. */
#define RESOLVE_BOGUS		-1	/* not an answer to this query */
#define RESOLVE_SERVFAIL	-2	/* an answer: the server failed */

/* A NAPTR record a SIP client can follow: an SRV name and its transport. */
struct resolve_naptr {
	uint16_t	 order;
	uint16_t	 pref;
	int		 tcp;		/* SIP+D2T, else SIP+D2U */
	char		 srv[RESOLVE_NAME_MAX];	/* its replacement */
};

/* An SRV record; also a name and port to look up an address for. */
struct resolve_srv {
	uint16_t	 prio;
	uint16_t	 weight;
	uint16_t	 port;
	char		 target[RESOLVE_NAME_MAX];
};

struct event_base;
struct resolver;
struct resolve_req;

/* The end of a lookup: error is RESOLVE_OK with where to, or why not. */
typedef void (*resolve_cb)(void *arg, int error, const struct sip_addr *to);

struct resolver	*resolver_new(struct event_base *, const char *server,
		    int timeout);
void		 resolver_free(struct resolver *);
struct resolve_req *resolve_sip_uri(struct resolver *, const osip_uri_t *,
		    const char *key, resolve_cb, void *);
void		 resolve_cancel(struct resolve_req *);

int		 resolve_parse_naptr(const uint8_t *, size_t, uint16_t id,
		    const char *qname, struct resolve_naptr *, size_t);
int		 resolve_parse_srv(const uint8_t *, size_t, uint16_t id,
		    const char *qname, struct resolve_srv *, size_t);
size_t		 resolve_pick_srv(struct resolve_srv *, size_t,
		    uint32_t seed);

#endif
