/*
 * Unit tests of the tunnel's HTTP reader: request and response heads that
 * must parse (whole or arriving byte by byte), every malformed head refused
 * with its exact status, the chunked decoder fed in every possible split
 * and bounded by max, the chunk writer, and the query/path helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "http.h"

/* A literal and its length, NUL bytes included. */
#define TH_LIT(s)	(s), (sizeof(s) - 1)

/* A head that must be refused with this status. */
struct th_bad {
	const char	*name;
	const char	*text;
	size_t		 len;		/* 0: strlen(text) */
	int		 status;
};

static struct http_msg	 th_msg;

static int	 th_req(const char *, size_t, int *, struct evbuffer **);
static int	 th_resp(const char *, size_t, struct evbuffer **);
static void	 th_req_bad(const struct th_bad *, size_t);
static char	*th_repeat_headers(int);
static int	 th_chunk(const char *, size_t, size_t, struct evbuffer *,
		    size_t *);
static int	 th_chunk_pieces(const char *, size_t, size_t, size_t,
		    struct evbuffer *);
static void	 th_out_is(struct evbuffer *, const char *, size_t);

/*
 * Parse a request from text; the buffer with what follows the head is
 * returned through rest (freed here when rest is NULL).
 */
static int
th_req(const char *text, size_t len, int *status, struct evbuffer **rest)
{
	struct evbuffer	*b;
	int		 rc;

	assert_non_null(b = evbuffer_new());
	assert_int_equal(evbuffer_add(b, text, len), 0);
	memset(&th_msg, 0xa5, sizeof(th_msg));
	*status = 0;
	rc = http_parse_request(b, &th_msg, status);
	if (rest != NULL)
		*rest = b;
	else
		evbuffer_free(b);
	return rc;
}

/* Parse a response from text, as th_req. */
static int
th_resp(const char *text, size_t len, struct evbuffer **rest)
{
	struct evbuffer	*b;
	int		 rc;

	assert_non_null(b = evbuffer_new());
	assert_int_equal(evbuffer_add(b, text, len), 0);
	memset(&th_msg, 0xa5, sizeof(th_msg));
	rc = http_parse_response(b, &th_msg);
	if (rest != NULL)
		*rest = b;
	else
		evbuffer_free(b);
	return rc;
}

/* Run a table of heads that must be refused, naming the one that is not. */
static void
th_req_bad(const struct th_bad *cases, size_t n)
{
	size_t	 i, len;
	int	 rc, status;

	for (i = 0; i < n; i++) {
		len = cases[i].len != 0 ? cases[i].len : strlen(cases[i].text);
		rc = th_req(cases[i].text, len, &status, NULL);
		if (rc != -1 || status != cases[i].status)
			fail_msg("%s: got rc %d status %d, want -1 status %d",
			    cases[i].name, rc, status, cases[i].status);
	}
}

/* A GET whose head carries n distinct headers. */
static char *
th_repeat_headers(int n)
{
	char	*s, *p;
	int	 i;

	assert_non_null(s = malloc(64 + (size_t)n * 16));
	p = s + sprintf(s, "GET / HTTP/1.1\r\n");
	for (i = 0; i < n; i++)
		p += sprintf(p, "X-H%d: %d\r\n", i, i);
	strcpy(p, "\r\n");
	return s;
}

/* One decoder call over a whole body; the bytes left in it via rest. */
static int
th_chunk(const char *text, size_t len, size_t max, struct evbuffer *out,
    size_t *rest)
{
	struct http_chunked	 c;
	struct evbuffer		*in;
	int			 rc;

	assert_non_null(in = evbuffer_new());
	assert_int_equal(evbuffer_add(in, text, len), 0);
	http_chunked_init(&c);
	rc = http_chunked_decode(&c, in, out, max);
	if (rest != NULL)
		*rest = evbuffer_get_length(in);
	evbuffer_free(in);
	return rc;
}

/*
 * Feed a body in pieces of step bytes (the first piece split bytes long
 * when split is not 0), decoding after each: 0 is required until the last
 * piece, whose result is returned.
 */
static int
th_chunk_pieces(const char *text, size_t len, size_t step, size_t split,
    struct evbuffer *out)
{
	struct http_chunked	 c;
	struct evbuffer		*in;
	size_t			 off = 0, n;
	int			 rc = 0;

	assert_non_null(in = evbuffer_new());
	http_chunked_init(&c);
	while (off < len) {
		n = split != 0 && off == 0 ? split : step;
		if (n > len - off)
			n = len - off;
		assert_int_equal(evbuffer_add(in, text + off, n), 0);
		off += n;
		rc = http_chunked_decode(&c, in, out, SIZE_MAX);
		if (off < len && rc != 0)
			fail_msg("rc %d after %zu of %zu bytes", rc, off, len);
	}
	if (rc == 1)
		assert_int_equal(evbuffer_get_length(in), 0);
	evbuffer_free(in);
	return rc;
}

/* The decoder output holds exactly these bytes; empty it. */
static void
th_out_is(struct evbuffer *out, const char *want, size_t len)
{
	assert_int_equal(evbuffer_get_length(out), len);
	if (len > 0)
		assert_memory_equal(evbuffer_pullup(out, -1), want, len);
	evbuffer_drain(out, len);
}

/* A plain GET: every field of the message set. */
static void
test_req_get(void **state)
{
	struct evbuffer	*rest;
	int		 status;

	(void)state;
	assert_int_equal(th_req(TH_LIT("GET /vofw/v1/down?sid=ab&req=3 "
	    "HTTP/1.1\r\nHost: hras.example\r\nX-Pad:  a b \t\r\n"
	    "X-Empty:\r\n\r\n"), &status, &rest), 1);
	assert_string_equal(th_msg.method, "GET");
	assert_string_equal(th_msg.target, "/vofw/v1/down?sid=ab&req=3");
	assert_int_equal(th_msg.minor, 1);
	assert_int_equal(th_msg.nhdr, 3);
	assert_string_equal(th_msg.hdr[0].name, "Host");
	assert_string_equal(th_msg.hdr[0].value, "hras.example");
	/* Leading and trailing blanks of a value are not part of it. */
	assert_string_equal(th_msg.hdr[1].name, "X-Pad");
	assert_string_equal(th_msg.hdr[1].value, "a b");
	assert_string_equal(th_msg.hdr[2].value, "");
	assert_int_equal(th_msg.content_length, -1);
	assert_int_equal(th_msg.chunked, 0);
	assert_int_equal(th_msg.keep_alive, 1);
	assert_int_equal(th_msg.status, 0);
	assert_null(th_msg.reason);
	assert_string_equal(http_header(&th_msg, "host"), "hras.example");
	assert_string_equal(http_header(&th_msg, "HOST"), "hras.example");
	assert_null(http_header(&th_msg, "Hos"));
	assert_null(http_header(&th_msg, "Content-Length"));
	assert_int_equal(evbuffer_get_length(rest), 0);
	evbuffer_free(rest);

	/* No headers at all. */
	assert_int_equal(th_req(TH_LIT("DELETE / HTTP/1.1\r\n\r\n"), &status,
	    NULL), 1);
	assert_string_equal(th_msg.method, "DELETE");
	assert_string_equal(th_msg.target, "/");
	assert_int_equal(th_msg.nhdr, 0);
}

