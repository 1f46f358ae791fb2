/*
 * Unit tests for hrac's memory of where relayed requests came from
 * (hrac/hrac_txn.c): an answer finds its sender by branch and host, an
 * ACK is not remembered, entries expire (an INVITE's later than others'),
 * and the table never holds more than its bound.
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
#include "sip.h"

static osip_message_t	*tt_msg(const char *method, const char *branch);

/* A request (method) or a 200 (method NULL) whose top Via has branch. */
static osip_message_t *
tt_msg(const char *method, const char *branch)
{
	osip_message_t	*m;
	const char	*why;
	char		 msg[1024];
	int		 status, n;

	if (method != NULL)
		n = snprintf(msg, sizeof(msg), "%s sip:bob@198.51.100.14 "
		    "SIP/2.0\r\n", method);
	else
		n = snprintf(msg, sizeof(msg), "SIP/2.0 200 OK\r\n");
	assert_true(n > 0);
	n += snprintf(msg + n, sizeof(msg) - (size_t)n,
	    "Via: SIP/2.0/UDP 10.77.0.7:5076;branch=%s\r\n"
	    "From: <sip:probe@corp.example>;tag=a\r\n"
	    "To: <sip:bob@198.51.100.14>\r\n"
	    "Call-ID: txn-1\r\nCSeq: 1 %s\r\n"
	    "Content-Length: 0\r\n\r\n", branch,
	    method != NULL ? method : "OPTIONS");
	assert_true(n > 0 && (size_t)n < sizeof(msg));
	assert_int_equal(sip_parse(msg, (size_t)n, &m, &status, &why), 0);
	return m;
}

/* The answer goes to the host the request came from, only there. */
static void
test_sender(void **state)
{
	struct hrac_txn		*x;
	struct sip_addr		 from = { "10.77.0.7", 5076, 0 };
	osip_message_t		*req, *ack, *ok, *other;

	(void)state;
	assert_non_null(x = hrac_txn_new(16));
	req = tt_msg("OPTIONS", "z9hG4bK-opt1");
	ack = tt_msg("ACK", "z9hG4bK-ack1");
	ok = tt_msg(NULL, "z9hG4bK-opt1");
	other = tt_msg(NULL, "z9hG4bK-opt2");
	assert_false(hrac_txn_sender(x, ok, "10.77.0.7", 100));
	hrac_txn_remember(x, req, &from, 100);
	hrac_txn_remember(x, req, &from, 101);	/* retransmission */
	hrac_txn_remember(x, ack, &from, 100);	/* gets no answer */
	assert_int_equal(hrac_txn_count(x), 1);
	assert_true(hrac_txn_sender(x, ok, "10.77.0.7", 110));
	assert_false(hrac_txn_sender(x, ok, "10.77.0.8", 110));
	assert_false(hrac_txn_sender(x, other, "10.77.0.7", 110));
	/* 64 * T1 after the last copy, the transaction is over. */
	assert_true(hrac_txn_sender(x, ok, "10.77.0.7", 132));
	assert_false(hrac_txn_sender(x, ok, "10.77.0.7", 133));
	assert_int_equal(hrac_txn_count(x), 0);
	osip_message_free(req);
	osip_message_free(ack);
	osip_message_free(ok);
	osip_message_free(other);
	hrac_txn_free(x);
	hrac_txn_free(NULL);
}

/* An INVITE waits for its final answer as long as Timer C allows. */
static void
test_invite(void **state)
{
	struct hrac_txn		*x;
	struct sip_addr		 from = { "10.77.0.7", 5076, 0 };
	osip_message_t		*inv, *ok;

	(void)state;
	assert_non_null(x = hrac_txn_new(16));
	inv = tt_msg("INVITE", "z9hG4bK-inv1");
	ok = tt_msg(NULL, "z9hG4bK-inv1");
	hrac_txn_remember(x, inv, &from, 0);
	assert_true(hrac_txn_sender(x, ok, "10.77.0.7", 211));
	assert_false(hrac_txn_sender(x, ok, "10.77.0.7", 212));
	osip_message_free(inv);
	osip_message_free(ok);
	hrac_txn_free(x);
}

/* Full, the oldest goes; a smaller bound at reload trims at once. */
static void
test_bound(void **state)
{
	struct hrac_txn		*x;
	struct sip_addr		 from = { "10.77.0.7", 5076, 0 };
	osip_message_t		*m[20], *ok;
	char			 branch[32];
	int			 i;

	(void)state;
	assert_non_null(x = hrac_txn_new(16));
	for (i = 0; i < 20; i++) {
		snprintf(branch, sizeof(branch), "z9hG4bK-b%d", i);
		m[i] = tt_msg(i == 0 ? "INVITE" : "OPTIONS", branch);
		hrac_txn_remember(x, m[i], &from, i);
	}
	assert_int_equal(hrac_txn_count(x), 16);
	/* The INVITE (0) and options 1..3 went; 4 is still there. */
	ok = tt_msg(NULL, "z9hG4bK-b0");
	assert_false(hrac_txn_sender(x, ok, "10.77.0.7", 20));
	osip_message_free(ok);
	ok = tt_msg(NULL, "z9hG4bK-b4");
	assert_true(hrac_txn_sender(x, ok, "10.77.0.7", 20));
	hrac_txn_set_max(x, 4);
	assert_int_equal(hrac_txn_count(x), 4);
	assert_false(hrac_txn_sender(x, ok, "10.77.0.7", 20));
	osip_message_free(ok);
	for (i = 0; i < 20; i++)
		osip_message_free(m[i]);
	hrac_txn_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sender),
		cmocka_unit_test(test_invite),
		cmocka_unit_test(test_bound),
	};

	sip_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
