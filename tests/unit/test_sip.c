/*
 * Unit tests of the SIP proxy core on literal messages: what sip_parse
 * accepts and what it refuses with which status, responses built from
 * requests, Via with branch, received and rport, Max-Forwards, loops,
 * Record-Route and Route, bodies and URI targets. Where the bytes on the
 * wire matter, the serialized header lines are compared exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include <osipparser2/osip_port.h>

#include "log.h"
#include "sip.h"

/* The head lines every valid message below shares after its start line. */
#define TS_VIA		"Via: SIP/2.0/UDP 10.77.0.21:5062;branch=z9hG4bK-a1\r\n"
#define TS_DIALOG \
	"From: \"Alice\" <sip:alice@corp.example>;tag=f1\r\n" \
	"To: <sip:bob@198.51.100.20>\r\n" \
	"Call-ID: c1@10.77.0.21\r\n"
#define TS_INVITE_HEAD \
	"INVITE sip:bob@198.51.100.20 SIP/2.0\r\n" TS_VIA \
	"Max-Forwards: 70\r\n" TS_DIALOG "CSeq: 1 INVITE\r\n" \
	"Contact: <sip:alice@10.77.0.21:5062>\r\n"

#define TS_SDP \
	"v=0\r\n" \
	"o=alice 1 1 IN IP4 10.77.0.21\r\n" \
	"s=-\r\n" \
	"c=IN IP4 10.77.0.21\r\n" \
	"t=0 0\r\n" \
	"m=audio 6000 RTP/AVP 0\r\n" \
	"a=rtpmap:0 PCMU/8000\r\n"

static const char ts_invite[] =
    TS_INVITE_HEAD
    "Content-Type: application/sdp\r\n"
    "Content-Length: 115\r\n"
    "\r\n"
    TS_SDP;

static const char ts_register[] =
    "REGISTER sip:corp.example SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.77.0.21:5062;rport;branch=z9hG4bK-r1\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@corp.example>;tag=r1\r\n"
    "To: <sip:alice@corp.example>\r\n"
    "Call-ID: reg1@10.77.0.21\r\n"
    "CSeq: 7 REGISTER\r\n"
    "Contact: <sip:alice@10.77.0.21:5062>;expires=600\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static const char ts_ok[] =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP 10.77.0.2:5060;branch=z9hG4bK-vofw-1;rport=5060\r\n"
    "Via: SIP/2.0/UDP 10.77.0.21:5062;branch=z9hG4bK-a1\r\n"
    "Record-Route: <sip:10.77.0.2:5060;lr;vofw>\r\n"
    TS_DIALOG
    "CSeq: 1 INVITE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

/* A literal and its length. */
#define TS_LIT(s)	(s), (sizeof(s) - 1)

/* A request whose Via line ends with a bare LF. */
#define TS_BARE_LF \
	"OPTIONS sip:bob@198.51.100.20 SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP 10.77.0.21:5062;branch=z9hG4bK-a1\n" \
	TS_DIALOG "CSeq: 2 OPTIONS\r\nContent-Length: 0\r\n\r\n"

/* A request with the given head lines between start line and CSeq. */
#define TS_REQ(lines) \
	"OPTIONS sip:bob@198.51.100.20 SIP/2.0\r\n" lines \
	"Content-Length: 0\r\n\r\n"

/* The helpers that assert report their caller's line. */
#define ts_parse(s)		ts_parse_at((s), __LINE__)
#define ts_refused(...)		ts_refused_at(__LINE__, __VA_ARGS__)
#define ts_line_is(m, p, n, w)	ts_line_is_at((m), (p), (n), (w), __LINE__)

static osip_message_t *ts_parse_at(const char *, int);
static void	 ts_refused_at(int, const char *, size_t, int, const char *);
static char	*ts_str(osip_message_t *);
static char	*ts_line(osip_message_t *, const char *, int);
static void	 ts_line_is_at(osip_message_t *, const char *, int,
		    const char *, int);
static int	 ts_count(osip_message_t *, const char *);
static char	*ts_head(const char *, int, int, int);
static int	 ts_ours(const osip_uri_t *, void *);

/* Parse a literal that must be accepted. */
static osip_message_t *
ts_parse_at(const char *s, int line)
{
	osip_message_t	*m = NULL;
	const char	*why = NULL;
	int		 status = 0;

	if (sip_parse(s, strlen(s), &m, &status, &why) != 0)
		fail_msg("line %d: refused (%d): %s", line, status, why);
	assert_non_null(m);
	return m;
}

/* A message that must be refused with this status and reason. */
static void
ts_refused_at(int line, const char *s, size_t len, int want,
    const char *reason)
{
	osip_message_t	*m = (osip_message_t *)1;
	const char	*why = NULL;
	int		 status = 0;

	if (sip_parse(s, len, &m, &status, &why) == 0) {
		osip_message_free(m);
		fail_msg("line %d: accepted, should be %d%s%s", line, want,
		    reason != NULL ? ": " : "", reason != NULL ? reason : "");
	}
	/* A message refused after parsing is handed back for the answer. */
	if (m != NULL)
		osip_message_free(m);
	_assert_int_equal((unsigned long)status, (unsigned long)want,
	    __FILE__, line);
	_assert_true(why != NULL, "why", __FILE__, line);
	if (reason != NULL)
		_assert_string_equal(why, reason, __FILE__, line);
}

/* The serialized message as a NUL-terminated string (free with free). */
static char *
ts_str(osip_message_t *m)
{
	char	*buf, *s;
	size_t	 len;

	assert_int_equal(sip_serialize(m, &buf, &len), 0);
	assert_int_equal(strlen(buf), len);
	assert_non_null(s = strdup(buf));
	osip_free(buf);
	return s;
}

/*
 * The n-th serialized head line starting with prefix, in any case (libosip2
 * writes the names of headers it does not know as "Max-forwards"), without
 * its CRLF, or NULL; free with free.
 */
static char *
ts_line(osip_message_t *m, const char *prefix, int n)
{
	char	*s = ts_str(m), *p, *eol, *line = NULL;

	for (p = s; (eol = strstr(p, "\r\n")) != NULL && eol != p;
	    p = eol + 2) {
		if (strncasecmp(p, prefix, strlen(prefix)) != 0 || n-- > 0)
			continue;
		assert_non_null(line = strndup(p, (size_t)(eol - p)));
		break;
	}
	free(s);
	return line;
}

/* The n-th line starting with prefix is exactly want (NULL: absent). */
static void
ts_line_is_at(osip_message_t *m, const char *prefix, int n,
    const char *want, int at)
{
	char	*line = ts_line(m, prefix, n);

	if (want == NULL) {
		if (line != NULL)
			fail_msg("line %d: unexpected \"%s\"", at, line);
		return;
	}
	if (line == NULL)
		fail_msg("line %d: no line %d starting with \"%s\"", at, n,
		    prefix);
	_assert_string_equal(line, want, __FILE__, at);
	free(line);
}

/* How many serialized head lines start with prefix. */
static int
ts_count(osip_message_t *m, const char *prefix)
{
	char	*line;
	int	 n = 0;

	while ((line = ts_line(m, prefix, n)) != NULL) {
		free(line);
		n++;
	}
	return n;
}

/*
 * An OPTIONS with nvia Vias and extra "X-N: v" header lines, optionally
 * one line of linelen characters, as a malloc'd string.
 */
static char *
ts_head(const char *lead, int nvia, int extra, int linelen)
{
	size_t	 size = 256 + (size_t)(nvia + extra) * 64 +
		    (size_t)linelen;
	char	*s, *p;
	int	 i;

	assert_non_null(s = malloc(size));
	p = s + sprintf(s, "%sOPTIONS sip:bob@198.51.100.20 SIP/2.0\r\n",
	    lead);
	for (i = 0; i < nvia; i++)
		p += sprintf(p, "Via: SIP/2.0/UDP 10.0.0.%d;branch=z9hG4bK-%d"
		    "\r\n", i % 250 + 1, i);
	p += sprintf(p, "%s%s", TS_DIALOG, "CSeq: 2 OPTIONS\r\n");
	for (i = 0; i < extra; i++)
		p += sprintf(p, "X-%d: v\r\n", i);
	if (linelen > 0) {
		/* "Subject: " + filler = linelen characters. */
		p += sprintf(p, "Subject: ");
		memset(p, 's', (size_t)linelen - 9);
		p += linelen - 9;
		p += sprintf(p, "\r\n");
	}
	sprintf(p, "Content-Length: 0\r\n\r\n");
	assert_true(strlen(s) < size);
	return s;
}

