/*
 * Unit tests of the RFC 3263 resolver. The parsers get canned answers
 * built here byte by byte: NAPTR order and preference, what hras cannot
 * follow left out, SRV priority and RFC 2782 weights, compressed names,
 * and every kind of bad datagram (cut short, garbage, wrong ID or
 * question, overrunning records) refused. The lookups then run against a
 * small DNS server on 127.0.0.1 in the same event loop, always for a
 * bounded time: each path of RFC 3263 section 4, retries, timeouts,
 * answers to be ignored, cancelling and freeing with lookups in flight.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>

#include <errno.h>
#include <resolv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "resolve.h"
#include "sip.h"

#define QNAME		"other.example"
#define SRVNAME		"_sip._udp.other.example"
#define F_ANSWER	0x8180	/* QR, RD, RA */

/* A DNS message being built. */
struct msg {
	uint8_t		 b[2048];
	size_t		 n;
};

/* A record the test server holds (owner, type and type's fields). */
struct rec {
	const char	*name;
	ns_type		 type;
	uint16_t	 a, b, c;	/* NAPTR order, pref; SRV prio,
					   weight, port */
	const char	*flags, *service, *regexp;	/* NAPTR */
	const char	*target;	/* NAPTR replacement, SRV target,
					   A address */
};

#define NAPTR(n, o, p, f, s, r)	{ (n), ns_t_naptr, (o), (p), 0, (f), \
				  (s), "", (r) }
#define SRV(n, p, w, port, t)	{ (n), ns_t_srv, (p), (w), (port), NULL, \
				  NULL, NULL, (t) }
#define A(n, ip)		{ (n), ns_t_a, 0, 0, 0, NULL, NULL, NULL, \
				  (ip) }

/* The test DNS server: its records and what it saw. */
struct fake {
	struct event_base	*base;
	int			 fd;
	struct event		*ev;
	uint16_t		 port;
	const struct rec	*recs;
	size_t			 nrecs;
	const char		*servfail;	/* its answer: SERVFAIL */
	int			 drop[256];	/* by type, to drop */
	int			 count[256];	/* by type, seen */
	int			 junk;		/* bogus ones first */
};

/* What a lookup's callback was told. */
struct result {
	int		 done;
	int		 error;
	struct sip_addr	 to;
};

static void	 m_u8(struct msg *, unsigned int);
static void	 m_u16(struct msg *, unsigned int);
static void	 m_name(struct msg *, const char *);
static void	 m_header(struct msg *, uint16_t, uint16_t, int, int);
static void	 m_question(struct msg *, const char *, ns_type);
static size_t	 m_rr(struct msg *, const char *, ns_type);
static void	 m_rr_end(struct msg *, size_t);
static void	 m_cstr(struct msg *, const char *);
static void	 m_rdata(struct msg *, const struct rec *);
static void	 fake_read(evutil_socket_t, short, void *);
static void	 fake_start(struct fake *, struct event_base *,
		    const struct rec *, size_t);
static void	 fake_stop(struct fake *);
static void	 result_cb(void *, int, const struct sip_addr *);
static void	 expired(evutil_socket_t, short, void *);
static void	 run(struct event_base *, struct result *, int);
static struct resolver *fx_resolver(struct fake *);
static void	 lookup(struct fake *, const char *, const char *,
		    struct result *);

/* Append a byte. */
static void
m_u8(struct msg *m, unsigned int v)
{
	assert_true(m->n < sizeof(m->b));
	m->b[m->n++] = (uint8_t)v;
}

/* Append a 16-bit number in network order. */
static void
m_u16(struct msg *m, unsigned int v)
{
	m_u8(m, v >> 8);
	m_u8(m, v & 0xff);
}

/* Append a name, uncompressed ("" or "." is the root). */
static void
m_name(struct msg *m, const char *name)
{
	const char	*dot;
	size_t		 len;

	while (*name != '\0' && strcmp(name, ".") != 0) {
		dot = strchr(name, '.');
		len = dot != NULL ? (size_t)(dot - name) : strlen(name);
		m_u8(m, (unsigned int)len);
		while (len-- > 0)
			m_u8(m, (uint8_t)*name++);
		if (*name == '.')
			name++;
	}
	m_u8(m, 0);
}

/* Start a message: header with one question and an answers. */
static void
m_header(struct msg *m, uint16_t id, uint16_t flags, int qd, int an)
{
	m->n = 0;
	m_u16(m, id);
	m_u16(m, flags);
	m_u16(m, (unsigned int)qd);
	m_u16(m, (unsigned int)an);
	m_u16(m, 0);
	m_u16(m, 0);
}

/* Append a question of class IN. */
static void
m_question(struct msg *m, const char *name, ns_type type)
{
	m_name(m, name);
	m_u16(m, type);
	m_u16(m, ns_c_in);
}

/*
 * Begin a record of class IN, owner NULL meaning a pointer to the name at
 * offset 12 (the question's); return where its length goes.
 */
static size_t
m_rr(struct msg *m, const char *owner, ns_type type)
{
	size_t	 at;

	if (owner == NULL)
		m_u16(m, 0xc000 | NS_HFIXEDSZ);
	else
		m_name(m, owner);
	m_u16(m, type);
	m_u16(m, ns_c_in);
	m_u16(m, 0);
	m_u16(m, 300);
	at = m->n;
	m_u16(m, 0);
	return at;
}

/* Patch a record's rdata length now that it is written. */
static void
m_rr_end(struct msg *m, size_t at)
{
	size_t	 len = m->n - at - 2;

	m->b[at] = (uint8_t)(len >> 8);
	m->b[at + 1] = (uint8_t)len;
}

/* Append a <character-string>. */
static void
m_cstr(struct msg *m, const char *s)
{
	m_u8(m, (unsigned int)strlen(s));
	while (*s != '\0')
		m_u8(m, (uint8_t)*s++);
}

