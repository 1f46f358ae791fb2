/*
 * Strict HTTP/1.1 reading for the tunnel (RFC 9112). Heads are capped at
 * HTTP_HEAD_MAX, NUL and other control bytes are refused, obsolete line
 * folding is refused, duplicate or conflicting framing headers are refused,
 * and chunk sizes are checked for overflow before they are trusted.
 * Writing is one chunk of a body that stays open, and its end.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "http.h"

enum chunk_state {
	CHUNK_SIZE,
	CHUNK_DATA,
	CHUNK_DATA_END,
	CHUNK_TRAILER,
	CHUNK_DONE
};

static int	http_head_take(struct evbuffer *, struct http_msg *, int *);
static int	http_parse_headers(struct http_msg *, char *, int *);
static int	http_is_tchar(int);
static int	http_framing(struct http_msg *, int, int *);
static int	http_version(const char *, int *);
static int	http_has_ctl(const char *);
static int	http_read_line(struct evbuffer *, char *, size_t, int *);
static int	http_auth_element(const char *, size_t, const char *,
		    const char **, size_t *);

/* RFC 9110 token characters. */
static int
http_is_tchar(int c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

/* True when a line holds a control byte other than HTAB (CR, LF, NUL...). */
static int
http_has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 1;
	return 0;
}

/* Parse "HTTP/1.x"; -1 for anything else. */
static int
http_version(const char *s, int *minor)
{
	if (strncmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') ||
	    s[8] != '\0')
		return -1;
	*minor = s[7] - '0';
	return 0;
}

/*
 * Move a complete head (up to and including the blank line) from the
 * buffer into msg->buf: 1 done, 0 need more, -1 too large or has NUL.
 */
static int
http_head_take(struct evbuffer *in, struct http_msg *msg, int *status)
{
	struct evbuffer_ptr	 end;
	size_t			 len, skip = 0;
	unsigned char		*p;

	/* RFC 9112 2.2: tolerate empty lines before the start line. */
	while (evbuffer_get_length(in) >= 2 + skip) {
		p = evbuffer_pullup(in, (ev_ssize_t)(2 + skip));
		if (p == NULL || p[skip] != '\r' || p[skip + 1] != '\n')
			break;
		skip += 2;
		if (skip > 8) {
			*status = 400;
			return -1;
		}
	}
	if (skip > 0)
		evbuffer_drain(in, skip);
	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos == -1) {
		if (evbuffer_get_length(in) > HTTP_HEAD_MAX) {
			*status = 431;
			return -1;
		}
		return 0;
	}
	len = (size_t)end.pos + 4;
	if (len > HTTP_HEAD_MAX) {
		*status = 431;
		return -1;
	}
	if (evbuffer_remove(in, msg->buf, len) != (int)len) {
		*status = 500;
		return -1;
	}
	msg->buf[len] = '\0';
	if (strlen(msg->buf) != len) {
		*status = 400;
		return -1;
	}
	return 1;
}

/*
 * Split the header lines that follow the start line. Lines end in CRLF;
 * a bare CR or LF, a control byte, folding or a malformed name is refused.
 */
static int
http_parse_headers(struct http_msg *msg, char *p, int *status)
{
	char	*eol, *colon, *v, *e;

	msg->nhdr = 0;
	for (;;) {
		if ((eol = strstr(p, "\r\n")) == NULL)
			goto bad;
		if (eol == p)
			return 0;
		*eol = '\0';
		if (strchr(p, '\r') != NULL || strchr(p, '\n') != NULL)
			goto bad;
		if (msg->nhdr == HTTP_HEADERS_MAX) {
			*status = 431;
			return -1;
		}
		if ((colon = strchr(p, ':')) == NULL || colon == p)
			goto bad;
		*colon = '\0';
		for (e = p; *e != '\0'; e++)
			if (!http_is_tchar((unsigned char)*e))
				goto bad;
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (e = v; *e != '\0'; e++)
			if ((unsigned char)*e < 0x20 && *e != '\t')
				goto bad;
			else if (*e == 0x7f)
				goto bad;
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		msg->hdr[msg->nhdr].name = p;
		msg->hdr[msg->nhdr].value = v;
		msg->nhdr++;
		p = eol + 2;
	}
bad:
	*status = 400;
	return -1;
}

