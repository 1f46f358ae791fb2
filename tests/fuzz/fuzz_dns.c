/*
 * libFuzzer target for the DNS answer parsers of the RFC 3263 resolver.
 * The input is a DNS message as a server would send it. Each parser reads
 * it twice: against the question the message itself carries (so that
 * mutations get past the question check) and against fixed names; the
 * ID is the message's own. Whatever they return must be in range, the
 * records they keep well formed and in order, and resolve_pick_srv must
 * keep only usable targets, by priority, from those it was given.
 *
 * How many records the parsers may keep (1 to RESOLVE_RR_MAX) and the
 * seed of the SRV draw come from the input's length, so that seeds stay
 * plain DNS messages.
 */
#include <arpa/nameser.h>

#include <resolv.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resolve.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fd_naptr(const uint8_t *, size_t, uint16_t, const char *,
		    size_t);
static void	fd_srv(const uint8_t *, size_t, uint16_t, const char *,
		    size_t, uint32_t);

/* NAPTR records kept: followable, sorted by order then preference. */
static void
fd_naptr(const uint8_t *data, size_t len, uint16_t id, const char *qname,
    size_t max)
{
	struct resolve_naptr	 out[RESOLVE_RR_MAX];
	int			 n, i;

	memset(out, 0xa5, sizeof(out));
	n = resolve_parse_naptr(data, len, id, qname, out, max);
	if (n != RESOLVE_BOGUS && n != RESOLVE_SERVFAIL &&
	    (n < 0 || (size_t)n > max))
		abort();
	for (i = 0; i < n; i++) {
		if (strnlen(out[i].srv, RESOLVE_NAME_MAX) == RESOLVE_NAME_MAX ||
		    out[i].srv[0] == '\0' || strcmp(out[i].srv, ".") == 0 ||
		    (out[i].tcp != 0 && out[i].tcp != 1))
			abort();
		if (i > 0 && (out[i - 1].order > out[i].order ||
		    (out[i - 1].order == out[i].order &&
		    out[i - 1].pref > out[i].pref)))
			abort();
	}
}

/* SRV records kept by priority; the draw keeps usable ones, in order. */
static void
fd_srv(const uint8_t *data, size_t len, uint16_t id, const char *qname,
    size_t max, uint32_t seed)
{
	struct resolve_srv	 out[RESOLVE_RR_MAX], in[RESOLVE_RR_MAX];
	size_t			 kept, i, j, usable = 0;
	int			 n;

	memset(out, 0xa5, sizeof(out));
	n = resolve_parse_srv(data, len, id, qname, out, max);
	if (n == RESOLVE_BOGUS || n == RESOLVE_SERVFAIL)
		return;
	if (n < 0 || (size_t)n > max)
		abort();
	for (i = 0; i < (size_t)n; i++) {
		if (strnlen(out[i].target, RESOLVE_NAME_MAX) ==
		    RESOLVE_NAME_MAX ||
		    (i > 0 && out[i - 1].prio > out[i].prio))
			abort();
		if (out[i].port != 0 && out[i].target[0] != '\0' &&
		    strcmp(out[i].target, ".") != 0)
			usable++;
	}
	memcpy(in, out, sizeof(in));
	if ((kept = resolve_pick_srv(out, (size_t)n, seed)) != usable)
		abort();
	for (i = 0; i < kept; i++) {
		if (out[i].port == 0 || out[i].target[0] == '\0' ||
		    strcmp(out[i].target, ".") == 0 ||
		    (i > 0 && out[i - 1].prio > out[i].prio))
			abort();
		for (j = 0; j < (size_t)n; j++)
			if (memcmp(&in[j], &out[i], sizeof(in[j])) == 0)
				break;
		if (j == (size_t)n)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char		 qname[RESOLVE_NAME_MAX];
	size_t		 max = 1 + len % RESOLVE_RR_MAX;
	uint16_t	 id;
	ns_msg		 h;
	ns_rr		 rr;

	if (len < 2 || len > NS_MAXMSG)
		return 0;
	id = (uint16_t)(data[0] << 8 | data[1]);
	fd_naptr(data, len, id, "other.example", max);
	fd_srv(data, len, id, "_sip._udp.other.example", max, (uint32_t)len);
	/* The message's own question, if it has one we can name. */
	if (ns_initparse(data, (int)len, &h) == -1 ||
	    ns_msg_count(h, ns_s_qd) < 1 ||
	    ns_parserr(&h, ns_s_qd, 0, &rr) == -1 ||
	    strlen(ns_rr_name(rr)) >= sizeof(qname))
		return 0;
	memcpy(qname, ns_rr_name(rr), strlen(ns_rr_name(rr)) + 1);
	fd_naptr(data, len, id, qname, max);
	fd_srv(data, len, id, qname, RESOLVE_RR_MAX,
	    (uint32_t)len * 2654435761U);
	return 0;
}
