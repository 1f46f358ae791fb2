/*
 * Unit tests of -n's address check (net_is_local): wildcards and loopback
 * are this machine's, an address of an interface is, one of no interface
 * is not, and what is not a numeric address is not either. And of the
 * tunnel's write (net_bev_write): straight to the socket without a turn
 * of the loop when nothing waits, in order behind what does.
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
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

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

/*
 * A socket bufferevent with nothing queued: the bytes are on the socket
 * before the loop turns. With bytes queued, or not direct, they queue
 * behind, and leave in order once the loop turns.
 */
static void
test_bev_write(void **state)
{
	struct event_base	*base;
	struct bufferevent	*bev;
	struct evbuffer		*data;
	char			 got[32];
	int			 sv[2];

	(void)state;
	assert_non_null(base = event_base_new());
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(evutil_make_socket_nonblocking(sv[0]), 0);
	assert_int_equal(evutil_make_socket_nonblocking(sv[1]), 0);
	assert_non_null(bev = bufferevent_socket_new(base, sv[0],
	    BEV_OPT_CLOSE_ON_FREE));
	assert_int_equal(bufferevent_enable(bev, EV_READ | EV_WRITE), 0);
	assert_non_null(data = evbuffer_new());

	assert_int_equal(evbuffer_add(data, "one", 3), 0);
	assert_int_equal(net_bev_write(bev, data), 0);
	assert_int_equal(evbuffer_get_length(data), 0);
	assert_int_equal(evbuffer_get_length(bufferevent_get_output(bev)), 0);
	assert_int_equal(read(sv[1], got, sizeof(got)), 3);
	assert_memory_equal(got, "one", 3);
	/* Nothing to write is no error. */
	assert_int_equal(net_bev_write(bev, data), 0);

	/* Queued bytes first: the next goes behind them. */
	assert_int_equal(evbuffer_add(bufferevent_get_output(bev), "two", 3),
	    0);
	assert_int_equal(evbuffer_add(data, "three", 5), 0);
	assert_int_equal(net_bev_write(bev, data), 0);
	assert_int_equal(evbuffer_get_length(bufferevent_get_output(bev)), 8);
	assert_int_equal(read(sv[1], got, sizeof(got)), -1);
	assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	assert_int_equal(read(sv[1], got, sizeof(got)), 8);
	assert_memory_equal(got, "twothree", 8);

	evbuffer_free(data);
	bufferevent_free(bev);
	close(sv[1]);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_local),
		cmocka_unit_test(test_check_local),
		cmocka_unit_test(test_bev_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
