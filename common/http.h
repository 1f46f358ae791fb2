/*
 * The tunnel's HTTP side: a strict HTTP/1.1 message-head parser and a
 * chunked-body decoder (RFC 9112) over evbuffers, used by hras to read
 * requests whose bodies are still arriving and by hrac to read responses
 * that never end, and the chunk writer both use for bodies that never
 * end. Everything a peer sends is bounded.
 */
#ifndef VOFW_HTTP_H
#define VOFW_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

#define HTTP_HEAD_MAX		8192	/* request line/status + headers */
#define HTTP_HEADERS_MAX	48
#define HTTP_BODY_MAX		(16 * 1024 * 1024) /* Content-Length cap */
#define HTTP_CHUNK_LINE_MAX	256
#define HTTP_TRAILER_MAX	4096

/* On every answer of hras to the tunnel's requests (docs/protocol.md): an
 * answer without it came from something on the path, not from hras. */
#define HTTP_MARK_NAME		"X-VoFW"
#define HTTP_MARK_VALUE		"hras"

struct http_header {
	char		*name;
	char		*value;
};

/* One parsed message head; strings point into buf. */
struct http_msg {
	char		 buf[HTTP_HEAD_MAX + 1];
	char		*method;	/* requests */
	char		*target;	/* requests: origin-form path?query */
	int		 status;	/* responses */
	char		*reason;	/* responses */
	int		 minor;		/* HTTP/1.minor */
	struct http_header hdr[HTTP_HEADERS_MAX];
	int		 nhdr;
	int64_t		 content_length; /* -1 when absent */
	int		 chunked;
	int		 keep_alive;
};

/* Incremental chunked decoder state. */
struct http_chunked {
	int		 state;
	uint64_t	 left;
	size_t		 trailer;
};

int	 http_parse_request(struct evbuffer *, struct http_msg *, int *status);
int	 http_parse_response(struct evbuffer *, struct http_msg *);
const char *http_header(const struct http_msg *, const char *name);
void	 http_chunked_init(struct http_chunked *);
int	 http_chunked_decode(struct http_chunked *, struct evbuffer *in,
	    struct evbuffer *out, size_t max);
int	 http_query_param(const char *target, const char *name, char *out,
	    size_t outlen);
const char *http_path(const char *target, char *out, size_t outlen);
const char *http_reason(int status);
int	 http_chunk_wrap(struct evbuffer *data);
int	 http_chunk_last(struct evbuffer *out);
int	 http_auth_offer(const struct http_msg *, const char *header,
	    const char *scheme, const char **token, size_t *len);

#endif
