/*
 * libFuzzer target for hrac's whole SIP and SDP routing path: a real
 * daemon context (struct hrac) with its config (client corp, SIP and media on
 * 127.0.0.2, an inside proxy at 127.0.0.5:5060) and event base, and
 * hrac_sip_new on it, fed as the inside phones and the tunnel would feed
 * it. hrac_sip.c, hrac_media.c, hrac_local.c, siptr, sip, sdp, call, vcit
 * and media are all real; only the tunnel is not under test.
 *
 * Entries (first byte of a record, froute.c has the format):
 *  FR_PHONE	   a datagram (or TCP message) from an inside phone to
 *		   hrac's SIP socket on 127.0.0.2:5060, sent over loopback
 *		   from 127.0.0.20:5060, .21:5060, the inside proxy
 *		   127.0.0.5:5060 or 127.0.0.2:5062 (opts & 3); plain SIP
 *		   text is a datagram from the first.
 *  FR_TUNNEL_SIP  hrac_sip_from_tunnel with the flow id of the record (any
 *		   value, 0 and 0xffffffff included) or of a call seen
 *		   (FR_O_LIVE).
 *  FR_TUNNEL_MEDIA hrac_media_from_tunnel, RTP or RTCP (FR_O_TCP).
 *  FR_PHONE_MEDIA a datagram from a phone to a relay port.
 *  FR_ANSWER	   a phone (or hras, FR_O_TCP) answers the last request
 *		   hrac sent it, or sends a request in the dialog of the
 *		   last message it got (froute_reply).
 *  FR_CLOCK	   time passes for bindings and learnt contacts.
 * opts 0x30 picks inside_calls for that record (local, hras, off, or local
 * without the inside proxy), as a reload would; 0x40 fills the tunnel
 * queue and 0x80 takes the tunnel down.
 *
 * The stand-ins for hrac_session.c and common/clock.c (not linked) take
 * the session as up and check each frame: hrac's session, a type the SIP
 * code sends, data that can be read, SIP hras can parse (counted). State
 * (learnt contacts, inside bindings, calls, TCP connections) carries over
 * from input to input; hrac starts afresh every FR_RESET_EVERY inputs.
 *
 * hrac sends to whatever address a message names: run it only in a
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
#include "hrac.h"
#include "hrac_config.h"

#define FA_CALLS	0x30
#define FA_FULL		0x40

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fa_start(void);
static void	fa_stop(void);
static void	fa_record(struct froute *, const struct froute_rec *, void *);

static const char fa_conf_text[] =
    "id = \"corp\";\n"
    "secret = \"1ef361e0fbf31d237677166cf860333e"
    "075d40291bdc18edbb994d61f887ebcd\";\n"
    "server = \"http://127.0.0.1:8080/\";\n"
    "sip = { address = \"127.0.0.2\"; port = 5060; };\n"
    "media = { address = \"127.0.0.2\"; port_min = 20000;\n"
    "    port_max = 20511; timeout = 5; };\n"
    "inside_calls = \"local\";\n"
    "domains = [ \"corp.example\" ];\n"
    "inside_proxy = \"127.0.0.5:5060\";\n"
    "inside_proxy_users = \"^[0-9]{3,4}$\";\n";

static struct hrac	 fa_h;
static struct froute	 fa_fr;
static char		*fa_proxy;
static int		 fa_down;
static int		 fa_full;

/* Stand-in: the session is up unless told not. */
int
hrac_session_is_up(const struct hrac_session *s)
{
	if (s != &fa_h.session)
		abort();
	return !fa_down;
}

/* Stand-in: check a frame for hrac's session and drop it. */
int
hrac_session_send(struct hrac_session *s, unsigned int type, uint32_t flow,
    const void *data, size_t len)
{
	int	 rc;

	if (s != &fa_h.session)
		abort();
	rc = froute_frame(&fa_fr, NULL, type, flow, data, len);
	return fa_full ? -1 : rc;
}

/* Stand-in: no round trip measured. */
double
hrac_session_rtt_ms(const struct hrac_session *s)
{
	if (s != &fa_h.session)
		abort();
	return -1;
}

/* Stand-in: the stand-in session never drops voice. */
void
hrac_session_on_drop(struct hrac_session *s, tunnel_drop_fn fn, void *arg)
{
	if (s != &fa_h.session)
		abort();
	(void)fn;
	(void)arg;
}

