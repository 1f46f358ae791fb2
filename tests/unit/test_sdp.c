/*
 * Unit tests of the SDP rewriter on bodies modelled on what real clients
 * send (sipp, baresip, Linphone, SRTP, IPv6, hold): every inspected field,
 * and every byte of each rewritten body; libosip2's normalisations; each
 * reason a body is refused.
 */
#include <sys/socket.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sdp.h"

#define TS_RELAY4	"198.51.100.10"
#define TS_RELAY6	"2001:db8:ffff::10"

/* A literal and its length. */
#define TS_LIT(s)	(s), (sizeof(s) - 1)

static void	ts_stream(const struct sdp_info *, int, const char *,
		    const char *, const char *, int, uint16_t, uint16_t,
		    enum sdp_direction, int);
static void	ts_inspect(const char *, struct sdp_info *, int);
static void	ts_rewrite(const char *, const char *, const uint16_t *, int,
		    const char *);
static void	ts_bad(const char *, size_t, const char *);

/* sipp's built-in uac scenario, as sent from 10.77.0.21 port 6000. */
static const char ts_sipp[] =
    "v=0\r\n"
    "o=user1 53655765 2353687637 IN IP4 10.77.0.21\r\n"
    "s=-\r\n"
    "c=IN IP4 10.77.0.21\r\n"
    "t=0 0\r\n"
    "m=audio 6000 RTP/AVP 0\r\n"
    "a=rtpmap:0 PCMU/8000\r\n";

/* baresip with its ice module: opus first, RFC 4733 events, a=rtcp. */
static const char ts_baresip[] =
    "v=0\r\n"
    "o=- 1718027395 2147951346 IN IP4 10.77.0.31\r\n"
    "s=-\r\n"
    "c=IN IP4 10.77.0.31\r\n"
    "t=0 0\r\n"
    "a=tool:baresip 3.10.1\r\n"
    "a=ice-lite\r\n"
    "m=audio 10424 RTP/AVP 96 9 0 8 101\r\n"
    "b=AS:128\r\n"
    "a=rtpmap:96 opus/48000/2\r\n"
    "a=fmtp:96 stereo=1;sprop-stereo=1\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=rtcp:10425\r\n"
    "a=rtcp-mux\r\n"
    "a=sendrecv\r\n"
    "a=label:1\r\n"
    "a=ssrc:3214570912 cname:6e0a3c2b-52f2-4a6d-9b31-aa0d2d0f5e21\r\n"
    "a=ice-ufrag:Tz7a\r\n"
    "a=ice-pwd:5qJvBX2iKWbCFTxZr3PsHk\r\n"
    "a=candidate:1 1 UDP 2113932031 10.77.0.31 10424 typ host\r\n"
    "a=candidate:1 2 UDP 2113932030 10.77.0.31 10425 typ host\r\n"
    "a=end-of-candidates\r\n"
    "a=ptime:20\r\n";

/* Linphone: audio and video, ICE at both levels, media-level c=. */
static const char ts_linphone[] =
    "v=0\r\n"
    "o=alice 2380 1522 IN IP4 10.77.0.32\r\n"
    "s=Talk\r\n"
    "c=IN IP4 10.77.0.32\r\n"
    "t=0 0\r\n"
    "a=ice-pwd:31ec21eb38b2ec6d36e8dc7b\r\n"
    "a=ice-ufrag:0a88f0a0\r\n"
    "a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL "
    "voip-metrics\r\n"
    "a=record:off\r\n"
    "m=audio 7078 RTP/AVP 96 97 0 8 101\r\n"
    "c=IN IP4 10.77.0.32\r\n"
    "a=rtpmap:96 opus/48000/2\r\n"
    "a=fmtp:96 useinbandfec=1\r\n"
    "a=rtpmap:97 speex/16000\r\n"
    "a=fmtp:97 vbr=on\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=rtcp:7079 IN IP4 10.77.0.32\r\n"
    "a=candidate:1 1 UDP 2130706431 10.77.0.32 7078 typ host\r\n"
    "a=candidate:1 2 UDP 2130706430 10.77.0.32 7079 typ host\r\n"
    "a=candidate:2 1 UDP 1694498815 203.0.113.5 7078 typ srflx "
    "raddr 10.77.0.32 rport 7078\r\n"
    "a=rtcp-fb:* trr-int 1000\r\n"
    "a=rtcp-fb:* ccm tmmbr\r\n"
    "m=video 9078 RTP/AVP 96 97\r\n"
    "c=IN IP4 10.77.0.32\r\n"
    "b=AS:512\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtpmap:97 H264/90000\r\n"
    "a=fmtp:97 profile-level-id=42801F\r\n"
    "a=rtcp:9079 IN IP4 10.77.0.32\r\n"
    "a=candidate:1 1 UDP 2130706431 10.77.0.32 9078 typ host\r\n"
    "a=candidate:1 2 UDP 2130706430 10.77.0.32 9079 typ host\r\n"
    "a=remote-candidates:1 203.0.113.9 9078 2 203.0.113.9 9079\r\n"
    "a=rtcp-fb:* ccm fir\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=recvonly\r\n";

/* Media-level c= for one stream; the other uses the session's. */
static const char ts_override[] =
    "v=0\r\n"
    "o=bob 1 1 IN IP4 10.77.0.40\r\n"
    "s=-\r\n"
    "c=IN IP4 10.77.0.40\r\n"
    "t=0 0\r\n"
    "m=audio 4000 RTP/AVP 8\r\n"
    "c=IN IP4 10.77.0.41\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "m=video 4002 RTP/AVP 31\r\n"
    "a=rtpmap:31 H261/90000\r\n";

/* Hold by re-INVITE, RFC 3264 style: a=sendonly, the address kept. */
static const char ts_hold_sendonly[] =
    "v=0\r\n"
    "o=- 1718027395 2147951347 IN IP4 10.77.0.31\r\n"
    "s=-\r\n"
    "c=IN IP4 10.77.0.31\r\n"
    "t=0 0\r\n"
    "m=audio 10424 RTP/AVP 0 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=sendonly\r\n";

/* Hold, RFC 2543 style: c=0.0.0.0, and a session-level a=sendonly. */
static const char ts_hold_zero[] =
    "v=0\r\n"
    "o=user1 53655765 2353687638 IN IP4 10.77.0.21\r\n"
    "s=-\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "t=0 0\r\n"
    "a=sendonly\r\n"
    "m=audio 6000 RTP/AVP 0\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtcp:6001 IN IP4 0.0.0.0\r\n";

