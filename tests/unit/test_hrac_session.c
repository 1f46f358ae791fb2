/*
 * Unit tests of hrac's tunnel session (hrac_session.c over hrac_link.c)
 * against hras's real links and sessions (hras_link.c, hras_session.c),
 * both halves in this process on one event loop. The first two tests
 * connect over loopback sockets as the daemons do; the others give the
 * session a connector whose links are bufferevent pairs, the other end
 * adopted by hras (hras_link_new), so that the test holds the bytes of
 * one link back as a slow proxy or reader would. The clock is the test's
 * (clock_now below): the downstream's age is reached without waiting.
 *
 * Admission end to end: the tunnel comes up in stream mode and carries
 *   SIP both ways, over sockets and over pairs; with a wrong secret hras
 *   refuses it and it never does.
 * Renewal: past tunnel.get_age hrac renews its GET and its POST while
 *   SIP flows both ways; the old POST's last chunks are held back until
 *   the new POST has delivered its own, and every record still arrives
 *   once, in order (hras reads the old body to its end first).
 * A slow consumer: the upstream's bytes are not taken; hrac's link holds
 *   no more than its high-water mark and a chunk, its queue refuses SIP
 *   past its bound, and what it accepted arrives in order once they are.
 * A connection closing mid-body: hras closes the upstream POST in the
 *   middle of its body; hrac reports the tunnel down, opens it again, and
 *   SIP sent before, during and after arrives once, in order.
 * Two lanes (tunnel.lanes = 2): a second GET and POST open once the
 *   tunnel is up; with the first lane's bytes held back both ways, SIP
 *   still arrives once each, in order, over the second, and the copies
 *   the first brings later are dropped; a second lane closed by hras
 *   leaves the tunnel up and is opened again; both lanes renew. With
 *   copies on loss, the second lane carries frames only for a while after
 *   a loss (told by hras), and a reload to "always" copies at once, heard
 *   by hras over the second lane when the first is held back; a lane
 *   that joins while the first is held back brings what it missed, and
 *   a second lane's POST that renews carries the next batch at once.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit_net.h"
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "clock.h"
#include "config.h"
#include "frame.h"
#include "hrac.h"
#include "hrac_config.h"
#include "hras.h"
#include "hras_config.h"
#include "log.h"
#include "tunnel.h"

#define TH_SECRET	"88887ff91ff0805984a7d5b118cb4aec" \
			"d40e6b7763fcc0790ff80d91bc061c59"
#define TH_BURST	40	/* records each way per loop turn, renewal */
#define TH_REC_LEN	1200
#define TH_WRONG	"d40e6b7763fcc0790ff80d91bc061c59" \
			"88887ff91ff0805984a7d5b118cb4aec"

struct th {
	struct event_base	*base;
	struct hras		 h;
	struct hrac		 hc;
	uint16_t		 port;
	int			 npairs;	/* the connector's links */
	int			 lanes;		/* tunnel.lanes, 0: 1 */
	const char		*copies;	/* tunnel.copies */
	uint64_t		 dups_hc;	/* th_burst_dups: hrac's, last */
	uint64_t		 dups_hs;	/* hras's */
	int			 to_hras;	/* SIP records hras opened */
	int			 to_hrac;	/* SIP records hrac opened */
};

static time_t	 th_clock = 1000;

static int	 th_until_up(struct th *, int);
static void	 th_hras_sip(void *, const char *, uint32_t, const uint8_t *,
		    size_t);