/* Work out the body framing: Content-Length, chunked, or neither. */
static int
http_framing(struct http_msg *msg, int is_request, int *status)
{
	const char	*name, *v;
	char		*end;
	unsigned long long n;
	int		 i, ncl = 0, nte = 0;

	msg->content_length = -1;
	msg->chunked = 0;
	msg->keep_alive = msg->minor == 1;
	for (i = 0; i < msg->nhdr; i++) {
		name = msg->hdr[i].name;
		v = msg->hdr[i].value;
		if (strcasecmp(name, "Content-Length") == 0) {
			if (ncl++ > 0 || *v < '0' || *v > '9')
				goto bad;
			n = strtoull(v, &end, 10);
			if (*end != '\0')
				goto bad;
			if (n > HTTP_BODY_MAX) {
				*status = 413;
				return -1;
			}
			msg->content_length = (int64_t)n;
		} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
			if (nte++ > 0)
				goto bad;
			if (strcasecmp(v, "chunked") != 0) {
				*status = 501;
				return -1;
			}
			msg->chunked = 1;
		} else if (strcasecmp(name, "Connection") == 0) {
			if (strcasecmp(v, "close") == 0)
				msg->keep_alive = 0;
			else if (strcasecmp(v, "keep-alive") == 0)
				msg->keep_alive = 1;
		}
	}
	if (msg->chunked && (msg->content_length != -1 ||
	    (is_request && msg->minor == 0)))
		goto bad;
	return 0;
bad:
	*status = 400;
	return -1;
}

/*
 * Read a request head: 1 complete (head consumed), 0 need more bytes,
 * -1 malformed with the status code to answer in *status.
 */