/* Append the rdata of a record of the test server. */
static void
m_rdata(struct msg *m, const struct rec *r)
{
	struct in_addr	 in;

	switch (r->type) {
	case ns_t_naptr:
		m_u16(m, r->a);
		m_u16(m, r->b);
		m_cstr(m, r->flags);
		m_cstr(m, r->service);
		m_cstr(m, r->regexp);
		m_name(m, r->target);
		break;
	case ns_t_srv:
		m_u16(m, r->a);
		m_u16(m, r->b);
		m_u16(m, r->c);
		m_name(m, r->target);
		break;
	case ns_t_a:
		assert_int_equal(inet_pton(AF_INET, r->target, &in), 1);
		memcpy(m->b + m->n, &in, 4);
		m->n += 4;
		break;
	default:
		fail();
	}
}

/* A NAPTR answer to build on: four records, names compressed. */
static void
naptr_answer(struct msg *m, uint16_t id)
{
	size_t	 at;

	m_header(m, id, F_ANSWER, 1, 6);
	m_question(m, QNAME, ns_t_naptr);
	/* 20/10 TCP, replacement as labels then a pointer to QNAME. */
	at = m_rr(m, NULL, ns_t_naptr);
	m_u16(m, 20);
	m_u16(m, 10);
	m_cstr(m, "S");
	m_cstr(m, "SIP+D2T");
	m_cstr(m, "");
	m_cstr(m, "_sip");
	m_cstr(m, "_tcp");
	m_u16(m, 0xc000 | NS_HFIXEDSZ);
	m_rr_end(m, at);
	/* 10/50 UDP to a.example. */
	at = m_rr(m, NULL, ns_t_naptr);
	m_u16(m, 10);
	m_u16(m, 50);
	m_cstr(m, "s");
	m_cstr(m, "sip+d2u");
	m_cstr(m, "");
	m_name(m, "_sip._udp.a.example");
	m_rr_end(m, at);
	/* 10/10 UDP to b.example. */
	at = m_rr(m, NULL, ns_t_naptr);
	m_u16(m, 10);
	m_u16(m, 10);
	m_cstr(m, "S");
	m_cstr(m, "SIP+D2U");
	m_cstr(m, "");
	m_name(m, "_sip._udp.b.example");
	m_rr_end(m, at);
	/* 5/10 TLS: hras has none, left out. */
	at = m_rr(m, NULL, ns_t_naptr);
	m_u16(m, 5);
	m_u16(m, 10);
	m_cstr(m, "S");
	m_cstr(m, "SIPS+D2T");
	m_cstr(m, "");
	m_name(m, "_sips._tcp.other.example");
	m_rr_end(m, at);
	/* 1/1 with a regexp (ENUM style): left out. */
	at = m_rr(m, NULL, ns_t_naptr);
	m_u16(m, 1);
	m_u16(m, 1);
	m_cstr(m, "U");
	m_cstr(m, "E2U+sip");
	m_cstr(m, "!^.*$!sip:x@y!");
	m_name(m, ".");
	m_rr_end(m, at);
	/* 2/1 flag "A": hras follows SRV only, left out. */
	at = m_rr(m, NULL, ns_t_naptr);
	m_u16(m, 2);
	m_u16(m, 1);
	m_cstr(m, "A");
	m_cstr(m, "SIP+D2U");
	m_cstr(m, "");
	m_name(m, "sip.other.example");
	m_rr_end(m, at);
}

/* An SRV answer: three records, targets compressed against QNAME. */
static void
srv_answer(struct msg *m, uint16_t id)
{
	size_t	 at;

	m_header(m, id, F_ANSWER, 1, 3);
	m_question(m, SRVNAME, ns_t_srv);
	at = m_rr(m, NULL, ns_t_srv);
	m_u16(m, 20);
	m_u16(m, 0);
	m_u16(m, 5062);
	m_cstr(m, "backup");
	/* "other.example" of the question: 12 + 5 ("_sip") + 5 ("_udp"). */
	m_u16(m, 0xc000 | (NS_HFIXEDSZ + 10));
	m_rr_end(m, at);
	at = m_rr(m, NULL, ns_t_srv);
	m_u16(m, 10);
	m_u16(m, 60);
	m_u16(m, 5090);
	m_cstr(m, "sip1");
	m_u16(m, 0xc000 | (NS_HFIXEDSZ + 10));
	m_rr_end(m, at);
	at = m_rr(m, SRVNAME, ns_t_srv);
	m_u16(m, 0);
	m_u16(m, 0);
	m_u16(m, 0);
	m_name(m, ".");
	m_rr_end(m, at);
}

/* NAPTR records come sorted by order then preference, unusable left out. */
static void
test_naptr_order(void **state)
{
	struct resolve_naptr	 out[RESOLVE_RR_MAX];
	struct msg		 m;

	(void)state;
	naptr_answer(&m, 0x1234);
	assert_int_equal(resolve_parse_naptr(m.b, m.n, 0x1234, QNAME, out,
	    RESOLVE_RR_MAX), 3);
	assert_int_equal(out[0].order, 10);
	assert_int_equal(out[0].pref, 10);
	assert_int_equal(out[0].tcp, 0);
	assert_string_equal(out[0].srv, "_sip._udp.b.example");
	assert_int_equal(out[1].pref, 50);
	assert_string_equal(out[1].srv, "_sip._udp.a.example");
	assert_int_equal(out[2].order, 20);
	assert_int_equal(out[2].tcp, 1);
	assert_string_equal(out[2].srv, "_sip._tcp.other.example");
	/* The name matches whatever its case; a trailing dot is ours. */
	assert_int_equal(resolve_parse_naptr(m.b, m.n, 0x1234,
	    "OTHER.Example", out, RESOLVE_RR_MAX), 3);
	/* With room for two, the best two stay. */
	memset(out, 0, sizeof(out));
	assert_int_equal(resolve_parse_naptr(m.b, m.n, 0x1234, QNAME, out,
	    2), 2);
	assert_string_equal(out[0].srv, "_sip._udp.b.example");
	assert_string_equal(out[1].srv, "_sip._udp.a.example");
	assert_int_equal(out[2].order, 0);
	assert_int_equal(resolve_parse_naptr(m.b, m.n, 0x1234, QNAME, out,
	    0), 0);
}

