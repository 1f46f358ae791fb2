/*
 * libFuzzer target for the SIP proxy core. The input is one message as it
 * arrives from a phone, a peer or the tunnel. sip_parse must refuse it
 * with 400 or 513 and a reason, or hand back a message that carries what
 * a proxy needs; a parsed message then goes through what a half does to
 * one (received and rport, Max-Forwards, Route, branch and loop check,
 * Record-Route, Via, the SDP body rewritten to a relay), is serialized and
 * answered. Nothing may crash, leak or trip UBSan.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_port.h>

#include "log.h"
#include "sdp.h"
#include "sip.h"

#define FS_RELAY	"198.51.100.10"
#define FS_RR_OURS	"sip:198.51.100.10:5060;lr;vofw"
#define FS_RR_OTHER	"sip:10.77.0.2:5060;lr;vofw"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fs_ours(const osip_uri_t *, void *);
static void	fs_request(osip_message_t *);
static void	fs_response(osip_message_t *);
static void	fs_body(osip_message_t *);
static void	fs_out(osip_message_t *);

static const uint8_t	fs_key[32] = "fuzz_sip branch key, 32 bytes..";
static const struct sip_addr fs_src = { "203.0.113.7", 40000, 0 };
static const struct sip_addr fs_self = { FS_RELAY, 5060, 0 };

/* Route callback: hras's address. */
static int
fs_ours(const osip_uri_t *u, void *arg)
{
	(void)arg;
	return u->host != NULL && strcmp(u->host, FS_RELAY) == 0;
}

/* Serialize a message and answer it, as a half forwarding it would. */
static void
fs_out(osip_message_t *m)
{
	char	*buf;
	size_t	 len;

	/* The head never holds a NUL (a body may): its end is found. */
	if (sip_serialize(m, &buf, &len) == 0) {
		if (strlen(buf) > len || strstr(buf, "\r\n\r\n") == NULL)
			abort();
		osip_free(buf);
	}
}

/* The SDP body rewritten to the relay, as call_to_own_side does. */
static void
fs_body(osip_message_t *m)
{
	struct sdp_info	 info, again;
	const char	*body, *why;
	char		*out;
	size_t		 len, outlen;
	uint16_t	 ports[SDP_STREAMS_MAX];
	int		 i;

	if (sip_body(m, &body, &len) == -1)
		return;
	if (sdp_inspect(body, len, &info, &why) == -1) {
		if (why == NULL)
			abort();
		return;
	}
	if (info.nstreams < 0 || info.nstreams > SDP_STREAMS_MAX)
		abort();
	for (i = 0; i < info.nstreams; i++)
		ports[i] = info.stream[i].port == 0 ? 0 :
		    (uint16_t)(20000 + 2 * i);
	if (sdp_rewrite(body, len, FS_RELAY, ports, info.nstreams, &out,
	    &outlen, &why) == -1)
		return;
	if (sip_set_body(m, out, outlen) == -1) {
		free(out);
		return;
	}
	free(out);
	/* The body is the rewritten one, and still SDP for the next half. */
	if (sip_body(m, &body, &len) == -1 || len != outlen ||
	    sdp_inspect(body, len, &again, &why) == -1 ||
	    again.nstreams != info.nstreams)
		abort();
}

/* What a half does to a request it forwards, and its own answers. */
static void
fs_request(osip_message_t *m)
{
	osip_message_t	*r;
	struct sip_addr	 to;
	char		 branch[SIP_BRANCH_LEN], alias[128];
	int		 mf;

	if (sip_via_received(m, &fs_src) == -1)
		abort();
	if (sip_via_target(m, &to) == 0 && strcmp(to.host, fs_src.host) != 0)
		abort();	/* received names where it came from */
	mf = sip_max_forwards(m);
	if (mf < -2 || mf > 254)
		abort();
	if ((r = sip_reply(m, mf < 0 ? 483 : 100, NULL)) == NULL)
		abort();
	fs_out(r);
	osip_message_free(r);
	sip_route_pop(m, fs_ours, NULL);
	if (sip_uri_alias(m->req_uri, alias, sizeof(alias)) == 1 &&
	    sip_alias_parse(alias, &to) == 0 && to.port == 0)
		abort();
	(void)sip_uri_target(m->req_uri, &to);
	if (sip_alias_format(&fs_src, alias, sizeof(alias)) == -1 ||
	    sip_contact_alias(m, &fs_src, alias) == -1)
		abort();
	if (sip_branch(m, fs_key, sizeof(fs_key), branch) == -1)
		abort();
	if (strncmp(branch, "z9hG4bK-vofw-", 13) != 0)
		abort();
	(void)sip_loop_check(m, branch);
	if (sip_rr_swap(m, FS_RR_OURS, SIP_RR_FIRST) == -1 ||
	    sip_rr_push(m, FS_RR_OTHER) == -1 ||
	    sip_via_push(m, &fs_self, branch) == -1)
		return;
	fs_body(m);
	fs_out(m);
	if ((r = sip_reply(m, 486, "Busy Here")) == NULL)
		abort();
	fs_out(r);
	osip_message_free(r);
}

/* What a half does to a response it passes on. */
static void
fs_response(osip_message_t *m)
{
	struct sip_addr	 to;

	(void)sip_via_target(m, &to);
	if (sip_rr_swap(m, FS_RR_OURS, SIP_RR_FIRST) == -1)
		return;
	fs_body(m);
	if (osip_list_size(&m->vias) > 1 && sip_via_pop(m) == -1)
		abort();
	fs_out(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 ready;
	osip_message_t	*m, *r;
	const char	*why = NULL;
	char		 cid[256];
	int		 status = 0;

	if (!ready) {
		log_init("fuzz_sip", 0, LOG_LEVEL_ERR);
		sip_init();
		ready = 1;
	}
	if (sip_parse((const char *)data, size, &m, &status, &why) == -1) {
		/* A message refused after parsing comes back for the answer. */
		if (m != NULL) {
			r = sip_reply(m, status, NULL);
			if (r != NULL)
				osip_message_free(r);
			osip_message_free(m);
		}
		if (why == NULL || (status != 400 && status != 415 &&
		    status != 416 && status != 420 && status != 505 &&
		    status != 513) ||
		    (status == 513) != (size > SIP_MSG_MAX))
			abort();
		return 0;
	}
	if (m == NULL || osip_list_size(&m->vias) < 1 ||
	    osip_list_size(&m->vias) > SIP_VIAS_MAX || m->cseq == NULL ||
	    m->from == NULL || m->to == NULL || m->call_id == NULL)
		abort();
	(void)sip_call_id(m, cid, sizeof(cid));
	if (MSG_IS_REQUEST(m))
		fs_request(m);
	else
		fs_response(m);
	osip_message_free(m);
	return 0;
}
