/*
 * Socket helpers shared by both halves: numeric address parsing and
 * non-blocking listeners, with every error reported to the caller.
 */
#ifndef VOFW_NET_H
#define VOFW_NET_H

#include <sys/socket.h>

#include <stdint.h>

struct bufferevent;
struct evbuffer;

int	net_sockaddr(const char *, uint16_t, struct sockaddr_storage *,
	    socklen_t *);
int	net_udp_bind(const char *, uint16_t);
#define NET_TCP_NOTSENT_LOWAT	(64 * 1024)
#define NET_UDP_BUFFER		(1024 * 1024)

void	net_udp_buffers(int, int);
void	net_tcp_voice(int);
int	net_bev_write(struct bufferevent *, struct evbuffer *);
/* What libevent 2.1 reads from a socket at most per read (buffer.c). */
#define NET_READ_CHUNK		4096
void	net_bev_read_on(struct bufferevent *, size_t);
const char *net_ntop(const struct sockaddr *, char *, size_t);
int	net_is_local(const char *);
int	net_check_local(const char *file, const char *key, const char *);

#endif
