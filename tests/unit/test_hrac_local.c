/*
 * Unit tests for hrac's table of inside bindings (hrac/hrac_local.c): what
 * the REGISTER answers it relays teach it, a binding that moves, one that
 * is removed, one that expires, user@<hrac> lookups, and the walk that
 * registers them at hras again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <osipparser2/osip_port.h>

#include "hrac.h"
#include "log.h"
#include "sip.h"

#define TL_SELF	"10.77.0.2"

static void	tl_learn(struct hrac_local *, const char *);
static int	tl_lookup(struct hrac_local *, const char *,
		    struct hrac_local_hit *);
static int	tl_walk_fn(void *, const char *, const char *, long);

/* hras's 200 to a REGISTER for carol, with these Contact lines. */
static void
tl_learn(struct hrac_local *l, const char *contacts)
{
	osip_message_t	*m;
	const char	*why;
	char		 msg[1024];
	int		 status, n;

	n = snprintf(msg, sizeof(msg), "SIP/2.0 200 OK\r\n"
	    "Via: SIP/2.0/UDP 10.77.0.5:5070;branch=z9hG4bK-r1\r\n"
	    "From: <sip:carol@corp.example>;tag=a\r\n"
	    "To: <sip:carol@corp.example>;tag=b\r\n"
	    "Call-ID: reg-1\r\nCSeq: 1 REGISTER\r\n%s"
	    "Content-Length: 0\r\n\r\n", contacts);
	assert_true(n > 0 && (size_t)n < sizeof(msg));
	assert_int_equal(sip_parse(msg, (size_t)n, &m, &status, &why), 0);
	hrac_local_learn(l, m);
	osip_message_free(m);
}

/* Look a URI up as hrac_sip_request does. */
static int
tl_lookup(struct hrac_local *l, const char *uri, struct hrac_local_hit *hit)
{
	osip_uri_t	*u;
	int		 rc;

	assert_int_equal(osip_uri_init(&u), 0);
	assert_int_equal(osip_uri_parse(u, uri), 0);
	rc = hrac_local_lookup(l, u, TL_SELF, hit);
	osip_uri_free(u);
	return rc;
}

/* Learnt, found by AOR and by user@hrac; other domains are not ours. */
static void
test_learn_lookup(void **state)
{
	struct hrac_local	*l;
	struct hrac_local_hit	 hit;

	(void)state;
	assert_non_null(l = hrac_local_new());
	assert_int_equal(tl_lookup(l, "sip:carol@corp.example", &hit), -1);
	tl_learn(l, "Contact: <sip:carol@10.77.0.5:5070>;expires=3600\r\n");
	assert_int_equal(tl_lookup(l, "sip:carol@corp.example", &hit), 1);
	assert_string_equal(hit.aor, "carol@corp.example");
	assert_string_equal(hit.contact, "sip:carol@10.77.0.5:5070");
	assert_int_equal(tl_lookup(l, "sip:carol@" TL_SELF ":5060", &hit), 1);
	assert_string_equal(hit.aor, "carol@corp.example");
	/* The domain is ours now: an unknown user is 0, not -1. */
	assert_int_equal(tl_lookup(l, "sip:dave@corp.example", &hit), 0);
	assert_int_equal(tl_lookup(l, "sip:bob@other.example", &hit), -1);
	hrac_local_free(l);
}

/* A phone that moves is followed; one that unregisters is forgotten. */
static void
test_move_remove(void **state)
{
	struct hrac_local	*l;
	struct hrac_local_hit	 hit;

	(void)state;
	assert_non_null(l = hrac_local_new());
	tl_learn(l, "Contact: <sip:carol@10.77.0.5:5070>;expires=3600\r\n");
	/* The answer to the move lists both; the newer lives longer. */
	tl_learn(l, "Contact: <sip:carol@10.77.0.5:5070>;expires=3590\r\n"
	    "Contact: <sip:carol@10.77.0.5:5072>;expires=3600\r\n");
	assert_int_equal(tl_lookup(l, "sip:carol@corp.example", &hit), 1);
	assert_string_equal(hit.contact, "sip:carol@10.77.0.5:5072");
	/* Unregistered: the answer lists no binding left. */
	tl_learn(l, "");
	assert_int_equal(tl_lookup(l, "sip:carol@corp.example", &hit), 0);
	hrac_local_free(l);
}

/*
 * With the company's domains configured, an answer for another domain
 * teaches nothing, and bindings of a domain taken off are forgotten.
 */