/* SRV records come by priority, compressed targets expanded. */
static void
test_srv_parse(void **state)
{
	struct resolve_srv	 out[RESOLVE_RR_MAX];
	struct msg		 m;

	(void)state;
	srv_answer(&m, 7);
	assert_int_equal(resolve_parse_srv(m.b, m.n, 7, SRVNAME, out,
	    RESOLVE_RR_MAX), 3);
	assert_int_equal(out[0].prio, 0);
	assert_string_equal(out[0].target, "");	/* the root */
	assert_int_equal(out[1].prio, 10);
	assert_int_equal(out[1].weight, 60);
	assert_int_equal(out[1].port, 5090);
	assert_string_equal(out[1].target, "sip1.other.example");
	assert_int_equal(out[2].prio, 20);
	assert_string_equal(out[2].target, "backup.other.example");
	/* The "." record says "not here": only two are worth trying. */
	assert_int_equal(resolve_pick_srv(out, 3, 1), 2);
	assert_string_equal(out[0].target, "sip1.other.example");
	assert_string_equal(out[1].target, "backup.other.example");
}

/* Priorities are tried lowest first, whatever the draw. */
static void
test_pick_priority(void **state)
{
	static const struct resolve_srv in[] = {
		{ 30, 5, 1, "c1" }, { 10, 0, 1, "a1" }, { 20, 7, 1, "b1" },
		{ 10, 50, 1, "a2" }, { 30, 5, 1, "c2" }, { 20, 0, 1, "b2" },
		{ 10, 1, 0, "no-port" }, { 5, 1, 1, "" },
	};
	struct resolve_srv	 s[8], again[8];
	uint32_t		 seed;
	size_t			 i, n;

	(void)state;
	for (seed = 0; seed < 500; seed++) {
		memcpy(s, in, sizeof(in));
		n = resolve_pick_srv(s, 8, seed * 2654435761U);
		assert_int_equal(n, 6);
		for (i = 0; i < n; i++)
			assert_int_equal(s[i].prio, i < 2 ? 10 : i < 4 ? 20 :
			    30);
		/* One seed, one order. */
		memcpy(again, in, sizeof(in));
		assert_int_equal(resolve_pick_srv(again, 8,
		    seed * 2654435761U), 6);
		assert_memory_equal(s, again, n * sizeof(s[0]));
	}
	assert_int_equal(resolve_pick_srv(s, 0, 1), 0);
}

/* Within a priority, each comes first about as often as its weight says. */
static void
test_pick_weight(void **state)
{
	struct resolve_srv	 s[3];
	uint32_t		 seed;
	int			 first[3] = { 0, 0, 0 }, zero = 0, i;

	(void)state;
	for (seed = 0; seed < 20000; seed++) {
		memset(s, 0, sizeof(s));
		s[0] = (struct resolve_srv){ 10, 10, 5060, "light" };
		s[1] = (struct resolve_srv){ 10, 30, 5060, "middle" };
		s[2] = (struct resolve_srv){ 10, 60, 5060, "heavy" };
		assert_int_equal(resolve_pick_srv(s, 3, seed), 3);
		for (i = 0; i < 3; i++)
			if (s[0].target[0] == "lmh"[i])
				first[i]++;
		/* Weight 0 against 90: first only when the draw is 0. */
		memset(s, 0, sizeof(s));
		s[0] = (struct resolve_srv){ 10, 90, 5060, "heavy" };
		s[1] = (struct resolve_srv){ 10, 0, 5060, "zero" };
		assert_int_equal(resolve_pick_srv(s, 2, seed), 2);
		assert_int_not_equal(strcmp(s[0].target, s[1].target), 0);
		if (strcmp(s[0].target, "zero") == 0)
			zero++;
	}
	/* 11/101, 30/90 of the rest, ...: within a few percent. */
	assert_in_range(first[0], 1800, 2600);
	assert_in_range(first[1], 5200, 6400);
	assert_in_range(first[2], 11400, 12600);
	assert_in_range(zero, 100, 400);
	/* All weights 0: the order as given. */
	memset(s, 0, sizeof(s));
	s[0] = (struct resolve_srv){ 1, 0, 1, "x" };
	s[1] = (struct resolve_srv){ 1, 0, 1, "y" };
	assert_int_equal(resolve_pick_srv(s, 2, 12345), 2);
	assert_string_equal(s[0].target, "x");
}

/* Every datagram cut short is refused, and so is one with bytes after. */
static void
test_truncated(void **state)
{
	struct resolve_naptr	 n[RESOLVE_RR_MAX];
	struct resolve_srv	 s[RESOLVE_RR_MAX];
	struct msg		 m;
	size_t			 len;

	(void)state;
	naptr_answer(&m, 1);
	for (len = 0; len < m.n; len++)
		assert_int_equal(resolve_parse_naptr(m.b, len, 1, QNAME, n,
		    RESOLVE_RR_MAX), RESOLVE_BOGUS);
	m_u8(&m, 0);
	assert_int_equal(resolve_parse_naptr(m.b, m.n, 1, QNAME, n,
	    RESOLVE_RR_MAX), RESOLVE_BOGUS);
	srv_answer(&m, 1);
	for (len = 0; len < m.n; len++)
		assert_int_equal(resolve_parse_srv(m.b, len, 1, SRVNAME, s,
		    RESOLVE_RR_MAX), RESOLVE_BOGUS);
	assert_int_equal(resolve_parse_srv(NULL, 0, 1, SRVNAME, s,
	    RESOLVE_RR_MAX), RESOLVE_BOGUS);
}