static void	 th_hrac_sip(void *, uint32_t, const uint8_t *, size_t);
static void	 th_check(int *, const uint8_t *, size_t);
static void	 th_conf(char *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	 th_start(struct th *, const char *, int);
static struct bufferevent *th_connect(void *, struct event_base *);
static void	 th_send_both(struct th *, int *, int);
static struct hras_link *th_far(struct th *, const struct hrac_link *);
static void	 th_until_all(struct th *, int, int);
static struct hras_session *th_two_lanes(struct th *, const char *);

/* The daemons' clock, moved by the tests (common/clock.c not linked). */
time_t
clock_now(void)
{
	return th_clock;
}

/* Run until hrac's tunnel is up, for at most ms: whether it came up. */
static int
th_until_up(struct th *t, int ms)
{
	for (; ms > 0 && !hrac_session_is_up(&t->hc.session); ms -= 10)
		unet_run(t->base, 10);
	return hrac_session_is_up(&t->hc.session);
}

/* Records are "n" in order, once each. */
static void
th_check(int *n, const uint8_t *data, size_t len)
{
	char	 want[16];

	snprintf(want, sizeof(want), "%d", *n);
	assert_true(len > strlen(want));
	assert_string_equal((const char *)data, want);
	(*n)++;
}

static void
th_hras_sip(void *arg, const char *client, uint32_t flow,
    const uint8_t *data, size_t len)
{
	struct th	*t = arg;

	(void)flow;
	assert_string_equal(client, "corp");
	th_check(&t->to_hras, data, len);
}

static void
th_hrac_sip(void *arg, uint32_t flow, const uint8_t *data, size_t len)
{
	struct th	*t = arg;

	(void)flow;
	th_check(&t->to_hrac, data, len);
}

/* Write a configuration file; its name in path (unlink it after). */
static void
th_conf(char *path, const char *fmt, ...)
{
	va_list	 ap;
	FILE	*f;
	int	 fd;

	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	assert_int_equal(fclose(f), 0);
}

/*
 * The test's connector: a bufferevent pair, one end adopted by hras as a
 * connection from 127.0.0.1, the other for hrac's link.
 */
static struct bufferevent *
th_connect(void *arg, struct event_base *base)
{
	struct th		*t = arg;
	struct bufferevent	*pair[2];
	struct sockaddr_in	 sin;

	if (bufferevent_pair_new(base, BEV_OPT_CLOSE_ON_FREE, pair) == -1)
		return NULL;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(40000);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (hras_link_new(&t->h, pair[1], (struct sockaddr *)&sin) == -1) {
		bufferevent_free(pair[0]);
		return NULL;
	}
	t->npairs++;
	return pair[0];
}

/* Records n.. both ways, count of them each: SIP, 1,200 bytes each. */
static void
th_send_both(struct th *t, int *n, int count)
{
	char	 rec[TH_REC_LEN];
	int	 j;

	for (j = 0; j < count; j++, (*n)++) {
		memset(rec, 0, sizeof(rec));
		snprintf(rec, sizeof(rec), "%d", *n);
		assert_int_equal(hrac_session_send(&t->hc.session, FRAME_SIP, 0,
		    rec, sizeof(rec)), 0);
		assert_int_equal(hras_session_send(&t->h, "corp", FRAME_SIP, 0,
		    rec, sizeof(rec)), 0);
	}
}

/*
 * hras on a free port, and hrac with secret towards it: over sockets, or
 * over the test's bufferevent pairs (pairs).
 */
static int
th_start(struct th *t, const char *secret, int pairs)
{
	struct hrac_connector	 conn = { th_connect, t };
	struct hras_session_cb	 scb = { th_hras_sip, NULL, t, NULL };
	char			 path[] = "/tmp/test_hrac_session.XXXXXX";
	char			 cpath[] = "/tmp/test_hrac_session.XXXXXX";
	char			 err[CONFIG_ERRLEN];

	t->port = unet_free_port();
	assert_non_null(t->base = event_base_new());
	t->h.base = t->base;
	th_conf(path, "domains = [ \"corp.example\" ];\n"
	    "sip = { address = \"127.0.0.1\"; };\n"
	    "media = { address = \"127.0.0.1\"; };\n"
	    "tunnel = { address = \"127.0.0.1\"; port = %u; };\n"
	    "clients = ( { id = \"corp\"; secret = \"%s\"; "
	    "domains = [ \"corp.example\" ]; } );\n", t->port, TH_SECRET);
	t->h.conf = hras_config_load(path, err, sizeof(err));
	unlink(path);
	if (t->h.conf == NULL)
		fail_msg("%s", err);
	TAILQ_INIT(&t->h.links);
	TAILQ_INIT(&t->h.unauth);
	TAILQ_INIT(&t->h.sessions);
	hras_sessions_init(&t->h, &scb);
	assert_int_equal(hras_link_listen(&t->h), 0);
	th_conf(cpath, "id = \"corp\";\nsecret = \"%s\";\n"
	    "server = \"http://127.0.0.1:%u/\";\n"
	    "sip = { address = \"127.0.0.1\"; };\n"
	    "media = { address = \"127.0.0.1\"; };\n"
	    "tunnel = { mode = \"stream\"; get_age = 10; lanes = %d; "
	    "copies = \"%s\"; };\n", secret, t->port, t->lanes > 0 ?
	    t->lanes : 1, t->copies != NULL ? t->copies : "on-loss");
	t->hc.conf = hrac_config_load(cpath, err, sizeof(err));
	unlink(cpath);
	if (t->hc.conf == NULL)
		fail_msg("%s", err);
	t->hc.base = t->base;
	assert_int_equal(hrac_session_init(&t->hc.session, &t->hc,
	    pairs ? &conn : NULL), 0);
	t->hc.session.cb.sip = th_hrac_sip;
	t->hc.session.cb.arg = t;
	return 0;
}

static int
th_setup(void **state)
{
	struct th	*t;

	assert_non_null(t = calloc(1, sizeof(*t)));
	*state = t;
	return 0;
}

static int
th_teardown(void **state)
{
	struct th	*t = *state;

	hrac_session_free(&t->hc.session);
	hras_link_close_all(&t->h);
	hras_sessions_free(&t->h);
	unet_run(t->base, 10);
	event_base_free(t->base);
	hras_config_free(t->h.conf);
	hrac_config_free(t->hc.conf);
	free(t);
	return 0;
}

/* Admitted by the real handshake, the tunnel carries SIP both ways. */
static void
th_admission(struct th *t, int pairs)
{
	int	 n = 0;

	th_start(t, TH_SECRET, pairs);
	assert_true(th_until_up(t, 3000));
	assert_true(hras_client_up(&t->h, "corp"));
	th_send_both(t, &n, 1);
	unet_run(t->base, 50);
	assert_int_equal(t->to_hras, 1);
	assert_int_equal(t->to_hrac, 1);
	/* Challenge and open, then the GET and the POST. */
	assert_int_equal(t->npairs, pairs ? 3 : 0);
}

static void
test_admission(void **state)
{
	th_admission(*state, 0);
}

static void
test_admission_pairs(void **state)
{
	th_admission(*state, 1);
}

/*
 * A wrong secret: hras refuses the handshake, no session is opened, and
 * hrac's tunnel never comes up (it retries, refused each time).
 */
static void
test_wrong_secret(void **state)
{
	struct th	*t = *state;

	th_start(t, TH_WRONG, 0);
	assert_false(th_until_up(t, 1500));
	assert_true(TAILQ_EMPTY(&t->h.sessions));
	assert_false(hras_client_up(&t->h, "corp"));
}

/*
 * Past tunnel.get_age hrac opens a new GET and POST while the old ones
 * still carry frames; hras ends the old downstream, hrac reads the rest
 * of it before the new one. The old POST's bytes are held back (as a
 * proxy might) from before the renewal until the new POST has carried
 * frames of its own: hras must still read the old body to its end first.
 * SIP sent both ways all the while arrives once each, in order, and the
 * tunnel stays up.
 */
static void
test_renewal(void **state)
{
	struct th		*t = *state;
	struct hrac_session	*s = &t->hc.session;
	struct bufferevent	*held = NULL;
	time_t			 start;
	int			 i, n = 0, renewed = -1;

	th_start(t, TH_SECRET, 1);
	assert_true(th_until_up(t, 3000));
	start = s->lane[0].down_since;
	for (i = 0; i < 250; i++) {
		th_send_both(t, &n, TH_BURST);
		if (i == 20) {
			th_clock += t->hc.conf->get_age;
			held = s->lane[0].up->bev;
			assert_int_equal(bufferevent_disable(held, EV_WRITE),
			    0);
		}
		if (renewed == -1 && s->lane[0].up_old != NULL)
			renewed = i;
		/* The new POST has carried frames: let the old one go. */
		if (held != NULL && renewed != -1 && i == renewed + 10) {
			assert_non_null(s->lane[0].up_old);
			assert_ptr_equal(s->lane[0].up_old->bev, held);
			assert_int_equal(bufferevent_enable(held, EV_WRITE), 0);
			held = NULL;
		}
		unet_run(t->base, 10);
		assert_true(hrac_session_is_up(s));
	}
	unet_run(t->base, 100);
	assert_true(renewed != -1);
	/* The renewal happened and is over: the new links carry the tunnel. */
	assert_null(s->lane[0].down_next);
	assert_null(s->lane[0].up_old);
	assert_true(s->lane[0].down_since > start);
	assert_int_equal(t->to_hrac, n);
	assert_int_equal(t->to_hras, n);
}

/*
 * The upstream's bytes are not taken (its reader stalls): hrac's link
 * holds at most its high-water mark and a chunk, its queue refuses SIP
 * past four times tunnel.queue_max; once the bytes are taken again,
 * every record it accepted arrives once, in order.
 */
static void
test_slow_consumer(void **state)
{
	struct th		*t = *state;
	struct hrac_session	*s = &t->hc.session;
	struct bufferevent	*bev;
	char			 rec[TH_REC_LEN];
	size_t			 most = 0, out;
	int			 i, j, n = 0;

	th_start(t, TH_SECRET, 1);
	assert_true(th_until_up(t, 3000));
	bev = s->lane[0].up->bev;
	assert_int_equal(bufferevent_disable(bev, EV_WRITE), 0);
	memset(rec, 0, sizeof(rec));
	for (i = 0; i < 100; i++) {
		for (j = 0; j < 50; j++, n++) {
			snprintf(rec, sizeof(rec), "%d", n);
			if (hrac_session_send(s, FRAME_SIP, 0, rec,
			    sizeof(rec)) == -1)
				break;
		}
		unet_run(t->base, 5);
		out = evbuffer_get_length(bufferevent_get_output(bev));
		if (out > most)
			most = out;
		/* SIP may overrun queue_max, up to four times (tunnel.c). */
		assert_true(tunnel_queued(s->tun) <= 4 * t->hc.conf->queue_max);
	}
	/* Full: the link at its mark, the queue refusing more. */
	assert_true(most >= HRAC_HIGH_WATER);
	assert_true(most <= HRAC_HIGH_WATER + HRAC_CHUNK_MAX + 4096);
	assert_int_equal(hrac_session_send(s, FRAME_SIP, 0, rec, sizeof(rec)),
	    -1);
	assert_true(t->to_hras < n);
	assert_int_equal(bufferevent_enable(bev, EV_WRITE), 0);
	for (i = 0; i < 300 && t->to_hras < n; i++)
		unet_run(t->base, 10);
	assert_true(hrac_session_is_up(s));
	assert_int_equal(t->to_hras, n);
}

/*
 * hras closes the upstream POST in the middle of its body. hrac reports
 * the tunnel down and opens it again after its back-off; SIP sent both
 * ways before, during and after the outage arrives once each, in order.
 */
static void
test_close_mid_body(void **state)
{
	struct th		*t = *state;
	struct hrac_session	*s = &t->hc.session;
	struct bufferevent	*far;
	struct hras_link	*c;
	int			 i, n = 0, up = 1;

	th_start(t, TH_SECRET, 1);
	assert_true(th_until_up(t, 3000));
	th_send_both(t, &n, TH_BURST);
	unet_run(t->base, 20);
	/* Half a chunk of the next frames is on its way. */
	far = bufferevent_pair_get_partner(s->lane[0].up->bev);
	TAILQ_FOREACH(c, &t->h.links, entry)
		if (c->bev == far)
			break;
	assert_non_null(c);
	th_send_both(t, &n, TH_BURST);
	hras_link_close(c, "test");
	for (i = 0; i < 400 && (up || !hrac_session_is_up(s)); i++) {
		if (!hrac_session_is_up(s))
			up = 0;
		unet_run(t->base, 10);
	}
	assert_false(up);
	assert_true(hrac_session_is_up(s));
	th_send_both(t, &n, TH_BURST);
	for (i = 0; i < 300 && (t->to_hras < n || t->to_hrac < n); i++)
		unet_run(t->base, 10);
	assert_int_equal(t->to_hras, n);
	assert_int_equal(t->to_hrac, n);
}

/* hras's end of one of hrac's links (the test's pairs). */
static struct hras_link *
th_far(struct th *t, const struct hrac_link *l)
{
	struct bufferevent	*far;
	struct hras_link	*c;

	far = bufferevent_pair_get_partner(l->bev);
	TAILQ_FOREACH(c, &t->h.links, entry)
		if (c->bev == far)
			return c;
	fail_msg("no hras link for hrac's");
	return NULL;
}

/* Run until both directions delivered n records, for at most ms. */
static void
th_until_all(struct th *t, int n, int ms)
{
	for (; ms > 0 && (t->to_hras < n || t->to_hrac < n); ms -= 10)
		unet_run(t->base, 10);
	assert_int_equal(t->to_hras, n);
	assert_int_equal(t->to_hrac, n);
}

/*
 * Up with two lanes (copies as tunnel.copies says), each with its GET and
 * POST streaming: hras's session of it.
 */
static struct hras_session *
th_two_lanes(struct th *t, const char *copies)
{
	struct hrac_session	*s = &t->hc.session;
	int			 i;

	t->lanes = 2;
	t->copies = copies;
	th_start(t, TH_SECRET, 1);
	assert_true(th_until_up(t, 3000));
	for (i = 0; i < 300 && (s->lane[1].up == NULL ||
	    !s->lane[1].up->streaming || th_far(t, s->lane[1].down)->s ==
	    NULL); i++)
		unet_run(t->base, 10);
	assert_non_null(s->lane[1].down);
	assert_non_null(s->lane[1].up);
	assert_true(s->lane[1].up->streaming);
	/* Challenge and open, then a GET and a POST per lane. */
	assert_int_equal(t->npairs, 5);
	assert_non_null(TAILQ_FIRST(&t->h.sessions));
	return TAILQ_FIRST(&t->h.sessions);
}

/*
 * The first lane's bytes are held back both ways (a lost segment, a
 * stalled path): SIP both ways arrives over the second lane, once each
 * and in order; once the first lane goes again, the copies it brings are
 * dropped, and the tunnel never went down.
 */
static void
test_lanes_hold(void **state)
{
	struct th		*t = *state;
	struct hrac_session	*s = &t->hc.session;
	struct bufferevent	*up0, *down0;
	struct hras_session	*hs;
	const struct tunnel_stats *st;
	int			 i, n = 0;

	hs = th_two_lanes(t, "always");
	th_send_both(t, &n, TH_BURST);
	th_until_all(t, n, 2000);
	up0 = s->lane[0].up->bev;
	down0 = th_far(t, s->lane[0].down)->bev;
	assert_int_equal(bufferevent_disable(up0, EV_WRITE), 0);
	assert_int_equal(bufferevent_disable(down0, EV_WRITE), 0);
	for (i = 0; i < 20; i++) {
		th_send_both(t, &n, 5);
		unet_run(t->base, 10);
	}
	th_until_all(t, n, 2000);
	assert_int_equal(bufferevent_enable(up0, EV_WRITE), 0);
	assert_int_equal(bufferevent_enable(down0, EV_WRITE), 0);
	unet_run(t->base, 200);
	th_send_both(t, &n, TH_BURST);
	th_until_all(t, n, 2000);
	/* Every frame since the second lane came came twice (the held
	   ones' copies last), and the copies were dropped. */
	for (i = 0; i < 2; i++) {
		st = tunnel_stats(i == 0 ? s->tun : hs->tun);
		assert_true(st->rx_dups >= 20);
		assert_true(st->rx_frames - st->rx_dups <= 5);
	}
	assert_true(hrac_session_is_up(s));
	assert_int_equal(t->hc.session.ups, 1);
}

/*
 * A burst of SIP both ways, all of it delivered, then the frames that came
 * twice since the last call, to hrac and to hras (records share frames: a
 * burst is a few).
 */
static void
th_burst_dups(struct th *t, int *n, uint64_t *hc, uint64_t *hs)
{
	uint64_t	 now_hc, now_hs;

	th_send_both(t, n, TH_BURST);
	th_until_all(t, *n, 2000);
	unet_run(t->base, 50);
	now_hc = tunnel_stats(t->hc.session.tun)->rx_dups;
	now_hs = tunnel_stats(TAILQ_FIRST(&t->h.sessions)->tun)->rx_dups;
	*hc = now_hc - t->dups_hc;
	*hs = now_hs - t->dups_hs;
	t->dups_hc = now_hc;
	t->dups_hs = now_hs;
}

/*
 * Copies on loss: hras hears hrac's choice; on a clean path only the first
 * lane carries frames; once hras sees loss (and tells hrac) both lanes
 * carry every frame both ways for LANES_LOSS_HOLD, then only the first
 * again; a reload to "always" copies at once, without loss.
 */
static void
test_lanes_on_loss(void **state)
{
	struct th		*t = *state;
	struct hrac_session	*s = &t->hc.session;
	struct hras_session	*hs;
	uint64_t		 hc_dups, hs_dups;
	uint8_t			 loss = FRAME_CTL_LOSS;
	int			 i, n = 0;

	hs = th_two_lanes(t, "on-loss");
	assert_int_equal(hs->lanes.mode, LANES_COPY_ON_LOSS);
	/* The second lane's first batches (it was idle) are copies. */
	th_burst_dups(t, &n, &hc_dups, &hs_dups);
	th_burst_dups(t, &n, &hc_dups, &hs_dups);
	assert_int_equal(hc_dups, 0);
	assert_int_equal(hs_dups, 0);
	/* hras saw its connections lose segments: as its timer does. */
	lanes_loss(&hs->lanes, th_clock, 0);
	assert_int_equal(tunnel_send(hs->tun, FRAME_CONTROL, 0, &loss, 1), 0);
	unet_run(t->base, 50);
	assert_true(lanes_copying(&s->lanes, th_clock));
	assert_int_equal(s->lanes.told, 1);
	th_burst_dups(t, &n, &hc_dups, &hs_dups);
	assert_true(hc_dups > 0);
	assert_true(hs_dups > 0);
	/* No loss for the hold (time goes by in steps short of
	   tunnel.timeout, with traffic): the first lane alone again. */
	for (i = 0; i < LANES_LOSS_HOLD; i += 10) {
		th_clock += 10;
		th_burst_dups(t, &n, &hc_dups, &hs_dups);
	}
	th_burst_dups(t, &n, &hc_dups, &hs_dups);
	th_burst_dups(t, &n, &hc_dups, &hs_dups);
	assert_int_equal(hc_dups, 0);
	assert_int_equal(hs_dups, 0);
	/* Reloaded to copy always: both halves do, with no loss. */
	t->hc.conf->copies = LANES_COPY_ALWAYS;
	hrac_session_lanes_reload(s);
	unet_run(t->base, 50);
	assert_int_equal(hs->lanes.mode, LANES_COPY_ALWAYS);
	th_burst_dups(t, &n, &hc_dups, &hs_dups);
	assert_true(hc_dups > 0);
	assert_true(hs_dups > 0);
	assert_int_equal(t->hc.session.ups, 1);
}

/*
 * Copies start while the first lane is held back both ways (as a lost
 * segment holds it): the second lane joins with the batches it missed of
 * the last moments, so the SIP only the first lane had carried arrives
 * over the second too, once each and in order, before the first lane
 * moves again; nothing is dropped as a copy that was never delivered.
 */
static void
test_lanes_join(void **state)
{
	struct th		*t = *state;
	struct hrac_session	*s = &t->hc.session;
	struct hras_session	*hs;
	struct bufferevent	*up0, *down0;
	uint64_t		 hc_dups, hs_dups;
	uint8_t			 loss = FRAME_CTL_LOSS;
	int			 n = 0;

	hs = th_two_lanes(t, "on-loss");
	th_burst_dups(t, &n, &hc_dups, &hs_dups);
	th_burst_dups(t, &n, &hc_dups, &hs_dups);
	assert_int_equal(hc_dups + hs_dups, 0);
	up0 = s->lane[0].up->bev;
	down0 = th_far(t, s->lane[0].down)->bev;
	assert_int_equal(bufferevent_disable(up0, EV_WRITE), 0);
	assert_int_equal(bufferevent_disable(down0, EV_WRITE), 0);
	/* Only the first lane takes these: no loss seen yet. */
	th_send_both(t, &n, 5);
	unet_run(t->base, 20);
	assert_true(t->to_hras < n && t->to_hrac < n);
	lanes_loss(&hs->lanes, th_clock, 0);
	assert_int_equal(tunnel_send(hs->tun, FRAME_CONTROL, 0, &loss, 1), 0);
	th_send_both(t, &n, 5);
	th_until_all(t, n, 2000);
	assert_int_equal(bufferevent_enable(up0, EV_WRITE), 0);
	assert_int_equal(bufferevent_enable(down0, EV_WRITE), 0);
	unet_run(t->base, 200);
	th_send_both(t, &n, TH_BURST);
	th_until_all(t, n, 2000);
	assert_true(hrac_session_is_up(s));
	assert_int_equal(t->hc.session.ups, 1);
}

/*
 * A reload to "always" while the first lane's upstream is held back:
 * hrac's word of it goes with its frames, on both lanes, so hras hears it
 * over the second although later frames came first there (written into
 * the first lane alone, it would be dropped as delivered when the first
 * moves again), and copies from then on.
 */
static void
test_lanes_reload_held(void **state)
{
	struct th		*t = *state;
	struct hrac_session	*s = &t->hc.session;
	struct hras_session	*hs;
	struct bufferevent	*up0;
	uint64_t		 hc_dups, hs_dups;
	int			 n = 0;

	hs = th_two_lanes(t, "on-loss");
	th_burst_dups(t, &n, &hc_dups, &hs_dups);
	assert_int_equal(hs->lanes.mode, LANES_COPY_ON_LOSS);
	up0 = s->lane[0].up->bev;
	assert_int_equal(bufferevent_disable(up0, EV_WRITE), 0);
	t->hc.conf->copies = LANES_COPY_ALWAYS;
	hrac_session_lanes_reload(s);
	th_send_both(t, &n, 5);
	th_until_all(t, n, 2000);
	assert_int_equal(hs->lanes.mode, LANES_COPY_ALWAYS);
	assert_int_equal(bufferevent_enable(up0, EV_WRITE), 0);
	unet_run(t->base, 200);
	assert_int_equal(hs->lanes.mode, LANES_COPY_ALWAYS);
	assert_true(hrac_session_is_up(s));
	assert_int_equal(t->hc.session.ups, 1);
}

/*
 * hras closes the second lane's POST and then its GET: the tunnel stays
 * up on the first, SIP keeps arriving once each, and hrac opens the
 * second lane again HRAC_LANE_RETRY seconds later.
 */
static void
test_lane_lost(void **state)
{
	struct th		*t = *state;
	struct hrac_session	*s = &t->hc.session;
	int			 i, n = 0;

	th_two_lanes(t, "always");
	th_send_both(t, &n, TH_BURST);
	hras_link_close(th_far(t, s->lane[1].up), "test");
	th_send_both(t, &n, TH_BURST);
	th_until_all(t, n, 2000);
	hras_link_close(th_far(t, s->lane[1].down), "test");
	th_send_both(t, &n, TH_BURST);
	th_until_all(t, n, 2000);
	assert_null(s->lane[1].up);
	assert_null(s->lane[1].down);
	assert_true(hrac_session_is_up(s));
	/* Reopened by the once-a-second timer once the wait is over. */
	th_clock += HRAC_LANE_RETRY;
	for (i = 0; i < 300 && (s->lane[1].up == NULL ||
	    !s->lane[1].up->streaming); i++)
		unet_run(t->base, 10);
	assert_non_null(s->lane[1].down);
	assert_true(s->lane[1].up->streaming);
	assert_int_equal(t->npairs, 7);
	th_send_both(t, &n, TH_BURST);
	th_until_all(t, n, 2000);
	assert_int_equal(t->hc.session.ups, 1);
}

/* Past tunnel.get_age both lanes renew their GET and POST, losing nothing. */
static void
test_lanes_renewal(void **state)
{
	struct th		*t = *state;
	struct hrac_session	*s = &t->hc.session;
	struct hrac_link	*down1;
	int			 i, n = 0;

	th_two_lanes(t, "always");
	down1 = s->lane[1].down;
	th_clock += t->hc.conf->get_age;
	for (i = 0; i < 200; i++) {
		th_send_both(t, &n, 5);
		unet_run(t->base, 10);
	}
	th_until_all(t, n, 2000);
	assert_true(s->lane[1].down != down1);
	assert_null(s->lane[1].down_next);
	assert_null(s->lane[1].up_old);
	assert_null(s->lane[0].down_next);
	assert_null(s->lane[0].up_old);
	/* Two requests more per lane. */
	assert_int_equal(t->npairs, 9);
	assert_true(hrac_session_is_up(s));
}

/*
 * With copies on loss and a clean path, the second lane's POST renews
 * before its idle keepalive is due: the new POST carries the next batch
 * at once rather than an empty body until then.
 */
static void
test_lanes_renewal_on_loss(void **state)
{
	struct th		*t = *state;
	struct hrac_session	*s = &t->hc.session;
	struct hrac_link	*up1;
	uint64_t		 hc_dups, hs_dups;
	int			 i, n = 0;

	th_two_lanes(t, "on-loss");
	th_burst_dups(t, &n, &hc_dups, &hs_dups);
	up1 = s->lane[1].up;
	assert_true(t->hc.conf->get_age < t->hc.conf->dead_after / 2);
	th_clock += t->hc.conf->get_age;
	for (i = 0; i < 300 && (s->lane[1].up == up1 ||
	    !s->lane[1].up->streaming || s->lane[1].up_old != NULL); i++)
		unet_run(t->base, 10);
	assert_ptr_not_equal(s->lane[1].up, up1);
	assert_true(s->lane[1].up->streaming);
	th_send_both(t, &n, 5);
	th_until_all(t, n, 2000);
	unet_run(t->base, 50);
	assert_int_not_equal(th_far(t, s->lane[1].up)->rx_last, 0);
	assert_true(hrac_session_is_up(s));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_admission, th_setup,
		    th_teardown),
		cmocka_unit_test_setup_teardown(test_admission_pairs,
		    th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_secret, th_setup,
		    th_teardown),
		cmocka_unit_test_setup_teardown(test_renewal, th_setup,
		    th_teardown),
		cmocka_unit_test_setup_teardown(test_slow_consumer, th_setup,
		    th_teardown),
		cmocka_unit_test_setup_teardown(test_close_mid_body, th_setup,
		    th_teardown),
		cmocka_unit_test_setup_teardown(test_lanes_hold, th_setup,
		    th_teardown),
		cmocka_unit_test_setup_teardown(test_lanes_on_loss, th_setup,
		    th_teardown),
		cmocka_unit_test_setup_teardown(test_lanes_reload_held,
		    th_setup, th_teardown),
		cmocka_unit_test_setup_teardown(test_lanes_join, th_setup,
		    th_teardown),
		cmocka_unit_test_setup_teardown(test_lane_lost, th_setup,
		    th_teardown),
		cmocka_unit_test_setup_teardown(test_lanes_renewal, th_setup,
		    th_teardown),
		cmocka_unit_test_setup_teardown(test_lanes_renewal_on_loss,
		    th_setup, th_teardown),
	};

	log_init("test_hrac_session", 0, LOG_LEVEL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