/* Route callback: 10.77.0.2:5060 (port absent or 5060) is us. */
static int
ts_ours(const osip_uri_t *u, void *arg)
{
	int	*calls = arg;

	(*calls)++;
	return u->host != NULL && strcmp(u->host, "10.77.0.2") == 0 &&
	    (u->port == NULL || strcmp(u->port, "5060") == 0);
}

/* A valid INVITE, REGISTER and response parse, with what a proxy uses. */
static void
test_parse_valid(void **state)
{
	osip_message_t	*m;
	const char	*body;
	size_t		 len;
	char		 cid[256];

	(void)state;
	m = ts_parse(ts_invite);
	assert_true(MSG_IS_INVITE(m));
	assert_string_equal(m->req_uri->host, "198.51.100.20");
	assert_int_equal(osip_list_size(&m->vias), 1);
	assert_string_equal(m->cseq->number, "1");
	assert_string_equal(sip_call_id(m, cid, sizeof(cid)),
	    "c1@10.77.0.21");
	assert_int_equal(sip_body(m, &body, &len), 0);
	assert_int_equal(len, strlen(TS_SDP));
	assert_memory_equal(body, TS_SDP, len);
	osip_message_free(m);

	m = ts_parse(ts_register);
	assert_true(MSG_IS_REGISTER(m));
	assert_string_equal(m->cseq->method, "REGISTER");
	assert_int_equal(osip_list_size(&m->contacts), 1);
	assert_int_equal(sip_body(m, &body, &len), -1);
	osip_message_free(m);

	m = ts_parse(ts_ok);
	assert_true(MSG_IS_RESPONSE(m));
	assert_int_equal(m->status_code, 200);
	assert_int_equal(osip_list_size(&m->vias), 2);
	assert_int_equal(osip_list_size(&m->record_routes), 1);
	osip_message_free(m);

	/* Compact forms, no Content-Length (the datagram ends the body). */
	m = ts_parse("BYE sip:bob@198.51.100.20 SIP/2.0\r\n"
	    "v: SIP/2.0/UDP 10.77.0.21:5062;branch=z9hG4bK-b1\r\n"
	    "f: <sip:alice@corp.example>;tag=f1\r\n"
	    "t: <sip:bob@198.51.100.20>;tag=t1\r\n"
	    "i: c1@10.77.0.21\r\n"
	    "CSeq: 2 BYE\r\n"
	    "\r\n");
	assert_true(MSG_IS_BYE(m));
	osip_message_free(m);

	/* The ACK of a failed INVITE. */
	m = ts_parse("ACK sip:bob@198.51.100.20 SIP/2.0\r\n" TS_VIA
	    TS_DIALOG "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n");
	assert_true(MSG_IS_ACK(m));
	osip_message_free(m);
}

/* Size, NUL bytes and line structure are checked before libosip2 runs. */
static void
test_parse_precheck(void **state)
{
	char	*big, *s;
	size_t	 n;

	(void)state;
	/* SIP_MSG_MAX bytes pass; one more is 513, whatever the content. */
	assert_non_null(big = malloc(SIP_MSG_MAX + 2));
	n = (size_t)sprintf(big, "%sContent-Type: text/plain\r\n"
	    "Content-Length: %05d\r\n\r\n", TS_INVITE_HEAD, 0);
	n = SIP_MSG_MAX - n;
	sprintf(big, "%sContent-Type: text/plain\r\nContent-Length: %05zu"
	    "\r\n\r\n", TS_INVITE_HEAD, n);
	memset(big + SIP_MSG_MAX - n, 'x', n);
	big[SIP_MSG_MAX] = '\0';
	osip_message_free(ts_parse(big));
	memcpy(big + SIP_MSG_MAX, "x", 2);
	ts_refused(big, SIP_MSG_MAX + 1, 513, "message too large");
	free(big);

	/* A NUL byte in the head (the body may hold any octet). */
	assert_non_null(s = strdup(ts_invite));
	s[10] = '\0';
	ts_refused(s, strlen(ts_invite), 400, "NUL byte in the head");
	free(s);

	/* Bare LF ending a line, bare CR inside one. */
	ts_refused(TS_LIT(TS_BARE_LF), 400,
	    "head not made of CRLF-terminated lines");
	ts_refused(TS_LIT("OPTIONS sip:b@x SIP/2.0\rVia: x\r\n\r\n"), 400,
	    "head not made of CRLF-terminated lines");

	/* A start line and no header: libosip2 would take the body for
	 * headers the checks above never saw. */
	ts_refused(TS_LIT("MESSAGE sip:bob@198.51.100.20 SIP/2.0\r\n\r\n"
	    "Content-Type: multipart/mixed;boundary=x\r\n\r\n"), 400,
	    "no header lines");

	/* No blank line after the head. */
	ts_refused(TS_LIT("OPTIONS sip:bob@198.51.100.20 SIP/2.0\r\n" TS_VIA
	    TS_DIALOG "CSeq: 2 OPTIONS\r\n"), 400, "no end of head");
	ts_refused("", 0, 400, NULL);

	/* A head line of SIP_LINE_MAX characters passes; one more does not. */
	s = ts_head("", 1, 0, SIP_LINE_MAX);
	osip_message_free(ts_parse(s));
	free(s);
	s = ts_head("", 1, 0, SIP_LINE_MAX + 1);
	ts_refused(s, strlen(s), 400, "line too long");
	free(s);

	/* Too many head lines. */
	s = ts_head("", 1, 100, 0);
	osip_message_free(ts_parse(s));
	free(s);
	s = ts_head("", 1, SIP_HEADERS_MAX, 0);
	ts_refused(s, strlen(s), 400, "too many header lines");
	free(s);
}

/*
 * A body goes on as it came, Content-Length bytes of it, NUL bytes and
 * all; bytes after Content-Length are dropped. A multipart body is
 * refused with 415 before libosip2's multipart parser sees it.
 */
static void
test_parse_body_as_received(void **state)
{
	static const char body[] = "\x01\0\xff\r\n\0binary";
	static const char mpart[] = "--b7\r\nContent-Type: text/plain\r\n"
	    "\r\nhi\r\n--b7--\r\n";
	char		 msg[1024], *out;
	osip_message_t	*m;
	const char	*why, *ob;
	size_t		 n, olen;
	int		 status;

	(void)state;
	n = (size_t)snprintf(msg, sizeof(msg), "MESSAGE sip:bob@198.51.100.20 "
	    "SIP/2.0\r\n" TS_VIA TS_DIALOG "CSeq: 3 MESSAGE\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Length: %zu\r\n\r\n", sizeof(body) - 1);
	memcpy(msg + n, body, sizeof(body) - 1);
	memcpy(msg + n + sizeof(body) - 1, "junk", 4);
	assert_int_equal(sip_parse(msg, n + sizeof(body) - 1 + 4, &m, &status,
	    &why), 0);
	assert_int_equal(sip_serialize(m, &out, &olen), 0);
	assert_non_null(ob = strstr(out, "\r\n\r\n"));
	ob += 4;
	assert_int_equal(olen - (size_t)(ob - out), sizeof(body) - 1);
	assert_memory_equal(ob, body, sizeof(body) - 1);
	osip_free(out);
	osip_message_free(m);

	n = (size_t)snprintf(msg, sizeof(msg), "MESSAGE sip:bob@198.51.100.20 "
	    "SIP/2.0\r\n" TS_VIA TS_DIALOG "CSeq: 3 MESSAGE\r\n"
	    "Content-Type: multipart/mixed;boundary=b7\r\n"
	    "Content-Length: %zu\r\n\r\n%s", sizeof(mpart) - 1, mpart);
	assert_int_equal(sip_parse(msg, n, &m, &status, &why), -1);
	assert_int_equal(status, 415);
	assert_string_equal(why, "multipart bodies are not relayed");
	assert_non_null(m);		/* parsed well enough to answer */
	osip_message_free(m);
}