int
http_parse_request(struct evbuffer *in, struct http_msg *msg, int *status)
{
	char	*line, *sp1, *sp2, *p, *eol;
	int	 rc;

	if ((rc = http_head_take(in, msg, status)) != 1)
		return rc;
	*status = 400;
	line = msg->buf;
	eol = strstr(line, "\r\n");
	*eol = '\0';
	if (http_has_ctl(line))
		return -1;
	if ((sp1 = strchr(line, ' ')) == NULL ||
	    (sp2 = strchr(sp1 + 1, ' ')) == NULL || strchr(sp2 + 1, ' '))
		return -1;
	*sp1 = *sp2 = '\0';
	msg->method = line;
	msg->target = sp1 + 1;
	if (*msg->method == '\0' || *msg->target == '\0')
		return -1;
	for (p = msg->method; *p != '\0'; p++)
		if (!http_is_tchar((unsigned char)*p))
			return -1;
	for (p = msg->target; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return -1;
	if (http_version(sp2 + 1, &msg->minor) == -1) {
		*status = strncmp(sp2 + 1, "HTTP/", 5) == 0 ? 505 : 400;
		return -1;
	}
	/* Absolute-form (RFC 9112 3.2.2): keep only path and query. */
	if (strncasecmp(msg->target, "http://", 7) == 0 ||
	    strncasecmp(msg->target, "https://", 8) == 0) {
		p = strstr(msg->target, "://") + 3;
		p += strcspn(p, "/?#");
		/* A bare authority or one followed by a query has no path. */
		if (*p != '/')
			return -1;
		msg->target = p;
	} else if (*msg->target != '/')
		return -1;
	msg->status = 0;
	msg->reason = NULL;
	if (http_parse_headers(msg, eol + 2, status) == -1)
		return -1;
	return http_framing(msg, 1, status) == -1 ? -1 : 1;
}

/* Read a response head: 1 complete, 0 need more, -1 malformed. */
int
http_parse_response(struct evbuffer *in, struct http_msg *msg)
{
	char	*line, *eol, *p;
	int	 rc, status;

	if ((rc = http_head_take(in, msg, &status)) != 1)
		return rc;
	line = msg->buf;
	eol = strstr(line, "\r\n");
	*eol = '\0';
	if (http_has_ctl(line))
		return -1;
	if (strlen(line) < 12 || line[8] != ' ' ||
	    (line[12] != ' ' && line[12] != '\0'))
		return -1;
	line[8] = '\0';
	if (http_version(line, &msg->minor) == -1)
		return -1;
	for (p = line + 9; p < line + 12; p++)
		if (!isdigit((unsigned char)*p))
			return -1;
	msg->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 +
	    (line[11] - '0');
	if (msg->status < 100)
		return -1;
	msg->reason = line[12] == '\0' ? line + 12 : line + 13;
	msg->method = msg->target = NULL;
	if (http_parse_headers(msg, eol + 2, &status) == -1 ||
	    http_framing(msg, 0, &status) == -1)
		return -1;
	return 1;
}

/* The value of the first header with this name, or NULL. */
const char *
http_header(const struct http_msg *msg, const char *name)
{
	int	 i;

	for (i = 0; i < msg->nhdr; i++)
		if (strcasecmp(msg->hdr[i].name, name) == 0)
			return msg->hdr[i].value;
	return NULL;
}

/* Start decoding a new chunked body. */
void
http_chunked_init(struct http_chunked *c)
{
	c->state = CHUNK_SIZE;
	c->left = 0;
	c->trailer = 0;
}

/*
 * Take one CRLF-terminated line of at most max bytes into buf: 1 got one,
 * 0 need more, -1 too long or not CRLF-terminated.
 */
static int
http_read_line(struct evbuffer *in, char *buf, size_t max, int *len)
{
	struct evbuffer_ptr	 eol;
	size_t			 eol_len;

	eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
	if (eol.pos == -1)
		return evbuffer_get_length(in) > max ? -1 : 0;
	if ((size_t)eol.pos > max || eol.pos == 0)
		return -1;
	if (evbuffer_remove(in, buf, (size_t)eol.pos + 1) !=
	    (int)eol.pos + 1)
		return -1;
	if (buf[eol.pos - 1] != '\r')
		return -1;
	buf[eol.pos - 1] = '\0';
	*len = (int)eol.pos - 1;
	if (strlen(buf) != (size_t)*len)
		return -1;
	return 1;
}

/*
 * Decode as much of a chunked body as is buffered, moving at most max data
 * bytes to out: 1 at the end of the body, 0 need more, -1 malformed.
 */
int
http_chunked_decode(struct http_chunked *c, struct evbuffer *in,
    struct evbuffer *out, size_t max)
{
	char		 line[HTTP_CHUNK_LINE_MAX + 2], *p;
	size_t		 n, moved = 0;
	uint64_t	 size;
	int		 rc, len, digit;

	for (;;) {
		switch (c->state) {
		case CHUNK_SIZE:
			if ((rc = http_read_line(in, line,
			    HTTP_CHUNK_LINE_MAX, &len)) != 1)
				return rc;
			size = 0;
			for (p = line; isxdigit((unsigned char)*p); p++) {
				digit = isdigit((unsigned char)*p) ? *p - '0' :
				    tolower((unsigned char)*p) - 'a' + 10;
				if (size > (UINT64_MAX >> 4))
					return -1;
				size = size << 4 | (uint64_t)digit;
			}
			if (p == line || (*p != '\0' && *p != ';' &&
			    *p != ' ' && *p != '\t'))
				return -1;
			c->left = size;
			c->state = size == 0 ? CHUNK_TRAILER : CHUNK_DATA;
			break;
		case CHUNK_DATA:
			n = evbuffer_get_length(in);
			if (n == 0 || moved == max)
				return 0;
			if (n > c->left)
				n = (size_t)c->left;
			if (n > max - moved)
				n = max - moved;
			if (evbuffer_remove_buffer(in, out, n) != (int)n)
				return -1;
			moved += n;
			c->left -= n;
			if (c->left == 0)
				c->state = CHUNK_DATA_END;
			break;
		case CHUNK_DATA_END:
			if (evbuffer_get_length(in) < 2)
				return 0;
			if (evbuffer_remove(in, line, 2) != 2 ||
			    line[0] != '\r' || line[1] != '\n')
				return -1;
			c->state = CHUNK_SIZE;
			break;
		case CHUNK_TRAILER:
			if (evbuffer_get_length(in) >= 2) {
				p = (char *)evbuffer_pullup(in, 2);
				if (p != NULL && p[0] == '\r' && p[1] == '\n') {
					evbuffer_drain(in, 2);
					c->state = CHUNK_DONE;
					return 1;
				}
			}
			if ((rc = http_read_line(in, line,
			    HTTP_CHUNK_LINE_MAX, &len)) != 1)
				return rc;
			c->trailer += (size_t)len + 2;
			if (c->trailer > HTTP_TRAILER_MAX)
				return -1;
			break;
		default:
			return 1;
		}
	}
}

/*
 * Copy the value of a query parameter (no percent-decoding: the tunnel's
 * own parameters are plain tokens); -1 when absent or too long.
 */
int
http_query_param(const char *target, const char *name, char *out,
    size_t outlen)
{
	const char	*q, *end;
	size_t		 nlen = strlen(name), vlen;

	if ((q = strchr(target, '?')) == NULL)
		return -1;
	for (q++; *q != '\0'; q = *end == '&' ? end + 1 : end) {
		end = q + strcspn(q, "&");
		if ((size_t)(end - q) > nlen && strncmp(q, name, nlen) == 0 &&
		    q[nlen] == '=') {
			vlen = (size_t)(end - q) - nlen - 1;
			if (vlen >= outlen)
				return -1;
			memcpy(out, q + nlen + 1, vlen);
			out[vlen] = '\0';
			return 0;
		}
		if (*end == '\0')
			break;
	}
	return -1;
}

/* The path of a target without its query, truncated to outlen. */
const char *
http_path(const char *target, char *out, size_t outlen)
{
	size_t	 n = strcspn(target, "?");

	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, target, n);
	out[n] = '\0';
	return out;
}