/* POST with Content-Length: the body stays in the buffer. */
static void
test_req_post_content_length(void **state)
{
	struct evbuffer	*rest;
	int		 status;

	(void)state;
	assert_int_equal(th_req(TH_LIT("POST /vofw/v1/up HTTP/1.1\r\n"
	    "content-length: 5\r\nConnection: close\r\n\r\nhelloNEXT"),
	    &status, &rest), 1);
	assert_string_equal(th_msg.method, "POST");
	assert_int_equal(th_msg.content_length, 5);
	assert_int_equal(th_msg.chunked, 0);
	assert_int_equal(th_msg.keep_alive, 0);
	assert_int_equal(evbuffer_get_length(rest), 9);
	assert_memory_equal(evbuffer_pullup(rest, -1), "helloNEXT", 9);
	evbuffer_free(rest);

	/* Zero and the largest allowed length. */
	assert_int_equal(th_req(TH_LIT("POST / HTTP/1.1\r\nContent-Length: "
	    "0\r\n\r\n"), &status, NULL), 1);
	assert_int_equal(th_msg.content_length, 0);
	assert_int_equal(th_req(TH_LIT("POST / HTTP/1.1\r\nContent-Length: "
	    "16777216\r\n\r\n"), &status, NULL), 1);
	assert_int_equal(th_msg.content_length, HTTP_BODY_MAX);
	assert_int_equal(th_req(TH_LIT("POST / HTTP/1.1\r\nContent-Length: "
	    "007\r\n\r\n"), &status, NULL), 1);
	assert_int_equal(th_msg.content_length, 7);
}