/* Stand-in: the clock the input moves. */
time_t
clock_now(void)
{
	return froute_now();
}

/* A fresh hrac SIP side on the loaded config. */
static void
fa_start(void)
{
	if ((fa_h.sip = hrac_sip_new(&fa_h)) == NULL)
		froute_fatal("fuzz_hrac: hrac_sip_new failed");
}

/* Close everything hrac's SIP side holds, as at shutdown. */
static void
fa_stop(void)
{
	hrac_sip_free(fa_h.sip);
	fa_h.sip = NULL;
	froute_reset(&fa_fr);
}

/* Hand one record to hrac. */
static void
fa_record(struct froute *fr, const struct froute_rec *r, void *arg)
{
	static const enum inside_calls calls[4] = { INSIDE_CALLS_LOCAL,
				    INSIDE_CALLS_HRAS, INSIDE_CALLS_OFF,
				    INSIDE_CALLS_LOCAL };
	static char		 buf[SIP_MSG_MAX + 4096];
	const char		*client;
	uint32_t		 flow;
	size_t			 n;
	int			 mode = (r->opts & FA_CALLS) >> 4;

	(void)arg;
	fa_down = (r->opts & FR_O_DOWN) != 0;
	fa_full = (r->opts & FA_FULL) != 0;
	fa_h.conf->inside_calls = calls[mode];
	fa_h.conf->inside_proxy = mode == 3 ? NULL : fa_proxy;
	switch (r->entry) {
	case FR_PHONE:
		froute_send(fr, r->opts & FR_O_WHO, (r->opts & FR_O_TCP) != 0,
		    r->data, r->len);
		break;
	case FR_TUNNEL_SIP:
		hrac_sip_from_tunnel(fa_h.sip, r->flow, r->data, r->len);
		break;
	case FR_TUNNEL_MEDIA:
		hrac_media_from_tunnel(fa_h.sip, (r->opts & FR_O_TCP) ?
		    FRAME_RTCP : FRAME_RTP, r->flow, r->data, r->len);
		break;
	case FR_PHONE_MEDIA:
		froute_media(fr, r);
		break;
	case FR_ANSWER:
		if ((n = froute_reply(fr, r, buf, sizeof(buf), &flow,
		    &client)) == 0)
			break;
		if (r->opts & FR_O_TCP)
			hrac_sip_from_tunnel(fa_h.sip, flow, (uint8_t *)buf,
			    n);
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
	froute_init(&fa_fr, "fuzz_hrac", base);
	path = froute_conf("fuzz_hrac", fa_conf_text);
	fa_h.conf = hrac_config_load(path, err, sizeof(err));
	unlink(path);
	if (fa_h.conf == NULL)
		froute_fatal("fuzz_hrac: %s", err);
	fa_h.base = base;
	fa_proxy = fa_h.conf->inside_proxy;
	fa_fr.self = fa_h.conf->sip.address;
	fa_fr.self_port = fa_h.conf->sip.port;
	fa_fr.media = fa_h.conf->media.address;
	fa_fr.media_port = fa_h.conf->media.port_min;
	fa_fr.media_pairs = (fa_h.conf->media.port_max -
	    fa_h.conf->media.port_min + 1U) / 2;
	froute_phone(&fa_fr, 0, "127.0.0.20", 5060);
	froute_phone(&fa_fr, 1, "127.0.0.21", 5060);
	froute_phone(&fa_fr, 2, "127.0.0.5", 5060);
	froute_phone(&fa_fr, 3, "127.0.0.2", 5062);
	/* Requests from the tunnel come from a phone outside. */
	snprintf(fa_fr.tun.via, sizeof(fa_fr.tun.via), "127.0.0.10:5060");
	fa_start();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	froute_input(&fa_fr, data, size, fa_record, NULL);
	fa_down = fa_full = 0;
	fa_h.conf->inside_calls = INSIDE_CALLS_LOCAL;
	fa_h.conf->inside_proxy = fa_proxy;
	/* Bounded state: a fresh hrac now and then. */
	if (fa_fr.inputs % FR_RESET_EVERY == 0) {
		fa_stop();
		fa_start();
	}
	return 0;
}
