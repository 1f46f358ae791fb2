/*
 * The system call filter both daemons enter once their sockets are open
 * and root is gone: an allow list of what glibc, libevent, OpenSSL,
 * libosip2, syslog and the resolver use while the daemons run; any other
 * call ends the process with a line on stderr (docs/security.md).
 */
#ifndef VOFW_SANDBOX_H
#define VOFW_SANDBOX_H

int	sandbox_enter(void);

#endif
