/*
 * libFuzzer target for the response-head parser, as hrac meets it: the
 * input is what hras or a proxy on the way answered. A head that parses
 * must keep the promises of http.h, and a chunked body after it goes
 * through the decoder.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "http.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fp_check(const struct http_msg *);
static void	fp_auth(const struct http_msg *, const char *);
static void	fp_body(struct evbuffer *);

static struct http_msg	 fp_msg;

/* What a parsed response head promises. */
static void
fp_check(const struct http_msg *m)
{
	const unsigned char	*p;
	int			 i;

	if (m->status < 100 || m->status > 999 || m->reason == NULL ||
	    m->method != NULL || m->target != NULL ||
	    (m->minor != 0 && m->minor != 1) ||
	    m->nhdr < 0 || m->nhdr > HTTP_HEADERS_MAX)
		abort();
	for (i = 0; i < m->nhdr; i++) {
		if (m->hdr[i].name[0] == '\0')
			abort();
		for (p = (const unsigned char *)m->hdr[i].value; *p != '\0';
		    p++)
			if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
				abort();
	}
	if (m->content_length < -1 || m->content_length > HTTP_BODY_MAX ||
	    (m->chunked && m->content_length != -1) ||
	    (m->keep_alive != 0 && m->keep_alive != 1))
		abort();
	fp_auth(m, "NTLM");
	fp_auth(m, "Negotiate");
	fp_auth(m, "Basic");
}

/* A challenge's token lies inside one header value, never empty. */
static void
fp_auth(const struct http_msg *m, const char *scheme)
{
	const char	*t;
	size_t		 n;
	int		 i, inside = 0;

	if (!http_auth_offer(m, "Proxy-Authenticate", scheme, &t, &n)) {
		if (t != NULL)
			abort();
		return;
	}
	if (t == NULL)
		return;
	for (i = 0; i < m->nhdr; i++)
		if (t >= m->hdr[i].value && t + n <= m->hdr[i].value +
		    strlen(m->hdr[i].value))
			inside = 1;
	if (!inside || n == 0)
		abort();
}

/* Decode a chunked body as hrac does: whatever is there, a chunk at most
 * per call. */
static void
fp_body(struct evbuffer *in)
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
		rc = http_chunked_decode(&c, in, out, 777);
		moved = evbuffer_get_length(out);
		if (moved > 777 || moved > before - evbuffer_get_length(in))
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
	int		 rc;

	if ((in = evbuffer_new()) == NULL)
		abort();
	evbuffer_add(in, data, size);
	rc = http_parse_response(in, &fp_msg);
	if (rc == 1) {
		fp_check(&fp_msg);
		if (fp_msg.chunked)
			fp_body(in);
	} else if (rc == 0) {
		if (evbuffer_get_length(in) > HTTP_HEAD_MAX)
			abort();
	} else if (rc != -1)
		abort();
	evbuffer_free(in);
	return 0;
}
