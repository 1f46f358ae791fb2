/*
 * The SDP rewriter (paper, section 3.3) on libosip2's sdp_message API: a
 * half reads where a terminal wants each stream's media (sdp_inspect) and
 * rewrites the SDP it forwards so that the far terminal sends that media
 * to this relay (sdp_rewrite). Addresses of the inside network never leave
 * in o=, c= or a=rtcp, and ICE is taken out because the relays are the path.
 *
 * The text is checked before libosip2 sees it: size, NUL bytes, every line
 * "<letter>=...", nothing after an empty line, a terminated last line, and
 * zero padding past the end (libosip2 5.3's m= parser reads one byte past
 * the terminating NUL when the body ends with an m= line without formats).
 * Its parser would otherwise skip junk before a "x=" anywhere in a line and
 * stop silently at an empty line, dropping what follows.
 *
 * sdp_message_to_str reproduces a body byte for byte when it has CRLF line
 * ends, the RFC 4566 order of lines and no trailing blanks on m= lines. It
 * normalises: every line end to CRLF (bare LF or CR in), "s=" placed after
 * "o=" (some phones send it first), trailing spaces after an m= line's last
 * format dropped, and an empty line or trailing line ends at the end of the
 * body dropped. It also writes an m= port with a leading zero ("05004") as
 * "0", which would disable the stream: the rewriter therefore writes every
 * m= port itself, in plain decimal. Everything else (field contents,
 * attribute order and values, b=, k=, i=, r=, z=...) comes out as it went
 * in.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_port.h>
#include <osipparser2/sdp_message.h>

#include "sdp.h"

/* Zero bytes after the copy handed to libosip2 (see above). */
#define SDP_PAD		8

/* How one address of the SDP reads. */
struct sdp_addr {
	int		 family;	/* AF_INET or AF_INET6 */
	int		 hold;		/* all zeroes: don't send */
};

/* An a=rtcp value (RFC 3605): port, and the address part if there is one. */
struct sdp_rtcp {
	uint16_t	 port;
	const char	*tail;		/* "IN IP4 addr", or NULL */
	int		 hold;
};

/* What a rewrite writes. */
struct sdp_relay {
	const char	*addr;
	const char	*addrtype;	/* "IP4" or "IP6" */
	const uint16_t	*ports;
	int		 nports;
};

static int	sdp_precheck(const char *, size_t, const char **);
static int	sdp_load(const char *, size_t, sdp_message_t **, const char **);
static int	sdp_examine(const sdp_message_t *, struct sdp_info *,
		    const char **);
static int	sdp_examine_media(const sdp_media_t *, const sdp_connection_t *,
		    enum sdp_direction, struct sdp_stream *, const char **);
static int	sdp_port(const char *, uint16_t *);
static int	sdp_address(const char *, const char *, struct sdp_addr *);
static int	sdp_conn(const sdp_connection_t *, struct sdp_addr *,
		    const char **);
static int	sdp_rtcp(const char *, struct sdp_rtcp *);
static void	sdp_direction(const osip_list_t *, enum sdp_direction *);
static int	sdp_copy(char *, size_t, const char *);
static int	sdp_set(char **, const char *);
static int	sdp_set_conn(sdp_connection_t *, const struct sdp_relay *);
static int	sdp_set_media(sdp_media_t *, int, const struct sdp_relay *);
static void	sdp_strip(osip_list_t *, int);
static int	sdp_apply(sdp_message_t *, const struct sdp_relay *);

/* Attributes of ICE (RFC 8445, 8839) a rewritten body must not carry. */
static const char *const sdp_ice[] = {
	"candidate", "remote-candidates", "ice-ufrag", "ice-pwd",
	"ice-options", "ice-lite", "ice-mismatch", "end-of-candidates"
};

static const char *const sdp_directions[] = {
	"sendrecv", "sendonly", "recvonly", "inactive"
};

/*
 * Check the raw text: size, NUL bytes, each line "<lowercase letter>=",
 * and only line ends after an empty line. Line ends are CRLF, LF or CR, as
 * libosip2 reads them.
 */
