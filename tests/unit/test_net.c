/*
 * Unit tests of -n's address check (net_is_local): wildcards and loopback
 * are this machine's, an address of an interface is, one of no interface
 * is not, and what is not a numeric address is not either. And of the
 * tunnel's write (net_bev_write): straight to the socket without a turn
 * of the loop when nothing waits, in order behind what does. And of its
 * read (net_bev_read_on): all a socket holds in one turn, plain or under
 * a TLS filter, where libevent alone reads 4096 bytes a turn.
 */
#include <sys/wait.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <ifaddrs.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

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

/* What one turn of the loop gave a read callback. */
struct turn_read {
	size_t	 max;		/* net_bev_read_on's bound; 0: not called */
	size_t	 got;		/* bytes taken from the input */
	int	 connected;
	int	 failed;	/* the handshake or the stream failed */
	int	 check;		/* byte k must be TLS_PATTERN(k) */
	size_t	 bad;		/* bytes that were not */
};

#define TLS_PATTERN(k)	((unsigned char)((k) % 251))
#define TLS_BURST	(600 * 1000)	/* bytes the client sends at once */

static void
turn_read_cb(struct bufferevent *bev, void *arg)
{
	struct turn_read	*t = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);

	unsigned char		 buf[4096];
	int			 n, k;

	if (t->max > 0)
		net_bev_read_on(bev, t->max);
	if (!t->check) {
		t->got += evbuffer_get_length(in);
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	while ((n = evbuffer_remove(in, buf, sizeof(buf))) > 0)
		for (k = 0; k < n; k++, t->got++)
			if (buf[k] != TLS_PATTERN(t->got))
				t->bad++;
}

static void
turn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct turn_read	*t = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		t->connected = 1;
	if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF))
		t->failed = 1;
}

/* Write n bytes to fd, blocking. */
static void
write_all(int fd, size_t n)
{
	char	 buf[1000];
	ssize_t	 w;

	memset(buf, 'v', sizeof(buf));
	while (n > 0) {
		w = write(fd, buf, n < sizeof(buf) ? n : sizeof(buf));
		assert_true(w > 0);
		n -= (size_t)w;
	}
}

/*
 * A plain socket holding 20000 bytes: libevent alone hands one turn 4096;
 * with net_bev_read_on the turn reads them all, or up to its bound.
 */
static void
test_bev_read_on(void **state)
{
	static const size_t	 maxes[] = { 0, 65536, 10000 };
	static const size_t	 want[] = { 4096, 20000, 10000 };
	struct event_base	*base;
	struct bufferevent	*bev;
	struct turn_read	 t;
	size_t			 i;
	int			 sv[2];

	(void)state;
	for (i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		assert_non_null(base = event_base_new());
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		assert_int_equal(evutil_make_socket_nonblocking(sv[0]), 0);
		write_all(sv[1], 20000);
		assert_non_null(bev = bufferevent_socket_new(base, sv[0],
		    BEV_OPT_CLOSE_ON_FREE));
		memset(&t, 0, sizeof(t));
		t.max = maxes[i];
		bufferevent_setcb(bev, turn_read_cb, NULL, NULL, &t);
		assert_int_equal(bufferevent_enable(bev, EV_READ), 0);
		assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
		assert_int_equal(t.got, want[i]);
		bufferevent_free(bev);
		close(sv[1]);
		event_base_free(base);
	}
}

/* A server context with a fresh self-signed P-256 certificate. */
static SSL_CTX *
test_tls_ctx(void)
{
	SSL_CTX		*ctx;
	EVP_PKEY	*key;
	X509		*crt;

	assert_non_null(key = EVP_EC_gen("P-256"));
	assert_non_null(crt = X509_new());
	assert_int_equal(X509_set_version(crt, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(crt), 1), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(crt), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(crt), 3600));
	assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(crt),
	    "CN", MBSTRING_ASC, (const unsigned char *)"hras.test", -1, -1,
	    0), 1);
	assert_int_equal(X509_set_issuer_name(crt, X509_get_subject_name(crt)),
	    1);
	assert_int_equal(X509_set_pubkey(crt, key), 1);
	assert_true(X509_sign(crt, key, EVP_sha256()) > 0);
	assert_non_null(ctx = SSL_CTX_new(TLS_server_method()));
	assert_int_equal(SSL_CTX_use_certificate(ctx, crt), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
	X509_free(crt);
	EVP_PKEY_free(key);
	return ctx;
}

/*
 * The TLS client: handshake; on a byte from ctl, 20000 bytes in records
 * of 2000 (as a tunnel's frames go), then a byte back to say they are
 * all sent. What it sent stays readable after it exits (a local socket).
 */
static void
tls_client(int fd, int ctl)
{
	SSL_CTX	*ctx;
	SSL	*ssl = NULL;
	char	 buf[2000];
	int	 i, ok = 0;

	memset(buf, 'v', sizeof(buf));
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    (ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1 ||
	    SSL_connect(ssl) != 1 || read(ctl, buf, 1) != 1)
		goto done;
	for (i = 0; i < 10; i++)
		if (SSL_write(ssl, buf, sizeof(buf)) != (int)sizeof(buf))
			goto done;
	ok = write(ctl, "w", 1) == 1;
done:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	_exit(ok ? 0 : 1);
}

/*
 * The same through a TLS filter over the socket's bufferevent, as both
 * halves hold a TLS tunnel: one turn decrypts what the first 4096 bytes
 * carried (two records at most), with net_bev_read_on or without: it
 * leaves a filter to read as libevent does (see the burst test).
 */
