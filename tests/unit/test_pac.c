/*
 * Unit tests for proxy auto-configuration (common/pac.c): PAC scripts run
 * with the standard helper functions, the answers' first usable entry,
 * scripts that fail (syntax, throw, no function, a non-string, the memory
 * cap), no_proxy matching and the environment's variables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pac.h"

static const char ts_url[] = "http://hras.example.net:8080/";

/* Run script for host (whose address is ip) from my_ip: its answer. */
static int
ts_run(const char *script, const char *host, const char *ip,
    const char *my_ip, char *out, size_t len)
{
	struct pac_net	 net;
	char		 err[256];
	int		 rc;

	memset(&net, 0, sizeof(net));
	net.host = host;
	snprintf(net.host_ip, sizeof(net.host_ip), "%s", ip);
	snprintf(net.my_ip, sizeof(net.my_ip), "%s", my_ip);
	rc = pac_run(script, strlen(script), ts_url, &net, out, len, err,
	    sizeof(err));
	if (rc == -1)
		snprintf(out, len, "ERR %s", err);
	return rc;
}

/* A company's usual script: inside names direct, the rest by the proxy. */
static void
test_pac_helpers(void **state)
{
	static const char script[] =
	    "function FindProxyForURL(url, host) {\n"
	    "  if (isPlainHostName(host) || dnsDomainIs(host, '.corp.lan'))\n"
	    "    return 'DIRECT';\n"
	    "  if (isInNet(host, '10.0.0.0', '255.0.0.0')) return 'DIRECT';\n"
	    "  if (shExpMatch(host, '*.example.net'))\n"
	    "    return 'PROXY squid.corp.lan:3128; DIRECT';\n"
	    "  if (isInNet(myIpAddress(), '192.168.0.0', '255.255.0.0'))\n"
	    "    return 'PROXY branch:8080';\n"
	    "  return 'PROXY other:80';\n"
	    "}\n";
	char	 out[PAC_RESULT_MAX];

	(void)state;
	assert_int_equal(ts_run(script, "intranet", "", "", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "DIRECT");
	assert_int_equal(ts_run(script, "wiki.corp.lan", "", "", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "DIRECT");
	assert_int_equal(ts_run(script, "hras.example.net", "198.51.100.10",
	    "", out, sizeof(out)), 0);
	assert_string_equal(out, "PROXY squid.corp.lan:3128; DIRECT");
	/* isInNet resolves the host: through the address given. */
	assert_int_equal(ts_run(script, "db.example.org", "10.1.2.3", "",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "DIRECT");
	assert_int_equal(ts_run(script, "db.example.org", "", "192.168.4.5",
	    out, sizeof(out)), 0);
	assert_string_equal(out, "PROXY branch:8080");
	assert_int_equal(ts_run(script, "db.example.org", "", "", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "PROXY other:80");
}

/* The other helpers, each checked by a script that returns its results. */
static void
test_pac_more_helpers(void **state)
{
	static const char script[] =
	    "function FindProxyForURL(url, host) {\n"
	    "  return [dnsResolve(host), dnsResolve('1.2.3.4'),\n"
	    "    dnsResolve('elsewhere.example'), isResolvable(host),\n"
	    "    dnsDomainLevels('a.b.c'), localHostOrDomainIs('www',\n"
	    "    'www.corp.lan'), localHostOrDomainIs('www.other',\n"
	    "    'www.corp.lan'), shExpMatch('a.b', 'a?b'),\n"
	    "    shExpMatch('axb', 'a.b'), shExpMatch(url, 'http://*'),\n"
	    "    typeof weekdayRange('MON', 'SUN'),\n"
	    "    timeRange(0, 23), dateRange(1, 31),\n"
	    "    dateRange('JAN', 'DEC'), dateRange(1995, 2400)].join(',');\n"
	    "}\n";
	char	 out[PAC_RESULT_MAX];

	(void)state;
	assert_int_equal(ts_run(script, "hras.example.net", "198.51.100.10",
	    "", out, sizeof(out)), 0);
	assert_string_equal(out, "198.51.100.10,1.2.3.4,,true,2,true,false,"
	    "true,false,true,boolean,true,true,true,true");
}

/* Scripts that give no answer say why. */
static void
test_pac_failures(void **state)
{
	char	 out[PAC_RESULT_MAX], big[64];

	(void)state;
	assert_int_equal(ts_run("function FindProxyForURL(u, h) {", "h", "",
	    "", out, sizeof(out)), -1);
	assert_non_null(strstr(out, "SyntaxError"));
	assert_int_equal(ts_run("var x = 1;", "h", "", "", out, sizeof(out)),
	    -1);
	assert_string_equal(out, "ERR no function FindProxyForURL");
	assert_int_equal(ts_run("function FindProxyForURL(u, h) { throw "
	    "new Error('boom'); }", "h", "", "", out, sizeof(out)), -1);
	assert_non_null(strstr(out, "boom"));
	assert_int_equal(ts_run("function FindProxyForURL(u, h) { return 3; }",
	    "h", "", "", out, sizeof(out)), -1);
	assert_string_equal(out, "ERR FindProxyForURL did not return a "
	    "string");
	/* A script that eats memory meets the cap, not the machine's end. */
	assert_int_equal(ts_run("function FindProxyForURL(u, h) { var a = "
	    "[]; for (;;) a.push(new Array(100000).join('x') + a.length); }",
	    "h", "", "", out, sizeof(out)), -1);
	assert_non_null(strstr(out, "FindProxyForURL"));
	/* An answer longer than the caller's buffer. */
	assert_int_equal(ts_run("function FindProxyForURL(u, h) { return "
	    "new Array(200).join('PROXY a:1; '); }", "h", "", "", big,
	    sizeof(big)), -1);
}

/* The first entry hrac can use. */
static void
test_pac_pick(void **state)
{
	char	 p[300];

	(void)state;
	assert_int_equal(pac_pick("PROXY squid:3128; DIRECT", p, sizeof(p)),
	    0);
	assert_string_equal(p, "http://squid:3128");
	assert_int_equal(pac_pick("  DIRECT ", p, sizeof(p)), 0);
	assert_string_equal(p, "");
	assert_int_equal(pac_pick("SOCKS5 s:1080; HTTPS h:443; HTTP "
	    "10.0.0.1:8080", p, sizeof(p)), 0);
	assert_string_equal(p, "http://10.0.0.1:8080");
	assert_int_equal(pac_pick(";;proxy [2001:db8::1]:3128", p, sizeof(p)),
	    0);
	assert_string_equal(p, "http://[2001:db8::1]:3128");
	assert_int_equal(pac_pick("SOCKS s:1080", p, sizeof(p)), -1);
	assert_int_equal(pac_pick("", p, sizeof(p)), -1);
	assert_int_equal(pac_pick("PROXY", p, sizeof(p)), -1);
	assert_int_equal(pac_pick("PROXY a/b@c:1", p, sizeof(p)), -1);
	assert_int_equal(pac_pick("DIRECT now", p, sizeof(p)), -1);
}

/* no_proxy: names with their subdomains, ports, addresses, networks. */
static void
test_pac_no_proxy(void **state)
{
	(void)state;
	assert_true(pac_no_proxy("localhost,.corp.lan", "wiki.corp.lan", 80));
	assert_true(pac_no_proxy("corp.lan", "wiki.corp.lan", 80));
	assert_true(pac_no_proxy("corp.lan", "CORP.LAN", 80));
	assert_false(pac_no_proxy("corp.lan", "notcorp.lan", 80));
	assert_true(pac_no_proxy("*.example.net", "hras.example.net", 80));
	assert_true(pac_no_proxy("a, hras.example.net:8080 b", "hras.example."
	    "net", 8080));
	assert_false(pac_no_proxy("hras.example.net:8443", "hras.example.net",
	    8080));
	assert_true(pac_no_proxy("198.51.100.0/24", "198.51.100.10", 8080));
	assert_false(pac_no_proxy("198.51.100.0/25", "198.51.100.200", 8080));
	assert_true(pac_no_proxy("198.51.100.10", "198.51.100.10", 8080));
	assert_false(pac_no_proxy("100.10", "198.51.100.10", 8080));
	assert_true(pac_no_proxy("*", "anything", 1));
	assert_false(pac_no_proxy("", "anything", 1));
	assert_false(pac_no_proxy("10.0.0.0/99,.", "10.1.1.1", 1));
}

/* https_proxy for TLS servers, http_proxy otherwise; empty is unset. */
static void
test_pac_env(void **state)
{
	const char	*name = NULL;

	(void)state;
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	assert_null(pac_env_proxy(0, &name));
	setenv("HTTP_PROXY", "http://a:1", 1);
	assert_string_equal(pac_env_proxy(0, &name), "http://a:1");
	assert_string_equal(name, "HTTP_PROXY");
	setenv("http_proxy", "http://b:2", 1);
	assert_string_equal(pac_env_proxy(0, &name), "http://b:2");
	assert_string_equal(name, "http_proxy");
	assert_null(pac_env_proxy(1, &name));
	setenv("https_proxy", "", 1);
	assert_null(pac_env_proxy(1, &name));
	setenv("HTTPS_PROXY", "http://c:3", 1);
	assert_string_equal(pac_env_proxy(1, &name), "http://c:3");
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pac_helpers),
		cmocka_unit_test(test_pac_more_helpers),
		cmocka_unit_test(test_pac_failures),
		cmocka_unit_test(test_pac_pick),
		cmocka_unit_test(test_pac_no_proxy),
		cmocka_unit_test(test_pac_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