/*
 * RFC 3261 7.5: CRLFs before the start line are to be ignored. They must
 * not end the checked head early and let what follows reach libosip2
 * unchecked (bare LF, long lines, any number of header lines).
 */
static void
test_parse_leading_crlf(void **state)
{
	osip_message_t	*m;
	char		*s, *t, what[128] = "";
	const char	*why;
	int		 status;

	(void)state;
	/* The same message with and without a leading CRLF: same verdict. */
	assert_non_null(t = malloc(strlen(ts_invite) + 3));
	sprintf(t, "\r\n%s", ts_invite);
	m = ts_parse(t);
	assert_true(MSG_IS_INVITE(m));
	osip_message_free(m);
	free(t);

	/* What would be refused without the CRLF (all freed before any
	 * failure is reported). */
#define TS_LEAD(str, name) do {						\
	if (sip_parse((str), strlen(str), &m, &status, &why) == 0)	\
		strcat(what, " " name);					\
	if (m != NULL)							\
		osip_message_free(m);					\
} while (0)
	s = ts_head("\r\n", 1, SIP_HEADERS_MAX + 50, 0);
	TS_LEAD(s, "many-headers");
	free(s);
	s = ts_head("\r\n", 1, 0, SIP_LINE_MAX + 500);
	TS_LEAD(s, "long-line");
	free(s);
	TS_LEAD("\r\n" TS_BARE_LF, "bare-LF");
#undef TS_LEAD
	if (what[0] != '\0')
		fail_msg("after a leading CRLF, accepted:%s", what);
}

/* The headers a proxy needs, and their consistency. */
static void
test_parse_required(void **state)
{
	char	*s, *p;
	int	 i;

	(void)state;
	ts_refused(TS_LIT(TS_REQ(TS_DIALOG "CSeq: 2 OPTIONS\r\n")), 400,
	    "no Via");
	s = ts_head("", SIP_VIAS_MAX, 0, 0);
	osip_message_free(ts_parse(s));
	free(s);
	s = ts_head("", SIP_VIAS_MAX + 1, 0, 0);
	ts_refused(s, strlen(s), 400, "too many Via");
	free(s);
	/* Several Vias on one line count one by one. */
	assert_non_null(s = malloc(4096));
	p = s + sprintf(s, "OPTIONS sip:bob@198.51.100.20 SIP/2.0\r\n");
	for (i = 0; i < SIP_VIAS_MAX / 4; i++)
		p += sprintf(p, "Via: SIP/2.0/UDP 10.0.0.%d;branch=z9hG4bK-a, "
		    "SIP/2.0/UDP 10.0.1.1;branch=z9hG4bK-b, SIP/2.0/UDP "
		    "10.0.1.2;branch=z9hG4bK-c,SIP/2.0/UDP 10.0.1.3\r\n", i);
	sprintf(p, "%sCSeq: 2 OPTIONS\r\nContent-Length: 0\r\n\r\n",
	    TS_DIALOG);
	osip_message_free(ts_parse(s));
	sprintf(p, "Via: SIP/2.0/UDP 10.0.0.99\r\n%sCSeq: 2 OPTIONS\r\n"
	    "Content-Length: 0\r\n\r\n", TS_DIALOG);
	ts_refused(s, strlen(s), 400, "too many Via");
	free(s);
	ts_refused(TS_LIT(TS_REQ("Via: SIP/2.0/UDP 10.0.0.1:5x;branch=z9hG4bK"
	    "-1\r\n" TS_DIALOG "CSeq: 2 OPTIONS\r\n")), 400, NULL);

	ts_refused(TS_LIT(TS_REQ(TS_VIA "To: <sip:bob@198.51.100.20>\r\n"
	    "Call-ID: c1@10.77.0.21\r\nCSeq: 2 OPTIONS\r\n")), 400,
	    "missing or malformed From or To");
	ts_refused(TS_LIT(TS_REQ(TS_VIA "From: <sip:a@x>;tag=1\r\n"
	    "Call-ID: c1@10.77.0.21\r\nCSeq: 2 OPTIONS\r\n")), 400,
	    "missing or malformed From or To");
	ts_refused(TS_LIT(TS_REQ(TS_VIA "From: <sip:a@x>;tag=1\r\n"
	    "To: <sip:bob@198.51.100.20>\r\nCSeq: 2 OPTIONS\r\n")), 400,
	    "missing or oversized Call-ID");
	ts_refused(TS_LIT(TS_REQ(TS_VIA TS_DIALOG)), 400,
	    "missing or malformed CSeq");
	ts_refused(TS_LIT(TS_REQ(TS_VIA TS_DIALOG "CSeq: x OPTIONS\r\n")), 400,
	    NULL);
	ts_refused(TS_LIT(TS_REQ(TS_VIA TS_DIALOG "CSeq: 4294967295 "
	    "OPTIONS\r\n")), 400, "missing or malformed CSeq");
	ts_refused(TS_LIT(TS_REQ(TS_VIA TS_DIALOG "CSeq: 2 INVITE\r\n")), 400,
	    "CSeq method differs from the request's");
	ts_refused(TS_LIT("SIP/2.0 99 Early\r\n" TS_VIA TS_DIALOG
	    "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"), 400,
	    "bad status code");
	ts_refused(TS_LIT("SIP/2.0 700 Late\r\n" TS_VIA TS_DIALOG
	    "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"), 400,
	    "bad status code");
	ts_refused(TS_LIT("SIP/2.0 2x0 OK\r\n" TS_VIA TS_DIALOG
	    "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"), 400, NULL);
}