/* Records whose data overrun or loop, and plain garbage, are refused. */
static void
test_garbage(void **state)
{
	static const uint8_t	 junk[] = "HTTP/1.1 200 OK\r\n\r\nhello";
	struct resolve_naptr	 n[RESOLVE_RR_MAX];
	struct resolve_srv	 s[RESOLVE_RR_MAX];
	struct msg		 m, orig;
	size_t			 at, i, name;
	static const uint8_t	 bytes[] = { 0x00, 0x01, 0x3f, 0x40, 0xc0,
				    0xff };
	int			 rc;

	(void)state;
	assert_int_equal(resolve_parse_srv(junk, sizeof(junk), 0x4854,
	    SRVNAME, s, RESOLVE_RR_MAX), RESOLVE_BOGUS);
	/* SRV rdata too short for its fixed fields. */
	m_header(&m, 9, F_ANSWER, 1, 1);
	m_question(&m, SRVNAME, ns_t_srv);
	at = m_rr(&m, NULL, ns_t_srv);
	m_u16(&m, 1);
	m_u8(&m, 2);
	m_rr_end(&m, at);
	assert_int_equal(resolve_parse_srv(m.b, m.n, 9, SRVNAME, s,
	    RESOLVE_RR_MAX), RESOLVE_BOGUS);
	/* SRV target running past its rdata into the next record. */
	m_header(&m, 9, F_ANSWER, 1, 2);
	m_question(&m, SRVNAME, ns_t_srv);
	at = m_rr(&m, NULL, ns_t_srv);
	m_u16(&m, 1);
	m_u16(&m, 1);
	m_u16(&m, 5060);
	m_u8(&m, 3);
	m_u8(&m, 'a');
	m_rr_end(&m, at);
	at = m_rr(&m, NULL, ns_t_srv);
	m_u16(&m, 1);
	m_u16(&m, 1);
	m_u16(&m, 5060);
	m_name(&m, "b");
	m_rr_end(&m, at);
	assert_int_equal(resolve_parse_srv(m.b, m.n, 9, SRVNAME, s,
	    RESOLVE_RR_MAX), RESOLVE_BOGUS);
	/* SRV target compressed into a loop, then past the end. */
	m_header(&m, 9, F_ANSWER, 1, 1);
	m_question(&m, SRVNAME, ns_t_srv);
	at = m_rr(&m, NULL, ns_t_srv);
	m_u16(&m, 1);
	m_u16(&m, 1);
	m_u16(&m, 5060);
	name = m.n;
	m_u16(&m, 0xc000 | (unsigned int)name);
	m_rr_end(&m, at);
	assert_int_equal(resolve_parse_srv(m.b, m.n, 9, SRVNAME, s,
	    RESOLVE_RR_MAX), RESOLVE_BOGUS);
	m.b[name + 1] = 0xf0;
	assert_int_equal(resolve_parse_srv(m.b, m.n, 9, SRVNAME, s,
	    RESOLVE_RR_MAX), RESOLVE_BOGUS);
	/* NAPTR string longer than what is left of its rdata. */
	m_header(&m, 9, F_ANSWER, 1, 1);
	m_question(&m, QNAME, ns_t_naptr);
	at = m_rr(&m, NULL, ns_t_naptr);
	m_u16(&m, 1);
	m_u16(&m, 1);
	m_cstr(&m, "S");
	m_u8(&m, 40);
	m_cstr(&m, "SIP+D2U");
	m_rr_end(&m, at);
	assert_int_equal(resolve_parse_naptr(m.b, m.n, 9, QNAME, n,
	    RESOLVE_RR_MAX), RESOLVE_BOGUS);
	/* NAPTR without its replacement. */
	m_header(&m, 9, F_ANSWER, 1, 1);
	m_question(&m, QNAME, ns_t_naptr);
	at = m_rr(&m, NULL, ns_t_naptr);
	m_u16(&m, 1);
	m_u16(&m, 1);
	m_cstr(&m, "S");
	m_cstr(&m, "SIP+D2U");
	m_cstr(&m, "");
	m_rr_end(&m, at);
	assert_int_equal(resolve_parse_naptr(m.b, m.n, 9, QNAME, n,
	    RESOLVE_RR_MAX), RESOLVE_BOGUS);
	/* A NUL inside the service makes it no service of ours. */
	m_header(&m, 9, F_ANSWER, 1, 1);
	m_question(&m, QNAME, ns_t_naptr);
	at = m_rr(&m, NULL, ns_t_naptr);
	m_u16(&m, 1);
	m_u16(&m, 1);
	m_cstr(&m, "S");
	m_cstr(&m, "SIP+D2Ux");
	m.b[m.n - 1] = '\0';
	m_cstr(&m, "");
	m_name(&m, SRVNAME);
	m_rr_end(&m, at);
	assert_int_equal(resolve_parse_naptr(m.b, m.n, 9, QNAME, n,
	    RESOLVE_RR_MAX), 0);
	/* Any byte of a good answer changed: refused or read, in bounds. */
	naptr_answer(&orig, 3);
	for (i = 0; i < orig.n; i++)
		for (at = 0; at < sizeof(bytes); at++) {
			m = orig;
			m.b[i] = bytes[at];
			rc = resolve_parse_naptr(m.b, m.n, 3, QNAME, n,
			    RESOLVE_RR_MAX);
			assert_true(rc >= RESOLVE_SERVFAIL &&
			    rc <= RESOLVE_RR_MAX);
		}
	srv_answer(&orig, 3);
	for (i = 0; i < orig.n; i++)
		for (at = 0; at < sizeof(bytes); at++) {
			m = orig;
			m.b[i] = bytes[at];
			rc = resolve_parse_srv(m.b, m.n, 3, SRVNAME, s,
			    RESOLVE_RR_MAX);
			assert_true(rc >= RESOLVE_SERVFAIL &&
			    rc <= RESOLVE_RR_MAX);
		}
}

/* A datagram that does not answer our question is not an answer. */
static void
test_not_ours(void **state)
{
	struct resolve_srv	 s[RESOLVE_RR_MAX];
	struct resolve_naptr	 n[1];
	struct msg		 m;

	(void)state;
	srv_answer(&m, 0xbeef);
	assert_int_equal(resolve_parse_srv(m.b, m.n, 0xbeef, SRVNAME, s,
	    RESOLVE_RR_MAX), 3);
	assert_int_equal(resolve_parse_srv(m.b, m.n, 0xbeee, SRVNAME, s,
	    RESOLVE_RR_MAX), RESOLVE_BOGUS);
	assert_int_equal(resolve_parse_srv(m.b, m.n, 0xbeef,
	    "_sip._tcp.other.example", s, RESOLVE_RR_MAX), RESOLVE_BOGUS);
	/* An SRV answer is no NAPTR answer. */
	assert_int_equal(resolve_parse_naptr(m.b, m.n, 0xbeef, SRVNAME, n, 1),
	    RESOLVE_BOGUS);
	/* Not a response (QR clear), or not a standard query. */
	m.b[2] &= 0x7f;
	assert_int_equal(resolve_parse_srv(m.b, m.n, 0xbeef, SRVNAME, s,
	    RESOLVE_RR_MAX), RESOLVE_BOGUS);
	m.b[2] |= 0x80 | (ns_o_notify << 3);
	assert_int_equal(resolve_parse_srv(m.b, m.n, 0xbeef, SRVNAME, s,
	    RESOLVE_RR_MAX), RESOLVE_BOGUS);
	/* No question at all. */
	m_header(&m, 1, F_ANSWER, 0, 0);
	assert_int_equal(resolve_parse_srv(m.b, m.n, 1, SRVNAME, s,
	    RESOLVE_RR_MAX), RESOLVE_BOGUS);
}