static void
test_bev_read_on_tls(void **state)
{
	static const size_t	 maxes[] = { 0, 65536 };
	struct event_base	*base;
	struct bufferevent	*sock, *bev;
	struct turn_read	 t;
	SSL_CTX			*ctx;
	SSL			*ssl;
	size_t			 i;
	pid_t			 pid;
	char			 c;
	int			 sv[2], ctl[2], status;

	(void)state;
	/* The server writes after the client is gone: EPIPE, as the daemons
	 * take it, not a signal. */
	assert_true(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	ctx = test_tls_ctx();
	for (i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		assert_non_null(base = event_base_new());
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, ctl), 0);
		assert_true((pid = fork()) != -1);
		if (pid == 0) {
			close(sv[0]);
			close(ctl[0]);
			tls_client(sv[1], ctl[1]);
		}
		close(sv[1]);
		close(ctl[1]);
		assert_int_equal(evutil_make_socket_nonblocking(sv[0]), 0);
		assert_non_null(sock = bufferevent_socket_new(base, sv[0],
		    BEV_OPT_CLOSE_ON_FREE));
		assert_non_null(ssl = SSL_new(ctx));
		assert_non_null(bev = bufferevent_openssl_filter_new(base,
		    sock, ssl, BUFFEREVENT_SSL_ACCEPTING,
		    BEV_OPT_CLOSE_ON_FREE));
		memset(&t, 0, sizeof(t));
		bufferevent_setcb(bev, turn_read_cb, NULL, turn_event_cb, &t);
		assert_int_equal(bufferevent_enable(bev, EV_READ | EV_WRITE),
		    0);
		while (!t.connected && !t.failed)
			assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
		assert_false(t.failed);
		/* Everything sent and in the socket: then one turn. */
		assert_int_equal(write(ctl[0], "g", 1), 1);
		while (read(ctl[0], &c, 1) == -1 && errno == EINTR)
			;
		assert_int_equal(t.got, 0);
		t.max = maxes[i];
		assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
		assert_true(t.got > 0 && t.got <= 4000);
		bufferevent_free(bev);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		close(ctl[0]);
		event_base_free(base);
	}
	SSL_CTX_free(ctx);
}

/*
 * The TLS client of the burst test: handshake, then TLS_BURST bytes of the
 * pattern in records of up to 16 KB, all at once (the socket's buffer
 * full: the server reads behind), then close.
 */
static void
tls_burst_client(int fd)
{
	SSL_CTX		*ctx;
	SSL		*ssl = NULL;
	unsigned char	 buf[16384];
	size_t		 sent = 0, n, k;
	int		 ok = 0;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    (ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1 ||
	    SSL_connect(ssl) != 1)
		goto done;
	while (sent < TLS_BURST) {
		n = TLS_BURST - sent < sizeof(buf) ? TLS_BURST - sent :
		    sizeof(buf);
		for (k = 0; k < n; k++)
			buf[k] = TLS_PATTERN(sent + k);
		if (SSL_write(ssl, buf, (int)n) != (int)n)
			goto done;
		sent += n;
	}
	ok = 1;
done:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	_exit(ok ? 0 : 1);
}

/*
 * A burst through a TLS filter with a read watermark, read on at every
 * turn as the tunnel's readers do: every byte arrives, in order. When
 * net_bev_read_on fed the filter's socket more than libevent reads, this
 * read 584,640 of 600,000 bytes out of place (libevent 2.1.12): hras saw
 * "malformed chunked body" after a stalled TLS lane caught up.
 */
static void
test_bev_read_on_tls_burst(void **state)
{
	struct event_base	*base;
	struct bufferevent	*sock, *bev;
	struct turn_read	 t;
	SSL_CTX			*ctx;
	SSL			*ssl;
	pid_t			 pid;
	int			 sv[2], status, turns = 0;

	(void)state;
	assert_true(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	ctx = test_tls_ctx();
	assert_non_null(base = event_base_new());
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		close(sv[0]);
		tls_burst_client(sv[1]);
	}
	close(sv[1]);
	assert_int_equal(evutil_make_socket_nonblocking(sv[0]), 0);
	assert_non_null(sock = bufferevent_socket_new(base, sv[0],
	    BEV_OPT_CLOSE_ON_FREE));
	assert_non_null(ssl = SSL_new(ctx));
	assert_non_null(bev = bufferevent_openssl_filter_new(base, sock, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE));
	memset(&t, 0, sizeof(t));
	t.max = 65536;
	t.check = 1;
	/* As hras's links: no more than a bound decrypted and waiting. */
	bufferevent_setwatermark(bev, EV_READ, 0, 65536);
	bufferevent_setcb(bev, turn_read_cb, NULL, turn_event_cb, &t);
	assert_int_equal(bufferevent_enable(bev, EV_READ | EV_WRITE), 0);
	/* Let the client fill the socket before the reading starts. */
	while (!t.connected && !t.failed)
		assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	usleep(200000);
	while (t.got < TLS_BURST && !t.failed && turns++ < 100000)
		assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	assert_int_equal(t.got, TLS_BURST);
	assert_int_equal(t.bad, 0);
	bufferevent_free(bev);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	event_base_free(base);
	SSL_CTX_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_local),
		cmocka_unit_test(test_check_local),
		cmocka_unit_test(test_bev_write),
		cmocka_unit_test(test_bev_read_on),
		cmocka_unit_test(test_bev_read_on_tls),
		cmocka_unit_test(test_bev_read_on_tls_burst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