/* a=inactive on one stream, a session-level a=recvonly for the other. */
static const char ts_inactive[] =
    "v=0\r\n"
    "o=carol 7 8 IN IP4 10.77.0.50\r\n"
    "s=-\r\n"
    "c=IN IP4 10.77.0.50\r\n"
    "t=0 0\r\n"
    "a=recvonly\r\n"
    "m=audio 5000 RTP/AVP 0\r\n"
    "a=inactive\r\n"
    "m=video 5002 RTP/AVP 96\r\n"
    "a=rtpmap:96 H264/90000\r\n";

/* SDES-SRTP offer: a=crypto must cross untouched. */
static const char ts_srtp[] =
    "v=0\r\n"
    "o=- 3918410512 3918410512 IN IP4 10.77.0.60\r\n"
    "s=pjmedia\r\n"
    "b=AS:84\r\n"
    "t=0 0\r\n"
    "a=X-nat:0\r\n"
    "m=audio 4000 RTP/SAVP 0 8 101\r\n"
    "c=IN IP4 10.77.0.60\r\n"
    "b=TIAS:64000\r\n"
    "a=rtcp:4001 IN IP4 10.77.0.60\r\n"
    "a=sendrecv\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
    "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n"
    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
    "inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n";

/* An IPv6 terminal, with an address in a=rtcp. */
static const char ts_ipv6[] =
    "v=0\r\n"
    "o=dave 42 42 IN IP6 2001:db8:77::21\r\n"
    "s=-\r\n"
    "c=IN IP6 2001:db8:77::21\r\n"
    "t=0 0\r\n"
    "m=audio 53000 RTP/AVP 9 101\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=rtcp:53001 IN IP6 2001:db8:77::21\r\n";

/* An answer that declines video: its port stays 0. */
static const char ts_disabled[] =
    "v=0\r\n"
    "o=erin 5 6 IN IP4 10.77.0.70\r\n"
    "s=-\r\n"
    "c=IN IP4 10.77.0.70\r\n"
    "t=0 0\r\n"
    "m=audio 30000 RTP/AVP 0\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "m=video 0 RTP/AVP 96\r\n"
    "m=text 30004 RTP/AVP 98\r\n"
    "a=rtpmap:98 t140/1000\r\n";

/* One stream of the info, field by field. */
static void
ts_stream(const struct sdp_info *info, int i, const char *media,
    const char *proto, const char *addr, int family, uint16_t port,
    uint16_t rtcp_port, enum sdp_direction dir, int hold)
{
	const struct sdp_stream	*st = &info->stream[i];

	assert_true(i < info->nstreams);
	assert_string_equal(st->media, media);
	assert_string_equal(st->proto, proto);
	assert_string_equal(st->addr, addr);
	assert_int_equal(st->family, family);
	assert_int_equal(st->port, port);
	assert_int_equal(st->rtcp_port, rtcp_port);
	assert_int_equal(st->direction, dir);
	assert_int_equal(st->hold, hold);
}

/* A body that must inspect well into this many streams. */
static void
ts_inspect(const char *body, struct sdp_info *info, int nstreams)
{
	const char	*why = NULL;

	assert_int_equal(sdp_inspect(body, strlen(body), info, &why), 0);
	assert_null(why);
	assert_int_equal(info->nstreams, nstreams);
}

/* A body that must rewrite into exactly want. */
static void
ts_rewrite(const char *body, const char *addr, const uint16_t *ports,
    int nports, const char *want)
{
	const char	*why = NULL;
	char		*out = NULL;
	size_t		 outlen = 0;

	assert_int_equal(sdp_rewrite(body, strlen(body), addr, ports, nports,
	    &out, &outlen, &why), 0);
	assert_null(why);
	assert_non_null(out);
	assert_string_equal(out, want);
	assert_int_equal(outlen, strlen(want));
	free(out);
}

