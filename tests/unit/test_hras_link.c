/*
 * Unit tests of hras's tunnel port (hras_link.c) on 127.0.0.1: the cap on
 * unadmitted connections per address, the oldest giving way when their
 * pool is full, the deadline for a whole request head that a trickle
 * does not push back, and pipelined requests read only while their
 * answers are taken, none lost.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
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

#include "config.h"
#include "hras.h"
#include "hras_config.h"

#define TW_GET	"GET / HTTP/1.1\r\nHost: x\r\n\r\n"

struct tw {
	struct hras	 h;
	uint16_t	 port;
};


/* hras's tunnel listener with small limits. */
static int
tw_setup(void **state)
{
	struct tw	*t;
	struct hras_session_cb cb = { NULL, NULL, NULL, NULL };
	char		 path[] = "/tmp/test_hras_link.XXXXXX";
	char		 err[CONFIG_ERRLEN];
	FILE		*f;
	int		 fd;

	assert_non_null(t = calloc(1, sizeof(*t)));
	t->port = unet_free_port();
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	fprintf(f, "domains = [ \"corp.example\" ];\n"
	    "sip = { address = \"127.0.0.1\"; };\n"
	    "media = { address = \"127.0.0.1\"; };\n"
	    "tunnel = { address = \"127.0.0.1\"; port = %u;\n"
	    "  conns_max = 16; unauth_max = 4; conns_per_address = 2;"
	    " head_timeout = 1; };\n"
	    "clients = ( { id = \"corp\"; secret = \"88887ff91ff0805984a7d5b1"
	    "18cb4aecd40e6b7763fcc0790ff80d91bc061c59\"; "
	    "domains = [ \"corp.example\" ]; } );\n", t->port);
	assert_int_equal(fclose(f), 0);
	t->h.conf = hras_config_load(path, err, sizeof(err));
	unlink(path);
	if (t->h.conf == NULL)
		fail_msg("%s", err);
	TAILQ_INIT(&t->h.links);
	TAILQ_INIT(&t->h.unauth);
	TAILQ_INIT(&t->h.sessions);
	assert_non_null(t->h.base = event_base_new());
	hras_sessions_init(&t->h, &cb);
	assert_int_equal(hras_link_listen(&t->h), 0);
	*state = t;
	return 0;
}

static int
tw_teardown(void **state)
{
	struct tw	*t = *state;

	hras_link_close_all(&t->h);
	assert_int_equal(t->h.nlinks, 0);
	assert_int_equal(t->h.nunauth, 0);
	event_base_free(t->h.base);
	hras_config_free(t->h.conf);
	free(t);
	return 0;
}

/*
 * Two unadmitted connections per address: a third is refused. When the
 * pool of four is full, a newcomer from elsewhere makes the oldest give
 * way.
 */
static void
test_per_address_and_pool(void **state)
{
	struct tw	*t = *state;
	int		 fd[6], i;

	fd[0] = unet_connect("127.0.0.1", t->port);
	fd[1] = unet_connect("127.0.0.1", t->port);
	fd[2] = unet_connect("127.0.0.1", t->port);
	unet_run(t->h.base, 100);
	assert_true(unet_open(fd[0]));
	assert_true(unet_open(fd[1]));
	assert_false(unet_open(fd[2]));
	assert_int_equal(t->h.nunauth, 2);
	fd[3] = unet_connect("127.0.0.2", t->port);
	unet_run(t->h.base, 50);
	fd[4] = unet_connect("127.0.0.3", t->port);
	unet_run(t->h.base, 50);
	assert_int_equal(t->h.nunauth, 4);
	fd[5] = unet_connect("127.0.0.4", t->port);
	unet_run(t->h.base, 100);
	assert_int_equal(t->h.nunauth, 4);
	assert_false(unet_open(fd[0]));
	for (i = 3; i < 6; i++)
		assert_true(unet_open(fd[i]));
	for (i = 0; i < 6; i++)
		close(fd[i]);
}

/* A head sent a byte at a time still ends at head_timeout. */
static void
test_head_deadline(void **state)
{
	struct tw	*t = *state;
	const char	*head = "GET / HTTP/1.1\r\nHost: x\r\n";
	int		 fd, i;

	fd = unet_connect("127.0.0.1", t->port);
	for (i = 0; i < 4; i++) {
		assert_int_equal(send(fd, head + i, 1, 0), 1);
		unet_run(t->h.base, 300);
	}
	unet_run(t->h.base, 200);
	assert_false(unet_open(fd));
	assert_int_equal(t->h.nlinks, 0);
	close(fd);
}

/*
 * 1 MB of pipelined GETs whose answers are not read: hras stops reading
 * (its buffers stay small) and goes on once they are read; every request
 * gets its answer.
 */
static void
test_pipelined(void **state)
{
	struct tw		*t = *state;
	struct hras_link	*c;
	static char		 buf[1024 * 1024];
	size_t			 n = 0, glen = strlen(TW_GET), sent = 0;
	ssize_t			 r;
	int			 fd, answers = 0, i, pause_seen = 0;
	size_t			 carry = 0;
	char			 rbuf[65536 + 16], *p;

	while (n + glen <= sizeof(buf)) {
		memcpy(buf + n, TW_GET, glen);
		n += glen;
	}
	fd = unet_connect("127.0.0.1", t->port);
	/* Until all is sent and hras has stopped reading (not sooner). */
	for (i = 0; i < 400 && (sent < n || !pause_seen); i++) {
		r = send(fd, buf + sent, n - sent, MSG_DONTWAIT);
		if (r > 0)
			sent += (size_t)r;
		unet_run(t->h.base, 10);
		c = TAILQ_FIRST(&t->h.links);
		assert_non_null(c);
		assert_true(evbuffer_get_length(bufferevent_get_input(c->bev))
		    <= HRAS_READ_MAX + 4096);
		assert_true(evbuffer_get_length(bufferevent_get_output(c->bev))
		    <= HRAS_OUT_PAUSE + 4096);
		pause_seen |= c->paused;
	}
	assert_true(pause_seen);
	/* Now read: hras goes on, and the rest of the flood goes in. */
	for (i = 0; i < 2000 && answers < (int)(n / glen); i++) {
		if (sent < n && (r = send(fd, buf + sent, n - sent,
		    MSG_DONTWAIT)) > 0)
			sent += (size_t)r;
		unet_run(t->h.base, 5);
		while ((r = recv(fd, rbuf + carry, sizeof(rbuf) - carry - 1,
		    MSG_DONTWAIT)) > 0) {
			rbuf[carry + (size_t)r] = '\0';
			for (p = rbuf; (p = strstr(p, "200 OK\r")) != NULL;
			    p++)
				answers++;
			/* Keep a tail that may hold a split status line. */
			carry = carry + (size_t)r < 6 ? carry + (size_t)r : 6;
			memmove(rbuf, rbuf + strlen(rbuf) - carry, carry);
		}
	}
	assert_int_equal(sent, n);
	assert_int_equal(answers, (int)(n / glen));
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_per_address_and_pool,
		    tw_setup, tw_teardown),
		cmocka_unit_test_setup_teardown(test_head_deadline,
		    tw_setup, tw_teardown),
		cmocka_unit_test_setup_teardown(test_pipelined,
		    tw_setup, tw_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
