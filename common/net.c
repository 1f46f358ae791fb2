/*
 * Socket helpers shared by both halves.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <ifaddrs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "log.h"
#include "net.h"

/* Fill a sockaddr from a numeric IPv4 or IPv6 address and a port. */
int
net_sockaddr(const char *addr, uint16_t port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return 0;
	}
	log_warnx("%s: not a numeric address", addr);
	return -1;
}

/* A non-blocking UDP socket bound to addr:port. */
int
net_udp_bind(const char *addr, uint16_t port)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd;

	if (net_sockaddr(addr, port, &ss, &len) == -1)
		return -1;
	if ((fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		log_warn("socket");
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == -1) {
		log_warn("bind %s:%u", addr, port);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Size a datagram socket's kernel buffers for bursts of voice: the
 * defaults hold only a few milliseconds at thousands of packets a second.
 */
void
net_udp_buffers(int fd, int bytes)
{
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes)) == -1)
		log_warn("UDP socket buffers");
}

/*
 * Tune a tunnel TCP socket for voice: no Nagle delay; little unsent data
 * in the kernel, so that backlog stays in our queue where stale voice can
 * be dropped instead of being sent late; and, while few segments are in
 * flight (a call or two: a thin stream), retransmission timeouts that do
 * not double, so that a second loss in a row costs one more timeout, not
 * two more.
 */
void
net_tcp_voice(int fd)
{
	int	 one = 1, lowat = NET_TCP_NOTSENT_LOWAT;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		log_warn("TCP_NODELAY");
	if (setsockopt(fd, IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS, &one,
	    sizeof(one)) == -1)
		log_warn("TCP_THIN_LINEAR_TIMEOUTS");
	if (setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat,
	    sizeof(lowat)) == -1)
		log_warn("TCP_NOTSENT_LOWAT");
}

/* "address:port" of a socket address, for logs. */
const char *
net_ntop(const struct sockaddr *sa, char *buf, size_t len)
{
	char	 host[INET6_ADDRSTRLEN];
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET &&
	    inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host)) != NULL)
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	else if (sa->sa_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host)) != NULL)
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	else
		snprintf(buf, len, "?");
	return buf;
}

/*
 * Whether a numeric address can be bound on this machine: a wildcard
 * (0.0.0.0, ::), any of 127.0.0.0/8 (all loopback on Linux) or ::1, or an
 * address of one of its interfaces (getifaddrs). 1 when it can, 0 when
 * not, -1 when the interfaces cannot be listed (errno set).
 */
int
net_is_local(const char *addr)
{
	struct sockaddr_storage	 ss;
	struct ifaddrs		*ifa, *i;
	socklen_t		 len;
	int			 found = 0;

	if (net_sockaddr(addr, 0, &ss, &len) == -1)
		return 0;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		if (sin->sin_addr.s_addr == htonl(INADDR_ANY) ||
		    (ntohl(sin->sin_addr.s_addr) >> 24) == 127)
			return 1;
	} else {
		const struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr) ||
		    IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return 1;
	}
	if (getifaddrs(&ifa) == -1)
		return -1;
	for (i = ifa; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family !=
		    ss.ss_family)
			continue;
		if (ss.ss_family == AF_INET)
			found = ((struct sockaddr_in *)i->ifa_addr)->
			    sin_addr.s_addr ==
			    ((struct sockaddr_in *)&ss)->sin_addr.s_addr;
		else
			found = memcmp(&((struct sockaddr_in6 *)
			    i->ifa_addr)->sin6_addr,
			    &((struct sockaddr_in6 *)&ss)->sin6_addr,
			    sizeof(struct in6_addr)) == 0;
	}
	freeifaddrs(ifa);
	return found;
}

/*
 * -n's check of one address a daemon binds: a line on stderr naming the
 * file, the key and the value when it is not this machine's. 0 when it
 * is, 1 when not (or when the interfaces cannot be listed).
 */
