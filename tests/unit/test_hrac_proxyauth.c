/*
 * Unit tests of hrac's proxy authentication (hrac_proxyauth.c) on a link
 * without a connection: the proxy's 407s are parsed from their bytes as
 * hrac_link.c gets them. "auto" tries Negotiate (no Kerberos credentials
 * here, so it goes on), then answers NTLM over Basic, the NTLM handshake
 * runs NEGOTIATE, CHALLENGE, AUTHENTICATE and a 407 after it is a refusal
 * naming the user; a configured scheme the proxy does not offer, missing
 * credentials, challenges hidden in quoted parameters and malformed NTLM
 * tokens are each refused with their own words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <event2/buffer.h>

#include "config.h"
#include "hrac.h"
#include "hrac_config.h"
#include "http.h"

/* MS-NLMP 4.2.4.3's CHALLENGE message, base64. */
#define TP_CHALLENGE	"TlRMTVNTUAACAAAADAAMADgAAAAzgoriASNFZ4mrze8AAAAAAAAA" \
			"ACQAJABEAAAABgBwFwAAAA9TAGUAcgB2AGUAcgACAAwARABvAG0A" \
			"YQBpAG4AAQAMAFMAZQByAHYAZQByAAAAAAA="

static char	tp_domain[] = "CORP";

struct tp {
	struct hrac_session	 s;
	struct hrac_config	 conf;
	struct hrac_link	 l;
	struct http_msg		 m;
	char			 out[HRAC_PAUTH_LINE_MAX];
	char			 why[512];
};

/* A session through 10.77.0.1:3128 with these credentials, one link. */
static struct tp *
tp_new(enum proxy_auth_method method, const char *user, const char *pass)
{
	struct tp	*t;

	assert_non_null(t = calloc(1, sizeof(*t)));
	assert_int_equal(config_parse_url("http://10.77.0.1:3128",
	    &t->s.proxy), 0);
	assert_int_equal(config_parse_url("http://198.51.100.10:8080/",
	    &t->s.server), 0);
	t->s.has_proxy = 1;
	t->conf.proxy_auth_set = 1;
	t->conf.proxy_auth_method = method;
	t->conf.proxy_auth_user = (char *)(uintptr_t)user;
	t->conf.proxy_auth_password = (char *)(uintptr_t)pass;
	t->conf.proxy_auth_domain = user != NULL ? tp_domain : NULL;
	assert_int_equal(hrac_proxyauth_init(&t->s, &t->conf), 0);
	t->l.s = &t->s;
	return t;
}

static void
tp_free(struct tp *t)
{
	hrac_proxyauth_done(&t->l);
	hrac_proxyauth_free(&t->s);
	free(t);
}

/* The proxy answers 407 with these Proxy-Authenticate lines. */
static int
tp_407(struct tp *t, const char *headers)
{
	struct evbuffer	*b;

	assert_non_null(b = evbuffer_new());
	evbuffer_add_printf(b, "HTTP/1.1 407 Proxy Authentication Required\r\n"
	    "%sContent-Length: 0\r\n\r\n", headers);
	assert_int_equal(http_parse_response(b, &t->m), 1);
	evbuffer_free(b);
	t->why[0] = '\0';
	return hrac_proxyauth_next(&t->l, &t->m, t->out, sizeof(t->out),
	    t->why, sizeof(t->why));
}

/* The Kerberos library finds no credentials and no realm here. */
static int
tp_setup(void **state)
{
	(void)state;
	setenv("KRB5CCNAME", "FILE:/nonexistent/vofw-unit-cc", 1);
	setenv("KRB5_CONFIG", "/dev/null", 1);
	unsetenv("KRB5_CLIENT_KTNAME");
	return 0;
}

