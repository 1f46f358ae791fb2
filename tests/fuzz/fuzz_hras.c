/*
 * libFuzzer target for hras's whole SIP and SDP routing path: a real
 * struct hras from a config (domains corp.example and acme.example, a
 * client for each, upstream 127.0.0.30:5060, a DNS server on loopback
 * where none answers) with its event base and
 * hras_sip_init, fed as the outside world and the tunnel would feed it.
 * hras's SIP side (hras_sip.c, hras_registrar.c, hras_topo.c,
 * hras_route.c, hras_media.c), siptr, sip, sdp, call, vcit and media are
 * all real; only the tunnel sessions are not under test.
 *
 * Entries (first byte of a record, froute.c has the format):
 *  FR_PHONE	   a datagram (or TCP message) from an outside phone to
 *		   hras's SIP socket on 127.0.0.1:5060, sent over loopback
 *		   from 127.0.0.10:5060, .11:5060, .12:40000 or 127.0.0.1:5062
 *		   (opts & 3); plain SIP text is a datagram from the first.
 *  FR_TUNNEL_SIP  hras_sip_from_tunnel from "corp" or "acme" (opts & 1)
 *		   with the flow id of the record (any value, 0 and
 *		   0xffffffff included) or of a call seen (FR_O_LIVE).
 *  FR_TUNNEL_MEDIA hras_media_from_tunnel, RTP or RTCP (FR_O_TCP).
 *  FR_PHONE_MEDIA a datagram from a phone to a relay port.
 *  FR_ANSWER	   a phone (or the client, FR_O_TCP) answers the last
 *		   request hras sent it, or sends a request in the dialog
 *		   of the last message it got (froute_reply): what a peer
 *		   must echo (sealed branches, tokens, routes) it echoes.
 *  FR_CLOCK	   time passes for registrations.
 * opts 0x10 hides the upstream, 0x20 fills the tunnel queues and 0x80
 * takes the clients' tunnels down, for that record.
 *
 * The stand-ins for hras_session.c and common/clock.c (not linked) take
 * every client of the config as up and check each frame: a client of the
 * config, voice only for a flow of that client's call, a type the SIP code
 * sends, data that can be read, SIP the far half can parse (counted). State (bindings,
 * calls, the VCIT, TCP connections) carries over from input to input so
 * that a REGISTER from the tunnel can be followed by an INVITE; hras
 * starts afresh every FR_RESET_EVERY inputs or when calls pile up.
 *
 * hras sends to whatever address a message names: run it only in a
 * network namespace with nothing but loopback (tests/fuzz/netns.sh);
 * it refuses to start elsewhere.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock.h"
#include "config.h"
#include "frame.h"
#include "froute.h"
#include "hras.h"
#include "hras_config.h"
#include "media.h"
#include "vcit.h"

#define FH_NO_UPSTREAM	0x10
#define FH_FULL		0x20
#define FH_CALLS_MAX	256
#define FH_FLOWS_MAX	200

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fh_start(void);
static void	fh_stop(void);
static void	fh_record(struct froute *, const struct froute_rec *, void *);
static const char *fh_client(uint8_t);

static const char fh_conf_text[] =
    "domains = [ \"corp.example\", \"acme.example\" ];\n"
    "sip = { address = \"127.0.0.1\"; port = 5060; };\n"
    "media = { address = \"127.0.0.1\"; port_min = 20000;\n"
    "    port_max = 20511; timeout = 5; };\n"
    "tunnel = { address = \"127.0.0.1\"; port = 8080; };\n"
    "clients = (\n"
    "  { id = \"corp\"; secret = \"1ef361e0fbf31d237677166cf860333e"
    "075d40291bdc18edbb994d61f887ebcd\";\n"
    "    domains = [ \"corp.example\" ]; },\n"
    "  { id = \"acme\"; secret = \"2f91e0dbe5addfae00e8e8f2f9c09680"
    "19c82b103c2903adc3b25df5c9bd77cf\";\n"
    "    domains = [ \"acme.example\" ]; }\n"
    ");\n"
    "upstream = \"127.0.0.30:5060\";\n"
    "dns = { server = \"127.0.0.1:53\"; timeout = 1; };\n"
    "limits = { allow = [ \"127.0.0.0/8\" ]; };\n";

static struct hras	 fh_h;
static struct froute	 fh_fr;
static struct hras_config *fh_conf;
static char		*fh_upstream;
static int		 fh_down;	/* clients' tunnels down */
static int		 fh_full;	/* their queues refuse frames */

/* Stand-in: every client of the config is connected, unless told not. */
int
hras_client_up(struct hras *h, const char *client)
{
	return !fh_down && hras_config_client(h->conf, client) != NULL;
}

/* Stand-in: check a frame for a client's tunnel and drop it. */
int
hras_session_send(struct hras *h, const char *client, unsigned int type,
    uint32_t flow, const void *data, size_t len)
{
	struct vcit_call	*c;
	int			 rc;

	if (h != &fh_h || client == NULL ||
	    hras_config_client(h->conf, client) == NULL)
		abort();
	/* Voice goes only into the tunnel of the client whose call it is. */
	if ((type == FRAME_RTP || type == FRAME_RTCP) &&
	    ((c = vcit_find_flow(h->vcit, flow)) == NULL ||
	    strcmp(c->client, client) != 0))
		abort();
	rc = froute_frame(&fh_fr, client, type, flow, data, len);
	return fh_full ? -1 : rc;
}