/* Content-Length: digits only, and never more than the body there is. */
static void
test_parse_content_length(void **state)
{
	osip_message_t	*m;
	const char	*body;
	size_t		 len;

	(void)state;
	ts_refused(TS_LIT(TS_INVITE_HEAD "Content-Type: application/sdp\r\n"
	    "Content-Length: 116\r\n\r\n" TS_SDP), 400, NULL);
	ts_refused(TS_LIT(TS_INVITE_HEAD "Content-Type: application/sdp\r\n"
	    "Content-Length: 10\r\n\r\n"), 400, NULL);
	ts_refused(TS_LIT(TS_INVITE_HEAD "Content-Length: abc\r\n\r\n"), 400,
	    "malformed Content-Length");
	ts_refused(TS_LIT(TS_INVITE_HEAD "Content-Length: -1\r\n\r\n"), 400,
	    "malformed Content-Length");
	ts_refused(TS_LIT(TS_INVITE_HEAD "Content-Length: 1234567\r\n\r\n"),
	    400, "malformed Content-Length");
	/* Less than the datagram holds: the rest is not body. */
	m = ts_parse(TS_INVITE_HEAD "Content-Type: application/sdp\r\n"
	    "Content-Length: 5\r\n\r\nv=0\r\nextra");
	assert_int_equal(sip_body(m, &body, &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(body, "v=0\r\n", 5);
	osip_message_free(m);
}

/* A proxy's own response copies what RFC 3261 8.2.6.2 asks for. */
static void
test_reply(void **state)
{
	osip_message_t	*req, *r;
	char		*to;
	size_t		 i;

	(void)state;
	req = ts_parse("INVITE sip:bob@corp.example SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.77.0.2:5060;branch=z9hG4bK-vofw-x;rport\r\n"
	    "Via: SIP/2.0/UDP 10.77.0.21:5062;branch=z9hG4bK-a1;"
	    "received=10.77.0.99\r\n"
	    "Max-Forwards: 69\r\n"
	    "Record-Route: <sip:10.77.0.2:5060;lr;vofw>\r\n"
	    TS_DIALOG "CSeq: 3 INVITE\r\n"
	    "Contact: <sip:alice@10.77.0.21:5062>\r\n"
	    "Content-Type: application/sdp\r\n"
	    "Content-Length: 115\r\n\r\n" TS_SDP);

	assert_non_null(r = sip_reply(req, 486, NULL));
	assert_true(MSG_IS_RESPONSE(r));
	ts_line_is(r, "SIP/2.0 ", 0, "SIP/2.0 486 Busy Here");
	ts_line_is(r, "Via: ", 0,
	    "Via: SIP/2.0/UDP 10.77.0.2:5060;branch=z9hG4bK-vofw-x;rport");
	ts_line_is(r, "Via: ", 1, "Via: SIP/2.0/UDP 10.77.0.21:5062;"
	    "branch=z9hG4bK-a1;received=10.77.0.99");
	assert_int_equal(ts_count(r, "Via: "), 2);
	ts_line_is(r, "From: ", 0,
	    "From: \"Alice\" <sip:alice@corp.example>;tag=f1");
	ts_line_is(r, "Call-ID: ", 0, "Call-ID: c1@10.77.0.21");
	ts_line_is(r, "CSeq: ", 0, "CSeq: 3 INVITE");
	ts_line_is(r, "Content-Length: ", 0, "Content-Length: 0");
	/* What the request had beyond that stays out of the response. */
	ts_line_is(r, "Contact: ", 0, NULL);
	ts_line_is(r, "Record-Route: ", 0, NULL);
	ts_line_is(r, "Max-Forwards: ", 0, NULL);
	ts_line_is(r, "Content-Type: ", 0, NULL);
	/* A To tag of our own: 16 hex digits. */
	assert_non_null(to = ts_line(r, "To: ", 0));
	assert_int_equal(strncmp(to, "To: <sip:bob@198.51.100.20>;tag=", 32),
	    0);
	assert_int_equal(strlen(to), 32 + 16);
	for (i = 32; i < strlen(to); i++)
		assert_non_null(strchr("0123456789abcdef", to[i]));
	free(to);
	osip_message_free(r);

	/* Reason given; a fresh tag for every response. */
	assert_non_null(r = sip_reply(req, 480, "Tunnel Down"));
	ts_line_is(r, "SIP/2.0 ", 0, "SIP/2.0 480 Tunnel Down");
	osip_message_free(r);

	/* 100 Trying gets no tag (RFC 3261 8.2.6.2). */
	assert_non_null(r = sip_reply(req, 100, NULL));
	ts_line_is(r, "SIP/2.0 ", 0, "SIP/2.0 100 Trying");
	ts_line_is(r, "To: ", 0, "To: <sip:bob@198.51.100.20>");
	osip_message_free(r);
	osip_message_free(req);

	/* A To that has a tag keeps it. */
	req = ts_parse(TS_REQ(TS_VIA "From: <sip:a@x>;tag=1\r\n"
	    "To: <sip:bob@198.51.100.20>;tag=theirs\r\n"
	    "Call-ID: c2\r\nCSeq: 9 OPTIONS\r\n"));
	assert_non_null(r = sip_reply(req, 483, NULL));
	ts_line_is(r, "SIP/2.0 ", 0, "SIP/2.0 483 Too Many Hops");
	ts_line_is(r, "To: ", 0, "To: <sip:bob@198.51.100.20>;tag=theirs");
	ts_line_is(r, "Call-ID: ", 0, "Call-ID: c2");
	assert_int_equal(ts_count(r, "To: "), 1);
	osip_message_free(r);
	osip_message_free(req);
}

/* Our Via goes on top of a request and comes off its response. */
static void
test_via_push_pop(void **state)
{
	osip_message_t	*m;
	struct sip_addr	 self = { "10.77.0.2", 5060, 0 };

	(void)state;
	m = ts_parse(ts_invite);
	assert_int_equal(sip_via_push(m, &self, "z9hG4bK-vofw-abc"), 0);
	assert_int_equal(osip_list_size(&m->vias), 2);
	ts_line_is(m, "Via: ", 0, "Via: SIP/2.0/UDP 10.77.0.2:5060;"
	    "branch=z9hG4bK-vofw-abc;rport");
	ts_line_is(m, "Via: ", 1,
	    "Via: SIP/2.0/UDP 10.77.0.21:5062;branch=z9hG4bK-a1");
	self.tcp = 1;
	self.port = 5070;
	assert_int_equal(sip_via_push(m, &self, "z9hG4bK-vofw-def"), 0);
	ts_line_is(m, "Via: ", 0, "Via: SIP/2.0/TCP 10.77.0.2:5070;"
	    "branch=z9hG4bK-vofw-def;rport");
	assert_int_equal(ts_count(m, "Via: "), 3);

	/* Popping: 0 while a Via is left, -1 once none is. */
	assert_int_equal(sip_via_pop(m), 0);
	ts_line_is(m, "Via: ", 0, "Via: SIP/2.0/UDP 10.77.0.2:5060;"
	    "branch=z9hG4bK-vofw-abc;rport");
	assert_int_equal(sip_via_pop(m), 0);
	ts_line_is(m, "Via: ", 0,
	    "Via: SIP/2.0/UDP 10.77.0.21:5062;branch=z9hG4bK-a1");
	assert_int_equal(sip_via_pop(m), -1);
	assert_int_equal(osip_list_size(&m->vias), 0);
	assert_int_equal(sip_via_pop(m), -1);
	osip_message_free(m);
}

/* received and rport record where a request really came from. */
static void
test_via_received(void **state)
{
	osip_message_t	*m;
	struct sip_addr	 src = { "10.77.0.21", 5062, 0 };

	(void)state;
	/* Same host, no rport: nothing to add. */
	m = ts_parse(ts_invite);
	assert_int_equal(sip_via_received(m, &src), 0);
	ts_line_is(m, "Via: ", 0,
	    "Via: SIP/2.0/UDP 10.77.0.21:5062;branch=z9hG4bK-a1");
	/* Another host: received added. */
	strcpy(src.host, "203.0.113.7");
	assert_int_equal(sip_via_received(m, &src), 0);
	ts_line_is(m, "Via: ", 0, "Via: SIP/2.0/UDP 10.77.0.21:5062;"
	    "branch=z9hG4bK-a1;received=203.0.113.7");
	/* An existing received is replaced, not repeated. */
	strcpy(src.host, "203.0.113.8");
	assert_int_equal(sip_via_received(m, &src), 0);
	ts_line_is(m, "Via: ", 0, "Via: SIP/2.0/UDP 10.77.0.21:5062;"
	    "branch=z9hG4bK-a1;received=203.0.113.8");
	osip_message_free(m);

	/* rport: filled, and received added even from the same host. */
	m = ts_parse(ts_register);
	src.port = 40000;
	strcpy(src.host, "10.77.0.21");
	assert_int_equal(sip_via_received(m, &src), 0);
	ts_line_is(m, "Via: ", 0, "Via: SIP/2.0/UDP 10.77.0.21:5062;"
	    "rport=40000;branch=z9hG4bK-r1;received=10.77.0.21");
	/* An rport with a value (a forged one) is overwritten. */
	strcpy(src.host, "203.0.113.9");
	src.port = 1024;
	assert_int_equal(sip_via_received(m, &src), 0);
	ts_line_is(m, "Via: ", 0, "Via: SIP/2.0/UDP 10.77.0.21:5062;"
	    "rport=1024;branch=z9hG4bK-r1;received=203.0.113.9");
	/* Only the top Via is touched. */
	assert_int_equal(sip_via_push(m, &(struct sip_addr){ "10.77.0.2",
	    5060, 0 }, "z9hG4bK-vofw-1"), 0);
	assert_int_equal(sip_via_received(m, &src), 0);
	ts_line_is(m, "Via: ", 0, "Via: SIP/2.0/UDP 10.77.0.2:5060;"
	    "branch=z9hG4bK-vofw-1;rport=1024;received=203.0.113.9");
	ts_line_is(m, "Via: ", 1, "Via: SIP/2.0/UDP 10.77.0.21:5062;"
	    "rport=1024;branch=z9hG4bK-r1;received=203.0.113.9");
	osip_message_free(m);
}

/* Where a response goes: received, rport, sent-by port, transport. */
static void
test_via_target(void **state)
{
	osip_message_t	*m;
	struct sip_addr	 to;

	(void)state;
#define TS_TARGET(via, rc) do {						\
	m = ts_parse(TS_REQ("Via: " via "\r\n" TS_DIALOG		\
	    "CSeq: 2 OPTIONS\r\n"));					\
	memset(&to, 0, sizeof(to));					\
	assert_int_equal(sip_via_target(m, &to), (rc));			\
	osip_message_free(m);						\
} while (0)
	TS_TARGET("SIP/2.0/UDP 10.77.0.21:5062;branch=z9hG4bK-1", 0);
	assert_string_equal(to.host, "10.77.0.21");
	assert_int_equal(to.port, 5062);
	assert_int_equal(to.tcp, 0);
	TS_TARGET("SIP/2.0/TCP 10.77.0.21;branch=z9hG4bK-1", 0);
	assert_string_equal(to.host, "10.77.0.21");
	assert_int_equal(to.port, 5060);
	assert_int_equal(to.tcp, 1);
	TS_TARGET("SIP/2.0/tcp 10.77.0.21;branch=z9hG4bK-1", 0);
	assert_int_equal(to.tcp, 1);
	TS_TARGET("SIP/2.0/UDP 10.77.0.21:5062;received=203.0.113.7;"
	    "branch=z9hG4bK-1", 0);
	assert_string_equal(to.host, "203.0.113.7");
	assert_int_equal(to.port, 5062);
	TS_TARGET("SIP/2.0/UDP 10.77.0.21:5062;rport=40000;"
	    "received=203.0.113.7;branch=z9hG4bK-1", 0);
	assert_string_equal(to.host, "203.0.113.7");
	assert_int_equal(to.port, 40000);
	/* rport without a value (never filled): the sent-by port. */
	TS_TARGET("SIP/2.0/UDP 10.77.0.21:5062;rport;branch=z9hG4bK-1", 0);
	assert_int_equal(to.port, 5062);
	TS_TARGET("SIP/2.0/UDP [2001:db8::21]:5062;branch=z9hG4bK-1", 0);
	assert_string_equal(to.host, "2001:db8::21");
	assert_int_equal(to.port, 5062);
	/* A name is never looked up; a name in received neither. */
	TS_TARGET("SIP/2.0/UDP pc33.corp.example:5062;branch=z9hG4bK-1", -1);
	TS_TARGET("SIP/2.0/UDP pc33.corp.example:5062;received=10.77.0.21;"
	    "branch=z9hG4bK-1", 0);
	assert_string_equal(to.host, "10.77.0.21");
	TS_TARGET("SIP/2.0/UDP 10.77.0.21:5062;received=evil.example;"
	    "branch=z9hG4bK-1", -1);
#undef TS_TARGET
	/* Port 0 is no port: refused when the message is parsed. */
	ts_refused_at(__LINE__, TS_REQ("Via: SIP/2.0/UDP 10.77.0.21:0;"
	    "branch=z9hG4bK-1\r\n" TS_DIALOG "CSeq: 2 OPTIONS\r\n"),
	    strlen(TS_REQ("Via: SIP/2.0/UDP 10.77.0.21:0;branch=z9hG4bK-1\r\n"
	    TS_DIALOG "CSeq: 2 OPTIONS\r\n")), 400, "malformed Via");
	/* No host, only blanks (libosip2 reads an empty one): refused. */
	ts_refused(TS_LIT(TS_REQ("Via: SIP/2.0/UDP  ;branch=z9hG4bK-1\r\n"
	    TS_DIALOG "CSeq: 2 OPTIONS\r\n")), 400, "malformed Via");
	ts_refused(TS_LIT(TS_REQ("Via: SIP/2.0/UDP\r\n ;branch=z9hG4bK-1\r\n"
	    TS_DIALOG "CSeq: 2 OPTIONS\r\n")), 400, "malformed Via");
}

/*
 * Ports are 16 bits: a Via port or rport beyond 65535 must not wrap
 * around to some other port of the host.
 */
static void
test_via_target_port_range(void **state)
{
	osip_message_t	*m = NULL;
	struct sip_addr	 to;
	const char	*why, *s;
	int		 status, rc;

	(void)state;
	s = TS_REQ("Via: SIP/2.0/UDP 10.77.0.21:70000;branch=z9hG4bK-1\r\n"
	    TS_DIALOG "CSeq: 2 OPTIONS\r\n");
	/* Refused when parsed ("malformed Via"); never a target. */
	if (sip_parse(s, strlen(s), &m, &status, &why) == 0) {
		memset(&to, 0, sizeof(to));
		rc = sip_via_target(m, &to);
		osip_message_free(m);
		if (rc == 0)
			fail_msg("Via port 70000 accepted as port %u", to.port);
	} else if (m != NULL)
		osip_message_free(m);
	s = TS_REQ("Via: SIP/2.0/UDP 10.77.0.21:5062;rport=70000;"
	    "branch=z9hG4bK-1\r\n" TS_DIALOG "CSeq: 2 OPTIONS\r\n");
	m = ts_parse(s);
	memset(&to, 0, sizeof(to));
	rc = sip_via_target(m, &to);
	osip_message_free(m);
	if (rc == 0 && to.port != 5062)
		fail_msg("rport=70000 taken as port %u", to.port);
}

/* The branch of a stateless proxy: one per upstream transaction. */
static void
test_branch(void **state)
{
	static const uint8_t	 key[] = "0123456789abcdef0123456789abcdef";
	static const uint8_t	 key2[] = "fedcba9876543210fedcba9876543210";
	osip_message_t		*inv, *m;
	char			 b[SIP_BRANCH_LEN], b2[SIP_BRANCH_LEN];
	size_t			 i;

	(void)state;
	inv = ts_parse(ts_invite);
	assert_int_equal(sip_branch(inv, key, 32, b), 0);
	assert_int_equal(strncmp(b, "z9hG4bK-vofw-", 13), 0);
	assert_int_equal(strlen(b), 13 + 24);
	for (i = 13; i < strlen(b); i++)
		assert_non_null(strchr("0123456789abcdef", b[i]));
	/* Deterministic: the retransmission gets the same. */
	assert_int_equal(sip_branch(inv, key, 32, b2), 0);
	assert_string_equal(b, b2);
	/* Another key, another branch. */
	assert_int_equal(sip_branch(inv, key2, 32, b2), 0);
	assert_string_not_equal(b, b2);

	/* The INVITE's CANCEL and the ACK of its failure: the same. */
	m = ts_parse("CANCEL sip:bob@198.51.100.20 SIP/2.0\r\n" TS_VIA
	    "Max-Forwards: 70\r\n" TS_DIALOG "CSeq: 1 CANCEL\r\n"
	    "Content-Length: 0\r\n\r\n");
	assert_int_equal(sip_branch(m, key, 32, b2), 0);
	assert_string_equal(b, b2);
	osip_message_free(m);
	m = ts_parse("ACK sip:bob@198.51.100.20 SIP/2.0\r\n" TS_VIA
	    "Max-Forwards: 70\r\n"
	    "From: \"Alice\" <sip:alice@corp.example>;tag=f1\r\n"
	    "To: <sip:bob@198.51.100.20>;tag=486busy\r\n"
	    "Call-ID: c1@10.77.0.21\r\nCSeq: 1 ACK\r\n"
	    "Content-Length: 0\r\n\r\n");
	assert_int_equal(sip_branch(m, key, 32, b2), 0);
	assert_string_equal(b, b2);
	osip_message_free(m);

	/* Another transaction: new branch, new CSeq, another Call-ID. */
	m = ts_parse("INVITE sip:bob@198.51.100.20 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.77.0.21:5062;branch=z9hG4bK-a2\r\n"
	    TS_DIALOG "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(sip_branch(m, key, 32, b2), 0);
	assert_string_not_equal(b, b2);
	osip_message_free(m);
	m = ts_parse("INVITE sip:bob@198.51.100.20 SIP/2.0\r\n" TS_VIA
	    TS_DIALOG "CSeq: 2 INVITE\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(sip_branch(m, key, 32, b2), 0);
	assert_string_not_equal(b, b2);
	osip_message_free(m);
	m = ts_parse("INVITE sip:bob@198.51.100.20 SIP/2.0\r\n" TS_VIA
	    "From: <sip:alice@corp.example>;tag=f1\r\n"
	    "To: <sip:bob@198.51.100.20>\r\n"
	    "Call-ID: c2@10.77.0.21\r\n"
	    "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(sip_branch(m, key, 32, b2), 0);
	assert_string_not_equal(b, b2);
	osip_message_free(m);
	/* The same branch from another sender. */
	m = ts_parse("INVITE sip:bob@198.51.100.20 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.77.0.22:5062;branch=z9hG4bK-a1\r\n"
	    TS_DIALOG "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(sip_branch(m, key, 32, b2), 0);
	assert_string_not_equal(b, b2);
	osip_message_free(m);

	/* A request carrying the branch we would give it is looping. */
	assert_int_equal(sip_loop_check(inv, b), 0);
	assert_int_equal(sip_loop_check(inv, "z9hG4bK-a1"), -1);
	assert_int_equal(sip_via_push(inv, &(struct sip_addr){ "10.77.0.2",
	    5060, 0 }, b), 0);
	assert_int_equal(sip_loop_check(inv, b), -1);
	assert_int_equal(sip_via_push(inv, &(struct sip_addr){ "10.0.0.9",
	    5060, 0 }, "z9hG4bK-other"), 0);
	assert_int_equal(sip_loop_check(inv, b), -1);	/* any Via */
	assert_int_equal(sip_loop_check(inv, "z9hG4bK-vofw-0"), 0);
	osip_message_free(inv);
}

/* Max-Forwards: added, decremented, exhausted, junk, capped. */
static void
test_max_forwards(void **state)
{
	osip_message_t	*m;

	(void)state;
#define TS_MF(hdr, rc, line) do {					\
	m = ts_parse(TS_REQ(TS_VIA hdr TS_DIALOG "CSeq: 2 OPTIONS\r\n"));\
	assert_int_equal(sip_max_forwards(m), (rc));			\
	ts_line_is(m, "Max-Forwards: ", 0, (line));			\
	assert_int_equal(ts_count(m, "Max-Forwards: "), 1);		\
	osip_message_free(m);						\
} while (0)
	TS_MF("", 70, "Max-Forwards: 70");
	TS_MF("Max-Forwards: 70\r\n", 69, "Max-forwards: 69");
	TS_MF("Max-Forwards: 1\r\n", 0, "Max-forwards: 0");
	TS_MF("Max-Forwards: 0\r\n", -1, "Max-forwards: 0");
	TS_MF("Max-Forwards: junk\r\n", -2, "Max-forwards: junk");
	TS_MF("Max-Forwards: -1\r\n", -2, "Max-forwards: -1");
	TS_MF("Max-Forwards: 255\r\n", 254, "Max-forwards: 254");
	TS_MF("Max-Forwards: 256\r\n", 254, "Max-forwards: 254");
	TS_MF("Max-Forwards: 999\r\n", 254, "Max-forwards: 254");
	TS_MF("MAX-FORWARDS: 10\r\n", 9, "Max-forwards: 9");
	TS_MF("Max-Forwards: 0068\r\n", 67, "Max-forwards: 67");
	TS_MF("Max-Forwards:   7  \r\n", 6, "Max-forwards: 6");
#undef TS_MF
	/* Decremented once per hop. */
	m = ts_parse(ts_invite);
	assert_int_equal(sip_max_forwards(m), 69);
	assert_int_equal(sip_max_forwards(m), 68);
	ts_line_is(m, "Max-Forwards: ", 0, "Max-forwards: 68");
	osip_message_free(m);
}

/* Our Record-Route on top; the other half's swapped for ours in place. */
static void
test_record_route(void **state)
{
	osip_message_t	*m;

	(void)state;
	m = ts_parse(ts_invite);
	assert_int_equal(sip_rr_swap(m, "sip:198.51.100.10:5060;lr;vofw",
	    SIP_RR_FIRST), 0);
	assert_int_equal(ts_count(m, "Record-Route: "), 0);
	assert_int_equal(sip_rr_push(m, "sip:10.77.0.2:5060;lr;vofw"), 0);
	ts_line_is(m, "Record-Route: ", 0,
	    "Record-Route: <sip:10.77.0.2:5060;lr;vofw>");
	assert_int_equal(sip_rr_push(m, "sip:p2.example;lr"), 0);
	ts_line_is(m, "Record-Route: ", 0, "Record-Route: <sip:p2.example;lr>");
	ts_line_is(m, "Record-Route: ", 1,
	    "Record-Route: <sip:10.77.0.2:5060;lr;vofw>");
	osip_message_free(m);

	/* Only the vofw-marked one, in its place; a vofw outside <> is not
	 * the mark. */
	m = ts_parse("SIP/2.0 200 OK\r\n" TS_VIA
	    "Record-Route: <sip:p1.example;lr>;vofw\r\n"
	    "Record-Route: <sip:10.77.0.2:5060;lr;vofw>, <sip:p3.example;lr>\r\n"
	    TS_DIALOG "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(sip_rr_swap(m, "sip:198.51.100.10:5060;lr;vofw",
	    SIP_RR_FIRST), 0);
	assert_int_equal(osip_list_size(&m->record_routes), 3);
	ts_line_is(m, "Record-Route: ", 0,
	    "Record-Route: <sip:p1.example;lr>;vofw");
	ts_line_is(m, "Record-Route: ", 1,
	    "Record-Route: <sip:198.51.100.10:5060;lr;vofw>");
	ts_line_is(m, "Record-Route: ", 2, "Record-Route: <sip:p3.example;lr>");
	/* Swapping back restores the other half's. */
	assert_int_equal(sip_rr_swap(m, "sip:10.77.0.2:5060;lr;vofw",
	    SIP_RR_FIRST), 0);
	ts_line_is(m, "Record-Route: ", 1,
	    "Record-Route: <sip:10.77.0.2:5060;lr;vofw>");
	osip_message_free(m);

	/* Two legs through hras: the first or the last marked one. */
	m = ts_parse("SIP/2.0 200 OK\r\n" TS_VIA
	    "Record-Route: <sip:198.51.100.10:5060;lr;vofw>, <sip:p3.example;lr>"
	    "\r\nRecord-Route: <sip:198.51.100.10:5060;lr;vofw;vofw-rr=ab>\r\n"
	    TS_DIALOG "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(sip_rr_swap(m, "sip:10.77.0.2:5060;lr;vofw",
	    SIP_RR_LAST), 0);
	ts_line_is(m, "Record-Route: ", 0,
	    "Record-Route: <sip:198.51.100.10:5060;lr;vofw>");
	ts_line_is(m, "Record-Route: ", 2,
	    "Record-Route: <sip:10.77.0.2:5060;lr;vofw>");
	assert_int_equal(sip_rr_swap(m, "sip:10.77.0.9:5060;lr;vofw",
	    SIP_RR_FIRST), 0);
	ts_line_is(m, "Record-Route: ", 0,
	    "Record-Route: <sip:10.77.0.9:5060;lr;vofw>");
	ts_line_is(m, "Record-Route: ", 2,
	    "Record-Route: <sip:10.77.0.2:5060;lr;vofw>");
	osip_message_free(m);

	/* Unparsable URI: refused, message unchanged. */
	m = ts_parse(ts_invite);
	assert_int_equal(sip_rr_push(m, "<<>"), -1);
	assert_int_equal(osip_list_size(&m->record_routes), 0);
	osip_message_free(m);
}

/* The top Route comes off when it names us, and only then. */
static void
test_route_pop(void **state)
{
	osip_message_t	*m;
	int		 calls = 0;

	(void)state;
	m = ts_parse("BYE sip:bob@10.77.0.31:5062 SIP/2.0\r\n" TS_VIA
	    "Route: <sip:10.77.0.2:5060;lr;vofw>, <sip:p2.example;lr>\r\n"
	    "Route: <sip:10.77.0.2;lr>\r\n"
	    TS_DIALOG "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(sip_route_pop(m, ts_ours, &calls), 1);
	assert_int_equal(calls, 1);
	assert_int_equal(osip_list_size(&m->routes), 2);
	ts_line_is(m, "Route: ", 0, "Route: <sip:p2.example;lr>");
	/* Not ours on top: nothing happens, even with ours below. */
	assert_int_equal(sip_route_pop(m, ts_ours, &calls), 0);
	assert_int_equal(calls, 2);
	assert_int_equal(osip_list_size(&m->routes), 2);
	osip_message_free(m);

	m = ts_parse(ts_invite);
	assert_int_equal(sip_route_pop(m, ts_ours, &calls), 0);
	assert_int_equal(calls, 2);	/* no Route: not even asked */
	osip_message_free(m);
}

/* The Request-URI is replaced, or kept when the new one does not parse. */
static void
test_set_ruri(void **state)
{
	osip_message_t	*m;
	char		*s;

	(void)state;
	m = ts_parse(ts_invite);
	assert_int_equal(sip_set_ruri(m, "sip:carol@corp.example"), 0);
	assert_int_equal(osip_uri_to_str(m->req_uri, &s), 0);
	assert_string_equal(s, "sip:carol@corp.example");
	osip_free(s);
	assert_int_equal(sip_set_ruri(m, "not a uri"), -1);
	assert_int_equal(osip_uri_to_str(m->req_uri, &s), 0);
	assert_string_equal(s, "sip:carol@corp.example");
	osip_free(s);
	osip_message_free(m);
}

/* The SDP body, and replacing it with Content-Length following. */
static void
test_body(void **state)
{
	static const char	 sdp2[] = "v=0\r\ns=-\r\n";
	osip_message_t		*m;
	const char		*body;
	size_t			 len;
	char			*s;

	(void)state;
	m = ts_parse(ts_invite);
	assert_int_equal(sip_set_body(m, sdp2, strlen(sdp2)), 0);
	assert_int_equal(sip_body(m, &body, &len), 0);
	assert_int_equal(len, strlen(sdp2));
	assert_memory_equal(body, sdp2, len);
	/* libosip2 right-aligns a body's length in five columns. */
	ts_line_is(m, "Content-Length: ", 0, "Content-Length:    10");
	ts_line_is(m, "Content-Type: ", 0, "Content-Type: application/sdp");
	s = ts_str(m);
	assert_non_null(strstr(s, "\r\n\r\nv=0\r\ns=-\r\n"));
	assert_int_equal(strlen(strstr(s, "\r\n\r\n") + 4), 10);
	free(s);
	osip_message_free(m);

	/* A message without Content-Length gets one. */
	m = ts_parse("INVITE sip:bob@198.51.100.20 SIP/2.0\r\n" TS_VIA
	    TS_DIALOG "CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n"
	    "\r\n" TS_SDP);
	assert_int_equal(sip_body(m, &body, &len), 0);
	assert_int_equal(len, strlen(TS_SDP));
	assert_int_equal(sip_set_body(m, sdp2, strlen(sdp2)), 0);
	ts_line_is(m, "Content-Length: ", 0, "Content-Length:    10");
	assert_int_equal(ts_count(m, "Content-Length:"), 1);
	osip_message_free(m);

	/* Not SDP, no type, several bodies: no SDP body. */
	m = ts_parse(TS_INVITE_HEAD "Content-Type: text/plain\r\n"
	    "Content-Length: 5\r\n\r\nhello");
	assert_int_equal(sip_body(m, &body, &len), -1);
	osip_message_free(m);
	m = ts_parse(TS_INVITE_HEAD "Content-Length: 5\r\n\r\nhello");
	assert_int_equal(sip_body(m, &body, &len), -1);
	osip_message_free(m);
	m = ts_parse(TS_INVITE_HEAD "Content-Type: Application/SDP\r\n"
	    "Content-Length: 5\r\n\r\nv=0\r\n");
	assert_int_equal(sip_body(m, &body, &len), 0);
	osip_message_free(m);
	m = ts_parse(TS_INVITE_HEAD "Content-Type: application/sdp\r\n"
	    "Content-Length: 0\r\n\r\n");
	assert_int_equal(sip_body(m, &body, &len), -1);
	osip_message_free(m);
}

/* A URI's host, port and transport, only when the host is numeric. */
static void
test_uri_target(void **state)
{
	osip_uri_t	*u;
	struct sip_addr	 to;

	(void)state;
#define TS_URI(s, rc) do {						\
	assert_int_equal(osip_uri_init(&u), 0);				\
	assert_int_equal(osip_uri_parse(u, (s)), 0);			\
	memset(&to, 0, sizeof(to));					\
	assert_int_equal(sip_uri_target(u, &to), (rc));			\
	osip_uri_free(u);						\
} while (0)
	TS_URI("sip:bob@10.77.0.31", 0);
	assert_string_equal(to.host, "10.77.0.31");
	assert_int_equal(to.port, 5060);
	assert_int_equal(to.tcp, 0);
	TS_URI("sip:bob@10.77.0.31:5070;transport=TCP", 0);
	assert_int_equal(to.port, 5070);
	assert_int_equal(to.tcp, 1);
	TS_URI("sip:bob@10.77.0.31:5070;transport=udp", 0);
	assert_int_equal(to.tcp, 0);
	TS_URI("sip:[2001:db8::31]:5062", 0);
	assert_string_equal(to.host, "2001:db8::31");
	assert_int_equal(to.port, 5062);
	TS_URI("sip:bob@corp.example", -1);
	TS_URI("sip:bob@10.77.0.31:0", -1);
	TS_URI("sip:bob@10.77.0.31:123456", -1);
	/* No SIP over TLS (or SCTP, WebSocket) here. */
	TS_URI("sips:bob@10.77.0.31", -1);
	TS_URI("sip:bob@10.77.0.31;transport=tls", -1);
	TS_URI("sip:bob@10.77.0.31;transport=sctp", -1);
	TS_URI("sip:bob@10.77.0.31;transport", -1);
#undef TS_URI
	assert_int_equal(sip_uri_target(NULL, &to), -1);
}

/* A URI port beyond 65535 must not wrap to another port. */
static void
test_uri_target_port_range(void **state)
{
	osip_uri_t	*u;
	struct sip_addr	 to;
	int		 rc;

	(void)state;
	assert_int_equal(osip_uri_init(&u), 0);
	assert_int_equal(osip_uri_parse(u, "sip:bob@10.77.0.31:65541"), 0);
	memset(&to, 0, sizeof(to));
	rc = sip_uri_target(u, &to);
	osip_uri_free(u);
	if (rc == 0)
		fail_msg("URI port 65541 accepted as port %u", to.port);
}

/*
 * A URI fit to be a Request-URI: sip: or sips:, an address or a domain
 * name, a port in range. Fuzzing found Contacts with other schemes and
 * with hosts that were empty or held a blank.
 */
static void
test_uri_usable(void **state)
{
	osip_uri_t	*u;

	(void)state;
#define TS_URI(s, ok) do {						\
	assert_int_equal(osip_uri_init(&u), 0);				\
	assert_int_equal(osip_uri_parse(u, (s)), 0);			\
	if (sip_uri_usable(u) != (ok))					\
		fail_msg("%s: not %d", (s), (ok));			\
	osip_uri_free(u);						\
} while (0)
	TS_URI("sip:bob@10.77.0.31", 1);
	TS_URI("sip:bob@10.77.0.31:5070;transport=tcp", 1);
	TS_URI("sip:[2001:db8::31]:5062", 1);
	TS_URI("sips:bob@10.77.0.31", 1);
	TS_URI("SIP:bob@phone-1.corp.example", 1);
	TS_URI("sip:bob@phone1.corp.example.", 1);
	TS_URI("sip:bob@localhost", 1);
	TS_URI("qip:bob@10.77.0.31", 0);
	TS_URI("tel:+15550100", 0);
	TS_URI("sip:bob@10.77.0.31 x", 0);
	TS_URI("sip:bob@10.77 .0.31:5060", 0);
	TS_URI("sip:bob@\"\"", 0);
	TS_URI("sip:bob@a%20b", 0);
	TS_URI("sip:bob@host_x", 0);
	TS_URI("sip:bob@-corp.example", 0);
	TS_URI("sip:bob@corp-.example", 0);
	TS_URI("sip:bob@corp..example", 0);
	TS_URI("sip:bob@.corp.example", 0);
	TS_URI("sip:bob@.", 0);
	TS_URI("sip:bob@10.77.0.300", 0);	/* a name ends in a word */
	TS_URI("sip:bob@10.77.0.31:0", 0);
	TS_URI("sip:bob@10.77.0.31:65536", 0);
#undef TS_URI
	/* libosip2 leaves an empty host for "sip:bob@ ". */
	assert_int_equal(osip_uri_init(&u), 0);
	assert_int_equal(osip_uri_parse(u, "sip:bob@10.77.0.31"), 0);
	u->host[0] = '\0';
	assert_int_equal(sip_uri_usable(u), 0);
	osip_free(u->host);
	u->host = NULL;
	assert_int_equal(sip_uri_usable(u), 0);
	osip_uri_free(u);
	assert_int_equal(sip_uri_usable(NULL), 0);
}

/*
 * A NAT'd Contact gets the mark the caller gives for where its message
 * came from; marks the sender put there are taken off; a request to the
 * Contact gives the mark back and loses it.
 */
static void
test_contact_alias(void **state)
{
	osip_message_t	*m;
	osip_contact_t	*c;
	osip_uri_t	*u;
	struct sip_addr	 src = { "198.51.100.17", 5062, 0 }, to;
	char		*s, val[96];

	(void)state;
	m = ts_parse(TS_REQ("Via: SIP/2.0/UDP 192.168.77.2;branch=z9hG4bK-1\r\n"
	    TS_DIALOG "CSeq: 2 OPTIONS\r\n"
	    "Contact: <sip:carol@192.168.77.2:5060>\r\n"
	    "Contact: <sip:carol@198.51.100.17:5062>\r\n"
	    "Contact: <sip:eve@198.51.100.17:5062;vofw-alias=127.0.0.1~25~t;"
	    "VOFW-ALIAS=x>\r\n"));
	assert_int_equal(sip_alias_format(&src, val, sizeof(val)), 0);
	assert_string_equal(val, "198.51.100.17~5062~u");
	assert_int_equal(sip_contact_alias(m, &src, "SEALED"), 0);
	c = osip_list_get(&m->contacts, 0);
	assert_int_equal(osip_uri_to_str(c->url, &s), 0);
	assert_string_equal(s, "sip:carol@192.168.77.2:5060;vofw-alias=SEALED");
	osip_free(s);
	/* Marked once only, however often the message passes. */
	assert_int_equal(sip_contact_alias(m, &src, "SEALED2"), 0);
	assert_int_equal(osip_uri_to_str(c->url, &s), 0);
	assert_string_equal(s, "sip:carol@192.168.77.2:5060;"
	    "vofw-alias=SEALED2");
	osip_free(s);
	c = osip_list_get(&m->contacts, 1);
	assert_int_equal(osip_uri_to_str(c->url, &s), 0);
	assert_string_equal(s, "sip:carol@198.51.100.17:5062");
	osip_free(s);
	/* The sender's own marks are gone, whatever their case. */
	c = osip_list_get(&m->contacts, 2);
	assert_int_equal(osip_uri_to_str(c->url, &s), 0);
	assert_string_equal(s, "sip:eve@198.51.100.17:5062");
	osip_free(s);

	/* The dialog's request to the marked Contact. */
	c = osip_list_get(&m->contacts, 0);
	assert_int_equal(osip_uri_clone(c->url, &u), 0);
	assert_int_equal(sip_uri_alias(u, val, sizeof(val)), 1);
	assert_string_equal(val, "SEALED2");
	assert_int_equal(osip_uri_to_str(u, &s), 0);
	assert_string_equal(s, "sip:carol@192.168.77.2:5060");
	osip_free(s);
	assert_int_equal(sip_uri_alias(u, val, sizeof(val)), 0);
	osip_uri_free(u);
	osip_message_free(m);

	assert_int_equal(sip_alias_parse("198.51.100.17~5062~t", &to), 0);
	assert_string_equal(to.host, "198.51.100.17");
	assert_int_equal(to.port, 5062);
	assert_int_equal(to.tcp, 1);
	assert_int_equal(sip_alias_parse("2001:db8::1~5060~u", &to), 0);
	assert_int_equal(to.tcp, 0);
	assert_int_equal(sip_alias_parse("evil.example~5060~u", &to), -1);
	assert_int_equal(sip_alias_parse("10.0.0.2~70000~u", &to), -1);
	assert_int_equal(sip_alias_parse("10.0.0.2~0~u", &to), -1);
	assert_int_equal(sip_alias_parse("10.0.0.2~5060~x", &to), -1);
	assert_int_equal(sip_alias_parse("10.0.0.2~5060~uu", &to), -1);
	assert_int_equal(osip_uri_init(&u), 0);
	assert_int_equal(osip_uri_parse(u, "sip:x@10.0.0.1;vofw-alias"), 0);
	assert_int_equal(sip_uri_alias(u, val, sizeof(val)), -1);
	osip_uri_free(u);
}

/* What a proxy refuses with its own code: version, URI scheme, extension. */
static void
test_parse_proxy_refusals(void **state)
{
	osip_message_t	*m, *r;
	const char	*why, *s;
	char		*out;
	size_t		 len;
	int		 status;

	(void)state;
	s = "OPTIONS sip:bob@198.51.100.20 SIP/7.0\r\n"
	    "Via: SIP/2.0/UDP 10.77.0.21;branch=z9hG4bK-1\r\n" TS_DIALOG
	    "CSeq: 2 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	ts_refused(s, strlen(s), 505, "unsupported SIP version");
	s = "OPTIONS tel:+15551234 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.77.0.21;branch=z9hG4bK-1\r\n" TS_DIALOG
	    "CSeq: 2 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	ts_refused(s, strlen(s), 416, "unsupported URI scheme");
	s = TS_REQ("Via: SIP/2.0/UDP 10.77.0.21;branch=z9hG4bK-1\r\n"
	    TS_DIALOG "CSeq: 2 OPTIONS\r\nProxy-Require: foo\r\n");
	ts_refused(s, strlen(s), 420,
	    "Proxy-Require names an extension we do not support");
	/* The 420 says which extension. */
	assert_int_equal(sip_parse(s, strlen(s), &m, &status, &why), -1);
	assert_non_null(m);
	assert_non_null(r = sip_reply(m, status, NULL));
	assert_int_equal(sip_serialize(r, &out, &len), 0);
	assert_non_null(strstr(out, "\r\nUnsupported: foo\r\n"));
	assert_non_null(strstr(out, "SIP/2.0 420 "));
	osip_free(out);
	osip_message_free(r);
	osip_message_free(m);
}

/* Expires values: digits only; past 2^32 - 1 they are that. */
static void
test_delta_seconds(void **state)
{
	static const char *const bad[] = {
		"", "abc", "-1", "+5", " 60", "60 ", "6 0", "0x10", "1e3",
		"3600;x"
	};
	long	 secs = -7;
	size_t	 i;

	(void)state;
	assert_int_equal(sip_delta_seconds("0", &secs), 0);
	assert_int_equal(secs, 0);
	assert_int_equal(sip_delta_seconds("3600", &secs), 0);
	assert_int_equal(secs, 3600);
	assert_int_equal(sip_delta_seconds("00042", &secs), 0);
	assert_int_equal(secs, 42);
	assert_int_equal(sip_delta_seconds("4294967295", &secs), 0);
	assert_int_equal(secs, 4294967295L);
	assert_int_equal(sip_delta_seconds("99999999999999999999999", &secs),
	    0);
	assert_int_equal(secs, 4294967295L);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		secs = -7;
		if (sip_delta_seconds(bad[i], &secs) != -1)
			fail_msg("\"%s\" taken as %ld", bad[i], secs);
		assert_int_equal(secs, -7);
	}
	assert_int_equal(sip_delta_seconds(NULL, &secs), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_precheck),
		cmocka_unit_test(test_parse_body_as_received),
		cmocka_unit_test(test_parse_leading_crlf),
		cmocka_unit_test(test_parse_required),
		cmocka_unit_test(test_parse_content_length),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_via_push_pop),
		cmocka_unit_test(test_via_received),
		cmocka_unit_test(test_via_target),
		cmocka_unit_test(test_via_target_port_range),
		cmocka_unit_test(test_branch),
		cmocka_unit_test(test_max_forwards),
		cmocka_unit_test(test_record_route),
		cmocka_unit_test(test_route_pop),
		cmocka_unit_test(test_set_ruri),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_uri_target),
		cmocka_unit_test(test_uri_target_port_range),
		cmocka_unit_test(test_uri_usable),
		cmocka_unit_test(test_delta_seconds),
		cmocka_unit_test(test_contact_alias),
		cmocka_unit_test(test_parse_proxy_refusals),
	};

	log_init("test_sip", 0, LOG_LEVEL_ERR);
	sip_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
