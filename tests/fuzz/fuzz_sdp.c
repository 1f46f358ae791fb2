/*
 * libFuzzer target for the SDP rewriter. The input is an SDP body as a
 * terminal would send it. sdp_inspect and sdp_rewrite must agree on
 * whether it is acceptable and why not; a rewritten body must be bounded,
 * free of ICE, read back as the streams the rewrite promised, and be a
 * fixed point of the same rewrite.
 *
 * The relay's address family and the number of relay ports (0 to
 * SDP_STREAMS_MAX + 1) come from the input's length, so that seeds stay
 * plain SDP bodies.
 */
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const fs_relay[] = { "198.51.100.10", "2001:db8::10" };

static const char *const fs_ice[] = {
	"candidate", "remote-candidates", "ice-ufrag", "ice-pwd",
	"ice-options", "ice-lite", "ice-mismatch", "end-of-candidates"
};

static void	fs_no_ice(const char *);
static void	fs_check(const struct sdp_info *, const struct sdp_info *,
		    const char *, int, const uint16_t *, int);

/* No line of a rewritten body is an ICE attribute. */
static void
fs_no_ice(const char *body)
{
	const char	*p = body;
	size_t		 k, n;

	while (*p != '\0') {
		if (strncmp(p, "a=", 2) == 0)
			for (k = 0; k < sizeof(fs_ice) / sizeof(fs_ice[0]);
			    k++) {
				n = strlen(fs_ice[k]);
				if (strncmp(p + 2, fs_ice[k], n) == 0 &&
				    (p[2 + n] == ':' || p[2 + n] == '\r'))
					abort();
			}
		if ((p = strchr(p, '\n')) == NULL)
			abort();	/* every line ends with CRLF */
		p++;
	}
}

/* The rewritten streams are the original ones, moved to the relay. */
static void
fs_check(const struct sdp_info *in, const struct sdp_info *out,
    const char *relay, int family, const uint16_t *ports, int nports)
{
	const struct sdp_stream	*a, *b;
	int			 i, ours;

	if (out->nstreams != in->nstreams)
		abort();
	for (i = 0; i < in->nstreams; i++) {
		a = &in->stream[i];
		b = &out->stream[i];
		ours = a->port != 0 && i < nports;
		if (strcmp(a->media, b->media) != 0 ||
		    strcmp(a->proto, b->proto) != 0 ||
		    a->direction != b->direction || a->hold != b->hold)
			abort();
		if (b->port != (ours ? ports[i] : a->port))
			abort();
		if (b->rtcp_port != (ours ? ports[i] + 1 : a->rtcp_port))
			abort();
		if (a->hold) {
			if (strcmp(a->addr, b->addr) != 0 ||
			    a->family != b->family)
				abort();
		} else if (strcmp(b->addr, relay) != 0 || b->family != family)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t	 ports[SDP_STREAMS_MAX + 1] = {
		20000, 20002, 20004, 20006, 20008, 20010, 20012, 20014, 20016
	};
	struct sdp_info		 in, out;
	const char		*body = (const char *)data;
	const char		*why1 = NULL, *why2 = NULL, *why3 = NULL;
	const char		*relay = fs_relay[size & 1];
	char			*res = NULL, *again = NULL;
	size_t			 reslen = 0, againlen = 0;
	int			 nports = (int)(size % (SDP_STREAMS_MAX + 2));
	int			 family = (size & 1) ? AF_INET6 : AF_INET;
	int			 rc1, rc2;

	rc1 = sdp_inspect(body, size, &in, &why1);
	rc2 = sdp_rewrite(body, size, relay, ports, nports, &res, &reslen,
	    &why2);
	if ((rc1 != 0 && rc1 != -1) || (rc2 != 0 && rc2 != -1))
		abort();
	if (rc1 == -1) {
		/* Refused by both, for the same reason. */
		if (why1 == NULL || rc2 != -1 || why2 == NULL ||
		    strcmp(why1, why2) != 0 || res != NULL || reslen != 0)
			abort();
		return 0;
	}
	if (in.nstreams < 0 || in.nstreams > SDP_STREAMS_MAX)
		abort();
	if (rc2 == -1) {
		if (why2 == NULL || res != NULL ||
		    strcmp(why2, "rewritten SDP body too large") != 0)
			abort();
		return 0;
	}
	if (res == NULL || strlen(res) != reslen || reslen > SDP_BODY_MAX)
		abort();
	fs_no_ice(res);

	/* The result reads back as promised, and rewrites to itself. */
	if (sdp_inspect(res, reslen, &out, &why3) != 0)
		abort();
	fs_check(&in, &out, relay, family, ports, nports);
	if (sdp_rewrite(res, reslen, relay, ports, nports, &again, &againlen,
	    &why3) != 0 || againlen != reslen || strcmp(again, res) != 0)
		abort();
	free(again);
	free(res);
	return 0;
}
