/*
 * libFuzzer target for hras's tunnel port as an outsider meets it: the
 * input is everything one TCP client sends, fed to a real hras_link (the
 * HTTP reader, the admission requests /vofw/v1/challenge and open, the
 * session requests that must carry a valid MAC, the cover pages, the
 * refusals) over a bufferevent pair, the event loop turned until it has
 * nothing left to do. Nothing the client sends may crash, leak or leave
 * a connection behind once the client is gone; whatever hras answers is
 * HTTP. Sessions cannot be admitted here (the MAC needs the secret); the
 * admitted path is test_hrac_session's.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "config.h"
#include "hras.h"
#include "hras_config.h"
#include "log.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FT_TURNS	64	/* loop turns at most per input */

static struct hras	ft_h;

/* hras with one client, its tunnel port not listening: links are adopted. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct hras_session_cb	 cb = { NULL, NULL, NULL, NULL };
	char			 path[] = "/tmp/fuzz_tunnel_port.XXXXXX";
	char			 err[CONFIG_ERRLEN];
	FILE			*f;
	int			 fd;

	(void)argc;
	(void)argv;
	log_init("fuzz", 0, LOG_LEVEL_WARN);
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		abort();
	fprintf(f, "domains = [ \"corp.example\" ];\n"
	    "sip = { address = \"127.0.0.1\"; };\n"
	    "media = { address = \"127.0.0.1\"; };\n"
	    "tunnel = { address = \"127.0.0.1\"; port = 8080; };\n"
	    "clients = ( { id = \"corp\"; secret = \"88887ff91ff0805984a7"
	    "d5b118cb4aecd40e6b7763fcc0790ff80d91bc061c59\"; "
	    "domains = [ \"corp.example\" ]; } );\n");
	if (fclose(f) != 0)
		abort();
	ft_h.conf = hras_config_load(path, err, sizeof(err));
	unlink(path);
	if (ft_h.conf == NULL) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	TAILQ_INIT(&ft_h.links);
	TAILQ_INIT(&ft_h.unauth);
	TAILQ_INIT(&ft_h.sessions);
	if ((ft_h.base = event_base_new()) == NULL)
		abort();
	hras_sessions_init(&ft_h, &cb);
	return 0;
}

/* One client's bytes, then its close; every link must be gone after. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct bufferevent	*pair[2];
	struct sockaddr_in	 sin;
	struct evbuffer		*answer;
	int			 i;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(40000);
	sin.sin_addr.s_addr = htonl(0xc6336442);	/* 198.51.100.66 */
	if (bufferevent_pair_new(ft_h.base, 0, pair) == -1)
		abort();
	if (hras_link_new(&ft_h, pair[1], (struct sockaddr *)&sin) == -1) {
		bufferevent_free(pair[0]);
		return 0;
	}
	if (bufferevent_enable(pair[0], EV_READ | EV_WRITE) == -1 ||
	    bufferevent_write(pair[0], data, len) == -1)
		abort();
	answer = bufferevent_get_input(pair[0]);
	for (i = 0; i < FT_TURNS; i++) {
		if (event_base_loop(ft_h.base, EVLOOP_NONBLOCK) == -1)
			abort();
		/* The client reads what it is sent, so hras never waits on it. */
		evbuffer_drain(answer, evbuffer_get_length(answer));
	}
	bufferevent_flush(pair[0], EV_WRITE, BEV_FINISHED);
	bufferevent_free(pair[0]);
	event_base_loop(ft_h.base, EVLOOP_NONBLOCK);
	hras_link_close_all(&ft_h);
	if (ft_h.nlinks != 0 || ft_h.nunauth != 0)
		abort();
	return 0;
}