/* Errors: no such name is no records, a failing server is SERVFAIL. */
static void
test_rcode(void **state)
{
	struct resolve_srv	 s[RESOLVE_RR_MAX];
	struct msg		 m;
	size_t			 at;

	(void)state;
	m_header(&m, 5, F_ANSWER | ns_r_nxdomain, 1, 0);
	m_question(&m, SRVNAME, ns_t_srv);
	assert_int_equal(resolve_parse_srv(m.b, m.n, 5, SRVNAME, s,
	    RESOLVE_RR_MAX), 0);
	m.b[3] = (F_ANSWER & 0xf0) | ns_r_servfail;
	assert_int_equal(resolve_parse_srv(m.b, m.n, 5, SRVNAME, s,
	    RESOLVE_RR_MAX), RESOLVE_SERVFAIL);
	m.b[3] = (F_ANSWER & 0xf0) | ns_r_refused;
	assert_int_equal(resolve_parse_srv(m.b, m.n, 5, SRVNAME, s,
	    RESOLVE_RR_MAX), RESOLVE_SERVFAIL);
	m.b[3] = F_ANSWER & 0xff;
	assert_int_equal(resolve_parse_srv(m.b, m.n, 5, SRVNAME, s,
	    RESOLVE_RR_MAX), 0);
	/* Records of another name, type or class are not ours. */
	m_header(&m, 5, F_ANSWER, 1, 3);
	m_question(&m, SRVNAME, ns_t_srv);
	at = m_rr(&m, "_sip._tcp.other.example", ns_t_srv);
	m_rdata(&m, &(struct rec)SRV(NULL, 1, 1, 5060, "x.example"));
	m_rr_end(&m, at);
	at = m_rr(&m, NULL, ns_t_a);
	m_rdata(&m, &(struct rec)A(NULL, "192.0.2.1"));
	m_rr_end(&m, at);
	at = m_rr(&m, NULL, ns_t_srv);
	m_rdata(&m, &(struct rec)SRV(NULL, 1, 1, 5060, "y.example"));
	m_rr_end(&m, at);
	m.b[at - 5] = ns_c_chaos;	/* the class of the last record */
	assert_int_equal(resolve_parse_srv(m.b, m.n, 5, SRVNAME, s,
	    RESOLVE_RR_MAX), 0);
}

/* The test server: answer a query from the records, or drop it. */
static void
fake_read(evutil_socket_t fd, short what, void *arg)
{
	struct fake		*f = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 slen = sizeof(ss);
	uint8_t			 q[512];
	struct msg		 m;
	ns_msg			 h;
	ns_rr			 rr;
	size_t			 i, at, qlen;
	ssize_t			 len;
	int			 an = 0, known = 0, rcode, skip, j;
	int			 other;

	(void)what;
	if ((len = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&ss,
	    &slen)) <= 0 || ns_initparse(q, (int)len, &h) == -1 ||
	    ns_parserr(&h, ns_s_qd, 0, &rr) == -1)
		return;
	f->count[ns_rr_type(rr) & 0xff]++;
	if (f->drop[ns_rr_type(rr) & 0xff] > 0) {
		f->drop[ns_rr_type(rr) & 0xff]--;
		return;
	}
	for (i = 0; i < f->nrecs; i++)
		if (strcasecmp(f->recs[i].name, ns_rr_name(rr)) == 0) {
			known = 1;
			if (f->recs[i].type == ns_rr_type(rr))
				an++;
		}
	rcode = known ? ns_r_noerror : ns_r_nxdomain;
	if (f->servfail != NULL &&
	    strcasecmp(f->servfail, ns_rr_name(rr)) == 0)
		rcode = ns_r_servfail;
	/* Echo the question as it came (evdns checks its 0x20 case). */
	skip = dn_skipname(q + NS_HFIXEDSZ, q + len);
	assert_true(skip > 0);
	qlen = (size_t)skip + 4;
	m_header(&m, (uint16_t)ns_msg_id(h), F_ANSWER | rcode, 1, an);
	memcpy(m.b + m.n, q + NS_HFIXEDSZ, qlen);
	m.n += qlen;
	for (i = 0; i < f->nrecs; i++)
		if (strcasecmp(f->recs[i].name, ns_rr_name(rr)) == 0 &&
		    f->recs[i].type == ns_rr_type(rr)) {
			at = m_rr(&m, NULL, f->recs[i].type);
			m_rdata(&m, &f->recs[i]);
			m_rr_end(&m, at);
		}
	for (j = 0; j < f->junk; j++) {
		/* A wrong ID, then garbage, then from another port. */
		m.b[0] ^= 0x5a;
		sendto(fd, m.b, m.n, 0, (struct sockaddr *)&ss, slen);
		m.b[0] ^= 0x5a;
		sendto(fd, "\xde\xad", 2, 0, (struct sockaddr *)&ss, slen);
		if ((other = socket(AF_INET, SOCK_DGRAM, 0)) != -1) {
			sendto(other, m.b, m.n, 0, (struct sockaddr *)&ss,
			    slen);
			close(other);
		}
	}
	assert_int_equal(sendto(fd, m.b, m.n, 0, (struct sockaddr *)&ss,
	    slen), (ssize_t)m.n);
}