/* A body both functions must refuse with exactly this reason. */
static void
ts_bad(const char *body, size_t len, const char *reason)
{
	static const uint16_t	 ports[] = { 20000, 20002 };
	static char		 dummy;
	struct sdp_info		 info;
	const char		*why = NULL;
	char			*out = &dummy;
	size_t			 outlen = 1;

	assert_int_equal(sdp_inspect(body, len, &info, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, reason);
	why = NULL;
	assert_int_equal(sdp_rewrite(body, len, TS_RELAY4, ports, 2, &out,
	    &outlen, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, reason);
	assert_null(out);
	assert_int_equal(outlen, 0);
}

/* sipp's default offer: one PCMU stream, session-level c= only. */
static void
test_sipp(void **state)
{
	static const uint16_t	 ports[] = { 20000 };
	struct sdp_info		 info;

	(void)state;
	ts_inspect(ts_sipp, &info, 1);
	ts_stream(&info, 0, "audio", "RTP/AVP", "10.77.0.21", AF_INET, 6000,
	    6001, SDP_SENDRECV, 0);
	ts_rewrite(ts_sipp, TS_RELAY4, ports, 1,
	    "v=0\r\n"
	    "o=user1 53655765 2353687637 IN IP4 198.51.100.10\r\n"
	    "s=-\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "t=0 0\r\n"
	    "m=audio 20000 RTP/AVP 0\r\n"
	    "a=rtpmap:0 PCMU/8000\r\n");
}

/* baresip: codecs, events, rtcp-mux kept; a=rtcp moved; ICE gone. */
static void
test_baresip(void **state)
{
	static const uint16_t	 ports[] = { 20002 };
	struct sdp_info		 info;

	(void)state;
	ts_inspect(ts_baresip, &info, 1);
	ts_stream(&info, 0, "audio", "RTP/AVP", "10.77.0.31", AF_INET, 10424,
	    10425, SDP_SENDRECV, 0);
	ts_rewrite(ts_baresip, TS_RELAY4, ports, 1,
	    "v=0\r\n"
	    "o=- 1718027395 2147951346 IN IP4 198.51.100.10\r\n"
	    "s=-\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "t=0 0\r\n"
	    "a=tool:baresip 3.10.1\r\n"
	    "m=audio 20002 RTP/AVP 96 9 0 8 101\r\n"
	    "b=AS:128\r\n"
	    "a=rtpmap:96 opus/48000/2\r\n"
	    "a=fmtp:96 stereo=1;sprop-stereo=1\r\n"
	    "a=rtpmap:9 G722/8000\r\n"
	    "a=rtpmap:0 PCMU/8000\r\n"
	    "a=rtpmap:8 PCMA/8000\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\n"
	    "a=fmtp:101 0-15\r\n"
	    "a=rtcp:20003\r\n"
	    "a=rtcp-mux\r\n"
	    "a=sendrecv\r\n"
	    "a=label:1\r\n"
	    "a=ssrc:3214570912 cname:6e0a3c2b-52f2-4a6d-9b31-aa0d2d0f5e21\r\n"
	    "a=ptime:20\r\n");
}

/* Linphone: two streams, a=rtcp with its address, ICE at both levels. */
static void
test_linphone(void **state)
{
	static const uint16_t	 ports[] = { 20004, 20006 };
	struct sdp_info		 info;

	(void)state;
	ts_inspect(ts_linphone, &info, 2);
	ts_stream(&info, 0, "audio", "RTP/AVP", "10.77.0.32", AF_INET, 7078,
	    7079, SDP_SENDRECV, 0);
	ts_stream(&info, 1, "video", "RTP/AVP", "10.77.0.32", AF_INET, 9078,
	    9079, SDP_RECVONLY, 0);
	ts_rewrite(ts_linphone, TS_RELAY4, ports, 2,
	    "v=0\r\n"
	    "o=alice 2380 1522 IN IP4 198.51.100.10\r\n"
	    "s=Talk\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "t=0 0\r\n"
	    "a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL "
	    "voip-metrics\r\n"
	    "a=record:off\r\n"
	    "m=audio 20004 RTP/AVP 96 97 0 8 101\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "a=rtpmap:96 opus/48000/2\r\n"
	    "a=fmtp:96 useinbandfec=1\r\n"
	    "a=rtpmap:97 speex/16000\r\n"
	    "a=fmtp:97 vbr=on\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\n"
	    "a=rtcp:20005 IN IP4 198.51.100.10\r\n"
	    "a=rtcp-fb:* trr-int 1000\r\n"
	    "a=rtcp-fb:* ccm tmmbr\r\n"
	    "m=video 20006 RTP/AVP 96 97\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "b=AS:512\r\n"
	    "a=rtpmap:96 VP8/90000\r\n"
	    "a=rtpmap:97 H264/90000\r\n"
	    "a=fmtp:97 profile-level-id=42801F\r\n"
	    "a=rtcp:20007 IN IP4 198.51.100.10\r\n"
	    "a=rtcp-fb:* ccm fir\r\n"
	    "a=rtcp-fb:96 nack pli\r\n"
	    "a=recvonly\r\n");
}

/* A media-level c= overrides the session's for its stream only. */
static void
test_media_c_overrides(void **state)
{
	static const uint16_t	 ports[] = { 20008, 20010 };
	struct sdp_info		 info;

	(void)state;
	ts_inspect(ts_override, &info, 2);
	ts_stream(&info, 0, "audio", "RTP/AVP", "10.77.0.41", AF_INET, 4000,
	    4001, SDP_SENDRECV, 0);
	ts_stream(&info, 1, "video", "RTP/AVP", "10.77.0.40", AF_INET, 4002,
	    4003, SDP_SENDRECV, 0);
	ts_rewrite(ts_override, TS_RELAY4, ports, 2,
	    "v=0\r\n"
	    "o=bob 1 1 IN IP4 198.51.100.10\r\n"
	    "s=-\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "t=0 0\r\n"
	    "m=audio 20008 RTP/AVP 8\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "a=rtpmap:8 PCMA/8000\r\n"
	    "m=video 20010 RTP/AVP 31\r\n"
	    "a=rtpmap:31 H261/90000\r\n");
}

/* Hold with a=sendonly: an ordinary rewrite, the direction kept. */
static void
test_hold_sendonly(void **state)
{
	static const uint16_t	 ports[] = { 20002 };
	struct sdp_info		 info;

	(void)state;
	ts_inspect(ts_hold_sendonly, &info, 1);
	ts_stream(&info, 0, "audio", "RTP/AVP", "10.77.0.31", AF_INET, 10424,
	    10425, SDP_SENDONLY, 0);
	ts_rewrite(ts_hold_sendonly, TS_RELAY4, ports, 1,
	    "v=0\r\n"
	    "o=- 1718027395 2147951347 IN IP4 198.51.100.10\r\n"
	    "s=-\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "t=0 0\r\n"
	    "m=audio 20002 RTP/AVP 0 101\r\n"
	    "a=rtpmap:0 PCMU/8000\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\n"
	    "a=fmtp:101 0-15\r\n"
	    "a=sendonly\r\n");
}

/* Hold with c=0.0.0.0: the zero address stays, in c= and in a=rtcp. */
static void
test_hold_zero(void **state)
{
	static const uint16_t	 ports[] = { 20000 };
	struct sdp_info		 info;

	(void)state;
	ts_inspect(ts_hold_zero, &info, 1);
	ts_stream(&info, 0, "audio", "RTP/AVP", "0.0.0.0", AF_INET, 6000,
	    6001, SDP_SENDONLY, 1);
	ts_rewrite(ts_hold_zero, TS_RELAY4, ports, 1,
	    "v=0\r\n"
	    "o=user1 53655765 2353687638 IN IP4 198.51.100.10\r\n"
	    "s=-\r\n"
	    "c=IN IP4 0.0.0.0\r\n"
	    "t=0 0\r\n"
	    "a=sendonly\r\n"
	    "m=audio 20000 RTP/AVP 0\r\n"
	    "a=rtpmap:0 PCMU/8000\r\n"
	    "a=rtcp:20001 IN IP4 0.0.0.0\r\n");
}

/* IPv6 hold is "::" (and any spelling of it); it stays with an IPv4 relay. */
static void
test_hold_ipv6(void **state)
{
	static const char	 body[] =
	    "v=0\r\n"
	    "o=dave 42 43 IN IP6 2001:db8:77::21\r\n"
	    "s=-\r\n"
	    "c=IN IP6 ::\r\n"
	    "t=0 0\r\n"
	    "m=audio 53000 RTP/AVP 9\r\n"
	    "m=video 53002 RTP/AVP 96\r\n"
	    "c=IN IP6 0:0::0\r\n";
	static const uint16_t	 ports[] = { 20000, 20002 };
	struct sdp_info		 info;

	(void)state;
	ts_inspect(body, &info, 2);
	ts_stream(&info, 0, "audio", "RTP/AVP", "::", AF_INET6, 53000, 53001,
	    SDP_SENDRECV, 1);
	ts_stream(&info, 1, "video", "RTP/AVP", "0:0::0", AF_INET6, 53002,
	    53003, SDP_SENDRECV, 1);
	ts_rewrite(body, TS_RELAY4, ports, 2,
	    "v=0\r\n"
	    "o=dave 42 43 IN IP4 198.51.100.10\r\n"
	    "s=-\r\n"
	    "c=IN IP6 ::\r\n"
	    "t=0 0\r\n"
	    "m=audio 20000 RTP/AVP 9\r\n"
	    "m=video 20002 RTP/AVP 96\r\n"
	    "c=IN IP6 0:0::0\r\n");
}

/* a=inactive at media level beats the session's a=recvonly. */
static void
test_inactive(void **state)
{
	static const uint16_t	 ports[] = { 20000, 20002 };
	struct sdp_info		 info;

	(void)state;
	ts_inspect(ts_inactive, &info, 2);
	ts_stream(&info, 0, "audio", "RTP/AVP", "10.77.0.50", AF_INET, 5000,
	    5001, SDP_INACTIVE, 0);
	ts_stream(&info, 1, "video", "RTP/AVP", "10.77.0.50", AF_INET, 5002,
	    5003, SDP_RECVONLY, 0);
	ts_rewrite(ts_inactive, TS_RELAY4, ports, 2,
	    "v=0\r\n"
	    "o=carol 7 8 IN IP4 198.51.100.10\r\n"
	    "s=-\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "t=0 0\r\n"
	    "a=recvonly\r\n"
	    "m=audio 20000 RTP/AVP 0\r\n"
	    "a=inactive\r\n"
	    "m=video 20002 RTP/AVP 96\r\n"
	    "a=rtpmap:96 H264/90000\r\n");
}

/* RTP/SAVP: a=crypto, b= and vendor attributes verbatim. */
static void
test_srtp(void **state)
{
	static const uint16_t	 ports[] = { 20012 };
	struct sdp_info		 info;

	(void)state;
	ts_inspect(ts_srtp, &info, 1);
	ts_stream(&info, 0, "audio", "RTP/SAVP", "10.77.0.60", AF_INET, 4000,
	    4001, SDP_SENDRECV, 0);
	ts_rewrite(ts_srtp, TS_RELAY4, ports, 1,
	    "v=0\r\n"
	    "o=- 3918410512 3918410512 IN IP4 198.51.100.10\r\n"
	    "s=pjmedia\r\n"
	    "b=AS:84\r\n"
	    "t=0 0\r\n"
	    "a=X-nat:0\r\n"
	    "m=audio 20012 RTP/SAVP 0 8 101\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "b=TIAS:64000\r\n"
	    "a=rtcp:20013 IN IP4 198.51.100.10\r\n"
	    "a=sendrecv\r\n"
	    "a=rtpmap:0 PCMU/8000\r\n"
	    "a=rtpmap:8 PCMA/8000\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\n"
	    "a=fmtp:101 0-16\r\n"
	    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n"
	    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
	    "inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n");
}

/* An IPv6 body to an IPv4 relay: o=, c= and a=rtcp change type. */
static void
test_ipv6_to_ipv4(void **state)
{
	static const uint16_t	 ports[] = { 20014 };
	struct sdp_info		 info;

	(void)state;
	ts_inspect(ts_ipv6, &info, 1);
	ts_stream(&info, 0, "audio", "RTP/AVP", "2001:db8:77::21", AF_INET6,
	    53000, 53001, SDP_SENDRECV, 0);
	ts_rewrite(ts_ipv6, TS_RELAY4, ports, 1,
	    "v=0\r\n"
	    "o=dave 42 42 IN IP4 198.51.100.10\r\n"
	    "s=-\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "t=0 0\r\n"
	    "m=audio 20014 RTP/AVP 9 101\r\n"
	    "a=rtpmap:9 G722/8000\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\n"
	    "a=rtcp:20015 IN IP4 198.51.100.10\r\n");
}

/* An IPv4 body to an IPv6 relay. */
static void
test_ipv4_to_ipv6(void **state)
{
	static const uint16_t	 ports[] = { 20016 };

	(void)state;
	ts_rewrite(ts_srtp, TS_RELAY6, ports, 1,
	    "v=0\r\n"
	    "o=- 3918410512 3918410512 IN IP6 2001:db8:ffff::10\r\n"
	    "s=pjmedia\r\n"
	    "b=AS:84\r\n"
	    "t=0 0\r\n"
	    "a=X-nat:0\r\n"
	    "m=audio 20016 RTP/SAVP 0 8 101\r\n"
	    "c=IN IP6 2001:db8:ffff::10\r\n"
	    "b=TIAS:64000\r\n"
	    "a=rtcp:20017 IN IP6 2001:db8:ffff::10\r\n"
	    "a=sendrecv\r\n"
	    "a=rtpmap:0 PCMU/8000\r\n"
	    "a=rtpmap:8 PCMA/8000\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\n"
	    "a=fmtp:101 0-16\r\n"
	    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n"
	    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
	    "inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n");
}

/* A disabled stream keeps port 0 and does not consume a relay port. */
static void
test_disabled_stream(void **state)
{
	static const uint16_t	 ports[] = { 20000, 20002, 20004 };
	struct sdp_info		 info;

	(void)state;
	ts_inspect(ts_disabled, &info, 3);
	ts_stream(&info, 0, "audio", "RTP/AVP", "10.77.0.70", AF_INET, 30000,
	    30001, SDP_SENDRECV, 0);
	ts_stream(&info, 1, "video", "RTP/AVP", "10.77.0.70", AF_INET, 0, 0,
	    SDP_SENDRECV, 0);
	ts_stream(&info, 2, "text", "RTP/AVP", "10.77.0.70", AF_INET, 30004,
	    30005, SDP_SENDRECV, 0);
	ts_rewrite(ts_disabled, TS_RELAY4, ports, 3,
	    "v=0\r\n"
	    "o=erin 5 6 IN IP4 198.51.100.10\r\n"
	    "s=-\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "t=0 0\r\n"
	    "m=audio 20000 RTP/AVP 0\r\n"
	    "a=rtpmap:0 PCMU/8000\r\n"
	    "m=video 0 RTP/AVP 96\r\n"
	    "m=text 20004 RTP/AVP 98\r\n"
	    "a=rtpmap:98 t140/1000\r\n");
}

/* Ports beyond the streams are ignored. */
static void
test_more_ports(void **state)
{
	static const uint16_t	 ports[] = { 20000, 20002, 20004, 20006 };

	(void)state;
	ts_rewrite(ts_sipp, TS_RELAY4, ports, 4,
	    "v=0\r\n"
	    "o=user1 53655765 2353687637 IN IP4 198.51.100.10\r\n"
	    "s=-\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "t=0 0\r\n"
	    "m=audio 20000 RTP/AVP 0\r\n"
	    "a=rtpmap:0 PCMU/8000\r\n");
}

/*
 * Streams beyond the ports keep their port, but no address of theirs
 * leaves: c= and a=rtcp still name the relay.
 */
static void
test_fewer_ports(void **state)
{
	static const uint16_t	 ports[] = { 20004 };

	(void)state;
	ts_rewrite(ts_linphone, TS_RELAY4, ports, 1,
	    "v=0\r\n"
	    "o=alice 2380 1522 IN IP4 198.51.100.10\r\n"
	    "s=Talk\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "t=0 0\r\n"
	    "a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL "
	    "voip-metrics\r\n"
	    "a=record:off\r\n"
	    "m=audio 20004 RTP/AVP 96 97 0 8 101\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "a=rtpmap:96 opus/48000/2\r\n"
	    "a=fmtp:96 useinbandfec=1\r\n"
	    "a=rtpmap:97 speex/16000\r\n"
	    "a=fmtp:97 vbr=on\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\n"
	    "a=rtcp:20005 IN IP4 198.51.100.10\r\n"
	    "a=rtcp-fb:* trr-int 1000\r\n"
	    "a=rtcp-fb:* ccm tmmbr\r\n"
	    "m=video 9078 RTP/AVP 96 97\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "b=AS:512\r\n"
	    "a=rtpmap:96 VP8/90000\r\n"
	    "a=rtpmap:97 H264/90000\r\n"
	    "a=fmtp:97 profile-level-id=42801F\r\n"
	    "a=rtcp:9079 IN IP4 198.51.100.10\r\n"
	    "a=rtcp-fb:* ccm fir\r\n"
	    "a=rtcp-fb:96 nack pli\r\n"
	    "a=recvonly\r\n");
	ts_rewrite(ts_sipp, TS_RELAY4, NULL, 0,
	    "v=0\r\n"
	    "o=user1 53655765 2353687637 IN IP4 198.51.100.10\r\n"
	    "s=-\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "t=0 0\r\n"
	    "m=audio 6000 RTP/AVP 0\r\n"
	    "a=rtpmap:0 PCMU/8000\r\n");
}

/*
 * With its own address and ports, a CRLF body in RFC order comes back
 * byte for byte: libosip2 loses nothing of what it parsed.
 */
static void
test_round_trip(void **state)
{
	static const uint16_t	 sipp[] = { 6000 };
	static const uint16_t	 srtp[] = { 4000 };
	static const uint16_t	 ipv6[] = { 53000 };

	(void)state;
	ts_rewrite(ts_sipp, "10.77.0.21", sipp, 1, ts_sipp);
	ts_rewrite(ts_srtp, "10.77.0.60", srtp, 1, ts_srtp);
	ts_rewrite(ts_ipv6, "2001:db8:77::21", ipv6, 1, ts_ipv6);
	ts_rewrite(ts_hold_zero, "10.77.0.21", sipp, 1, ts_hold_zero);
	ts_rewrite(ts_inactive, "10.77.0.50", NULL, 0, ts_inactive);
	ts_rewrite(ts_disabled, "10.77.0.70", NULL, 0, ts_disabled);
	/* Every kind of line libosip2 knows, each in its place. */
	ts_rewrite(
	    "v=0\r\n"
	    "o=frank 1 2 IN IP4 10.77.0.80\r\n"
	    "s=All the lines\r\n"
	    "i=A session\r\n"
	    "u=http://www.example.com/seminars/sdp.pdf\r\n"
	    "e=j.doe@example.com (Jane Doe)\r\n"
	    "p=+1 617 555-6011\r\n"
	    "c=IN IP4 10.77.0.80\r\n"
	    "b=CT:128\r\n"
	    "t=2873397496 2873404696\r\n"
	    "r=7d 1h 0 25h\r\n"
	    "z=2882844526 -1h 2898848070 0\r\n"
	    "k=prompt\r\n"
	    "a=recvonly\r\n"
	    "m=audio 49170 RTP/AVP 0\r\n"
	    "i=The audio\r\n"
	    "b=AS:64\r\n"
	    "k=clear:secret\r\n"
	    "a=ptime:20\r\n"
	    "m=application 32416 udp wb\r\n"
	    "a=orient:portrait\r\n", "10.77.0.80", NULL, 0,
	    "v=0\r\n"
	    "o=frank 1 2 IN IP4 10.77.0.80\r\n"
	    "s=All the lines\r\n"
	    "i=A session\r\n"
	    "u=http://www.example.com/seminars/sdp.pdf\r\n"
	    "e=j.doe@example.com (Jane Doe)\r\n"
	    "p=+1 617 555-6011\r\n"
	    "c=IN IP4 10.77.0.80\r\n"
	    "b=CT:128\r\n"
	    "t=2873397496 2873404696\r\n"
	    "r=7d 1h 0 25h\r\n"
	    "z=2882844526 -1h 2898848070 0\r\n"
	    "k=prompt\r\n"
	    "a=recvonly\r\n"
	    "m=audio 49170 RTP/AVP 0\r\n"
	    "i=The audio\r\n"
	    "b=AS:64\r\n"
	    "k=clear:secret\r\n"
	    "a=ptime:20\r\n"
	    "m=application 32416 udp wb\r\n"
	    "a=orient:portrait\r\n");
}

/*
 * What libosip2 normalises: LF and CR line ends become CRLF, s= goes after
 * o=, trailing spaces after the last format and a trailing empty line go;
 * a last line without its line end is accepted. A port with leading zeros
 * (which libosip2 alone would write as 0) comes out in plain decimal.
 */
static void
test_normalised(void **state)
{
	static const char	 want[] =
	    "v=0\r\n"
	    "o=user1 53655765 2353687637 IN IP4 198.51.100.10\r\n"
	    "s=-\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "t=0 0\r\n"
	    "m=audio 20000 RTP/AVP 0\r\n"
	    "a=rtpmap:0 PCMU/8000\r\n";
	static const uint16_t	 ports[] = { 20000 };

	(void)state;
	ts_rewrite(
	    "v=0\n"
	    "o=user1 53655765 2353687637 IN IP4 10.77.0.21\n"
	    "s=-\n"
	    "c=IN IP4 10.77.0.21\n"
	    "t=0 0\n"
	    "m=audio 6000 RTP/AVP 0\n"
	    "a=rtpmap:0 PCMU/8000\n", TS_RELAY4, ports, 1, want);
	ts_rewrite(
	    "v=0\r"
	    "o=user1 53655765 2353687637 IN IP4 10.77.0.21\r"
	    "s=-\r"
	    "c=IN IP4 10.77.0.21\r"
	    "t=0 0\r"
	    "m=audio 6000 RTP/AVP 0\r"
	    "a=rtpmap:0 PCMU/8000\r", TS_RELAY4, ports, 1, want);
	ts_rewrite(
	    "v=0\r\n"
	    "s=-\r\n"
	    "o=user1 53655765 2353687637 IN IP4 10.77.0.21\r\n"
	    "c=IN IP4 10.77.0.21\r\n"
	    "t=0 0\r\n"
	    "m=audio 6000 RTP/AVP 0 \r\n"
	    "a=rtpmap:0 PCMU/8000\r\n"
	    "\r\n", TS_RELAY4, ports, 1, want);
	ts_rewrite(
	    "v=0\r\n"
	    "o=user1 53655765 2353687637 IN IP4 10.77.0.21\r\n"
	    "s=-\r\n"
	    "c=IN IP4 10.77.0.21\r\n"
	    "t=0 0\r\n"
	    "m=audio 6000 RTP/AVP 0\r\n"
	    "a=rtpmap:0 PCMU/8000", TS_RELAY4, ports, 1, want);
	ts_rewrite(
	    "v=0\r\n"
	    "o=user1 53655765 2353687637 IN IP4 10.77.0.21\r\n"
	    "s=-\r\n"
	    "c=IN IP4 10.77.0.21\r\n"
	    "t=0 0\r\n"
	    "m=audio 06000 RTP/AVP 0\r\n"
	    "m=video 00 RTP/AVP 96\r\n"
	    "a=rtcp:007\r\n", TS_RELAY4, NULL, 0,
	    "v=0\r\n"
	    "o=user1 53655765 2353687637 IN IP4 198.51.100.10\r\n"
	    "s=-\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "t=0 0\r\n"
	    "m=audio 6000 RTP/AVP 0\r\n"
	    "m=video 0 RTP/AVP 96\r\n"
	    "a=rtcp:7\r\n");
}

/*
 * Edge cases that must work: a last m= line without formats (libosip2
 * reads past its end there), no m= line at all, the highest port.
 */
static void
test_edges(void **state)
{
	static const char	 nofmt[] =
	    "v=0\n"
	    "o=- 1 1 IN IP4 10.77.0.90\n"
	    "s=-\n"
	    "c=IN IP4 10.77.0.90\n"
	    "t=0 0\n"
	    "m=audio 0 RTP/AVP\n";
	static const char	 nomedia[] =
	    "v=0\r\n"
	    "o=- 1 1 IN IP4 10.77.0.90\r\n"
	    "s=-\r\n"
	    "t=0 0\r\n";
	static const char	 top[] =
	    "v=0\r\n"
	    "o=- 1 1 IN IP4 10.77.0.90\r\n"
	    "s=-\r\n"
	    "c=IN IP4 10.77.0.90\r\n"
	    "t=0 0\r\n"
	    "m=audio 65535 RTP/AVP 0\r\n"
	    "m=audio 65534 RTP/AVP 0\r\n"
	    "a=rtcp:65535\r\n";
	static const uint16_t	 ports[] = { 20000, 20002 };
	struct sdp_info		 info;

	(void)state;
	ts_inspect(nofmt, &info, 1);
	ts_stream(&info, 0, "audio", "RTP/AVP", "10.77.0.90", AF_INET, 0, 0,
	    SDP_SENDRECV, 0);
	ts_rewrite(nofmt, TS_RELAY4, ports, 1,
	    "v=0\r\n"
	    "o=- 1 1 IN IP4 198.51.100.10\r\n"
	    "s=-\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "t=0 0\r\n"
	    "m=audio 0 RTP/AVP\r\n");

	ts_inspect(nomedia, &info, 0);
	ts_rewrite(nomedia, TS_RELAY6, NULL, 0,
	    "v=0\r\n"
	    "o=- 1 1 IN IP6 2001:db8:ffff::10\r\n"
	    "s=-\r\n"
	    "t=0 0\r\n");

	/* No RTCP port after 65535. */
	ts_inspect(top, &info, 2);
	ts_stream(&info, 0, "audio", "RTP/AVP", "10.77.0.90", AF_INET, 65535,
	    0, SDP_SENDRECV, 0);
	ts_stream(&info, 1, "audio", "RTP/AVP", "10.77.0.90", AF_INET, 65534,
	    65535, SDP_SENDRECV, 0);
	ts_rewrite(top, TS_RELAY4, ports, 2,
	    "v=0\r\n"
	    "o=- 1 1 IN IP4 198.51.100.10\r\n"
	    "s=-\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "t=0 0\r\n"
	    "m=audio 20000 RTP/AVP 0\r\n"
	    "m=audio 20002 RTP/AVP 0\r\n"
	    "a=rtcp:20003\r\n");
}

/* A session-level a=rtcp means nothing and could leak: it goes. */
static void
test_session_rtcp(void **state)
{
	static const uint16_t	 ports[] = { 20000 };

	(void)state;
	ts_rewrite(
	    "v=0\r\n"
	    "o=- 1 1 IN IP4 10.77.0.90\r\n"
	    "s=-\r\n"
	    "c=IN IP4 10.77.0.90\r\n"
	    "t=0 0\r\n"
	    "a=rtcp:7001 IN IP4 10.77.0.90\r\n"
	    "a=ice-options:trickle\r\n"
	    "a=ice-mismatch\r\n"
	    "m=audio 7000 RTP/AVP 0\r\n", TS_RELAY4, ports, 1,
	    "v=0\r\n"
	    "o=- 1 1 IN IP4 198.51.100.10\r\n"
	    "s=-\r\n"
	    "c=IN IP4 198.51.100.10\r\n"
	    "t=0 0\r\n"
	    "m=audio 20000 RTP/AVP 0\r\n");
}

/* More than SDP_STREAMS_MAX m= lines; exactly that many is fine. */
static void
test_too_many_streams(void **state)
{
	char		 body[1024];
	struct sdp_info	 info;
	size_t		 len;
	int		 i;

	(void)state;
	len = (size_t)snprintf(body, sizeof(body),
	    "v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\n"
	    "c=IN IP4 10.77.0.90\r\nt=0 0\r\n");
	for (i = 0; i < SDP_STREAMS_MAX; i++)
		len += (size_t)snprintf(body + len, sizeof(body) - len,
		    "m=audio %d RTP/AVP 0\r\n", 6000 + 2 * i);
	ts_inspect(body, &info, SDP_STREAMS_MAX);
	ts_stream(&info, SDP_STREAMS_MAX - 1, "audio", "RTP/AVP",
	    "10.77.0.90", AF_INET, 6014, 6015, SDP_SENDRECV, 0);
	len += (size_t)snprintf(body + len, sizeof(body) - len,
	    "m=audio 7000 RTP/AVP 0\r\n");
	ts_bad(body, len, "too many media streams");
}

/* Over SDP_BODY_MAX is refused before parsing; exactly that is parsed. */
static void
test_oversized(void **state)
{
	static const char	 head[] =
	    "v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\n"
	    "c=IN IP4 10.77.0.90\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n"
	    "a=x:";
	struct sdp_info		 info;
	char			*body;
	size_t			 len;

	(void)state;
	/* One long attribute makes the body exactly len bytes. */
	for (len = SDP_BODY_MAX; len <= SDP_BODY_MAX + 1; len++) {
		body = malloc(len + 1);
		assert_non_null(body);
		memcpy(body, head, sizeof(head) - 1);
		memset(body + sizeof(head) - 1, 'x', len - sizeof(head) - 1);
		memcpy(body + len - 2, "\r\n", 3);
		assert_int_equal(strlen(body), len);
		if (len == SDP_BODY_MAX)
			ts_inspect(body, &info, 1);
		else
			ts_bad(body, len, "SDP body too large");
		free(body);
	}
}

/* A NUL anywhere in the body, even at its very end. */
static void
test_nul_inside(void **state)
{
	static const char	 body[] =
	    "v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\n"
	    "c=IN IP4 10.77.0.90\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n"
	    "a=evil\0:10.77.0.1\r\n";

	(void)state;
	ts_bad(body, sizeof(body) - 1, "NUL byte in SDP body");
	ts_bad(ts_sipp, sizeof(ts_sipp), "NUL byte in SDP body");
}

/* Not SDP, or SDP libosip2 cannot read. */
static void
test_garbage(void **state)
{
	static const char	 binary[] = "\x16\x03\x01\x02\xff\x01\x80";

	(void)state;
	ts_bad(TS_LIT(""), "empty SDP body");
	ts_bad(TS_LIT("hello world\r\n"), "malformed SDP line");
	ts_bad(binary, sizeof(binary) - 1, "malformed SDP line");
	ts_bad(TS_LIT("INVITE sip:a@b SIP/2.0\r\n"), "malformed SDP line");
	ts_bad(TS_LIT("v=0\r\n"), "unparsable SDP");
	ts_bad(TS_LIT("v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\n"),
	    "unparsable SDP");			/* no t= */
	ts_bad(TS_LIT("v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\nt=0 0\r\n"
	    "m=audio 6000 RTP/AVP 0\r\nx=what\r\n"), "unparsable SDP");
	ts_bad(TS_LIT("v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\nt=0 0\r\n"
	    "c=IN IP4 10.77.0.90\r\nm=audio 6000 RTP/AVP 0\r\n"),
	    "unparsable SDP");			/* c= after t= */
	ts_bad(TS_LIT("v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\nt=0 0\r\n"
	    "m=audio 6000 RTP/AVP 0\r\na=fmtp:\r\n"), "unparsable SDP");
	ts_bad(TS_LIT("v=1\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\n"
	    "c=IN IP4 10.77.0.90\r\nt=0 0\r\n"),
	    "unsupported SDP version");
}

/* Lines libosip2 would quietly accept: junk before "x=", text after a blank. */
static void
test_hidden_text(void **state)
{
	static const char	 junk[] =
	    "v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\n"
	    "c=IN IP4 10.77.0.90\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n"
	    "hello\r\nxa=rtcp:7000\r\n";
	static const char	 after[] =
	    "v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\n"
	    "c=IN IP4 10.77.0.90\r\nt=0 0\r\n\r\nm=audio 6000 RTP/AVP 0\r\n";
	static const char	 lead[] =
	    "\r\nv=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\nt=0 0\r\n";
	static const char	 upper[] =
	    "v=0\r\nO=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\nt=0 0\r\n";

	(void)state;
	ts_bad(junk, sizeof(junk) - 1, "malformed SDP line");
	ts_bad(after, sizeof(after) - 1, "SDP text after an empty line");
	ts_bad(lead, sizeof(lead) - 1, "SDP text after an empty line");
	ts_bad(upper, sizeof(upper) - 1, "malformed SDP line");
}

/* A stream with no c= at either level. */
static void
test_missing_c(void **state)
{
	static const char	 none[] =
	    "v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\nt=0 0\r\n"
	    "m=audio 6000 RTP/AVP 0\r\n";
	static const char	 second[] =
	    "v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\nt=0 0\r\n"
	    "m=audio 6000 RTP/AVP 0\r\nc=IN IP4 10.77.0.90\r\n"
	    "m=video 6002 RTP/AVP 96\r\n";

	(void)state;
	ts_bad(none, sizeof(none) - 1, "stream without connection address");
	ts_bad(second, sizeof(second) - 1,
	    "stream without connection address");
}

/* c= lines we cannot relay to. */
static void
test_bad_connection(void **state)
{
	static const char *const	 lines[] = {
		"c=IN IP4 pbx.example.com\r\n",		/* not numeric */
		"c=IN IP4 224.2.1.1/127\r\n",		/* multicast */
		"c=IN IP4 233.252.0.1\r\n",
		"c=IN IP6 ff0e::101\r\n",
		"c=IN IP4 2001:db8::1\r\n",		/* wrong type */
		"c=IN IP6 10.77.0.90\r\n",
		"c=IN IP5 10.77.0.90\r\n",
		"c=ATM NSAP 47.0005.80.ffe100.0000.f21a.01\r\n",
		"c=IN IP4 10.77.0.256\r\n",
		"c=IN IP6 fe80::1%eth0\r\n",
	};
	char		 body[256];
	size_t		 i;
	int		 len;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		len = snprintf(body, sizeof(body),
		    "v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\n%st=0 0\r\n"
		    "m=audio 6000 RTP/AVP 0\r\n", lines[i]);
		ts_bad(body, (size_t)len, "bad connection address");
	}
	ts_bad(TS_LIT("v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\nt=0 0\r\n"
	    "m=audio 6000 RTP/AVP 0\r\nc=IN IP4 10.77.0.90\r\n"
	    "c=IN IP4 10.77.0.91\r\n"),
	    "several connection addresses in a stream");
}

/* m= ports outside 0..65535 or not a number; port ranges; a=rtcp. */
static void
test_bad_ports(void **state)
{
	static const char *const	 ports[] = {
		"65536", "-1", "+6000", "6000a", "0x1f40", "000006000",
		"99999999999999999999"
	};
	static const char *const	 rtcp[] = {
		"a=rtcp:65536", "a=rtcp:x", "a=rtcp:-7001", "a=rtcp:7001 IN",
		"a=rtcp:7001 IN IP4", "a=rtcp:7001 IN IP4 pbx.example.com",
		"a=rtcp:7001 ATM IP4 1.2.3.4", "a=rtcp:7001 IN IP4 1.2.3.4 x",
		"a=rtcp:7001  IN IP4 1.2.3.4", "a=rtcp:7001 IN IP4 224.0.0.1",
		"a=rtcp"
	};
	char		 body[256];
	size_t		 i;
	int		 len;

	(void)state;
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		len = snprintf(body, sizeof(body),
		    "v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\n"
		    "c=IN IP4 10.77.0.90\r\nt=0 0\r\n"
		    "m=audio %s RTP/AVP 0\r\n", ports[i]);
		ts_bad(body, (size_t)len, "bad media port");
	}
	ts_bad(TS_LIT("v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\n"
	    "c=IN IP4 10.77.0.90\r\nt=0 0\r\nm=audio 6000/2 RTP/AVP 0\r\n"),
	    "port ranges are not supported");
	for (i = 0; i < sizeof(rtcp) / sizeof(rtcp[0]); i++) {
		len = snprintf(body, sizeof(body),
		    "v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\n"
		    "c=IN IP4 10.77.0.90\r\nt=0 0\r\n"
		    "m=audio 7000 RTP/AVP 0\r\n%s\r\n", rtcp[i]);
		ts_bad(body, (size_t)len, "bad rtcp attribute");
	}
}

