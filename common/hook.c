/*
 * The diagnostic datagram relay (see hook.h). One UDP socket: what arrives
 * on it goes into the tunnel as FRAME_HOOK; what comes out of the tunnel
 * leaves from it towards the forward address of this half's own config.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/util.h>

#include "config.h"
#include "hook.h"
#include "log.h"
#include "net.h"

#define HOOK_BURST	64	/* datagrams read per wake-up */

struct hook {
	int			 fd;
	struct event		*ev;
	struct sockaddr_storage	 fwd;
	socklen_t		 fwdlen;
	hook_send_fn		 send;
	void			*arg;
	unsigned long		 dropped;
};

static void	hook_read(evutil_socket_t, short, void *);

/* Open the hook's socket and start reading it. */
struct hook *
hook_new(struct event_base *base, const struct config_hook *cfg,
    hook_send_fn send, void *arg)
{
	struct hook	*h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->send = send;
	h->arg = arg;
	if (net_sockaddr(cfg->forward.address, cfg->forward.port, &h->fwd,
	    &h->fwdlen) == -1 ||
	    (h->fd = net_udp_bind(cfg->listen.address, cfg->listen.port)) ==
	    -1) {
		free(h);
		return NULL;
	}
	net_udp_buffers(h->fd, NET_UDP_BUFFER);
	if ((h->ev = event_new(base, h->fd, EV_READ | EV_PERSIST, hook_read,
	    h)) == NULL || event_add(h->ev, NULL) == -1) {
		if (h->ev != NULL)
			event_free(h->ev);
		close(h->fd);
		free(h);
		return NULL;
	}
	return h;
}

/* Stop and close the hook. */
void
hook_free(struct hook *h)
{
	if (h == NULL)
		return;
	event_free(h->ev);
	close(h->fd);
	free(h);
}

/* Move a burst of datagrams from the socket into the tunnel. */
static void
hook_read(evutil_socket_t fd, short what, void *arg)
{
	struct hook	*h = arg;
	uint8_t		 buf[65536];
	ssize_t		 n;
	int		 i;

	(void)what;
	for (i = 0; i < HOOK_BURST; i++) {
		if ((n = recv(fd, buf, sizeof(buf), 0)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("hook recv");
			return;
		}
		if (h->send(h->arg, buf, (size_t)n) == -1)
			h->dropped++;
	}
}

/* Send a datagram that came out of the tunnel to the forward address. */
void
hook_deliver(struct hook *h, const void *data, size_t len)
{
	if (sendto(h->fd, data, len, 0, (struct sockaddr *)&h->fwd,
	    h->fwdlen) == -1 && errno != EAGAIN)
		log_debug("hook sendto: %s", strerror(errno));
}
