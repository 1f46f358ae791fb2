/*
 * Unit tests of hrac's tunnel session (hrac_session.c over
 * hrac_link.c) against hras's real HTTP layer and sessions (hras_link.c,
 * hras_session.c), both halves in this process on one event loop. hrac's
 * links only connect to a host and port, so the two talk over loopback
 * sockets on 127.0.0.1, not bufferevent pairs. The clock is the test's
 * (clock_now below): the downstream's age is reached without waiting.
 *
 * Admission end to end: the tunnel comes up in stream mode and carries
 *   SIP both ways; with a wrong secret hras refuses it and it never does.
 * Renewal: past tunnel.get_age hrac renews its GET and its POST while
 *   SIP flows both ways; every record arrives once, in order.
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
static int	 th_start(struct th *, const char *);

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

/* hras on a free port, and hrac with secret towards it. */
static int
th_start(struct th *t, const char *secret)
{
	struct hras_session_cb	 scb = { th_hras_sip, NULL, t };
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
	    "tunnel = { mode = \"stream\"; get_age = 10; };\n",
	    secret, t->port);
	t->hc.conf = hrac_config_load(cpath, err, sizeof(err));
	unlink(cpath);
	if (t->hc.conf == NULL)
		fail_msg("%s", err);
	t->hc.base = t->base;
	assert_int_equal(hrac_session_init(&t->hc.session, &t->hc), 0);
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
test_admission(void **state)
{
	struct th	*t = *state;

	th_start(t, TH_SECRET);
	assert_true(th_until_up(t, 3000));
	assert_true(hras_client_up(&t->h, "corp"));
	assert_int_equal(tunnel_send(t->hc.session.tun, FRAME_SIP, 0, "0", 2), 0);
	assert_int_equal(hras_session_send(&t->h, "corp", FRAME_SIP, 0, "0",
	    2), 0);
	unet_run(t->base, 50);
	assert_int_equal(t->to_hras, 1);
	assert_int_equal(t->to_hrac, 1);
}

/*
 * A wrong secret: hras refuses the handshake, no session is opened, and
 * hrac's tunnel never comes up (it retries, refused each time).
 */
static void
test_wrong_secret(void **state)
{
	struct th	*t = *state;

	th_start(t, TH_WRONG);
	assert_false(th_until_up(t, 1500));
	assert_true(TAILQ_EMPTY(&t->h.sessions));
	assert_false(hras_client_up(&t->h, "corp"));
}

/*
 * Past tunnel.get_age hrac opens a new GET (and POST) while the old ones
 * still carry frames; hras ends the old downstream, hrac reads the rest
 * of it before the new one. SIP sent both ways all the while arrives
 * once each, in order, and the tunnel stays up.
 */
static void
test_renewal(void **state)
{
	struct th	*t = *state;
	char		 rec[TH_REC_LEN];
	int		 i, j, n = 0;
	time_t		 start;

	th_start(t, TH_SECRET);
	assert_true(th_until_up(t, 3000));
	start = t->hc.session.down_since;
	for (i = 0; i < 250; i++) {
		for (j = 0; j < TH_BURST; j++, n++) {
			memset(rec, 0, sizeof(rec));
			snprintf(rec, sizeof(rec), "%d", n);
			assert_int_equal(tunnel_send(t->hc.session.tun, FRAME_SIP, 0,
			    rec, sizeof(rec)), 0);
			assert_int_equal(hras_session_send(&t->h, "corp",
			    FRAME_SIP, 0, rec, sizeof(rec)), 0);
		}
		if (i == 20)
			th_clock += t->hc.conf->get_age;
		unet_run(t->base, 10);
		assert_true(hrac_session_is_up(&t->hc.session));
	}
	unet_run(t->base, 100);
	/* The renewal happened and is over: the new GET is the downstream. */
	assert_null(t->hc.session.down_next);
	assert_true(t->hc.session.down_since > start);
	assert_int_equal(t->to_hrac, n);
	assert_int_equal(t->to_hras, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_admission, th_setup,
		    th_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_secret, th_setup,
		    th_teardown),
		cmocka_unit_test_setup_teardown(test_renewal, th_setup,
		    th_teardown),
	};

	log_init("test_hrac_session", 0, LOG_LEVEL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