/* Names longer than the info's fields. */
static void
test_long_names(void **state)
{
	(void)state;
	ts_bad(TS_LIT("v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\n"
	    "c=IN IP4 10.77.0.90\r\nt=0 0\r\n"
	    "m=audiovisualmedia 6000 RTP/AVP 0\r\n"),
	    "media or transport name too long");
	ts_bad(TS_LIT("v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\n"
	    "c=IN IP4 10.77.0.90\r\nt=0 0\r\n"
	    "m=audio 6000 UDP/TLS/RTP/SAVPF/EXTENDED/XXXXX 0\r\n"),
	    "media or transport name too long");
}

/* What the caller passes to sdp_rewrite is checked too. */
static void
test_bad_arguments(void **state)
{
	static const uint16_t	 ok[] = { 20000 };
	static const uint16_t	 zero[] = { 0 };
	static const uint16_t	 top[] = { 65535 };
	static const char *const addrs[] = {
		"relay.example.com", "0.0.0.0", "::", "10.77.0.1:5060", "",
		"224.0.0.1"
	};
	const char		*why;
	char			*out;
	size_t			 outlen, i;

	(void)state;
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		why = NULL;
		assert_int_equal(sdp_rewrite(ts_sipp, strlen(ts_sipp),
		    addrs[i], ok, 1, &out, &outlen, &why), -1);
		assert_string_equal(why, "bad relay address");
		assert_null(out);
	}
	why = NULL;
	assert_int_equal(sdp_rewrite(ts_sipp, strlen(ts_sipp), NULL, ok, 1,
	    &out, &outlen, &why), -1);
	assert_string_equal(why, "bad relay address");
	why = NULL;
	assert_int_equal(sdp_rewrite(ts_sipp, strlen(ts_sipp), TS_RELAY4,
	    ok, -1, &out, &outlen, &why), -1);
	assert_string_equal(why, "bad relay ports");
	why = NULL;
	assert_int_equal(sdp_rewrite(ts_sipp, strlen(ts_sipp), TS_RELAY4,
	    NULL, 1, &out, &outlen, &why), -1);
	assert_string_equal(why, "bad relay ports");
	why = NULL;
	assert_int_equal(sdp_rewrite(ts_sipp, strlen(ts_sipp), TS_RELAY4,
	    zero, 1, &out, &outlen, &why), -1);
	assert_string_equal(why, "bad relay ports");
	why = NULL;
	assert_int_equal(sdp_rewrite(ts_sipp, strlen(ts_sipp), TS_RELAY4,
	    top, 1, &out, &outlen, &why), -1);
	assert_string_equal(why, "bad relay ports");
	/* A relay port of 0 is fine for a stream that is disabled anyway. */
	ts_rewrite("v=0\r\no=- 1 1 IN IP4 10.77.0.90\r\ns=-\r\n"
	    "c=IN IP4 10.77.0.90\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\n",
	    TS_RELAY4, zero, 1,
	    "v=0\r\no=- 1 1 IN IP4 198.51.100.10\r\ns=-\r\n"
	    "c=IN IP4 198.51.100.10\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sipp),
		cmocka_unit_test(test_baresip),
		cmocka_unit_test(test_linphone),
		cmocka_unit_test(test_media_c_overrides),
		cmocka_unit_test(test_hold_sendonly),
		cmocka_unit_test(test_hold_zero),
		cmocka_unit_test(test_hold_ipv6),
		cmocka_unit_test(test_inactive),
		cmocka_unit_test(test_srtp),
		cmocka_unit_test(test_ipv6_to_ipv4),
		cmocka_unit_test(test_ipv4_to_ipv6),
		cmocka_unit_test(test_disabled_stream),
		cmocka_unit_test(test_more_ports),
		cmocka_unit_test(test_fewer_ports),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_normalised),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_session_rtcp),
		cmocka_unit_test(test_too_many_streams),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_nul_inside),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_hidden_text),
		cmocka_unit_test(test_missing_c),
		cmocka_unit_test(test_bad_connection),
		cmocka_unit_test(test_bad_ports),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