static int
sdp_precheck(const char *body, size_t len, const char **why)
{
	size_t	 i = 0;

	if (len > SDP_BODY_MAX) {
		*why = "SDP body too large";
		return -1;
	}
	if (len == 0) {
		*why = "empty SDP body";
		return -1;
	}
	if (memchr(body, '\0', len) != NULL) {
		*why = "NUL byte in SDP body";
		return -1;
	}
	while (i < len) {
		if (body[i] == '\r' || body[i] == '\n') {
			/* An empty line: libosip2 stops reading here. */
			for (; i < len; i++)
				if (body[i] != '\r' && body[i] != '\n') {
					*why = "SDP text after an empty line";
					return -1;
				}
			break;
		}
		if (len - i < 2 || body[i] < 'a' || body[i] > 'z' ||
		    body[i + 1] != '=') {
			*why = "malformed SDP line";
			return -1;
		}
		while (i < len && body[i] != '\r' && body[i] != '\n')
			i++;
		if (i < len - 1 && body[i] == '\r' && body[i + 1] == '\n')
			i++;
		i++;
	}
	return 0;
}

/* Check and parse a body into a new libosip2 message. */
static int
sdp_load(const char *body, size_t len, sdp_message_t **sdpp,
    const char **why)
{
	sdp_message_t	*sdp;
	char		*buf;
	int		 rc;

	*sdpp = NULL;
	if (sdp_precheck(body, len, why) == -1)
		return -1;
	/* Room for a missing last line end and the zero padding. */
	if ((buf = calloc(1, len + 2 + SDP_PAD)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	memcpy(buf, body, len);
	if (body[len - 1] != '\r' && body[len - 1] != '\n')
		memcpy(buf + len, "\r\n", 2);
	if (sdp_message_init(&sdp) != 0) {
		free(buf);
		*why = "out of memory";
		return -1;
	}
	rc = sdp_message_parse(sdp, buf);
	free(buf);
	if (rc != 0) {
		sdp_message_free(sdp);
		*why = "unparsable SDP";
		return -1;
	}
	*sdpp = sdp;
	return 0;
}

/* A port: 1 to 5 digits, at most 65535. */
static int
sdp_port(const char *s, uint16_t *port)
{
	size_t		 n = strspn(s, "0123456789");
	unsigned long	 v;

	if (n == 0 || n > 5 || s[n] != '\0')
		return -1;
	v = strtoul(s, NULL, 10);
	if (v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* A numeric unicast address of type "IP4" or "IP6"; note whether it holds. */
static int
sdp_address(const char *addrtype, const char *addr, struct sdp_addr *a)
{
	unsigned char	 bin[sizeof(struct in6_addr)];
	size_t		 i, n;

	if (strcmp(addrtype, "IP4") == 0) {
		a->family = AF_INET;
		n = sizeof(struct in_addr);
	} else if (strcmp(addrtype, "IP6") == 0) {
		a->family = AF_INET6;
		n = sizeof(struct in6_addr);
	} else
		return -1;
	if (inet_pton(a->family, addr, bin) != 1)
		return -1;
	/* Multicast has no single terminal to relay to. */
	if ((a->family == AF_INET && (bin[0] & 0xf0) == 0xe0) ||
	    (a->family == AF_INET6 && bin[0] == 0xff))
		return -1;
	a->hold = 1;
	for (i = 0; i < n; i++)
		if (bin[i] != 0)
			a->hold = 0;
	return 0;
}

/* A c= line we can relay: "IN", IP4 or IP6, one numeric unicast address. */
static int
sdp_conn(const sdp_connection_t *c, struct sdp_addr *a, const char **why)
{
	if (c->c_nettype == NULL || c->c_addrtype == NULL ||
	    c->c_addr == NULL || strcmp(c->c_nettype, "IN") != 0 ||
	    c->c_addr_multicast_ttl != NULL || c->c_addr_multicast_int != NULL ||
	    sdp_address(c->c_addrtype, c->c_addr, a) == -1) {
		*why = "bad connection address";
		return -1;
	}
	return 0;
}

/* Parse "PORT" or "PORT IN IP4|IP6 ADDR" of an a=rtcp attribute. */
static int
sdp_rtcp(const char *value, struct sdp_rtcp *r)
{
	char		 buf[128], *sp, *type, *addr;
	struct sdp_addr	 a;

	if (value == NULL || sdp_copy(buf, sizeof(buf), value) == -1)
		return -1;
	r->tail = NULL;
	r->hold = 0;
	if ((sp = strchr(buf, ' ')) != NULL) {
		*sp = '\0';
		r->tail = value + (sp + 1 - buf);
		type = sp + 1;
		if (strncmp(type, "IN ", 3) != 0)
			return -1;
		type += 3;
		if ((addr = strchr(type, ' ')) == NULL)
			return -1;
		*addr++ = '\0';
		if (strchr(addr, ' ') != NULL ||
		    sdp_address(type, addr, &a) == -1)
			return -1;
		r->hold = a.hold;
	}
	return sdp_port(buf, &r->port);
}

/* The first direction attribute of a list, if it has one, into *dir. */
static void
sdp_direction(const osip_list_t *attrs, enum sdp_direction *dir)
{
	const sdp_attribute_t	*at;
	int			 i, d;

	for (i = 0; i < osip_list_size(attrs); i++) {
		at = osip_list_get(attrs, i);
		if (at->a_att_value != NULL)
			continue;
		for (d = SDP_SENDRECV; d <= SDP_INACTIVE; d++)
			if (strcmp(at->a_att_field, sdp_directions[d]) == 0) {
				*dir = (enum sdp_direction)d;
				return;
			}
	}
}

/* Copy a string that must fit, NUL included. */
static int
sdp_copy(char *dst, size_t size, const char *src)
{
	size_t	 n = strlen(src);

	if (n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

/* Read one m= section with the session's c= and direction as defaults. */
static int
sdp_examine_media(const sdp_media_t *m, const sdp_connection_t *session,
    enum sdp_direction dir, struct sdp_stream *st, const char **why)
{
	const sdp_connection_t	*c = session;
	const sdp_attribute_t	*at;
	struct sdp_addr		 a;
	struct sdp_rtcp		 r;
	int			 i, rtcp = 0;

	memset(st, 0, sizeof(*st));
	if (sdp_copy(st->media, sizeof(st->media), m->m_media) == -1 ||
	    sdp_copy(st->proto, sizeof(st->proto), m->m_proto) == -1) {
		*why = "media or transport name too long";
		return -1;
	}
	if (m->m_number_of_port != NULL) {
		*why = "port ranges are not supported";
		return -1;
	}
	if (sdp_port(m->m_port, &st->port) == -1) {
		*why = "bad media port";
		return -1;
	}
	if (osip_list_size(&m->c_connections) > 1) {
		*why = "several connection addresses in a stream";
		return -1;
	}
	if (osip_list_size(&m->c_connections) == 1)
		c = osip_list_get(&m->c_connections, 0);
	if (c == NULL) {
		*why = "stream without connection address";
		return -1;
	}
	/* A numeric address is at most 45 characters: it fits. */
	if (sdp_conn(c, &a, why) == -1 ||
	    sdp_copy(st->addr, sizeof(st->addr), c->c_addr) == -1)
		return -1;
	st->family = a.family;
	st->hold = a.hold;

	for (i = 0; i < osip_list_size(&m->a_attributes); i++) {
		at = osip_list_get(&m->a_attributes, i);
		if (strcmp(at->a_att_field, "rtcp") != 0)
			continue;
		if (sdp_rtcp(at->a_att_value, &r) == -1) {
			*why = "bad rtcp attribute";
			return -1;
		}
		if (!rtcp++)
			st->rtcp_port = r.port;
	}
	/* No RTCP port past 65535: a stream there gets none. */
	if (!rtcp && st->port != 0 && st->port != 65535)
		st->rtcp_port = st->port + 1;
	st->direction = dir;
	sdp_direction(&m->a_attributes, &st->direction);
	return 0;
}

/* Check a parsed message and say what each of its streams wants. */
static int
sdp_examine(const sdp_message_t *sdp, struct sdp_info *info,
    const char **why)
{
	enum sdp_direction	 dir = SDP_SENDRECV;
	struct sdp_addr		 a;
	int			 i, n;

	memset(info, 0, sizeof(*info));
	if (sdp->v_version == NULL || strcmp(sdp->v_version, "0") != 0) {
		*why = "unsupported SDP version";
		return -1;
	}
	if ((n = osip_list_size(&sdp->m_medias)) > SDP_STREAMS_MAX) {
		*why = "too many media streams";
		return -1;
	}
	if (sdp->c_connection != NULL &&
	    sdp_conn(sdp->c_connection, &a, why) == -1)
		return -1;
	sdp_direction(&sdp->a_attributes, &dir);
	for (i = 0; i < n; i++)
		if (sdp_examine_media(osip_list_get(&sdp->m_medias, i),
		    sdp->c_connection, dir, &info->stream[i], why) == -1)
			return -1;
	info->nstreams = n;
	return 0;
}

/* What the sender of this SDP wants: where each stream's media goes. */
int
sdp_inspect(const char *body, size_t len, struct sdp_info *info,
    const char **why)
{
	sdp_message_t	*sdp;
	int		 rc;

	if (sdp_load(body, len, &sdp, why) == -1)
		return -1;
	rc = sdp_examine(sdp, info, why);
	sdp_message_free(sdp);
	return rc;
}

/* Replace a string libosip2 owns with a copy of value. */
static int
sdp_set(char **field, const char *value)
{
	char	*s;

	if ((s = osip_strdup(value)) == NULL)
		return -1;
	osip_free(*field);
	*field = s;
	return 0;
}

/* Point a c= line at the relay, unless it holds the stream. */
static int
sdp_set_conn(sdp_connection_t *c, const struct sdp_relay *relay)
{
	struct sdp_addr	 a;

	/* Checked by sdp_examine already. */
	if (sdp_address(c->c_addrtype, c->c_addr, &a) == -1)
		return -1;
	if (a.hold)
		return 0;
	if (sdp_set(&c->c_addrtype, relay->addrtype) == -1 ||
	    sdp_set(&c->c_addr, relay->addr) == -1)
		return -1;
	return 0;
}

/*
 * Rewrite stream i: the relay's port in m= and a=rtcp (unless the stream
 * is disabled or beyond the relay's ports), the relay's address in c= and
 * a=rtcp, and no ICE.
 */
static int
sdp_set_media(sdp_media_t *m, int i, const struct sdp_relay *relay)
{
	sdp_attribute_t	*at;
	struct sdp_rtcp	 r;
	uint16_t	 port;
	char		 buf[128];
	int		 j, ours;

	if (sdp_port(m->m_port, &port) == -1)
		return -1;
	ours = port != 0 && i < relay->nports;
	/* Always in plain decimal: libosip2 writes "05004" as "0". */
	(void)snprintf(buf, sizeof(buf), "%u",
	    (unsigned int)(ours ? relay->ports[i] : port));
	if (sdp_set(&m->m_port, buf) == -1)
		return -1;
	for (j = 0; j < osip_list_size(&m->c_connections); j++)
		if (sdp_set_conn(osip_list_get(&m->c_connections, j),
		    relay) == -1)
			return -1;
	for (j = 0; j < osip_list_size(&m->a_attributes); j++) {
		at = osip_list_get(&m->a_attributes, j);
		if (strcmp(at->a_att_field, "rtcp") != 0)
			continue;
		if (sdp_rtcp(at->a_att_value, &r) == -1)
			return -1;
		if (ours)
			r.port = relay->ports[i] + 1;
		if (r.tail == NULL)
			(void)snprintf(buf, sizeof(buf), "%u",
			    (unsigned int)r.port);
		else if (r.hold)
			(void)snprintf(buf, sizeof(buf), "%u %s",
			    (unsigned int)r.port, r.tail);
		else
			(void)snprintf(buf, sizeof(buf), "%u IN %s %s",
			    (unsigned int)r.port, relay->addrtype,
			    relay->addr);
		if (sdp_set(&at->a_att_value, buf) == -1)
			return -1;
	}
	sdp_strip(&m->a_attributes, 0);
	return 0;
}

/*
 * Take ICE attributes out of a list; at session level also a=rtcp, which
 * means nothing there (RFC 3605) and could carry an inside address.
 */
static void
sdp_strip(osip_list_t *attrs, int session)
{
	sdp_attribute_t	*at;
	size_t		 k;
	int		 i, drop;

	for (i = 0; i < osip_list_size(attrs);) {
		at = osip_list_get(attrs, i);
		drop = session && strcmp(at->a_att_field, "rtcp") == 0;
		for (k = 0; k < sizeof(sdp_ice) / sizeof(sdp_ice[0]); k++)
			if (strcmp(at->a_att_field, sdp_ice[k]) == 0)
				drop = 1;
		if (drop) {
			osip_list_remove(attrs, i);
			sdp_attribute_free(at);
		} else
			i++;
	}
}

/* Point o=, every c=, m= and a=rtcp at the relay; take ICE out. */
static int
sdp_apply(sdp_message_t *sdp, const struct sdp_relay *relay)
{
	int	 i;

	if (sdp_set(&sdp->o_nettype, "IN") == -1 ||
	    sdp_set(&sdp->o_addrtype, relay->addrtype) == -1 ||
	    sdp_set(&sdp->o_addr, relay->addr) == -1)
		return -1;
	if (sdp->c_connection != NULL &&
	    sdp_set_conn(sdp->c_connection, relay) == -1)
		return -1;
	sdp_strip(&sdp->a_attributes, 1);
	for (i = 0; i < osip_list_size(&sdp->m_medias); i++)
		if (sdp_set_media(osip_list_get(&sdp->m_medias, i), i,
		    relay) == -1)
			return -1;
	return 0;
}

/*
 * Rewrite an SDP body so that every stream's media is sent to addr: see
 * sdp.h. The result is never longer than SDP_BODY_MAX.
 */
int
sdp_rewrite(const char *body, size_t len, const char *addr,
    const uint16_t *ports, int nports, char **out, size_t *outlen,
    const char **why)
{
	struct sdp_relay	 relay = { addr, NULL, ports, nports };
	struct sdp_info		 info;
	struct sdp_addr		 a;
	sdp_message_t		*sdp;
	char			*str = NULL;
	int			 i, rc = -1;

	*out = NULL;
	*outlen = 0;
	if (addr == NULL || (sdp_address("IP4", addr, &a) == -1 &&
	    sdp_address("IP6", addr, &a) == -1) || a.hold) {
		*why = "bad relay address";
		return -1;
	}
	relay.addrtype = a.family == AF_INET ? "IP4" : "IP6";
	if (nports < 0 || (nports > 0 && ports == NULL)) {
		*why = "bad relay ports";
		return -1;
	}
	if (sdp_load(body, len, &sdp, why) == -1)
		return -1;
	if (sdp_examine(sdp, &info, why) == -1)
		goto done;
	for (i = 0; i < info.nstreams && i < nports; i++)
		if (info.stream[i].port != 0 &&
		    (ports[i] == 0 || ports[i] == 65535)) {
			*why = "bad relay ports";
			goto done;
		}

	if (sdp_apply(sdp, &relay) == -1) {
		*why = "out of memory";
		goto done;
	}
	if (sdp_message_to_str(sdp, &str) != 0 || str == NULL) {
		*why = "cannot serialise SDP";
		goto done;
	}
	*outlen = strlen(str);
	if (*outlen > SDP_BODY_MAX) {
		*why = "rewritten SDP body too large";
		*outlen = 0;
		goto done;
	}
	/* Ours to free with free(), whatever allocator libosip2 was given. */
	if ((*out = malloc(*outlen + 1)) == NULL) {
		*why = "out of memory";
		*outlen = 0;
		goto done;
	}
	memcpy(*out, str, *outlen + 1);
	rc = 0;
 done:
	osip_free(str);
	sdp_message_free(sdp);
	return rc;
}
