/*
 * Socket helpers shared by both halves.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