/* Start the test server on 127.0.0.1, on a port of the kernel's. */
static void
fake_start(struct fake *f, struct event_base *base, const struct rec *recs,
    size_t nrecs)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);

	memset(f, 0, sizeof(*f));
	f->base = base;
	f->recs = recs;
	f->nrecs = nrecs;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_not_equal(f->fd = socket(AF_INET, SOCK_DGRAM |
	    SOCK_NONBLOCK, 0), -1);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&sin, len), 0);
	assert_int_equal(getsockname(f->fd, (struct sockaddr *)&sin, &len),
	    0);
	f->port = ntohs(sin.sin_port);
	assert_non_null(f->ev = event_new(base, f->fd, EV_READ | EV_PERSIST,
	    fake_read, f));
	assert_int_equal(event_add(f->ev, NULL), 0);
}

/* Stop the test server. */
static void
fake_stop(struct fake *f)
{
	event_free(f->ev);
	close(f->fd);
}

/* Note what a lookup ended with. */
static void
result_cb(void *arg, int error, const struct sip_addr *to)
{
	struct result	*r = arg;

	r->done++;
	r->error = error;
	if (to != NULL)
		r->to = *to;
	else
		assert_int_not_equal(error, RESOLVE_OK);
}

/* The deadline of run(). */
static void
expired(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Run the loop until the lookup ends, or for ms milliseconds at most. */
static void
run(struct event_base *base, struct result *r, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event	*ev;
	int		 over = 0;

	assert_non_null(ev = evtimer_new(base, expired, &over));
	assert_int_equal(evtimer_add(ev, &tv), 0);
	while (!over && (r == NULL || r->done == 0))
		assert_int_not_equal(event_base_loop(base, EVLOOP_ONCE), -1);
	event_free(ev);
}

/* A resolver asking the test server, waiting 1 s for each answer. */
static struct resolver *
fx_resolver(struct fake *f)
{
	struct resolver	*r;
	char		 server[32];

	snprintf(server, sizeof(server), "127.0.0.1:%u", f->port);
	assert_non_null(r = resolver_new(f->base, server, 1));
	return r;
}

/* Resolve a URI against the test server and run until it ends (3 s). */
static void
lookup(struct fake *f, const char *uri, const char *key, struct result *res)
{
	struct resolver	*r = fx_resolver(f);
	osip_uri_t	*u;

	memset(res, 0, sizeof(*res));
	assert_int_equal(osip_uri_init(&u), 0);
	assert_int_equal(osip_uri_parse(u, uri), 0);
	assert_non_null(resolve_sip_uri(r, u, key, result_cb, res));
	osip_uri_free(u);
	/* Never from inside resolve_sip_uri. */
	assert_int_equal(res->done, 0);
	run(f->base, res, 3000);
	assert_int_equal(res->done, 1);
	resolver_free(r);
}

/* The zone most tests use: NAPTR to SRV to A, as RFC 3263 4 walks it. */
static const struct rec zone[] = {
	NAPTR(QNAME, 10, 10, "S", "SIP+D2U", "_sip._udp.other.example"),
	NAPTR(QNAME, 20, 10, "S", "SIP+D2T", "_sip._tcp.other.example"),
	NAPTR(QNAME, 5, 10, "S", "SIPS+D2T", "_sips._tcp.other.example"),
	SRV("_sips._tcp.other.example", 1, 1, 5061, "tls.other.example"),
	SRV("_sip._udp.other.example", 5, 0, 5070, "dead.other.example"),
	SRV("_sip._udp.other.example", 10, 0, 5090, "sip1.other.example"),
	SRV("_sip._tcp.other.example", 10, 0, 5091, "sip1.other.example"),
	A("sip1.other.example", "127.0.0.14"),
	A("tls.other.example", "127.0.0.99"),
	A("gone.other.example", "127.0.0.98"),
	/* Only SRV for TCP. */
	SRV("_sip._tcp.tcp.example", 10, 0, 5071, "sip.tcp.example"),
	A("sip.tcp.example", "127.0.0.21"),
	/* Only an address. */
	A("aonly.example", "127.0.0.15"),
	/* SRV to two servers of equal weight. */
	SRV("_sip._udp.pair.example", 10, 50, 5060, "p1.pair.example"),
	SRV("_sip._udp.pair.example", 10, 50, 5060, "p2.pair.example"),
	A("p1.pair.example", "127.0.0.31"),
	A("p2.pair.example", "127.0.0.32"),
	/* SRV whose only target has no address. */
	SRV("_sip._udp.noaddr.example", 10, 0, 5060, "gone.noaddr.example"),
	/* An SRV target given as an address. */
	SRV("_sip._udp.literal.example", 10, 0, 5099, "127.0.0.41"),
};
#define ZONE	zone, sizeof(zone) / sizeof(zone[0])

/* NAPTR, then SRV by priority, then A: the SIP server on its SRV port. */
static void
test_lookup_naptr(void **state)
{
	struct event_base	*base;
	struct fake		 f;
	struct result		 res;
	struct rec		 z[sizeof(zone) / sizeof(zone[0])];

	(void)state;
	assert_non_null(base = event_base_new());
	fake_start(&f, base, ZONE);
	lookup(&f, "sip:bob@other.example", "call-1", &res);
	assert_int_equal(res.error, RESOLVE_OK);
	assert_string_equal(res.to.host, "127.0.0.14");
	assert_int_equal(res.to.port, 5090);
	assert_int_equal(res.to.tcp, 0);
	/* TLS skipped, UDP first; priority 5 has no address: failover. */
	assert_int_equal(f.count[ns_t_naptr], 1);
	assert_int_equal(f.count[ns_t_srv], 1);
	assert_int_equal(f.count[ns_t_a], 2);
	fake_stop(&f);

	/* With an address, priority 5 it is. */
	memcpy(z, zone, sizeof(zone));
	z[9].name = "dead.other.example";
	fake_start(&f, base, z, sizeof(z) / sizeof(z[0]));
	lookup(&f, "sip:bob@Other.Example.;user=phone", NULL, &res);
	assert_int_equal(res.error, RESOLVE_OK);
	assert_string_equal(res.to.host, "127.0.0.98");
	assert_int_equal(res.to.port, 5070);
	assert_int_equal(f.count[ns_t_a], 1);
	fake_stop(&f);

	/* NAPTR says TCP first: TCP it is. */
	memcpy(z, zone, sizeof(zone));
	z[0].a = 30;
	fake_start(&f, base, z, sizeof(z) / sizeof(z[0]));
	lookup(&f, "sip:bob@other.example", NULL, &res);
	assert_int_equal(res.error, RESOLVE_OK);
	assert_string_equal(res.to.host, "127.0.0.14");
	assert_int_equal(res.to.port, 5091);
	assert_int_equal(res.to.tcp, 1);
	fake_stop(&f);
	event_base_free(base);
}

/* Without NAPTR: SRV for UDP, then TCP, then the host's own address. */
static void
test_lookup_fallback(void **state)
{
	struct event_base	*base;
	struct fake		 f;
	struct result		 res;

	(void)state;
	assert_non_null(base = event_base_new());
	fake_start(&f, base, ZONE);
	lookup(&f, "sip:bob@tcp.example", NULL, &res);
	assert_int_equal(res.error, RESOLVE_OK);
	assert_string_equal(res.to.host, "127.0.0.21");
	assert_int_equal(res.to.port, 5071);
	assert_int_equal(res.to.tcp, 1);
	assert_int_equal(f.count[ns_t_srv], 2);

	memset(f.count, 0, sizeof(f.count));
	lookup(&f, "sip:bob@aonly.example", NULL, &res);
	assert_int_equal(res.error, RESOLVE_OK);
	assert_string_equal(res.to.host, "127.0.0.15");
	assert_int_equal(res.to.port, 5060);
	assert_int_equal(res.to.tcp, 0);
	assert_int_equal(f.count[ns_t_naptr], 1);
	assert_int_equal(f.count[ns_t_srv], 2);
	assert_int_equal(f.count[ns_t_a], 1);

	lookup(&f, "sip:bob@literal.example", NULL, &res);
	assert_int_equal(res.error, RESOLVE_OK);
	assert_string_equal(res.to.host, "127.0.0.41");
	assert_int_equal(res.to.port, 5099);

	/* No such name anywhere, or SRV whose target has no address. */
	lookup(&f, "sip:bob@nowhere.example", NULL, &res);
	assert_int_equal(res.error, RESOLVE_ENOTFOUND);
	lookup(&f, "sip:bob@noaddr.example", NULL, &res);
	assert_int_equal(res.error, RESOLVE_ENOTFOUND);
	fake_stop(&f);
	event_base_free(base);
}

/* A port means A only; a transport means SRV for it only. */
static void
test_lookup_port_transport(void **state)
{
	struct event_base	*base;
	struct fake		 f;
	struct result		 res;

	(void)state;
	assert_non_null(base = event_base_new());
	fake_start(&f, base, ZONE);
	lookup(&f, "sip:bob@sip1.other.example:5080", NULL, &res);
	assert_int_equal(res.error, RESOLVE_OK);
	assert_string_equal(res.to.host, "127.0.0.14");
	assert_int_equal(res.to.port, 5080);
	assert_int_equal(res.to.tcp, 0);
	lookup(&f, "sip:bob@sip1.other.example:5081;transport=TCP", NULL,
	    &res);
	assert_int_equal(res.to.port, 5081);
	assert_int_equal(res.to.tcp, 1);
	assert_int_equal(f.count[ns_t_naptr], 0);
	assert_int_equal(f.count[ns_t_srv], 0);

	lookup(&f, "sip:bob@other.example;transport=tcp", NULL, &res);
	assert_int_equal(res.error, RESOLVE_OK);
	assert_int_equal(res.to.port, 5091);
	assert_int_equal(res.to.tcp, 1);
	assert_int_equal(f.count[ns_t_naptr], 0);
	assert_int_equal(f.count[ns_t_srv], 1);
	/* No SRV for the transport: the host, port 5060, that transport. */
	lookup(&f, "sip:bob@aonly.example;transport=tcp", NULL, &res);
	assert_string_equal(res.to.host, "127.0.0.15");
	assert_int_equal(res.to.port, 5060);
	assert_int_equal(res.to.tcp, 1);
	fake_stop(&f);
	event_base_free(base);
}

/* One key draws one server among equals; keys spread over both. */
static void
test_lookup_key(void **state)
{
	struct event_base	*base;
	struct fake		 f;
	struct result		 res;
	char			 first[64], key[32];
	int			 i, p1 = 0;

	(void)state;
	assert_non_null(base = event_base_new());
	fake_start(&f, base, ZONE);
	lookup(&f, "sip:bob@pair.example", "call-a", &res);
	assert_int_equal(res.error, RESOLVE_OK);
	snprintf(first, sizeof(first), "%s", res.to.host);
	for (i = 0; i < 3; i++) {
		lookup(&f, "sip:bob@pair.example", "call-a", &res);
		assert_string_equal(res.to.host, first);
	}
	for (i = 0; i < 24; i++) {
		snprintf(key, sizeof(key), "call-%d@host", i);
		lookup(&f, "sip:bob@pair.example", key, &res);
		assert_int_equal(res.error, RESOLVE_OK);
		if (strcmp(res.to.host, "127.0.0.31") == 0)
			p1++;
	}
	assert_in_range(p1, 3, 21);
	fake_stop(&f);
	event_base_free(base);
}

/* A lost query is asked again; a server that never answers fails. */
static void
test_lookup_timeout(void **state)
{
	struct event_base	*base;
	struct fake		 f;
	struct result		 res;

	(void)state;
	assert_non_null(base = event_base_new());
	fake_start(&f, base, ZONE);
	f.drop[ns_t_naptr] = 1;
	lookup(&f, "sip:bob@other.example", NULL, &res);
	assert_int_equal(res.error, RESOLVE_OK);
	assert_int_equal(res.to.port, 5090);
	assert_int_equal(f.count[ns_t_naptr], 2);

	memset(f.count, 0, sizeof(f.count));
	f.drop[ns_t_srv] = 2;
	lookup(&f, "sip:bob@other.example", NULL, &res);
	assert_int_equal(res.error, RESOLVE_ETEMP);
	assert_int_equal(f.count[ns_t_srv], 2);
	assert_int_equal(f.count[ns_t_a], 0);
	fake_stop(&f);
	event_base_free(base);
}

/* Wrong IDs, garbage and other sources are ignored; SERVFAIL moves on. */
static void
test_lookup_ignored(void **state)
{
	struct event_base	*base;
	struct fake		 f;
	struct result		 res;
	struct resolver		*r;
	osip_uri_t		*u;

	(void)state;
	assert_non_null(base = event_base_new());
	fake_start(&f, base, ZONE);
	f.junk = 3;
	lookup(&f, "sip:bob@other.example", NULL, &res);
	assert_int_equal(res.error, RESOLVE_OK);
	assert_int_equal(res.to.port, 5090);
	assert_int_equal(f.count[ns_t_naptr], 1);
	f.junk = 0;

	/* NAPTR fails: SRV still finds it (RFC 3263 4.1). */
	f.servfail = "other.example";
	lookup(&f, "sip:bob@other.example", NULL, &res);
	assert_int_equal(res.error, RESOLVE_OK);
	assert_int_equal(res.to.port, 5090);
	/* ... but with nothing found, the failure is what counts. */
	f.servfail = "nowhere.example";
	lookup(&f, "sip:bob@nowhere.example", NULL, &res);
	assert_int_equal(res.error, RESOLVE_ETEMP);
	fake_stop(&f);

	/* No server at all (ICMP): fails at once, not after the timeout. */
	fake_start(&f, base, ZONE);
	r = fx_resolver(&f);
	fake_stop(&f);
	memset(&res, 0, sizeof(res));
	assert_int_equal(osip_uri_init(&u), 0);
	assert_int_equal(osip_uri_parse(u, "sip:bob@other.example"), 0);
	assert_non_null(resolve_sip_uri(r, u, NULL, result_cb, &res));
	run(base, &res, 900);
	assert_int_equal(res.done, 1);
	assert_int_equal(res.error, RESOLVE_ETEMP);
	osip_uri_free(u);
	resolver_free(r);
	event_base_free(base);
}

/* Cancelled or freed with queries in flight: no callback, no leak. */
static void
test_lookup_cancel(void **state)
{
	struct event_base	*base;
	struct fake		 f;
	struct result		 res[3];
	struct resolve_req	*rq;
	struct resolver		*r;
	osip_uri_t		*u, *p;

	(void)state;
	assert_non_null(base = event_base_new());
	fake_start(&f, base, ZONE);
	assert_int_equal(osip_uri_init(&u), 0);
	assert_int_equal(osip_uri_parse(u, "sip:bob@other.example"), 0);
	assert_int_equal(osip_uri_init(&p), 0);
	assert_int_equal(osip_uri_parse(p, "sip:bob@aonly.example:5060"), 0);
	memset(res, 0, sizeof(res));
	r = fx_resolver(&f);
	/* A NAPTR query and an A query cancelled before their answers. */
	assert_non_null(rq = resolve_sip_uri(r, u, NULL, result_cb, &res[0]));
	resolve_cancel(rq);
	assert_non_null(rq = resolve_sip_uri(r, p, NULL, result_cb, &res[1]));
	resolve_cancel(rq);
	assert_non_null(resolve_sip_uri(r, u, NULL, result_cb, &res[2]));
	run(base, &res[2], 2000);
	assert_int_equal(res[0].done, 0);
	assert_int_equal(res[1].done, 0);
	assert_int_equal(res[2].done, 1);
	/* The cancelled A query's answer came and was dropped. */
	assert_int_equal(f.count[ns_t_a], 3);
	/* Freed with both kinds in flight. */
	assert_non_null(resolve_sip_uri(r, u, NULL, result_cb, &res[0]));
	assert_non_null(resolve_sip_uri(r, p, NULL, result_cb, &res[1]));
	resolver_free(r);
	run(base, NULL, 200);
	assert_int_equal(res[0].done, 0);
	assert_int_equal(res[1].done, 0);
	resolve_cancel(NULL);
	resolver_free(NULL);
	osip_uri_free(u);
	osip_uri_free(p);
	fake_stop(&f);
	event_base_free(base);
}

/* URIs with nothing to look up are refused at once. */
static void
test_lookup_invalid(void **state)
{
	static const char *const bad[] = {
		"sip:bob@198.51.100.14", "sip:bob@[2001:db8::1]",
		"sips:bob@other.example", "sip:bob@other.example:0",
		"sip:bob@other.example:65536", "sip:bob@other.example:+5",
		"sip:bob@other.example;transport=tls",
		"sip:bob@other.example;transport=sctp",
		"sip:bob@other.example;transport",
		"tel:+15551234567",
	};
	struct event_base	*base;
	struct fake		 f;
	struct result		 res;
	struct resolver		*r;
	osip_uri_t		*u;
	size_t			 i;

	(void)state;
	assert_non_null(base = event_base_new());
	fake_start(&f, base, ZONE);
	r = fx_resolver(&f);
	memset(&res, 0, sizeof(res));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(osip_uri_init(&u), 0);
		assert_int_equal(osip_uri_parse(u, bad[i]), 0);
		errno = 0;
		if (resolve_sip_uri(r, u, NULL, result_cb, &res) != NULL)
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(errno, EINVAL);
		osip_uri_free(u);
	}
	assert_null(resolve_sip_uri(r, NULL, NULL, result_cb, &res));
	run(base, NULL, 100);
	assert_int_equal(res.done, 0);
	assert_int_equal(f.count[ns_t_naptr] + f.count[ns_t_a], 0);
	resolver_free(r);
	/* The server must be numeric. */
	assert_null(resolver_new(base, "dns.example", 1));
	fake_stop(&f);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_naptr_order),
		cmocka_unit_test(test_srv_parse),
		cmocka_unit_test(test_pick_priority),
		cmocka_unit_test(test_pick_weight),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_rcode),
		cmocka_unit_test(test_lookup_naptr),
		cmocka_unit_test(test_lookup_fallback),
		cmocka_unit_test(test_lookup_port_transport),
		cmocka_unit_test(test_lookup_key),
		cmocka_unit_test(test_lookup_timeout),
		cmocka_unit_test(test_lookup_ignored),
		cmocka_unit_test(test_lookup_cancel),
		cmocka_unit_test(test_lookup_invalid),
	};

	sip_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