/* Stand-in: no round trip measured. */
double
hras_session_rtt(void *h, const char *client)
{
	if (h != &fh_h || client == NULL)
		abort();
	return -1;
}

/* Stand-in: the clock the input moves. */
time_t
clock_now(void)
{
	return froute_now();
}

/* A fresh hras on the loaded config. */
static void
fh_start(void)
{
	struct event_base	*base = fh_fr.base;

	memset(&fh_h, 0, sizeof(fh_h));
	fh_h.base = base;
	fh_h.conf = fh_conf;
	TAILQ_INIT(&fh_h.links);
	TAILQ_INIT(&fh_h.unauth);
	TAILQ_INIT(&fh_h.sessions);
	if (hras_sip_init(&fh_h) == -1)
		froute_fatal("fuzz_hras: hras_sip_init failed");
}

/* Close everything hras holds, as at shutdown. */
static void
fh_stop(void)
{
	hras_sip_free(&fh_h);
	froute_reset(&fh_fr);
}

/* The client a record's opts name. */
static const char *
fh_client(uint8_t opts)
{
	return (opts & 1) ? "acme" : "corp";
}

/* Hand one record to hras. */
static void
fh_record(struct froute *fr, const struct froute_rec *r, void *arg)
{
	static char		 buf[SIP_MSG_MAX + 4096];
	const char		*client;
	uint32_t		 flow;
	size_t			 n;

	(void)arg;
	fh_down = (r->opts & FR_O_DOWN) != 0;
	fh_full = (r->opts & FH_FULL) != 0;
	fh_conf->upstream = (r->opts & FH_NO_UPSTREAM) ? NULL : fh_upstream;
	switch (r->entry) {
	case FR_PHONE:
		froute_send(fr, r->opts & FR_O_WHO, (r->opts & FR_O_TCP) != 0,
		    r->data, r->len);
		break;
	case FR_TUNNEL_SIP:
		hras_sip_from_tunnel(&fh_h, fh_client(r->opts), r->flow,
		    r->data, r->len);
		break;
	case FR_TUNNEL_MEDIA:
		hras_media_from_tunnel(&fh_h, fh_client(r->opts),
		    (r->opts & FR_O_TCP) ? FRAME_RTCP : FRAME_RTP, r->flow,
		    r->data, r->len);
		break;
	case FR_PHONE_MEDIA:
		froute_media(fr, r);
		break;
	case FR_ANSWER:
		if ((n = froute_reply(fr, r, buf, sizeof(buf), &flow,
		    &client)) == 0)
			break;
		if (r->opts & FR_O_TCP)
			hras_sip_from_tunnel(&fh_h, client[0] != '\0' ?
			    client : "corp", flow, (uint8_t *)buf, n);
		else
			froute_send(fr, r->opts & FR_O_WHO, 0, buf, n);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct event_base	*base;
	char			 err[CONFIG_ERRLEN], *path;

	(void)argc;
	(void)argv;
	if ((base = event_base_new()) == NULL)
		abort();
	froute_init(&fh_fr, "fuzz_hras", base);
	path = froute_conf("fuzz_hras", fh_conf_text);
	fh_conf = hras_config_load(path, err, sizeof(err));
	unlink(path);
	if (fh_conf == NULL)
		froute_fatal("fuzz_hras: %s", err);
	fh_upstream = fh_conf->upstream;
	fh_fr.self = fh_conf->sip.address;
	fh_fr.self_port = fh_conf->sip.port;
	fh_fr.media = fh_conf->media.address;
	fh_fr.media_port = fh_conf->media.port_min;
	fh_fr.media_pairs = (fh_conf->media.port_max -
	    fh_conf->media.port_min + 1U) / 2;
	froute_phone(&fh_fr, 0, "127.0.0.10", 5060);
	froute_phone(&fh_fr, 1, "127.0.0.11", 5060);
	froute_phone(&fh_fr, 2, "127.0.0.12", 40000);
	froute_phone(&fh_fr, 3, "127.0.0.1", 5062);
	/* Requests from the tunnel come from a phone behind hrac. */
	snprintf(fh_fr.tun.via, sizeof(fh_fr.tun.via), "127.0.0.20:5060");
	fh_start();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	froute_input(&fh_fr, data, size, fh_record, NULL);
	fh_down = fh_full = 0;
	fh_conf->upstream = fh_upstream;
	/* Bounded state: a fresh hras now and then, and when calls pile up. */
	if (fh_fr.inputs % FR_RESET_EVERY == 0 ||
	    vcit_count(fh_h.vcit) > FH_CALLS_MAX ||
	    media_flows(fh_h.media) > FH_FLOWS_MAX) {
		fh_stop();
		fh_start();
	}
	return 0;
}
