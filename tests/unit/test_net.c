/*
 * Unit tests of -n's address check (net_is_local): wildcards and loopback
 * are this machine's, an address of an interface is, one of no interface
 * is not, and what is not a numeric address is not either.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ifaddrs.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "net.h"

/* Wildcards, loopback, an interface's address: yes; others: no. */
static void
test_is_local(void **state)
{
	struct ifaddrs	*ifa, *i;
	char		 addr[INET6_ADDRSTRLEN];
	int		 seen = 0;

	(void)state;
	assert_int_equal(net_is_local("0.0.0.0"), 1);
	assert_int_equal(net_is_local("::"), 1);
	assert_int_equal(net_is_local("127.0.0.1"), 1);
	assert_int_equal(net_is_local("127.3.4.5"), 1);
	assert_int_equal(net_is_local("::1"), 1);
	/* TEST-NET-1 and -3, and a documentation IPv6 address. */
	assert_int_equal(net_is_local("192.0.2.77"), 0);
	assert_int_equal(net_is_local("203.0.113.201"), 0);
	assert_int_equal(net_is_local("2001:db8::77"), 0);
	assert_int_equal(net_is_local("hras.example"), 0);
	assert_int_equal(net_is_local(""), 0);
	/* Every address getifaddrs lists is local. */
	assert_int_equal(getifaddrs(&ifa), 0);
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
			continue;
		assert_non_null(inet_ntop(AF_INET,
		    &((struct sockaddr_in *)i->ifa_addr)->sin_addr, addr,
		    sizeof(addr)));
		assert_int_equal(net_is_local(addr), 1);
		seen++;
	}
	freeifaddrs(ifa);
	assert_true(seen > 0);
}

/* -n's line names the file, the key and the value; 1 when it fails. */
static void
test_check_local(void **state)
{
	(void)state;
	assert_int_equal(net_check_local("f.conf", "media.address",
	    "127.0.0.1"), 0);
	assert_int_equal(net_check_local("f.conf", "media.address",
	    "192.0.2.77"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_local),
		cmocka_unit_test(test_check_local),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