/* Reason phrase of the status codes the tunnel sends. */
const char *
http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 413:
		return "Content Too Large";
	case 426:
		return "Upgrade Required";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Error";
	}
}

/*
 * Make data one chunk in place, ready to be written as it is; nothing when
 * it is empty.
 */
int
http_chunk_wrap(struct evbuffer *data)
{
	static const char	 digits[] = "0123456789abcdef";
	char			 head[2 * sizeof(size_t) + 2];
	size_t			 n = evbuffer_get_length(data), i;

	if (n == 0)
		return 0;
	/* The size in hex, built from the end: every frame of the tunnel
	   goes through here, and snprintf costs more than the rest. */
	i = sizeof(head);
	head[--i] = '\n';
	head[--i] = '\r';
	do {
		head[--i] = digits[n & 0xf];
		n >>= 4;
	} while (n > 0);
	if (evbuffer_prepend(data, head + i, sizeof(head) - i) == -1 ||
	    evbuffer_add(data, "\r\n", 2) == -1)
		return -1;
	return 0;
}

/* End a chunked body: the last chunk, no trailer. */
int
http_chunk_last(struct evbuffer *out)
{
	return evbuffer_add(out, "0\r\n\r\n", 5);
}

/*
 * Whether a response offers the authentication scheme in any of its
 * headers of that name (Proxy-Authenticate, WWW-Authenticate, RFC 9110
 * 11.6.1): challenges and their parameters split at commas outside
 * quoted strings, a scheme name inside a parameter's value not taken for
 * one. *token gets the challenge's token68 (NTLM's and Negotiate's
 * messages), pointing into the message, or NULL.
 */
int
http_auth_offer(const struct http_msg *m, const char *header,
    const char *scheme, const char **token, size_t *len)
{
	const char	*v, *p;
	int		 i, quoted, found = 0;

	*token = NULL;
	*len = 0;
	for (i = 0; i < m->nhdr; i++) {
		if (strcasecmp(m->hdr[i].name, header) != 0)
			continue;
		for (v = p = m->hdr[i].value, quoted = 0; ; p++) {
			if (*p == '"')
				quoted = !quoted;
			else if (*p == '\\' && quoted && p[1] != '\0')
				p++;
			else if ((*p == ',' && !quoted) || *p == '\0') {
				if (http_auth_element(v, (size_t)(p - v), scheme,
				    token, len))
					found = 1;
				if (*p == '\0')
					break;
				v = p + 1;
			}
		}
	}
	return found;
}

/* One element: "Scheme", "Scheme token68", "Scheme param=..." or a
   parameter of the challenge before it ("name=value"). */
static int
http_auth_element(const char *e, size_t n, const char *scheme,
    const char **token, size_t *len)
{
	size_t	 w, t, p;

	while (n > 0 && (*e == ' ' || *e == '\t')) {
		e++;
		n--;
	}
	while (n > 0 && (e[n - 1] == ' ' || e[n - 1] == '\t'))
		n--;
	for (w = 0; w < n && e[w] != ' ' && e[w] != '\t' && e[w] != '='; w++)
		;
	if (w == 0 || (w < n && e[w] == '=') || w != strlen(scheme) ||
	    strncasecmp(e, scheme, w) != 0)
		return 0;
	for (t = w; t < n && (e[t] == ' ' || e[t] == '\t'); t++)
		;
	/*
	 * What follows the scheme is its token68, unless it is a parameter
	 * ("name=value"; a token68 has "=" only as trailing padding). The
	 * token is handed over as sent: its decoder judges it.
	 */
	for (p = t; p < n && http_is_tchar((unsigned char)e[p]); p++)
		;
	if (p > t && p < n && e[p] == '=') {
		while (p < n && e[p] == '=')
			p++;
		if (p < n)
			return 1;
	}
	if (t < n && *token == NULL) {
		*token = e + t;
		*len = n - t;
	}
	return 1;
}
