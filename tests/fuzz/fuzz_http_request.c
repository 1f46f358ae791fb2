/*
 * libFuzzer target for the request-head parser, as hras meets it: the
 * input is what a client sent. A head that parses must keep every promise
 * of http.h, a refusal must carry one of the statuses hras answers, and a
 * chunked body after the head goes through the decoder.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "http.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fr_tchar(int);
static void	fr_check(const struct http_msg *);
static void	fr_body(struct evbuffer *);

static struct http_msg	 fr_msg;

/* RFC 9110 token characters, independently of http.c. */
static int
fr_tchar(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* What a parsed request head promises. */
static void
fr_check(const struct http_msg *m)
{
	const unsigned char	*p;
	const char		*v;
	char			 buf[64];
	int			 i, j;

	if (m->method == NULL || m->method[0] == '\0' || m->target == NULL ||
	    m->target[0] != '/' || (m->minor != 0 && m->minor != 1) ||
	    m->nhdr < 0 || m->nhdr > HTTP_HEADERS_MAX)
		abort();
	for (p = (const unsigned char *)m->method; *p != '\0'; p++)
		if (!fr_tchar(*p))
			abort();
	for (p = (const unsigned char *)m->target; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			abort();
	for (i = 0; i < m->nhdr; i++) {
		if (m->hdr[i].name[0] == '\0')
			abort();
		for (p = (const unsigned char *)m->hdr[i].name; *p != '\0';
		    p++)
			if (!fr_tchar(*p))
				abort();
		v = m->hdr[i].value;
		if (v[0] == ' ' || v[0] == '\t')
			abort();
		for (p = (const unsigned char *)v; *p != '\0'; p++)
			if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
				abort();
		if (p > (const unsigned char *)v && (p[-1] == ' ' ||
		    p[-1] == '\t'))
			abort();
		/* http_header finds the first header of that name. */
		for (j = 0; j < i; j++)
			if (strcasecmp(m->hdr[j].name, m->hdr[i].name) == 0)
				break;
		if (http_header(m, m->hdr[i].name) != m->hdr[j].value)
			abort();
	}
	if (m->content_length < -1 || m->content_length > HTTP_BODY_MAX ||
	    (m->chunked != 0 && m->chunked != 1) ||
	    (m->chunked && (m->content_length != -1 || m->minor == 0)) ||
	    (m->keep_alive != 0 && m->keep_alive != 1))
		abort();

	/* The helpers hras applies to the target. */
	if (http_query_param(m->target, "sid", buf, 33) == 0 &&
	    (strlen(buf) > 32 || strchr(buf, '&') != NULL))
		abort();
	http_path(m->target, buf, sizeof(buf));
	if (strchr(buf, '?') != NULL ||
	    strncmp(buf, m->target, strlen(buf)) != 0)
		abort();
}

/* Decode a chunked body as hras does, a bounded amount per call. */
static void
fr_body(struct evbuffer *in)
{
	struct http_chunked	 c;
	struct evbuffer		*out;
	size_t			 before, moved;
	int			 rc;

	if ((out = evbuffer_new()) == NULL)
		abort();
	http_chunked_init(&c);
	do {
		before = evbuffer_get_length(in);
		rc = http_chunked_decode(&c, in, out, 1024);
		moved = evbuffer_get_length(out);
		if (moved > 1024 || moved > before - evbuffer_get_length(in))
			abort();
		evbuffer_drain(out, moved);
	} while (rc == 0 && evbuffer_get_length(in) < before);
	if (rc < -1 || rc > 1)
		abort();
	evbuffer_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer	*in;
	int		 rc, status = 0;

	if ((in = evbuffer_new()) == NULL)
		abort();
	evbuffer_add(in, data, size);
	rc = http_parse_request(in, &fr_msg, &status);
	switch (rc) {
	case 1:
		fr_check(&fr_msg);
		if (fr_msg.chunked)
			fr_body(in);
		break;
	case 0:
		if (evbuffer_get_length(in) > HTTP_HEAD_MAX)
			abort();
		break;
	case -1:
		if (status != 400 && status != 413 && status != 431 &&
		    status != 501 && status != 505)
			abort();
		break;
	default:
		abort();
	}
	evbuffer_free(in);
	return 0;
}
