/*
 * logsink: a stand-in for syslogd in VoFW's tests.  It binds a Unix
 * datagram socket, where openlog(3) expects /dev/log, prints "listening",
 * then prints each datagram it receives on a line of its own, as sent but
 * with control bytes shown as '?', until it is killed or TIMEOUT_MS pass
 * without a datagram.  A test bind-mounts the socket over /dev/log in a
 * daemon's private mount namespace and reads what the daemon logged.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOGSINK_BUFSZ	65536	/* larger than any line syslog(3) sends */

static void	logsink_die(const char *) __attribute__((noreturn));
static int	logsink_bind(const char *);
static void	logsink_print(const char *, size_t);

/* Print what failed with errno's description and exit 1. */
static void
logsink_die(const char *what)
{
	fprintf(stderr, "logsink: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Bind a Unix datagram socket at path; the path must not exist. */
static int
logsink_bind(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "logsink: path too long: %s\n", path);
		exit(2);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1)
		logsink_die("socket");
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		logsink_die(path);
	return fd;
}

/* Print one datagram as one line; a trailing newline or NUL is dropped. */
static void
logsink_print(const char *buf, size_t len)
{
	size_t	 i;

	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\0'))
		len--;
	for (i = 0; i < len; i++) {
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			putchar('?');
		else
			putchar(buf[i]);
	}
	putchar('\n');
	/* The test reads the log file while we run. */
	fflush(stdout);
}

int
main(int argc, char *argv[])
{
	static char	 buf[LOGSINK_BUFSZ];
	struct pollfd	 pfd;
	ssize_t		 n;
	char		*end;
	long		 timeout;
	int		 rc;

	if (argc != 3) {
		fprintf(stderr, "usage: logsink PATH TIMEOUT_MS\n");
		return 2;
	}
	errno = 0;
	timeout = strtol(argv[2], &end, 10);
	if (argv[2][0] < '0' || argv[2][0] > '9' || *end != '\0' ||
	    errno != 0 || timeout > INT_MAX) {
		fprintf(stderr, "logsink: bad TIMEOUT_MS: %s\n", argv[2]);
		return 2;
	}
	pfd.fd = logsink_bind(argv[1]);
	pfd.events = POLLIN;
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		if ((rc = poll(&pfd, 1, (int)timeout)) == -1) {
			if (errno == EINTR)
				continue;
			logsink_die("poll");
		}
		if (rc == 0)
			break;
		if ((n = recv(pfd.fd, buf, sizeof(buf), 0)) == -1) {
			if (errno == EINTR)
				continue;
			logsink_die("recv");
		}
		logsink_print(buf, (size_t)n);
	}
	close(pfd.fd);
	unlink(argv[1]);
	return 0;
}