/* A chunked POST: the head parses, the decoder reads the rest. */
static void
test_req_post_chunked(void **state)
{
	struct evbuffer		*rest, *out;
	struct http_chunked	 c;
	int			 status;

	(void)state;
	assert_int_equal(th_req(TH_LIT("POST /vofw/v1/up?sid=1 HTTP/1.1\r\n"
	    "Host: h\r\nTransfer-Encoding: Chunked\r\n\r\n"
	    "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), &status, &rest), 1);
	assert_int_equal(th_msg.chunked, 1);
	assert_int_equal(th_msg.content_length, -1);
	assert_non_null(out = evbuffer_new());
	http_chunked_init(&c);
	assert_int_equal(http_chunked_decode(&c, rest, out, SIZE_MAX), 1);
	th_out_is(out, TH_LIT("hello world"));
	assert_int_equal(evbuffer_get_length(rest), 0);
	evbuffer_free(out);
	evbuffer_free(rest);
}

/* Absolute-form targets (through a proxy) keep only path and query. */
static void
test_req_absolute_form(void **state)
{
	int	 status;

	(void)state;
	assert_int_equal(th_req(TH_LIT("GET http://hras.example:8080/vofw/v1/"
	    "challenge?x=1 HTTP/1.1\r\nHost: hras.example:8080\r\n\r\n"),
	    &status, NULL), 1);
	assert_string_equal(th_msg.target, "/vofw/v1/challenge?x=1");
	assert_int_equal(th_req(TH_LIT("GET HTTPS://h/ HTTP/1.1\r\n\r\n"),
	    &status, NULL), 1);
	assert_string_equal(th_msg.target, "/");
	/* No path at all, authority-form and asterisk-form: not ours. */
	assert_int_equal(th_req(TH_LIT("GET http://h HTTP/1.1\r\n\r\n"),
	    &status, NULL), -1);
	assert_int_equal(status, 400);
	assert_int_equal(th_req(TH_LIT("CONNECT h:443 HTTP/1.1\r\n\r\n"),
	    &status, NULL), -1);
	assert_int_equal(status, 400);
	assert_int_equal(th_req(TH_LIT("OPTIONS * HTTP/1.1\r\n\r\n"),
	    &status, NULL), -1);
	assert_int_equal(status, 400);
}

/*
 * An absolute-form target with an empty path and a query: either refused
 * like "http://h" or reduced to "/?query", never to a path taken from
 * inside the query.
 */
static void
test_req_absolute_form_query(void **state)
{
	int	 rc, status;

	(void)state;
	rc = th_req(TH_LIT("GET http://h?a=/b HTTP/1.1\r\n\r\n"), &status,
	    NULL);
	if (rc == 1)
		assert_string_equal(th_msg.target, "/?a=/b");
	else {
		assert_int_equal(rc, -1);
		assert_int_equal(status, 400);
	}
}

/* Up to four empty lines before the request line are skipped; more not. */
static void
test_req_leading_crlf(void **state)
{
	int	 status;

	(void)state;
	assert_int_equal(th_req(TH_LIT("\r\nGET /a HTTP/1.1\r\n\r\n"),
	    &status, NULL), 1);
	assert_string_equal(th_msg.target, "/a");
	assert_int_equal(th_req(TH_LIT("\r\n\r\n\r\n\r\nGET /b HTTP/1.1\r\n"
	    "\r\n"), &status, NULL), 1);
	assert_string_equal(th_msg.method, "GET");
	assert_string_equal(th_msg.target, "/b");
	assert_int_equal(th_req(TH_LIT("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n"
	    "\r\n"), &status, NULL), -1);
	assert_int_equal(status, 400);
	/* Only empty lines so far: wait for the request. */
	assert_int_equal(th_req(TH_LIT("\r\n\r\n"), &status, NULL), 0);
}

/* HTTP/1.0 parses, closing by default unless it asks for keep-alive. */
static void
test_req_http10(void **state)
{
	int	 status;

	(void)state;
	assert_int_equal(th_req(TH_LIT("GET / HTTP/1.0\r\n\r\n"), &status,
	    NULL), 1);
	assert_int_equal(th_msg.minor, 0);
	assert_int_equal(th_msg.keep_alive, 0);
	assert_int_equal(th_req(TH_LIT("POST / HTTP/1.0\r\nConnection: "
	    "Keep-Alive\r\nContent-Length: 2\r\n\r\nok"), &status, NULL), 1);
	assert_int_equal(th_msg.minor, 0);
	assert_int_equal(th_msg.keep_alive, 1);
	assert_int_equal(th_msg.content_length, 2);
}

/* Fed one byte at a time: 0 until the last byte of the head, then 1. */
static void
test_req_incremental(void **state)
{
	static const char	 text[] = "\r\nPOST /vofw/v1/up?sid=5 "
				    "HTTP/1.1\r\nHost: a\r\n"
				    "Content-Length: 4\r\n\r\nbody";
	size_t			 headlen = sizeof(text) - 1 - 4, i;
	struct evbuffer		*b;
	int			 rc, status;

	(void)state;
	assert_non_null(b = evbuffer_new());
	for (i = 0; i < headlen; i++) {
		evbuffer_add(b, text + i, 1);
		status = 0;
		rc = http_parse_request(b, &th_msg, &status);
		if (i + 1 < headlen && rc != 0)
			fail_msg("rc %d after %zu bytes", rc, i + 1);
	}
	assert_int_equal(rc, 1);
	assert_int_equal(evbuffer_get_length(b), 0);
	assert_string_equal(th_msg.target, "/vofw/v1/up?sid=5");
	assert_string_equal(http_header(&th_msg, "host"), "a");
	assert_int_equal(th_msg.content_length, 4);
	evbuffer_free(b);
}

/* Line endings, NUL and control bytes, folding, malformed names. */
static void
test_req_bad_syntax(void **state)
{
	static const struct th_bad cases[] = {
		{ "bare LF ends a header", "GET / HTTP/1.1\r\nHost: a\n"
		    "X-A: b\r\n\r\n", 0, 400 },
		{ "bare CR in a header", "GET / HTTP/1.1\r\nHost: a\rb\r\n"
		    "\r\n", 0, 400 },
		{ "bare LF ends the request line", "GET / HTTP/1.1\n"
		    "Host: a\r\n\r\n", 0, 400 },
		{ "NUL in a header value", "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n",
		    sizeof("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n") - 1, 400 },
		{ "NUL in the target", "GET /\0 HTTP/1.1\r\n\r\n",
		    sizeof("GET /\0 HTTP/1.1\r\n\r\n") - 1, 400 },
		{ "folded header (space)", "GET / HTTP/1.1\r\nX-A: a\r\n"
		    " b\r\n\r\n", 0, 400 },
		{ "folded header (tab)", "GET / HTTP/1.1\r\nX-A: a\r\n"
		    "\tb: c\r\n\r\n", 0, 400 },
		{ "space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
		    0, 400 },
		{ "tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n",
		    0, 400 },
		{ "no colon", "GET / HTTP/1.1\r\nHost a\r\n\r\n", 0, 400 },
		{ "empty name", "GET / HTTP/1.1\r\n: a\r\n\r\n", 0, 400 },
		{ "name with slash", "GET / HTTP/1.1\r\nX/Y: a\r\n\r\n", 0,
		    400 },
		{ "control char in value", "GET / HTTP/1.1\r\nX: a\x01z\r\n"
		    "\r\n", 0, 400 },
		{ "escape in value", "GET / HTTP/1.1\r\nX: \x1b[0m\r\n\r\n",
		    0, 400 },
		{ "DEL in value", "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", 0,
		    400 },
		{ "bad method char", "G(T / HTTP/1.1\r\n\r\n", 0, 400 },
		{ "method with @", "GE@T / HTTP/1.1\r\n\r\n", 0, 400 },
		{ "non-ASCII method", "G\xc3\x89T / HTTP/1.1\r\n\r\n", 0,
		    400 },
		{ "empty method", " / HTTP/1.1\r\n\r\n", 0, 400 },
		{ "two spaces", "GET  / HTTP/1.1\r\n\r\n", 0, 400 },
		{ "extra field", "GET / HTTP/1.1 x\r\n\r\n", 0, 400 },
		{ "no version", "GET /\r\n\r\n", 0, 400 },
		{ "relative target", "GET a/b HTTP/1.1\r\n\r\n", 0, 400 },
		{ "high byte in target", "GET /\xff HTTP/1.1\r\n\r\n", 0,
		    400 },
		{ "not HTTP", "GET / FTP/1.1\r\n\r\n", 0, 400 },
		{ "lower-case version", "GET / http/1.1\r\n\r\n", 0, 400 },
	};

	(void)state;
	th_req_bad(cases, sizeof(cases) / sizeof(cases[0]));
}

/* The framing headers: duplicates and conflicts. */
static void
test_req_bad_framing(void **state)
{
	static const struct th_bad cases[] = {
		{ "duplicate Content-Length (equal)", "POST / HTTP/1.1\r\n"
		    "Content-Length: 5\r\nContent-Length: 5\r\n\r\n", 0, 400 },
		{ "duplicate Content-Length (differ)", "POST / HTTP/1.1\r\n"
		    "Content-Length: 5\r\ncontent-length: 6\r\n\r\n", 0, 400 },
		{ "CL then TE", "POST / HTTP/1.1\r\nContent-Length: 5\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n", 0, 400 },
		{ "TE then CL", "POST / HTTP/1.1\r\nTransfer-Encoding: "
		    "chunked\r\nContent-Length: 5\r\n\r\n", 0, 400 },
		{ "TE gzip", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n"
		    "\r\n", 0, 501 },
		{ "TE gzip, chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: "
		    "gzip, chunked\r\n\r\n", 0, 501 },
		{ "TE identity", "POST / HTTP/1.1\r\nTransfer-Encoding: "
		    "identity\r\n\r\n", 0, 501 },
		{ "duplicate TE", "POST / HTTP/1.1\r\nTransfer-Encoding: "
		    "chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 400 },
		{ "TE chunked on HTTP/1.0", "POST / HTTP/1.0\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n", 0, 400 },
		{ "CL +5", "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", 0,
		    400 },
		{ "CL -1", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 0,
		    400 },
		{ "CL empty", "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", 0,
		    400 },
		{ "CL too big", "POST / HTTP/1.1\r\nContent-Length: 16777217"
		    "\r\n\r\n", 0, 413 },
		{ "CL overflows", "POST / HTTP/1.1\r\nContent-Length: "
		    "99999999999999999999999\r\n\r\n", 0, 413 },
	};

	(void)state;
	th_req_bad(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A Content-Length with junk after its digits is malformed (400). */
static void
test_req_content_length_junk(void **state)
{
	static const char *const values[] = { "1e3", "5,5", "0x10", "5 5" };
	char		 text[128];
	size_t		 i;
	int		 rc, status;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		snprintf(text, sizeof(text), "POST / HTTP/1.1\r\n"
		    "Content-Length: %s\r\n\r\n", values[i]);
		rc = th_req(text, strlen(text), &status, NULL);
		assert_int_equal(rc, -1);
		assert_int_equal(status, 400);
	}
}

/* HTTP versions other than 1.0 and 1.1. */
static void
test_req_bad_version(void **state)
{
	static const struct th_bad cases[] = {
		{ "HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 0, 505 },
		{ "HTTP/1.2", "GET / HTTP/1.2\r\n\r\n", 0, 505 },
		{ "HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", 0, 505 },
	};

	(void)state;
	th_req_bad(cases, sizeof(cases) / sizeof(cases[0]));
}

/*
 * A bare LF inside the request line makes it malformed (400), even when
 * what follows the LF leaves no space in the version field.
 */
static void
test_req_bare_lf_version(void **state)
{
	int	 rc, status;

	(void)state;
	rc = th_req(TH_LIT("GET / HTTP/1.1\nHost:a\r\n\r\n"), &status, NULL);
	assert_int_equal(rc, -1);
	assert_int_equal(status, 400);
}

/* Heads up to 8192 bytes parse; one byte more is 431. */
static void
test_req_head_size(void **state)
{
	char		*text;
	size_t		 fixed = strlen("GET / HTTP/1.1\r\nX: \r\n\r\n");
	int		 rc, status;
	struct evbuffer	*b;

	(void)state;
	assert_non_null(text = malloc(HTTP_HEAD_MAX + 64));
	/* Exactly HTTP_HEAD_MAX bytes including the blank line. */
	memcpy(text, "GET / HTTP/1.1\r\nX: ", 19);
	memset(text + 19, 'a', HTTP_HEAD_MAX - fixed);
	memcpy(text + 19 + HTTP_HEAD_MAX - fixed, "\r\n\r\n", 4);
	assert_int_equal(th_req(text, HTTP_HEAD_MAX, &status, NULL), 1);
	assert_int_equal(strlen(http_header(&th_msg, "X")),
	    HTTP_HEAD_MAX - fixed);

	/* One byte more, complete: 431. */
	memset(text + 19, 'a', HTTP_HEAD_MAX - fixed + 1);
	memcpy(text + 19 + HTTP_HEAD_MAX - fixed + 1, "\r\n\r\n", 4);
	assert_int_equal(th_req(text, HTTP_HEAD_MAX + 1, &status, NULL), -1);
	assert_int_equal(status, 431);

	/* Still incomplete at HTTP_HEAD_MAX bytes: wait; one more: 431. */
	memset(text + 19, 'a', HTTP_HEAD_MAX);
	assert_int_equal(th_req(text, HTTP_HEAD_MAX, &status, NULL), 0);
	assert_int_equal(th_req(text, HTTP_HEAD_MAX + 1, &status, NULL), -1);
	assert_int_equal(status, 431);

	/* The same limit holds for a head arriving piece by piece. */
	assert_non_null(b = evbuffer_new());
	evbuffer_add(b, text, 4096);
	assert_int_equal(http_parse_request(b, &th_msg, &status), 0);
	evbuffer_add(b, text + 4096, 4096);
	assert_int_equal(http_parse_request(b, &th_msg, &status), 0);
	evbuffer_add(b, text + 8192, 1);
	rc = http_parse_request(b, &th_msg, &status);
	assert_int_equal(rc, -1);
	assert_int_equal(status, 431);
	evbuffer_free(b);
	free(text);
}

/* 48 headers parse; the 49th is 431. */
static void
test_req_header_count(void **state)
{
	char	*text;
	int	 status;

	(void)state;
	text = th_repeat_headers(HTTP_HEADERS_MAX);
	assert_int_equal(th_req(text, strlen(text), &status, NULL), 1);
	assert_int_equal(th_msg.nhdr, HTTP_HEADERS_MAX);
	assert_string_equal(th_msg.hdr[47].name, "X-H47");
	assert_string_equal(th_msg.hdr[47].value, "47");
	free(text);
	text = th_repeat_headers(HTTP_HEADERS_MAX + 1);
	assert_int_equal(th_req(text, strlen(text), &status, NULL), -1);
	assert_int_equal(status, 431);
	free(text);
}

/* Responses: status, reason, framing. */
static void
test_resp_ok(void **state)
{
	struct evbuffer	*rest;

	(void)state;
	assert_int_equal(th_resp(TH_LIT("HTTP/1.1 200 OK\r\nContent-Length: "
	    "3\r\n\r\nabc"), &rest), 1);
	assert_int_equal(th_msg.status, 200);
	assert_string_equal(th_msg.reason, "OK");
	assert_int_equal(th_msg.minor, 1);
	assert_int_equal(th_msg.content_length, 3);
	assert_int_equal(th_msg.chunked, 0);
	assert_int_equal(th_msg.keep_alive, 1);
	assert_null(th_msg.method);
	assert_null(th_msg.target);
	assert_int_equal(evbuffer_get_length(rest), 3);
	evbuffer_free(rest);

	assert_int_equal(th_resp(TH_LIT("HTTP/1.1 407 Proxy Authentication "
	    "Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n"
	    "Connection: close\r\n\r\n"), NULL), 1);
	assert_int_equal(th_msg.status, 407);
	assert_string_equal(th_msg.reason, "Proxy Authentication Required");
	assert_string_equal(http_header(&th_msg, "proxy-authenticate"),
	    "Basic realm=\"corp\"");
	assert_int_equal(th_msg.keep_alive, 0);

	/* Chunked responses, also from an HTTP/1.0 proxy. */
	assert_int_equal(th_resp(TH_LIT("HTTP/1.0 200 OK\r\nTransfer-Encoding:"
	    " chunked\r\n\r\n"), NULL), 1);
	assert_int_equal(th_msg.minor, 0);
	assert_int_equal(th_msg.chunked, 1);
	assert_int_equal(th_msg.keep_alive, 0);

	/* Incomplete. */
	assert_int_equal(th_resp(TH_LIT("HTTP/1.1 200 OK\r\nX: y\r\n"), NULL),
	    0);
}

/* A status line without a reason phrase. */
static void
test_resp_no_reason(void **state)
{
	(void)state;
	assert_int_equal(th_resp(TH_LIT("HTTP/1.1 204\r\n\r\n"), NULL), 1);
	assert_int_equal(th_msg.status, 204);
	assert_string_equal(th_msg.reason, "");
	assert_int_equal(th_resp(TH_LIT("HTTP/1.1 503 \r\n\r\n"), NULL), 1);
	assert_int_equal(th_msg.status, 503);
	assert_string_equal(th_msg.reason, "");
}

/* Malformed status lines and heads. */
static void
test_resp_malformed(void **state)
{
	static const char *const cases[] = {
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 200OK\r\n\r\n",
		"HTTP/1.1  200 OK\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/1.1 099 Low\r\n\r\n",
		"HTTP/1.1 -20 OK\r\n\r\n",
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/2.0 200 OK\r\n\r\n",
		"HTTP/1.1\r\n\r\n",
		"ICY 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX : y\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: y\r\n z\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n"
		    "\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: "
		    "chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
	};
	size_t	 i;
	int	 rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = th_resp(cases[i], strlen(cases[i]), NULL);
		if (rc != -1)
			fail_msg("case %zu: rc %d, want -1", i, rc);
	}
	/* NUL in the head. */
	assert_int_equal(th_resp(TH_LIT("HTTP/1.1 200 O\0K\r\n\r\n"), NULL),
	    -1);
}

/* A bare LF in the status line must not hide a header in the reason. */
static void
test_resp_bare_lf_reason(void **state)
{
	int	 rc;

	(void)state;
	rc = th_resp(TH_LIT("HTTP/1.1 200 OK\nSet-Cookie: x\r\n\r\n"), NULL);
	assert_int_equal(rc, -1);
}

/* One chunk, and the decoder stops at the end of the body. */
static void
test_chunked_single(void **state)
{
	struct evbuffer	*out;
	size_t		 rest;

	(void)state;
	assert_non_null(out = evbuffer_new());
	assert_int_equal(th_chunk(TH_LIT("5\r\nhello\r\n0\r\n\r\n"), SIZE_MAX,
	    out, &rest), 1);
	assert_int_equal(rest, 0);
	th_out_is(out, TH_LIT("hello"));
	/* What follows the body is left for the next message. */
	assert_int_equal(th_chunk(TH_LIT("5\r\nhello\r\n0\r\n\r\nGET"),
	    SIZE_MAX, out, &rest), 1);
	assert_int_equal(rest, 3);
	th_out_is(out, TH_LIT("hello"));
	/* An empty body. */
	assert_int_equal(th_chunk(TH_LIT("0\r\n\r\n"), SIZE_MAX, out, &rest),
	    1);
	assert_int_equal(rest, 0);
	th_out_is(out, "", 0);
	/* Leading zeros are just digits. */
	assert_int_equal(th_chunk(TH_LIT("00000000000000000003\r\nabc\r\n"
	    "0\r\n\r\n"), SIZE_MAX, out, &rest), 1);
	th_out_is(out, TH_LIT("abc"));
	/* A chunk whose data may hold CRLF and NUL. */
	assert_int_equal(th_chunk(TH_LIT("4\r\n\r\n\0\n\r\n0\r\n\r\n"),
	    SIZE_MAX, out, &rest), 1);
	th_out_is(out, TH_LIT("\r\n\0\n"));
	evbuffer_free(out);
}

/* Many chunks, fed one byte at a time and split at every boundary. */
static void
test_chunked_every_split(void **state)
{
	static const char	 body[] = "3\r\nabc\r\n1\r\nd\r\n"
				    "1a;x=y\r\nabcdefghijklmnopqrstuvwxyz\r\n"
				    "A\r\n0123456789\r\n0\r\nT: v\r\n\r\n";
	static const char	 data[] = "abcd" "abcdefghijklmnopqrstuvwxyz"
				    "0123456789";
	struct evbuffer		*out;
	size_t			 split, step;

	(void)state;
	assert_non_null(out = evbuffer_new());
	for (step = 1; step <= 3; step++) {
		assert_int_equal(th_chunk_pieces(TH_LIT(body), step, 0, out),
		    1);
		th_out_is(out, TH_LIT(data));
	}
	for (split = 1; split < sizeof(body) - 1; split++) {
		assert_int_equal(th_chunk_pieces(TH_LIT(body),
		    sizeof(body), split, out), 1);
		th_out_is(out, TH_LIT(data));
	}
	evbuffer_free(out);
}

/* Chunk extensions are ignored, with or without blanks before them. */
static void
test_chunked_extensions(void **state)
{
	struct evbuffer	*out;
	size_t		 rest;

	(void)state;
	assert_non_null(out = evbuffer_new());
	assert_int_equal(th_chunk(TH_LIT("5;name=value;flag\r\nhello\r\n"
	    "2 ;q=\"a;b\"\r\n!!\r\n1\t;x\r\n?\r\n0;last\r\n\r\n"), SIZE_MAX,
	    out, &rest), 1);
	assert_int_equal(rest, 0);
	th_out_is(out, TH_LIT("hello!!?"));
	evbuffer_free(out);
}

/* Trailer fields after the last chunk are read and dropped. */
static void
test_chunked_trailers(void **state)
{
	struct evbuffer	*out;
	size_t		 rest;

	(void)state;
	assert_non_null(out = evbuffer_new());
	assert_int_equal(th_chunk(TH_LIT("2\r\nok\r\n0\r\nX-Sum: 1\r\n"
	    "Expires: never\r\n\r\nNEXT"), SIZE_MAX, out, &rest), 1);
	assert_int_equal(rest, 4);
	th_out_is(out, TH_LIT("ok"));
	/* Trailers still arriving: wait. */
	assert_int_equal(th_chunk(TH_LIT("0\r\nX-Sum: 1\r\n"), SIZE_MAX, out,
	    &rest), 0);
	assert_int_equal(rest, 0);
	assert_int_equal(th_chunk(TH_LIT("0\r\nX-Sum: 1\r\n\r"), SIZE_MAX, out,
	    &rest), 0);
	assert_int_equal(rest, 1);
	evbuffer_free(out);
}

/* Sizes in upper, lower and mixed case hex. */
static void
test_chunked_hex_case(void **state)
{
	struct evbuffer	*out;
	char		 body[128], want[64];

	(void)state;
	assert_non_null(out = evbuffer_new());
	memset(want, 'z', 31);
	snprintf(body, sizeof(body), "1F\r\n%.31s\r\nA\r\n%.10s\r\n0\r\n\r\n",
	    want, want);
	assert_int_equal(th_chunk(body, strlen(body), SIZE_MAX, out, NULL), 1);
	assert_int_equal(evbuffer_get_length(out), 41);
	evbuffer_drain(out, 41);
	snprintf(body, sizeof(body), "1f\r\n%.31s\r\n0\r\n\r\n", want);
	assert_int_equal(th_chunk(body, strlen(body), SIZE_MAX, out, NULL), 1);
	assert_int_equal(evbuffer_get_length(out), 31);
	evbuffer_drain(out, 31);
	snprintf(body, sizeof(body), "0000000000000000000000000000001f\r\n"
	    "%.31s\r\n0\r\n\r\n", want);
	assert_int_equal(th_chunk(body, strlen(body), SIZE_MAX, out, NULL), 1);
	assert_int_equal(evbuffer_get_length(out), 31);
	evbuffer_free(out);
}

/* Sizes that overflow 64 bits and malformed size lines. */
static void
test_chunked_bad_size(void **state)
{
	static const char *const cases[] = {
		"10000000000000000\r\n",	/* 2^64: 17 digits */
		"ffffffffffffffff0\r\n",
		"123456789abcdef0123\r\n",
		"\r\n",
		"x\r\n",
		"5x\r\nhello\r\n",
		"-5\r\nhello\r\n",
		"+5\r\nhello\r\n",
		" 5\r\nhello\r\n",
		"0x5\r\nhello\r\n",
		"5\nhello\r\n",
		"\n",
		"5\r\r\nhello\r\n",
	};
	struct evbuffer	*out;
	size_t		 i;
	int		 rc;

	(void)state;
	assert_non_null(out = evbuffer_new());
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = th_chunk(cases[i], strlen(cases[i]), SIZE_MAX, out, NULL);
		if (rc != -1)
			fail_msg("case %zu: rc %d, want -1", i, rc);
	}
	assert_int_equal(th_chunk(TH_LIT("5\0\r\nhello\r\n"), SIZE_MAX, out,
	    NULL), -1);
	assert_int_equal(evbuffer_get_length(out), 0);
	/* The largest size that fits is accepted and waits for its data. */
	assert_int_equal(th_chunk(TH_LIT("ffffffffffffffff\r\nab"), SIZE_MAX,
	    out, NULL), 0);
	th_out_is(out, TH_LIT("ab"));
	evbuffer_free(out);
}

/* The data of a chunk must be followed by exactly CRLF. */
static void
test_chunked_missing_crlf(void **state)
{
	struct evbuffer	*out;

	(void)state;
	assert_non_null(out = evbuffer_new());
	assert_int_equal(th_chunk(TH_LIT("3\r\nabcX\r\n0\r\n\r\n"), SIZE_MAX,
	    out, NULL), -1);
	evbuffer_drain(out, evbuffer_get_length(out));
	assert_int_equal(th_chunk(TH_LIT("3\r\nabc\n0\r\n\r\n"), SIZE_MAX,
	    out, NULL), -1);
	evbuffer_drain(out, evbuffer_get_length(out));
	assert_int_equal(th_chunk(TH_LIT("3\r\nabc0\r\n\r\n"), SIZE_MAX, out,
	    NULL), -1);
	evbuffer_drain(out, evbuffer_get_length(out));
	/* One byte of the CRLF so far: wait. */
	assert_int_equal(th_chunk(TH_LIT("3\r\nabc\r"), SIZE_MAX, out, NULL),
	    0);
	th_out_is(out, TH_LIT("abc"));
	/* A trailer line ended by a bare LF. */
	assert_int_equal(th_chunk(TH_LIT("0\r\nX: y\n\r\n"), SIZE_MAX, out,
	    NULL), -1);
	evbuffer_free(out);
}

/* A size line longer than HTTP_CHUNK_LINE_MAX is refused. */
static void
test_chunked_line_too_long(void **state)
{
	struct evbuffer	*out;
	char		 body[512];
	size_t		 n;

	(void)state;
	assert_non_null(out = evbuffer_new());
	/* Line of exactly HTTP_CHUNK_LINE_MAX bytes with its CR: accepted. */
	memset(body, 'e', sizeof(body));
	memcpy(body, "1;", 2);
	n = HTTP_CHUNK_LINE_MAX - 1;
	memcpy(body + n, "\r\nx\r\n0\r\n\r\n", 10);
	assert_int_equal(th_chunk(body, n + 10, SIZE_MAX, out, NULL), 1);
	th_out_is(out, TH_LIT("x"));
	/* One byte longer. */
	memset(body, 'e', sizeof(body));
	memcpy(body, "1;", 2);
	n = HTTP_CHUNK_LINE_MAX;
	memcpy(body + n, "\r\nx\r\n0\r\n\r\n", 10);
	assert_int_equal(th_chunk(body, n + 10, SIZE_MAX, out, NULL), -1);
	/* No line end yet: wait up to the limit, refuse past it. */
	memset(body, 'e', sizeof(body));
	memcpy(body, "1;", 2);
	assert_int_equal(th_chunk(body, HTTP_CHUNK_LINE_MAX, SIZE_MAX, out,
	    NULL), 0);
	assert_int_equal(th_chunk(body, HTTP_CHUNK_LINE_MAX + 1, SIZE_MAX, out,
	    NULL), -1);
	assert_int_equal(th_chunk(body, sizeof(body), SIZE_MAX, out, NULL),
	    -1);
	assert_int_equal(evbuffer_get_length(out), 0);
	evbuffer_free(out);
}

/* Trailers past HTTP_TRAILER_MAX bytes in all are refused. */
static void
test_chunked_trailers_too_long(void **state)
{
	struct evbuffer	*out;
	char		*body, *p;
	int		 i;

	(void)state;
	assert_non_null(out = evbuffer_new());
	assert_non_null(body = malloc(8192));
	/* 16 lines of 254 + 2 bytes: exactly HTTP_TRAILER_MAX, accepted. */
	p = body + sprintf(body, "0\r\n");
	for (i = 0; i < 16; i++) {
		p += sprintf(p, "X-%02d: ", i);
		memset(p, 'v', 254 - 6);
		p += 254 - 6;
		p += sprintf(p, "\r\n");
	}
	p += sprintf(p, "\r\n");
	assert_int_equal(th_chunk(body, (size_t)(p - body), SIZE_MAX, out,
	    NULL), 1);
	/* One more short line goes over. */
	p -= 2;
	p += sprintf(p, "Y: 1\r\n\r\n");
	assert_int_equal(th_chunk(body, (size_t)(p - body), SIZE_MAX, out,
	    NULL), -1);
	assert_int_equal(evbuffer_get_length(out), 0);
	free(body);
	evbuffer_free(out);
}

/* At most max data bytes move per call; the next call resumes. */
static void
test_chunked_max(void **state)
{
	struct http_chunked	 c;
	struct evbuffer		*in, *out;

	(void)state;
	assert_non_null(in = evbuffer_new());
	assert_non_null(out = evbuffer_new());
	http_chunked_init(&c);
	evbuffer_add(in, TH_LIT("a\r\n0123456789\r\n3\r\nabc\r\n0\r\n\r\n"));
	assert_int_equal(http_chunked_decode(&c, in, out, 4), 0);
	th_out_is(out, TH_LIT("0123"));
	assert_int_equal(http_chunked_decode(&c, in, out, 4), 0);
	th_out_is(out, TH_LIT("4567"));
	/* Crosses into the next chunk within one call. */
	assert_int_equal(http_chunked_decode(&c, in, out, 4), 0);
	th_out_is(out, TH_LIT("89ab"));
	assert_int_equal(http_chunked_decode(&c, in, out, 4), 1);
	th_out_is(out, TH_LIT("c"));
	assert_int_equal(evbuffer_get_length(in), 0);
	/* Done stays done. */
	assert_int_equal(http_chunked_decode(&c, in, out, 4), 1);

	/* max 0 moves nothing but does not fail. */
	http_chunked_init(&c);
	evbuffer_add(in, TH_LIT("2\r\nhi\r\n0\r\n\r\n"));
	assert_int_equal(http_chunked_decode(&c, in, out, 0), 0);
	assert_int_equal(evbuffer_get_length(out), 0);
	assert_int_equal(http_chunked_decode(&c, in, out, 1), 0);
	th_out_is(out, TH_LIT("h"));
	assert_int_equal(http_chunked_decode(&c, in, out, 1), 1);
	th_out_is(out, TH_LIT("i"));
	evbuffer_free(in);
	evbuffer_free(out);
}

/* Query parameters by exact name, without decoding. */
static void
test_query_param(void **state)
{
	const char	*t = "/vofw/v1/down?sidx=9&sid=ab12&req=7&e=&poll"
			    "&m=a=b";
	char		 v[8];

	(void)state;
	assert_int_equal(http_query_param(t, "sid", v, sizeof(v)), 0);
	assert_string_equal(v, "ab12");
	assert_int_equal(http_query_param(t, "sidx", v, sizeof(v)), 0);
	assert_string_equal(v, "9");
	assert_int_equal(http_query_param(t, "req", v, sizeof(v)), 0);
	assert_string_equal(v, "7");
	assert_int_equal(http_query_param(t, "e", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	assert_int_equal(http_query_param(t, "m", v, sizeof(v)), 0);
	assert_string_equal(v, "a=b");
	assert_int_equal(http_query_param(t, "poll", v, sizeof(v)), -1);
	assert_int_equal(http_query_param(t, "si", v, sizeof(v)), -1);
	assert_int_equal(http_query_param(t, "mac", v, sizeof(v)), -1);
	assert_int_equal(http_query_param("/vofw/v1/down", "sid", v,
	    sizeof(v)), -1);
	assert_int_equal(http_query_param("/x?", "sid", v, sizeof(v)), -1);
	assert_int_equal(http_query_param("/x?&&sid=1&", "sid", v, sizeof(v)),
	    0);
	assert_string_equal(v, "1");
	/* The value must fit with its NUL. */
	assert_int_equal(http_query_param("/x?k=1234567", "k", v, sizeof(v)),
	    0);
	assert_string_equal(v, "1234567");
	assert_int_equal(http_query_param("/x?k=12345678", "k", v, sizeof(v)),
	    -1);
	/* The first occurrence wins. */
	assert_int_equal(http_query_param("/x?k=1&k=2", "k", v, sizeof(v)), 0);
	assert_string_equal(v, "1");
}

/* The path without its query, truncated to fit. */
static void
test_path(void **state)
{
	char	 p[8];

	(void)state;
	assert_ptr_equal(http_path("/a/b?x=1", p, sizeof(p)), p);
	assert_string_equal(p, "/a/b");
	assert_string_equal(http_path("/a/b", p, sizeof(p)), "/a/b");
	assert_string_equal(http_path("/?x", p, sizeof(p)), "/");
	assert_string_equal(http_path("/abcdefghij?x", p, sizeof(p)),
	    "/abcdef");
	assert_string_equal(http_path("", p, sizeof(p)), "");
	assert_string_equal(http_path("/a", p, 1), "");
}

/* Reason phrases of the statuses the parser returns. */
static void
test_reason(void **state)
{
	(void)state;
	assert_string_equal(http_reason(200), "OK");
	assert_string_equal(http_reason(400), "Bad Request");
	assert_string_equal(http_reason(413), "Content Too Large");
	assert_string_equal(http_reason(431),
	    "Request Header Fields Too Large");
	assert_string_equal(http_reason(501), "Not Implemented");
	assert_string_equal(http_reason(505), "HTTP Version Not Supported");
	assert_string_equal(http_reason(299), "Error");
}

/*
 * The chunk wrapper: nothing for no data, one sized chunk for some (its
 * size in hex as printf writes it, one digit to five), and what it makes
 * (ended by the last chunk) decodes back to the same bytes.
 */
static void
test_chunk_write(void **state)
{
	struct http_chunked	 c;
	struct evbuffer		*data, *out, *back;
	static const size_t	 sizes[] = { 1, 15, 16, 255, 4096, 70000 };
	static char		 big[70000];
	char			 head[32];
	size_t			 i;

	(void)state;
	assert_non_null(data = evbuffer_new());
	assert_non_null(out = evbuffer_new());
	assert_non_null(back = evbuffer_new());
	assert_int_equal(http_chunk_wrap(data), 0);
	assert_int_equal(evbuffer_get_length(data), 0);
	assert_int_equal(evbuffer_add(data, "0123456789abcdefX", 17), 0);
	assert_int_equal(http_chunk_wrap(data), 0);
	th_out_is(data, TH_LIT("11\r\n0123456789abcdefX\r\n"));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(evbuffer_add(data, big, sizes[i]), 0);
		assert_int_equal(http_chunk_wrap(data), 0);
		snprintf(head, sizeof(head), "%zx\r\n", sizes[i]);
		assert_int_equal(evbuffer_get_length(data),
		    strlen(head) + sizes[i] + 2);
		assert_memory_equal(evbuffer_pullup(data, (ev_ssize_t)
		    strlen(head)), head, strlen(head));
		assert_int_equal(evbuffer_drain(data,
		    evbuffer_get_length(data)), 0);
	}
	assert_int_equal(evbuffer_add(data, "one", 3), 0);
	assert_int_equal(http_chunk_wrap(data), 0);
	assert_int_equal(evbuffer_add_buffer(out, data), 0);
	assert_int_equal(evbuffer_add(data, "two", 3), 0);
	assert_int_equal(http_chunk_wrap(data), 0);
	assert_int_equal(evbuffer_add_buffer(out, data), 0);
	assert_int_equal(http_chunk_last(out), 0);
	http_chunked_init(&c);
	assert_int_equal(http_chunked_decode(&c, out, back, SIZE_MAX), 1);
	assert_int_equal(evbuffer_get_length(out), 0);
	th_out_is(back, TH_LIT("onetwo"));
	evbuffer_free(data);
	evbuffer_free(out);
	evbuffer_free(back);
}

/* The challenges of Proxy-Authenticate headers, and their tokens. */
static void
test_auth_offer(void **state)
{
	static const char	 r[] = "HTTP/1.1 407 Proxy Authentication "
	    "Required\r\n"
	    "Proxy-Authenticate: Basic realm=\"NTLM, x\\\"y\", charset=UTF-8, "
	    "negotiate YII=\r\n"
	    "proxy-authenticate: NTLM TlRMTVNTUAACAAAA\r\n"
	    "WWW-Authenticate: Digest realm=\"a\"\r\n"
	    "Content-Length: 0\r\n\r\n";
	const char		*t;
	size_t			 n;

	(void)state;
	assert_int_equal(th_resp(r, sizeof(r) - 1, NULL), 1);
	assert_int_equal(http_auth_offer(&th_msg, "Proxy-Authenticate",
	    "Basic", &t, &n), 1);
	assert_null(t);
	assert_int_equal(http_auth_offer(&th_msg, "Proxy-Authenticate",
	    "NTLM", &t, &n), 1);
	assert_int_equal(n, 16);
	assert_memory_equal(t, "TlRMTVNTUAACAAAA", 16);
	assert_int_equal(http_auth_offer(&th_msg, "Proxy-Authenticate",
	    "Negotiate", &t, &n), 1);
	assert_int_equal(n, 4);
	assert_memory_equal(t, "YII=", 4);
	/* Only in a quoted realm, or only in another header. */
	assert_int_equal(http_auth_offer(&th_msg, "Proxy-Authenticate",
	    "x", &t, &n), 0);
	assert_int_equal(http_auth_offer(&th_msg, "Proxy-Authenticate",
	    "Digest", &t, &n), 0);
	assert_int_equal(http_auth_offer(&th_msg, "WWW-Authenticate",
	    "Digest", &t, &n), 1);
	assert_null(t);
	assert_int_equal(http_auth_offer(&th_msg, "Proxy-Authenticate",
	    "charset", &t, &n), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_req_get),
		cmocka_unit_test(test_req_post_content_length),
		cmocka_unit_test(test_req_post_chunked),
		cmocka_unit_test(test_req_absolute_form),
		cmocka_unit_test(test_req_absolute_form_query),
		cmocka_unit_test(test_req_leading_crlf),
		cmocka_unit_test(test_req_http10),
		cmocka_unit_test(test_req_incremental),
		cmocka_unit_test(test_req_bad_syntax),
		cmocka_unit_test(test_req_bad_framing),
		cmocka_unit_test(test_req_content_length_junk),
		cmocka_unit_test(test_req_bad_version),
		cmocka_unit_test(test_req_bare_lf_version),
		cmocka_unit_test(test_req_head_size),
		cmocka_unit_test(test_req_header_count),
		cmocka_unit_test(test_resp_ok),
		cmocka_unit_test(test_resp_no_reason),
		cmocka_unit_test(test_resp_malformed),
		cmocka_unit_test(test_resp_bare_lf_reason),
		cmocka_unit_test(test_chunked_single),
		cmocka_unit_test(test_chunked_every_split),
		cmocka_unit_test(test_chunked_extensions),
		cmocka_unit_test(test_chunked_trailers),
		cmocka_unit_test(test_chunked_hex_case),
		cmocka_unit_test(test_chunked_bad_size),
		cmocka_unit_test(test_chunked_missing_crlf),
		cmocka_unit_test(test_chunked_line_too_long),
		cmocka_unit_test(test_chunked_trailers_too_long),
		cmocka_unit_test(test_chunked_max),
		cmocka_unit_test(test_chunk_write),
		cmocka_unit_test(test_query_param),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_reason),
		cmocka_unit_test(test_auth_offer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