int
net_check_local(const char *file, const char *key, const char *addr)
{
	switch (net_is_local(addr)) {
	case 1:
		return 0;
	case 0:
		fprintf(stderr, "%s: %s \"%s\" is not an address of this "
		    "machine (ip address shows them; 0.0.0.0 or :: listens "
		    "on all)\n", file, key, addr);
		return 1;
	default:
		fprintf(stderr, "%s: %s \"%s\": cannot list this machine's "
		    "addresses: %s\n", file, key, addr, strerror(errno));
		return 1;
	}
}

/*
 * Move data into bev's output and write what the socket takes at once
 * when nothing waits there before it: libevent writes only when its loop
 * turns, and a paced loop (pace.h) turns again only after its sleep. A
 * TLS filter (whose socket is the bufferevent under it) seals the data
 * into its socket's output as it is added, as one record: the data is
 * made one piece first, as the filter seals each piece as a record of
 * its own. What the socket does not take, and the error of a failed
 * write, are left to the bufferevents; a pair has no socket. 0, or -1 if
 * the data could not be queued.
 */
int
net_bev_write(struct bufferevent *bev, struct evbuffer *data)
{
	struct bufferevent	*sock = bufferevent_get_underlying(bev);
	struct evbuffer		*out;
	evutil_socket_t		 fd;
	size_t			 before;

	if (evbuffer_get_length(data) == 0)
		return 0;
	if (sock == NULL) {
		out = bufferevent_get_output(bev);
		if (evbuffer_get_length(out) == 0 &&
		    (bufferevent_get_enabled(bev) & EV_WRITE) &&
		    (fd = bufferevent_getfd(bev)) != -1)
			(void)evbuffer_write(data, fd);
		if (evbuffer_get_length(data) == 0)
			return 0;
		return evbuffer_add_buffer(out, data);
	}
	out = bufferevent_get_output(sock);
	before = evbuffer_get_length(out);
	if (evbuffer_pullup(data, -1) == NULL ||
	    evbuffer_add_buffer(bufferevent_get_output(bev), data) == -1)
		return -1;
	if (before == 0 && (bufferevent_get_enabled(sock) & EV_WRITE) &&
	    (fd = bufferevent_getfd(sock)) != -1)
		(void)evbuffer_write(out, fd);
	return 0;
}

/*
 * Read what a socket holds beyond the one read libevent made for this
 * turn, while the input holds less than max bytes. libevent 2.1 reads at
 * most NET_READ_CHUNK bytes per readable event, so a tunnel that brings
 * more than that between two turns of a paced or busy loop could not
 * catch up once behind (at 1000 calls every read of both halves was a
 * full chunk). A socket bufferevent whose input holds less than a chunk
 * read all there was. A bufferevent not reading (held back) reads nothing
 * more. An error or the end of the stream stops the reading here; the
 * bufferevent's next read meets the end of the stream and reports it.
 *
 * Not under a TLS filter: fed more ciphertext than it reads itself, while
 * its input stands at a read watermark, libevent 2.1's filter hands on
 * bytes out of order (test_net's burst test shows it), so a TLS tunnel
 * reads what libevent reads.
 */
void
net_bev_read_on(struct bufferevent *bev, size_t max)
{
	struct evbuffer		*in = bufferevent_get_input(bev);
	evutil_socket_t		 fd = bufferevent_getfd(bev);
	size_t			 len = evbuffer_get_length(in);
	int			 n;

	if (bufferevent_get_underlying(bev) != NULL ||
	    !(bufferevent_get_enabled(bev) & EV_READ) || fd == -1 ||
	    len < NET_READ_CHUNK)
		return;
	/* A socket bufferevent keeps its input's end frozen but to read. */
	evbuffer_unfreeze(in, 0);
	n = NET_READ_CHUNK;
	while (n == NET_READ_CHUNK && len < max) {
		if ((n = evbuffer_read(in, fd, (int)(max - len))) <= 0)
			break;
		len += (size_t)n;
	}
	evbuffer_freeze(in, 0);
}