static void
test_domains(void **state)
{
	static char		 d1[] = "corp.example", d2[] = "other.example";
	static char		*corp[] = { d1 }, *other[] = { d2 };
	struct hrac_local	*l;
	struct hrac_local_hit	 hit;

	(void)state;
	assert_non_null(l = hrac_local_new());
	/* A reload without domains keeps those hras confirmed. */
	tl_learn(l, "Contact: <sip:carol@10.77.0.5:5070>;expires=3600\r\n");
	hrac_local_set_domains(l, NULL, 0);
	assert_int_equal(tl_lookup(l, "sip:carol@corp.example", &hit), 1);
	hrac_local_set_domains(l, other, 1);
	assert_int_equal(hrac_local_served(l, "OTHER.example"), 1);
	tl_learn(l, "Contact: <sip:carol@10.77.0.5:5070>;expires=3600\r\n");
	assert_int_equal(tl_lookup(l, "sip:carol@corp.example", &hit), -1);
	assert_int_equal(hrac_local_served(l, "corp.example"), 0);
	hrac_local_set_domains(l, corp, 1);
	tl_learn(l, "Contact: <sip:carol@10.77.0.5:5070>;expires=3600\r\n");
	assert_int_equal(tl_lookup(l, "sip:carol@corp.example", &hit), 1);
	hrac_local_set_domains(l, other, 1);
	assert_int_equal(tl_lookup(l, "sip:carol@corp.example", &hit), -1);
	hrac_local_set_domains(l, corp, 1);
	assert_int_equal(tl_lookup(l, "sip:carol@corp.example", &hit), 0);
	/* None configured: the domains hras confirms are learnt again. */
	hrac_local_set_domains(l, NULL, 0);
	assert_int_equal(hrac_local_served(l, "corp.example"), 0);
	tl_learn(l, "Contact: <sip:carol@10.77.0.5:5070>;expires=3600\r\n");
	assert_int_equal(hrac_local_served(l, "corp.example"), 1);
	hrac_local_free(l);
}

/* A binding whose time is up is gone. */
static void
test_expire(void **state)
{
	struct hrac_local	*l;
	struct hrac_local_hit	 hit;
	struct timespec		 ts = { 2, 100000000 };

	(void)state;
	assert_non_null(l = hrac_local_new());
	tl_learn(l, "Contact: <sip:carol@10.77.0.5:5070>;expires=1\r\n");
	assert_int_equal(tl_lookup(l, "sip:carol@corp.example", &hit), 1);
	nanosleep(&ts, NULL);
	assert_int_equal(tl_lookup(l, "sip:carol@corp.example", &hit), 0);
	hrac_local_free(l);
}

struct tl_walk {
	int	 calls;
	int	 stop_after;
	char	 seen[2][600];
	long	 left[2];
};

/* Record a binding the walk hands over; -1 once stop_after are seen. */
static int
tl_walk_fn(void *arg, const char *aor, const char *contact, long left)
{
	struct tl_walk	*w = arg;

	if (w->calls < 2) {
		snprintf(w->seen[w->calls], sizeof(w->seen[0]), "%s %s", aor,
		    contact);
		w->left[w->calls] = left;
	}
	w->calls++;
	return w->stop_after > 0 && w->calls >= w->stop_after ? -1 : 0;
}

/* The walk hands every live binding with the seconds it has left. */
static void
test_walk(void **state)
{
	struct hrac_local	*l;
	struct tl_walk		 w;

	(void)state;
	assert_non_null(l = hrac_local_new());
	memset(&w, 0, sizeof(w));
	assert_int_equal(hrac_local_walk(l, tl_walk_fn, &w), 0);
	assert_int_equal(w.calls, 0);
	tl_learn(l, "Contact: <sip:carol@10.77.0.5:5070>;expires=3600\r\n"
	    "Contact: <sip:carol@10.77.0.6:5070>;expires=120\r\n");
	assert_int_equal(hrac_local_walk(l, tl_walk_fn, &w), 2);
	assert_string_equal(w.seen[0],
	    "carol@corp.example sip:carol@10.77.0.5:5070");
	assert_string_equal(w.seen[1],
	    "carol@corp.example sip:carol@10.77.0.6:5070");
	assert_true(w.left[0] > 3590 && w.left[0] <= 3600);
	assert_true(w.left[1] > 110 && w.left[1] <= 120);
	/* A callee that cannot take more stops it. */
	memset(&w, 0, sizeof(w));
	w.stop_after = 1;
	assert_int_equal(hrac_local_walk(l, tl_walk_fn, &w), 0);
	assert_int_equal(w.calls, 1);
	hrac_local_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learn_lookup),
		cmocka_unit_test(test_move_remove),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_walk),
	};

	log_init("test_hrac_local", 0, LOG_LEVEL_ERR);
	sip_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