/* auto: Negotiate fails without a ticket, NTLM wins over Basic. */
static void
test_proxyauth_ntlm(void **state)
{
	struct tp	*t = tp_new(PROXY_AUTH_AUTO, "alice", "pw");

	(void)state;
	assert_string_equal(hrac_proxyauth_preflight(&t->l) ? "yes" : "no",
	    "no");
	assert_int_equal(tp_407(t, "Proxy-Authenticate: Negotiate\r\n"
	    "Proxy-Authenticate: NTLM\r\n"
	    "Proxy-Authenticate: Basic realm=\"a, b\"\r\n"), 1);
	assert_true(strncmp(t->out, "Proxy-Authorization: NTLM TlRMTVNTUAAB",
	    38) == 0);
	assert_int_equal(t->s.pa.learnt, PROXY_AUTH_NTLM);
	assert_true(t->s.pa.gss_failed);
	assert_int_equal(tp_407(t, "Proxy-Authenticate: NTLM " TP_CHALLENGE
	    "\r\n"), 1);
	assert_true(strncmp(t->out, "Proxy-Authorization: NTLM TlRMTVNTUAAD",
	    38) == 0);
	assert_non_null(strstr(t->out, "\r\n"));
	assert_int_equal(t->l.pa.round, 2);
	/* A new link of this session starts with NTLM at once. */
	assert_int_equal(tp_407(t, "Proxy-Authenticate: NTLM\r\n"), 0);
	assert_string_equal(t->why, "the proxy at 10.77.0.1:3128 refused the "
	    "NTLM credentials of user CORP\\alice (407 Proxy Authentication "
	    "Required); check proxy_auth's user, password and domain");
	tp_free(t);
}

/* Malformed CHALLENGE tokens are refused, never read past. */
static void
test_proxyauth_malformed(void **state)
{
	static const char *const bad[] = {
		"abc", "TlRM====", "TlRM*TlR", "AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"TlRMTVNTUAACAAAA", "=TlRMTVNTUAACAAA",
	};
	struct tp	*t;
	char		 h[256];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = tp_new(PROXY_AUTH_NTLM, "alice", "pw");
		assert_int_equal(hrac_proxyauth_header(&t->l, t->out,
		    sizeof(t->out), t->why, sizeof(t->why)), 0);
		assert_true(strncmp(t->out, "Proxy-Authorization: NTLM ",
		    26) == 0);
		snprintf(h, sizeof(h), "Proxy-Authenticate: NTLM %s\r\n",
		    bad[i]);
		assert_int_equal(tp_407(t, h), 0);
		assert_string_equal(t->why, "the proxy at 10.77.0.1:3128 sent "
		    "a malformed NTLM challenge");
		tp_free(t);
	}
}

/* A configured scheme the proxy does not offer; no credentials at all. */
static void
test_proxyauth_refused(void **state)
{
	struct tp	*t = tp_new(PROXY_AUTH_BASIC, "alice", "pw");

	(void)state;
	assert_int_equal(hrac_proxyauth_header(&t->l, t->out, sizeof(t->out),
	    t->why, sizeof(t->why)), 0);
	assert_string_equal(t->out, "Proxy-Authorization: Basic "
	    "YWxpY2U6cHc=\r\n");
	assert_true(hrac_proxyauth_per_request(&t->l));
	assert_int_equal(tp_407(t, "Proxy-Authenticate: NTLM\r\n"), 0);
	assert_string_equal(t->why, "the proxy at 10.77.0.1:3128 does not "
	    "accept Basic authentication (407 Proxy Authentication Required; "
	    "it offers NTLM); set proxy_auth.method to \"auto\" or to what it "
	    "offers");
	tp_free(t);

	t = tp_new(PROXY_AUTH_AUTO, NULL, NULL);
	assert_int_equal(tp_407(t, "Proxy-Authenticate: NTLM\r\n"
	    "Proxy-Authenticate: Basic realm=\"x\"\r\n"), 0);
	assert_string_equal(t->why, "the proxy at 10.77.0.1:3128 requires "
	    "authentication (407 Proxy Authentication Required; it offers "
	    "NTLM, Basic); give its user and password in proxy_auth (or in "
	    "proxy, \"http://user:password@host:port\")");
	tp_free(t);
}

/* Scheme names inside quoted parameters are not offers. */
static void
test_proxyauth_quoted(void **state)
{
	struct tp	*t = tp_new(PROXY_AUTH_AUTO, "alice", "pw");

	(void)state;
	assert_int_equal(tp_407(t, "Proxy-Authenticate: Basic realm=\"NTLM, "
	    "Negotiate\", charset=\"UTF-8\"\r\n"), 1);
	assert_true(strncmp(t->out, "Proxy-Authorization: Basic ", 27) == 0);
	assert_int_equal(t->s.pa.learnt, PROXY_AUTH_BASIC);
	assert_false(t->s.pa.gss_failed);
	tp_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proxyauth_ntlm),
		cmocka_unit_test(test_proxyauth_malformed),
		cmocka_unit_test(test_proxyauth_refused),
		cmocka_unit_test(test_proxyauth_quoted),
	};

	return cmocka_run_group_tests(tests, tp_setup, NULL);
}
